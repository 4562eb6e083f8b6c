#include "keytreemodel.h"

#include "keydisplay.h"
#include "keynode.h"
#include "keytreecountdown.h"
#include "keytreeeventqueue.h"
#include "keytreehighlight.h"
#include "keytreelister.h"
#include "keytreeops.h"
#include "keytreeresync.h"
#include "keytreereveal.h"
#include "leasettlcache.h"
#include "v3levellister.h"

#include <QColor>
#include <QDateTime>
#include <QFont>

KeyTreeModel::KeyTreeModel(QObject *parent)
    : QAbstractItemModel(parent)
    , m_root(std::make_unique<KeyNode>())
    , m_reveal(std::make_unique<KeyTreeReveal>(*this))
    , m_events(new KeyTreeEventQueue(
          [this](std::vector<EtcdWatchEvent> &&events) { KeyTreeOps(*this).applyEvents(events); },
          [this] { return m_lister && m_lister->isListing(); }, this))
    , m_highlight(new KeyTreeHighlight(this))
    , m_countdown(new KeyTreeCountdown(this))
{
    m_root->set(KeyNode::IsDir);
    m_root->ensureDir();
    setLister(new KeyTreeLister(this));
    connect(m_highlight, &KeyTreeHighlight::ended, this, &KeyTreeModel::onHighlightEnded);
    connect(m_countdown, &KeyTreeCountdown::ticked, this, &KeyTreeModel::onCountdownTicked);
    connect(this, &KeyTreeModel::levelLoaded, this,
            [this](const QModelIndex &dir) { onLevelSettled(dir, {}); });
    connect(this, &KeyTreeModel::levelFailed, this, &KeyTreeModel::onLevelSettled);
}

KeyTreeModel::~KeyTreeModel()
{
    // The lister's answers would land in freed rows.
    if (m_lister)
        m_lister->disconnect(this);
}

KeyTreeLister *KeyTreeModel::lister() const
{
    return m_lister;
}

void KeyTreeModel::setLister(KeyTreeLister *lister)
{
    if (m_lister)
        m_lister->disconnect(this);
    m_lister = lister;
    connect(lister, &KeyTreeLister::levelListed, this, &KeyTreeModel::onLevelListed);
    connect(lister, &KeyTreeLister::levelFinished, this, &KeyTreeModel::onLevelFinished);
    connect(lister, &KeyTreeLister::valuesRead, this, &KeyTreeModel::onValuesRead);
    connect(lister, &KeyTreeLister::keyRead, this,
            [this](const QByteArray &key, const KeyInfo &info, const EtcdError &error) {
                m_reveal->keyRead(key, info, error);
            });
    connect(lister, &KeyTreeLister::directoryChecked, this, &KeyTreeModel::onDirectoryChecked);
}

bool KeyTreeModel::isV2() const
{
    return m_lister->isV2();
}

char KeyTreeModel::separator() const
{
    return m_lister->separator();
}

QByteArray KeyTreeModel::rootPrefix() const
{
    return m_lister->rootPrefix();
}

void KeyTreeModel::setIcons(const QIcon &directory, const QIcon &key)
{
    m_directoryIcon = directory;
    m_keyIcon = key;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, NameColumn), index(rowCount() - 1, NameColumn),
                           {Qt::DecorationRole});
}

// ---- structure --------------------------------------------------------------------------------

int KeyTreeModel::shownCount(const KeyNode *node) const
{
    if (!node->dir)
        return 0;
    return int(filtering() ? node->dir->visible.size() : node->dir->children.size());
}

KeyNode *KeyTreeModel::shownChild(const KeyNode *node, int row) const
{
    return filtering() ? node->dir->visible[std::size_t(row)]
                       : node->dir->children[std::size_t(row)].get();
}

int KeyTreeModel::rowOf(const KeyNode *node) const
{
    const KeyNode *parent = node->parent;
    if (!parent || !parent->dir)
        return -1;
    bool found = false;
    const std::size_t i = filtering()
                              ? KeyNode::lowerBound(parent->dir->visible, node->name, &found)
                              : KeyNode::lowerBound(parent->dir->children, node->name, &found);
    return found ? int(i) : -1;
}

bool KeyTreeModel::isShown(const KeyNode *node) const
{
    return node == m_root.get() || !filtering() || node->has(KeyNode::Visible);
}

KeyNode *KeyTreeModel::nodeFromIndex(const QModelIndex &index) const
{
    if (!index.isValid())
        return m_root.get();
    return static_cast<KeyNode *>(index.internalPointer());
}

