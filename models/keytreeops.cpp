#include "keytreeops.h"

#include "keynode.h"
#include "keytreeeventqueue.h"
#include "keytreehighlight.h"
#include "keytreelister.h"
#include "keytreemodel.h"
#include "leasettlcache.h"
#include "naturalsort.h"
#include "v3levellister.h"

#include <QSet>

#include <algorithm>
#include <climits>
#include <map>
#include <queue>
#include <unordered_set>

namespace {

struct NaturalLess
{
    bool operator()(const QByteArray &a, const QByteArray &b) const { return naturalLess(a, b); }
};

} // namespace

KeyTreeOps::KeyTreeOps(KeyTreeModel &model)
    : m(model)
    , m_v2(model.isV2())
    , m_sep(model.sep())
{
}

KeyTreeEntry KeyTreeOps::entryFor(const QByteArray &name, const KeyInfo &info) const
{
    KeyTreeEntry e;
    e.name = name;
    e.isDir = m_v2 && info.isDir;
    e.isKey = !e.isDir;
    e.info = info;
    return e;
}

// ---- runs of events ---------------------------------------------------------------------------

void KeyTreeOps::applyEvents(const std::vector<EtcdWatchEvent> &events)
{
    // v2 directory deletes remove whole subtrees: what came before and after them is applied
    // apart, so that order holds across keys. v3 has none (its directories follow the keys).
    std::size_t first = 0;
    for (std::size_t i = 0; i < events.size(); ++i) {
        if (m_v2 && events[i].isDir && events[i].isDelete()) {
            applyRun(events, first, i);
            applyRun(events, i, i + 1);
            first = i + 1;
        }
    }
    applyRun(events, first, events.size());
    Q_EMIT m.eventsApplied(int(events.size()));
}

void KeyTreeOps::applyRun(const std::vector<EtcdWatchEvent> &events, std::size_t first,
                          std::size_t last)
{
    if (first >= last)
        return;
    // Each event says all there is about its key after it, so in a run the newest event per
    // key is the only one that counts: a put then a delete ends deleted, a delete then a put
    // ends present with the put's metadata.
    // One revision never names a key twice (etcd refuses a txn that would), so a run of one
    // revision, such as a prefix delete of 100,000 keys, needs no set of the keys seen.
    const bool oneRevision = events[first].revision == events[last - 1].revision;
    QSet<QByteArray> seen;
    if (!oneRevision)
        seen.reserve(qsizetype(last - first));
    std::vector<Op> ops;
    ops.reserve(last - first);
    for (std::size_t i = last; i-- > first;) {
        const EtcdWatchEvent &e = events[i];
        if (!oneRevision) {
            const qsizetype before = seen.size();
            seen.insert(e.key);
            if (seen.size() == before)
                continue;
        }
        Op op;
        op.key = e.key;
        op.event = &e;
        op.revision = e.revision;
        op.remove = e.isDelete();
        if (!op.remove) {
            KeyInfo &info = op.info;
            info.key = e.key;
            info.value = e.value;
            info.valueLoaded = m_v2 && !e.isDir; // v3: decided by the row (see resolve)
            info.isDir = e.isDir;
            info.createRevision = e.createRevision;
            info.modRevision = e.revision;
            info.version = e.version;
            info.lease = e.lease;
            info.ttl = e.ttl;
            info.expiration = e.expiration;
        }
        ops.push_back(std::move(op));
    }
    std::reverse(ops.begin(), ops.end());
    // Each run starts from nothing planned.
    m_changed.clear();
    m_removals.clear();
    m_emptied.clear();
    m_insertOrder.clear();
    m_inserts.clear();
    m_highlighted.clear();
    for (Op &op : ops)
        resolve(op);
    apply(true);
}

// ---- edits ------------------------------------------------------------------------------------

void KeyTreeOps::applyPut(const KeyInfo &info)
{
    // Through the same path as watch events, after them: an edit is newer than anything queued.
    m.flushEvents();
    Op op;
    op.key = info.key;
    op.info = info;
    op.info.isDir = m_v2 && info.isDir;
    op.revision = info.modRevision;
    op.edit = true;
    resolve(op);
    apply(false);
}

void KeyTreeOps::applyDelete(const QByteArray &key)
{
    // A v3 key that is also a directory keeps its row as a directory while something is
    // below it; v3 directories left empty go; a v2 directory goes with its subtree.
    m.flushEvents();
    Op op;
    op.key = key;
    op.remove = true;
    op.edit = true;
    resolve(op);
    apply(false);
}

void KeyTreeOps::applyDeletePrefix(const QByteArray &prefix)
{
    m.flushEvents();
    deletePrefixIn(m.m_root.get(), m.m_lister->rootLevel(), prefix);
}

