// KeyTreeModel: what makes the tree live besides applying events: grouped dataChanged, checks of
// v3 directory rows not listed, the highlight of changed rows, TTL and lease countdowns, and the
// resync after a watch lost history.
#include "keytreemodel.h"
#include "keytreemodel_p.h"

#include "etcdclient.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "keynode.h"

#include <QColor>
#include <QDateTime>

#include <algorithm>

namespace {

// A lease's TTL is read again after this long (keep-alives may have renewed it).
constexpr qint64 leaseRereadMs = 30000;
// LeaseState::ttl when the read failed: unknown, tried again after leaseRereadMs.
constexpr qint64 leaseUnknown = -2;

qint64 ceilSeconds(qint64 ms)
{
    return ms <= 0 ? 0 : (ms + 999) / 1000;
}

} // namespace

// ---- data -------------------------------------------------------------------------------------

bool KeyTreeModel::hasCountdown(const KeyNode *n) const
{
    // v2: keys and directories may expire (leaseOrExpiry holds the expiration); v3: keys with a
    // lease.
    return n->leaseOrExpiry != 0 && (m_v2 || n->has(KeyNode::IsKey));
}

qint64 KeyTreeModel::secondsLeft(const KeyNode *n) const
{
    if (!hasCountdown(n))
        return -1;
    if (m_v2)
        return ceilSeconds(qint64(n->leaseOrExpiry) - QDateTime::currentMSecsSinceEpoch());
    const auto it = m_leases.constFind(n->leaseOrExpiry);
    if (it == m_leases.cend() || it->readAt < 0 || it->ttl == leaseUnknown)
        return -1;
    if (it->ttl < 0)
        return 0; // the lease is gone; its keys' deletes are on their way
    return ceilSeconds(it->ttl * 1000 - (m_clock.elapsed() - it->readAt));
}

QVariant KeyTreeModel::liveData(const KeyNode *n, int column, int role) const
{
    switch (role) {
    case Qt::BackgroundRole:
        // A soft amber, translucent so that it reads on light and dark palettes.
        return n->has(KeyNode::Highlighted) ? QVariant(QColor(255, 196, 0, 70)) : QVariant();
    case HighlightedRole:
        return n->has(KeyNode::Highlighted);
    case TtlLeftRole: {
        const qint64 left = secondsLeft(n);
        return left >= 0 ? QVariant(left) : QVariant();
    }
    case Qt::ForegroundRole:
        // Run out: greyed until the delete (v2 expire, v3 lease revoke) removes the row; the
        // timer never removes rows itself, so the tree cannot drift from etcd.
        return column == TtlColumn && secondsLeft(n) == 0 ? QVariant(QColor(Qt::gray))
                                                          : QVariant();
    case Qt::ToolTipRole: {
        if (m_v2 || !hasCountdown(n))
            return {};
        QString tip = tr("Lease %1").arg(QString::number(n->leaseOrExpiry, 16));
        const qint64 left = secondsLeft(n);
        if (left >= 0)
            tip += QLatin1Char('\n') + tr("%n second(s) left", nullptr, int(left));
        return tip;
    }
    case Qt::DisplayRole:
        break;
    default:
        return {};
    }
    if (column != TtlColumn || !hasCountdown(n))
        return {};

    // The TTL column counts down: note the directory, so the next tick updates its rows (only
    // rows a view paints get here, so only they tick).
    const KeyNode *parent = n->parent;
    if (parent == m_root.get())
        m_countdownRoot = true;
    else
        m_countdownDirs.insert(fullKey(parent));
    if (!m_countdownTimer.isActive())
        m_countdownTimer.start();

    if (m_v2)
        return tr("%1 s").arg(secondsLeft(n));
    // v3: the lease's TTL is read once per lease (and again after an event for it or 30 s).
    const quint64 lease = n->leaseOrExpiry;
    LeaseState &state = m_leases[lease];
    // A countdown that ran out with the key still there: a keep-alive renewed the lease (no
    // event says so), or its deletes are on the way. Read it again rather than show "0 s".
    const qint64 sinceRead = m_clock.elapsed() - state.readAt;
    const bool ranOut = state.readAt >= 0 && state.ttl >= 0 && state.ttl != leaseUnknown &&
                        secondsLeft(n) == 0 && sinceRead > 1000;
    if (!state.pending &&
        (state.readAt < 0 || state.stale || sinceRead > leaseRereadMs || ranOut)) {
        state.pending = true;
        m_leasesWanted.push_back(lease);
        if (!m_leaseLoadScheduled) {
            m_leaseLoadScheduled = true;
            auto *self = const_cast<KeyTreeModel *>(this);
            QTimer::singleShot(0, self, [self] { self->loadLeases(); });
        }
    }
    QString id = QString::number(lease, 16);
    if (id.size() > 5)
        id = id.left(5) + QChar(0x2026);
    const qint64 left = secondsLeft(n);
    if (left < 0)
        return tr("lease %1").arg(id);
    return tr("lease %1 · %2 s").arg(id).arg(left);
}

