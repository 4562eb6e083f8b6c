#pragma once

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>
#include <QVariant>

class KeyTreeModel;
class LeaseTtlCache;
struct KeyNode;

// The TTL column of a KeyTreeModel: what it shows (v2: seconds to the expiration; v3: the lease
// and its seconds left, from the connection's lease cache) and its once-a-second tick. Only the
// directories whose counting rows a view painted since the last tick are updated, so ticks
// reach the rows on screen only. The timer never removes a row: a key run out stays, greyed,
// until etcd's delete arrives, so the tree cannot drift from etcd.
class KeyTreeCountdown : public QObject
{
    Q_OBJECT
public:
    explicit KeyTreeCountdown(KeyTreeModel &model);

    // v3 lease TTLs (not owned; none: leases show without a countdown).
    void setLeaseCache(LeaseTtlCache *cache);
    LeaseTtlCache *leaseCache() const;

    // The TTL column's DisplayRole, ToolTipRole and ForegroundRole; TtlRole, ExpirationRole and
    // TtlLeftRole.
    QVariant data(const KeyNode *node, int column, int role) const;
    // A row's seconds left now: -1 when it has no countdown or its lease TTL is not known yet.
    qint64 secondsLeft(const KeyNode *node) const;
    // v2: keys and directories may expire; v3: keys with a lease.
    bool hasCountdown(const KeyNode *node) const;
    // The rows were reset.
    void clear();

private:
    // A view painted a counting row of this directory: tick it from now on.
    void note(const KeyNode *dir) const;
    QVariant display(const KeyNode *node) const;
    // Ticks now (a lease's TTL just came) and keeps ticking.
    void tickNow();
    void tick();
    void tickDirectory(KeyNode *dir);

    KeyTreeModel &m;
    QPointer<LeaseTtlCache> m_leases;
    mutable QSet<QByteArray> m_dirs; // full keys of the directories painted since the last tick
    mutable bool m_root = false;
    mutable QTimer m_timer;
};
