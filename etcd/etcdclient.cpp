#include "etcdclient.h"

#include "etcdlog.h"
#include "etcdtransport.h"
#include "etcdv2client.h"
#include "etcdv3client.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QUrl>

namespace {

// A short, one-line excerpt of an answer for error messages: HTML tags stripped.
QString bodyExcerpt(const QByteArray &body)
{
    QString text = QString::fromUtf8(body.left(2000));
    static const QRegularExpression tags(QStringLiteral("<[^>]*>"));
    text.remove(tags);
    text = text.simplified();
    if (text.size() > 200)
        text = text.left(200) + QStringLiteral("…");
    return text;
}

EtcdError httpError(const EtcdHttpResponse &r, const QString &what)
{
    EtcdError e(EtcdError::Kind::Http,
                QStringLiteral("unexpected HTTP %1 answer to %2").arg(r.status).arg(what));
    e.setHttpStatus(r.status).setEndpoint(r.endpoint).setCause(bodyExcerpt(r.body));
    if (r.status == 404)
        e.setCondition(EtcdError::Condition::ApiNotAvailable);
    return e;
}

// Decodes a JSON object answer; a body that is not one is a protocol error.
bool decodeObject(const EtcdHttpResponse &r, const QString &what, QJsonObject *out,
                  EtcdError *error)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(r.body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = EtcdError::protocol(QStringLiteral("the answer to %1 is not valid JSON: %2")
                                         .arg(what, r.body.isEmpty() ? QStringLiteral("empty body")
                                                                     : parseError.errorString()),
                                     r.endpoint);
        error->setHttpStatus(r.status);
        return false;
    }
    if (!doc.isObject()) {
        *error = EtcdError::protocol(
            QStringLiteral("the answer to %1 is not a JSON object").arg(what), r.endpoint);
        error->setHttpStatus(r.status);
        return false;
    }
    *out = doc.object();
    return true;
}

EtcdResult<EtcdClient::VersionInfo> decodeVersion(const EtcdHttpResponse &r, const EtcdError &e)
{
    EtcdResult<EtcdClient::VersionInfo> result;
    const QString what = QStringLiteral("GET /version");
    QJsonObject o;
    if (e) {
        result.error = e;
    } else if (r.status != 200) {
        result.error = httpError(r, what);
    } else if (decodeObject(r, what, &o, &result.error)) {
        const QJsonValue server = o.value(QLatin1String("etcdserver"));
        const QJsonValue cluster = o.value(QLatin1String("etcdcluster"));
        if (!server.isString() || !(cluster.isString() || cluster.isUndefined())) {
            result.error = EtcdError::protocol(
                QStringLiteral("the answer to %1 is not etcd's version object").arg(what),
                r.endpoint);
            result.error.setHttpStatus(r.status);
        } else {
            result.value.serverVersion = server.toString();
            result.value.clusterVersion = cluster.toString();
        }
    }
    return result;
}

EtcdResult<EtcdClient::HealthInfo> decodeHealth(const EtcdHttpResponse &r, const EtcdError &e)
{
    EtcdResult<EtcdClient::HealthInfo> result;
    const QString what = QStringLiteral("GET /health");
    QJsonObject o;
    if (e) {
        result.error = e;
    } else if (r.status != 200 && r.status != 503) {
        result.error = httpError(r, what);
    } else if (r.status == 503 && !r.body.trimmed().startsWith('{')) {
        // A proxy's 503 page, not etcd's verdict.
        result.error = httpError(r, what);
    } else if (decodeObject(r, what, &o, &result.error)) {
        // "true"/"false" as strings; very old servers sent booleans.
        const QJsonValue h = o.value(QLatin1String("health"));
        const QString text = h.toString();
        if (h.isString() && (text == QLatin1String("true") || text == QLatin1String("false"))) {
            result.value.healthy = text == QLatin1String("true");
        } else if (h.isBool()) {
            result.value.healthy = h.toBool();
        } else {
            result.error = EtcdError::protocol(
                QStringLiteral("the answer to %1 has no health field").arg(what), r.endpoint);
            result.error.setHttpStatus(r.status);
            return result;
        }
        // 3.4 gives no reason (no leader or an active alarm); 3.5+ say which.
        result.value.reason = o.value(QLatin1String("reason")).toString();
    }
    return result;
}

EtcdError tlsFileError(const QString &message, const QString &path)
{
    EtcdError e(EtcdError::Kind::Tls, message);
    e.setDetails({path});
    return e;
}

bool readFile(const QString &path, const QString &what, QByteArray *data, EtcdError *error)
{
    QFile f(path);
    if (!QFileInfo::exists(path)) {
        *error =
            tlsFileError(QStringLiteral("the %1 file %2 does not exist").arg(what, path), path);
        return false;
    }
    if (!f.open(QIODevice::ReadOnly)) {
        *error = tlsFileError(
            QStringLiteral("cannot read the %1 file %2: %3").arg(what, path, f.errorString()),
            path);
        return false;
    }
    *data = f.readAll();
    return true;
}

