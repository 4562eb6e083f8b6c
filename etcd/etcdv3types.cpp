#include "etcdv3types.h"

// ---- Transaction building helpers -------------------------------------------------------------

EtcdV3Compare EtcdV3Compare::valueIs(const QByteArray &key, Result r, const QByteArray &value)
{
    EtcdV3Compare c;
    c.key = key;
    c.target = Target::Value;
    c.result = r;
    c.value = value;
    return c;
}

EtcdV3Compare EtcdV3Compare::version(const QByteArray &key, Result r, qint64 version)
{
    EtcdV3Compare c;
    c.key = key;
    c.target = Target::Version;
    c.result = r;
    c.number = version;
    return c;
}

EtcdV3Compare EtcdV3Compare::createRevision(const QByteArray &key, Result r, qint64 revision)
{
    EtcdV3Compare c = version(key, r, revision);
    c.target = Target::Create;
    return c;
}

EtcdV3Compare EtcdV3Compare::modRevision(const QByteArray &key, Result r, qint64 revision)
{
    EtcdV3Compare c = version(key, r, revision);
    c.target = Target::Mod;
    return c;
}

EtcdV3Compare EtcdV3Compare::lease(const QByteArray &key, Result r, quint64 lease)
{
    EtcdV3Compare c = version(key, r, qint64(lease));
    c.target = Target::Lease;
    return c;
}

EtcdV3RequestOp EtcdV3RequestOp::makeRange(const QByteArray &key, const EtcdV3RangeOptions &o)
{
    EtcdV3RequestOp op;
    op.type = Type::Range;
    op.key = key;
    op.range = o;
    return op;
}

EtcdV3RequestOp EtcdV3RequestOp::makePut(const QByteArray &key, const QByteArray &value,
                                         const EtcdV3PutOptions &o)
{
    EtcdV3RequestOp op;
    op.type = Type::Put;
    op.key = key;
    op.value = value;
    op.put = o;
    return op;
}

EtcdV3RequestOp EtcdV3RequestOp::makeDelete(const QByteArray &key, const EtcdV3DeleteOptions &o)
{
    EtcdV3RequestOp op;
    op.type = Type::DeleteRange;
    op.key = key;
    op.deleteRange = o;
    return op;
}
