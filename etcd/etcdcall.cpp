#include "etcdcall.h"

#include "etcdlog.h"
#include "etcdtransport.h"

#include <QNetworkReply>
#include <QSslCertificate>
#include <QSslError>
#include <QUrl>

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

// "CN=…, OU=…, O=…": every attribute of the subject or the issuer, not only the display name
// (a client or gateway certificate often has no CommonName). Qt lists the attributes sorted by
// name; the usual ones come most specific first, as in an LDAP name.
QString distinguishedName(const QSslCertificate &c, bool issuer)
{
    QList<QByteArray> attributes{"CN", "OU", "O", "L", "ST", "C"};
    const QList<QByteArray> present = issuer ? c.issuerInfoAttributes() : c.subjectInfoAttributes();
    attributes.removeIf([&](const QByteArray &a) { return !present.contains(a); });
    for (const QByteArray &a : present) {
        if (!attributes.contains(a))
            attributes << a;
    }
    QStringList parts;
    for (const QByteArray &a : std::as_const(attributes)) {
        const QStringList values = issuer ? c.issuerInfo(a) : c.subjectInfo(a);
        for (const QString &v : values)
            parts << QString::fromLatin1(a) + QLatin1Char('=') + v;
    }
    return parts.join(QStringLiteral(", "));
}

// The names a server certificate is valid for: its DNS and IP subject alternative names, else
// its CommonName (which Qt still matches when there are none).
QStringList certificateNames(const QSslCertificate &c)
{
    QStringList names;
    const auto sans = c.subjectAlternativeNames();
    for (auto it = sans.cbegin(); it != sans.cend(); ++it) {
        if (it.key() == QSsl::DnsEntry || it.key() == QSsl::IpAddressEntry)
            names << it.value();
    }
    if (names.isEmpty())
        names = c.subjectInfo(QSslCertificate::CommonName);
    return names;
}

QString describeCertificate(const QSslCertificate &c)
{
    QString text =
        QStringLiteral("subject \"%1\", issuer \"%2\", valid from %3 to %4")
            .arg(distinguishedName(c, false), distinguishedName(c, true),
                 c.effectiveDate().toString(Qt::ISODate), c.expiryDate().toString(Qt::ISODate));
    const QStringList names = certificateNames(c);
    if (!names.isEmpty())
        text += QStringLiteral(", for ") + names.join(QStringLiteral(", "));
    return text;
}

// Qt's words for the problem, and for a name mismatch the name that was checked against the
// names the certificate has.
QString describeSslError(const QSslError &e, const QString &expectedName)
{
    QString reason = e.errorString();
    if (e.error() == QSslError::HostNameMismatch) {
        const QStringList names = certificateNames(e.certificate());
        reason += QStringLiteral(": expected \"%1\", the certificate is for %2")
                      .arg(expectedName, names.isEmpty() ? QStringLiteral("no name")
                                                         : names.join(QStringLiteral(", ")));
    }
    return reason;
}

