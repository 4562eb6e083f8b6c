#include "servicemodel.h"
#include "servicemodel_p.h"

#include "etcdclient.h"
#include "etcdv2client.h"
#include "etcdv3client.h"

#include <QRandomGenerator>

#include <algorithm>

// What no event says: v3 leases renewed by keep-alives (asked about, a few at a time), v2 keys
// renewed with refresh=true; and the tick that counts down, notices late heartbeats and forgets
// the gone.

namespace {

// Lease answers in flight at once, in all: a registry of thousands of instances must not turn
// the model into a load on the cluster.
constexpr int maxLeaseChecks = 4;
// ... and at most this many a second.
constexpr int maxLeaseChecksPerSecond = 40;

// Late: no heartbeat for clearly longer than the usual interval.
qint64 lateAfterMs(qint64 usualMs)
{
    return std::max(usualMs * 3 / 2, usualMs + 500);
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

// ---- leases -----------------------------------------------------------------------------------

void ServiceModel::trackLease(ServiceInstance *inst, quint64 oldLease)
{
    if (oldLease && oldLease != inst->lease) {
        if (auto old = m_leases.value(oldLease)) {
            old->instances.remove(inst->key);
            if (old->instances.isEmpty() && !old->inFlight)
                m_leases.remove(oldLease);
        }
        inst->leaseKeys.clear();
    }
    if (!inst->lease)
        return;
    auto &lease = m_leases[inst->lease];
    if (!lease) {
        lease = std::make_shared<Lease>();
        lease->id = inst->lease;
    }
    const bool isNew = !lease->instances.contains(inst->key);
    lease->instances.insert(inst->key);
    if (lease->lo != 0) {
        inst->grantedTtl = lease->granted;
        inst->expiresAt = QDateTime::fromMSecsSinceEpoch((lease->lo + lease->hi) / 2, Qt::UTC);
        inst->leaseKeys = lease->keys;
        inst->leaseKeys.removeAll(inst->key);
    }
    // A new instance on it (a key put with it since the last answer): the keys changed.
    if (isNew && !lease->inFlight)
        lease->nextCheck = 0;
}

void ServiceModel::checkLease(quint64 id)
{
    auto lease = m_leases.value(id);
    if (!lease || lease->inFlight || !m_client)
        return;
    lease->inFlight = true;
    ++m_checksInFlight;
    const quint64 generation = m_generation;
    const qint64 sent = nowMs();
    m_client->v3()->leaseTimeToLive(
        id, true, this,
        [this, generation, id, lease, sent](const EtcdResult<EtcdV3LeaseTimeToLiveResult> &r) {
            if (generation != m_generation)
                return;
            lease->inFlight = false;
            --m_checksInFlight;
            if (!r.ok()) {
                lease->nextCheck = nowMs() + 5000;
                return;
            }
            onLeaseAnswer(id, r.value.ttl, r.value.grantedTtl, r.value.keys, sent);
            // The next due lease without waiting for the tick (within the budget).
            scheduleChecks(QDateTime::currentDateTimeUtc());
        });
}

void ServiceModel::onLeaseAnswer(quint64 id, qint64 ttl, qint64 granted,
                                 const QList<QByteArray> &keys, qint64 sentMs)
{
    auto lease = m_leases.value(id);
    if (!lease)
        return;
    const qint64 t = nowMs();
    for (const QByteArray &k : keys)
        considerCandidate(parentDir(k));
    if (ttl < 0) {
        // Expired or revoked: its keys' deletes are on their way; say it now.
        const QSet<QByteArray> instances = lease->instances;
        m_leases.remove(id);
        for (const QByteArray &key : instances) {
            Service *s = service(parentDir(key));
            ServiceInstance *inst = s ? s->byKey.value(key) : nullptr;
            if (inst && inst->lease == id && inst->state != ServiceInstance::State::Gone)
                setState(s, inst, ServiceInstance::State::Gone);
        }
        emitSummary();
        return;
    }
    // etcd measured the TTL somewhere between sending and now: the expiry is no earlier than
    // sent + ttl and earlier than now + ttl + 1 (a slow answer must not look like a renewal).
    const qint64 newLo = sentMs + ttl * 1000;
    const qint64 newHi = t + ttl * 1000 + 1000;
    const bool first = lease->lo == 0;
    // Renewed for sure: the expiry now lies past every expiry possible before.
    const bool renewed = !first && newLo >= lease->hi;
    if (first || renewed) {
        lease->lo = newLo;
        lease->hi = newHi;
    } else {
        lease->lo = std::max(lease->lo, newLo);
        lease->hi = std::min(lease->hi, newHi);
    }
    lease->granted = granted;
    lease->keys = keys;
    lease->answeredAt = t;
    // When it was renewed, as well as a second's resolution allows.
    const QDateTime renewedAt =
        QDateTime::fromMSecsSinceEpoch(std::min(t, newLo + 500 - granted * 1000), Qt::UTC);
    for (const QByteArray &key : std::as_const(lease->instances)) {
        Service *s = service(parentDir(key));
        ServiceInstance *inst = s ? s->byKey.value(key) : nullptr;
        if (!inst || inst->lease != id)
            continue;
        inst->grantedTtl = granted;
        inst->expiresAt =
            QDateTime::fromMSecsSinceEpoch((lease->lo + lease->hi) / 2, Qt::UTC);
        inst->leaseKeys = keys;
        inst->leaseKeys.removeAll(inst->key);
        inst->refreshSeenByCheck = true;
        if (!inst->lastRefresh.isValid())
            inst->lastRefresh = renewedAt;
        else if (renewed)
            refreshed(inst, renewedAt);
        if (renewed) {
            inst->renewalAges.append(std::max<qint64>(0, (granted - ttl) * 1000 - 500));
            while (inst->renewalAges.size() > 12)
                inst->renewalAges.removeFirst();
        }
        // Late when the lease has certainly not been renewed for clearly longer than usual:
        // `ttl` left means at least granted - ttl - 1 seconds since the last renewal. (A
        // healthy lease never looks late: the second's uncertainty is counted in its favour.)
        qint64 usual = inst->usualIntervalMs();
        if (usual < 0)
            usual = granted * 1000 / 3;
        const bool late = !renewed && (granted - ttl - 1) * 1000 > lateAfterMs(usual);
        if (late && inst->state == ServiceInstance::State::Alive)
            setState(s, inst, ServiceInstance::State::Late);
        else if (!late && inst->state == ServiceInstance::State::Late)
            setState(s, inst, ServiceInstance::State::Alive);
        instanceChanged(s, inst);
    }
    if (lease->instances.isEmpty()) {
        // Asked about only to find services: done with it.
        m_leases.remove(id);
        return;
    }
    if (!keys.isEmpty())
        reviewCompanions();
    // (It may have taken this lease's instances away.)
    if (!m_leases.contains(id))
        return;
    // Next: a check period on (give or take a tenth, so that the answers do not keep one phase
    // against the renewals), or sooner, when an instance would turn late without a renewal.
    const qint64 period = ServiceInstance::leaseCheckPeriodMs(granted);
    qint64 next = t + period - period / 10 + QRandomGenerator::global()->bounded(period / 5 + 1);
    for (const QByteArray &key : std::as_const(lease->instances)) {
        const ServiceInstance *inst = instance(key);
        if (!inst || inst->lease != id || !inst->lastRefresh.isValid() ||
            inst->state != ServiceInstance::State::Alive)
            continue;
        qint64 usual = inst->usualIntervalMs();
        if (usual < 0)
            usual = granted * 1000 / 3;
        next = std::min(next, inst->lastRefresh.toMSecsSinceEpoch() + lateAfterMs(usual) + 1000);
    }
    lease->nextCheck = std::max(next, t + 1000);
}

// ---- v2 keys renewed without an event ---------------------------------------------------------

void ServiceModel::checkV2Key(const QByteArray &key)
{
    if (!m_client || m_v2Checks.contains(key))
        return;
    m_v2Checks.insert(key);
    const quint64 generation = m_generation;
    m_client->v2()->get(key, {}, this, [this, generation, key](const EtcdResult<EtcdV2Response> &r) {
        if (generation != m_generation)
            return;
        m_v2Checks.remove(key);
        Service *s = service(parentDir(key));
        ServiceInstance *inst = s ? s->byKey.value(key) : nullptr;
        if (!inst || inst->state == ServiceInstance::State::Gone)
            return;
        if (r.error.is(EtcdError::Condition::KeyNotFound)) {
            setState(s, inst, ServiceInstance::State::Gone);
        } else if (r.ok() && r.value.node.expiration.isValid() &&
                   r.value.node.expiration > inst->expiresAt) {
            // Renewed with refresh=true, which wakes no watcher.
            const QDateTime expiry = r.value.node.expiration.toUTC();
            inst->refreshSeenByCheck = true;
            if (inst->grantedTtl > 0)
                refreshed(inst, std::min(expiry.addSecs(-inst->grantedTtl),
                                         QDateTime::currentDateTimeUtc()));
            inst->expiresAt = expiry;
            if (inst->state == ServiceInstance::State::Late)
                setState(s, inst, ServiceInstance::State::Alive);
            instanceChanged(s, inst);
        }
        emitSummary();
    });
}

// ---- the tick ---------------------------------------------------------------------------------

void ServiceModel::tick()
{
    if (!m_client)
        return;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    scheduleChecks(now);
    for (const auto &sp : m_services) {
        Service *s = sp.get();
        for (size_t i = 0; i < s->instances.size();) {
            ServiceInstance *inst = s->instances[i].get();
            if (inst->state == ServiceInstance::State::Gone) {
                if (inst->wentAt.isValid() && inst->wentAt.msecsTo(now) > m_goneRetentionMs) {
                    const QModelIndex parent = index(serviceRow(s), 0);
                    beginRemoveRows(parent, int(i), int(i));
                    s->byKey.remove(inst->key);
                    s->instances.erase(s->instances.begin() + qsizetype(i));
                    endRemoveRows();
                    serviceChanged(s);
                    continue;
                }
                ++i;
                continue;
            }
            // Late: no heartbeat for clearly longer than the usual interval (before two were
            // seen: a third of the TTL, when clients renew by default).
            qint64 expected = inst->usualIntervalMs();
            if (expected < 0 && inst->grantedTtl > 0)
                expected = inst->grantedTtl * 1000 / 3;
            // (Instances on a v3 lease are judged at each answer about it: onLeaseAnswer.)
            if (expected > 0 && inst->lastRefresh.isValid() && !inst->lease) {
                qint64 limit = lateAfterMs(expected);
                // v2 refresh=true: renewals are seen when it is read, once it should have
                // expired; allow for that read.
                if (inst->refreshSeenByCheck)
                    limit += 2000;
                if (inst->lastRefresh.msecsTo(now) > limit)
                    setState(s, inst, ServiceInstance::State::Late);
            }
            // A v2 key past its expiry with no expire event: renewed without an event?
            if (m_v2 && inst->expiresAt.isValid() && inst->expiresAt.msecsTo(now) > 1500)
                checkV2Key(inst->key);
            ++i;
        }
        // The countdowns and the "late for" texts move every tick.
        if (!s->instances.empty()) {
            const QModelIndex parent = index(serviceRow(s), 0);
            Q_EMIT dataChanged(index(0, StateColumn, parent),
                               index(int(s->instances.size()) - 1, RemainingColumn, parent),
                               {Qt::DisplayRole});
        }
    }
    emitSummary();
}

void ServiceModel::scheduleChecks(const QDateTime &now)
{
    if (m_v2)
        return;
    const qint64 t = now.toMSecsSinceEpoch();
    QList<std::shared_ptr<Lease>> due;
    for (const auto &lease : std::as_const(m_leases)) {
        if (!lease->inFlight && lease->nextCheck <= t)
            due.append(lease);
    }
    std::sort(due.begin(), due.end(), [](const auto &a, const auto &b) {
        return a->nextCheck < b->nextCheck;
    });
    if (t - m_budgetStart >= 1000) {
        m_budgetStart = t;
        m_budgetUsed = 0;
    }
    for (const auto &lease : std::as_const(due)) {
        if (m_checksInFlight >= maxLeaseChecks || m_budgetUsed >= maxLeaseChecksPerSecond)
            break;
        ++m_budgetUsed;
        checkLease(lease->id);
    }
}
