// KeyTreeModel: watch events applied to the loaded tree, coalesced once per frame and grouped
// into row ranges per directory.
#include "keytreemodel.h"
#include "keytreemodel_p.h"

#include "keynode.h"
#include "naturalsort.h"
#include "v3levellister.h"

#include <algorithm>
#include <climits>
#include <map>
#include <queue>
#include <unordered_set>

namespace {

// etcd's default --max-txn-ops: one revision carrying more events than this is a range delete.
constexpr std::size_t maxTxnOps = 128;
// A range delete still arriving is held back until a frame passes without more of it, or at
// most this long (a bound on how late the tree shows it when it trickles in).
constexpr qint64 maxHoldMs = 5000;
// At most this many events applied in one frame (rounded up to a whole revision): ~20 ms here.
constexpr std::size_t maxEventsPerApply = 20000;

struct NaturalLess
{
    bool operator()(const QByteArray &a, const QByteArray &b) const { return naturalLess(a, b); }
};

} // namespace

// One change to make: the newest event for its key in a run, or an edit of the user's.
struct KeyTreeModel::EventOp
{
    QByteArray key;
    KeyInfo info;          // puts
    qint64 revision = 0;   // of the change (v3 header revision for deletes)
    bool remove = false;
    bool edit = false;     // applyPut/applyDelete: not held, not highlighted, no revision guard
    const EtcdWatchEvent *event = nullptr;
};

// What resolving a run of ops decided, applied afterwards in as few signals as possible.
struct KeyTreeModel::OpSink
{
    struct Inserts
    {
        QByteArray prefix; // of the directory's children
        std::vector<const EventOp *> ops;
    };
    std::vector<KeyNode *> changed;  // rows whose data changed
    std::vector<KeyNode *> removals; // rows that go with their subtrees
    std::vector<KeyNode *> emptied;  // v3 rows that lost their key: may go if nothing is below
    std::vector<KeyNode *> insertOrder;
    std::unordered_map<KeyNode *, Inserts> inserts; // new names below listed directories
    std::vector<QByteArray> highlighted;
    struct Check
    {
        QByteArray dirKey;
        qint64 revision;
        bool remove;
    };
    std::vector<Check> checks; // events below v3 directory rows not listed
    std::vector<const EventOp *> held;
};

void KeyTreeModel::setUpLiveUpdates()
{
    m_clock.start();
    m_applyTimer.setSingleShot(true);
    connect(&m_applyTimer, &QTimer::timeout, this, [this] { applyQueued(false); });
    m_highlightTimer.setSingleShot(true);
    connect(&m_highlightTimer, &QTimer::timeout, this, &KeyTreeModel::expireHighlights);
    m_countdownTimer.setInterval(1000);
    connect(&m_countdownTimer, &QTimer::timeout, this, &KeyTreeModel::tickCountdown);
    connect(this, &KeyTreeModel::levelLoaded, this, &KeyTreeModel::onLevelSettled);
    connect(this, &KeyTreeModel::levelFailed, this,
            [this](const QModelIndex &dir, const EtcdError &error) {
                // A v2 directory below the root deleted while the watch was away answers 404:
                // not a failure of the resync. Its row goes with its parent's listing (also
                // re-read) or, if that answer is older than the delete, with the delete event
                // the watch replays from the resync's revision.
                const bool gone = dir.isValid() && error.is(EtcdError::Condition::KeyNotFound);
                if (m_resync && m_resync->started && !gone)
                    m_resync->error = error;
                onLevelSettled();
            });
    connect(this, &QAbstractItemModel::modelAboutToBeReset, this, [this] {
        // Every node goes: state keyed by rows is dropped; events are kept (the new listing
        // holds them until it is in, then they apply idempotently).
        ++m_resets;
        for (const DirCheck &c : std::as_const(m_dirChecks)) {
            if (c.call)
                c.call->cancel();
        }
        m_dirChecks.clear();
        m_highlightQueue.clear();
        m_highlightUntil.clear();
        m_countdownDirs.clear();
        m_countdownRoot = false;
        m_leases.clear();
        m_queued.insert(m_queued.begin(), std::make_move_iterator(m_held.begin()),
                        std::make_move_iterator(m_held.end()));
        m_held.clear();
        m_heldKeys.clear();
        if (!m_queued.empty())
            scheduleApply();
    });
}