void KeyTreeOps::deletePrefixIn(KeyNode *dir, const QByteArray &dirPrefix, const QByteArray &prefix)
{
    if (!dir->dir)
        return;
    for (std::size_t i = 0; i < dir->dir->children.size(); ++i) {
        KeyNode *child = dir->dir->children[i].get();
        const QByteArray key = dirPrefix + child->name;
        if (key.startsWith(prefix) || !child->dir)
            continue;
        const QByteArray below = key + m_sep;
        if (below.startsWith(prefix)) {
            // Everything below goes; the key itself ("/a" for prefix "/a/") stays. A v3
            // directory that is no key goes whole below (one removal, not two).
            if ((m_v2 || child->has(KeyNode::IsKey)) && !child->dir->children.empty())
                m.removeChildren(child, 0, int(child->dir->children.size()) - 1);
        } else if (prefix.startsWith(below)) {
            deletePrefixIn(child, below, prefix);
        }
    }
    m.removeChildrenWhere(dir, [&](KeyNode *n) {
        const QByteArray key = dirPrefix + n->name;
        if (key.startsWith(prefix))
            return true;
        if (m_v2 || n->has(KeyNode::IsKey) || !n->has(KeyNode::IsDir))
            return false;
        // A v3 virtual directory exists only through its keys: it goes when they all went,
        // whether it was listed (now empty) or never listed (its whole subtree was deleted).
        if ((key + m_sep).startsWith(prefix))
            return true;
        return n->has(KeyNode::Populated) && n->dir && n->dir->children.empty();
    });
}

void KeyTreeOps::pruneIfEmpty(KeyNode *dir)
{
    if (m_v2)
        return;
    while (dir && dir != m.m_root.get() && !dir->has(KeyNode::IsKey) &&
           dir->has(KeyNode::Populated) && dir->dir && dir->dir->children.empty()) {
        KeyNode *parent = dir->parent;
        m.removeNode(dir);
        dir = parent;
    }
}

// ---- resolving: where each change lands -------------------------------------------------------

void KeyTreeOps::resolve(Op &op)
{
    const QByteArray &key = op.key;
    // A key with an older event held must wait behind it.
    if (!op.edit && m.m_events->isHeld(key)) {
        m.m_events->hold(*op.event);
        return;
    }
    KeyNode *dir = m.m_root.get();
    KeyNode *node = nullptr;
    QByteArray prefix = m.m_lister->rootLevel();
    if (!key.startsWith(prefix)) {
        // v2: the browsed directory itself was deleted.
        if (m_v2 && op.remove && prefix.startsWith(key + '/') && dir->dir &&
            dir->has(KeyNode::Populated)) {
            for (const auto &child : dir->dir->children)
                m_removals.push_back(child.get());
        }
        return;
    }
    for (;;) {
        if (dir->has(KeyNode::Loading) && !op.edit) {
            // The listing's answer may be older than this event: apply it after the level is
            // in (then the revision guards below sort out which is newer).
            m.m_events->hold(*op.event);
            return;
        }
        if (!dir->has(KeyNode::Populated) && !dir->has(KeyNode::Loading)) {
            // Not listed: nothing is shown below, it lists fresh when opened. But a v3
            // directory row exists only through its keys: after a delete below it, ask whether
            // any is left.
            if (!m_v2 && dir != m.m_root.get() && dir->has(KeyNode::IsDir)) {
                if (op.remove)
                    m.m_lister->checkDirectory(prefix.chopped(1), op.revision);
                else
                    m.m_lister->raiseDirectoryCheck(prefix.chopped(1), op.revision);
            }
            return;
        }
        bool leaf = false;
        const QByteArray name = m.nameOf(dir, prefix, key, &leaf);
        if (m_v2 && !m.showHidden() && name.startsWith('_'))
            return;
        KeyNode *child = dir->child(name);
        if (!child) {
            if (!op.remove) {
                Inserts &ins = m_inserts[dir];
                if (ins.ops.empty()) {
                    ins.prefix = prefix;
                    m_insertOrder.push_back(dir);
                }
                ins.ops.push_back(&op);
            }
            return;
        }
        if (leaf) {
            node = child;
            break;
        }
        if (op.edit)
            child->set(KeyNode::SeenDir); // a refresh in flight keeps it
        if (!child->has(KeyNode::IsDir)) {
            if (op.remove || m_v2)
                return; // nothing can be below a plain key
            // v3: a key that becomes a prefix as well ("/a", then "/a/b"): nothing else can be
            // below it yet, so the new level is complete.
            child->set(KeyNode::IsDir);
            child->ensureDir();
            child->set(KeyNode::Populated);
            m_changed.push_back(child);
        }
        prefix += name;
        prefix += m_sep;
        dir = child;
    }

    const bool v2Dir = m_v2 && node->has(KeyNode::IsDir);
    if (op.remove) {
        if (!node->has(KeyNode::IsKey) && !v2Dir)
            return; // a v3 directory row only: no such key
        // Replayed history: the row is newer than this delete (the key came back since).
        if (!op.edit && (node->modRevision > op.revision || node->createRevision > op.revision))
            return;
        if (m_v2) {
            m_removals.push_back(node);
            return;
        }
        // v3: the row goes unless it is (or, with a put below it in this run, becomes) a
        // directory with something left below it ("/a" deleted while "/a/b" stays): decided
        // with the rest of the run in apply().
        node->clearKey();
        m_changed.push_back(node);
        m_emptied.push_back(node);
        return;
    }
    // A put no newer than the row changes nothing (a replay, or an edit's own echo).
    const bool hasMeta = node->has(KeyNode::IsKey) || v2Dir;
    if (!op.edit && hasMeta && op.revision <= node->modRevision)
        return;
    if (!m_v2 && !op.edit) {
        // The event carries the value: keep it only where a preview already wanted one.
        op.info.valueLoaded = node->has(KeyNode::ValueLoaded) || node->has(KeyNode::ValueQueued);
    }
    if (!m_v2 && op.info.lease && m.leaseCache())
        m.leaseCache()->invalidate(op.info.lease); // a put may come with a keep-alive: ask again
    if (node->take(entryFor(node->name, op.info), m_v2)) {
        m_changed.push_back(node);
        if (!op.edit && m.m_highlight->duration() > 0) {
            node->set(KeyNode::Highlighted);
            m_highlighted.push_back(key);
        }
    }
}