QList<QSslCertificate> parseCertificates(const QByteArray &data)
{
    QList<QSslCertificate> certs = QSslCertificate::fromData(data, QSsl::Pem);
    if (certs.isEmpty())
        certs = QSslCertificate::fromData(data, QSsl::Der);
    return certs;
}

QSslKey parseKey(const QByteArray &data, const QString &passphrase)
{
    // The file does not say its algorithm; etcd's tools make RSA or EC keys.
    for (QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec, QSsl::Dsa}) {
        for (QSsl::EncodingFormat format : {QSsl::Pem, QSsl::Der}) {
            QSslKey key(data, algorithm, format, QSsl::PrivateKey, passphrase.toUtf8());
            if (!key.isNull())
                return key;
        }
    }
    return {};
}

EtcdError apiNotServed(EtcdClient::Api api, const QString &endpoint)
{
    const QString message =
        api == EtcdClient::Api::V2
            ? QStringLiteral("the cluster does not serve the v2 API (etcd 3.4 and 3.5 serve it "
                             "only with --enable-v2; 3.6 removed it)")
        : api == EtcdClient::Api::V3
            ? QStringLiteral("the cluster does not serve the v3 JSON gateway (/v3 or /v3beta)")
            : QStringLiteral("the cluster serves neither the v2 API nor the v3 JSON gateway");
    EtcdError e(EtcdError::Kind::Http, message);
    e.setCondition(EtcdError::Condition::ApiNotAvailable).setHttpStatus(404).setEndpoint(endpoint);
    return e;
}

} // namespace

EtcdClient::EtcdClient(QObject *parent)
    : QObject(parent)
    , m_transport(new EtcdTransport(this))
    , m_v2(new EtcdV2Client(m_transport, this))
    , m_v3(new EtcdV3Client(m_transport, this))
{
    connect(m_transport, &EtcdTransport::currentEndpointChanged, this,
            &EtcdClient::currentEndpointChanged);
}

EtcdClient::~EtcdClient() = default;

QString EtcdClient::apiName(Api api)
{
    switch (api) {
    case Api::Auto:
        return QStringLiteral("auto");
    case Api::V2:
        return QStringLiteral("v2");
    case Api::V3:
        return QStringLiteral("v3");
    }
    return {};
}

