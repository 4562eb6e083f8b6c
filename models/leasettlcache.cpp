#include "leasettlcache.h"

#include "etcdclient.h"
#include "etcdv3client.h"

#include <QDateTime>

#include <algorithm>

qint64 LeaseTtlCache::Info::secondsLeft(qint64 nowMs) const
{
    if (!known || gone)
        return -1;
    // The lower bound: etcd's own (truncated) figure, counted down; never more than granted.
    const qint64 ms = expiresLo - nowMs;
    return ms <= 0 ? 0 : (ms + 999) / 1000;
}

LeaseTtlCache::LeaseTtlCache(QObject *parent)
    : QObject(parent)
{
}

LeaseTtlCache::~LeaseTtlCache() = default;

qint64 LeaseTtlCache::nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

void LeaseTtlCache::setClient(EtcdClient *client)
{
    m_client = client;
    clear();
}

void LeaseTtlCache::clear()
{
    ++m_generation;
    m_entries.clear();
    m_queue.clear();
    m_inFlight = 0;
}

void LeaseTtlCache::setMaxInFlight(int n)
{
    m_maxInFlight = std::max(1, n);
    pump();
}

const LeaseTtlCache::Info *LeaseTtlCache::info(quint64 id) const
{
    const auto it = m_entries.constFind(id);
    return it == m_entries.cend() ? nullptr : &it->info;
}

bool LeaseTtlCache::isPending(quint64 id) const
{
    const auto it = m_entries.constFind(id);
    return it != m_entries.cend() && it->pending;
}

void LeaseTtlCache::invalidate(quint64 id)
{
    const auto it = m_entries.find(id);
    if (it == m_entries.end())
        return;
    it->stale = true;
    if (it->inFlight)
        it->again = true; // the answer on its way may predate the event
}

void LeaseTtlCache::request(quint64 id, bool withKeys, int maxAgeMs)
{
    if (id == 0 || !m_client || m_client->apiInUse() == EtcdClient::Api::V2)
        return;
    Entry &e = m_entries[id];
    e.info.id = id;
    if (e.pending) {
        if (withKeys && !e.withKeys) {
            if (e.inFlight)
                e.again = true; // the question in flight does not ask for the keys
            e.withKeys = true;
        }
        return;
    }
    const bool fresh = e.info.answeredAt > 0 && !e.stale && maxAgeMs > 0 &&
                       nowMs() - e.info.answeredAt < maxAgeMs && (!withKeys || e.info.keysKnown);
    if (fresh)
        return;
    e.pending = true;
    e.withKeys = withKeys;
    m_queue.push_back(id);
    pump();
}

void LeaseTtlCache::pump()
{
    while (m_inFlight < m_maxInFlight && !m_queue.empty()) {
        const quint64 id = m_queue.front();
        m_queue.pop_front();
        if (m_entries.contains(id))
            send(id);
    }
}

void LeaseTtlCache::send(quint64 id)
{
    Entry &e = m_entries[id];
    if (!m_client) {
        e.pending = false;
        return;
    }
    e.inFlight = true;
    e.again = false;
    e.stale = false;
    const bool withKeys = e.withKeys;
    ++m_inFlight;
    ++m_requests;
    const quint32 generation = m_generation;
    const qint64 sent = nowMs();
    m_client->v3()->leaseTimeToLive(
        id, withKeys, this,
        [this, id, generation, sent, withKeys](const EtcdResult<EtcdV3LeaseTimeToLiveResult> &r) {
            if (generation != m_generation)
                return;
            --m_inFlight;
            onAnswer(id, sent, withKeys, r.error, r.value.ttl, r.value.grantedTtl, r.value.keys);
            pump();
        });
}

void LeaseTtlCache::onAnswer(quint64 id, qint64 sentMs, bool withKeys, const EtcdError &error,
                             qint64 ttl, qint64 granted, const QList<QByteArray> &keys)
{
    const auto it = m_entries.find(id);
    if (it == m_entries.end())
        return;
    Entry &e = *it;
    e.inFlight = false;
    e.pending = false;
    Info &info = e.info;
    const qint64 t = nowMs();
    bool renewed = false;
    bool wentAway = false;
    if (error) {
        info.error = error;
    } else if (ttl < 0) {
        info.error = EtcdError();
        wentAway = !info.gone;
        info.known = true;
        info.gone = true;
        info.answeredAt = t;
        info.keys.clear();
        info.keysKnown = withKeys;
    } else {
        info.error = EtcdError();
        // etcd measured the TTL between sending and now: the expiry is no earlier than
        // sent + ttl and earlier than now + ttl + 1 (a slow answer must not look like a renewal).
        const qint64 lo = sentMs + ttl * 1000;
        const qint64 hi = t + ttl * 1000 + 1000;
        const bool first = !info.known || info.gone;
        renewed = !first && lo >= info.expiresHi;
        if (first || renewed || std::max(info.expiresLo, lo) > std::min(info.expiresHi, hi)) {
            info.expiresLo = lo;
            info.expiresHi = hi;
        } else {
            info.expiresLo = std::max(info.expiresLo, lo);
            info.expiresHi = std::min(info.expiresHi, hi);
        }
        if (renewed) {
            ++info.renewals;
            // When it was renewed, as well as a second's resolution allows.
            info.renewedAt = std::min(t, lo + 500 - granted * 1000);
        }
        info.known = true;
        info.gone = false;
        info.grantedTtl = granted;
        info.answeredAt = t;
        if (withKeys) {
            info.keys = keys;
            info.keysKnown = true;
        }
    }
    if (e.again) {
        // Invalidated, or asked for the keys, while this question was out: ask again.
        e.pending = true;
        m_queue.push_back(id);
    }
    Q_EMIT leaseAnswered(id);
    if (renewed)
        Q_EMIT leaseRenewed(id);
    if (wentAway)
        Q_EMIT leaseGone(id);
}