// New rows for the ops below `prefix`, grouped by their next name, in natural order.
std::vector<std::unique_ptr<KeyNode>> KeyTreeOps::buildNodes(const QByteArray &prefix,
                                                             std::vector<const Op *> &ops,
                                                             bool topLevel, bool complete,
                                                             bool highlight)
{
    struct Group
    {
        const Op *self = nullptr;
        std::vector<const Op *> below;
    };
    std::map<QByteArray, Group, NaturalLess> groups;
    for (const Op *op : ops) {
        bool leaf = false;
        QByteArray name = V3LevelLister::childName(prefix, op->key, m_sep, topLevel, &leaf);
        if (m_v2 && !m.showHidden() && name.startsWith('_'))
            continue;
        Group &g = groups[name];
        if (leaf)
            g.self = op;
        else
            g.below.push_back(op);
    }
    std::vector<std::unique_ptr<KeyNode>> nodes;
    nodes.reserve(groups.size());
    for (auto &[name, g] : groups) {
        std::unique_ptr<KeyNode> node = KeyNode::create(name, m_v2);
        if (g.self) {
            node->take(entryFor(name, g.self->info), m_v2);
            if (node->has(KeyNode::IsDir)) // a new, empty v2 directory
                node->set(KeyNode::Populated);
        }
        if (!g.below.empty()) {
            node->set(KeyNode::IsDir);
            node->set(KeyNode::SeenDir);
            node->ensureDir();
            if (m_v2 && !g.self) {
                // etcd v2 created the directory with the first key below it, at its index.
                qint64 first = LLONG_MAX;
                for (const Op *op : g.below)
                    first = std::min(first, op->revision);
                node->createRevision = node->modRevision = first;
            }
            // Below a level still being listed a new directory may hold more than these keys:
            // it is left to be listed when opened.
            if (complete) {
                node->set(KeyNode::Populated);
                node->dir->children =
                    buildNodes(prefix + name + m_sep, g.below, false, true, highlight);
                for (auto &c : node->dir->children)
                    c->parent = node.get();
            }
        }
        if (highlight) {
            node->set(KeyNode::Highlighted);
            m_highlighted.push_back(prefix + name);
        }
        nodes.push_back(std::move(node));
    }
    return nodes;
}

// ---- applying: removals, inserts, changes -----------------------------------------------------

