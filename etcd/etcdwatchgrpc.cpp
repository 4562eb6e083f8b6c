// Protobuf, as far as the watch needs it: varints, length-delimited fields, and skipping the
// fields it does not know. Decoded straight into EtcdWatchEvent, without a generated message
// layer in between (a 100,000-event message is ~6 MB and decodes in a few ms).
#include "etcdwatchgrpc.h"

#include "etcdv3client.h"
#include "etcdv3json.h"

#include <QUrl>

namespace {

enum WireType { Varint = 0, Fixed64 = 1, Bytes = 2, Fixed32 = 5 };

// A cursor over protobuf bytes; every read checks the bounds and fails instead of reading past.
class Reader
{
public:
    Reader(const char *data, qsizetype size)
        : m_p(reinterpret_cast<const unsigned char *>(data))
        , m_end(m_p + size)
    {
    }

    bool atEnd() const { return m_p >= m_end; }

    bool varint(quint64 *out)
    {
        quint64 v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (m_p >= m_end)
                return false;
            const unsigned char b = *m_p++;
            v |= quint64(b & 0x7f) << shift;
            if (!(b & 0x80)) {
                *out = v;
                return true;
            }
        }
        return false; // more than 10 bytes
    }

    // A field's tag: its number and wire type.
    bool tag(quint32 *field, int *wireType)
    {
        quint64 t = 0;
        if (!varint(&t) || (t >> 3) == 0 || (t >> 3) > 0x1fffffff)
            return false;
        *field = quint32(t >> 3);
        *wireType = int(t & 7);
        return true;
    }

    bool bytes(const char **data, qsizetype *size)
    {
        quint64 n = 0;
        if (!varint(&n) || n > quint64(m_end - m_p))
            return false;
        *data = reinterpret_cast<const char *>(m_p);
        *size = qsizetype(n);
        m_p += n;
        return true;
    }

    bool skip(int wireType)
    {
        quint64 unused = 0;
        const char *d = nullptr;
        qsizetype n = 0;
        switch (wireType) {
        case Varint:
            return varint(&unused);
        case Fixed64:
            return advance(8);
        case Bytes:
            return bytes(&d, &n);
        case Fixed32:
            return advance(4);
        default: // groups (3, 4) are not used by etcd's messages
            return false;
        }
    }

private:
    bool advance(qsizetype n)
    {
        if (m_end - m_p < n)
            return false;
        m_p += n;
        return true;
    }

    const unsigned char *m_p;
    const unsigned char *m_end;
};

// Reads a varint field into an integer, checking the wire type.
template<typename T> bool readInt(Reader &r, int wireType, T *out)
{
    quint64 v = 0;
    if (wireType != Varint || !r.varint(&v))
        return false;
    *out = T(v);
    return true;
}

bool readNested(Reader &r, int wireType, const char **data, qsizetype *size)
{
    return wireType == Bytes && r.bytes(data, size);
}

bool readBytes(Reader &r, int wireType, QByteArray *out)
{
    const char *d = nullptr;
    qsizetype n = 0;
    if (!readNested(r, wireType, &d, &n))
        return false;
    *out = QByteArray(d, n);
    return true;
}

// Calls read(r, field, wireType) for each field of a message: it reads the field (false when
// the field is bad) or skips one it does not know with r.skip(wireType).
template<typename Read> bool readFields(const char *data, qsizetype size, Read read)
{
    Reader r(data, size);
    while (!r.atEnd()) {
        quint32 field = 0;
        int wt = 0;
        if (!r.tag(&field, &wt) || !read(r, field, wt))
            return false;
    }
    return true;
}

// etcdserverpb.ResponseHeader: cluster_id 1, member_id 2, revision 3, raft_term 4.
bool readHeader(const char *data, qsizetype size, EtcdV3Header *h)
{
    return readFields(data, size, [h](Reader &r, quint32 field, int wt) {
        switch (field) {
        case 1:
            return readInt(r, wt, &h->clusterId);
        case 2:
            return readInt(r, wt, &h->memberId);
        case 3:
            return readInt(r, wt, &h->revision);
        case 4:
            return readInt(r, wt, &h->raftTerm);
        default:
            return r.skip(wt);
        }
    });
}

