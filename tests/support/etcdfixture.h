#pragma once

#include <QObject>
#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>
#include <vector>

// Real etcd members for the tests: Debian's etcd on free loopback ports with a temporary data
// directory, started, waited for (/health) and torn down. Never fixed ports: other etcd
// processes may run on the machine.
class EtcdServer : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QString name = QStringLiteral("n1");
        bool enableV2 = true;
        // For members of a cluster: "m1=http://…,m2=…", the token and "new" or "existing".
        QString initialCluster;
        QString clusterToken;
        QString clusterState = QStringLiteral("new");
        quint16 clientPort = 0; // 0: pick a free one
        quint16 peerPort = 0;
        QStringList extraArgs;
        bool waitForHealth = true;
        // TLS on the client URL, which is then https://: the member's certificate and key; with
        // clientCertAuth, clients must present a certificate signed by trustedCaFile.
        QString certFile;
        QString keyFile;
        QString trustedCaFile;
        bool clientCertAuth = false;
        // What the fixture's own clients (waitHealthy, etcdctl) use against a TLS member: the CA
        // that signed certFile (empty: the certificate is not verified) and, for
        // clientCertAuth, a client certificate and its key.
        QString clientCaFile;
        QString clientCertFile;
        QString clientKeyFile;
    };

    explicit EtcdServer(QObject *parent = nullptr);
    explicit EtcdServer(Options options, QObject *parent = nullptr);
    ~EtcdServer() override;

    // Starts the process and, unless told otherwise, waits up to 30 s for /health to say true.
    bool start();
    // SIGTERM and wait for the process to end. The data dir stays for a restart.
    void stop();
    // SIGKILL: a member that dies.
    void kill();
    bool isRunning() const;
    bool waitHealthy(int timeoutMs = 30000);

    // Arguments added after the fixture's own ones (etcd takes the last of a repeated flag), for
    // the next start.
    void setExtraArgs(const QStringList &args) { m_options.extraArgs = args; }

    QString name() const { return m_options.name; }
    bool isTls() const { return !m_options.certFile.isEmpty(); }
    // http://127.0.0.1:PORT, or https:// when the member serves TLS.
    QString clientUrl() const;
    QString peerUrl() const;
    quint16 clientPort() const { return m_options.clientPort; }
    quint16 peerPort() const { return m_options.peerPort; }
    QString dataDir() const { return m_dataDir.path() + QStringLiteral("/data"); }
    QString logFile() const { return m_dataDir.path() + QStringLiteral("/etcd.log"); }
    QString lastLog(int lines = 30) const;

    // Runs etcdctl (v3 API) against this member; returns stdout, or a null string on failure.
    QString etcdctl(const QStringList &args, const QByteArray &input = {}) const;
    // The same for the v2 API (ETCDCTL_API=2).
    QString etcdctlV2(const QStringList &args) const;
    // Adds the user root (password "pw"), runs the etcdctl commands of `setup` (users, roles,
    // grants), then turns authentication on; false, with a warning naming the command, when one
    // failed.
    bool enableAuth(const QList<QStringList> &setup = {}) const;

    static quint16 freePort();
    static QString etcdBinary();
    static QString etcdctlBinary();

private:
    QStringList arguments() const;
    // --endpoints and, for a TLS member, etcdctl's TLS flags (v2: ETCDCTL_API=2's spelling).
    QStringList etcdctlConnection(bool v2) const;
    void waitFinished(int timeoutMs);

    Options m_options;
    QTemporaryDir m_dataDir;
    std::unique_ptr<QProcess> m_process;
};

// Three members (m1, m2, m3) started together as a new cluster.
class EtcdCluster : public QObject
{
    Q_OBJECT
public:
    explicit EtcdCluster(int size = 3, QObject *parent = nullptr);
    bool start();
    EtcdServer *member(int i) const { return m_members.at(std::size_t(i)).get(); }
    int size() const { return int(m_members.size()); }
    QStringList clientUrls() const;
    // "m1=http://127.0.0.1:…,m2=…": the --initial-cluster of the members, for one that joins.
    QString initialCluster() const;

private:
    std::vector<std::unique_ptr<EtcdServer>> m_members;
};

// Runs a program and waits on its finished signal; returns its exit code, -1 if it did not run.
int runProgram(const QString &program, const QStringList &args, QByteArray *out = nullptr,
               const QByteArray &input = {}, const QStringList &env = {}, int timeoutMs = 60000);