// ---- queue ------------------------------------------------------------------------------------

void KeyTreeModel::applyEvents(const QList<EtcdWatchEvent> &events)
{
    if (events.isEmpty())
        return;
    m_queued.insert(m_queued.end(), events.begin(), events.end());
    m_arrivedSinceApply = true;
    scheduleApply();
}

void KeyTreeModel::scheduleApply()
{
    if (m_applyTimer.isActive())
        return;
    // At most one application per interval: the first events after a quiet frame go on the
    // next event-loop turn (so events parsed from one read are taken together), a burst waits
    // for the rest of the frame.
    const qint64 since = m_sinceApply.isValid() ? m_sinceApply.elapsed() : LLONG_MAX;
    m_applyTimer.start(since >= m_applyInterval ? 0 : int(m_applyInterval - since));
}

void KeyTreeModel::flushEvents()
{
    applyQueued(true);
}

int KeyTreeModel::pendingEventCount() const
{
    return int(m_queued.size() + m_held.size());
}

void KeyTreeModel::setApplyInterval(int ms)
{
    m_applyInterval = std::max(0, ms);
}

void KeyTreeModel::onLevelSettled()
{
    // Events held for a level being listed go first again, before anything newer.
    if (!m_held.empty()) {
        m_queued.insert(m_queued.begin(), std::make_move_iterator(m_held.begin()),
                        std::make_move_iterator(m_held.end()));
        m_held.clear();
        m_heldKeys.clear();
        scheduleApply();
    }
    continueResync();
}

void KeyTreeModel::applyQueued(bool all)
{
    m_applyTimer.stop();
    // A level dropped while listing (its row removed) sends no signal: with no listing left,
    // nothing can hold events any more.
    if (!m_held.empty() && m_listings.empty()) {
        m_queued.insert(m_queued.begin(), std::make_move_iterator(m_held.begin()),
                        std::make_move_iterator(m_held.end()));
        m_held.clear();
        m_heldKeys.clear();
    }
    if (m_queued.empty())
        return;
    std::size_t take = m_queued.size();
    if (!all) {
        // A prefix delete arrives as one revision of many deletes, possibly over several
        // messages. While it keeps coming, its run is held back, so that it is applied at once:
        // whole directories go in one removal each instead of one range per frame (its keys
        // come in byte order, which scatters them over rows in natural order).
        std::size_t tail = m_queued.size();
        const qint64 revision = m_queued.back().revision;
        while (tail > 0 && m_queued[tail - 1].revision == revision &&
               m_queued[tail - 1].isDelete())
            --tail;
        const qint64 now = m_clock.elapsed();
        if (m_queued.size() - tail > maxTxnOps) {
            if (m_holdingSince < 0)
                m_holdingSince = now;
            if (m_arrivedSinceApply && now - m_holdingSince < maxHoldMs)
                take = tail;
        }
    }
    if (!all && take > maxEventsPerApply) {
        // A backlog (a watch catching up after a break gets up to 1,000 revisions a message) is
        // applied a slice per frame, whole revisions only, so the window keeps painting. One
        // big revision (a prefix delete) still goes at once: it is one removal per directory.
        std::size_t cut = maxEventsPerApply;
        const qint64 revision = m_queued[cut - 1].revision;
        while (cut < take && m_queued[cut].revision == revision)
            ++cut;
        take = cut;
    }
    const auto end = m_queued.begin() + std::ptrdiff_t(take);
    std::vector<EtcdWatchEvent> events(std::make_move_iterator(m_queued.begin()),
                                       std::make_move_iterator(end));
    m_queued.erase(m_queued.begin(), end);
    if (m_queued.empty())
        m_holdingSince = -1;
    m_arrivedSinceApply = false;
    m_sinceApply.restart();

    // v2 directory deletes remove whole subtrees: what came before and after them is applied
    // apart, so that order holds across keys. v3 has none (its directories follow the keys).
    std::size_t first = 0;
    for (std::size_t i = 0; i < events.size(); ++i) {
        if (m_v2 && events[i].isDir && events[i].isDelete()) {
            applyRun(events, first, i, true);
            applyRun(events, i, i + 1, true);
            first = i + 1;
        }
    }
    applyRun(events, first, events.size(), true);
    m_appliedEvents += qint64(events.size());
    if (!events.empty())
        Q_EMIT eventsApplied(int(events.size()));
    if (!m_queued.empty())
        m_applyTimer.start(m_applyInterval);
}

