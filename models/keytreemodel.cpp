#include "keytreemodel.h"
#include "keytreemodel_p.h"

#include "etcdclient.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "keydisplay.h"
#include "keynode.h"
#include "naturalsort.h"
#include "v3levellister.h"

#include <QFont>
#include <QTimer>

KeyTreeModel::Listing::~Listing()
{
    if (call)
        call->cancel();
}

KeyTreeModel::Reveal::~Reveal()
{
    if (call)
        call->cancel();
}

KeyTreeModel::KeyTreeModel(QObject *parent)
    : QAbstractItemModel(parent)
    , m_root(makeRoot())
{
    setUpLiveUpdates();
}

KeyTreeModel::~KeyTreeModel()
{
    // Listings hold callbacks into this model and its nodes: stop them before the nodes go.
    m_listings.clear();
}

std::unique_ptr<KeyNode> KeyTreeModel::makeRoot()
{
    auto root = std::make_unique<KeyNode>();
    root->set(KeyNode::IsDir);
    root->ensureDir();
    return root;
}

void KeyTreeModel::setClient(EtcdClient *client)
{
    m_client = client;
}

void KeyTreeModel::setSeparator(char separator)
{
    m_separator = separator;
}

void KeyTreeModel::setRootPrefix(const QByteArray &prefix)
{
    m_rootPrefix = prefix;
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

bool KeyTreeModel::filtering() const
{
    return !m_filterText.isEmpty();
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
    return m_v2 ? '/' : m_activeSeparator;
}

QByteArray KeyTreeModel::fullKey(const KeyNode *node) const
{
    // O(depth): names are stored, full keys are not.
    std::vector<const KeyNode *> path;
    for (const KeyNode *n = node; n && n != m_root.get(); n = n->parent)
        path.push_back(n);
    QByteArray key = m_activePrefix;
    for (auto it = path.rbegin(); it != path.rend(); ++it) {
        if (it != path.rbegin())
            key += sep();
        key += (*it)->name;
    }
    return key;
}

QByteArray KeyTreeModel::childPrefix(const KeyNode *dir) const
{
    return dir == m_root.get() ? m_activePrefix : fullKey(dir) + sep();
}

QByteArray KeyTreeModel::nameOf(const KeyNode *dir, const QByteArray &prefix,
                                const QByteArray &key, bool *isLeaf) const
{
    return V3LevelLister::childName(prefix, key, sep(), !m_v2 && dir == m_root.get(), isLeaf);
}

KeyNode *KeyTreeModel::findNode(const QByteArray &key) const
{
    // O(depth × log(siblings)): one binary search per level, the prefix grown on the way down.
    KeyNode *dir = m_root.get();
    QByteArray prefix = m_activePrefix;
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

std::unique_ptr<KeyNode> KeyTreeModel::newNode(const QByteArray &name)
{
    auto node = std::make_unique<KeyNode>();
    node->name = name;
    if (m_v2 && name.startsWith('_'))
        node->set(KeyNode::Hidden);
    ++m_nodeCount;
    return node;
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
        return node != m_root.get() || (m_client && m_reloaded);
    return shownCount(node) > 0;
}

bool KeyTreeModel::canFetchMore(const QModelIndex &parent) const
{
    if (parent.column() > 0 || !m_client || !m_reloaded)
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
        return m_v2 ? tr("TTL") : tr("Lease");
    case RevisionColumn:
        return m_v2 ? tr("Modified index") : tr("Revision");
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
    const bool hasMeta = isKey || (m_v2 && n->has(KeyNode::IsDir));
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            return displayName(n->name);
        case ValueColumn:
            if (!isKey)
                return {};
            if (!n->has(KeyNode::ValueLoaded)) {
                scheduleValueLoad(n);
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
            return isKey && !m_v2 ? QVariant(n->version) : QVariant();
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
        if (index.column() == TtlColumn && !m_v2)
            return liveData(n, TtlColumn, role); // the whole lease ID
        if (index.column() == TtlColumn && m_v2 && n->leaseOrExpiry)
            return tr("Expires at %1").arg(QDateTime::fromMSecsSinceEpoch(
                qint64(n->leaseOrExpiry), Qt::UTC).toLocalTime().toString(Qt::ISODate));
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
            scheduleValueLoad(n);
        return n->value && n->has(KeyNode::ValueLoaded) ? QVariant(*n->value) : QVariant();
    case ValueLoadedRole:
        return n->has(KeyNode::ValueLoaded);
    case LargeValueRole:
        return n->has(KeyNode::LargeValue);
    case LeaseRole:
        return m_v2 ? quint64(0) : n->leaseOrExpiry;
    case TtlRole:
        return m_v2 && n->ttl >= 0 ? QVariant(qint64(n->ttl)) : QVariant();
    case ExpirationRole:
        return m_v2 && n->leaseOrExpiry
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
