// One server of the demo backend: registration, heartbeats, stop, kill.
#include "demoserver.h"

#include "console.h"
#include "etcdclient.h"
#include "etcdv2client.h"
#include "etcdv3client.h"

#include <QRandomGenerator>

using Console::say;

// One start or kill: its Done runs once, when every API's part is over or when a later
// operation interrupts it.
struct DemoServer::Op
{
    Done done;
    int pending = 0;
    QStringList errors;
    bool finished = false;

    void finish(const QString &error)
    {
        if (finished)
            return;
        finished = true;
        if (done)
            done(error);
    }
};

namespace {

int zoneOf(Service service)
{
    switch (service) {
    case Service::Login:
        return 1;
    case Service::Msg:
        return 2;
    case Service::Route:
        return 3;
    }
    return 0;
}

QString leaseHex(quint64 lease)
{
    return QString::number(lease, 16);
}

} // namespace

DemoServer::DemoServer(EtcdClient *client, const Config &config, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_config(config)
{
    m_v3.enabled = config.v3;
    m_v2.enabled = config.v2;
    m_beat.setInterval(config.intervalMs);
    connect(&m_beat, &QTimer::timeout, this, &DemoServer::onBeat);
    m_loadTimer.setSingleShot(true);
    connect(&m_loadTimer, &QTimer::timeout, this, &DemoServer::onLoadTimer);
}

// The calls in flight have `this` as context: destroying the instance cancels them.
DemoServer::~DemoServer() = default;

QString DemoServer::kindName(Service service)
{
    switch (service) {
    case Service::Login:
        return QStringLiteral("login_server");
    case Service::Msg:
        return QStringLiteral("msg_server");
    case Service::Route:
        return QStringLiteral("route_server");
    }
    return {};
}

QByteArray DemoServer::directory(Service service)
{
    return '/' + kindName(service).toUtf8() + "s/";
}

QString DemoServer::idOf(Service service, int number)
{
    return QStringLiteral("%1-%2")
        .arg(zoneOf(service), 4, 10, QLatin1Char('0'))
        .arg(number, 4, 10, QLatin1Char('0'));
}

QByteArray DemoServer::key() const
{
    return m_config.prefix + directory(m_config.service) + id().toUtf8();
}

// Three address formats on purpose, so that a browser shows JSON, host:port and key=value lines.
QByteArray DemoServer::value() const
{
    const QByteArray n = QByteArray::number(m_config.number);
    switch (m_config.service) {
    case Service::Login:
        return "{\"ip\":\"10.0.0." + n + "\",\"port\":8008}";
    case Service::Msg:
        return "10.0.1." + n + ":8100";
    case Service::Route:
        return "ip=10.0.2." + n + "\nport=8200";
    }
    return {};
}

QByteArray DemoServer::loadKey() const
{
    if (m_config.service != Service::Login)
        return {};
    return m_config.prefix + "/load/" + id().toUtf8();
}

QByteArray DemoServer::loadValue() const
{
    // Around N * 100 users, so that the value moves but stays recognisable.
    const int base = m_config.number * 100;
    const int users = m_lease == 0 ? base : base + QRandomGenerator::global()->bounded(-40, 41);
    return "{\"users\":" + QByteArray::number(qMax(0, users)) + '}';
}

// --- operations -------------------------------------------------------------------------------

void DemoServer::interrupt(const QString &why)
{
    ++m_generation;
    for (ApiState *api : {&m_v3, &m_v2}) {
        if (api->call)
            api->call->cancel();
        api->call = nullptr;
    }
    if (m_loadCall)
        m_loadCall->cancel();
    m_loadCall = nullptr;
    if (m_op) {
        std::shared_ptr<Op> op = std::move(m_op);
        op->finish(why);
    }
}

std::shared_ptr<DemoServer::Op> DemoServer::beginOp(Done done, int parts)
{
    m_op = std::make_shared<Op>();
    m_op->done = std::move(done);
    m_op->pending = parts;
    if (parts == 0)
        m_op->finish({});
    return m_op;
}

DemoServer::PartDone DemoServer::partOf(const std::shared_ptr<Op> &op)
{
    return [this, op](const QString &error) {
        if (!error.isEmpty())
            op->errors << error;
        if (--op->pending > 0)
            return;
        if (m_op == op)
            m_op.reset();
        op->finish(op->errors.join(QStringLiteral("; ")));
    };
}

void DemoServer::start(Done done)
{
    interrupt(QStringLiteral("interrupted by start"));
    m_lateUntil = QDeadlineTimer();
    m_v3.mustRegister = m_v2.mustRegister = true;
    const auto op = beginOp(std::move(done), int(m_v3.enabled) + int(m_v2.enabled));
    if (m_v3.enabled)
        registerV3(partOf(op));
    if (m_v2.enabled)
        setV2(partOf(op));
    m_beat.start();
    if (m_config.service == Service::Login)
        m_loadTimer.start(4000 + QRandomGenerator::global()->bounded(2000));
}

void DemoServer::stop()
{
    interrupt(QStringLiteral("interrupted by stop"));
    m_beat.stop();
    m_loadTimer.stop();
    // Whatever happens meanwhile, the lease or the TTL runs out: a restart is a new registration.
    m_v3.mustRegister = m_v2.mustRegister = true;
}

void DemoServer::kill(Done done)
{
    stop();
    const auto op = beginOp(std::move(done), int(m_v3.enabled) + int(m_v2.enabled));
    if (m_v3.enabled)
        killV3(partOf(op));
    if (m_v2.enabled)
        killV2(partOf(op));
}

void DemoServer::skipHeartbeats(int ms)
{
    m_lateUntil = QDeadlineTimer(ms);
}

// --- heartbeats -------------------------------------------------------------------------------

void DemoServer::onBeat()
{
    if (!m_lateUntil.hasExpired())
        return;
    if (m_v3.enabled && !m_v3.call) {
        if (m_v3.mustRegister || m_lease == 0)
            registerV3({});
        else
            keepAliveV3();
    }
    // The v2 heartbeat is a plain set with the TTL, not refresh=true: it wakes the watchers, as
    // the typical backend's does, and recreates a key that expired or was deleted meanwhile.
    if (m_v2.enabled && !m_v2.call)
        setV2({});
}

void DemoServer::onLoadTimer()
{
    // Rewritten on the registration's lease: a put without it would take the key off the lease.
    if (m_lease != 0 && !m_v3.call && !m_loadCall && m_lateUntil.hasExpired()) {
        EtcdV3PutOptions options;
        options.lease = m_lease;
        const quint64 generation = m_generation;
        auto written = [this, generation](const EtcdResult<EtcdV3PutResult> &r) {
            m_loadCall = nullptr;
            // Only a lease that is gone matters here; the heartbeat reports the rest.
            if (generation == m_generation && r.error.is(EtcdError::Condition::LeaseNotFound))
                m_v3.mustRegister = true;
        };
        m_loadCall = m_client->v3()->put(loadKey(), loadValue(), options, this, written);
    }
    m_loadTimer.start(4000 + QRandomGenerator::global()->bounded(2000));
}

// A new lease, then the key (and a login server's load report) on it in one transaction.
void DemoServer::registerV3(PartDone done)
{
    const quint64 generation = m_generation;
    const int ttl = m_config.ttl;
    m_v3.call = m_client->v3()->leaseGrant(
        ttl, 0, this, [this, generation, done](const EtcdResult<EtcdV3LeaseGrantResult> &grant) {
            if (generation != m_generation)
                return;
            if (!grant.ok()) {
                m_v3.call = nullptr;
                const QString why = report(m_v3, QStringLiteral("v3 lease grant"), grant.error);
                if (done)
                    done(why);
                return;
            }
            const quint64 lease = grant.value.id;
            const qint64 granted = grant.value.ttl;
            EtcdV3PutOptions options;
            options.lease = lease;
            EtcdV3TxnRequest txn;
            txn.success << EtcdV3RequestOp::makePut(key(), value(), options);
            if (!loadKey().isEmpty()) {
                // The first report says N * 100 exactly; later rewrites vary around it.
                txn.success << EtcdV3RequestOp::makePut(
                    loadKey(), "{\"users\":" + QByteArray::number(m_config.number * 100) + '}',
                    options);
            }
            m_v3.call = m_client->v3()->txn(
                txn, this,
                [this, generation, done, lease, granted](const EtcdResult<EtcdV3TxnResult> &r) {
                    if (generation != m_generation)
                        return;
                    m_v3.call = nullptr;
                    if (!r.ok()) {
                        // The new lease has no key: let it go rather than wait for its TTL.
                        m_client->v3()->leaseRevoke(lease, this, {});
                        const QString why = report(m_v3, QStringLiteral("v3 put"), r.error);
                        if (done)
                            done(why);
                        return;
                    }
                    const quint64 old = m_lease;
                    m_lease = lease;
                    m_v3.mustRegister = false;
                    recovered(m_v3, "v3");
                    say(QStringLiteral("registered v3 %1 lease %2 ttl %3")
                            .arg(QString::fromUtf8(key()), leaseHex(lease))
                            .arg(granted));
                    // The keys moved to the new lease: revoking the old one deletes nothing.
                    if (old != 0 && old != lease)
                        m_client->v3()->leaseRevoke(old, this, {});
                    noteRegistered(m_v3);
                    if (done)
                        done({});
                });
        });
}

void DemoServer::keepAliveV3()
{
    const quint64 generation = m_generation;
    const quint64 lease = m_lease;
    m_v3.call = m_client->v3()->leaseKeepAliveOnce(
        lease, this, [this, generation, lease](const EtcdResult<EtcdV3LeaseKeepAliveResult> &r) {
            if (generation != m_generation)
                return;
            m_v3.call = nullptr;
            if (r.ok()) {
                recovered(m_v3, "v3");
                return;
            }
            if (r.error.is(EtcdError::Condition::LeaseNotFound)) {
                // Expired (the heartbeats were late or the cluster was away) or revoked by
                // someone: a new registration on the next beat.
                say(QStringLiteral("%1: lease %2 is gone (expired or revoked), registering again")
                        .arg(name(), leaseHex(lease)));
                m_lease = 0;
                m_v3.mustRegister = true;
                recovered(m_v3, "v3");
                return;
            }
            report(m_v3, QStringLiteral("v3 keep-alive"), r.error);
        });
}

void DemoServer::setV2(PartDone done)
{
    const quint64 generation = m_generation;
    EtcdV2SetOptions options;
    options.ttl = m_config.ttl;
    const int ttl = m_config.ttl;
    m_v2.call = m_client->v2()->set(
        key(), value(), options, this,
        [this, generation, done, ttl](const EtcdResult<EtcdV2Response> &r) {
            if (generation != m_generation)
                return;
            m_v2.call = nullptr;
            if (!r.ok()) {
                m_v2.mustRegister = true; // said again once a set gets through
                const QString why = report(m_v2, QStringLiteral("v2 set"), r.error);
                if (done)
                    done(why);
                return;
            }
            recovered(m_v2, "v2");
            // No previous node: the key had expired or was deleted since the last beat, and this
            // set registered it anew.
            const bool wasGone = !m_v2.mustRegister && !r.value.prevNode;
            if (wasGone)
                say(QStringLiteral("%1: v2 key %2 was gone (expired or deleted), set again")
                        .arg(name(), QString::fromUtf8(key())));
            if (m_v2.mustRegister || wasGone) {
                m_v2.mustRegister = false;
                say(QStringLiteral("registered v2 %1 ttl %2")
                        .arg(QString::fromUtf8(key()))
                        .arg(ttl));
                noteRegistered(m_v2);
            }
            if (done)
                done({});
        });
}

// --- kill ---------------------------------------------------------------------------------------

// Revoking the lease deletes both keys; the delete after it also takes keys that lost the lease
// (written by someone else) so that "kill" always leaves nothing behind.
void DemoServer::killV3(PartDone done)
{
    const quint64 generation = m_generation;
    auto deleteKeys = [this, generation, done] {
        EtcdV3TxnRequest txn;
        txn.success << EtcdV3RequestOp::makeDelete(key());
        if (!loadKey().isEmpty())
            txn.success << EtcdV3RequestOp::makeDelete(loadKey());
        m_v3.call = m_client->v3()->txn(
            txn, this, [this, generation, done](const EtcdResult<EtcdV3TxnResult> &r) {
                if (generation != m_generation)
                    return;
                m_v3.call = nullptr;
                done(r.ok() ? QString() : QStringLiteral("v3 delete: ") + r.error.toString());
            });
    };
    const quint64 lease = m_lease;
    m_lease = 0;
    if (lease == 0) {
        deleteKeys();
        return;
    }
    m_v3.call = m_client->v3()->leaseRevoke(
        lease, this, [this, generation, done, deleteKeys](const EtcdResult<EtcdV3Header> &r) {
            if (generation != m_generation)
                return;
            m_v3.call = nullptr;
            if (!r.ok() && !r.error.is(EtcdError::Condition::LeaseNotFound)) {
                done(QStringLiteral("v3 lease revoke: ") + r.error.toString());
                return;
            }
            deleteKeys();
        });
}

void DemoServer::killV2(PartDone done)
{
    const quint64 generation = m_generation;
    m_v2.call = m_client->v2()->remove(
        key(), {}, this, [this, generation, done](const EtcdResult<EtcdV2Response> &r) {
            if (generation != m_generation)
                return;
            m_v2.call = nullptr;
            // Already gone (expired) is what kill wants too.
            const bool ok = r.ok() || r.error.is(EtcdError::Condition::KeyNotFound);
            done(ok ? QString() : QStringLiteral("v2 delete: ") + r.error.toString());
        });
}

// --- reporting ----------------------------------------------------------------------------------

void DemoServer::noteRegistered(ApiState &api)
{
    api.registeredOnce = true;
    if (m_firstSaid || (m_v3.enabled && !m_v3.registeredOnce) ||
        (m_v2.enabled && !m_v2.registeredOnce))
        return;
    m_firstSaid = true;
    Q_EMIT firstRegistered();
}

QString DemoServer::report(ApiState &api, const QString &what, const EtcdError &error)
{
    const QString text = QStringLiteral("%1: %2 failed: %3").arg(name(), what, error.toString());
    // Same kind and condition as the error printed last: the cluster is still away, once is
    // enough. Retried on every beat regardless.
    const int kind = int(error.kind()) * 1000 + int(error.condition());
    if (!api.failing || api.failureKind != kind) {
        Console::warn(text + QStringLiteral(" (retrying every %1 ms)").arg(m_config.intervalMs));
        api.failing = true;
        api.failureKind = kind;
    }
    return text;
}

void DemoServer::recovered(ApiState &api, const char *apiName)
{
    if (!api.failing)
        return;
    api.failing = false;
    say(QStringLiteral("%1: %2 heartbeats get through again").arg(name(), QLatin1String(apiName)));
}
