// KeyTreeModel: the lister's answers turned into rows (levels merged, refresh diffs, values),
// and rows removed in ranges.
#include "keytreemodel.h"

#include "heapuse.h"
#include "keynode.h"
#include "keytreecountdown.h"
#include "keytreeeventqueue.h"
#include "keytreehighlight.h"
#include "keytreelister.h"
#include "keytreereveal.h"
#include "naturalsort.h"

#include <QTimer>

#include <algorithm>
#include <unordered_map>

namespace {

// A level this big returns its replies' memory to the system when it is listed.
constexpr std::size_t bigLevelRows = 10000;

const QByteArray &nameOfItem(const std::unique_ptr<KeyNode> &n)
{
    return n->name;
}

const QByteArray &nameOfItem(KeyNode *n)
{
    return n->name;
}

// Inserts `items` (sorted by natural order, none already in `list`) into the sorted `list`; per
// run of items that land between the same two rows, `notify(first, last)` before and
// `done()` after.
template<typename T, typename Before, typename After>
void insertSorted(std::vector<T> &list, std::vector<T> &items, Before before, After after)
{
    std::size_t i = 0;
    while (i < items.size()) {
        bool found = false;
        const std::size_t pos = KeyNode::lowerBound(list, nameOfItem(items[i]), &found);
        std::size_t j = i + 1;
        while (j < items.size() &&
               (pos == list.size() || naturalLess(nameOfItem(items[j]), nameOfItem(list[pos]))))
            ++j;
        before(int(pos), int(pos + (j - i) - 1));
        list.insert(list.begin() + std::ptrdiff_t(pos), std::make_move_iterator(items.begin() + i),
                    std::make_move_iterator(items.begin() + j));
        after();
        i = j;
    }
}

} // namespace

// ---- listings ---------------------------------------------------------------------------------

void KeyTreeModel::reload()
{
    m_lister->reset();
    m_reveal->readDropped();
    beginResetModel();
    m_root = std::make_unique<KeyNode>();
    m_root->set(KeyNode::IsDir);
    m_root->ensureDir();
    m_rootRevision = 0;
    // State keyed by rows goes; events stay (the new listing holds them until it is in, then
    // they apply idempotently).
    m_highlight->clear();
    m_countdown->clear();
    m_events->release();
    endResetModel();
    // A QAbstractItemModelTester (or a view) may have started the listing on modelReset.
    if (canFetchMore({}))
        startListing(m_root.get(), false);
}

void KeyTreeModel::refresh(const QModelIndex &dirIndex)
{
    KeyNode *dir = nodeFromIndex(dirIndex);
    if (!m_lister->client() || !dir->has(KeyNode::IsDir))
        return;
    startListing(dir, dir->has(KeyNode::Populated));
}

void KeyTreeModel::notifyLoading(KeyNode *dir)
{
    if (dir == m_root.get())
        return;
    const QModelIndex idx = indexForNode(dir);
    if (idx.isValid())
        Q_EMIT dataChanged(idx, idx, {LoadingRole, ChildCountRole, Qt::ToolTipRole});
}

void KeyTreeModel::startListing(KeyNode *dir, bool refresh)
{
    dir->ensureDir();
    dir->set(KeyNode::Loading);
    dir->set(KeyNode::Refreshing, refresh);
    dir->set(KeyNode::Failed, false);
    if (refresh) {
        for (const auto &child : dir->dir->children) {
            child->set(KeyNode::SeenKey, false);
            child->set(KeyNode::SeenDir, false);
        }
    }
    const QByteArray level = childPrefix(dir);
    notifyLoading(dir);
    Q_EMIT levelLoadingStarted(indexForNode(dir));
    // A slot may have removed the row or restarted its listing.
    if (findLevel(level) == dir && dir->has(KeyNode::Loading))
        m_lister->listLevel(level, dir->dir->listHint);
}

void KeyTreeModel::onLevelListed(const QByteArray &level, const std::vector<KeyTreeEntry> &entries)
{
    if (KeyNode *dir = findLevel(level); dir && dir->has(KeyNode::Loading))
        mergeEntries(dir, entries);
}

void KeyTreeModel::onLevelFinished(const QByteArray &level, qint64 revision, const EtcdError &error)
{
    KeyNode *dir = findLevel(level);
    if (!dir || !dir->has(KeyNode::Loading))
        return;
    dir->set(KeyNode::Loading, false);
    if (dir == m_root.get() && !error)
        m_rootRevision = revision;
    if (error) {
        dir->set(KeyNode::Failed);
        notifyLoading(dir);
        Q_EMIT levelFailed(indexForNode(dir), error);
        m_reveal->levelFailed(level, dir == m_root.get(), error);
        return;
    }
    if (dir->has(KeyNode::Refreshing))
        dropUnseenChildren(dir);
    dir->set(KeyNode::Refreshing, false);
    dir->set(KeyNode::Populated);
    // What a big level's replies used in passing goes back to the system, not only to the heap,
    // once their last buffers are gone (replies and calls are deleted later).
    if (dir->dir && dir->dir->children.size() >= bigLevelRows)
        QTimer::singleShot(200, this, [] { releaseFreedHeap(); });
    notifyLoading(dir);
    Q_EMIT levelLoaded(indexForNode(dir));
    m_reveal->walk();
}