// OpenSSL's words when the server ended the handshake because it wanted a client certificate
// (TLS 1.3 "certificate required", TLS 1.2 "handshake failure" after a certificate request
// without one, or "bad certificate" / "unknown ca" for one it did not accept).
QString clientCertificateHint(const QString &qtError, bool sentCertificate)
{
    const QString e = qtError.toLower();
    if (e.contains(QLatin1String("certificate required")))
        return QStringLiteral("the server requires a client certificate (set the client "
                              "certificate and key files)");
    if (e.contains(QLatin1String("alert bad certificate")) ||
        e.contains(QLatin1String("alert unknown ca")) ||
        e.contains(QLatin1String("alert unsupported certificate")) ||
        e.contains(QLatin1String("alert certificate unknown"))) {
        return sentCertificate
                   ? QStringLiteral("the server refused the client certificate (it must be "
                                    "signed by a CA the server trusts, with extended key usage "
                                    "clientAuth)")
                   : QStringLiteral("the server refused the connection without a client "
                                    "certificate (set the client certificate and key files)");
    }
    return {};
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
    if (m_transport && m_transport->isReadOnly() &&
        m_request.kind == EtcdHttpRequest::Kind::Write) {
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
    m_endpointIndex =
        m_endpointIndex < 0 ? m_transport->currentEndpointIndex() : (m_endpointIndex + 1) % n;
    ++m_attempts;
    m_endpoint = m_transport->endpoints().at(m_endpointIndex);
    m_tlsDetails.clear();
    m_tlsReasons.clear();
    m_openedConnection = false;
    m_tokenSent =
        m_request.auth == EtcdHttpRequest::Auth::Token ? m_transport->token() : QByteArray();
    // What is left of the call's time, for a gRPC request's deadline (failovers included).
    const int deadlineMs = m_timer.isActive() ? qMax(1, m_timer.remainingTime()) : 0;
    m_reply = m_transport->post(m_request, m_endpointIndex, deadlineMs);
    connect(m_reply, &QNetworkReply::finished, this, &EtcdCall::onReplyFinished);
    connect(m_reply, &QNetworkReply::socketStartedConnecting, this,
            [this] { m_openedConnection = true; });
    connect(m_reply, &QNetworkReply::sslErrors, this, [this](const QList<QSslError> &errors) {
        // Never ignored: remembered so the failure can name the certificate and the reason.
        // Without verification (an explicit choice of the user) they do not fail the request.
        if (!m_transport || m_transport->skipsVerification())
            return;
        const QString expected = !m_transport->serverName().isEmpty() ? m_transport->serverName()
                                                                      : QUrl(m_endpoint).host();
        for (const QSslError &e : errors) {
            const QString reason = describeSslError(e, expected);
            if (!m_tlsReasons.contains(reason))
                m_tlsReasons << reason;
            QString line = reason;
            if (!e.certificate().isNull())
                line +=
                    QStringLiteral(" (") + describeCertificate(e.certificate()) + QLatin1Char(')');
            if (!m_tlsDetails.contains(line))
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
    const bool sentCertificate =
        m_transport && !m_transport->sslConfiguration().localCertificate().isNull();
    const QString hint = clientCertificateHint(reply->errorString(), sentCertificate);
    if (isTlsError(code) || !m_tlsDetails.isEmpty() || !hint.isEmpty()) {
        // The endpoint is the error's, not part of its message.
        QString message;
        if (!m_tlsReasons.isEmpty())
            message = QStringLiteral("the server's certificate could not be verified: %1")
                          .arg(m_tlsReasons.join(QStringLiteral("; ")));
        else if (!hint.isEmpty())
            message = hint;
        else
            message = QStringLiteral("the TLS handshake failed");
        QStringList details = m_tlsDetails;
        // What Qt and OpenSSL said, when it is not the verification failure already listed.
        if (m_tlsReasons.isEmpty())
            details << reply->errorString();
        EtcdError e(EtcdError::Kind::Tls, message);
        e.setEndpoint(m_endpoint).setDetails(details);
        if (!m_tlsReasons.isEmpty())
            e.setCondition(EtcdError::Condition::CertificateUntrusted);
        deliver({}, e);
        return;
    }
    if (more && (neverReachedServer(code) || isRead)) {
        qCDebug(lcEtcdClient) << m_endpoint << reply->errorString() << "; trying the next endpoint";
        sendAttempt();
        return;
    }
    QString message = reply->errorString();
    if (statusAttr.isValid()) {
        message =
            QStringLiteral("connection closed before the answer was complete (%1)").arg(message);
    } else if (code == QNetworkReply::RemoteHostClosedError && m_openedConnection &&
               m_endpoint.startsWith(QLatin1String("https:"))) {
        // A server that wants a client certificate, or refuses the one sent, ends a TLS 1.3
        // connection with an alert after the client finished the handshake. When the end of the
        // connection overtakes the alert, Qt says only "Connection closed". A network error, not
        // a TLS one: it may also be a server going down, and then a retry is right.
        message = sentCertificate
                      ? QStringLiteral("the server closed the connection right after the TLS "
                                       "handshake (%1): it may have refused the client "
                                       "certificate (it must be signed by a CA the server "
                                       "trusts, with extended key usage clientAuth)")
                            .arg(message)
                      : QStringLiteral("the server closed the connection right after the TLS "
                                       "handshake (%1): it may require a client certificate "
                                       "(set the client certificate and key files)")
                            .arg(message);
    }
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
