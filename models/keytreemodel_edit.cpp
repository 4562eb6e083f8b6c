// KeyTreeModel: incremental updates (prefix deletes, pruning), the filter and "go to key".
#include "keytreemodel.h"
#include "keytreemodel_p.h"

#include "etcdclient.h"
#include "etcdv2client.h"
#include "keydisplay.h"
#include "keynode.h"

namespace {

EtcdError notFound(const QByteArray &key)
{
    EtcdError error(EtcdError::Kind::Etcd,
                    KeyTreeModel::tr("Key %1 was not found.").arg(displayKey(key)));
    error.setCondition(EtcdError::Condition::KeyNotFound);
    return error;
}

} // namespace

// ---- incremental updates ----------------------------------------------------------------------

KeyTreeModel::Entry KeyTreeModel::entryFor(const QByteArray &name, const KeyInfo &info) const
{
    Entry e;
    e.name = name;
    e.isDir = m_v2 && info.isDir;
    e.isKey = !e.isDir;
    e.info = info;
    return e;
}

void KeyTreeModel::removeNode(KeyNode *node)
{
    KeyNode *parent = node->parent;
    bool found = false;
    const std::size_t i = KeyNode::lowerBound(parent->dir->children, node->name, &found);
    if (found)
        removeChildren(parent, int(i), int(i));
}

void KeyTreeModel::pruneIfEmpty(KeyNode *dir)
{
    // v3 directories exist only through the keys below them.
    if (m_v2)
        return;
    while (dir && dir != m_root.get() && !dir->has(KeyNode::IsKey) &&
           dir->has(KeyNode::Populated) && dir->dir && dir->dir->children.empty()) {
        KeyNode *parent = dir->parent;
        removeNode(dir);
        dir = parent;
    }
}

// applyPut and applyDelete: keytreemodel_events.cpp (the path watch events take).

void KeyTreeModel::applyDeletePrefix(const QByteArray &prefix)
{
    flushEvents();
    deletePrefixIn(m_root.get(), m_activePrefix, prefix);
}

void KeyTreeModel::deletePrefixIn(KeyNode *dir, const QByteArray &dirPrefix,
                                  const QByteArray &prefix)
{
    if (!dir->dir)
        return;
    for (std::size_t i = 0; i < dir->dir->children.size(); ++i) {
        KeyNode *child = dir->dir->children[i].get();
        const QByteArray key = dirPrefix + child->name;
        if (key.startsWith(prefix) || !child->dir)
            continue;
        const QByteArray below = key + sep();
        if (below.startsWith(prefix)) {
            // Everything below goes; the key itself ("/a" for prefix "/a/") stays. A v3
            // directory that is no key goes whole below (one removal, not two).
            if ((m_v2 || child->has(KeyNode::IsKey)) && !child->dir->children.empty())
                removeChildren(child, 0, int(child->dir->children.size()) - 1);
        } else if (prefix.startsWith(below)) {
            deletePrefixIn(child, below, prefix);
        }
    }
    const bool v2 = m_v2;
    removeChildrenWhere(dir, [&](KeyNode *n) {
        const QByteArray key = dirPrefix + n->name;
        if (key.startsWith(prefix))
            return true;
        if (v2 || n->has(KeyNode::IsKey) || !n->has(KeyNode::IsDir))
            return false;
        // A v3 virtual directory exists only through its keys: it goes when they all went,
        // whether it was listed (now empty) or never listed (its whole subtree was deleted).
        if ((key + sep()).startsWith(prefix))
            return true;
        return n->has(KeyNode::Populated) && n->dir && n->dir->children.empty();
    });
}

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
    if (m_filterOnKey)
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
    const char s = sep();
    m_filterOnKey = uchar(s) < 0x80 && text.contains(QLatin1Char(s));
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

// ---- go to key --------------------------------------------------------------------------------

void KeyTreeModel::revealKey(const QByteArray &key)
{
    if (m_reveal && m_reveal->call)
        m_reveal->call->cancel();
    m_reveal = std::make_unique<Reveal>();
    m_reveal->key = key;
    if (!m_client) {
        finishReveal(EtcdError(EtcdError::Kind::Cancelled, tr("Not connected.")));
        return;
    }
    if (!m_reloaded) {
        reload(); // lists the top level; its levelLoaded continues the reveal
        return;
    }
    continueReveal();
}

void KeyTreeModel::continueReveal()
{
    if (!m_reveal || m_reveal->call)
        return;
    const QByteArray key = m_reveal->key;
    KeyNode *dir = m_root.get();
    QByteArray prefix = m_activePrefix;
    if (!key.startsWith(prefix)) {
        finishReveal(notFound(key));
        return;
    }
    for (;;) {
        if (!dir->has(KeyNode::Populated)) {
            // Listed first; levelLoaded brings us back here.
            if (!dir->has(KeyNode::Loading))
                startListing(dir, false);
            return;
        }
        bool leaf = false;
        const QByteArray name = nameOf(dir, prefix, key, &leaf);
        KeyNode *child = dir->child(name);
        if (!child) {
            if (dir->has(KeyNode::Loading))
                return; // a refresh in flight may still bring it
            if (m_v2 && name.startsWith('_')) {
                revealHidden(dir, prefix + name);
                return;
            }
            finishReveal(notFound(key));
            return;
        }
        if (leaf) {
            const QModelIndex idx = indexForNode(child);
            if (!idx.isValid()) {
                finishReveal(EtcdError(EtcdError::Kind::Cancelled,
                                       tr("Key %1 is hidden by the filter.").arg(displayKey(key))));
                return;
            }
            m_reveal.reset();
            Q_EMIT keyRevealed(idx);
            return;
        }
        if (!child->has(KeyNode::IsDir)) {
            finishReveal(notFound(key));
            return;
        }
        prefix += name;
        prefix += sep();
        dir = child;
    }
}

void KeyTreeModel::revealHidden(KeyNode *dir, const QByteArray &path)
{
    // etcd leaves "_" names out of listings; they can only be read by path.
    if (!m_showHidden) {
        finishReveal(EtcdError(EtcdError::Kind::Cancelled,
                               tr("%1 is a hidden key; show hidden keys to go to it.")
                                   .arg(displayKey(path))));
        return;
    }
    // The directory may be dropped or listed again meanwhile: find it again by key.
    const bool atRoot = dir == m_root.get();
    const QByteArray dirKey = atRoot ? QByteArray() : fullKey(dir);
    m_reveal->call = m_client->v2()->get(
        path, {}, this, [this, atRoot, dirKey, path](const EtcdResult<EtcdV2Response> &r) {
            m_reveal->call = nullptr;
            if (!r.ok()) {
                finishReveal(r.error);
                return;
            }
            KeyNode *d = atRoot ? m_root.get() : findNode(dirKey);
            if (d && d->has(KeyNode::Populated)) {
                Entry e;
                e.name = path.mid(childPrefix(d).size());
                e.isDir = r.value.node.dir;
                e.isKey = !e.isDir;
                e.info = KeyInfo::fromV2(r.value.node);
                mergeEntries(d, {e});
            }
            continueReveal();
        });
}

void KeyTreeModel::finishReveal(const EtcdError &error)
{
    if (!m_reveal)
        return;
    const QByteArray key = m_reveal->key;
    m_reveal.reset();
    Q_EMIT revealFailed(key, error);
}
