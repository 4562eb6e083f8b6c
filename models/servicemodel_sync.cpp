#include "servicemodel.h"
#include "servicemodel_p.h"

#include <algorithm>
#include <limits>

// What the monitor found (listings, lease answers, v2 keys read again) turned into instances,
// and the tick that counts down, notices late heartbeats and forgets the gone.

// ---- listings ---------------------------------------------------------------------------------

void ServiceModel::onEntriesListed(const QByteArray &dir,
                                   const QList<ServiceMonitor::Entry> &entries)
{
    Service *s = service(dir);
    if (!s)
        return;
    const bool v2 = m_monitor->isV2();
    for (const ServiceMonitor::Entry &e : entries) {
        bool inserted = false;
        ServiceInstance *inst = upsert(s, e.key, &inserted);
        if (!inserted && e.revision <= inst->revision)
            continue;
        inst->revision = e.revision;
        inst->setValue(e.value);
        if (inst->state == ServiceInstance::State::Gone)
            setState(s, inst, ServiceInstance::State::Alive);
        if (v2) {
            if (e.ttl) {
                // A listing says what is left, not what was granted: the next heartbeat event
                // tells.
                if (inst->grantedTtl < *e.ttl)
                    inst->grantedTtl = *e.ttl;
                inst->expiresAt = e.expiration;
            }
        } else {
            const quint64 oldLease = inst->lease;
            inst->lease = e.lease;
            if (!e.lease) {
                inst->grantedTtl = -1;
                inst->expiresAt = {};
            }
            trackLease(inst, oldLease);
        }
        instanceChanged(s, inst);
    }
}

void ServiceModel::onListingFinished(const QByteArray &dir, qint64 revision,
                                     const QList<QByteArray> &seen, bool complete)
{
    Service *s = service(dir);
    if (!s)
        return;
    s->listing = false;
    if (complete) {
        // Instances the listing did not see and no event newer than it showed went meanwhile.
        const QSet<QByteArray> present(seen.begin(), seen.end());
        for (const auto &inst : s->instances) {
            if (!present.contains(inst->key) && inst->revision < revision &&
                inst->state != ServiceInstance::State::Gone)
                setState(s, inst.get(), ServiceInstance::State::Gone);
        }
    }
    serviceChanged(s);
    emitSummary();
}

// ---- leases -----------------------------------------------------------------------------------

void ServiceModel::trackLease(ServiceInstance *inst, quint64 oldLease)
{
    if (oldLease && oldLease != inst->lease) {
        const auto it = m_leaseInstances.find(oldLease);
        if (it != m_leaseInstances.end()) {
            it->remove(inst->key);
            if (it->isEmpty()) {
                m_leaseInstances.erase(it);
                m_monitor->unwatchLease(oldLease);
            }
        }
        inst->leaseKeys.clear();
    }
    if (!inst->lease)
        return;
    QSet<QByteArray> &on = m_leaseInstances[inst->lease];
    const bool isNew = !on.contains(inst->key);
    on.insert(inst->key);
    if (const ServiceMonitor::LeaseFinding *f = m_monitor->leaseFinding(inst->lease)) {
        inst->grantedTtl = f->grantedTtl;
        inst->expiresAt = f->expiresAt;
        inst->leaseKeys = f->keys;
        inst->leaseKeys.removeAll(inst->key);
    }
    // A new instance on it (a key put with it since the last answer): the keys changed.
    if (isNew)
        m_monitor->watchLease(inst->lease);
}

void ServiceModel::onLeaseChecked(const ServiceMonitor::LeaseFinding &f)
{
    const QSet<QByteArray> keys = m_leaseInstances.value(f.id);
    if (f.gone) {
        // Expired or revoked: its keys' deletes are on their way; say it now.
        m_leaseInstances.remove(f.id);
        for (const QByteArray &key : keys) {
            Service *s = service(m_monitor->parentDir(key));
            ServiceInstance *inst = s ? s->byKey.value(key) : nullptr;
            if (inst && inst->lease == f.id && inst->state != ServiceInstance::State::Gone)
                setState(s, inst, ServiceInstance::State::Gone);
        }
        emitSummary();
        return;
    }
    for (const QByteArray &key : keys) {
        Service *s = service(m_monitor->parentDir(key));
        ServiceInstance *inst = s ? s->byKey.value(key) : nullptr;
        if (!inst || inst->lease != f.id)
            continue;
        inst->applyLeaseAnswer(f.grantedTtl, f.expiresAt, f.keys, f.renewed, f.renewedAt,
                               f.renewalAgeMs);
        // Late when the lease has certainly not been renewed for clearly longer than usual. (A
        // healthy lease never looks late: the answers' uncertainty is counted in its favour.)
        if (f.renewed || f.idleMs >= 0) {
            const bool late = !f.renewed && f.idleMs > inst->lateAfterMs(f.grantedTtl);
            if (late && inst->state == ServiceInstance::State::Alive)
                setState(s, inst, ServiceInstance::State::Late);
            else if (!late && inst->state == ServiceInstance::State::Late)
                setState(s, inst, ServiceInstance::State::Alive);
        }
        instanceChanged(s, inst);
    }
    if (!f.keys.isEmpty())
        reviewCompanions();
    // Asked again sooner when an instance would turn late without a renewal by then. (The
    // review may have taken this lease's instances away.)
    qint64 by = std::numeric_limits<qint64>::max();
    for (const QByteArray &key : m_leaseInstances.value(f.id)) {
        const ServiceInstance *inst = instance(key);
        if (!inst || inst->lease != f.id || !inst->lastRefresh.isValid() ||
            inst->state != ServiceInstance::State::Alive)
            continue;
        by = std::min(by, inst->lastRefresh.toMSecsSinceEpoch() + inst->lateAfterMs(f.grantedTtl) +
                              1000);
    }
    if (by != std::numeric_limits<qint64>::max())
        m_monitor->checkLeaseBy(f.id, by);
}

// ---- v2 keys renewed without an event ---------------------------------------------------------

void ServiceModel::onV2KeyReread(const QByteArray &key, bool exists, const QDateTime &expiration)
{
    Service *s = service(m_monitor->parentDir(key));
    ServiceInstance *inst = s ? s->byKey.value(key) : nullptr;
    if (!inst || inst->state == ServiceInstance::State::Gone)
        return;
    if (!exists) {
        setState(s, inst, ServiceInstance::State::Gone);
    } else if (expiration.isValid() && expiration > inst->expiresAt) {
        // Renewed with refresh=true, which wakes no watcher.
        inst->refreshSeenByCheck = true;
        if (inst->grantedTtl > 0)
            inst->heartbeat(
                std::min(expiration.addSecs(-inst->grantedTtl), QDateTime::currentDateTimeUtc()));
        inst->expiresAt = expiration;
        if (inst->state == ServiceInstance::State::Late)
            setState(s, inst, ServiceInstance::State::Alive);
        instanceChanged(s, inst);
    }
    emitSummary();
}

// ---- the tick ---------------------------------------------------------------------------------

void ServiceModel::tick()
{
    if (!isRunning())
        return;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const bool v2 = m_monitor->isV2();
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
            // (Instances on a v3 lease are judged at each answer about it: onLeaseChecked.)
            if (inst->overdueAt(now))
                setState(s, inst, ServiceInstance::State::Late);
            // A v2 key past its expiry with no expire event: renewed without an event?
            if (v2 && inst->expiresAt.isValid() && inst->expiresAt.msecsTo(now) > 1500)
                m_monitor->rereadV2Key(inst->key);
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