void KeyTreeModel::applyRun(const std::vector<EtcdWatchEvent> &events, std::size_t first,
                            std::size_t last, bool highlight)
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
    std::vector<EventOp> ops;
    ops.reserve(last - first);
    for (std::size_t i = last; i-- > first;) {
        const EtcdWatchEvent &e = events[i];
        if (!oneRevision) {
            const qsizetype before = seen.size();
            seen.insert(e.key);
            if (seen.size() == before)
                continue;
        }
        EventOp op;
        op.key = e.key;
        op.event = &e;
        op.revision = e.revision;
        op.remove = e.isDelete();
        if (!op.remove) {
            KeyInfo &info = op.info;
            info.key = e.key;
            info.value = e.value;
            info.valueLoaded = m_v2 && !e.isDir; // v3: decided by the row (see resolveOp)
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
    OpSink sink;
    for (EventOp &op : ops)
        resolveOp(op, sink);
    for (const EventOp *op : sink.held) {
        m_held.push_back(*op->event);
        m_heldKeys.insert(op->key);
    }
    applyOps(sink, highlight);
}

// ---- resolving: where each change lands -------------------------------------------------------

void KeyTreeModel::resolveOp(EventOp &op, OpSink &sink)
{
    const QByteArray &key = op.key;
    // A key with an older event held must wait behind it.
    if (!op.edit && !m_heldKeys.isEmpty() && m_heldKeys.contains(key)) {
        sink.held.push_back(&op);
        return;
    }
    KeyNode *dir = m_root.get();
    KeyNode *node = nullptr;
    QByteArray prefix = m_activePrefix;
    if (!key.startsWith(prefix)) {
        // v2: the browsed directory itself was deleted.
        if (m_v2 && op.remove && prefix.startsWith(key + '/') && dir->dir &&
            dir->has(KeyNode::Populated)) {
            for (const auto &child : dir->dir->children)
                sink.removals.push_back(child.get());
        }
        return;
    }
    for (;;) {
        if (dir->has(KeyNode::Loading) && !op.edit) {
            // The listing's answer may be older than this event: apply it after the level is
            // in (then the revision guards below sort out which is newer).
            sink.held.push_back(&op);
            return;
        }
        if (!dir->has(KeyNode::Populated) && !dir->has(KeyNode::Loading)) {
            // Not listed: nothing is shown below, it lists fresh when opened. But a v3
            // directory row exists only through its keys: after a delete below it, ask whether
            // any is left.
            if (!m_v2 && dir != m_root.get() && dir->has(KeyNode::IsDir))
                sink.checks.push_back({prefix.chopped(1), op.revision, op.remove});
            return;
        }
        bool leaf = false;
        const QByteArray name = nameOf(dir, prefix, key, &leaf);
        if (m_v2 && !m_showHidden && name.startsWith('_'))
            return;
        KeyNode *child = dir->child(name);
        if (!child) {
            if (!op.remove) {
                OpSink::Inserts &ins = sink.inserts[dir];
                if (ins.ops.empty()) {
                    ins.prefix = prefix;
                    sink.insertOrder.push_back(dir);
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
            sink.changed.push_back(child);
        }
        prefix += name;
        prefix += sep();
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
            sink.removals.push_back(node);
            return;
        }
        // v3: the row goes unless it is (or, with a put below it in this run, becomes) a
        // directory with something left below it ("/a" deleted while "/a/b" stays): decided
        // with the rest of the run in applyOps.
        clearKey(node);
        sink.changed.push_back(node);
        sink.emptied.push_back(node);
        return;
    }
    // A put no newer than the row changes nothing (a replay, or an edit's own echo).
    const bool hasMeta = node->has(KeyNode::IsKey) || v2Dir;
    if (!op.edit && hasMeta && op.revision <= node->modRevision)
        return;
    if (!m_v2 && !op.edit) {
        // The event carries the value: keep it only where a preview already wanted one.
        op.info.valueLoaded =
            node->has(KeyNode::ValueLoaded) || node->has(KeyNode::ValueQueued);
    }
    if (!m_v2 && op.info.lease) {
        const auto it = m_leases.find(op.info.lease);
        if (it != m_leases.end())
            it->stale = true; // a put may have come with a keep-alive: read it again
    }
    if (applyEntry(node, entryFor(node->name, op.info))) {
        sink.changed.push_back(node);
        if (!op.edit && m_highlightDuration > 0) {
            node->set(KeyNode::Highlighted);
            sink.highlighted.push_back(key);
        }
    }
}

// New rows for the ops below `prefix`, grouped by their next name, in natural order.
std::vector<std::unique_ptr<KeyNode>> KeyTreeModel::buildNodes(
    const QByteArray &prefix, std::vector<const EventOp *> &ops, bool topLevel, bool complete,
    bool highlight, std::vector<QByteArray> *built)
{
    struct Group
    {
        const EventOp *self = nullptr;
        std::vector<const EventOp *> below;
    };
    std::map<QByteArray, Group, NaturalLess> groups;
    for (const EventOp *op : ops) {
        bool leaf = false;
        QByteArray name = V3LevelLister::childName(prefix, op->key, sep(), topLevel, &leaf);
        if (m_v2 && !m_showHidden && name.startsWith('_'))
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
        std::unique_ptr<KeyNode> node = newNode(name);
        if (g.self) {
            applyEntry(node.get(), entryFor(name, g.self->info));
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
                for (const EventOp *op : g.below)
                    first = std::min(first, op->revision);
                node->createRevision = node->modRevision = first;
            }
            // Below a level still being listed a new directory may hold more than these keys:
            // it is left to be listed when opened.
            if (complete) {
                node->set(KeyNode::Populated);
                node->dir->children =
                    buildNodes(prefix + name + sep(), g.below, false, true, highlight, built);
                for (auto &c : node->dir->children)
                    c->parent = node.get();
            }
        }
        if (highlight) {
            node->set(KeyNode::Highlighted);
            built->push_back(prefix + name);
        }
        nodes.push_back(std::move(node));
    }
    return nodes;
}

// ---- edits ----------------------------------------------------------------------------------

void KeyTreeModel::applyPut(const KeyInfo &info)
{
    // Through the same path as watch events (keytreemodel_events.cpp), after them: an edit is
    // newer than anything queued. Unlike an event it is applied whatever the revisions say,
    // inside a level being listed too, and is not highlighted (the user made it).
    flushEvents();
    EventOp op;
    op.key = info.key;
    op.info = info;
    op.info.isDir = m_v2 && info.isDir;
    op.revision = info.modRevision;
    op.edit = true;
    OpSink sink;
    resolveOp(op, sink);
    applyOps(sink, false);
}

void KeyTreeModel::applyDelete(const QByteArray &key)
{
    // A v3 key that is also a directory keeps its row as a directory while something is
    // below it; v3 directories left empty go; a v2 directory goes with its subtree.
    flushEvents();
    EventOp op;
    op.key = key;
    op.remove = true;
    op.edit = true;
    OpSink sink;
    resolveOp(op, sink);
    applyOps(sink, false);
}

// ---- applying: removals, inserts, changes -----------------------------------------------------

void KeyTreeModel::applyOps(OpSink &sink, bool highlight)
{
    for (const OpSink::Check &c : sink.checks) {
        if (c.remove)
            checkDir(c.dirKey, c.revision);
        else if (const auto it = m_dirChecks.find(c.dirKey); it != m_dirChecks.end())
            it->lastEventRevision = std::max(it->lastEventRevision, c.revision);
    }

    // Which rows go. A v3 directory goes with its last key (bottom up, so a chain of
    // directories left empty goes as one removal of its top).
    std::unordered_set<KeyNode *> planned(sink.removals.begin(), sink.removals.end());
    std::unordered_map<KeyNode *, std::size_t> goingIn; // parent -> children planned to go
    for (KeyNode *n : sink.removals)
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
        for (KeyNode *n : sink.emptied) {
            if (n->has(KeyNode::IsDir) || n->has(KeyNode::IsKey)) {
                consider(n);
                continue;
            }
            // A plain key deleted: it goes; only its directory needs a decision.
            planned.insert(n);
            sink.removals.push_back(n);
            ++goingIn[n->parent];
        }
        for (const auto &entry : goingIn)
            consider(entry.first);
        std::unordered_set<KeyNode *> visited;
        while (!candidates.empty()) {
            KeyNode *p = candidates.top().second;
            candidates.pop();
            if (!visited.insert(p).second || p == m_root.get() || planned.count(p) ||
                p->has(KeyNode::IsKey) || p->has(KeyNode::Loading))
                continue;
            bool empty = !p->has(KeyNode::IsDir);
            if (!empty && p->has(KeyNode::Populated)) {
                const std::size_t children = p->dir ? p->dir->children.size() : 0;
                const auto it = goingIn.find(p);
                empty = children == (it == goingIn.end() ? 0 : it->second) &&
                    !sink.inserts.count(p);
            }
            if (!empty)
                continue;
            planned.insert(p);
            sink.removals.push_back(p);
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
    removals.reserve(sink.removals.size());
    for (KeyNode *n : sink.removals) {
        if (!insidePlanned(n))
            removals.push_back(n);
    }
    std::vector<KeyNode *> changed;
    changed.reserve(sink.changed.size());
    {
        std::unordered_set<KeyNode *> once;
        for (KeyNode *n : sink.changed) {
            if (!planned.count(n) && !insidePlanned(n) && once.insert(n).second)
                changed.push_back(n);
        }
    }
    removeGrouped(removals);

    std::vector<QByteArray> &keys = sink.highlighted;
    for (KeyNode *dir : sink.insertOrder) {
        OpSink::Inserts &ins = sink.inserts[dir];
        std::vector<std::unique_ptr<KeyNode>> nodes =
            buildNodes(ins.prefix, ins.ops, !m_v2 && dir == m_root.get(),
                       dir->has(KeyNode::Populated), highlight && m_highlightDuration > 0, &keys);
        if (!nodes.empty())
            insertNodes(dir, nodes);
    }
    notifyChangedGrouped(changed, 0, ColumnCount - 1, {});
    if (highlight && m_highlightDuration > 0)
        this->highlight(keys);
}

void KeyTreeModel::removeGrouped(std::vector<KeyNode *> &nodes)
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
            removeChildren(p, 0, int(size) - 1);
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
            removeChildren(p, rows[begin], rows[end - 1]);
            end = begin;
        }
    }
}
