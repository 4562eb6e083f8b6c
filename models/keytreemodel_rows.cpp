// KeyTreeModel: rows in and out, in ranges, with as few signals as the views need.
#include "keytreemodel.h"

#include "keynode.h"
#include "keytreecountdown.h"
#include "keytreeeventqueue.h"
#include "keytreefilter.h"
#include "keytreehighlight.h"
#include "keytreelister.h"
#include "keytreelisting.h"
#include "keytreereveal.h"

#include <algorithm>
#include <unordered_map>

void KeyTreeModel::reload()
{
    m_lister->reset();
    m_reveal->readDropped();
    beginResetModel();
    m_root = std::make_unique<KeyNode>();
    m_root->set(KeyNode::IsDir);
    m_root->ensureDir();
    m_listing->reset();
    // State keyed by rows goes; events stay (the new listing holds them until it is in, then
    // they apply idempotently).
    m_highlight->clear();
    m_countdown->clear();
    m_events->release();
    endResetModel();
    // A QAbstractItemModelTester (or a view) may have started the listing on modelReset.
    if (canFetchMore({}))
        m_listing->start(m_root.get(), false);
}

void KeyTreeModel::refresh(const QModelIndex &dirIndex)
{
    KeyNode *dir = nodeFromIndex(dirIndex);
    if (!m_lister->client() || !dir->has(KeyNode::IsDir))
        return;
    m_listing->start(dir, dir->has(KeyNode::Populated));
}

void KeyTreeModel::loadValues(const QModelIndexList &indexes)
{
    for (const QModelIndex &idx : indexes) {
        if (idx.isValid() && idx.model() == this)
            m_listing->wantValue(nodeFromIndex(idx));
    }
    m_lister->readWantedValues();
}

void KeyTreeModel::setShowHidden(bool show)
{
    m_listing->setShowHidden(show);
}

bool KeyTreeModel::showHidden() const
{
    return m_listing->showHidden();
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
    if (filtering()) {
        m_filter->insertChildren(dir, nodes);
        return;
    }
    const QModelIndex parent = indexForNode(dir);
    insertSortedRuns(
        d.children, nodes,
        [this, &parent](int first, int last) { beginInsertRows(parent, first, last); },
        [this] { endInsertRows(); });
}

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
    const bool filtered = filtering();
    if (filtered)
        m_filter->removeChildren(dir, first, last);
    else
        beginRemoveRows(indexForNode(dir), first, last);
    // The nodes are freed after the rows are gone (a slot may still look at them).
    std::vector<std::unique_ptr<KeyNode>> gone(
        std::make_move_iterator(d.children.begin() + first),
        std::make_move_iterator(d.children.begin() + last + 1));
    d.children.erase(d.children.begin() + first, d.children.begin() + last + 1);
    if (filtered)
        m_filter->hideIfEmpty(dir);
    else
        endRemoveRows();
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