// mvccpb.KeyValue: key 1, create_revision 2, mod_revision 3, version 4, value 5, lease 6.
bool readKeyValue(const char *data, qsizetype size, EtcdV3KeyValue *kv)
{
    return readFields(data, size, [kv](Reader &r, quint32 field, int wt) {
        switch (field) {
        case 1:
            return readBytes(r, wt, &kv->key);
        case 2:
            return readInt(r, wt, &kv->createRevision);
        case 3:
            return readInt(r, wt, &kv->modRevision);
        case 4:
            return readInt(r, wt, &kv->version);
        case 5:
            return readBytes(r, wt, &kv->value);
        case 6:
            return readInt(r, wt, &kv->lease);
        default:
            return r.skip(wt);
        }
    });
}

// mvccpb.Event: type 1 (PUT 0, DELETE 1), kv 2, prev_kv 3. The same meaning as the JSON
// decoder gives it: a delete's kv holds the key and the revision of the delete only.
bool readEvent(const char *data, qsizetype size, EtcdWatchEvent *ev, QString *failedField)
{
    Reader r(data, size);
    quint64 type = 0;
    EtcdV3KeyValue kv;
    while (!r.atEnd()) {
        quint32 field = 0;
        int wt = 0;
        if (!r.tag(&field, &wt)) {
            *failedField = QStringLiteral("events[]");
            return false;
        }
        const char *d = nullptr;
        qsizetype n = 0;
        switch (field) {
        case 1:
            if (!readInt(r, wt, &type) || type > 1) {
                *failedField = QStringLiteral("events[].type");
                return false;
            }
            break;
        case 2:
            if (!readNested(r, wt, &d, &n) || !readKeyValue(d, n, &kv)) {
                *failedField = QStringLiteral("events[].kv");
                return false;
            }
            break;
        case 3: {
            EtcdV3KeyValue prev;
            if (!readNested(r, wt, &d, &n) || !readKeyValue(d, n, &prev)) {
                *failedField = QStringLiteral("events[].prev_kv");
                return false;
            }
            ev->prevValue = std::move(prev.value);
            break;
        }
        default:
            if (!r.skip(wt)) {
                *failedField = QStringLiteral("events[]");
                return false;
            }
        }
    }
    if (kv.key.isEmpty()) {
        *failedField = QStringLiteral("events[].kv.key");
        return false;
    }
    ev->key = std::move(kv.key);
    ev->revision = kv.modRevision;
    if (type == 1) {
        ev->action = EtcdWatchEvent::Action::Delete;
    } else {
        ev->action = kv.version == 1 ? EtcdWatchEvent::Action::Put : EtcdWatchEvent::Action::Update;
        ev->value = std::move(kv.value);
        ev->createRevision = kv.createRevision;
        ev->version = kv.version;
        ev->lease = quint64(kv.lease);
    }
    return true;
}

EtcdError protocolError(const QString &what)
{
    return EtcdError::protocol(
        QStringLiteral("the watch stream sent a message that could not be read (%1)").arg(what));
}

