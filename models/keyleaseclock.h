#pragma once

#include "keysnapshot.h"

#include <QObject>
#include <QPointer>

class LeaseTtlCache;

// The time a v3 key's lease has left, for KeyDocument: asked of the connection's LeaseTtlCache
// (never of etcd directly, so that the tree, the services view and the detail pane share one
// question per lease). Without a cache nothing is known: the key shows no countdown.
class KeyLeaseClock : public QObject
{
    Q_OBJECT
public:
    explicit KeyLeaseClock(QObject *parent = nullptr);

    void setCache(LeaseTtlCache *cache);
    LeaseTtlCache *cache() const;

    // Asks about `lease` unless the cache holds an answer younger than maxAgeMs (0: always
    // ask); answered() follows, never inside this call. False without a cache (nothing follows).
    // A new question replaces the one being waited for.
    bool ask(quint64 lease, int maxAgeMs);
    void cancel() { m_waitingFor = 0; }
    bool isAsking() const { return m_waitingFor != 0; }

    // What the cache knows about s->lease put into s: the seconds left (leaseTtl), the granted
    // TTL and the deadline (the earliest expiry the answers allow). Gone: leaseTtl -1 and a
    // deadline of now when goneCounts, else nothing. False when nothing was put.
    bool fill(KeySnapshot *s, bool goneCounts) const;

Q_SIGNALS:
    void answered(quint64 lease);

private:
    void onAnswered(quint64 lease);

    QPointer<LeaseTtlCache> m_cache;
    quint64 m_waitingFor = 0;
};
