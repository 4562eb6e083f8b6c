// KeyTreeModel: listing levels, merging answers into the tree, refresh diffs, value loading.
#include "keytreemodel.h"
#include "keytreemodel_p.h"

#include "etcdclient.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "heapuse.h"
#include "keynode.h"
#include "naturalsort.h"
#include "v3levellister.h"

#include <QTimer>

#include <algorithm>
#include <functional>
#include <memory>

namespace {

const QByteArray &nameOfItem(const std::unique_ptr<KeyNode> &n)
{
    return n->name;
}

const QByteArray &nameOfItem(KeyNode *n)
{
    return n->name;
}

bool infoDiffers(const KeyNode *n, const KeyInfo &info, bool v2)
{
    const quint64 leaseOrExpiry =
        v2 ? quint64(info.expiration.isValid() ? info.expiration.toMSecsSinceEpoch() : 0)
           : info.lease;
    return n->modRevision != info.modRevision || n->createRevision != info.createRevision ||
        n->version != info.version || n->leaseOrExpiry != leaseOrExpiry ||
        n->ttl != (info.ttl < 0 ? -1 : qint32(info.ttl));
}

// A level this big returns its replies' memory to the system when it is listed.
constexpr std::size_t bigLevelRows = 10000;

// Rows a level merges per event-loop turn: about 5-10 ms of inserts on this machine.
constexpr std::size_t mergeSliceSize = 1000;

// The entries of a listing's big pages waiting to be merged, a slice per event-loop turn.
template<typename E> struct SliceFeed : std::enable_shared_from_this<SliceFeed<E>>
{
    std::vector<E> queue; // in arrival order; [next, end) still to merge
    std::size_t next = 0;
    bool scheduled = false;
    bool finished = false; // the lister finished while slices were waiting
    EtcdError error;
    std::function<void()> mergeNext; // merges one slice; holds the feed weakly

    void schedule(QObject *context)
    {
        if (scheduled)
            return;
        scheduled = true;
        QTimer::singleShot(0, context, [self = this->shared_from_this()] {
            self->scheduled = false;
            self->mergeNext();
        });
    }

    std::vector<E> takeSlice(std::size_t max)
    {
        const std::size_t n = std::min(max, queue.size() - next);
        const auto first = queue.begin() + std::ptrdiff_t(next);
        std::vector<E> slice(std::make_move_iterator(first),
                             std::make_move_iterator(first + std::ptrdiff_t(n)));
        next += n;
        if (next == queue.size()) {
            queue = std::vector<E>(); // give the page's memory back now, not at the level's end
            next = 0;
        }
        return slice;
    }
};

} // namespace

// Inserts `items` (sorted by natural order, none already in `list`) into the sorted `list`, one
// beginInsertRows per run of items that land between the same two existing rows.
template<typename T>
void KeyTreeModel::insertSorted(const QModelIndex &parent, bool notify, std::vector<T> &list,
                                std::vector<T> &items)
{
    std::size_t i = 0;
    while (i < items.size()) {
        bool found = false;
        const std::size_t pos = KeyNode::lowerBound(list, nameOfItem(items[i]), &found);
        std::size_t j = i + 1;
        while (j < items.size() &&
               (pos == list.size() || naturalLess(nameOfItem(items[j]), nameOfItem(list[pos]))))
            ++j;
        if (notify)
            beginInsertRows(parent, int(pos), int(pos + (j - i) - 1));
        list.insert(list.begin() + std::ptrdiff_t(pos), std::make_move_iterator(items.begin() + i),
                    std::make_move_iterator(items.begin() + j));
        if (notify)
            endInsertRows();
        i = j;
    }
}

// ---- starting and ending listings -------------------------------------------------------------

void KeyTreeModel::reload()
{
    dropAllListings();
    m_valueWanted.clear();
    for (const QPointer<EtcdCall> &call : std::as_const(m_valueCalls)) {
        if (call)
            call->cancel();
    }
    m_valueCalls.clear();
    beginResetModel();
    m_root = makeRoot();
    m_nodeCount = 0;
    m_rootRevision = 0;
    m_reloaded = true;
    m_v2 = m_client && m_client->apiInUse() == EtcdClient::Api::V2;
    m_activeSeparator = m_separator;
    if (m_v2) {
        // A v2 root is a directory path: "/" or "/dir/".
        QByteArray prefix = m_rootPrefix;
        if (!prefix.startsWith('/'))
            prefix.prepend('/');
        if (!prefix.endsWith('/'))
            prefix.append('/');
        m_activePrefix = prefix;
    } else {
        m_activePrefix = m_rootPrefix;
    }
    endResetModel();
    // A QAbstractItemModelTester (or a view) may have started the listing on modelReset.
    if (canFetchMore({}))
        startListing(m_root.get(), false);
}