// ---- merging ----------------------------------------------------------------------------------

void KeyTreeModel::mergeEntries(KeyNode *dir, const std::vector<KeyTreeEntry> &entries)
{
    const bool v2 = isV2();
    std::vector<std::unique_ptr<KeyNode>> fresh;
    std::vector<KeyNode *> changed;
    for (const KeyTreeEntry &e : entries) {
        if (v2 && !m_showHidden && e.name.startsWith('_'))
            continue;
        if (KeyNode *existing = dir->child(e.name)) {
            if (existing->take(e, v2))
                changed.push_back(existing);
            continue;
        }
        auto node = KeyNode::create(e.name, v2);
        node->take(e, v2);
        fresh.push_back(std::move(node));
    }
    if (!fresh.empty()) {
        std::stable_sort(fresh.begin(), fresh.end(), [](const auto &a, const auto &b) {
            return naturalLess(a->name, b->name);
        });
        // A name reported twice in one batch (a key and a directory): one node.
        std::vector<std::unique_ptr<KeyNode>> unique;
        for (auto &n : fresh) {
            if (!unique.empty() && unique.back()->name == n->name) {
                KeyNode *into = unique.back().get();
                into->flags |= n->flags;
                if (n->has(KeyNode::IsDir))
                    into->ensureDir();
                if (n->has(KeyNode::IsKey)) {
                    into->createRevision = n->createRevision;
                    into->modRevision = n->modRevision;
                    into->version = n->version;
                    into->leaseOrExpiry = n->leaseOrExpiry;
                    into->ttl = n->ttl;
                }
                continue;
            }
            unique.push_back(std::move(n));
        }
        insertNodes(dir, unique);
    }
    notifyChanged(changed);
}

void KeyTreeModel::notifyChanged(const std::vector<KeyNode *> &nodes, const QList<int> &roles,
                                 int firstColumn, int lastColumn)
{
    // One dataChanged per block of changed rows in a directory, blocks closer than kMergeGap
    // rows merged. Not one block from the first to the last changed row: QTreeView (6.4)
    // computes the rectangle to repaint row by row over the whole block, so 300 scattered
    // changes in a 20,000-row directory cost it 20,000 visualRect() calls, 40-80 ms a frame.
    constexpr int kMergeGap = 16;
    std::unordered_map<KeyNode *, std::vector<int>> rows;
    std::vector<KeyNode *> parents;
    for (KeyNode *n : nodes) {
        const int row = isShown(n) ? rowOf(n) : -1;
        if (row < 0)
            continue;
        const auto [it, fresh] = rows.try_emplace(n->parent);
        if (fresh)
            parents.push_back(n->parent);
        it->second.push_back(row);
    }
    for (KeyNode *p : parents) {
        const QModelIndex parent = indexForNode(p);
        if (!isShown(p) || (p != m_root.get() && !parent.isValid()))
            continue;
        std::vector<int> &r = rows[p];
        std::sort(r.begin(), r.end());
        // Ascending, so that the view finds each row near the last one it looked up.
        std::size_t i = 0;
        while (i < r.size()) {
            const int first = r[i];
            int last = first;
            while (++i < r.size() && r[i] - last <= kMergeGap)
                last = r[i];
            Q_EMIT dataChanged(index(first, firstColumn, parent), index(last, lastColumn, parent),
                               roles);
        }
    }
}

void KeyTreeModel::insertNodes(KeyNode *dir, std::vector<std::unique_ptr<KeyNode>> &nodes)
{
    KeyDir &d = dir->ensureDir();
    for (auto &n : nodes)
        n->parent = dir;
    const QModelIndex parent = indexForNode(dir);
    auto begin = [this, &parent](int first, int last) {
        beginInsertRows(parent, first, last);
    };
    auto end = [this] {
        endInsertRows();
    };
    auto quiet = [](int, int) {
    };
    if (!filtering()) {
        insertSorted(d.children, nodes, begin, end);
        return;
    }
    std::vector<KeyNode *> shown;
    for (auto &n : nodes) {
        if (filterSubtree(n.get()))
            shown.push_back(n.get());
    }
    insertSorted(d.children, nodes, quiet, [] {});
    if (shown.empty())
        return;
    if (isShown(dir)) {
        insertSorted(d.visible, shown, begin, end);
        return;
    }
    insertSorted(d.visible, shown, quiet, [] {});
    showNode(dir);
}

// ---- values -----------------------------------------------------------------------------------