QModelIndex KeyTreeModel::indexForNode(const KeyNode *node, int column) const
{
    if (!node || node == m_root.get() || !isShown(node))
        return {};
    const int row = rowOf(node);
    if (row < 0)
        return {};
    return createIndex(row, column, const_cast<KeyNode *>(node));
}

char KeyTreeModel::sep() const
{
    return m_lister->levelSeparator();
}

QByteArray KeyTreeModel::fullKey(const KeyNode *node) const
{
    // O(depth): names are stored, full keys are not.
    std::vector<const KeyNode *> path;
    for (const KeyNode *n = node; n && n != m_root.get(); n = n->parent)
        path.push_back(n);
    QByteArray key = m_lister->rootLevel();
    for (auto it = path.rbegin(); it != path.rend(); ++it) {
        if (it != path.rbegin())
            key += sep();
        key += (*it)->name;
    }
    return key;
}

QByteArray KeyTreeModel::childPrefix(const KeyNode *dir) const
{
    return dir == m_root.get() ? m_lister->rootLevel() : fullKey(dir) + sep();
}

QByteArray KeyTreeModel::nameOf(const KeyNode *dir, const QByteArray &prefix, const QByteArray &key,
                                bool *isLeaf) const
{
    return V3LevelLister::childName(prefix, key, sep(), !isV2() && dir == m_root.get(), isLeaf);
}

KeyNode *KeyTreeModel::findNode(const QByteArray &key) const
{
    // O(depth × log(siblings)): one binary search per level, the prefix grown on the way down.
    KeyNode *dir = m_root.get();
    QByteArray prefix = m_lister->rootLevel();
    if (!key.startsWith(prefix))
        return nullptr;
    for (;;) {
        bool leaf = false;
        const QByteArray name = nameOf(dir, prefix, key, &leaf);
        KeyNode *child = dir->child(name);
        if (!child || leaf)
            return child;
        prefix += name;
        prefix += sep();
        dir = child;
    }
}

KeyNode *KeyTreeModel::findLevel(const QByteArray &prefix) const
{
    if (prefix == m_lister->rootLevel())
        return m_root.get();
    KeyNode *dir = findNode(prefix.chopped(1));
    return dir && dir->has(KeyNode::IsDir) ? dir : nullptr;
}

QModelIndex KeyTreeModel::indexForKey(const QByteArray &key) const
{
    return indexForNode(findNode(key));
}

QByteArray KeyTreeModel::keyForIndex(const QModelIndex &index) const
{
    return index.isValid() ? fullKey(nodeFromIndex(index)) : QByteArray();
}

bool KeyTreeModel::isLoading(const QModelIndex &dir) const
{
    return nodeFromIndex(dir)->has(KeyNode::Loading);
}

// ---- QAbstractItemModel -----------------------------------------------------------------------

QModelIndex KeyTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount || parent.column() > 0)
        return {};
    const KeyNode *p = nodeFromIndex(parent);
    if (row >= shownCount(p))
        return {};
    return createIndex(row, column, shownChild(p, row));
}

QModelIndex KeyTreeModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return {};
    const KeyNode *p = nodeFromIndex(child)->parent;
    return indexForNode(p);
}

int KeyTreeModel::rowCount(const QModelIndex &parent) const
{
    if (parent.column() > 0)
        return 0;
    return shownCount(nodeFromIndex(parent));
}

int KeyTreeModel::columnCount(const QModelIndex &parent) const
{
    return parent.column() > 0 ? 0 : ColumnCount;
}

bool KeyTreeModel::hasChildren(const QModelIndex &parent) const
{
    if (parent.column() > 0)
        return false;
    const KeyNode *node = nodeFromIndex(parent);
    if (!node->has(KeyNode::IsDir))
        return false;
    // Not listed yet: say yes, so a view offers to open it (and then calls fetchMore).
    if (!node->has(KeyNode::Populated))
        return node != m_root.get() || m_lister->canRead();
    return shownCount(node) > 0;
}

bool KeyTreeModel::canFetchMore(const QModelIndex &parent) const
{
    if (parent.column() > 0 || !m_lister->canRead())
        return false;
    const KeyNode *node = nodeFromIndex(parent);
    return node->has(KeyNode::IsDir) && !node->has(KeyNode::Populated) &&
           !node->has(KeyNode::Loading) && !node->has(KeyNode::Failed);
}