void KeyTreeModel::refresh(const QModelIndex &dirIndex)
{
    KeyNode *dir = nodeFromIndex(dirIndex);
    if (!m_client || !dir->has(KeyNode::IsDir))
        return;
    startListing(dir, dir->has(KeyNode::Populated));
}

void KeyTreeModel::dropListing(KeyNode *dir)
{
    const auto it = m_listings.find(dir);
    if (it == m_listings.end())
        return;
    if (it->second->lister)
        m_listRequests += it->second->lister->requestCount();
    m_listings.erase(it);
}

void KeyTreeModel::dropAllListings()
{
    for (auto &entry : m_listings) {
        if (entry.second->lister)
            m_listRequests += entry.second->lister->requestCount();
    }
    m_listings.clear();
}

qint64 KeyTreeModel::listRequestCount() const
{
    qint64 n = m_listRequests;
    for (const auto &entry : m_listings) {
        if (entry.second->lister)
            n += entry.second->lister->requestCount();
    }
    return n;
}

bool KeyTreeModel::isCurrent(KeyNode *dir, quint32 generation) const
{
    const auto it = m_listings.find(dir);
    return it != m_listings.end() && it->second->generation == generation;
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
    // A listing already in flight for this level is dropped: its answers can no longer arrive.
    dropListing(dir);
    auto listing = std::make_unique<Listing>();
    const quint32 generation = ++dir->ensureDir().generation;
    listing->generation = generation;
    listing->refresh = refresh;
    dir->set(KeyNode::Loading);
    dir->set(KeyNode::Failed, false);
    if (refresh) {
        for (const auto &child : dir->dir->children) {
            child->set(KeyNode::SeenKey, false);
            child->set(KeyNode::SeenDir, false);
        }
    }
    Listing *l = listing.get();
    m_listings[dir] = std::move(listing);
    notifyLoading(dir);
    Q_EMIT levelLoadingStarted(indexForNode(dir));
    if (!isCurrent(dir, generation))
        return; // a slot restarted or dropped it

    if (!m_client) {
        finishListing(dir, generation,
                      EtcdError(EtcdError::Kind::Cancelled, tr("Not connected.")));
        return;
    }
    if (m_v2) {
        listV2(dir, generation);
        return;
    }
    l->lister = std::make_unique<V3LevelLister>(m_client->v3(), childPrefix(dir), sep(),
                                                dir == m_root.get());
    l->lister->setHint(dir->dir->listHint);
    // A page of up to 16,384 children merged in one go stalls the event loop for 100 ms and
    // more: big pages are merged in slices, one per event-loop turn, in the order they came.
    // The level is finished only once every slice is in.
    // Children are turned into entries slice by slice too: for a page of 16,384 that alone is
    // 10-20 ms.
    auto toEntries = [](std::vector<ListedChild> &&children) {
        std::vector<Entry> entries;
        entries.reserve(children.size());
        for (ListedChild &c : children) {
            Entry e;
            e.name = std::move(c.name);
            e.isKey = c.isKey;
            e.isDir = c.isDirectory;
            if (c.isKey)
                e.info = KeyInfo::fromV3(c.kv, false);
            e.hint = std::move(c.hint);
            entries.push_back(std::move(e));
        }
        return entries;
    };
    auto feed = std::make_shared<SliceFeed<ListedChild>>();
    feed->mergeNext = [this, dir, generation, toEntries,
                       weak = std::weak_ptr<SliceFeed<ListedChild>>(feed)] {
        const auto feed = weak.lock();
        // A dropped or restarted listing: its nodes may be gone, the rest of the queue is stale.
        if (!feed || !isCurrent(dir, generation))
            return;
        mergeEntries(dir, toEntries(feed->takeSlice(mergeSliceSize)));
        if (!isCurrent(dir, generation))
            return; // a slot restarted or dropped it
        if (!feed->queue.empty())
            feed->schedule(this);
        else if (feed->finished)
            finishListing(dir, generation, feed->error);
    };
    l->lister->start(
        [this, dir, generation, feed, toEntries](std::vector<ListedChild> &&children) {
            if (!isCurrent(dir, generation))
                return;
            if (feed->queue.empty() && children.size() <= mergeSliceSize) {
                mergeEntries(dir, toEntries(std::move(children)));
                return;
            }
            if (feed->queue.empty()) {
                feed->queue = std::move(children);
                feed->next = 0;
            } else {
                feed->queue.insert(feed->queue.end(), std::make_move_iterator(children.begin()),
                                   std::make_move_iterator(children.end()));
            }
            feed->schedule(this);
        },
        [this, dir, generation, feed](const EtcdError &error) {
            if (feed->queue.empty()) {
                finishListing(dir, generation, error);
                return;
            }
            feed->finished = true;
            feed->error = error;
        });
}

