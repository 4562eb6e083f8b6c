// EtcdV3Json: the answers. Every field optional; a field present with the wrong type, a number
// out of range or bad base64 makes the whole answer a protocol error.
#include "etcdv3json.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <cmath>
#include <limits>

namespace {

// Reads optional fields and remembers the first one that is present but not what it should be.
// Field names are the proto names the gateway writes; `alt` is the lowerCamelCase spelling a
// gateway without OrigName would use.
class Reader
{
public:
    bool ok() const { return m_error.isEmpty(); }
    QString error() const { return m_error; }
    void fail(const QString &what)
    {
        if (m_error.isEmpty())
            m_error = what;
    }

    QJsonValue find(const QJsonObject &o, QLatin1String name, QLatin1String alt = {}) const
    {
        auto it = o.constFind(name);
        if (it == o.constEnd() && alt.size())
            it = o.constFind(alt);
        return it == o.constEnd() ? QJsonValue(QJsonValue::Undefined) : it.value();
    }

    qint64 int64(const QJsonObject &o, QLatin1String name, QLatin1String alt = {})
    {
        const QJsonValue v = find(o, name, alt);
        if (v.isUndefined() || v.isNull())
            return 0;
        qint64 n = 0;
        if (v.isString() && EtcdV3Json::decodeInt64(v.toString().toLatin1(), &n))
            return n;
        if (v.isDouble() && isIntegral(v.toDouble(), -9.2e18, 9.2e18))
            return qint64(v.toDouble());
        fail(QStringLiteral("field \"%1\" is not a 64-bit integer").arg(name));
        return 0;
    }

    quint64 uint64(const QJsonObject &o, QLatin1String name, QLatin1String alt = {})
    {
        const QJsonValue v = find(o, name, alt);
        if (v.isUndefined() || v.isNull())
            return 0;
        quint64 n = 0;
        if (v.isString() && EtcdV3Json::decodeUInt64(v.toString().toLatin1(), &n))
            return n;
        if (v.isDouble() && isIntegral(v.toDouble(), 0, 1.8e19))
            return quint64(v.toDouble());
        fail(QStringLiteral("field \"%1\" is not an unsigned 64-bit integer").arg(name));
        return 0;
    }

    bool boolean(const QJsonObject &o, QLatin1String name, QLatin1String alt = {})
    {
        const QJsonValue v = find(o, name, alt);
        if (v.isUndefined() || v.isNull())
            return false;
        if (v.isBool())
            return v.toBool();
        fail(QStringLiteral("field \"%1\" is not a boolean").arg(name));
        return false;
    }

    QString string(const QJsonObject &o, QLatin1String name, QLatin1String alt = {})
    {
        const QJsonValue v = find(o, name, alt);
        if (v.isUndefined() || v.isNull())
            return {};
        if (v.isString())
            return v.toString();
        fail(QStringLiteral("field \"%1\" is not a string").arg(name));
        return {};
    }

    QByteArray bytes(const QJsonObject &o, QLatin1String name, QLatin1String alt = {})
    {
        const QJsonValue v = find(o, name, alt);
        if (v.isUndefined() || v.isNull())
            return {};
        if (v.isString())
            return base64(v, name);
        fail(QStringLiteral("field \"%1\" is not a base64 string").arg(name));
        return {};
    }

    QByteArray base64(const QJsonValue &v, QLatin1String what)
    {
        if (!v.isString()) {
            fail(QStringLiteral("\"%1\" holds a value that is not a base64 string").arg(what));
            return {};
        }
        auto decoded = QByteArray::fromBase64Encoding(v.toString().toLatin1(),
                                                      QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded) {
            fail(QStringLiteral("field \"%1\" is not valid base64").arg(what));
            return {};
        }
        return *decoded;
    }

    QJsonArray array(const QJsonObject &o, QLatin1String name, QLatin1String alt = {})
    {
        const QJsonValue v = find(o, name, alt);
        if (v.isUndefined() || v.isNull())
            return {};
        if (v.isArray())
            return v.toArray();
        fail(QStringLiteral("field \"%1\" is not an array").arg(name));
        return {};
    }

