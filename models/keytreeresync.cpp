#include "keytreeresync.h"

#include "keynode.h"
#include "keytreelister.h"
#include "keytreelisting.h"
#include "keytreemodel.h"

KeyTreeResync::KeyTreeResync(KeyTreeModel &model, std::function<void(qint64)> done)
    : m(model)
    , m_done(std::move(done))
{
    connect(m.m_lister, &KeyTreeLister::revisionRead, this, &KeyTreeResync::onRevisionRead);
    m_sinceProgress.start();
    m_check.setInterval(1000);
    connect(&m_check, &QTimer::timeout, this, &KeyTreeResync::check);
    m_check.start();
    // The store's revision now, read through raft: every listing sent after it is at least as
    // new, when the same member answers (the client keeps to one endpoint while it works).
    m.m_lister->readRevision();
}

void KeyTreeResync::onRevisionRead(qint64 revision, const EtcdError &error)
{
    if (m_started)
        return;
    m_started = true;
    m_sinceProgress.restart();
    if (revision <= 0) {
        m_error = error;
        finishIfSettled();
        return;
    }
    m_revision = revision;
    // Every level listed or being listed is listed again; a refresh merges in place.
    std::vector<KeyNode *> dirs;
    std::vector<KeyNode *> stack{m.m_root.get()};
    while (!stack.empty() && m.m_lister->canRead()) {
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
        if (d == m.m_root.get())
            m_rootPending = true;
        else
            m_pending.insert(m.fullKey(d));
    }
    for (KeyNode *d : dirs) {
        if (m.m_resync.get() != this)
            return; // a slot started another resync
        // The listing of one level frees no other level's rows: the pointers stay good.
        m.m_listing->start(d, d->has(KeyNode::Populated));
    }
    finishIfSettled();
}

void KeyTreeResync::levelSettled(bool isRoot, const EtcdError &error)
{
    // A v2 directory below the root deleted while the watch was away answers 404: not a
    // failure of the resync. Its row goes with its parent's listing (also re-read) or, if that
    // answer is older than the delete, with the delete event the watch replays.
    if (error && m_started && (isRoot || !error.is(EtcdError::Condition::KeyNotFound)))
        m_error = error;
    m_sinceProgress.restart();
    finishIfSettled();
}

void KeyTreeResync::check()
{
    if (m.m_resync.get() != this)
        return;
    if (m_sinceProgress.elapsed() >= stallMs) {
        if (!m_error)
            m_error = EtcdError::timeout(stallMs);
        m_started = true;
        m_rootPending = false;
        m_pending.clear();
    }
    finishIfSettled();
}

void KeyTreeResync::finishIfSettled()
{
    if (!m_started)
        return;
    if (m_rootPending && !m.m_root->has(KeyNode::Loading))
        m_rootPending = false;
    for (auto it = m_pending.begin(); it != m_pending.end();) {
        const KeyNode *n = m.findNode(*it);
        // Gone (its parent's listing dropped it) or listed: done.
        if (!n || !n->has(KeyNode::Loading))
            it = m_pending.erase(it);
        else
            ++it;
    }
    if (m_rootPending || !m_pending.isEmpty() || m.m_resync.get() != this)
        return;
    m_check.stop();
    // Freed from the event loop: this may run inside its own slot.
    m.m_resync.release()->deleteLater();
    disconnect(m.m_lister, nullptr, this, nullptr);
    if (m_error)
        Q_EMIT m.resyncFailed(m_error);
    if (m_done)
        m_done(m_error ? 0 : m_revision);
}
