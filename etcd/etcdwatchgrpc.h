#pragma once

#include "etcderror.h"
#include "etcdwatchjson.h"

#include <QByteArray>
#include <QHash>

// The watch over etcd's gRPC service (POST /etcdserverpb.Watch/Watch over HTTP/2), the fast
// wire for the watch: etcd's JSON gateway spends about 0.1 ms of CPU per event turning the
// stream into JSON (a 100,000-key prefix delete reached a JSON watcher 12 s after etcd applied
// it; with prev_kv, not within a minute), while the same events arrive over gRPC within 0.1 s.
//
// Only what the watch needs of protobuf is here: one WatchCreateRequest out, WatchResponse
// messages in (header, ids, flags, events with kv and prev_kv), decoded straight into the same
// EtcdV3WatchMessage the JSON stream gives. Field numbers are those of etcd's rpc.proto and
// kv.proto, stable since 3.0. Pure functions and a plain buffer, tested by feeding bytes.

// Cuts a gRPC response body into its messages: each is a 1-byte compressed flag, a 4-byte
// big-endian length and the protobuf bytes. A message split across chunks is kept until its
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

namespace EtcdWatchGrpc {

// The HTTP/2 path of etcd's Watch service.
inline constexpr char kWatchPath[] = "/etcdserverpb.Watch/Watch";

// The request body: one framed WatchRequest{create_request} over every key starting with
// `prefix` (the whole keyspace when it is empty), from `startRevision` (0: from now), with
// progress_notify, and prev_kv when `prevKv`; as EtcdWatchJson::encodeV3Create asks the gateway.
QByteArray encodeCreate(const QByteArray &prefix, qint64 startRevision, bool prevKv = true);

// One WatchResponse message (without its 5-byte frame). Unknown fields are skipped (newer
// servers add some); bytes that are not a WatchResponse give a Kind::Protocol error.
EtcdError decodeMessage(const char *data, qsizetype size, EtcdV3WatchMessage *out);
inline EtcdError decodeMessage(const QByteArray &m, EtcdV3WatchMessage *out)
{
    return decodeMessage(m.constData(), m.size(), out);
}

// The gRPC status a response carried in its headers (a "trailers-only" answer: the call failed
// before any message), as an etcd error; none when there is no grpc-status or it is 0 (OK).
// `headers` are lower-case names, as EtcdHttpResponse keeps them.
EtcdError statusError(const QHash<QByteArray, QByteArray> &headers);

} // namespace EtcdWatchGrpc