void KeyTreeModel::fetchMore(const QModelIndex &parent)
{
    if (canFetchMore(parent))
        startListing(nodeFromIndex(parent), false);
}

Qt::ItemFlags KeyTreeModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    if (!nodeFromIndex(index)->has(KeyNode::IsDir))
        f |= Qt::ItemNeverHasChildren;
    return f;
}

QVariant KeyTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case ValueColumn:
        return tr("Value");
    case TtlColumn:
        return isV2() ? tr("TTL") : tr("Lease");
    case RevisionColumn:
        return isV2() ? tr("Modified index") : tr("Revision");
    case VersionColumn:
        return tr("Version");
    default:
        return {};
    }
}

QHash<int, QByteArray> KeyTreeModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractItemModel::roleNames();
    names.insert(KeyRole, "key");
    names.insert(IsDirectoryRole, "isDirectory");
    names.insert(IsKeyRole, "isKey");
    names.insert(ValueRole, "value");
    names.insert(ValueLoadedRole, "valueLoaded");
    names.insert(LeaseRole, "lease");
    names.insert(TtlRole, "ttl");
    names.insert(ExpirationRole, "expiration");
    names.insert(CreateRevisionRole, "createRevision");
    names.insert(ModRevisionRole, "modRevision");
    names.insert(VersionRole, "version");
    names.insert(LoadingRole, "loading");
    names.insert(ChildCountRole, "childCount");
    names.insert(HiddenRole, "hidden");
    names.insert(LargeValueRole, "largeValue");
    names.insert(EmptyNameRole, "emptyName");
    names.insert(HighlightedRole, "highlighted");
    names.insert(TtlLeftRole, "ttlLeft");
    return names;
}

QString KeyTreeModel::displayName(const QByteArray &name)
{
    return name.isEmpty() ? tr("(empty)") : displayKey(name);
}

QString KeyTreeModel::valuePreview(const QByteArray &value)
{
    // The first line, at most previewLength characters; odd bytes escaped like keys.
    qsizetype end = value.indexOf('\n');
    bool cut = end >= 0;
    if (end < 0)
        end = value.size();
    qsizetype take = std::min<qsizetype>(end, previewLength * 4);
    if (take < end)
        cut = true;
    QByteArray line = value.left(take);
    if (line.endsWith('\r'))
        line.chop(1);
    QString text = displayKey(line);
    if (text.size() > previewLength) {
        text.truncate(previewLength);
        cut = true;
    }
    if (cut)
        text += QChar(0x2026);
    return text;
}