void KeyTreeModel::listV2(KeyNode *dir, quint32 generation)
{
    QByteArray path = dir == m_root.get() ? m_activePrefix : fullKey(dir);
    if (path.size() > 1 && path.endsWith('/'))
        path.chop(1);
    EtcdV2GetOptions options;
    options.sorted = true;
    ++m_listRequests;
    const QByteArray prefix = childPrefix(dir);
    m_listings[dir]->call = m_client->v2()->get(
        path, options, this,
        [this, dir, generation, prefix](const EtcdResult<EtcdV2Response> &r) {
            if (!isCurrent(dir, generation))
                return;
            if (!r.ok()) {
                finishListing(dir, generation, r.error);
                return;
            }
            std::vector<Entry> entries;
            entries.reserve(r.value.node.nodes.size());
            m_listings[dir]->revision = r.value.etcdIndex;
            for (const EtcdV2Node &node : r.value.node.nodes) {
                if (!node.key.startsWith(prefix))
                    continue;
                Entry e;
                e.name = node.key.mid(prefix.size());
                e.isKey = !node.dir;
                e.isDir = node.dir;
                e.info = KeyInfo::fromV2(node);
                entries.push_back(std::move(e));
            }
            // Sorted new rows land in one beginInsertRows: views lay big ranges out lazily.
            mergeEntries(dir, entries);
            finishListing(dir, generation, {});
        });
}

void KeyTreeModel::finishListing(KeyNode *dir, quint32 generation, const EtcdError &error)
{
    if (!isCurrent(dir, generation))
        return;
    const bool refresh = m_listings[dir]->refresh;
    if (dir == m_root.get() && !error) {
        const Listing &l = *m_listings[dir];
        m_rootRevision = l.lister ? l.lister->oldestRevision() : l.revision;
    }
    dropListing(dir);
    dir->set(KeyNode::Loading, false);
    if (error) {
        dir->set(KeyNode::Failed);
        notifyLoading(dir);
        Q_EMIT levelFailed(indexForNode(dir), error);
        if (m_reveal) {
            const QByteArray prefix = childPrefix(dir);
            if (dir == m_root.get() || m_reveal->key.startsWith(prefix))
                finishReveal(error);
        }
        return;
    }
    if (refresh)
        dropUnseenChildren(dir);
    dir->set(KeyNode::Populated);
    // What a big level's replies used in passing goes back to the system, not only to the heap,
    // once their last buffers are gone (replies and calls are deleted later).
    if (dir->dir && dir->dir->children.size() >= bigLevelRows)
        QTimer::singleShot(200, this, [] { releaseFreedHeap(); });
    notifyLoading(dir);
    Q_EMIT levelLoaded(indexForNode(dir));
    if (m_reveal)
        continueReveal();
}

// ---- merging ----------------------------------------------------------------------------------

