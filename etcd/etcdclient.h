#pragma once

#include "etcdapi.h"
#include "etcdcall.h"
#include "etcderror.h"

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <functional>

class EtcdDiscovery;
class EtcdTransport;
class EtcdV2Client;
class EtcdV3Client;

// A connection to one etcd cluster: its endpoints, credentials and TLS files, the typed v2 and
// v3 clients that share its transport, and the discovery of what the cluster is and speaks.
class EtcdClient : public QObject
{
    Q_OBJECT
public:
    // Which API the connection uses: Auto picks v3 when the cluster serves it, else v2.
    using Api = EtcdApi;

    struct Options
    {
        QStringList endpoints;
        Api api = Api::Auto;
        // "name:password" in user is split as etcdctl does when password is empty.
        QString user;
        QString password;
        // PEM (or DER) files. A CA file replaces the system CAs, as with etcdctl --cacert.
        QString caFile;
        QString certFile;
        QString keyFile;
        // Opens an encrypted key file (PKCS#8 "ENCRYPTED PRIVATE KEY" or a legacy encrypted PEM).
        QString keyPassphrase;
        // The name the server's certificate must carry when it differs from the endpoints' host
        // (an IP address, a tunnel): checked instead of the host. Empty: the host.
        QString serverName;
        // Skips certificate verification (etcdctl --insecure-skip-tls-verify). Only ever set by
        // an explicit per-profile setting or that flag; the window shows a warning all along.
        bool insecureSkipVerify = false;
        bool readOnly = false;
        int timeoutMs = 5000;
    };

    // What GET /version says.
    struct VersionInfo
    {
        QString serverVersion;  // "etcdserver", e.g. "3.4.23"
        QString clusterVersion; // "etcdcluster", e.g. "3.4.0"
    };

    // What GET /health says. An unhealthy cluster (503) is a result, not an error.
    struct HealthInfo
    {
        bool healthy = false;
        QString reason; // 3.5+ explain an unhealthy answer; empty otherwise
    };

    struct ClusterInfo
    {
        QString serverVersion;
        QString clusterVersion;
        bool healthy = false;
        QString healthReason;
        bool v2Available = false;
        bool v3Available = false;
        QByteArray v3Prefix; // "/v3" or "/v3beta"; empty when v3 is not served
        Api api = Api::Auto; // the API in use: V2 or V3 after a successful discovery
        QString endpoint;    // the endpoint that answered
    };

    explicit EtcdClient(QObject *parent = nullptr);
    ~EtcdClient() override;

    // Applies the options to the transport. Nothing is applied when an error is returned (a TLS
    // file missing or unreadable, a certificate without its key, no usable endpoint). A
    // successful configure() forgets the last discovery and cancels those in flight (their
    // callbacks are not called): discover again.
    EtcdError configure(const Options &options);
    Options options() const { return m_options; }

    EtcdTransport *transport() const { return m_transport; }
    EtcdV2Client *v2() const { return m_v2; }
    EtcdV3Client *v3() const { return m_v3; }

    EtcdCall *version(QObject *context,
                      std::function<void(const EtcdResult<VersionInfo> &)> callback);
    EtcdCall *health(QObject *context,
                     std::function<void(const EtcdResult<HealthInfo> &)> callback);

    // /version, then /health and the API probes: POST <prefix>/maintenance/status for "/v3" then
    // "/v3beta" (404 means not that prefix, any other answer means served) and GET /v2/members
    // (not 404: v2 served). Chooses the API in use from options().api and sets v3()'s prefix.
    // An explicit API the cluster does not serve fails with Condition::ApiNotAvailable; the
    // result's value still holds what was found. The returned handle cancels the whole
    // discovery; destroying the context cancels it too. The callback runs at most once, never
    // inside discover(), from the event loop (so it may delete this client). A failed /version
    // ends the discovery at once (an unreachable endpoint: Kind::Network, no further requests);
    // the other requests run in parallel. A connection closed on /v2/members counts as "no v2"
    // (3.4's --experimental-enable-v2v3 panics there; such a cluster is used as v3).
    EtcdDiscovery *discover(QObject *context,
                            std::function<void(const EtcdResult<ClusterInfo> &)> callback);

    // The result of the last successful discovery (api Auto before one).
    ClusterInfo clusterInfo() const { return m_info; }
    Api apiInUse() const { return m_info.api; }

    static QString apiName(Api api);

Q_SIGNALS:
    void currentEndpointChanged(const QString &endpoint);

private:
    friend class EtcdDiscovery;
    void setDiscovered(const ClusterInfo &info);

    EtcdTransport *m_transport;
    EtcdV2Client *m_v2;
    EtcdV3Client *m_v3;
    Options m_options;
    ClusterInfo m_info;
};

// The handle of one discovery: several requests in a row, cancelled together. Deletes itself
// after it finished; keep it in a QPointer.
class EtcdDiscovery : public QObject
{
    Q_OBJECT
public:
    using Callback = std::function<void(const EtcdResult<EtcdClient::ClusterInfo> &)>;

    void cancel();
    bool isFinished() const { return m_finished; }

Q_SIGNALS:
    void finished();

private:
    friend class EtcdClient;
    EtcdDiscovery(EtcdClient *client, Callback callback);

    void start();
    void onVersion(const EtcdResult<EtcdClient::VersionInfo> &result);
    void probeV3(const QByteArray &prefix);
    void probeV2();
    void stepDone();
    void conclude();
    void finish(const EtcdResult<EtcdClient::ClusterInfo> &result);

    QPointer<EtcdClient> m_client;
    Callback m_callback;
    EtcdClient::ClusterInfo m_info;
    int m_pending = 0;
    bool m_finished = false;
};