QVariant KeyTreeModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    const KeyNode *n = nodeFromIndex(index);
    const bool isKey = n->has(KeyNode::IsKey);
    const bool v2 = isV2();
    const bool hasMeta = isKey || (v2 && n->has(KeyNode::IsDir));
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            return displayName(n->name);
        case ValueColumn:
            if (!isKey)
                return {};
            if (!n->has(KeyNode::ValueLoaded)) {
                wantValue(n);
                return {};
            }
            if (n->has(KeyNode::LargeValue))
                return tr("(large value)");
            return valuePreview(n->value ? *n->value : QByteArray());
        case TtlColumn:
            return liveData(n, TtlColumn, role); // counts down (keytreemodel_live.cpp)
        case RevisionColumn:
            return hasMeta && n->modRevision ? QVariant(n->modRevision) : QVariant();
        case VersionColumn:
            return isKey && !isV2() ? QVariant(n->version) : QVariant();
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == NameColumn) {
            QString tip = displayKey(fullKey(n));
            if (n->has(KeyNode::Loading))
                tip += QLatin1Char('\n') + tr("Loading… (%n so far)", nullptr,
                                              int(n->dir ? n->dir->children.size() : 0));
            return tip;
        }
        if (index.column() == TtlColumn && !v2)
            return liveData(n, TtlColumn, role); // the whole lease ID
        if (index.column() == TtlColumn && v2 && n->leaseOrExpiry)
            return tr("Expires at %1")
                .arg(QDateTime::fromMSecsSinceEpoch(qint64(n->leaseOrExpiry), Qt::UTC)
                         .toLocalTime()
                         .toString(Qt::ISODate));
        return {};
    case Qt::FontRole:
        if (index.column() == NameColumn && n->name.isEmpty()) {
            QFont font;
            font.setItalic(true);
            return font;
        }
        return {};
    case Qt::BackgroundRole:
    case Qt::ForegroundRole:
    case HighlightedRole:
    case TtlLeftRole:
        return liveData(n, index.column(), role);
    case Qt::DecorationRole:
        if (index.column() != NameColumn)
            return {};
        if (n->has(KeyNode::IsDir))
            return m_directoryIcon.isNull() ? QVariant() : QVariant(m_directoryIcon);
        return m_keyIcon.isNull() ? QVariant() : QVariant(m_keyIcon);
    case KeyRole:
        return fullKey(n);
    case IsDirectoryRole:
        return n->has(KeyNode::IsDir);
    case IsKeyRole:
        return isKey;
    case ValueRole:
        if (isKey && !n->has(KeyNode::ValueLoaded))
            wantValue(n);
        return n->value && n->has(KeyNode::ValueLoaded) ? QVariant(*n->value) : QVariant();
    case ValueLoadedRole:
        return n->has(KeyNode::ValueLoaded);
    case LargeValueRole:
        return n->has(KeyNode::LargeValue);
    case LeaseRole:
        return isV2() ? quint64(0) : n->leaseOrExpiry;
    case TtlRole:
        return v2 && n->ttl >= 0 ? QVariant(qint64(n->ttl)) : QVariant();
    case ExpirationRole:
        return v2 && n->leaseOrExpiry
                   ? QVariant(QDateTime::fromMSecsSinceEpoch(qint64(n->leaseOrExpiry), Qt::UTC))
                   : QVariant();
    case CreateRevisionRole:
        return n->createRevision;
    case ModRevisionRole:
        return n->modRevision;
    case VersionRole:
        return n->version;
    case LoadingRole:
        return n->has(KeyNode::Loading);
    case ChildCountRole:
        return n->has(KeyNode::Populated) && n->dir ? int(n->dir->children.size()) : -1;
    case HiddenRole:
        return n->has(KeyNode::Hidden);
    case EmptyNameRole:
        return n->name.isEmpty();
    }
    return {};
}

// ---- live data: highlight, countdown --------------------------------------------------------

namespace {

qint64 ceilSeconds(qint64 ms)
{
    return ms <= 0 ? 0 : (ms + 999) / 1000;
}

// v2: keys and directories may expire (leaseOrExpiry holds the expiration); v3: keys with a
// lease.
bool hasCountdown(const KeyNode *n, bool v2)
{
    return n->leaseOrExpiry != 0 && (v2 || n->has(KeyNode::IsKey));
}

} // namespace

void KeyTreeModel::setLeaseCache(LeaseTtlCache *cache)
{
    if (m_leases)
        m_leases->disconnect(this);
    m_leases = cache;
    if (cache) // show an answer now rather than at the next tick
        connect(cache, &LeaseTtlCache::leaseAnswered, m_countdown, &KeyTreeCountdown::tickNow);
}

LeaseTtlCache *KeyTreeModel::leaseCache() const
{
    return m_leases;
}

qint64 KeyTreeModel::secondsLeft(const KeyNode *n) const
{
    const bool v2 = isV2();
    if (!hasCountdown(n, v2))
        return -1;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (v2)
        return ceilSeconds(qint64(n->leaseOrExpiry) - now);
    const LeaseTtlCache::Info *info = m_leases ? m_leases->info(n->leaseOrExpiry) : nullptr;
    if (!info || !info->known)
        return -1;
    if (info->gone)
        return 0; // the lease is gone; its keys' deletes are on their way
    return std::max<qint64>(0, info->secondsLeft(now));
}

