#include "keytreecountdown.h"

#include "keynode.h"
#include "keytreemodel.h"
#include "leasettlcache.h"

#include <QColor>
#include <QDateTime>

namespace {

qint64 ceilSeconds(qint64 ms)
{
    return ms <= 0 ? 0 : (ms + 999) / 1000;
}

// v2: leaseOrExpiry holds the expiration.
QDateTime expiration(const KeyNode *n)
{
    return QDateTime::fromMSecsSinceEpoch(qint64(n->leaseOrExpiry), Qt::UTC);
}

} // namespace

KeyTreeCountdown::KeyTreeCountdown(KeyTreeModel &model)
    : QObject(&model)
    , m(model)
{
    m_timer.setInterval(1000);
    connect(&m_timer, &QTimer::timeout, this, &KeyTreeCountdown::tick);
}

void KeyTreeCountdown::setLeaseCache(LeaseTtlCache *cache)
{
    if (m_leases)
        m_leases->disconnect(this);
    m_leases = cache;
    if (cache) // show an answer now rather than at the next tick
        connect(cache, &LeaseTtlCache::leaseAnswered, this, &KeyTreeCountdown::tickNow);
}

LeaseTtlCache *KeyTreeCountdown::leaseCache() const
{
    return m_leases;
}

bool KeyTreeCountdown::hasCountdown(const KeyNode *n) const
{
    // v2: leaseOrExpiry holds the expiration; v3: the lease.
    return n->leaseOrExpiry != 0 && (m.isV2() || n->has(KeyNode::IsKey));
}

qint64 KeyTreeCountdown::secondsLeft(const KeyNode *n) const
{
    if (!hasCountdown(n))
        return -1;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (m.isV2())
        return ceilSeconds(qint64(n->leaseOrExpiry) - now);
    const LeaseTtlCache::Info *info = m_leases ? m_leases->info(n->leaseOrExpiry) : nullptr;
    if (!info || !info->known)
        return -1;
    if (info->gone)
        return 0; // the lease is gone; its keys' deletes are on their way
    return std::max<qint64>(0, info->secondsLeft(now));
}

QVariant KeyTreeCountdown::data(const KeyNode *n, int column, int role) const
{
    switch (role) {
    case KeyTreeModel::TtlLeftRole: {
        const qint64 left = secondsLeft(n);
        return left >= 0 ? QVariant(left) : QVariant();
    }
    case Qt::ForegroundRole:
        // Run out: greyed until the delete (v2 expire, v3 lease revoke) removes the row.
        return column == KeyTreeModel::TtlColumn && secondsLeft(n) == 0 ? QVariant(QColor(Qt::gray))
                                                                        : QVariant();
    case KeyTreeModel::TtlRole:
        return m.isV2() && n->ttl >= 0 ? QVariant(qint64(n->ttl)) : QVariant();
    case KeyTreeModel::ExpirationRole:
        return m.isV2() && n->leaseOrExpiry ? QVariant(expiration(n)) : QVariant();
    case Qt::ToolTipRole: {
        if (column != KeyTreeModel::TtlColumn || !hasCountdown(n))
            return {};
        if (m.isV2())
            return tr("Expires at %1").arg(expiration(n).toLocalTime().toString(Qt::ISODate));
        QString tip = tr("Lease %1").arg(QString::number(n->leaseOrExpiry, 16));
        const qint64 left = secondsLeft(n);
        if (left >= 0)
            tip += QLatin1Char('\n') + tr("%n second(s) left", nullptr, int(left));
        return tip;
    }
    case Qt::DisplayRole:
        return column == KeyTreeModel::TtlColumn && hasCountdown(n) ? display(n) : QVariant();
    default:
        return {};
    }
}

QVariant KeyTreeCountdown::display(const KeyNode *n) const
{
    // Counts down: the next tick updates the rows of this directory (only rows a view paints
    // get here, so only they tick).
    note(n->parent);
    const qint64 left = secondsLeft(n);
    if (m.isV2())
        return tr("%1 s").arg(left);
    // v3: the lease's TTL is asked again after 30 s (keep-alives renew it without an event), and
    // soon when the countdown ran out with the key still there (a keep-alive renewed it, or its
    // deletes are on the way) rather than showing "0 s". Asked from the event loop: data()
    // never sends.
    const quint64 lease = n->leaseOrExpiry;
    if (m_leases && !m_leases->isPending(lease)) {
        const LeaseTtlCache::Info *info = m_leases->info(lease);
        const int maxAge = left == 0 ? 1000 : 30000;
        if (!info || QDateTime::currentMSecsSinceEpoch() - info->answeredAt > maxAge)
            QMetaObject::invokeMethod(
                m_leases,
                [cache = m_leases, lease, maxAge] { cache->request(lease, false, maxAge); },
                Qt::QueuedConnection);
    }
    QString id = QString::number(lease, 16);
    if (id.size() > 5)
        id = id.left(5) + QChar(0x2026);
    if (left < 0)
        return tr("lease %1").arg(id);
    return tr("lease %1 · %2 s").arg(id).arg(left);
}

// ---- the tick ---------------------------------------------------------------------------------

void KeyTreeCountdown::note(const KeyNode *dir) const
{
    if (dir == m.m_root.get())
        m_root = true;
    else
        m_dirs.insert(m.fullKey(dir));
    if (!m_timer.isActive())
        m_timer.start();
}

void KeyTreeCountdown::tickNow()
{
    tick();
    if (!m_timer.isActive())
        m_timer.start();
}

void KeyTreeCountdown::clear()
{
    m_dirs.clear();
    m_root = false;
}

void KeyTreeCountdown::tick()
{
    QSet<QByteArray> dirs;
    dirs.swap(m_dirs);
    const bool root = m_root;
    m_root = false;
    if (dirs.isEmpty() && !root) {
        m_timer.stop(); // nothing on screen counts down; data() starts it again
        return;
    }
    if (root)
        tickDirectory(m.m_root.get());
    for (const QByteArray &key : dirs)
        tickDirectory(m.findNode(key));
}

void KeyTreeCountdown::tickDirectory(KeyNode *dir)
{
    if (!dir || !dir->dir || !m.isShown(dir))
        return;
    const QModelIndex parent = m.indexForNode(dir);
    if (dir != m.m_root.get() && !parent.isValid())
        return;
    // One dataChanged per directory over its rows that count down. O(children).
    int first = -1;
    int last = -1;
    const int count = m.shownCount(dir);
    for (int r = 0; r < count; ++r) {
        if (hasCountdown(m.shownChild(dir, r))) {
            if (first < 0)
                first = r;
            last = r;
        }
    }
    if (first >= 0)
        Q_EMIT m.dataChanged(
            m.index(first, KeyTreeModel::TtlColumn, parent),
            m.index(last, KeyTreeModel::TtlColumn, parent),
            {Qt::DisplayRole, Qt::ForegroundRole, Qt::ToolTipRole, KeyTreeModel::TtlLeftRole});
}
