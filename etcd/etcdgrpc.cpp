#include "etcdgrpc.h"

#include "etcdv3json.h"

#include <QUrl>

#include <google/protobuf/message_lite.h>

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
            QStringLiteral("the server sent a compressed gRPC message, which was not asked for"));
        return false;
    }
    if (qint64(length) > kMaxMessageBytes) {
        *error = EtcdError::protocol(
            QStringLiteral("the server announced a gRPC message of %1 bytes").arg(length));
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

// ---- EtcdGrpc ---------------------------------------------------------------------------------

namespace EtcdGrpc {

QByteArray frame(const google::protobuf::MessageLite &message)
{
    // Serialized in place behind the frame's 5 bytes: one allocation, no copy.
    const size_t size = message.ByteSizeLong();
    Q_ASSERT(size <= size_t(EtcdGrpcFrameSplitter::kMaxMessageBytes));
    QByteArray framed(qsizetype(5 + size), Qt::Uninitialized);
    framed[0] = '\0';
    framed[1] = char(size >> 24);
    framed[2] = char(size >> 16);
    framed[3] = char(size >> 8);
    framed[4] = char(size);
    message.SerializeWithCachedSizesToArray(reinterpret_cast<quint8 *>(framed.data() + 5));
    return framed;
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
    // 4, DEADLINE_EXCEEDED: the call's grpc-timeout ran out (at etcd, or at a proxy).
    const auto kind = ok && code == 4 ? EtcdError::Kind::Timeout : EtcdError::Kind::Etcd;
    EtcdError e(kind, message.isEmpty() ? QStringLiteral("the call failed (gRPC status %1)")
                                              .arg(QString::fromLatin1(status->trimmed()))
                                        : message);
    e.setCode(ok ? code : 2).setCondition(EtcdV3Json::conditionOf(ok ? code : 2, message));
    return e;
}

} // namespace EtcdGrpc
