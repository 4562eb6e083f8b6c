// KeyTreeModel: the filter (visible lists beside the children) and hidden v2 names.
#include "keytreemodel.h"

#include "keydisplay.h"
#include "keynode.h"
#include "keytreelister.h"

void KeyTreeModel::setShowHidden(bool show)
{
    if (m_showHidden == show)
        return;
    m_showHidden = show;
    if (!show)
        removeHidden(m_root.get());
}

void KeyTreeModel::removeHidden(KeyNode *dir)
{
    if (!dir->dir)
        return;
    removeChildrenWhere(dir, [](KeyNode *n) { return n->has(KeyNode::Hidden); });
    for (const auto &child : dir->dir->children)
        removeHidden(child.get());
}

// ---- filter -----------------------------------------------------------------------------------

bool KeyTreeModel::matchesFilter(const KeyNode *node) const
{
    if (!filtering())
        return true;
    // Text with the separator in it ("app/db") is looked for in full keys, else in names.
    const char s = sep();
    if (uchar(s) < 0x80 && m_filterText.contains(QLatin1Char(s)))
        return displayKey(fullKey(node)).contains(m_filterText, Qt::CaseInsensitive);
    return displayKey(node->name).contains(m_filterText, Qt::CaseInsensitive);
}

bool KeyTreeModel::filterSubtree(KeyNode *node)
{
    bool anyChild = false;
    if (node->dir) {
        std::vector<KeyNode *> &visible = node->dir->visible;
        visible.clear();
        for (const auto &child : node->dir->children) {
            if (filterSubtree(child.get()))
                visible.push_back(child.get());
        }
        anyChild = !visible.empty();
    }
    const bool shown = node == m_root.get() || anyChild || matchesFilter(node);
    node->set(KeyNode::Visible, shown);
    return shown;
}

void KeyTreeModel::clearFilter(KeyNode *node)
{
    node->set(KeyNode::Visible, false);
    if (!node->dir)
        return;
    node->dir->visible.clear();
    node->dir->visible.shrink_to_fit();
    for (const auto &child : node->dir->children)
        clearFilter(child.get());
}

void KeyTreeModel::setFilterText(const QString &text)
{
    if (text == m_filterText)
        return;
    // A layout change, not a reset: views keep their expanded rows and selection.
    Q_EMIT layoutAboutToBeChanged();
    const QModelIndexList before = persistentIndexList();
    std::vector<KeyNode *> nodes;
    nodes.reserve(std::size_t(before.size()));
    for (const QModelIndex &idx : before)
        nodes.push_back(nodeFromIndex(idx));
    m_filterText = text;
    if (filtering())
        filterSubtree(m_root.get());
    else
        clearFilter(m_root.get());
    QModelIndexList after;
    after.reserve(before.size());
    for (qsizetype i = 0; i < before.size(); ++i)
        after << indexForNode(nodes[std::size_t(i)], before[i].column());
    changePersistentIndexList(before, after);
    Q_EMIT layoutChanged();
}

void KeyTreeModel::showNode(KeyNode *node)
{
    if (node == m_root.get() || node->has(KeyNode::Visible))
        return;
    KeyNode *parent = node->parent;
    std::vector<KeyNode *> &visible = parent->dir->visible;
    bool found = false;
    const std::size_t pos = KeyNode::lowerBound(visible, node->name, &found);
    const bool reachable = isShown(parent);
    if (reachable)
        beginInsertRows(indexForNode(parent), int(pos), int(pos));
    node->set(KeyNode::Visible);
    visible.insert(visible.begin() + std::ptrdiff_t(pos), node);
    if (reachable)
        endInsertRows();
    else
        showNode(parent);
}

void KeyTreeModel::hideNode(KeyNode *node)
{
    if (node == m_root.get() || !node->has(KeyNode::Visible))
        return;
    KeyNode *parent = node->parent;
    std::vector<KeyNode *> &visible = parent->dir->visible;
    bool found = false;
    const std::size_t pos = KeyNode::lowerBound(visible, node->name, &found);
    if (!found) {
        node->set(KeyNode::Visible, false);
        return;
    }
    const bool reachable = isShown(parent);
    if (reachable)
        beginRemoveRows(indexForNode(parent), int(pos), int(pos));
    visible.erase(visible.begin() + std::ptrdiff_t(pos));
    node->set(KeyNode::Visible, false);
    if (reachable)
        endRemoveRows();
    if (parent != m_root.get() && visible.empty() && !matchesFilter(parent))
        hideNode(parent);
}
