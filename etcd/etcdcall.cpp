#include "etcdcall.h"

#include "etcdlog.h"
#include "etcdtransport.h"

#include <QNetworkReply>
#include <QSslCertificate>
#include <QSslError>

namespace {

// Errors after which the request surely never reached a server: safe to retry even a write.
bool neverReachedServer(QNetworkReply::NetworkError e)
{
    return e == QNetworkReply::ConnectionRefusedError || e == QNetworkReply::HostNotFoundError;
}

bool isTlsError(QNetworkReply::NetworkError e)
{
    return e == QNetworkReply::SslHandshakeFailedError;
}

QString describeCertificate(const QSslCertificate &c)
{
    return QStringLiteral("subject \"%1\", issuer \"%2\", valid from %3 to %4")
        .arg(c.subjectDisplayName(), c.issuerDisplayName(),
             c.effectiveDate().toString(Qt::ISODate), c.expiryDate().toString(Qt::ISODate));
}

} // namespace

EtcdCall::EtcdCall(EtcdTransport *transport, EtcdHttpRequest request, Handler handler)
    : QObject(transport)
    , m_transport(transport)
    , m_request(std::move(request))
    , m_handler(std::move(handler))
    , m_timeoutMs(m_request.streaming ? 0 : transport->defaultTimeout())
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &EtcdCall::onTimeout);
}

EtcdCall::~EtcdCall()
{
    abortReply();
}

void EtcdCall::setTimeout(int ms)
{
    m_timeoutMs = ms;
    if (!m_started || m_finished)
        return;
    if (ms > 0)
        m_timer.start(ms);
    else
        m_timer.stop();
}

void EtcdCall::start()
{
    if (m_finished)
        return;
    m_started = true;
    if (m_timeoutMs > 0)
        m_timer.start(m_timeoutMs);
    if (m_transport && m_transport->isReadOnly() && m_request.kind == EtcdHttpRequest::Kind::Write) {
        fail(EtcdError::readOnly(m_request.operation.isEmpty() ? QStringLiteral("the write")
                                                               : m_request.operation));
        return;
    }
    if (m_request.maxBodyBytes > 0 && m_request.body.size() > m_request.maxBodyBytes) {
        EtcdError e(EtcdError::Kind::Etcd,
                    QStringLiteral("the request is larger than the server accepts"));
        e.setCondition(EtcdError::Condition::RequestTooLarge)
            .setCause(QStringLiteral("%1 bytes; %2")
                          .arg(m_request.body.size())
                          .arg(m_request.maxBodyReason));
        fail(e);
        return;
    }
    m_attempts = 0;
    sendAttempt();
}

void EtcdCall::resend()
{
    if (m_finished)
        return;
    abortReply();
    m_attempts = 0;
    m_endpointIndex = -1;
    sendAttempt();
}

void EtcdCall::sendAttempt()
{
    if (!m_transport || m_transport->endpoints().isEmpty()) {
        fail(EtcdError::network(QStringLiteral("no endpoint configured")));
        return;
    }
    const int n = int(m_transport->endpoints().size());
    m_endpointIndex = m_endpointIndex < 0 ? m_transport->currentEndpointIndex()
                                          : (m_endpointIndex + 1) % n;
    ++m_attempts;
    m_endpoint = m_transport->endpoints().at(m_endpointIndex);
    m_tlsDetails.clear();
    m_openedConnection = false;
    m_tokenSent =
        m_request.auth == EtcdHttpRequest::Auth::Token ? m_transport->token() : QByteArray();
    m_reply = m_transport->post(m_request, m_endpointIndex);
    connect(m_reply, &QNetworkReply::finished, this, &EtcdCall::onReplyFinished);
    connect(m_reply, &QNetworkReply::socketStartedConnecting, this,
            [this] { m_openedConnection = true; });
    connect(m_reply, &QNetworkReply::sslErrors, this, [this](const QList<QSslError> &errors) {
        // Never ignored: remembered so the failure can name the certificate and the reason.
        for (const QSslError &e : errors) {
            QString line = e.errorString();
            if (!e.certificate().isNull())
                line += QStringLiteral(" (") + describeCertificate(e.certificate())
                        + QLatin1Char(')');
            m_tlsDetails << line;
        }
    });
    if (m_request.streaming) {
        connect(m_reply, &QNetworkReply::metaDataChanged, this, &EtcdCall::onStreamHeaders);
        connect(m_reply, &QNetworkReply::readyRead, this, [this] {
            // Only a 2xx body is a stream of messages. An error answer (401, 403, 500 …) stays
            // unread and reaches the handler whole when the reply finishes, like any answer.
            if (m_reply && !m_finished && onStreamHeaders())
                Q_EMIT dataArrived(m_reply->readAll());
        });
    }
}

