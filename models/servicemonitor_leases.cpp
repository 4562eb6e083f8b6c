#include "servicemonitor.h"

#include "leasettlcache.h"
#include "serviceinstance.h"

#include <QRandomGenerator>

#include <algorithm>

// The lease questions: which lease is due, the budget, and what an answer says. The answers'
// expiry bounds (and whether one proves a renewal) are the LeaseTtlCache's.

namespace {

// Lease questions out at once, in all ...
constexpr int maxLeaseChecks = 4;
// ... and at most this many a second.
constexpr int maxLeaseChecksPerSecond = 40;
// After a failed question.
constexpr qint64 retryAfterMs = 5000;

} // namespace

// A v3 lease asked about: because an instance is on it (wanted), or to find service directories
// (the lease list at start).
struct ServiceMonitor::Lease
{
    quint64 id = 0;
    bool wanted = false;
    qint64 nextCheck = 0; // ms since the epoch; 0: as soon as possible
    bool asking = false;
    qint64 askedAt = 0; // when the question went to the cache
    qint64 answeredAt = 0;
    // The cache already had a question out when this one was asked: the answer may be to that
    // older question, which left before askedAt.
    bool joined = false;
    int renewals = 0; // the cache's count at the previous answer
    std::optional<LeaseFinding> finding;
};

void ServiceMonitor::setLeaseCache(LeaseTtlCache *cache)
{
    if (m_cache == cache)
        return;
    if (m_cache)
        m_cache->disconnect(this);
    m_ownCache.reset();
    m_cache = cache;
    for (const auto &lease : std::as_const(m_leases))
        lease->asking = false;
    m_asking = 0;
    if (m_cache && isRunning())
        connect(m_cache, &LeaseTtlCache::leaseAnswered, this, &ServiceMonitor::onLeaseAnswered);
}

LeaseTtlCache *ServiceMonitor::leaseCache() const
{
    return m_cache;
}

void ServiceMonitor::watchLease(quint64 id)
{
    if (!id || !isRunning())
        return;
    auto &lease = m_leases[id];
    if (!lease) {
        lease = std::make_shared<Lease>();
        lease->id = id;
    }
    lease->wanted = true;
    // The keys on it changed since the last answer.
    if (!lease->asking)
        lease->nextCheck = 0;
}

void ServiceMonitor::addDiscoveryLease(quint64 id)
{
    if (m_leases.contains(id))
        return;
    auto lease = std::make_shared<Lease>();
    lease->id = id;
    m_leases.insert(id, lease);
}

void ServiceMonitor::unwatchLease(quint64 id)
{
    auto lease = m_leases.value(id);
    if (!lease)
        return;
    lease->wanted = false;
    // One asked about only to find services keeps its question until the answer.
    if (!lease->asking && lease->finding)
        m_leases.remove(id);
}

void ServiceMonitor::checkLeaseBy(quint64 id, qint64 atMs)
{
    auto lease = m_leases.value(id);
    if (!lease || lease->asking)
        return;
    lease->nextCheck = std::min(lease->nextCheck, std::max(atMs, lease->answeredAt + 1000));
}

const ServiceMonitor::LeaseFinding *ServiceMonitor::leaseFinding(quint64 id) const
{
    const auto lease = m_leases.value(id);
    return lease && lease->finding ? &*lease->finding : nullptr;
}

void ServiceMonitor::scheduleChecks()
{
    if (m_v2 || !m_cache || !isRunning())
        return;
    const qint64 t = LeaseTtlCache::nowMs();
    QList<std::shared_ptr<Lease>> due;
    for (const auto &lease : std::as_const(m_leases)) {
        // A question the cache dropped (its connection was reset): asked again.
        if (lease->asking && !m_cache->isPending(lease->id)) {
            lease->asking = false;
            --m_asking;
            lease->nextCheck = 0;
        }
        if (!lease->asking && lease->nextCheck <= t)
            due.append(lease);
    }
    std::sort(due.begin(), due.end(),
              [](const auto &a, const auto &b) { return a->nextCheck < b->nextCheck; });
    if (t - m_budgetStart >= 1000) {
        m_budgetStart = t;
        m_budgetUsed = 0;
    }
    for (const auto &lease : std::as_const(due)) {
        if (m_asking >= maxLeaseChecks || m_budgetUsed >= maxLeaseChecksPerSecond)
            break;
        ++m_budgetUsed;
        askLease(lease->id);
    }
}

