#pragma once

#include "etcderror.h"
#include "etcdhttp.h"

#include <QByteArray>
#include <QString>

#include <functional>

class EtcdCall;
class EtcdV3Client;
class QObject;

namespace google::protobuf {
class MessageLite;
}

// One unary call to etcd's v3 gRPC services ("/etcdserverpb.KV/Range") over
// QNetworkAccessManager's HTTP/2, with the client's endpoints, failover and token (sent as the
// "authorization" metadata, which etcd reads besides "token"): the request is a generated
// message, framed (EtcdGrpc); the call's timeout goes out as its grpc-timeout deadline; the
// answer is its single message, or a typed error from its grpc-status (the condition from
// etcd's code and words, as for the gateway), or a protocol error when the body is not one
// whole uncompressed gRPC message.
//
// Not yet here (issue 15): a new token after grpc-status 16 (the JSON calls renew it), and a
// fresh connection after a call failed on one.
namespace EtcdGrpcCall {

using RawCallback = std::function<void(const QByteArray &message, const EtcdError &error)>;

// POSTs `request` to `path`. `kind` decides failover as for every call: a write is retried on
// another endpoint only when it never went out. `timeoutMs` > 0 replaces the client's default
// timeout. The callback gets the answer's message (without its frame) or the error; it never
// runs after `context` is destroyed.
EtcdCall *sendRaw(EtcdV3Client *client, const QByteArray &path,
                  const google::protobuf::MessageLite &request, EtcdHttpRequest::Kind kind,
                  const QString &operation, QObject *context, RawCallback callback,
                  int timeoutMs = 0);

// The message of a unary call's answer, or why there is none: the grpc-status of a
// trailers-only answer, an answer that is not gRPC, a message cut short, compressed or over
// EtcdGrpcFrameSplitter::kMaxMessageBytes, more than one message, or neither a message nor a
// status.
EtcdError decodeAnswer(const EtcdHttpResponse &response, QByteArray *message);

// Parses `message` into `out`; a Kind::Protocol error naming the type when it is not one.
EtcdError parse(const QByteArray &message, google::protobuf::MessageLite *out);

// sendRaw() for a generated answer type, parsed:
// EtcdGrpcCall::send<etcdserverpb::RangeResponse>(client, "/etcdserverpb.KV/Range", request, …).
template<typename Response>
EtcdCall *send(EtcdV3Client *client, const QByteArray &path,
               const google::protobuf::MessageLite &request, EtcdHttpRequest::Kind kind,
               const QString &operation, QObject *context,
               std::function<void(const EtcdResult<Response> &)> callback, int timeoutMs = 0)
{
    return sendRaw(
        client, path, request, kind, operation, context,
        [callback = std::move(callback)](const QByteArray &message, const EtcdError &error) {
            EtcdResult<Response> result;
            result.error = error ? error : parse(message, &result.value);
            if (result.error)
                result.value = Response();
            callback(result);
        },
        timeoutMs);
}

} // namespace EtcdGrpcCall
