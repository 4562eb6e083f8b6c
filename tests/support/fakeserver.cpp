#include "fakeserver.h"

QByteArray FakeServer::Request::header(const QByteArray &name) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

FakeServer::FakeServer(QObject *parent)
    : QObject(parent)
{
    connect(&m_server, &QTcpServer::newConnection, this, &FakeServer::onNewConnection);
}

bool FakeServer::listen()
{
    return m_server.listen(QHostAddress::LocalHost, 0);
}

QString FakeServer::url() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort());
}

void FakeServer::onNewConnection()
{
    while (QTcpSocket *socket = m_server.nextPendingConnection()) {
        socket->setParent(this);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            m_buffers.remove(socket);
            socket->deleteLater();
        });
    }
}

void FakeServer::onReadyRead(QTcpSocket *socket)
{
    QByteArray &buf = m_buffers[socket];
    buf += socket->readAll();
    for (;;) {
        const int headerEnd = int(buf.indexOf("\r\n\r\n"));
        if (headerEnd < 0)
            return;
        Request req;
        const QList<QByteArray> lines = buf.left(headerEnd).split('\n');
        const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
        req.method = first.value(0);
        req.target = first.value(1);
        qsizetype length = 0;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines.at(i).trimmed();
            const int colon = int(line.indexOf(':'));
            if (colon <= 0)
                continue;
            const QByteArray name = line.left(colon).trimmed();
            const QByteArray value = line.mid(colon + 1).trimmed();
            req.headers.append({name, value});
            if (name.compare("content-length", Qt::CaseInsensitive) == 0)
                length = value.toLongLong();
        }
        if (buf.size() < headerEnd + 4 + length)
            return;
        req.body = buf.mid(headerEnd + 4, length);
        buf.remove(0, headerEnd + 4 + length);
        m_requests << req;
        Q_EMIT requestReceived(req);
        if (m_handler)
            m_handler(socket, req);
        if (socket->state() != QAbstractSocket::ConnectedState)
            return;
    }
}

QByteArray FakeServer::response(int status, const QByteArray &body, const QByteArray &contentType,
                                const QList<QByteArray> &extraHeaders)
{
    QByteArray r = "HTTP/1.1 " + QByteArray::number(status) + " Status\r\n";
    r += "Content-Type: " + contentType + "\r\n";
    r += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    for (const QByteArray &h : extraHeaders)
        r += h + "\r\n";
    r += "Connection: close\r\n\r\n";
    return r + body;
}

FakeServer::Handler FakeServer::answer(int status, const QByteArray &body,
                                       const QByteArray &contentType)
{
    return [=](QTcpSocket *socket, const Request &) {
        socket->write(response(status, body, contentType));
        socket->disconnectFromHost();
    };
}

FakeServer::Handler FakeServer::stall()
{
    return [](QTcpSocket *, const Request &) {
    };
}

FakeServer::Handler FakeServer::truncated(const QByteArray &body, int sent)
{
    return [=](QTcpSocket *socket, const Request &) {
        QByteArray full = response(200, body);
        full.chop(body.size() - sent);
        socket->write(full);
        socket->disconnectFromHost();
    };
}

FakeServer::Handler FakeServer::dropConnection()
{
    return [](QTcpSocket *socket, const Request &) {
        socket->abort();
    };
}