    QJsonObject object(const QJsonObject &o, QLatin1String name, QLatin1String alt = {})
    {
        return asObject(find(o, name, alt), name);
    }

    QJsonObject asObject(const QJsonValue &v, QLatin1String what)
    {
        if (v.isUndefined() || v.isNull())
            return {};
        if (v.isObject())
            return v.toObject();
        fail(QStringLiteral("\"%1\" is not an object").arg(what));
        return {};
    }

    QStringList strings(const QJsonObject &o, QLatin1String name, QLatin1String alt = {})
    {
        QStringList list;
        for (const QJsonValue v : array(o, name, alt)) {
            if (!v.isString()) {
                fail(QStringLiteral("field \"%1\" holds a value that is not a string").arg(name));
                break;
            }
            list << v.toString();
        }
        return list;
    }

    EtcdV3Header header(const QJsonObject &o)
    {
        const QJsonObject h = object(o, QLatin1String("header"));
        EtcdV3Header r;
        r.clusterId = uint64(h, QLatin1String("cluster_id"), QLatin1String("clusterId"));
        r.memberId = uint64(h, QLatin1String("member_id"), QLatin1String("memberId"));
        r.revision = int64(h, QLatin1String("revision"));
        r.raftTerm = uint64(h, QLatin1String("raft_term"), QLatin1String("raftTerm"));
        return r;
    }

    EtcdV3KeyValue keyValue(const QJsonValue &v, QLatin1String what)
    {
        const QJsonObject o = asObject(v, what);
        EtcdV3KeyValue kv;
        kv.key = bytes(o, QLatin1String("key"));
        kv.value = bytes(o, QLatin1String("value"));
        kv.createRevision =
            int64(o, QLatin1String("create_revision"), QLatin1String("createRevision"));
        kv.modRevision = int64(o, QLatin1String("mod_revision"), QLatin1String("modRevision"));
        kv.version = int64(o, QLatin1String("version"));
        kv.lease = uint64(o, QLatin1String("lease"));
        return kv;
    }

    QList<EtcdV3KeyValue> keyValues(const QJsonObject &o, QLatin1String name,
                                    QLatin1String alt = {})
    {
        const QJsonArray a = array(o, name, alt);
        QList<EtcdV3KeyValue> list;
        list.reserve(a.size());
        for (const QJsonValue v : a) {
            list << keyValue(v, name);
            if (!ok())
                break;
        }
        return list;
    }

    EtcdV3Member member(const QJsonValue &v)
    {
        const QJsonObject o = asObject(v, QLatin1String("member"));
        EtcdV3Member m;
        m.id = uint64(o, QLatin1String("ID"), QLatin1String("id"));
        m.name = string(o, QLatin1String("name"));
        m.peerUrls = strings(o, QLatin1String("peerURLs"), QLatin1String("peerUrls"));
        m.clientUrls = strings(o, QLatin1String("clientURLs"), QLatin1String("clientUrls"));
        m.isLearner = boolean(o, QLatin1String("isLearner"));
        return m;
    }

    QList<EtcdV3Member> members(const QJsonObject &o)
    {
        QList<EtcdV3Member> list;
        for (const QJsonValue v : array(o, QLatin1String("members")))
            list << member(v);
        return list;
    }

private:
    static bool isIntegral(double d, double lo, double hi)
    {
        return std::isfinite(d) && d >= lo && d <= hi && std::floor(d) == d;
    }

    QString m_error;
};

// Parses a body that must be one JSON object.
bool parseObject(const QByteArray &body, QJsonObject *out, EtcdError *error)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
    if (pe.error != QJsonParseError::NoError) {
        *error = EtcdError::protocol(QStringLiteral("the answer is not valid JSON (%1 at byte %2)")
                                         .arg(pe.errorString())
                                         .arg(pe.offset));
        return false;
    }
    if (!doc.isObject()) {
        *error = EtcdError::protocol(QStringLiteral("the answer is not a JSON object"));
        return false;
    }
    *out = doc.object();
    return true;
}

