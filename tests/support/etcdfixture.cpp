#include "etcdfixture.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTimer>
#include <QtDebug>

#include <csignal>

namespace {

// Waits for a signal spy or a deadline, polling the event loop: no fixed sleep.
bool waitFor(QSignalSpy &spy, int timeoutMs)
{
    return spy.count() > 0 || spy.wait(timeoutMs);
}

void pause(int ms)
{
    QTimer t;
    t.setSingleShot(true);
    QSignalSpy spy(&t, &QTimer::timeout);
    t.start(ms);
    spy.wait(ms + 1000);
}

} // namespace

int runProgram(const QString &program, const QStringList &args, QByteArray *out,
               const QByteArray &input, const QStringList &env, int timeoutMs)
{
    QProcess p;
    if (!env.isEmpty()) {
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        for (const QString &kv : env)
            e.insert(kv.section(QLatin1Char('='), 0, 0), kv.section(QLatin1Char('='), 1));
        p.setProcessEnvironment(e);
    }
    p.setProcessChannelMode(QProcess::SeparateChannels);
    QSignalSpy finished(&p, &QProcess::finished);
    QSignalSpy failed(&p, &QProcess::errorOccurred);
    p.start(program, args);
    if (!input.isEmpty())
        p.write(input);
    p.closeWriteChannel();
    QDeadlineTimer deadline(timeoutMs);
    while (finished.isEmpty() && failed.isEmpty() && !deadline.hasExpired())
        finished.wait(200);
    if (finished.isEmpty()) {
        p.kill();
        finished.wait(5000);
        return -1;
    }
    if (out)
        *out = p.readAllStandardOutput();
    const QByteArray err = p.readAllStandardError();
    if (p.exitCode() != 0 && !err.isEmpty())
        qWarning().noquote() << program << args.join(QLatin1Char(' ')) << ":" << err.trimmed();
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

EtcdServer::EtcdServer(QObject *parent)
    : EtcdServer(Options(), parent)
{
}

EtcdServer::EtcdServer(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    if (!m_options.clientPort)
        m_options.clientPort = freePort();
    if (!m_options.peerPort)
        m_options.peerPort = freePort();
}

EtcdServer::~EtcdServer()
{
    stop();
}

quint16 EtcdServer::freePort()
{
    // Ask the kernel for a free port, then release it for etcd. Ports are remembered per
    // process so that two members of one test never get the same one.
    static QList<quint16> handedOut;
    for (int i = 0; i < 50; ++i) {
        QTcpServer s;
        if (!s.listen(QHostAddress::LocalHost, 0))
            continue;
        const quint16 port = s.serverPort();
        if (!handedOut.contains(port)) {
            handedOut << port;
            return port;
        }
    }
    return 0;
}

QString EtcdServer::etcdBinary()
{
    const QString env = qEnvironmentVariable("ETCDSCOPE_ETCD");
    if (!env.isEmpty())
        return env;
    const QString found = QStandardPaths::findExecutable(QStringLiteral("etcd"));
    return found.isEmpty() ? QStringLiteral("/usr/bin/etcd") : found;
}

QString EtcdServer::etcdctlBinary()
{
    const QString found = QStandardPaths::findExecutable(QStringLiteral("etcdctl"));
    return found.isEmpty() ? QStringLiteral("/usr/bin/etcdctl") : found;
}

QString EtcdServer::clientUrl() const
{
    return QStringLiteral("%1://127.0.0.1:%2")
        .arg(isTls() ? QLatin1String("https") : QLatin1String("http"))
        .arg(m_options.clientPort);
}

QString EtcdServer::peerUrl() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(m_options.peerPort);
}