// ---- grouped notifications ------------------------------------------------------------------

void KeyTreeModel::notifyChangedGrouped(std::vector<KeyNode *> &nodes, int firstColumn,
                                        int lastColumn, const QList<int> &roles)
{
    // One dataChanged per block of changed rows in a directory, blocks closer than
    // kMergeGap rows merged. Not one block from the first to the last changed row: QTreeView
    // (6.4) computes the rectangle to repaint row by row over the whole block, so 300 scattered
    // changes in a 20,000-row directory cost it 20,000 visualRect() calls, 40-80 ms a frame.
    constexpr int kMergeGap = 16;
    std::unordered_map<KeyNode *, std::vector<int>> rows;
    std::vector<KeyNode *> parents;
    for (KeyNode *n : nodes) {
        if (!isShown(n))
            continue;
        const int row = rowOf(n);
        if (row < 0)
            continue;
        const auto [it, fresh] = rows.try_emplace(n->parent);
        if (fresh)
            parents.push_back(n->parent);
        it->second.push_back(row);
    }
    for (KeyNode *p : parents) {
        if (!isShown(p))
            continue;
        const QModelIndex parent = indexForNode(p);
        if (p != m_root.get() && !parent.isValid())
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

// ---- v3 directory rows not listed -------------------------------------------------------------

void KeyTreeModel::checkDir(const QByteArray &dirKey, qint64 revision)
{
    if (!m_client)
        return;
    if (const auto it = m_dirChecks.find(dirKey); it != m_dirChecks.end()) {
        // One in flight: its answer is compared with this event's revision.
        it->lastEventRevision = std::max(it->lastEventRevision, revision);
        return;
    }
    DirCheck &check = m_dirChecks[dirKey];
    check.lastEventRevision = revision;
    const QByteArray below = dirKey + sep();
    EtcdV3RangeOptions options;
    options.rangeEnd = EtcdV3Client::prefixRangeEnd(below);
    options.limit = 1;
    options.keysOnly = true;
    const quint32 resets = m_resets;
    check.call = m_client->v3()->range(
        below, options, this, [this, dirKey, resets](const EtcdResult<EtcdV3RangeResult> &r) {
            if (resets == m_resets)
                onDirChecked(dirKey, r);
        });
}

void KeyTreeModel::onDirChecked(const QByteArray &dirKey, const EtcdResult<EtcdV3RangeResult> &r)
{
    const DirCheck check = m_dirChecks.take(dirKey);
    if (!r.ok())
        return; // the row stays; a refresh or the next event below it tells
    KeyNode *node = findNode(dirKey);
    // Listed meanwhile (or being listed): the listing knows better.
    if (!node || !node->has(KeyNode::IsDir) || node->has(KeyNode::Populated) ||
        node->has(KeyNode::Loading))
        return;
    if (r.value.header.revision < check.lastEventRevision) {
        // Read before the newest event below it: ask again.
        checkDir(dirKey, check.lastEventRevision);
        return;
    }
    if (!r.value.kvs.isEmpty())
        return;
    if (node->has(KeyNode::IsKey)) {
        node->set(KeyNode::IsDir, false);
        std::vector<KeyNode *> changed{node};
        notifyChangedGrouped(changed, 0, ColumnCount - 1, {});
        return;
    }
    KeyNode *parent = node->parent;
    removeNode(node);
    pruneIfEmpty(parent);
}

// ---- highlight --------------------------------------------------------------------------------

void KeyTreeModel::setHighlightDuration(int ms)
{
    m_highlightDuration = std::max(0, ms);
}

void KeyTreeModel::highlight(const std::vector<QByteArray> &keys)
{
    if (keys.empty())
        return;
    // The flag is in the node (data() reads it in O(1)); the keys wait here for their expiry
    // and find their nodes again then (a node may have been freed by a listing meanwhile).
    const qint64 until = m_clock.elapsed() + m_highlightDuration;
    for (const QByteArray &key : keys) {
        m_highlightUntil.insert(key, until);
        m_highlightQueue.emplace_back(until, key);
    }
    if (!m_highlightTimer.isActive())
        m_highlightTimer.start(m_highlightDuration);
}

void KeyTreeModel::expireHighlights()
{
    const qint64 now = m_clock.elapsed();
    std::vector<KeyNode *> ended;
    while (!m_highlightQueue.empty() && m_highlightQueue.front().first <= now) {
        const auto [until, key] = std::move(m_highlightQueue.front());
        m_highlightQueue.pop_front();
        const auto it = m_highlightUntil.find(key);
        if (it == m_highlightUntil.end() || *it > until)
            continue; // highlighted again since: a later entry ends it
        m_highlightUntil.erase(it);
        KeyNode *n = findNode(key);
        if (n && n->has(KeyNode::Highlighted)) {
            n->set(KeyNode::Highlighted, false);
            ended.push_back(n);
        }
    }
    notifyChangedGrouped(ended, 0, ColumnCount - 1, {Qt::BackgroundRole, HighlightedRole});
    if (!m_highlightQueue.empty())
        m_highlightTimer.start(int(std::max<qint64>(0, m_highlightQueue.front().first - now)));
}

// ---- countdown --------------------------------------------------------------------------------

void KeyTreeModel::tickCountdown()
{
    QSet<QByteArray> dirs;
    dirs.swap(m_countdownDirs);
    const bool root = m_countdownRoot;
    m_countdownRoot = false;
    if (dirs.isEmpty() && !root) {
        m_countdownTimer.stop(); // nothing on screen counts down; data() starts it again
        return;
    }
    auto tick = [this](KeyNode *dir) {
        if (!dir || !dir->dir || !isShown(dir))
            return;
        const QModelIndex parent = indexForNode(dir);
        if (dir != m_root.get() && !parent.isValid())
            return;
        // One dataChanged per directory over its rows that count down. O(children).
        int first = -1;
        int last = -1;
        const int count = shownCount(dir);
        for (int r = 0; r < count; ++r) {
            if (hasCountdown(shownChild(dir, r))) {
                if (first < 0)
                    first = r;
                last = r;
            }
        }
        if (first >= 0)
            Q_EMIT dataChanged(index(first, TtlColumn, parent), index(last, TtlColumn, parent),
                               {Qt::DisplayRole, Qt::ForegroundRole, Qt::ToolTipRole,
                                TtlLeftRole});
    };
    if (root)
        tick(m_root.get());
    for (const QByteArray &key : std::as_const(dirs))
        tick(findNode(key));
}

void KeyTreeModel::loadLeases()
{
    m_leaseLoadScheduled = false;
    std::vector<quint64> wanted;
    wanted.swap(m_leasesWanted);
    for (const quint64 lease : wanted) {
        if (!m_client || m_v2) {
            m_leases.remove(lease);
            continue;
        }
        const quint32 resets = m_resets;
        m_client->v3()->leaseTimeToLive(
            lease, false, this,
            [this, lease, resets](const EtcdResult<EtcdV3LeaseTimeToLiveResult> &r) {
                if (resets != m_resets)
                    return;
                LeaseState &state = m_leases[lease];
                state.pending = false;
                state.stale = false;
                state.readAt = m_clock.elapsed();
                state.ttl = r.ok() ? r.value.ttl : leaseUnknown;
                // Show it now rather than at the next tick.
                tickCountdown();
                if (!m_countdownTimer.isActive())
                    m_countdownTimer.start();
            });
    }
}

// ---- resync -----------------------------------------------------------------------------------

// Why restarting the watch at the revision read *before* the re-read is safe: every level is
// listed at that revision or later, so replaying the events after it can only repeat what a
// listing already shows or bring it forward. Applying is idempotent against the rows: a put no
// newer than the row's mod revision changes nothing, a delete older than the row (the key came
// back) or of a missing key changes nothing, and a key put then deleted within the replay is
// inserted then removed again. So the tree converges to what etcd holds at the end of the
// replay. A listing at one fixed revision would avoid the transient rows of such a replay;
// V3LevelLister has no revision option yet.
void KeyTreeModel::resync(std::function<void(qint64 revision)> done)
{
    flushEvents();
    if (m_resync && m_resync->probe)
        m_resync->probe->cancel();
    m_resync = std::make_unique<ResyncState>();
    m_resync->done = std::move(done);
    if (!m_client) {
        m_resync->error = EtcdError(EtcdError::Kind::Cancelled, tr("Not connected."));
        finishResync();
        return;
    }
    // The store's revision now, read through raft: every listing sent after it is at least as
    // new, when the same member answers (the client keeps to one endpoint while it works).
    if (m_v2) {
        EtcdV2GetOptions options;
        options.quorum = true;
        // Any key tells the index: X-Etcd-Index on an answer, the error's index on a 404.
        m_resync->probe = m_client->v2()->get(
            m_activePrefix + "etcdscope-resync-probe", options, this,
            [this](const EtcdResult<EtcdV2Response> &r) {
                m_resync->probe = nullptr;
                const qint64 index = r.ok() ? r.value.etcdIndex : r.error.index();
                if (index <= 0) {
                    m_resync->error = r.error;
                    finishResync();
                    return;
                }
                m_resync->revision = index;
                startResync();
            });
        return;
    }
    m_resync->probe = m_client->v3()->range(
        QByteArray(1, '\0'), {}, this, [this](const EtcdResult<EtcdV3RangeResult> &r) {
            m_resync->probe = nullptr;
            if (!r.ok()) {
                m_resync->error = r.error;
                finishResync();
                return;
            }
            m_resync->revision = r.value.header.revision;
            startResync();
        });
}

void KeyTreeModel::startResync()
{
    // Every level listed or being listed is listed again; refresh merges in place.
    std::vector<KeyNode *> dirs;
    std::vector<KeyNode *> stack{m_root.get()};
    while (!stack.empty()) {
        KeyNode *n = stack.back();
        stack.pop_back();
        if (!n->has(KeyNode::IsDir) ||
            (!n->has(KeyNode::Populated) && !n->has(KeyNode::Loading)))
            continue;
        dirs.push_back(n);
        if (n->dir && n->has(KeyNode::Populated)) {
            for (const auto &c : n->dir->children)
                stack.push_back(c.get());
        }
    }
    if (!m_reloaded)
        dirs.clear(); // nothing listed yet: nothing to re-read
    for (KeyNode *d : dirs) {
        if (d == m_root.get())
            m_resync->rootPending = true;
        else
            m_resync->pending.insert(fullKey(d));
    }
    m_resync->started = true;
    ResyncState *state = m_resync.get();
    for (KeyNode *d : dirs) {
        if (m_resync.get() != state)
            return; // a slot started another resync
        // The lister of one level frees no other level's nodes: the pointers stay good.
        startListing(d, d->has(KeyNode::Populated));
    }
    continueResync();
}

void KeyTreeModel::continueResync()
{
    if (!m_resync || !m_resync->started)
        return;
    ResyncState &state = *m_resync;
    if (state.rootPending && !m_root->has(KeyNode::Loading))
        state.rootPending = false;
    for (auto it = state.pending.begin(); it != state.pending.end();) {
        const KeyNode *n = findNode(*it);
        // Gone (its parent's listing dropped it) or listed: done.
        if (!n || !n->has(KeyNode::Loading))
            it = state.pending.erase(it);
        else
            ++it;
    }
    if (!state.rootPending && state.pending.isEmpty())
        finishResync();
}

void KeyTreeModel::finishResync()
{
    std::unique_ptr<ResyncState> state = std::move(m_resync);
    if (state->error) {
        Q_EMIT resyncFailed(state->error);
        if (state->done)
            state->done(0);
        return;
    }
    if (state->done)
        state->done(state->revision);
}