EtcdError finish(const Reader &r)
{
    if (r.ok())
        return {};
    return EtcdError::protocol(QStringLiteral("unexpected answer: %1").arg(r.error()));
}

// Decodes a body with parse + header + the fields `fill` reads.
template<typename T, typename Fill> EtcdError decodeWith(const QByteArray &body, T *out, Fill fill)
{
    QJsonObject o;
    EtcdError error;
    if (!parseObject(body, &o, &error))
        return error;
    Reader r;
    T value;
    fill(r, o, value);
    if (!r.ok())
        return finish(r);
    *out = std::move(value);
    return {};
}

void fillRange(Reader &r, const QJsonObject &o, EtcdV3RangeResult &v)
{
    v.header = r.header(o);
    v.kvs = r.keyValues(o, QLatin1String("kvs"));
    v.more = r.boolean(o, QLatin1String("more"));
    v.count = r.int64(o, QLatin1String("count"));
}

void fillPut(Reader &r, const QJsonObject &o, EtcdV3PutResult &v)
{
    v.header = r.header(o);
    const QJsonValue prev = r.find(o, QLatin1String("prev_kv"), QLatin1String("prevKv"));
    if (!prev.isUndefined() && !prev.isNull())
        v.prevKv = r.keyValue(prev, QLatin1String("prev_kv"));
}

void fillDelete(Reader &r, const QJsonObject &o, EtcdV3DeleteResult &v)
{
    v.header = r.header(o);
    v.deleted = r.int64(o, QLatin1String("deleted"));
    v.prevKvs = r.keyValues(o, QLatin1String("prev_kvs"), QLatin1String("prevKvs"));
}

} // namespace

