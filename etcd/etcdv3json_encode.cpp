// EtcdV3Json: the requests. Defaults are left out, as the gateway itself writes them;
// 64-bit integers as decimal strings, bytes as base64.
#include "etcdv3json.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace {

QString num(qint64 n)
{
    return QString::number(n);
}

QString unum(quint64 n)
{
    return QString::number(n);
}

QString b64(const QByteArray &bytes)
{
    return QString::fromLatin1(bytes.toBase64());
}

QByteArray toJson(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QJsonObject rangeObject(const QByteArray &key, const EtcdV3RangeOptions &o)
{
    QJsonObject j;
    j.insert(QLatin1String("key"), b64(key));
    if (!o.rangeEnd.isEmpty())
        j.insert(QLatin1String("range_end"), b64(o.rangeEnd));
    if (o.limit)
        j.insert(QLatin1String("limit"), num(o.limit));
    if (o.revision)
        j.insert(QLatin1String("revision"), num(o.revision));
    static const char *const orders[] = {"NONE", "ASCEND", "DESCEND"};
    static const char *const targets[] = {"KEY", "VERSION", "CREATE", "MOD", "VALUE"};
    if (o.sortOrder != EtcdV3RangeOptions::SortOrder::None)
        j.insert(QLatin1String("sort_order"), QLatin1String(orders[int(o.sortOrder)]));
    if (o.sortTarget != EtcdV3RangeOptions::SortTarget::Key)
        j.insert(QLatin1String("sort_target"), QLatin1String(targets[int(o.sortTarget)]));
    if (o.serializable)
        j.insert(QLatin1String("serializable"), true);
    if (o.keysOnly)
        j.insert(QLatin1String("keys_only"), true);
    if (o.countOnly)
        j.insert(QLatin1String("count_only"), true);
    if (o.minModRevision)
        j.insert(QLatin1String("min_mod_revision"), num(o.minModRevision));
    if (o.maxModRevision)
        j.insert(QLatin1String("max_mod_revision"), num(o.maxModRevision));
    if (o.minCreateRevision)
        j.insert(QLatin1String("min_create_revision"), num(o.minCreateRevision));
    if (o.maxCreateRevision)
        j.insert(QLatin1String("max_create_revision"), num(o.maxCreateRevision));
    return j;
}

QJsonObject putObject(const QByteArray &key, const QByteArray &value, const EtcdV3PutOptions &o)
{
    QJsonObject j;
    j.insert(QLatin1String("key"), b64(key));
    if (!o.ignoreValue)
        j.insert(QLatin1String("value"), b64(value));
    if (o.lease)
        j.insert(QLatin1String("lease"), num(qint64(o.lease))); // int64 on the wire
    if (o.prevKv)
        j.insert(QLatin1String("prev_kv"), true);
    if (o.ignoreValue)
        j.insert(QLatin1String("ignore_value"), true);
    if (o.ignoreLease)
        j.insert(QLatin1String("ignore_lease"), true);
    return j;
}

QJsonObject deleteObject(const QByteArray &key, const EtcdV3DeleteOptions &o)
{
    QJsonObject j;
    j.insert(QLatin1String("key"), b64(key));
    if (!o.rangeEnd.isEmpty())
        j.insert(QLatin1String("range_end"), b64(o.rangeEnd));
    if (o.prevKv)
        j.insert(QLatin1String("prev_kv"), true);
    return j;
}

QJsonObject compareObject(const EtcdV3Compare &c)
{
    static const char *const targets[] = {"VERSION", "CREATE", "MOD", "VALUE", "LEASE"};
    static const char *const results[] = {"EQUAL", "GREATER", "LESS", "NOT_EQUAL"};
    QJsonObject j;
    j.insert(QLatin1String("key"), b64(c.key));
    if (!c.rangeEnd.isEmpty())
        j.insert(QLatin1String("range_end"), b64(c.rangeEnd));
    j.insert(QLatin1String("target"), QLatin1String(targets[int(c.target)]));
    j.insert(QLatin1String("result"), QLatin1String(results[int(c.result)]));
    // The operand is always written, even at 0, so the oneof is set ("version 0" = absent key).
    switch (c.target) {
    case EtcdV3Compare::Target::Version:
        j.insert(QLatin1String("version"), num(c.number));
        break;
    case EtcdV3Compare::Target::Create:
        j.insert(QLatin1String("create_revision"), num(c.number));
        break;
    case EtcdV3Compare::Target::Mod:
        j.insert(QLatin1String("mod_revision"), num(c.number));
        break;
    case EtcdV3Compare::Target::Value:
        j.insert(QLatin1String("value"), b64(c.value));
        break;
    case EtcdV3Compare::Target::Lease:
        j.insert(QLatin1String("lease"), num(c.number));
        break;
    }
    return j;
}

QJsonArray opsArray(const QList<EtcdV3RequestOp> &ops)
{
    QJsonArray a;
    for (const EtcdV3RequestOp &op : ops) {
        QJsonObject j;
        switch (op.type) {
        case EtcdV3RequestOp::Type::Range:
            j.insert(QLatin1String("request_range"), rangeObject(op.key, op.range));
            break;
        case EtcdV3RequestOp::Type::Put:
            j.insert(QLatin1String("request_put"), putObject(op.key, op.value, op.put));
            break;
        case EtcdV3RequestOp::Type::DeleteRange:
            j.insert(QLatin1String("request_delete_range"), deleteObject(op.key, op.deleteRange));
            break;
        }
        a.append(j);
    }
    return a;
}

QJsonArray urlArray(const QStringList &urls)
{
    QJsonArray a;
    for (const QString &u : urls)
        a.append(u);
    return a;
}

} // namespace