void KeyTreeModel::wantValue(const KeyNode *node) const
{
    if (node->has(KeyNode::ValueLoaded) || node->has(KeyNode::ValueQueued) ||
        !node->has(KeyNode::IsKey))
        return;
    // data() only notes the wish; the lister reads from the event loop.
    const_cast<KeyNode *>(node)->set(KeyNode::ValueQueued);
    m_lister->wantValue(fullKey(node));
}

void KeyTreeModel::loadValues(const QModelIndexList &indexes)
{
    for (const QModelIndex &idx : indexes) {
        if (idx.isValid() && idx.model() == this)
            wantValue(nodeFromIndex(idx));
    }
    m_lister->readWantedValues();
}

void KeyTreeModel::onValuesRead(const QList<KeyInfo> &values)
{
    const bool v2 = isV2();
    for (const KeyInfo &info : values) {
        KeyNode *node = findNode(info.key);
        if (!node || !node->has(KeyNode::IsKey) || info.modRevision < node->modRevision)
            continue;
        if (info.modRevision > node->modRevision)
            node->setMeta(info, v2);
        node->setValue(info.value);
        if (const QModelIndex first = indexForNode(node, 0); first.isValid())
            Q_EMIT dataChanged(first, first.siblingAtColumn(ColumnCount - 1));
    }
}

// ---- removing ---------------------------------------------------------------------------------

void KeyTreeModel::removeChildren(KeyNode *dir, int first, int last)
{
    KeyDir &d = *dir->dir;
    // Listings below the removed rows stop before their nodes are freed.
    if (m_lister->isListing()) {
        for (int i = first; i <= last; ++i) {
            if (d.children[std::size_t(i)]->has(KeyNode::IsDir))
                m_lister->stopListings(childPrefix(d.children[std::size_t(i)].get()));
        }
    }
    const QModelIndex parent = indexForNode(dir);
    std::vector<std::unique_ptr<KeyNode>> gone;
    auto take = [&] {
        gone.assign(std::make_move_iterator(d.children.begin() + first),
                    std::make_move_iterator(d.children.begin() + last + 1));
        d.children.erase(d.children.begin() + first, d.children.begin() + last + 1);
    };
    if (!filtering()) {
        beginRemoveRows(parent, first, last);
        take();
        endRemoveRows();
        return;
    }
    // The visible ones among them are a contiguous run of the visible list.
    int vFirst = -1;
    int vCount = 0;
    for (int i = first; i <= last; ++i) {
        KeyNode *n = d.children[std::size_t(i)].get();
        if (!n->has(KeyNode::Visible))
            continue;
        if (vFirst < 0) {
            bool found = false;
            vFirst = int(KeyNode::lowerBound(d.visible, n->name, &found));
        }
        ++vCount;
    }
    if (vCount > 0) {
        const bool reachable = isShown(dir);
        if (reachable)
            beginRemoveRows(parent, vFirst, vFirst + vCount - 1);
        d.visible.erase(d.visible.begin() + vFirst, d.visible.begin() + vFirst + vCount);
        if (reachable)
            endRemoveRows();
    }
    take();
    if (dir != m_root.get() && dir->has(KeyNode::Visible) && d.visible.empty() &&
        !matchesFilter(dir))
        hideNode(dir);
}

void KeyTreeModel::removeChildrenWhere(KeyNode *dir, const std::function<bool(KeyNode *)> &pred)
{
    if (!dir->dir)
        return;
    // Ranges from the back so earlier indexes stay valid.
    int i = int(dir->dir->children.size()) - 1;
    while (i >= 0) {
        if (!pred(dir->dir->children[std::size_t(i)].get())) {
            --i;
            continue;
        }
        const int last = i;
        while (i - 1 >= 0 && pred(dir->dir->children[std::size_t(i - 1)].get()))
            --i;
        removeChildren(dir, i, last);
        --i;
    }
}

void KeyTreeModel::removeNode(KeyNode *node)
{
    KeyNode *parent = node->parent;
    bool found = false;
    const std::size_t i = KeyNode::lowerBound(parent->dir->children, node->name, &found);
    if (found)
        removeChildren(parent, int(i), int(i));
}

void KeyTreeModel::dropUnseenChildren(KeyNode *dir)
{
    removeChildrenWhere(
        dir, [](KeyNode *n) { return !n->has(KeyNode::SeenKey) && !n->has(KeyNode::SeenDir); });
    std::vector<KeyNode *> changed;
    for (const auto &child : dir->dir->children) {
        KeyNode *n = child.get();
        if (n->has(KeyNode::IsKey) && !n->has(KeyNode::SeenKey)) {
            n->clearKey();
            changed.push_back(n);
        }
        if (n->has(KeyNode::IsDir) && !n->has(KeyNode::SeenDir)) {
            // No longer a directory: its rows go.
            if (n->dir && !n->dir->children.empty())
                removeChildren(n, 0, int(n->dir->children.size()) - 1);
            n->set(KeyNode::IsDir, false);
            n->set(KeyNode::Populated, false);
            changed.push_back(n);
        }
    }
    notifyChanged(changed);
}