namespace EtcdV3Json {

bool decodeInt64(const QByteArray &text, qint64 *out)
{
    if (text.isEmpty() || text.size() > 20)
        return false;
    for (int i = 0; i < text.size(); ++i) {
        const char c = text.at(i);
        if (!((c >= '0' && c <= '9') || (i == 0 && c == '-' && text.size() > 1)))
            return false;
    }
    bool ok = false;
    const qint64 n = text.toLongLong(&ok);
    if (ok)
        *out = n;
    return ok;
}

bool decodeUInt64(const QByteArray &text, quint64 *out)
{
    if (text.startsWith('-')) {
        // An int64 field (a lease ID) read as unsigned: keep its bits.
        qint64 n = 0;
        if (!decodeInt64(text, &n))
            return false;
        *out = quint64(n);
        return true;
    }
    if (text.isEmpty() || text.size() > 20)
        return false;
    for (const char c : text) {
        if (c < '0' || c > '9')
            return false;
    }
    bool ok = false;
    const quint64 n = text.toULongLong(&ok);
    if (ok)
        *out = n;
    return ok;
}

EtcdError decodeRange(const QByteArray &body, EtcdV3RangeResult *out)
{
    if (decodeRangeFast(body, out))
        return {};
    return decodeWith(body, out, fillRange);
}

EtcdError decodePut(const QByteArray &body, EtcdV3PutResult *out)
{
    return decodeWith(body, out, fillPut);
}

EtcdError decodeDeleteRange(const QByteArray &body, EtcdV3DeleteResult *out)
{
    return decodeWith(body, out, fillDelete);
}

EtcdError decodeTxn(const QByteArray &body, EtcdV3TxnResult *out)
{
    return decodeWith(body, out, [](Reader &r, const QJsonObject &o, EtcdV3TxnResult &v) {
        v.header = r.header(o);
        v.succeeded = r.boolean(o, QLatin1String("succeeded"));
        for (const QJsonValue item : r.array(o, QLatin1String("responses"))) {
            const QJsonObject op = r.asObject(item, QLatin1String("responses"));
            EtcdV3ResponseOp resp;
            QJsonValue x;
            if (!(x = r.find(op, QLatin1String("response_range"), QLatin1String("responseRange")))
                     .isUndefined()) {
                resp.type = EtcdV3RequestOp::Type::Range;
                fillRange(r, r.asObject(x, QLatin1String("response_range")), resp.range);
            } else if (!(x = r.find(op, QLatin1String("response_put"),
                                    QLatin1String("responsePut")))
                            .isUndefined()) {
                resp.type = EtcdV3RequestOp::Type::Put;
                fillPut(r, r.asObject(x, QLatin1String("response_put")), resp.put);
            } else if (!(x = r.find(op, QLatin1String("response_delete_range"),
                                    QLatin1String("responseDeleteRange")))
                            .isUndefined()) {
                resp.type = EtcdV3RequestOp::Type::DeleteRange;
                fillDelete(r, r.asObject(x, QLatin1String("response_delete_range")),
                           resp.deleteRange);
            } else if (r.ok()) {
                // A nested txn (not sent by this client) or something unknown.
                r.fail(QStringLiteral("a transaction response of an unknown type"));
            }
            if (!r.ok())
                break;
            v.responses << resp;
        }
    });
}

EtcdError decodeHeaderOnly(const QByteArray &body, EtcdV3Header *out)
{
    return decodeWith(body, out,
                      [](Reader &r, const QJsonObject &o, EtcdV3Header &v) { v = r.header(o); });
}

EtcdError decodeLeaseGrant(const QByteArray &body, EtcdV3LeaseGrantResult *out)
{
    EtcdError e =
        decodeWith(body, out, [](Reader &r, const QJsonObject &o, EtcdV3LeaseGrantResult &v) {
            v.header = r.header(o);
            v.id = r.uint64(o, QLatin1String("ID"), QLatin1String("id"));
            v.ttl = r.int64(o, QLatin1String("TTL"), QLatin1String("ttl"));
            const QString error = r.string(o, QLatin1String("error"));
            if (!error.isEmpty())
                r.fail(QStringLiteral("the grant failed: %1").arg(error));
        });
    return e;
}

EtcdError decodeLeaseTimeToLive(const QByteArray &body, EtcdV3LeaseTimeToLiveResult *out)
{
    return decodeWith(
        body, out, [](Reader &r, const QJsonObject &o, EtcdV3LeaseTimeToLiveResult &v) {
            v.header = r.header(o);
            v.id = r.uint64(o, QLatin1String("ID"), QLatin1String("id"));
            v.ttl = r.int64(o, QLatin1String("TTL"), QLatin1String("ttl"));
            v.grantedTtl = r.int64(o, QLatin1String("grantedTTL"), QLatin1String("grantedTtl"));
            for (const QJsonValue k : r.array(o, QLatin1String("keys")))
                v.keys << r.base64(k, QLatin1String("keys"));
        });
}

EtcdError decodeLeaseList(const QByteArray &body, EtcdV3LeaseListResult *out)
{
    return decodeWith(body, out, [](Reader &r, const QJsonObject &o, EtcdV3LeaseListResult &v) {
        v.header = r.header(o);
        for (const QJsonValue l : r.array(o, QLatin1String("leases")))
            v.leases << r.uint64(r.asObject(l, QLatin1String("leases")), QLatin1String("ID"),
                                 QLatin1String("id"));
    });
}

EtcdError decodeLeaseKeepAlive(const QByteArray &body, EtcdV3LeaseKeepAliveResult *out)
{
    // A stream answer: one JSON object per line; the first one is ours.
    const int nl = body.indexOf('\n');
    const QByteArray first = nl < 0 ? body : body.left(nl);
    QJsonObject o;
    EtcdError error;
    if (!parseObject(first, &o, &error))
        return error;
    Reader r;
    const QJsonValue errorValue = o.value(QLatin1String("error"));
    if (errorValue.isObject()) {
        EtcdHttpResponse fake;
        fake.status = 500;
        fake.body = QJsonDocument(errorValue.toObject()).toJson(QJsonDocument::Compact);
        return decodeError(fake);
    }
    const QJsonObject result = r.object(o, QLatin1String("result"));
    EtcdV3LeaseKeepAliveResult v;
    v.header = r.header(result);
    v.id = r.uint64(result, QLatin1String("ID"), QLatin1String("id"));
    v.ttl = r.int64(result, QLatin1String("TTL"), QLatin1String("ttl"));
    if (!r.ok())
        return finish(r);
    if (!o.contains(QLatin1String("result")))
        return EtcdError::protocol(QStringLiteral("the keep-alive answer has no result"));
    *out = v;
    return {};
}

EtcdError decodeMemberList(const QByteArray &body, EtcdV3MemberListResult *out)
{
    return decodeWith(body, out, [](Reader &r, const QJsonObject &o, EtcdV3MemberListResult &v) {
        v.header = r.header(o);
        v.members = r.members(o);
    });
}

EtcdError decodeMemberAdd(const QByteArray &body, EtcdV3MemberAddResult *out)
{
    return decodeWith(body, out, [](Reader &r, const QJsonObject &o, EtcdV3MemberAddResult &v) {
        v.header = r.header(o);
        const QJsonValue m = r.find(o, QLatin1String("member"));
        if (!m.isUndefined())
            v.member = r.member(m);
        v.members = r.members(o);
    });
}

EtcdError decodeStatus(const QByteArray &body, EtcdV3Status *out)
{
    return decodeWith(body, out, [](Reader &r, const QJsonObject &o, EtcdV3Status &v) {
        v.header = r.header(o);
        v.version = r.string(o, QLatin1String("version"));
        v.dbSize = r.int64(o, QLatin1String("dbSize"), QLatin1String("db_size"));
        v.dbSizeInUse = r.int64(o, QLatin1String("dbSizeInUse"), QLatin1String("db_size_in_use"));
        v.leader = r.uint64(o, QLatin1String("leader"));
        v.raftIndex = r.uint64(o, QLatin1String("raftIndex"), QLatin1String("raft_index"));
        v.raftTerm = r.uint64(o, QLatin1String("raftTerm"), QLatin1String("raft_term"));
        v.raftAppliedIndex =
            r.uint64(o, QLatin1String("raftAppliedIndex"), QLatin1String("raft_applied_index"));
        v.errors = r.strings(o, QLatin1String("errors"));
        v.isLearner = r.boolean(o, QLatin1String("isLearner"), QLatin1String("is_learner"));
    });
}

EtcdError decodeAlarm(const QByteArray &body, EtcdV3AlarmResult *out)
{
    return decodeWith(body, out, [](Reader &r, const QJsonObject &o, EtcdV3AlarmResult &v) {
        v.header = r.header(o);
        for (const QJsonValue item : r.array(o, QLatin1String("alarms"))) {
            const QJsonObject a = r.asObject(item, QLatin1String("alarms"));
            EtcdV3Alarm alarm;
            alarm.memberId = r.uint64(a, QLatin1String("memberID"), QLatin1String("memberId"));
            const QJsonValue type = r.find(a, QLatin1String("alarm"));
            const QString name = type.toString();
            if (type.isUndefined() || name == QLatin1String("NONE"))
                alarm.alarm = EtcdV3AlarmType::None;
            else if (name == QLatin1String("NOSPACE") || type.toInt(-1) == 1)
                alarm.alarm = EtcdV3AlarmType::NoSpace;
            else if (name == QLatin1String("CORRUPT") || type.toInt(-1) == 2)
                alarm.alarm = EtcdV3AlarmType::Corrupt;
            else if (type.toInt(-1) != 0)
                r.fail(QStringLiteral("unknown alarm type"));
            v.alarms << alarm;
        }
    });
}

EtcdError decodeAuthenticate(const QByteArray &body, EtcdV3AuthenticateResult *out)
{
    EtcdError e =
        decodeWith(body, out, [](Reader &r, const QJsonObject &o, EtcdV3AuthenticateResult &v) {
            v.header = r.header(o);
            v.token = r.string(o, QLatin1String("token")).toUtf8();
        });
    if (!e && out->token.isEmpty())
        return EtcdError::protocol(QStringLiteral("the authenticate answer has no token"));
    return e;
}

} // namespace EtcdV3Json