void ServiceMonitor::askLease(quint64 id)
{
    auto lease = m_leases.value(id);
    if (!lease || lease->asking)
        return;
    lease->asking = true;
    lease->askedAt = LeaseTtlCache::nowMs();
    lease->joined = m_cache->isPending(id);
    ++m_asking;
    // Always a fresh answer, with the keys on the lease (its companions, other candidates).
    m_cache->request(id, true, 0);
    if (!m_cache->isPending(id)) {
        // Not asked (no v3 connection): tried again after a while.
        lease->asking = false;
        --m_asking;
        lease->nextCheck = lease->askedAt + retryAfterMs;
    }
}

void ServiceMonitor::onLeaseAnswered(quint64 id)
{
    auto lease = m_leases.value(id);
    // Answers to the others' questions wait for ours; one still pending in the cache was asked
    // again there (for the keys, or after an event) and the final answer follows.
    if (!lease || !lease->asking || m_cache->isPending(id))
        return;
    const LeaseTtlCache::Info *info = m_cache->info(id);
    if (!info)
        return;
    lease->asking = false;
    --m_asking;
    const qint64 t = LeaseTtlCache::nowMs();
    if (info->error.isError() || !info->keysKnown) {
        lease->nextCheck = t + retryAfterMs;
        return;
    }
    for (const QByteArray &k : info->keys)
        considerCandidate(parentDir(k));
    if (!lease->wanted) {
        // Asked about only to find services: done with it.
        m_leases.remove(id);
        return;
    }
    LeaseFinding f;
    f.id = id;
    f.gone = info->gone;
    if (f.gone) {
        m_leases.remove(id);
        Q_EMIT leaseChecked(f);
        return;
    }
    f.grantedTtl = info->grantedTtl;
    f.keys = info->keys;
    f.expiresAt = QDateTime::fromMSecsSinceEpoch((info->expiresLo + info->expiresHi) / 2, Qt::UTC);
    f.renewed = info->renewals > lease->renewals && lease->finding.has_value();
    lease->renewals = info->renewals;
    // The last renewal the bounds imply (the cache's own estimate when this answer proved one).
    const qint64 renewedAt =
        f.renewed && info->renewedAt > 0
            ? info->renewedAt
            : std::min(info->answeredAt, info->expiresLo + 500 - info->grantedTtl * 1000);
    f.renewedAt = QDateTime::fromMSecsSinceEpoch(renewedAt, Qt::UTC);
    if (f.renewed)
        f.renewalAgeMs = std::max<qint64>(0, info->answeredAt - renewedAt);
    // The expiry is no later than expiresLo + 1 s plus the time the question took (etcd counts
    // whole seconds, between the question leaving and the answer coming; the question left
    // after askedAt): the lease was renewed no later than that minus its TTL. The narrowed upper
    // bound is not used here: a renewal it could not prove may have moved the expiry past it.
    if (!lease->joined)
        f.idleMs = info->grantedTtl * 1000 - 1000 - (info->expiresLo - lease->askedAt);
    // Next: a check period on (give or take a tenth, so that the answers do not keep one phase
    // against the renewals); the model may want it sooner (checkLeaseBy).
    const qint64 period = ServiceInstance::leaseCheckPeriodMs(info->grantedTtl);
    lease->nextCheck = std::max(
        t + period - period / 10 + QRandomGenerator::global()->bounded(period / 5 + 1), t + 1000);
    lease->answeredAt = t;
    lease->finding = f;
    Q_EMIT leaseChecked(f);
    // The next due lease without waiting for the tick (within the budget).
    scheduleChecks();
}
