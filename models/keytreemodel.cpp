#include "keytreemodel.h"

#include "keydisplay.h"
#include "keynode.h"
#include "keytreecountdown.h"
#include "keytreeeventqueue.h"
#include "keytreefilter.h"
#include "keytreehighlight.h"
#include "keytreelister.h"
#include "keytreelisting.h"
#include "keytreeops.h"
#include "keytreeresync.h"
#include "keytreereveal.h"
#include "v3levellister.h"

#include <QColor>
#include <QDateTime>
#include <QFont>

KeyTreeModel::KeyTreeModel(QObject *parent)
    : QAbstractItemModel(parent)
    , m_root(std::make_unique<KeyNode>())
    , m_filter(std::make_unique<KeyTreeFilter>(*this))
    , m_reveal(std::make_unique<KeyTreeReveal>(*this))
    , m_listing(new KeyTreeListing(*this))
    , m_events(new KeyTreeEventQueue(
          [this](std::vector<EtcdWatchEvent> &&events) { KeyTreeOps(*this).applyEvents(events); },
          [this] { return m_lister && m_lister->isListing(); }, this))
    , m_highlight(new KeyTreeHighlight(*this))
    , m_countdown(new KeyTreeCountdown(*this))
{
    m_root->set(KeyNode::IsDir);
    m_root->ensureDir();
    setLister(new KeyTreeLister(this));
    connect(this, &KeyTreeModel::levelLoaded, this,
            [this](const QModelIndex &dir) { onLevelSettled(dir, {}); });
    connect(this, &KeyTreeModel::levelFailed, this, &KeyTreeModel::onLevelSettled);
}

KeyTreeModel::~KeyTreeModel()
{
    // The lister's answers would land in freed rows.
    if (m_lister)
        m_lister->disconnect(m_listing);
}

KeyTreeLister *KeyTreeModel::lister() const
{
    return m_lister;
}

void KeyTreeModel::setLister(KeyTreeLister *lister)
{
    m_listing->follow(lister);
    m_lister = lister;
}

void KeyTreeModel::setLeaseCache(LeaseTtlCache *cache)
{
    m_countdown->setLeaseCache(cache);
}

LeaseTtlCache *KeyTreeModel::leaseCache() const
{
    return m_countdown->leaseCache();
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

// ---- structure --------------------------------------------------------------------------------

bool KeyTreeModel::filtering() const
{
    return m_filter->active();
}

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
        m_listing->start(nodeFromIndex(parent), false);
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
            return n->name.isEmpty() ? tr("(empty)") : displayKey(n->name);
        case ValueColumn:
            if (!isKey)
                return {};
            if (!n->has(KeyNode::ValueLoaded)) {
                m_listing->wantValue(n);
                return {};
            }
            if (n->has(KeyNode::LargeValue))
                return tr("(large value)");
            return valuePreview(n->value ? *n->value : QByteArray(), previewLength);
        case TtlColumn:
            return m_countdown->data(n, TtlColumn, role);
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
        return m_countdown->data(n, index.column(), role);
    case Qt::FontRole:
        if (index.column() == NameColumn && n->name.isEmpty()) {
            QFont font;
            font.setItalic(true);
            return font;
        }
        return {};
    case Qt::BackgroundRole:
        // A soft amber, translucent so that it reads on light and dark palettes.
        return n->has(KeyNode::Highlighted) ? QVariant(QColor(255, 196, 0, 70)) : QVariant();
    case HighlightedRole:
        return n->has(KeyNode::Highlighted);
    case Qt::ForegroundRole:
    case TtlRole:
    case ExpirationRole:
    case TtlLeftRole:
        return m_countdown->data(n, index.column(), role);
    case KeyRole:
        return fullKey(n);
    case IsDirectoryRole:
        return n->has(KeyNode::IsDir);
    case IsKeyRole:
        return isKey;
    case ValueRole:
        if (isKey && !n->has(KeyNode::ValueLoaded))
            m_listing->wantValue(n);
        return n->value && n->has(KeyNode::ValueLoaded) ? QVariant(*n->value) : QVariant();
    case ValueLoadedRole:
        return n->has(KeyNode::ValueLoaded);
    case LargeValueRole:
        return n->has(KeyNode::LargeValue);
    case LeaseRole:
        return isV2() ? quint64(0) : n->leaseOrExpiry;
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

qint64 KeyTreeModel::appliedEventCount() const
{
    return m_events->appliedCount();
}

void KeyTreeModel::setHighlightDuration(int ms)
{
    m_highlight->setDuration(ms);
}

void KeyTreeModel::onLevelSettled(const QModelIndex &dir, const EtcdError &error)
{
    // Events held for a level being listed go first again, before anything newer.
    m_events->release();
    if (m_resync)
        m_resync->levelSettled(!dir.isValid(), error);
}

qint64 KeyTreeModel::nodeCount() const
{
    return m_root->subtreeSize() - 1;
}

qint64 KeyTreeModel::rootListingRevision() const
{
    return m_listing->rootRevision();
}

// ---- go to key, resync, filter and edits, each handed to its class ----------------------------

void KeyTreeModel::revealKey(const QByteArray &key)
{
    m_reveal->start(key);
}

void KeyTreeModel::resync(std::function<void(qint64 revision)> done)
{
    flushEvents();
    m_resync = std::make_unique<KeyTreeResync>(*this, std::move(done));
}

void KeyTreeModel::setFilterText(const QString &text)
{
    m_filter->setText(text);
}

QString KeyTreeModel::filterText() const
{
    return m_filter->text();
}

void KeyTreeModel::applyPut(const KeyInfo &info)
{
    KeyTreeOps(*this).applyPut(info);
}

void KeyTreeModel::applyDelete(const QByteArray &key)
{
    KeyTreeOps(*this).applyDelete(key);
}

void KeyTreeModel::applyDeletePrefix(const QByteArray &prefix)
{
    KeyTreeOps(*this).applyDeletePrefix(prefix);
}