EtcdError EtcdClient::configure(const Options &options)
{
    // Everything is checked before anything is applied: a failed configure() leaves the
    // connection as it was.
    QStringList endpoints;
    for (const QString &e : options.endpoints) {
        if (e.trimmed().isEmpty())
            continue;
        const QString normalized = EtcdTransport::normalizeEndpoint(e);
        const QUrl url(normalized, QUrl::StrictMode);
        if (!url.isValid() || url.host().isEmpty() ||
            (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))) {
            return EtcdError(EtcdError::Kind::Network,
                             QStringLiteral("invalid endpoint \"%1\": expected http://host:port "
                                            "or https://host:port")
                                 .arg(e.trimmed()));
        }
        endpoints << normalized;
    }
    if (endpoints.isEmpty())
        return EtcdError(EtcdError::Kind::Network, QStringLiteral("no endpoint given"));

    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    // Verification is on unless the user turned it off explicitly (a per-profile setting or
    // --insecure-skip-tls-verify); failures reach the user with the certificate details.
    ssl.setPeerVerifyMode(options.insecureSkipVerify ? QSslSocket::VerifyNone
                                                     : QSslSocket::VerifyPeer);
    const QString serverName = options.serverName.trimmed();
    if (serverName.contains(QLatin1Char('/')) || serverName.contains(QLatin1Char(' '))) {
        return EtcdError(EtcdError::Kind::Tls,
                         QStringLiteral("invalid TLS server name \"%1\": expected a host name "
                                        "such as etcd.example.com")
                             .arg(options.serverName));
    }
    EtcdError error;
    if (!options.caFile.isEmpty()) {
        QByteArray data;
        if (!readFile(options.caFile, QStringLiteral("CA certificate"), &data, &error))
            return error;
        const QList<QSslCertificate> cas = parseCertificates(data);
        if (cas.isEmpty()) {
            return tlsFileError(QStringLiteral("the CA certificate file %1 holds no PEM or DER "
                                               "certificate")
                                    .arg(options.caFile),
                                options.caFile);
        }
        // Replaces the system CAs (and their on-demand loading), as etcdctl --cacert does.
        ssl.setCaCertificates(cas);
    }
    if (options.certFile.isEmpty() != options.keyFile.isEmpty()) {
        return EtcdError(EtcdError::Kind::Tls,
                         options.certFile.isEmpty()
                             ? QStringLiteral("a client key was given without its certificate")
                             : QStringLiteral("a client certificate was given without its key"));
    }
    if (!options.certFile.isEmpty()) {
        QByteArray certData;
        if (!readFile(options.certFile, QStringLiteral("client certificate"), &certData, &error))
            return error;
        const QList<QSslCertificate> certs = parseCertificates(certData);
        if (certs.isEmpty()) {
            return tlsFileError(QStringLiteral("the client certificate file %1 holds no PEM or "
                                               "DER certificate")
                                    .arg(options.certFile),
                                options.certFile);
        }
        QByteArray keyData;
        if (!readFile(options.keyFile, QStringLiteral("client key"), &keyData, &error))
            return error;
        const QSslKey key = parseKey(keyData, options.keyPassphrase);
        if (key.isNull()) {
            const bool encrypted = keyData.contains("ENCRYPTED");
            return tlsFileError(
                encrypted ? (options.keyPassphrase.isEmpty()
                                 ? QStringLiteral("the client key file %1 is encrypted: give its "
                                                  "passphrase")
                                 : QStringLiteral("the passphrase does not open the client key "
                                                  "file %1"))
                                .arg(options.keyFile)
                          : QStringLiteral("the client key file %1 holds no RSA, EC or DSA "
                                           "private key")
                                .arg(options.keyFile),
                options.keyFile);
        }
        ssl.setLocalCertificate(certs.first());
        if (certs.size() > 1)
            ssl.setLocalCertificateChain(certs);
        ssl.setPrivateKey(key);
    }

    QString user = options.user;
    QString password = options.password;
    if (password.isEmpty() && user.contains(QLatin1Char(':'))) {
        const qsizetype colon = user.indexOf(QLatin1Char(':'));
        password = user.mid(colon + 1);
        user = user.left(colon);
    }

    // A discovery in flight would describe the old endpoints: cancelled, its callback dropped.
    const QList<EtcdDiscovery *> running =
        findChildren<EtcdDiscovery *>(Qt::FindDirectChildrenOnly);
    for (EtcdDiscovery *d : running)
        d->cancel();
    m_options = options;
    m_info = ClusterInfo();
    m_transport->setEndpoints(endpoints);
    m_transport->setCredentials(user, password);
    m_transport->setReadOnly(options.readOnly);
    m_transport->setDefaultTimeout(options.timeoutMs > 0 ? options.timeoutMs : 5000);
    m_transport->setSslConfiguration(ssl);
    m_transport->setServerName(serverName);
    return {};
}

EtcdCall *EtcdClient::version(QObject *context,
                              std::function<void(const EtcdResult<VersionInfo> &)> callback)
{
    EtcdHttpRequest req;
    req.path = "/version";
    req.operation = QStringLiteral("version");
    auto handler = [callback = std::move(callback)](EtcdCall *, const EtcdHttpResponse &r,
                                                    const EtcdError &e) {
        if (callback)
            callback(decodeVersion(r, e));
        return true;
    };
    return m_transport->send(req, context, std::move(handler));
}

EtcdCall *EtcdClient::health(QObject *context,
                             std::function<void(const EtcdResult<HealthInfo> &)> callback)
{
    EtcdHttpRequest req;
    req.path = "/health";
    req.operation = QStringLiteral("health");
    auto handler = [callback = std::move(callback)](EtcdCall *, const EtcdHttpResponse &r,
                                                    const EtcdError &e) {
        if (callback)
            callback(decodeHealth(r, e));
        return true;
    };
    return m_transport->send(req, context, std::move(handler));
}

EtcdDiscovery *EtcdClient::discover(QObject *context,
                                    std::function<void(const EtcdResult<ClusterInfo> &)> callback)
{
    auto *d = new EtcdDiscovery(this, std::move(callback));
    if (context)
        connect(context, &QObject::destroyed, d, &EtcdDiscovery::cancel);
    // Started from the event loop so that the callback never runs inside discover().
    QMetaObject::invokeMethod(d, &EtcdDiscovery::start, Qt::QueuedConnection);
    return d;
}

void EtcdClient::setDiscovered(const ClusterInfo &info)
{
    m_info = info;
    if (info.v3Available)
        m_v3->setApiPrefix(info.v3Prefix);
}

// --- EtcdDiscovery ---------------------------------------------------------------------------

EtcdDiscovery::EtcdDiscovery(EtcdClient *client, Callback callback)
    : QObject(client)
    , m_client(client)
    , m_callback(std::move(callback))
{
}

void EtcdDiscovery::cancel()
{
    // Also after finish(): a result not yet delivered is dropped.
    m_callback = nullptr;
    if (m_finished)
        return;
    m_finished = true;
    Q_EMIT finished();
    deleteLater();
}

