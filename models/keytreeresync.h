#pragma once

#include "etcderror.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <functional>

class KeyTreeModel;

// Re-reads every level a KeyTreeModel has loaded after its watch lost history (v3 compaction,
// v2's 401), each answer merged in place, then says from which revision the watch may go on.
//
// Why restarting the watch at the revision read *before* the re-read is safe: every level is
// listed at that revision or later, so replaying the events after it can only repeat what a
// listing already shows or bring it forward. Applying is idempotent against the rows: a put no
// newer than the row's mod revision changes nothing, a delete older than the row (the key came
// back) or of a missing key changes nothing, and a key put then deleted within the replay is
// inserted then removed again. So the tree converges to what etcd holds at the end of the
// replay.
class KeyTreeResync : public QObject
{
    Q_OBJECT
public:
    // done(the revision read before the re-read; 0: it failed, the model's resyncFailed says
    // why). Asks the lister for the store's revision at once.
    KeyTreeResync(KeyTreeModel &model, std::function<void(qint64 revision)> done);

    // A level of the model settled (dirKey empty: the top level); done once none is left.
    void levelSettled(bool isRoot, const EtcdError &error);

    // A re-read that makes no progress for this long ends with a timeout (the live tree tries
    // again): a level whose listing was dropped without a word must not hold the tree forever.
    static constexpr int stallMs = 20000;

private:
    void onRevisionRead(qint64 revision, const EtcdError &error);
    void finishIfSettled();
    // Once a second: levels may have settled without a signal (a parent's listing removed
    // them); a stall gives up.
    void check();

    KeyTreeModel &m;
    std::function<void(qint64)> m_done;
    qint64 m_revision = 0;
    QSet<QByteArray> m_pending; // full keys of the levels being listed again
    bool m_rootPending = false;
    bool m_started = false;
    EtcdError m_error;
    QTimer m_check;
    QElapsedTimer m_sinceProgress;
};
