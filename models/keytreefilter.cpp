#include "keytreefilter.h"

#include "keydisplay.h"
#include "keynode.h"
#include "keytreemodel.h"

KeyTreeFilter::KeyTreeFilter(KeyTreeModel &model)
    : m(model)
{
}

bool KeyTreeFilter::matches(const KeyNode *node) const
{
    if (!active())
        return true;
    // Text with the separator in it ("app/db") is looked for in full keys, else in names.
    const char s = m.sep();
    if (uchar(s) < 0x80 && m_text.contains(QLatin1Char(s)))
        return displayKey(m.fullKey(node)).contains(m_text, Qt::CaseInsensitive);
    return displayKey(node->name).contains(m_text, Qt::CaseInsensitive);
}

bool KeyTreeFilter::filterSubtree(KeyNode *node)
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
    const bool shown = node == m.m_root.get() || anyChild || matches(node);
    node->set(KeyNode::Visible, shown);
    return shown;
}

void KeyTreeFilter::clear(KeyNode *node)
{
    node->set(KeyNode::Visible, false);
    if (!node->dir)
        return;
    node->dir->visible.clear();
    node->dir->visible.shrink_to_fit();
    for (const auto &child : node->dir->children)
        clear(child.get());
}

void KeyTreeFilter::setText(const QString &text)
{
    if (text == m_text)
        return;
    Q_EMIT m.layoutAboutToBeChanged();
    const QModelIndexList before = m.persistentIndexList();
    std::vector<KeyNode *> nodes;
    nodes.reserve(std::size_t(before.size()));
    for (const QModelIndex &idx : before)
        nodes.push_back(m.nodeFromIndex(idx));
    m_text = text;
    if (active())
        filterSubtree(m.m_root.get());
    else
        clear(m.m_root.get());
    QModelIndexList after;
    after.reserve(before.size());
    for (qsizetype i = 0; i < before.size(); ++i)
        after << m.indexForNode(nodes[std::size_t(i)], before[i].column());
    m.changePersistentIndexList(before, after);
    Q_EMIT m.layoutChanged();
}

void KeyTreeFilter::insertChildren(KeyNode *dir, std::vector<std::unique_ptr<KeyNode>> &nodes)
{
    KeyDir &d = *dir->dir;
    std::vector<KeyNode *> shown;
    for (auto &n : nodes) {
        if (filterSubtree(n.get()))
            shown.push_back(n.get());
    }
    auto quiet = [](int, int) {
    };
    insertSortedRuns(d.children, nodes, quiet, [] {});
    if (shown.empty())
        return;
    if (!m.isShown(dir)) {
        insertSortedRuns(d.visible, shown, quiet, [] {});
        show(dir);
        return;
    }
    const QModelIndex parent = m.indexForNode(dir);
    insertSortedRuns(
        d.visible, shown,
        [this, &parent](int first, int last) { m.beginInsertRows(parent, first, last); },
        [this] { m.endInsertRows(); });
}

void KeyTreeFilter::removeChildren(KeyNode *dir, int first, int last)
{
    KeyDir &d = *dir->dir;
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
    if (vCount == 0)
        return;
    const bool reachable = m.isShown(dir);
    if (reachable)
        m.beginRemoveRows(m.indexForNode(dir), vFirst, vFirst + vCount - 1);
    d.visible.erase(d.visible.begin() + vFirst, d.visible.begin() + vFirst + vCount);
    if (reachable)
        m.endRemoveRows();
}

void KeyTreeFilter::hideIfEmpty(KeyNode *dir)
{
    if (dir != m.m_root.get() && dir->has(KeyNode::Visible) && dir->dir->visible.empty() &&
        !matches(dir))
        hide(dir);
}

void KeyTreeFilter::show(KeyNode *node)
{
    if (node == m.m_root.get() || node->has(KeyNode::Visible))
        return;
    KeyNode *parent = node->parent;
    std::vector<KeyNode *> &visible = parent->dir->visible;
    bool found = false;
    const std::size_t pos = KeyNode::lowerBound(visible, node->name, &found);
    const bool reachable = m.isShown(parent);
    if (reachable)
        m.beginInsertRows(m.indexForNode(parent), int(pos), int(pos));
    node->set(KeyNode::Visible);
    visible.insert(visible.begin() + std::ptrdiff_t(pos), node);
    if (reachable)
        m.endInsertRows();
    else
        show(parent);
}

void KeyTreeFilter::hide(KeyNode *node)
{
    if (node == m.m_root.get() || !node->has(KeyNode::Visible))
        return;
    KeyNode *parent = node->parent;
    std::vector<KeyNode *> &visible = parent->dir->visible;
    bool found = false;
    const std::size_t pos = KeyNode::lowerBound(visible, node->name, &found);
    if (!found) {
        node->set(KeyNode::Visible, false);
        return;
    }
    const bool reachable = m.isShown(parent);
    if (reachable)
        m.beginRemoveRows(m.indexForNode(parent), int(pos), int(pos));
    visible.erase(visible.begin() + std::ptrdiff_t(pos));
    node->set(KeyNode::Visible, false);
    if (reachable)
        m.endRemoveRows();
    hideIfEmpty(parent);
}