QStringList EtcdServer::arguments() const
{
    QStringList args{
        QStringLiteral("--name"),
        m_options.name,
        QStringLiteral("--data-dir"),
        dataDir(),
        QStringLiteral("--listen-client-urls"),
        clientUrl(),
        QStringLiteral("--advertise-client-urls"),
        clientUrl(),
        QStringLiteral("--listen-peer-urls"),
        peerUrl(),
        QStringLiteral("--initial-advertise-peer-urls"),
        peerUrl(),
        QStringLiteral("--initial-cluster"),
        m_options.initialCluster.isEmpty() ? m_options.name + QLatin1Char('=') + peerUrl()
                                           : m_options.initialCluster,
        QStringLiteral("--initial-cluster-state"),
        m_options.clusterState,
        QStringLiteral("--logger"),
        QStringLiteral("zap"),
        QStringLiteral("--log-outputs"),
        QStringLiteral("stderr"),
    };
    if (!m_options.clusterToken.isEmpty())
        args << QStringLiteral("--initial-cluster-token") << m_options.clusterToken;
    if (m_options.enableV2)
        args << QStringLiteral("--enable-v2");
    if (isTls()) {
        args << QStringLiteral("--cert-file") << m_options.certFile << QStringLiteral("--key-file")
             << m_options.keyFile;
        if (!m_options.trustedCaFile.isEmpty())
            args << QStringLiteral("--trusted-ca-file") << m_options.trustedCaFile;
        if (m_options.clientCertAuth)
            args << QStringLiteral("--client-cert-auth");
    }
    args << m_options.extraArgs;
    return args;
}

bool EtcdServer::start()
{
    if (isRunning())
        return true;
    if (!m_dataDir.isValid())
        return false;
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->setStandardOutputFile(logFile(), QIODevice::Append);
    m_process->start(etcdBinary(), arguments());
    QSignalSpy started(m_process.get(), &QProcess::started);
    QSignalSpy failed(m_process.get(), &QProcess::errorOccurred);
    if (!waitFor(started, 10000) || !failed.isEmpty()) {
        qWarning() << "etcd did not start:" << m_process->errorString() << etcdBinary();
        return false;
    }
    if (!m_options.waitForHealth)
        return true;
    if (!waitHealthy()) {
        qWarning().noquote() << "etcd" << m_options.name << "is not healthy; its log:\n"
                             << lastLog();
        return false;
    }
    return true;
}

bool EtcdServer::waitHealthy(int timeoutMs)
{
    QNetworkAccessManager nam;
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    if (isTls()) {
        auto readFile = [](const QString &path) {
            QFile f(path);
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
        };
        if (m_options.clientCaFile.isEmpty())
            ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
        else
            ssl.setCaCertificates(QSslCertificate::fromData(readFile(m_options.clientCaFile)));
        if (!m_options.clientCertFile.isEmpty()) {
            ssl.setLocalCertificate(QSslCertificate(readFile(m_options.clientCertFile)));
            const QByteArray key = readFile(m_options.clientKeyFile);
            QSslKey k(key, QSsl::Ec);
            ssl.setPrivateKey(k.isNull() ? QSslKey(key, QSsl::Rsa) : k);
        }
    }
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (!isRunning())
            return false;
        QNetworkRequest req(QUrl(clientUrl() + QStringLiteral("/health")));
        req.setTransferTimeout(2000);
        if (isTls())
            req.setSslConfiguration(ssl);
        QNetworkReply *reply = nam.get(req);
        QSignalSpy done(reply, &QNetworkReply::finished);
        if (!reply->isFinished())
            done.wait(3000);
        const QByteArray body =
            reply->isFinished() && reply->isOpen() ? reply->readAll() : QByteArray();
        reply->abort();
        reply->deleteLater();
        if (body.contains("\"health\":\"true\""))
            return true;
        pause(100);
    }
    return false;
}

bool EtcdServer::isRunning() const
{
    return m_process && m_process->state() != QProcess::NotRunning;
}

void EtcdServer::waitFinished(int timeoutMs)
{
    if (!isRunning())
        return;
    QSignalSpy finished(m_process.get(), &QProcess::finished);
    if (!finished.wait(timeoutMs) && isRunning()) {
        m_process->kill();
        finished.wait(5000);
    }
}

void EtcdServer::stop()
{
    if (!isRunning())
        return;
    m_process->terminate();
    waitFinished(10000);
}

void EtcdServer::kill()
{
    if (!isRunning())
        return;
    m_process->kill();
    waitFinished(5000);
}

QString EtcdServer::lastLog(int lines) const
{
    QFile f(logFile());
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QList<QByteArray> all = f.readAll().split('\n');
    QStringList out;
    for (qsizetype i = qMax<qsizetype>(0, all.size() - lines); i < all.size(); ++i)
        out << QString::fromUtf8(all.at(i));
    return out.join(QLatin1Char('\n'));
}