void KeyTreeOps::apply(bool highlight)
{
    highlight = highlight && m.m_highlight->duration() > 0;
    // Which rows go. A v3 directory goes with its last key (bottom up, so a chain of
    // directories left empty goes as one removal of its top).
    std::unordered_set<KeyNode *> planned(m_removals.begin(), m_removals.end());
    std::unordered_map<KeyNode *, std::size_t> goingIn; // parent -> children planned to go
    for (KeyNode *n : m_removals)
        ++goingIn[n->parent];
    if (!m_v2) {
        auto depth = [](const KeyNode *n) {
            int d = 0;
            for (; n->parent; n = n->parent)
                ++d;
            return d;
        };
        std::priority_queue<std::pair<int, KeyNode *>> candidates; // deepest first
        std::unordered_set<KeyNode *> pushed;
        auto consider = [&](KeyNode *n) {
            if (pushed.insert(n).second)
                candidates.emplace(depth(n), n);
        };
        for (KeyNode *n : m_emptied) {
            if (n->has(KeyNode::IsDir) || n->has(KeyNode::IsKey)) {
                consider(n);
                continue;
            }
            // A plain key deleted: it goes; only its directory needs a decision.
            planned.insert(n);
            m_removals.push_back(n);
            ++goingIn[n->parent];
        }
        for (const auto &entry : goingIn)
            consider(entry.first);
        std::unordered_set<KeyNode *> visited;
        while (!candidates.empty()) {
            KeyNode *p = candidates.top().second;
            candidates.pop();
            if (!visited.insert(p).second || p == m.m_root.get() || planned.count(p) ||
                p->has(KeyNode::IsKey) || p->has(KeyNode::Loading))
                continue;
            bool empty = !p->has(KeyNode::IsDir);
            if (!empty && p->has(KeyNode::Populated)) {
                const std::size_t children = p->dir ? p->dir->children.size() : 0;
                const auto it = goingIn.find(p);
                empty = children == (it == goingIn.end() ? 0 : it->second) && !m_inserts.count(p);
            }
            if (!empty)
                continue;
            planned.insert(p);
            m_removals.push_back(p);
            ++goingIn[p->parent];
            consider(p->parent);
        }
    }
    // Rows inside a subtree that goes anyway are not removed (nor notified) on their own.
    auto insidePlanned = [&planned](const KeyNode *n) {
        if (planned.empty())
            return false;
        for (const KeyNode *a = n->parent; a; a = a->parent) {
            if (planned.count(const_cast<KeyNode *>(a)))
                return true;
        }
        return false;
    };
    std::vector<KeyNode *> removals;
    removals.reserve(m_removals.size());
    for (KeyNode *n : m_removals) {
        if (!insidePlanned(n))
            removals.push_back(n);
    }
    std::vector<KeyNode *> changed;
    changed.reserve(m_changed.size());
    {
        std::unordered_set<KeyNode *> once;
        for (KeyNode *n : m_changed) {
            if (!planned.count(n) && !insidePlanned(n) && once.insert(n).second)
                changed.push_back(n);
        }
    }
    removeGrouped(removals);

    for (KeyNode *dir : m_insertOrder) {
        Inserts &ins = m_inserts[dir];
        std::vector<std::unique_ptr<KeyNode>> nodes =
            buildNodes(ins.prefix, ins.ops, !m_v2 && dir == m.m_root.get(),
                       dir->has(KeyNode::Populated), highlight);
        if (!nodes.empty())
            m.insertNodes(dir, nodes);
    }
    m.notifyChanged(changed);
    if (highlight)
        m.m_highlight->add(m_highlighted);
}

void KeyTreeOps::removeGrouped(std::vector<KeyNode *> &nodes)
{
    // Per directory: positions, then contiguous ranges removed from the back (so the
    // positions in front stay right), one beginRemoveRows per range.
    std::unordered_map<KeyNode *, std::vector<KeyNode *>> byParent;
    std::vector<KeyNode *> parents;
    for (KeyNode *n : nodes) {
        std::vector<KeyNode *> &group = byParent[n->parent];
        if (group.empty())
            parents.push_back(n->parent);
        group.push_back(n);
    }
    for (KeyNode *p : parents) {
        std::vector<KeyNode *> &group = byParent[p];
        std::sort(group.begin(), group.end());
        group.erase(std::unique(group.begin(), group.end()), group.end());
        const std::size_t size = p->dir->children.size();
        if (group.size() == size) {
            // Every row (a directory emptied at once): no need to look them up.
            m.removeChildren(p, 0, int(size) - 1);
            continue;
        }
        std::vector<int> rows;
        rows.reserve(group.size());
        for (KeyNode *n : group) {
            bool found = false;
            const std::size_t i = KeyNode::lowerBound(p->dir->children, n->name, &found);
            if (found)
                rows.push_back(int(i));
        }
        std::sort(rows.begin(), rows.end());
        rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
        std::size_t end = rows.size();
        while (end > 0) {
            std::size_t begin = end - 1;
            while (begin > 0 && rows[begin - 1] == rows[begin] - 1)
                --begin;
            m.removeChildren(p, rows[begin], rows[end - 1]);
            end = begin;
        }
    }
}
