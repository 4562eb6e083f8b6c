// KeyDocument and the watch: the open key follows the server while the user has not edited, and
// only records the server's change while the user edits, so the text is never replaced unasked.
#include "keydocument.h"

#include "keydocument_p.h"

#include <QMetaObject>

#include <utility>

using namespace KeyDocumentDetail;

bool KeyDocument::concerns(const EtcdWatchEvent &event) const
{
    if (m_key.isNull())
        return false;
    if (event.key == m_key)
        return true;
    // A v2 recursive delete (or a directory's TTL running out) reports only the directory: the
    // keys below it are gone too. The '/' keeps /a from matching /ab.
    if (isV2() && event.isDir && event.isDelete()) {
        QByteArray dir = event.key;
        if (!dir.endsWith('/'))
            dir += '/';
        return m_key.startsWith(dir);
    }
    return false;
}

void KeyDocument::applyEvents(const QList<EtcdWatchEvent> &events)
{
    for (const EtcdWatchEvent &event : events) {
        if (!concerns(event))
            continue;
        // During a save the echo of the write may come before its answer: judged once the
        // answer set the revision the document stands at.
        if (isBusy())
            m_pending.append(event);
        else
            applyEvent(event);
    }
}

void KeyDocument::applyEvent(const EtcdWatchEvent &event)
{
    // Nothing loaded (a failed load, a cleared document): nothing to follow.
    if (!m_snapshot.exists || event.revision <= m_seenRevision)
        return;
    m_seenRevision = event.revision;

    if (event.isDelete()) {
        // Kept: snapshot() still holds what the user's text started from; a plain save fails
        // its compare and says the key was deleted.
        KeySnapshot gone = deletedSnapshot(m_key, isV2(), event.revision);
        setServerState(ServerState::Deleted, gone, event.action == EtcdWatchEvent::Action::Expire);
        return;
    }

    KeySnapshot now = KeySnapshot::fromEvent(event, isV2());
    now.key = m_key;
    if (m_modified) {
        setServerState(ServerState::Changed, now, false);
        return;
    }
    // A put keeps the lease's clock when the lease is the same one.
    if (!now.v2 && now.lease != 0 && now.lease == m_snapshot.lease) {
        now.leaseTtl = m_snapshot.leaseTtl;
        now.leaseGrantedTtl = m_snapshot.leaseGrantedTtl;
        now.deadline = m_snapshot.deadline;
    }
    m_snapshot = now;
    m_conflict = {};
    m_hasConflict = false;
    setServerState(ServerState::InSync, {}, false);
    Q_EMIT updatedFromServer(m_snapshot);
}

void KeyDocument::setServerState(ServerState state, const KeySnapshot &server, bool expired)
{
    if (state == ServerState::InSync && m_serverState == ServerState::InSync)
        return;
    m_serverState = state;
    m_server = server;
    m_serverExpired = expired;
    Q_EMIT serverStateChanged(state);
}

void KeyDocument::noteSnapshot()
{
    m_seenRevision = qMax(m_seenRevision, qMax(m_snapshot.storeRevision, m_snapshot.modIndex()));
}

void KeyDocument::scheduleDrain()
{
    if (m_pending.isEmpty() || m_drainQueued)
        return;
    m_drainQueued = true;
    // Queued: the signals of the operation that just ended (saved, loaded, saveConflict) reach
    // the pane first, so the editor's modified state is current when the events are judged.
    QMetaObject::invokeMethod(this, &KeyDocument::drainPending, Qt::QueuedConnection);
}

void KeyDocument::drainPending()
{
    m_drainQueued = false;
    if (isBusy())
        return; // the next operation's end drains them
    const QList<EtcdWatchEvent> pending = std::exchange(m_pending, {});
    for (const EtcdWatchEvent &event : pending) {
        if (concerns(event))
            applyEvent(event);
    }
}

bool KeyDocument::overwriteServerChange(const QByteArray &value)
{
    // A copy: the answer may replace m_server.
    const KeySnapshot shown = m_server;
    return overwriteServerChange(value, shown);
}

bool KeyDocument::overwriteServerChange(const QByteArray &value, const KeySnapshot &against)
{
    if (m_serverState == ServerState::InSync || !m_client || isBusy() || m_snapshot.isDirectory ||
        against.key != m_key) {
        return false;
    }
    setBusy(Operation::Save);
    if (isV2())
        casV2(Operation::Save, against, value);
    else
        casV3(Operation::Save, against, value);
    return true;
}

bool KeyDocument::recreate(const QByteArray &value)
{
    if (m_serverState != ServerState::Deleted)
        return false;
    return overwriteServerChange(value);
}
