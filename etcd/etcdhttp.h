#pragma once

#include <QByteArray>
#include <QHash>
#include <QString>

// One HTTP exchange as the etcd APIs see it: the request a backend wants sent, and the answer.
struct EtcdHttpRequest
{
    // Reads may be retried on another endpoint after a connection failure or a 503; writes are
    // retried only when the request surely never reached a server (connection refused).
    enum class Kind { Read, Write };
    // How the transport authenticates the request when it holds credentials.
    enum class Auth { None, Basic, Token };

    QByteArray method = "GET";
    QByteArray path;  // percent-encoded, starts with '/'
    QByteArray query; // percent-encoded, without the leading '?'
    QByteArray body;
    QByteArray contentType;
    Kind kind = Kind::Read;
    Auth auth = Auth::None;
    // Streams (the watches) have no timeout and report each chunk as it arrives.
    bool streaming = false;
    // A gRPC call (the watch's fast wire): HTTP/2, cleartext without upgrade on http://, ALPN on
    // https://, with gRPC's headers. Every other request stays on HTTP/1.1.
    bool grpc = false;
    // gRPC on http:// only: requests with the same tag share one HTTP/2 connection, a new tag
    // gets a new one (Qt 6.4 can keep a broken HTTP/2 connection and queue requests on it).
    int connectionTag = 0;
    // A short name of the operation for logs and read-only refusals ("v3 put").
    QString operation;
    // A body over this many bytes is refused before it is sent (0: no limit). For limits the
    // server enforces by closing the connection mid-upload, where Qt loses its answer.
    qint64 maxBodyBytes = 0;
    QString maxBodyReason;
};

struct EtcdHttpResponse
{
    int status = 0;
    QByteArray body;
    QHash<QByteArray, QByteArray> headers; // names in lower case
    QString endpoint;

    QByteArray header(const QByteArray &lowerCaseName) const
    {
        return headers.value(lowerCaseName);
    }
};