QVariant KeyTreeModel::liveData(const KeyNode *n, int column, int role) const
{
    const bool v2 = isV2();
    switch (role) {
    case Qt::BackgroundRole:
        // A soft amber, translucent so that it reads on light and dark palettes.
        return n->has(KeyNode::Highlighted) ? QVariant(QColor(255, 196, 0, 70)) : QVariant();
    case HighlightedRole:
        return n->has(KeyNode::Highlighted);
    case TtlLeftRole: {
        const qint64 left = secondsLeft(n);
        return left >= 0 ? QVariant(left) : QVariant();
    }
    case Qt::ForegroundRole:
        // Run out: greyed until the delete (v2 expire, v3 lease revoke) removes the row; the
        // timer never removes rows itself, so the tree cannot drift from etcd.
        return column == TtlColumn && secondsLeft(n) == 0 ? QVariant(QColor(Qt::gray)) : QVariant();
    case Qt::ToolTipRole: {
        if (v2 || !hasCountdown(n, v2))
            return {};
        QString tip = tr("Lease %1").arg(QString::number(n->leaseOrExpiry, 16));
        const qint64 left = secondsLeft(n);
        if (left >= 0)
            tip += QLatin1Char('\n') + tr("%n second(s) left", nullptr, int(left));
        return tip;
    }
    case Qt::DisplayRole:
        break;
    default:
        return {};
    }
    if (column != TtlColumn || !hasCountdown(n, v2))
        return {};
    // The TTL column counts down: note the directory, so the next tick updates its rows (only
    // rows a view paints get here, so only they tick).
    m_countdown->note(n->parent == m_root.get() ? QByteArray() : fullKey(n->parent),
                      n->parent == m_root.get());
    const qint64 left = secondsLeft(n);
    if (v2)
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

void KeyTreeModel::onHighlightEnded(const std::vector<QByteArray> &keys)
{
    std::vector<KeyNode *> ended;
    for (const QByteArray &key : keys) {
        KeyNode *n = findNode(key);
        if (n && n->has(KeyNode::Highlighted)) {
            n->set(KeyNode::Highlighted, false);
            ended.push_back(n);
        }
    }
    notifyChanged(ended, {Qt::BackgroundRole, HighlightedRole});
}

void KeyTreeModel::onCountdownTicked(const QSet<QByteArray> &dirs, bool root)
{
    const bool v2 = isV2();
    auto tick = [this, v2](KeyNode *dir) {
        if (!dir || !dir->dir || !isShown(dir))
            return;
        const QModelIndex parent = indexForNode(dir);
        if (dir != m_root.get() && !parent.isValid())
            return;
        // One dataChanged per directory over its rows that count down. O(children).
        int first = -1;
        int last = -1;
        const int count = shownCount(dir);
        for (int r = 0; r < count; ++r) {
            if (hasCountdown(shownChild(dir, r), v2)) {
                if (first < 0)
                    first = r;
                last = r;
            }
        }
        if (first >= 0)
            Q_EMIT dataChanged(index(first, TtlColumn, parent), index(last, TtlColumn, parent),
                               {Qt::DisplayRole, Qt::ForegroundRole, Qt::ToolTipRole, TtlLeftRole});
    };
    if (root)
        tick(m_root.get());
    for (const QByteArray &key : dirs)
        tick(findNode(key));
}

// ---- watch events and diagnostics ---------------------------------------------------------------

void KeyTreeModel::applyEvents(const QList<EtcdWatchEvent> &events)
{
    m_events->append(events);
}

void KeyTreeModel::flushEvents()
{
    m_events->flush();
}

int KeyTreeModel::pendingEventCount() const
{
    return m_events->pendingCount();
}

void KeyTreeModel::setApplyInterval(int ms)
{
    m_events->setInterval(ms);
}

int KeyTreeModel::applyInterval() const
{
    return m_events->interval();
}

qint64 KeyTreeModel::appliedEventCount() const
{
    return m_events->appliedCount();
}

void KeyTreeModel::setHighlightDuration(int ms)
{
    m_highlight->setDuration(ms);
}

int KeyTreeModel::highlightDuration() const
{
    return m_highlight->duration();
}

void KeyTreeModel::onLevelSettled(const QModelIndex &dir, const EtcdError &error)
{
    // Events held for a level being listed go first again, before anything newer.
    m_events->release();
    if (m_resync)
        m_resync->levelSettled(!dir.isValid(), error);
}

void KeyTreeModel::onDirectoryChecked(const QByteArray &dirKey, bool exists)
{
    KeyNode *node = findNode(dirKey);
    // Listed meanwhile (or being listed): the listing knows better.
    if (exists || !node || !node->has(KeyNode::IsDir) || node->has(KeyNode::Populated) ||
        node->has(KeyNode::Loading))
        return;
    if (node->has(KeyNode::IsKey)) {
        node->set(KeyNode::IsDir, false);
        notifyChanged({node});
        return;
    }
    KeyNode *parent = node->parent;
    removeNode(node);
    KeyTreeOps(*this).pruneIfEmpty(parent);
}

qint64 KeyTreeModel::listRequestCount() const
{
    return m_lister->listRequestCount();
}

qint64 KeyTreeModel::valueRequestCount() const
{
    return m_lister->valueRequestCount();
}

qint64 KeyTreeModel::nodeCount() const
{
    return m_root->subtreeSize() - 1;
}
