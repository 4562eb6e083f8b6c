#include "keytreelisting.h"

#include "heapuse.h"
#include "keynode.h"
#include "keytreelister.h"
#include "keytreemodel.h"
#include "keytreeops.h"
#include "keytreereveal.h"
#include "naturalsort.h"

#include <QTimer>

#include <algorithm>

namespace {

// A level this big returns its replies' memory to the system when it is listed.
constexpr std::size_t bigLevelRows = 10000;

void notifyLoading(KeyTreeModel &model, const QModelIndex &dir)
{
    if (dir.isValid())
        Q_EMIT model.dataChanged(
            dir, dir, {KeyTreeModel::LoadingRole, KeyTreeModel::ChildCountRole, Qt::ToolTipRole});
}

} // namespace

KeyTreeListing::KeyTreeListing(KeyTreeModel &model)
    : QObject(&model)
    , m(model)
{
}

void KeyTreeListing::follow(KeyTreeLister *lister)
{
    if (m.m_lister)
        m.m_lister->disconnect(this);
    connect(lister, &KeyTreeLister::levelListed, this, &KeyTreeListing::onLevelListed);
    connect(lister, &KeyTreeLister::levelFinished, this, &KeyTreeListing::onLevelFinished);
    connect(lister, &KeyTreeLister::valuesRead, this, &KeyTreeListing::onValuesRead);
    connect(lister, &KeyTreeLister::keyRead, this,
            [this](const QByteArray &key, const KeyInfo &info, const EtcdError &error) {
                m.m_reveal->keyRead(key, info, error);
            });
    connect(lister, &KeyTreeLister::directoryChecked, this, &KeyTreeListing::onDirectoryChecked);
}

// ---- levels -----------------------------------------------------------------------------------

void KeyTreeListing::start(KeyNode *dir, bool refresh)
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
    const QByteArray level = m.childPrefix(dir);
    const QModelIndex index = m.indexForNode(dir);
    notifyLoading(m, index);
    Q_EMIT m.levelLoadingStarted(index);
    // A slot may have removed the row or restarted its listing.
    if (m.findLevel(level) == dir && dir->has(KeyNode::Loading))
        m.m_lister->listLevel(level, dir->dir->listHint);
}

void KeyTreeListing::onLevelListed(const QByteArray &level,
                                   const std::vector<KeyTreeEntry> &entries)
{
    if (KeyNode *dir = m.findLevel(level); dir && dir->has(KeyNode::Loading))
        merge(dir, entries);
}

void KeyTreeListing::onLevelFinished(const QByteArray &level, qint64 revision,
                                     const EtcdError &error)
{
    KeyNode *dir = m.findLevel(level);
    if (!dir || !dir->has(KeyNode::Loading))
        return;
    const bool isRoot = dir == m.m_root.get();
    dir->set(KeyNode::Loading, false);
    if (isRoot && !error)
        m_rootRevision = revision;
    if (error) {
        dir->set(KeyNode::Failed);
        const QModelIndex index = m.indexForNode(dir);
        notifyLoading(m, index);
        Q_EMIT m.levelFailed(index, error);
        m.m_reveal->levelFailed(level, isRoot, error);
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
    const QModelIndex index = m.indexForNode(dir);
    notifyLoading(m, index);
    Q_EMIT m.levelLoaded(index);
    m.m_reveal->walk();
}

void KeyTreeListing::merge(KeyNode *dir, const std::vector<KeyTreeEntry> &entries)
{
    const bool v2 = m.isV2();
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
        m.insertNodes(dir, unique);
    }
    m.notifyChanged(changed);
}

void KeyTreeListing::dropUnseenChildren(KeyNode *dir)
{
    m.removeChildrenWhere(
        dir, [](KeyNode *n) { return !n->has(KeyNode::SeenKey) && !n->has(KeyNode::SeenDir); });
    std::vector<KeyNode *> changed;
    for (const auto &child : dir->dir->children) {
        KeyNode *n = child.get();
        if (n->has(KeyNode::IsKey) && !n->has(KeyNode::SeenKey)) {
            n->clearKey();
            changed.push_back(n);
        }
        if (n->has(KeyNode::IsDir) && !n->has(KeyNode::SeenDir)) {
            // No longer a directory: its rows go, and so does a listing of it on its way (its
            // answer would find no directory to land in, and the row would stay "loading" for
            // good once it is a directory again: seen in tst_livetree's resync).
            if (n->has(KeyNode::Loading))
                m.m_lister->stopListings(m.childPrefix(n));
            if (n->dir && !n->dir->children.empty())
                m.removeChildren(n, 0, int(n->dir->children.size()) - 1);
            for (const KeyNode::Flag f : {KeyNode::IsDir, KeyNode::Populated, KeyNode::Loading,
                                          KeyNode::Refreshing, KeyNode::Failed})
                n->set(f, false);
            changed.push_back(n);
        }
    }
    m.notifyChanged(changed);
}

void KeyTreeListing::onDirectoryChecked(const QByteArray &dirKey, bool exists)
{
    KeyNode *node = m.findNode(dirKey);
    // Listed meanwhile (or being listed): the listing knows better.
    if (exists || !node || !node->has(KeyNode::IsDir) || node->has(KeyNode::Populated) ||
        node->has(KeyNode::Loading))
        return;
    if (node->has(KeyNode::IsKey)) {
        node->set(KeyNode::IsDir, false);
        m.notifyChanged({node});
        return;
    }
    KeyNode *parent = node->parent;
    m.removeNode(node);
    KeyTreeOps(m).pruneIfEmpty(parent);
}

void KeyTreeListing::setShowHidden(bool show)
{
    if (m_showHidden == show)
        return;
    m_showHidden = show;
    if (!show)
        removeHidden(m.m_root.get());
}

void KeyTreeListing::removeHidden(KeyNode *dir)
{
    if (!dir->dir)
        return;
    m.removeChildrenWhere(dir, [](KeyNode *n) { return n->has(KeyNode::Hidden); });
    for (const auto &child : dir->dir->children)
        removeHidden(child.get());
}

// ---- values -----------------------------------------------------------------------------------

void KeyTreeListing::wantValue(const KeyNode *node) const
{
    if (node->has(KeyNode::ValueLoaded) || node->has(KeyNode::ValueQueued) ||
        !node->has(KeyNode::IsKey))
        return;
    // data() only notes the wish; the lister reads from the event loop.
    const_cast<KeyNode *>(node)->set(KeyNode::ValueQueued);
    m.m_lister->wantValue(m.fullKey(node));
}

void KeyTreeListing::onValuesRead(const QList<KeyInfo> &values)
{
    const bool v2 = m.isV2();
    for (const KeyInfo &info : values) {
        KeyNode *node = m.findNode(info.key);
        if (!node || !node->has(KeyNode::IsKey) || info.modRevision < node->modRevision)
            continue;
        if (info.modRevision > node->modRevision)
            node->setMeta(info, v2);
        node->setValue(info.value);
        if (const QModelIndex first = m.indexForNode(node, 0); first.isValid())
            Q_EMIT m.dataChanged(first, first.siblingAtColumn(KeyTreeModel::ColumnCount - 1));
    }
}