namespace EtcdV3Json {

QByteArray encodeRange(const QByteArray &key, const EtcdV3RangeOptions &options)
{
    return toJson(rangeObject(key, options));
}

QByteArray encodePut(const QByteArray &key, const QByteArray &value,
                     const EtcdV3PutOptions &options)
{
    return toJson(putObject(key, value, options));
}

QByteArray encodeDeleteRange(const QByteArray &key, const EtcdV3DeleteOptions &options)
{
    return toJson(deleteObject(key, options));
}

QByteArray encodeTxn(const EtcdV3TxnRequest &request)
{
    QJsonObject j;
    QJsonArray compare;
    for (const EtcdV3Compare &c : request.compare)
        compare.append(compareObject(c));
    if (!compare.isEmpty())
        j.insert(QLatin1String("compare"), compare);
    if (!request.success.isEmpty())
        j.insert(QLatin1String("success"), opsArray(request.success));
    if (!request.failure.isEmpty())
        j.insert(QLatin1String("failure"), opsArray(request.failure));
    return toJson(j);
}

QByteArray encodeCompaction(qint64 revision, bool physical)
{
    QJsonObject j;
    j.insert(QLatin1String("revision"), num(revision));
    if (physical)
        j.insert(QLatin1String("physical"), true);
    return toJson(j);
}

QByteArray encodeLeaseGrant(qint64 ttl, quint64 id)
{
    QJsonObject j;
    j.insert(QLatin1String("TTL"), num(ttl));
    if (id)
        j.insert(QLatin1String("ID"), num(qint64(id)));
    return toJson(j);
}

QByteArray encodeLeaseId(quint64 id)
{
    QJsonObject j;
    j.insert(QLatin1String("ID"), num(qint64(id)));
    return toJson(j);
}

QByteArray encodeLeaseTimeToLive(quint64 id, bool keys)
{
    QJsonObject j;
    j.insert(QLatin1String("ID"), num(qint64(id)));
    if (keys)
        j.insert(QLatin1String("keys"), true);
    return toJson(j);
}

QByteArray encodeMemberAdd(const QStringList &peerUrls, bool isLearner)
{
    QJsonObject j;
    j.insert(QLatin1String("peerURLs"), urlArray(peerUrls));
    if (isLearner)
        j.insert(QLatin1String("isLearner"), true);
    return toJson(j);
}

QByteArray encodeMemberId(quint64 id)
{
    QJsonObject j;
    j.insert(QLatin1String("ID"), unum(id));
    return toJson(j);
}

QByteArray encodeMemberUpdate(quint64 id, const QStringList &peerUrls)
{
    QJsonObject j;
    j.insert(QLatin1String("ID"), unum(id));
    j.insert(QLatin1String("peerURLs"), urlArray(peerUrls));
    return toJson(j);
}

QByteArray encodeAlarm(EtcdV3AlarmAction action, quint64 memberId, EtcdV3AlarmType alarm)
{
    static const char *const actions[] = {"GET", "ACTIVATE", "DEACTIVATE"};
    static const char *const types[] = {"NONE", "NOSPACE", "CORRUPT"};
    QJsonObject j;
    j.insert(QLatin1String("action"), QLatin1String(actions[int(action)]));
    if (memberId)
        j.insert(QLatin1String("memberID"), unum(memberId));
    if (alarm != EtcdV3AlarmType::None)
        j.insert(QLatin1String("alarm"), QLatin1String(types[int(alarm)]));
    return toJson(j);
}

QByteArray encodeAuthenticate(const QString &name, const QString &password)
{
    QJsonObject j;
    j.insert(QLatin1String("name"), name);
    j.insert(QLatin1String("password"), password);
    return toJson(j);
}

} // namespace EtcdV3Json
