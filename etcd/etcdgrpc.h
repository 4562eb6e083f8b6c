#pragma once

#include "etcderror.h"

#include <QByteArray>
#include <QHash>

namespace google::protobuf {
class MessageLite;
}

// gRPC's envelope over HTTP/2, the same for every call to etcd's v3 services: each message in a
// request or answer body is a 1-byte compressed flag, a 4-byte big-endian length and the
// protobuf bytes, and a call ends with a grpc-status (gRPC over HTTP/2, "Requests" and
// "Responses"). The messages themselves come from the generated types (etcd/proto/).

// Cuts a gRPC answer body into its messages. A message split across chunks is kept until its
// end arrives. Amortised O(bytes).
class EtcdGrpcFrameSplitter
{
public:
    // Messages larger than this are refused (etcd's gRPC server sends at most 2 GiB).
    static constexpr qint64 kMaxMessageBytes = qint64(1) << 30;

    void append(const QByteArray &chunk);
    // The next complete message. False when none is complete yet, or on an error (a compressed
    // message, which etcd never sends unasked, or a length over kMaxMessageBytes): then *error
    // is set and the stream is unusable.
    bool next(QByteArray *message, EtcdError *error);
    void clear();
    qsizetype pending() const { return m_buffer.size() - m_start; }

private:
    QByteArray m_buffer;
    qsizetype m_start = 0;
};

namespace EtcdGrpc {

// `message` serialized and framed (not compressed): a request body.
QByteArray frame(const google::protobuf::MessageLite &message);

// The gRPC status an answer carried in its headers (a "trailers-only" answer: the call failed
// before any message), as an etcd error; none when there is no grpc-status or it is 0 (OK).
// `headers` are lower-case names, as EtcdHttpResponse keeps them.
EtcdError statusError(const QHash<QByteArray, QByteArray> &headers);

} // namespace EtcdGrpc
