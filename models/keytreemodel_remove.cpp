// KeyTreeModel: removing rows (ranges of children, what a refresh did not see, keys that are no
// longer keys).
#include "keytreemodel.h"
#include "keytreemodel_p.h"

#include "keynode.h"

#include <algorithm>
#include <functional>
#include <memory>

// ---- removing ---------------------------------------------------------------------------------

void KeyTreeModel::removeChildren(KeyNode *dir, int first, int last)
{
    KeyDir &d = *dir->dir;
    std::vector<std::unique_ptr<KeyNode>> gone;
    // Listings below the removed rows must stop before their nodes are freed.
    for (int i = first; i <= last; ++i)
        d.children[std::size_t(i)]->set(KeyNode::Removing);
    std::vector<KeyNode *> stale;
    for (const auto &entry : m_listings) {
        for (KeyNode *n = entry.first; n; n = n->parent) {
            if (n->has(KeyNode::Removing)) {
                stale.push_back(entry.first);
                break;
            }
        }
    }
    for (KeyNode *n : stale)
        dropListing(n);

    const QModelIndex parentIndex = indexForNode(dir);
    const bool reachable = isShown(dir);
    if (!filtering()) {
        beginRemoveRows(parentIndex, first, last);
        gone.assign(std::make_move_iterator(d.children.begin() + first),
                    std::make_move_iterator(d.children.begin() + last + 1));
        d.children.erase(d.children.begin() + first, d.children.begin() + last + 1);
        endRemoveRows();
    } else {
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
            if (reachable)
                beginRemoveRows(parentIndex, vFirst, vFirst + vCount - 1);
            d.visible.erase(d.visible.begin() + vFirst, d.visible.begin() + vFirst + vCount);
            if (reachable)
                endRemoveRows();
        }
        gone.assign(std::make_move_iterator(d.children.begin() + first),
                    std::make_move_iterator(d.children.begin() + last + 1));
        d.children.erase(d.children.begin() + first, d.children.begin() + last + 1);
        if (dir != m_root.get() && dir->has(KeyNode::Visible) && d.visible.empty() &&
            !matchesFilter(dir))
            hideNode(dir);
    }
    for (const auto &n : gone)
        m_nodeCount -= n->subtreeSize();
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

void KeyTreeModel::dropUnseenChildren(KeyNode *dir)
{
    removeChildrenWhere(dir, [](KeyNode *n) {
        return !n->has(KeyNode::SeenKey) && !n->has(KeyNode::SeenDir);
    });
    std::vector<KeyNode *> changed;
    for (const auto &child : dir->dir->children) {
        KeyNode *n = child.get();
        if (n->has(KeyNode::IsKey) && !n->has(KeyNode::SeenKey)) {
            clearKey(n);
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

void KeyTreeModel::clearKey(KeyNode *n)
{
    n->set(KeyNode::IsKey, false);
    n->set(KeyNode::ValueLoaded, false);
    n->set(KeyNode::LargeValue, false);
    n->set(KeyNode::ValueQueued, false);
    n->value.reset();
    n->createRevision = n->modRevision = n->version = 0;
    n->leaseOrExpiry = 0;
    n->ttl = -1;
}