QStringList EtcdServer::etcdctlConnection(bool v2) const
{
    QStringList args{QStringLiteral("--endpoints"), clientUrl()};
    if (!isTls())
        return args;
    // etcdctl's v2 mode spells its TLS flags differently. Without any TLS file, etcdctl 3.4's v3
    // mode speaks TLS only with --insecure-transport=false.
    if (m_options.clientCaFile.isEmpty()) {
        args << QStringLiteral("--insecure-skip-tls-verify");
        if (!v2)
            args << QStringLiteral("--insecure-transport=false");
    } else
        args << (v2 ? QStringLiteral("--ca-file") : QStringLiteral("--cacert"))
             << m_options.clientCaFile;
    if (!m_options.clientCertFile.isEmpty()) {
        args << (v2 ? QStringLiteral("--cert-file") : QStringLiteral("--cert"))
             << m_options.clientCertFile;
        args << (v2 ? QStringLiteral("--key-file") : QStringLiteral("--key"))
             << m_options.clientKeyFile;
    }
    return args;
}

QString EtcdServer::etcdctl(const QStringList &args, const QByteArray &input) const
{
    QByteArray out;
    const int rc = runProgram(etcdctlBinary(), etcdctlConnection(false) + args, &out, input,
                              {QStringLiteral("ETCDCTL_API=3")});
    // Success is never a null string, even when the command printed nothing.
    return rc == 0 ? QString::fromUtf8(out.isNull() ? QByteArray("") : out) : QString();
}

QString EtcdServer::etcdctlV2(const QStringList &args) const
{
    QByteArray out;
    const int rc = runProgram(etcdctlBinary(), etcdctlConnection(true) + args, &out, {},
                              {QStringLiteral("ETCDCTL_API=2")});
    // Success is never a null string, even when the command printed nothing.
    return rc == 0 ? QString::fromUtf8(out.isNull() ? QByteArray("") : out) : QString();
}

bool EtcdServer::enableAuth(const QList<QStringList> &setup) const
{
    QList<QStringList> commands{{"user", "add", "root:pw", "--interactive=false"}};
    commands << setup << QStringList{"auth", "enable"};
    for (const QStringList &args : std::as_const(commands)) {
        if (etcdctl(args).isNull()) {
            qWarning() << "etcdctl" << args << "failed";
            return false;
        }
    }
    return true;
}

EtcdCluster::EtcdCluster(int size, QObject *parent)
    : QObject(parent)
{
    static int clusters = 0;
    const QString token = QStringLiteral("etcdscope-test-%1-%2")
                              .arg(QCoreApplication::applicationPid())
                              .arg(++clusters);
    std::vector<EtcdServer::Options> options(static_cast<std::size_t>(size));
    QStringList initial;
    for (int i = 0; i < size; ++i) {
        auto &o = options[std::size_t(i)];
        o.name = QStringLiteral("m%1").arg(i + 1);
        o.clientPort = EtcdServer::freePort();
        o.peerPort = EtcdServer::freePort();
        o.clusterToken = token;
        o.waitForHealth = false;
        initial << QStringLiteral("%1=http://127.0.0.1:%2").arg(o.name).arg(o.peerPort);
    }
    for (auto &o : options) {
        o.initialCluster = initial.join(QLatin1Char(','));
        m_members.push_back(std::make_unique<EtcdServer>(o, this));
    }
}

bool EtcdCluster::start()
{
    // All members first: none is healthy until a quorum runs.
    for (auto &m : m_members) {
        if (!m->start())
            return false;
    }
    for (auto &m : m_members) {
        if (!m->waitHealthy()) {
            qWarning().noquote() << "member" << m->name() << "is not healthy; its log:\n"
                                 << m->lastLog();
            return false;
        }
    }
    return true;
}

QStringList EtcdCluster::clientUrls() const
{
    QStringList urls;
    for (const auto &m : m_members)
        urls << m->clientUrl();
    return urls;
}

QString EtcdCluster::initialCluster() const
{
    QStringList parts;
    for (const auto &m : m_members)
        parts << m->name() + QLatin1Char('=') + m->peerUrl();
    return parts.join(QLatin1Char(','));
}
