#include "etcdgrpccall.h"

#include "etcdcall.h"
#include "etcdgrpc.h"
#include "etcdv3client.h"

#include <google/protobuf/message_lite.h>

#include <climits>

namespace EtcdGrpcCall {

EtcdCall *sendRaw(EtcdV3Client *client, const QByteArray &path,
                  const google::protobuf::MessageLite &request, EtcdHttpRequest::Kind kind,
                  const QString &operation, QObject *context, RawCallback callback, int timeoutMs)
{
    EtcdCall *call = client->postGrpc(
        path, EtcdGrpc::frame(request), operation, context,
        [callback = std::move(callback)](const EtcdHttpResponse &response, const EtcdError &e) {
            QByteArray message;
            const EtcdError error = e ? e : decodeAnswer(response, &message);
            callback(error ? QByteArray() : message, error);
        },
        false, 0, kind);
    if (timeoutMs > 0)
        call->setTimeout(timeoutMs);
    return call;
}

EtcdError decodeAnswer(const EtcdHttpResponse &response, QByteArray *message)
{
    *message = {};
    const auto fail = [&response](const QString &what) {
        return EtcdError::protocol(what, response.endpoint);
    };
    // An error is a trailers-only answer: its grpc-status is in the headers (Qt 6.4 does not
    // pass on trailers after a message, so a success's grpc-status 0 is never seen).
    if (EtcdError e = EtcdGrpc::statusError(response.headers)) {
        e.setEndpoint(response.endpoint);
        return e;
    }
    if (!response.header("content-type").startsWith("application/grpc"))
        return fail(QStringLiteral("the endpoint did not answer in gRPC (HTTP status %1)")
                        .arg(response.status));
    EtcdGrpcFrameSplitter frames;
    frames.append(response.body);
    EtcdError error;
    if (!frames.next(message, &error)) {
        if (error) {
            error.setEndpoint(response.endpoint);
            return error;
        }
        return fail(frames.pending() > 0
                        ? QStringLiteral("the gRPC answer ended in the middle of its message")
                        : QStringLiteral("the gRPC answer carried neither a message nor a status"));
    }
    if (frames.pending() > 0) {
        *message = {};
        return fail(QStringLiteral("the gRPC answer carried more than one message"));
    }
    return {};
}

EtcdError parse(const QByteArray &message, google::protobuf::MessageLite *out)
{
    if (message.size() > INT_MAX || !out->ParseFromArray(message.constData(), int(message.size())))
        return EtcdError::protocol(QStringLiteral("the gRPC answer is not a %1")
                                       .arg(QString::fromStdString(out->GetTypeName())));
    return {};
}

} // namespace EtcdGrpcCall
