#pragma once

#include "etcderror.h"
#include "etcdwatchjson.h"

#include <QByteArray>

// The watch's messages over etcd's gRPC service (POST /etcdserverpb.Watch/Watch over HTTP/2):
// one WatchRequest{create_request} out, WatchResponse messages in, translated between the
// generated protobuf types (etcd/proto/etcdpb/rpc.proto) and the same EtcdV3WatchMessage the
// JSON gateway's stream gives (EtcdWatchJson). The framing is EtcdGrpc's. Pure functions,
// tested by feeding bytes built by hand.
namespace EtcdWatchProto {

// The HTTP/2 path of etcd's Watch service.
inline constexpr char kWatchPath[] = "/etcdserverpb.Watch/Watch";

// The request body: one framed WatchRequest{create_request} over every key starting with
// `prefix` (the whole keyspace when it is empty), from `startRevision` (0: from now), with
// progress_notify, and prev_kv when `prevKv`; as EtcdWatchJson::encodeV3Create asks the gateway.
QByteArray encodeCreate(const QByteArray &prefix, qint64 startRevision, bool prevKv = true);

// One WatchResponse message (without its 5-byte frame). Unknown fields are skipped (newer
// servers add some); bytes that are not a WatchResponse, a known field with another wire type,
// an event of an unknown type or without a key give a Kind::Protocol error and leave *out
// empty.
EtcdError decodeMessage(const char *data, qsizetype size, EtcdV3WatchMessage *out);
inline EtcdError decodeMessage(const QByteArray &m, EtcdV3WatchMessage *out)
{
    return decodeMessage(m.constData(), m.size(), out);
}

} // namespace EtcdWatchProto
