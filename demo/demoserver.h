#pragma once

#include "registraroptions.h"

#include <QByteArray>
#include <QDeadlineTimer>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

#include <functional>
#include <memory>

class EtcdCall;
class EtcdClient;
class EtcdError;

// One server of the demo backend: its address under its service's directory in the v3 store (a
// lease of its own, kept alive) and in the v2 store (a key with a TTL, set again on every beat),
// as a typical backend registers itself. Login servers also keep a load report on their lease.
class DemoServer : public QObject
{
    Q_OBJECT
public:
    struct Config
    {
        Service service = Service::Login;
        int number = 1; // 1-based: the N in 0001-000N and in the IP address
        QByteArray prefix;
        bool v3 = true;
        bool v2 = false;
        int ttl = 3;
        int intervalMs = 1000;
    };
    // An operation's etcd work is over: empty, or why it failed.
    using Done = std::function<void(const QString &error)>;

    DemoServer(EtcdClient *client, const Config &config, QObject *parent = nullptr);
    ~DemoServer() override;

    static QString kindName(Service service);         // "login_server"
    static QByteArray directory(Service service);     // "/login_servers/"
    static QString idOf(Service service, int number); // "0001-0003"

    Service service() const { return m_config.service; }
    QString id() const { return idOf(m_config.service, m_config.number); }
    QString name() const { return kindName(m_config.service) + QLatin1Char(' ') + id(); }
    QByteArray key() const;
    QByteArray value() const;
    // Login servers: "/load/0001-000N" on the same lease as the key; empty for the others.
    QByteArray loadKey() const;
    int ttl() const { return m_config.ttl; }
    // For the next registration (the late route server lives with a longer TTL).
    void setTtl(int seconds) { m_config.ttl = seconds; }
    quint64 lease() const { return m_lease; }
    bool isBeating() const { return m_beat.isActive(); }

    // Registers now in every API (a new lease and a put, a set) and keeps the heartbeats going
    // from here; a registration still alive is replaced (its old lease revoked).
    void start(Done done = {});
    // No more heartbeats; the keys stay until their lease or TTL runs out.
    void stop();
    // stop(), then revokes the lease and deletes the keys now (v3 and v2).
    void kill(Done done = {});
    // Running late: no heartbeat for `ms`, then on as before.
    void skipHeartbeats(int ms);

Q_SIGNALS:
    // Every API it uses has registered it once: emitted once per instance.
    void firstRegistered();

private:
    // The state of one API's registration. At most one call per API is in flight: a beat that
    // finds one still going (a slow or unreachable cluster) skips that API.
    struct ApiState
    {
        bool enabled = false;
        bool mustRegister = true; // the next beat registers anew (and says so)
        bool registeredOnce = false;
        bool failing = false; // an error was printed; said again only when it changes
        int failureKind = 0;
        QPointer<EtcdCall> call;
    };
    struct Op;
    using PartDone = std::function<void(const QString &error)>;

    void onBeat();
    void onLoadTimer();
    // Ends the running operation (its Done gets `why`) and every call in flight: whatever they
    // would have answered no longer matters.
    void interrupt(const QString &why);
    std::shared_ptr<Op> beginOp(Done done, int parts);
    PartDone partOf(const std::shared_ptr<Op> &op);

    void registerV3(PartDone done);
    void keepAliveV3();
    void setV2(PartDone done);
    void killV3(PartDone done);
    void killV2(PartDone done);
    void noteRegistered(ApiState &api);
    // Prints a failure once (network errors repeat every beat while the cluster is away).
    QString report(ApiState &api, const QString &what, const EtcdError &error);
    void recovered(ApiState &api, const char *apiName);
    QByteArray loadValue() const;

    EtcdClient *m_client;
    Config m_config;
    ApiState m_v3;
    ApiState m_v2;
    quint64 m_lease = 0;
    bool m_firstSaid = false;
    QTimer m_beat;
    QTimer m_loadTimer;
    QPointer<EtcdCall> m_loadCall;
    QDeadlineTimer m_lateUntil; // expired (the default) while on time
    std::shared_ptr<Op> m_op;
    // Bumped by start, stop and kill: answers of an earlier generation are dropped.
    quint64 m_generation = 0;
};
