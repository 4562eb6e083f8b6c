#pragma once

#include <QByteArray>
#include <QList>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>

#include <functional>

// A scriptable HTTP server on 127.0.0.1 for the faults a real etcd will not produce on demand:
// malformed or truncated JSON, a stalled answer, a dropped connection, an HTML error page.
// The handler sees each complete request (headers and Content-Length body) and answers on the
// socket as it likes: write, close, or keep it open and say nothing.
class FakeServer : public QObject
{
    Q_OBJECT
public:
    struct Request
    {
        QByteArray method;
        QByteArray target; // path and query, as sent
        QList<QPair<QByteArray, QByteArray>> headers;
        QByteArray body;
        QByteArray header(const QByteArray &name) const;
    };
    using Handler = std::function<void(QTcpSocket *socket, const Request &request)>;

    explicit FakeServer(QObject *parent = nullptr);
    bool listen();
    QString url() const;
    quint16 port() const { return m_server.serverPort(); }
    void setHandler(Handler handler) { m_handler = std::move(handler); }
    QList<Request> requests() const { return m_requests; }

    // A complete HTTP/1.1 answer that closes the connection afterwards.
    static QByteArray response(int status, const QByteArray &body,
                               const QByteArray &contentType = "application/json",
                               const QList<QByteArray> &extraHeaders = {});
    // Handlers for the usual cases.
    static Handler answer(int status, const QByteArray &body,
                          const QByteArray &contentType = "application/json");
    static Handler stall();
    // Announces Content-Length of the whole body, sends only the first `sent` bytes, closes.
    static Handler truncated(const QByteArray &body, int sent);
    static Handler dropConnection();

Q_SIGNALS:
    void requestReceived(const FakeServer::Request &request);

private:
    void onNewConnection();
    void onReadyRead(QTcpSocket *socket);

    QTcpServer m_server;
    Handler m_handler;
    QList<Request> m_requests;
    QHash<QTcpSocket *, QByteArray> m_buffers;
};