// Protobuf writing, for the one request the watch sends.
void putVarint(QByteArray *out, quint64 v)
{
    while (v >= 0x80) {
        out->append(char((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out->append(char(v));
}

void putTag(QByteArray *out, quint32 field, int wireType)
{
    putVarint(out, (quint64(field) << 3) | quint64(wireType));
}

void putBytes(QByteArray *out, quint32 field, const QByteArray &bytes)
{
    putTag(out, field, Bytes);
    putVarint(out, quint64(bytes.size()));
    out->append(bytes);
}

} // namespace

// ---- EtcdGrpcFrameSplitter --------------------------------------------------------------------

void EtcdGrpcFrameSplitter::append(const QByteArray &chunk)
{
    if (m_start > 0) {
        // Drop what was returned once per chunk, not once per message: O(bytes) overall.
        m_buffer.remove(0, m_start);
        m_start = 0;
    }
    m_buffer.append(chunk);
}

bool EtcdGrpcFrameSplitter::next(QByteArray *message, EtcdError *error)
{
    const qsizetype available = m_buffer.size() - m_start;
    if (available < 5)
        return false;
    const auto *p = reinterpret_cast<const unsigned char *>(m_buffer.constData() + m_start);
    const quint64 length =
        (quint64(p[1]) << 24) | (quint64(p[2]) << 16) | (quint64(p[3]) << 8) | quint64(p[4]);
    if (p[0] != 0) {
        *error = EtcdError::protocol(
            QStringLiteral("the watch stream sent a compressed message, which was not asked for"));
        return false;
    }
    if (qint64(length) > kMaxMessageBytes) {
        *error = EtcdError::protocol(
            QStringLiteral("the watch stream announced a message of %1 bytes").arg(length));
        return false;
    }
    if (quint64(available - 5) < length)
        return false;
    *message = m_buffer.mid(m_start + 5, qsizetype(length));
    m_start += 5 + qsizetype(length);
    return true;
}

void EtcdGrpcFrameSplitter::clear()
{
    m_buffer.clear();
    m_start = 0;
}

// ---- EtcdWatchGrpc ----------------------------------------------------------------------------

namespace EtcdWatchGrpc {

QByteArray encodeCreate(const QByteArray &prefix, qint64 startRevision, bool prevKv)
{
    // As for the gateway: the whole keyspace is key "\0" with range_end "\0".
    const QByteArray key = prefix.isEmpty() ? QByteArray(1, '\0') : prefix;
    QByteArray create;
    putBytes(&create, 1, key);                                  // key
    putBytes(&create, 2, EtcdV3Client::prefixRangeEnd(prefix)); // range_end
    if (startRevision > 0) {
        putTag(&create, 3, Varint); // start_revision
        putVarint(&create, quint64(startRevision));
    }
    putTag(&create, 4, Varint); // progress_notify
    putVarint(&create, 1);
    if (prevKv) {
        putTag(&create, 6, Varint); // prev_kv
        putVarint(&create, 1);
    }

    QByteArray request;
    putBytes(&request, 1, create); // WatchRequest.create_request

    QByteArray framed(5, '\0');
    const quint32 n = quint32(request.size());
    framed[1] = char(n >> 24);
    framed[2] = char(n >> 16);
    framed[3] = char(n >> 8);
    framed[4] = char(n);
    return framed + request;
}

// etcdserverpb.WatchResponse: header 1, watch_id 2, created 3, canceled 4, compact_revision 5,
// cancel_reason 6, events 11. (fragment 7 is skipped: the watch never asks for fragments.)
EtcdError decodeMessage(const char *data, qsizetype size, EtcdV3WatchMessage *out)
{
    *out = EtcdV3WatchMessage{};
    Reader r(data, size);
    while (!r.atEnd()) {
        quint32 field = 0;
        int wt = 0;
        if (!r.tag(&field, &wt)) {
            *out = EtcdV3WatchMessage{};
            return protocolError(QStringLiteral("not a watch response"));
        }
        bool ok = true;
        QString failed;
        const char *d = nullptr;
        qsizetype n = 0;
        switch (field) {
        case 1:
            ok = readNested(r, wt, &d, &n) && readHeader(d, n, &out->header);
            failed = QStringLiteral("header");
            break;
        case 2:
            ok = readInt(r, wt, &out->watchId);
            failed = QStringLiteral("watch_id");
            break;
        case 3:
            ok = readInt(r, wt, &out->created);
            failed = QStringLiteral("created");
            break;
        case 4:
            ok = readInt(r, wt, &out->canceled);
            failed = QStringLiteral("canceled");
            break;
        case 5:
            ok = readInt(r, wt, &out->compactRevision);
            failed = QStringLiteral("compact_revision");
            break;
        case 6:
            ok = readNested(r, wt, &d, &n);
            if (ok)
                out->cancelReason = QString::fromUtf8(d, n);
            failed = QStringLiteral("cancel_reason");
            break;
        case 11: {
            ok = readNested(r, wt, &d, &n);
            failed = QStringLiteral("events");
            if (ok) {
                EtcdWatchEvent ev;
                ok = readEvent(d, n, &ev, &failed);
                if (ok)
                    out->events.append(std::move(ev));
            }
            break;
        }
        default:
            ok = r.skip(wt);
            failed = QStringLiteral("field %1").arg(field);
        }
        if (!ok) {
            *out = EtcdV3WatchMessage{};
            return protocolError(QStringLiteral("field %1").arg(failed));
        }
    }
    return {};
}

EtcdError statusError(const QHash<QByteArray, QByteArray> &headers)
{
    const auto status = headers.constFind("grpc-status");
    if (status == headers.constEnd())
        return {};
    bool ok = false;
    const int code = status->trimmed().toInt(&ok);
    if (ok && code == 0)
        return {};
    // grpc-message is percent-encoded (gRPC over HTTP/2, "Responses").
    const QString message = QUrl::fromPercentEncoding(headers.value("grpc-message")).trimmed();
    EtcdError e(EtcdError::Kind::Etcd, message.isEmpty()
                                           ? QStringLiteral("the watch failed (gRPC status %1)")
                                                 .arg(QString::fromLatin1(status->trimmed()))
                                           : message);
    e.setCode(ok ? code : 2).setCondition(EtcdV3Json::conditionOf(ok ? code : 2, message));
    return e;
}

} // namespace EtcdWatchGrpc
