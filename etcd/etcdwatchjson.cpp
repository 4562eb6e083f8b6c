// The watch's wire format. v3 messages are decoded with simdjson's DOM parser: a prefix delete
// of 100,000 keys is one message of about 15 MB, which QJsonDocument would take a few hundred
// milliseconds to read on the GUI thread.
#include "etcdwatchjson.h"

#include "etcdv3client.h"
#include "etcdv3json.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <simdjson.h>

#include <string_view>

namespace {

using namespace simdjson;

// Lines up to this size reuse one parser per thread; bigger ones get a fresh parser so that its
// buffers (about 15 bytes per byte of input) are not kept.
constexpr std::size_t kKeptParserBytes = 256 * 1024;

QByteArray view(std::string_view s)
{
    return QByteArray::fromRawData(s.data(), qsizetype(s.size()));
}

QString text(std::string_view s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

// A field that failed: the decoder stops and names it.
struct Failure
{
    QString field;
};

// 64-bit integers arrive as decimal strings; a plain JSON number is accepted too.
bool readInt64(dom::element v, qint64 *out)
{
    std::string_view s;
    if (v.get_string().get(s) == SUCCESS)
        return EtcdV3Json::decodeInt64(view(s), out);
    int64_t n = 0;
    if (v.get_int64().get(n) == SUCCESS) {
        *out = n;
        return true;
    }
    return false;
}

bool readUInt64(dom::element v, quint64 *out)
{
    std::string_view s;
    if (v.get_string().get(s) == SUCCESS)
        return EtcdV3Json::decodeUInt64(view(s), out);
    uint64_t n = 0;
    if (v.get_uint64().get(n) == SUCCESS) {
        *out = n;
        return true;
    }
    return false;
}

bool readBytes(dom::element v, QByteArray *out)
{
    std::string_view s;
    if (v.get_string().get(s) != SUCCESS)
        return false;
    auto decoded = QByteArray::fromBase64Encoding(view(s), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return false;
    *out = std::move(*decoded);
    return true;
}

bool readBool(dom::element v, bool *out)
{
    return v.get_bool().get(*out) == SUCCESS;
}

bool readHeader(dom::element v, EtcdV3Header *h, Failure *f)
{
    dom::object o;
    if (v.get_object().get(o) != SUCCESS) {
        f->field = QStringLiteral("header");
        return false;
    }
    for (dom::key_value_pair field : o) {
        bool ok = true;
        if (field.key == "cluster_id")
            ok = readUInt64(field.value, &h->clusterId);
        else if (field.key == "member_id")
            ok = readUInt64(field.value, &h->memberId);
        else if (field.key == "revision")
            ok = readInt64(field.value, &h->revision);
        else if (field.key == "raft_term")
            ok = readUInt64(field.value, &h->raftTerm);
        if (!ok) {
            f->field = QStringLiteral("header.") + text(field.key);
            return false;
        }
    }
    return true;
}

bool readKeyValue(dom::element v, EtcdV3KeyValue *kv, const QString &where, Failure *f)
{
    dom::object o;
    if (v.get_object().get(o) != SUCCESS) {
        f->field = where;
        return false;
    }
    for (dom::key_value_pair field : o) {
        bool ok = true;
        if (field.key == "key")
            ok = readBytes(field.value, &kv->key);
        else if (field.key == "value")
            ok = readBytes(field.value, &kv->value);
        else if (field.key == "create_revision")
            ok = readInt64(field.value, &kv->createRevision);
        else if (field.key == "mod_revision")
            ok = readInt64(field.value, &kv->modRevision);
        else if (field.key == "version")
            ok = readInt64(field.value, &kv->version);
        else if (field.key == "lease")
            ok = readUInt64(field.value, &kv->lease);
        if (!ok) {
            f->field = where + QLatin1Char('.') + text(field.key);
            return false;
        }
    }
    return true;
}

bool readEvent(dom::element v, EtcdWatchEvent *ev, Failure *f)
{
    dom::object o;
    if (v.get_object().get(o) != SUCCESS) {
        f->field = QStringLiteral("events[]");
        return false;
    }
    bool isDelete = false;
    EtcdV3KeyValue kv;
    for (dom::key_value_pair field : o) {
        if (field.key == "type") {
            std::string_view type;
            if (field.value.get_string().get(type) != SUCCESS ||
                (type != "PUT" && type != "DELETE")) {
                f->field = QStringLiteral("events[].type");
                return false;
            }
            isDelete = type == "DELETE";
        } else if (field.key == "kv") {
            if (!readKeyValue(field.value, &kv, QStringLiteral("events[].kv"), f))
                return false;
        } else if (field.key == "prev_kv") {
            EtcdV3KeyValue prev;
            if (!readKeyValue(field.value, &prev, QStringLiteral("events[].prev_kv"), f))
                return false;
            ev->prevValue = std::move(prev.value);
        }
    }
    if (kv.key.isEmpty()) {
        f->field = QStringLiteral("events[].kv.key");
        return false;
    }
    ev->key = std::move(kv.key);
    // A delete's kv holds the key and the revision of the delete (mod_revision) only.
    ev->revision = kv.modRevision;
    if (isDelete) {
        ev->action = EtcdWatchEvent::Action::Delete;
    } else {
        ev->action = kv.version == 1 ? EtcdWatchEvent::Action::Put : EtcdWatchEvent::Action::Update;
        ev->value = std::move(kv.value);
        ev->createRevision = kv.createRevision;
        ev->version = kv.version;
        ev->lease = kv.lease;
    }
    return true;
}

bool readResult(dom::element v, EtcdV3WatchMessage *m, Failure *f)
{
    dom::object o;
    if (v.get_object().get(o) != SUCCESS) {
        f->field = QStringLiteral("result");
        return false;
    }
    for (dom::key_value_pair field : o) {
        bool ok = true;
        if (field.key == "header") {
            if (!readHeader(field.value, &m->header, f))
                return false;
        } else if (field.key == "watch_id") {
            ok = readInt64(field.value, &m->watchId);
        } else if (field.key == "created") {
            ok = readBool(field.value, &m->created);
        } else if (field.key == "canceled") {
            ok = readBool(field.value, &m->canceled);
        } else if (field.key == "compact_revision") {
            ok = readInt64(field.value, &m->compactRevision);
        } else if (field.key == "cancel_reason") {
            std::string_view s;
            ok = field.value.get_string().get(s) == SUCCESS;
            m->cancelReason = text(s);
        } else if (field.key == "events") {
            dom::array a;
            if (field.value.get_array().get(a) != SUCCESS) {
                f->field = QStringLiteral("events");
                return false;
            }
            m->events.reserve(qsizetype(a.size()));
            for (dom::element item : a) {
                EtcdWatchEvent ev;
                if (!readEvent(item, &ev, f))
                    return false;
                m->events.append(std::move(ev));
            }
        }
        if (!ok) {
            f->field = text(field.key);
            return false;
        }
    }
    return true;
}

// The error object of a failed stream. The gateway writes
// {"error":{"grpc_code":14,"http_code":503,"message":"…","http_status":"…"}} inside a stream,
// and {"error":"…","message":"…","code":2} (3.6: {"code","message"}) as a whole answer.
EtcdError readError(dom::object root)
{
    qint64 code = 0;
    QString message;
    dom::element e;
    if (root["error"].get(e) == SUCCESS && e.is_object()) {
        dom::element x;
        if (e["grpc_code"].get(x) == SUCCESS)
            readInt64(x, &code);
        std::string_view s;
        if (e["message"].get(x) == SUCCESS && x.get_string().get(s) == SUCCESS)
            message = text(s);
    } else {
        dom::element x;
        if (root["code"].get(x) == SUCCESS)
            readInt64(x, &code);
        std::string_view s;
        if (root["message"].get(x) == SUCCESS && x.get_string().get(s) == SUCCESS)
            message = text(s);
        else if (root["error"].get(x) == SUCCESS && x.get_string().get(s) == SUCCESS)
            message = text(s);
    }
    EtcdError error(EtcdError::Kind::Etcd, message);
    error.setCode(int(code)).setCondition(EtcdV3Json::conditionOf(int(code), message));
    return error;
}

EtcdError protocolError(const QString &what, const QByteArray &line)
{
    EtcdError e = EtcdError::protocol(
        QStringLiteral("the watch stream sent a message that could not be read (%1)").arg(what));
    e.setCause(QString::fromUtf8(line.left(200)));
    return e;
}

} // namespace

// ---- EtcdLineSplitter -------------------------------------------------------------------------

void EtcdLineSplitter::append(const QByteArray &chunk)
{
    if (m_start > 0) {
        // Drop the lines already returned once per chunk (not per line): O(bytes) overall.
        m_buffer.remove(0, m_start);
        m_start = 0;
    }
    m_buffer.append(chunk);
}

bool EtcdLineSplitter::next(QByteArray *line)
{
    while (true) {
        const qsizetype end = m_buffer.indexOf('\n', m_start + m_scanned);
        if (end < 0) {
            m_scanned = m_buffer.size() - m_start;
            return false;
        }
        qsizetype stop = end;
        if (stop > m_start && m_buffer.at(stop - 1) == '\r')
            --stop;
        const qsizetype begin = m_start;
        m_start = end + 1;
        m_scanned = 0;
        if (stop > begin) {
            *line = m_buffer.mid(begin, stop - begin);
            return true;
        }
    }
}

void EtcdLineSplitter::clear()
{
    m_buffer.clear();
    m_start = 0;
    m_scanned = 0;
}

// ---- EtcdWatchJson ----------------------------------------------------------------------------

namespace EtcdWatchJson {

QByteArray encodeV3Create(const QByteArray &prefix, qint64 startRevision, bool prevKv)
{
    // The whole keyspace is key "\0" with range_end "\0" (every key >= "\0").
    const QByteArray key = prefix.isEmpty() ? QByteArray(1, '\0') : prefix;
    const QByteArray end = EtcdV3Client::prefixRangeEnd(prefix);
    QJsonObject create;
    create.insert(QLatin1String("key"), QString::fromLatin1(key.toBase64()));
    create.insert(QLatin1String("range_end"), QString::fromLatin1(end.toBase64()));
    if (startRevision > 0)
        create.insert(QLatin1String("start_revision"), QString::number(startRevision));
    if (prevKv)
        create.insert(QLatin1String("prev_kv"), true);
    create.insert(QLatin1String("progress_notify"), true);
    QJsonObject body;
    body.insert(QLatin1String("create_request"), create);
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

EtcdError decodeV3Message(const QByteArray &line, EtcdV3WatchMessage *out)
{
    *out = EtcdV3WatchMessage{};
    thread_local dom::parser smallParser;
    dom::parser bigParser;
    dom::parser &parser = std::size_t(line.size()) <= kKeptParserBytes ? smallParser : bigParser;
    const padded_string json(line.constData(), std::size_t(line.size()));
    dom::element root;
    if (parser.parse(json).get(root) != SUCCESS)
        return protocolError(QStringLiteral("not JSON"), line);
    dom::object object;
    if (root.get_object().get(object) != SUCCESS)
        return protocolError(QStringLiteral("not an object"), line);
    dom::element result;
    if (object["result"].get(result) == SUCCESS) {
        Failure failure;
        if (!readResult(result, out, &failure)) {
            *out = EtcdV3WatchMessage{};
            return protocolError(QStringLiteral("field %1").arg(failure.field), line);
        }
        return {};
    }
    dom::element unused;
    if (object["error"].get(unused) == SUCCESS || object["code"].get(unused) == SUCCESS) {
        out->error = readError(object);
        return {};
    }
    return protocolError(QStringLiteral("neither a result nor an error"), line);
}

bool decodeV2Action(const QString &action, EtcdWatchEvent::Action *out)
{
    using A = EtcdWatchEvent::Action;
    static const QHash<QString, A> actions{
        {QStringLiteral("set"), A::Set},
        {QStringLiteral("create"), A::Put},
        {QStringLiteral("update"), A::Update},
        {QStringLiteral("compareAndSwap"), A::CompareAndSwap},
        {QStringLiteral("delete"), A::Delete},
        {QStringLiteral("compareAndDelete"), A::CompareAndDelete},
        {QStringLiteral("expire"), A::Expire},
    };
    const auto it = actions.constFind(action);
    if (it == actions.constEnd())
        return false;
    *out = *it;
    return true;
}

bool fromV2(const EtcdV2Response &response, EtcdWatchEvent *out)
{
    EtcdWatchEvent ev;
    if (!decodeV2Action(response.action, &ev.action))
        return false;
    ev.key = response.node.key;
    ev.isDir = response.node.dir;
    ev.revision = response.node.modifiedIndex;
    ev.createRevision = response.node.createdIndex;
    if (!ev.isDelete()) {
        ev.value = response.node.value;
        ev.ttl = response.node.ttl.value_or(-1);
        ev.expiration = response.node.expiration;
    }
    if (response.prevNode && !response.prevNode->dir)
        ev.prevValue = response.prevNode->value;
    *out = std::move(ev);
    return true;
}

bool isTokenCancelReason(const QString &reason)
{
    return reason.contains(QLatin1String("invalid auth token")) ||
           reason.contains(QLatin1String("user name is empty")) ||
           reason.contains(QLatin1String("revision of auth store is old"));
}

bool isPermissionCancelReason(const QString &reason)
{
    return reason.contains(QLatin1String("permission denied"));
}

} // namespace EtcdWatchJson
