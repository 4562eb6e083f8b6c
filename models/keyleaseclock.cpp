#include "keyleaseclock.h"

#include "leasettlcache.h"

#include <QMetaObject>

KeyLeaseClock::KeyLeaseClock(QObject *parent)
    : QObject(parent)
{
}

void KeyLeaseClock::setCache(LeaseTtlCache *cache)
{
    if (m_cache == cache)
        return;
    if (m_cache)
        m_cache->disconnect(this);
    m_cache = cache;
    m_waitingFor = 0;
    if (cache)
        connect(cache, &LeaseTtlCache::leaseAnswered, this, &KeyLeaseClock::onAnswered);
}

LeaseTtlCache *KeyLeaseClock::cache() const
{
    return m_cache;
}

bool KeyLeaseClock::ask(quint64 lease, int maxAgeMs)
{
    if (!m_cache || lease == 0)
        return false;
    m_waitingFor = lease;
    m_cache->request(lease, false, maxAgeMs);
    if (!m_cache->isPending(lease)) {
        // A fresh answer was there (or the cache asks nothing on this connection): said from
        // the event loop, as a real answer would be.
        QMetaObject::invokeMethod(
            this, [this, lease] { onAnswered(lease); }, Qt::QueuedConnection);
    }
    return true;
}

void KeyLeaseClock::onAnswered(quint64 lease)
{
    // Still pending: asked again there (after an event), the final answer follows.
    if (lease != m_waitingFor || !m_cache || m_cache->isPending(lease))
        return;
    m_waitingFor = 0;
    Q_EMIT answered(lease);
}

bool KeyLeaseClock::fill(KeySnapshot *s, bool goneCounts) const
{
    const LeaseTtlCache::Info *info = m_cache && s->lease ? m_cache->info(s->lease) : nullptr;
    if (!info || !info->known)
        return false;
    const qint64 now = LeaseTtlCache::nowMs();
    if (info->gone) {
        if (!goneCounts)
            return false;
        s->leaseTtl = -1;
        s->deadline = QDateTime::fromMSecsSinceEpoch(now, Qt::UTC);
        return true;
    }
    s->leaseTtl = info->secondsLeft(now);
    s->leaseGrantedTtl = info->grantedTtl;
    s->deadline = QDateTime::fromMSecsSinceEpoch(info->expiresLo, Qt::UTC);
    return true;
}