void EtcdDiscovery::start()
{
    if (m_finished || !m_client)
        return;
    // The calls have this object as context: finishing or cancelling the discovery cancels them.
    m_client->version(this, [this](const EtcdResult<EtcdClient::VersionInfo> &r) { onVersion(r); });
}

void EtcdDiscovery::onVersion(const EtcdResult<EtcdClient::VersionInfo> &result)
{
    if (m_finished)
        return;
    if (!result.ok()) {
        // Unreachable: say so now rather than after more requests to the same dead endpoints.
        finish({m_info, result.error});
        return;
    }
    m_info.serverVersion = result.value.serverVersion;
    m_info.clusterVersion = result.value.clusterVersion;

    // Independent of each other: asked in parallel.
    m_pending = 3;
    m_client->health(this, [this](const EtcdResult<EtcdClient::HealthInfo> &r) {
        if (m_finished)
            return;
        if (!r.ok()) {
            finish({m_info, r.error});
            return;
        }
        m_info.healthy = r.value.healthy;
        m_info.healthReason = r.value.reason;
        stepDone();
    });
    probeV3("/v3");
    probeV2();
}

void EtcdDiscovery::probeV3(const QByteArray &prefix)
{
    EtcdHttpRequest req;
    req.method = "POST";
    req.path = prefix + "/maintenance/status";
    req.body = "{}";
    req.contentType = "application/json";
    req.auth = EtcdHttpRequest::Auth::Token;
    req.operation = QStringLiteral("v3 probe");
    m_client->transport()->send(
        req, this, [this, prefix](EtcdCall *, const EtcdHttpResponse &r, const EtcdError &e) {
            if (m_finished)
                return true;
            if (e) {
                finish({m_info, e});
                return true;
            }
            if (r.status != 404) {
                // Any other answer, even 401 or 403 with auth on, comes from the gateway.
                m_info.v3Available = true;
                m_info.v3Prefix = prefix;
            } else if (prefix == "/v3") {
                // etcd 3.3 serves the gateway under /v3beta only.
                probeV3("/v3beta");
                return true;
            }
            stepDone();
            return true;
        });
}

void EtcdDiscovery::probeV2()
{
    EtcdHttpRequest req;
    req.path = "/v2/members";
    req.auth = EtcdHttpRequest::Auth::Basic;
    req.operation = QStringLiteral("v2 probe");
    m_client->transport()->send(
        req, this, [this](EtcdCall *, const EtcdHttpResponse &r, const EtcdError &e) {
            if (m_finished)
                return true;
            if (e && e.kind() != EtcdError::Kind::Network) {
                finish({m_info, e});
                return true;
            }
            // A closed connection here, after /version answered, is 3.4's
            // --experimental-enable-v2v3 panicking on /v2/members: a cluster to treat as v3 only.
            if (e)
                qCDebug(lcEtcdClient)
                    << "v2 probe failed; treating v2 as unavailable:" << e.toString();
            m_info.v2Available = !e && r.status != 404;
            stepDone();
            return true;
        });
}

void EtcdDiscovery::stepDone()
{
    if (--m_pending == 0)
        conclude();
}

void EtcdDiscovery::conclude()
{
    if (!m_client) {
        finish({m_info, EtcdError::cancelled()});
        return;
    }
    m_info.endpoint = m_client->transport()->currentEndpoint();
    const EtcdClient::Api wanted = m_client->options().api;
    EtcdResult<EtcdClient::ClusterInfo> result;
    switch (wanted) {
    case EtcdClient::Api::Auto:
        if (m_info.v3Available)
            m_info.api = EtcdClient::Api::V3;
        else if (m_info.v2Available)
            m_info.api = EtcdClient::Api::V2;
        break;
    case EtcdClient::Api::V2:
        if (m_info.v2Available)
            m_info.api = EtcdClient::Api::V2;
        break;
    case EtcdClient::Api::V3:
        if (m_info.v3Available)
            m_info.api = EtcdClient::Api::V3;
        break;
    }
    result.value = m_info;
    if (m_info.api == EtcdClient::Api::Auto) {
        result.error = apiNotServed(wanted, m_info.endpoint);
    } else {
        m_client->setDiscovered(m_info);
    }
    finish(result);
}

void EtcdDiscovery::finish(const EtcdResult<EtcdClient::ClusterInfo> &result)
{
    if (m_finished)
        return;
    m_finished = true;
    // Delivered from the event loop, outside every EtcdCall handler: the callback may then
    // delete the client (and with it this object and the transport) without harm.
    QMetaObject::invokeMethod(
        this,
        [this, result] {
            const Callback callback = std::move(m_callback);
            m_callback = nullptr;
            QPointer<EtcdDiscovery> self(this);
            if (callback)
                callback(result);
            if (!self)
                return;
            Q_EMIT finished();
            deleteLater();
        },
        Qt::QueuedConnection);
}
