#include "etcdtransport.h"

#include "etcdlog.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

Q_LOGGING_CATEGORY(lcEtcdClient, "etcdscope.client", QtInfoMsg)

namespace {

// A request body that can be read once only. QNetworkAccessManager silently sends a request
// again when the connection closes before the answer; for a write that may already have been
// applied that is wrong. With a body it cannot rewind (and no buffered copy), Qt reports
// ContentReSendError instead, which the call turns into a network error without retrying.
class OneShotBody : public QIODevice
{
public:
    OneShotBody(QByteArray data, QObject *parent)
        : QIODevice(parent)
        , m_data(std::move(data))
    {
        open(QIODevice::ReadOnly);
    }
    bool isSequential() const override { return true; }
    bool reset() override { return false; }
    bool atEnd() const override { return m_pos >= m_data.size(); }
    qint64 bytesAvailable() const override
    {
        return m_data.size() - m_pos + QIODevice::bytesAvailable();
    }
    qint64 size() const override { return m_data.size(); }

protected:
    qint64 readData(char *data, qint64 maxSize) override
    {
        const qint64 n = qMin<qint64>(maxSize, m_data.size() - m_pos);
        memcpy(data, m_data.constData() + m_pos, size_t(n));
        m_pos += n;
        return n;
    }
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    QByteArray m_data;
    qint64 m_pos = 0;
};

} // namespace

EtcdTransport::EtcdTransport(QObject *parent)
    : QObject(parent)
    , m_nam(new QNetworkAccessManager(this))
    , m_ssl(QSslConfiguration::defaultConfiguration())
{
    m_nam->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

EtcdTransport::~EtcdTransport() = default;

QString EtcdTransport::normalizeEndpoint(const QString &endpoint)
{
    QString e = endpoint.trimmed();
    if (!e.contains(QLatin1String("://")))
        e.prepend(QLatin1String("http://"));
    while (e.endsWith(QLatin1Char('/')))
        e.chop(1);
    return e;
}

void EtcdTransport::setEndpoints(const QStringList &endpoints)
{
    m_endpoints.clear();
    for (const QString &e : endpoints) {
        if (!e.trimmed().isEmpty())
            m_endpoints << normalizeEndpoint(e);
    }
    m_current = 0;
}

QString EtcdTransport::currentEndpoint() const
{
    return m_endpoints.value(m_current);
}

void EtcdTransport::setCurrent(int index)
{
    if (index == m_current || index < 0 || index >= m_endpoints.size())
        return;
    m_current = index;
    Q_EMIT currentEndpointChanged(m_endpoints.at(index));
}

void EtcdTransport::setSslConfiguration(const QSslConfiguration &config)
{
    if (config == m_ssl)
        return;
    m_ssl = config;
    // QNetworkAccessManager keys its connections by host, port and verify name, not by TLS
    // settings: a kept-alive connection would go on without the checks now asked for.
    m_nam->clearConnectionCache();
}

void EtcdTransport::setServerName(const QString &name)
{
    if (name == m_serverName)
        return;
    m_serverName = name;
    m_nam->clearConnectionCache();
}

void EtcdTransport::setCredentials(const QString &user, const QString &password)
{
    m_user = user;
    m_password = password;
    m_token.clear();
}

EtcdCall *EtcdTransport::send(const EtcdHttpRequest &request, QObject *context,
                              EtcdCall::Handler handler)
{
    auto *call = new EtcdCall(this, request, std::move(handler));
    if (context)
        connect(context, &QObject::destroyed, call, &EtcdCall::cancel);
    // Started from the event loop so that no handler ever runs inside send().
    QMetaObject::invokeMethod(call, &EtcdCall::start, Qt::QueuedConnection);
    return call;
}

QNetworkReply *EtcdTransport::post(const EtcdHttpRequest &request, int endpointIndex,
                                   int deadlineMs)
{
    QByteArray url = m_endpoints.at(endpointIndex).toUtf8() + request.path;
    if (!request.query.isEmpty())
        url += '?' + request.query;
    QNetworkRequest req(QUrl::fromEncoded(url, QUrl::StrictMode));
    if (request.grpc) {
        req.setAttribute(QNetworkRequest::Http2AllowedAttribute, true);
        if (url.startsWith("http:")) {
            req.setAttribute(QNetworkRequest::Http2DirectAttribute, true);
            // The verify name is part of QNetworkAccessManager's connection key and means
            // nothing without TLS: a tag in it picks the connection.
            if (request.connectionTag > 0)
                req.setPeerVerifyName(
                    QStringLiteral("etcdscope-grpc-%1").arg(request.connectionTag));
        }
        req.setRawHeader("te", "trailers");
        // gRPC's TimeoutValue: at most 8 digits, here milliseconds (27 hours at most).
        if (deadlineMs > 0)
            req.setRawHeader("grpc-timeout", QByteArray::number(qMin(deadlineMs, 99999999)) + 'm');
    } else {
        req.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    }
    req.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    if (!request.contentType.isEmpty())
        req.setHeader(QNetworkRequest::ContentTypeHeader, request.contentType);
    if (url.startsWith("https:")) {
        req.setSslConfiguration(m_ssl);
        // On https:// the verify name is what it says (and keys the connection, so requests
        // for another name never share one checked against this one).
        if (!m_serverName.isEmpty())
            req.setPeerVerifyName(m_serverName);
    }
    switch (request.auth) {
    case EtcdHttpRequest::Auth::None:
        break;
    case EtcdHttpRequest::Auth::Basic:
        if (hasCredentials())
            req.setRawHeader("Authorization",
                             "Basic " +
                                 (m_user + QLatin1Char(':') + m_password).toUtf8().toBase64());
        break;
    case EtcdHttpRequest::Auth::Token:
        // etcd wants the raw token, without "Bearer ".
        if (!m_token.isEmpty())
            req.setRawHeader("Authorization", m_token);
        break;
    }
    qCDebug(lcEtcdClient) << request.method
                          << m_endpoints.at(endpointIndex) + QString::fromUtf8(request.path);
    if (request.method == "GET")
        return m_nam->get(req);
    if (request.kind == EtcdHttpRequest::Kind::Read)
        return m_nam->sendCustomRequest(req, request.method, request.body);

    // Writes go out exactly once (see OneShotBody). A write without a body (a v2 DELETE) gets
    // one byte that etcd ignores, because Qt resends body-less requests unconditionally.
    const QByteArray body = request.body.isEmpty() ? QByteArray("\n") : request.body;
    req.setHeader(QNetworkRequest::ContentLengthHeader, body.size());
    req.setAttribute(QNetworkRequest::DoNotBufferUploadDataAttribute, true);
    auto *device = new OneShotBody(body, nullptr);
    QNetworkReply *reply = m_nam->sendCustomRequest(req, request.method, device);
    device->setParent(reply);
    return reply;
}