bool EtcdCall::onStreamHeaders()
{
    if (!m_reply)
        return false;
    const QVariant status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!status.isValid() || status.toInt() < 200 || status.toInt() >= 300)
        return false;
    // A stream stays open for as long as it is watched: the endpoint that accepted it is the one
    // that works, so the other requests go there first now rather than when the stream ends.
    if (m_transport)
        m_transport->setCurrent(m_endpointIndex);
    return true;
}

void EtcdCall::onReplyFinished()
{
    QNetworkReply *reply = m_reply;
    if (!reply || m_finished)
        return;
    m_reply = nullptr;
    reply->deleteLater();

    if (m_timedOut) {
        deliver({}, EtcdError::timeout(m_timeoutMs, m_endpoint));
        return;
    }

    const QVariant statusAttr = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    const bool more = m_transport && m_attempts < m_transport->endpoints().size();
    const bool isRead = m_request.kind == EtcdHttpRequest::Kind::Read;

    if (statusAttr.isValid() && reply->error() != QNetworkReply::RemoteHostClosedError) {
        EtcdHttpResponse response;
        response.status = statusAttr.toInt();
        response.body = reply->readAll();
        response.endpoint = m_endpoint;
        for (const auto &pair : reply->rawHeaderPairs())
            response.headers.insert(pair.first.toLower(), pair.second);
        if (response.status == 503 && isRead && more) {
            qCDebug(lcEtcdClient) << m_endpoint << "answered 503; trying the next endpoint";
            sendAttempt();
            return;
        }
        if (m_transport)
            m_transport->setCurrent(m_endpointIndex);
        deliver(response, {});
        return;
    }

    const QNetworkReply::NetworkError code = reply->error();
    if (isTlsError(code) || !m_tlsDetails.isEmpty()) {
        EtcdError e(EtcdError::Kind::Tls,
                    QStringLiteral("TLS handshake with %1 failed: %2")
                        .arg(m_endpoint, reply->errorString()));
        e.setEndpoint(m_endpoint).setDetails(m_tlsDetails);
        deliver({}, e);
        return;
    }
    if (more && (neverReachedServer(code) || isRead)) {
        qCDebug(lcEtcdClient) << m_endpoint << reply->errorString() << "; trying the next endpoint";
        sendAttempt();
        return;
    }
    QString message = reply->errorString();
    if (statusAttr.isValid())
        message = QStringLiteral("connection closed before the answer was complete (%1)")
                      .arg(message);
    EtcdError e = EtcdError::network(message, m_endpoint);
    if (neverReachedServer(code))
        e.setCondition(EtcdError::Condition::Unreachable);
    deliver({}, e);
}

void EtcdCall::onTimeout()
{
    if (m_finished)
        return;
    m_timedOut = true;
    if (m_reply) {
        // abort() emits finished synchronously; onReplyFinished reports the timeout.
        m_reply->abort();
    } else {
        fail(EtcdError::timeout(m_timeoutMs, m_endpoint));
    }
}

void EtcdCall::fail(const EtcdError &error)
{
    deliver({}, error);
}

void EtcdCall::deliver(const EtcdHttpResponse &response, const EtcdError &error)
{
    if (m_finished || m_cancelled)
        return;
    m_inHandler = true;
    const bool done = m_handler ? m_handler(this, response, error) : true;
    m_inHandler = false;
    if (done)
        finish();
}

void EtcdCall::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    m_timer.stop();
    abortReply();
    Q_EMIT finished();
    deleteLater();
}

void EtcdCall::cancel()
{
    if (m_finished)
        return;
    m_cancelled = true;
    if (!m_inHandler)
        m_handler = nullptr; // never called after cancel; not destroyed while it runs
    finish();
}

void EtcdCall::abortReply()
{
    if (QNetworkReply *reply = m_reply) {
        m_reply = nullptr;
        disconnect(reply, nullptr, this, nullptr);
        reply->abort();
        reply->deleteLater();
    }
}
