// KeyTreeModel: "go to key" (the levels down to a key listed one after the other), the re-read
// of every loaded level after the watch lost history, and edits.
#include "keytreemodel.h"
#include "keytreemodel_p.h"

#include "keydisplay.h"
#include "keynode.h"
#include "keytreeeventqueue.h"
#include "keytreelister.h"
#include "keytreeops.h"

namespace {

EtcdError notFound(const QByteArray &key)
{
    EtcdError error(EtcdError::Kind::Etcd,
                    KeyTreeModel::tr("Key %1 was not found.").arg(displayKey(key)));
    error.setCondition(EtcdError::Condition::KeyNotFound);
    return error;
}

} // namespace

// ---- go to key --------------------------------------------------------------------------------

void KeyTreeModel::revealKey(const QByteArray &key)
{
    m_revealKey = key;
    m_revealReading.clear();
    if (!m_lister->client()) {
        finishReveal(EtcdError(EtcdError::Kind::Cancelled, tr("Not connected.")));
        return;
    }
    if (!m_lister->canRead()) {
        reload(); // lists the top level; its levelLoaded continues the reveal
        return;
    }
    continueReveal();
}

void KeyTreeModel::continueReveal()
{
    if (m_revealKey.isEmpty() || !m_revealReading.isEmpty())
        return;
    const QByteArray key = m_revealKey;
    KeyNode *dir = m_root.get();
    QByteArray prefix = m_lister->rootLevel();
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
            if (isV2() && name.startsWith('_') && !m_showHidden) {
                finishReveal(EtcdError(EtcdError::Kind::Cancelled,
                                       tr("%1 is a hidden key; show hidden keys to go to it.")
                                           .arg(displayKey(prefix + name))));
            } else if (isV2() && name.startsWith('_')) {
                // etcd leaves "_" names out of listings; they can only be read by path.
                m_revealReading = prefix + name;
                m_lister->readKey(m_revealReading);
            } else {
                finishReveal(notFound(key));
            }
            return;
        }
        if (leaf) {
            const QModelIndex idx = indexForNode(child);
            if (!idx.isValid()) {
                finishReveal(EtcdError(EtcdError::Kind::Cancelled,
                                       tr("Key %1 is hidden by the filter.").arg(displayKey(key))));
                return;
            }
            m_revealKey.clear();
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

void KeyTreeModel::onKeyRead(const QByteArray &path, const KeyInfo &info, const EtcdError &error)
{
    if (m_revealKey.isEmpty() || path != m_revealReading)
        return;
    m_revealReading.clear();
    if (error) {
        finishReveal(error);
        return;
    }
    // The directory may have been dropped or listed again meanwhile: found again by key.
    const int slash = int(path.lastIndexOf('/'));
    if (KeyNode *d = findLevel(path.left(slash + 1)); d && d->has(KeyNode::Populated)) {
        KeyTreeEntry e;
        e.name = path.mid(slash + 1);
        e.isDir = info.isDir;
        e.isKey = !e.isDir;
        e.info = info;
        mergeEntries(d, {e});
    }
    continueReveal();
}

void KeyTreeModel::finishReveal(const EtcdError &error)
{
    if (m_revealKey.isEmpty())
        return;
    const QByteArray key = m_revealKey;
    m_revealKey.clear();
    m_revealReading.clear();
    Q_EMIT revealFailed(key, error);
}

// ---- resync -----------------------------------------------------------------------------------

// Why restarting the watch at the revision read *before* the re-read is safe: every level is
// listed at that revision or later, so replaying the events after it can only repeat what a
// listing already shows or bring it forward. Applying is idempotent against the rows: a put no
// newer than the row's mod revision changes nothing, a delete older than the row (the key came
// back) or of a missing key changes nothing, and a key put then deleted within the replay is
// inserted then removed again. So the tree converges to what etcd holds at the end of the
// replay.
void KeyTreeModel::resync(std::function<void(qint64 revision)> done)
{
    flushEvents();
    m_resync = std::make_unique<ResyncState>();
    m_resync->done = std::move(done);
    // The store's revision now, read through raft: every listing sent after it is at least as
    // new, when the same member answers (the client keeps to one endpoint while it works).
    m_lister->readRevision();
}

void KeyTreeModel::onRevisionRead(qint64 revision, const EtcdError &error)
{
    if (!m_resync || m_resync->started)
        return;
    if (revision <= 0) {
        m_resync->error = error;
        m_resync->started = true; // nothing pending: continueResync ends it
        continueResync();
        return;
    }
    m_resync->revision = revision;
    // Every level listed or being listed is listed again; refresh merges in place.
    std::vector<KeyNode *> dirs;
    std::vector<KeyNode *> stack{m_root.get()};
    while (!stack.empty() && m_lister->canRead()) {
        KeyNode *n = stack.back();
        stack.pop_back();
        if (!n->has(KeyNode::IsDir) || (!n->has(KeyNode::Populated) && !n->has(KeyNode::Loading)))
            continue;
        dirs.push_back(n);
        if (n->dir && n->has(KeyNode::Populated)) {
            for (const auto &c : n->dir->children)
                stack.push_back(c.get());
        }
    }
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
        // The listing of one level frees no other level's rows: the pointers stay good.
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
    if (state.rootPending || !state.pending.isEmpty())
        return;
    std::unique_ptr<ResyncState> done = std::move(m_resync);
    if (done->error)
        Q_EMIT resyncFailed(done->error);
    if (done->done)
        done->done(done->error ? 0 : done->revision);
}

// ---- edits (KeyTreeOps) -----------------------------------------------------------------------

void KeyTreeModel::applyPut(const KeyInfo &info)
{
    KeyTreeOps(*this).applyPut(info);
}

void KeyTreeModel::applyDelete(const QByteArray &key)
{
    KeyTreeOps(*this).applyDelete(key);
}

void KeyTreeModel::applyDeletePrefix(const QByteArray &prefix)
{
    KeyTreeOps(*this).applyDeletePrefix(prefix);
}