bool KeyTreeModel::applyEntry(KeyNode *node, const Entry &e)
{
    bool changed = false;
    if (e.isKey) {
        node->set(KeyNode::SeenKey);
        if (!node->has(KeyNode::IsKey)) {
            node->set(KeyNode::IsKey);
            changed = true;
        }
        if (infoDiffers(node, e.info, m_v2)) {
            // A newer revision: the value loaded for the old one is stale.
            if (node->modRevision != e.info.modRevision && !e.info.valueLoaded) {
                node->value.reset();
                node->set(KeyNode::ValueLoaded, false);
                node->set(KeyNode::LargeValue, false);
                node->set(KeyNode::ValueQueued, false);
            }
            setMeta(node, e.info);
            changed = true;
        }
        if (e.info.valueLoaded &&
            (!node->has(KeyNode::ValueLoaded) || !node->value || *node->value != e.info.value)) {
            setValue(node, e.info.value);
            changed = true;
        }
    }
    if (e.isDir) {
        node->set(KeyNode::SeenDir);
        if (!node->has(KeyNode::IsDir)) {
            node->set(KeyNode::IsDir);
            node->ensureDir();
            changed = true;
        }
        if (!e.hint.isEmpty() && !node->has(KeyNode::Populated))
            node->ensureDir().listHint = e.hint;
        if (m_v2 && infoDiffers(node, e.info, true)) {
            setMeta(node, e.info);
            changed = true;
        }
    }
    return changed;
}

void KeyTreeModel::setMeta(KeyNode *node, const KeyInfo &info)
{
    node->createRevision = info.createRevision;
    node->modRevision = info.modRevision;
    node->version = info.version;
    if (m_v2) {
        node->leaseOrExpiry =
            quint64(info.expiration.isValid() ? info.expiration.toMSecsSinceEpoch() : 0);
        node->ttl = info.ttl < 0 ? -1 : qint32(std::min<qint64>(info.ttl, INT_MAX));
    } else {
        node->leaseOrExpiry = info.lease;
        node->ttl = -1;
    }
}

void KeyTreeModel::setValue(KeyNode *node, const QByteArray &value)
{
    if (value.size() > maxKeptValueSize) {
        node->value.reset();
        node->set(KeyNode::LargeValue);
    } else {
        node->value = std::make_unique<QByteArray>(value);
        node->set(KeyNode::LargeValue, false);
    }
    node->set(KeyNode::ValueLoaded);
    node->set(KeyNode::ValueQueued, false);
}

void KeyTreeModel::mergeEntries(KeyNode *dir, const std::vector<Entry> &entries)
{
    std::vector<std::unique_ptr<KeyNode>> fresh;
    std::vector<KeyNode *> changed;
    for (const Entry &e : entries) {
        if (m_v2 && !m_showHidden && e.name.startsWith('_'))
            continue;
        if (KeyNode *existing = dir->child(e.name)) {
            if (applyEntry(existing, e))
                changed.push_back(existing);
            continue;
        }
        auto node = newNode(e.name);
        node->parent = dir;
        applyEntry(node.get(), e);
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
                --m_nodeCount;
                continue;
            }
            unique.push_back(std::move(n));
        }
        insertNodes(dir, unique);
    }
    notifyChanged(changed);
}

void KeyTreeModel::notifyChanged(const std::vector<KeyNode *> &nodes)
{
    if (nodes.empty())
        return;
    // One dataChanged over the block of rows between the first and the last changed one.
    const KeyNode *parent = nodes.front()->parent;
    int first = INT_MAX;
    int last = -1;
    for (const KeyNode *n : nodes) {
        if (n->parent != parent || !isShown(n))
            continue;
        const int row = rowOf(n);
        if (row < 0)
            continue;
        first = std::min(first, row);
        last = std::max(last, row);
    }
    if (last < 0)
        return;
    const QModelIndex p = indexForNode(parent);
    Q_EMIT dataChanged(index(first, 0, p), index(last, ColumnCount - 1, p));
}

void KeyTreeModel::insertNodes(KeyNode *dir, std::vector<std::unique_ptr<KeyNode>> &nodes)
{
    KeyDir &d = dir->ensureDir();
    for (auto &n : nodes)
        n->parent = dir;
    const QModelIndex parentIndex = indexForNode(dir);
    if (!filtering()) {
        insertSorted(parentIndex, true, d.children, nodes);
        return;
    }
    std::vector<KeyNode *> shown;
    for (auto &n : nodes) {
        if (filterSubtree(n.get()))
            shown.push_back(n.get());
    }
    insertSorted(parentIndex, false, d.children, nodes);
    if (shown.empty())
        return;
    const bool reachable = isShown(dir);
    insertSorted(parentIndex, reachable, d.visible, shown);
    if (!reachable)
        showNode(dir);
}
