#pragma once

#include "etcderror.h"
#include "etcdwatchevent.h"

#include <QObject>
#include <QPointer>

class EtcdClient;
class EtcdWatcher;
class KeyTreeModel;

// Keeps a KeyTreeModel following the cluster: reloads the model and, once its root level is
// listed, runs a watch over the model's root prefix from the oldest revision that listing read
// at + 1; applies every event to the model and passes it on (event log, open editor); when the
// watch loses history (v3 compaction, v2's 401) re-reads the loaded levels in place and
// restarts the watch after them.
//
// Replaying events a listing already saw is harmless (the model ignores a put no newer than its
// row and a delete older than it), so starting the watch at the oldest listing revision + 1
// never misses a change, and levels listed later are read at newer revisions still.
class LiveTree : public QObject
{
    Q_OBJECT
public:
    enum class State { Stopped, Starting, Live, Reconnecting, Resyncing, Failed };
    Q_ENUM(State)

    explicit LiveTree(KeyTreeModel *model, QObject *parent = nullptr);
    ~LiveTree() override;

    // Reloads the model on `client` (already discovered) and follows it. Restarts if running.
    void start(EtcdClient *client);
    void stop();

    State state() const { return m_state; }
    QString stateText() const; // "Live", "Reconnecting…" (with the reason), ... through tr()
    // The newest store revision (v2: index) the tree is known to reflect.
    qint64 revision() const { return m_revision; }
    EtcdError lastError() const { return m_error; }
    EtcdWatcher *watcher() const { return m_watcher; }

Q_SIGNALS:
    // Every event, after the model took it, in order.
    void eventsReceived(const QList<EtcdWatchEvent> &events);
    void stateChanged(LiveTree::State state);
    void revisionChanged(qint64 revision);
    // The watch cannot go on by itself (permission denied, resync failed): say why.
    void failed(const EtcdError &error);

private:
    void readRevisionThenWatch();
    void startWatch(qint64 fromRevision);
    void onHistoryLost(qint64 compactRevision);
    // A re-read that broke on the way (endpoint down, connection cut, no leader) is tried
    // again with backoff, as the watch reconnects; only errors a user must fix end in Failed.
    static bool isTransient(const EtcdError &error);
    void setState(State state);
    void setRevision(qint64 revision);

    KeyTreeModel *m_model;
    QPointer<EtcdClient> m_client;
    EtcdWatcher *m_watcher = nullptr;
    QMetaObject::Connection m_probe;      // until the store's revision is read
    QMetaObject::Connection m_rootLoaded; // until the root level is listed
    QMetaObject::Connection m_rootFailed;
    State m_state = State::Stopped;
    qint64 m_revision = 0;
    EtcdError m_error;
    quint32 m_run = 0;       // bumped by start()/stop(): answers of an older run are dropped
    EtcdError m_resyncError; // why the last re-read failed (the model says it by signal)
    int m_resyncBackoffMs = 250;
};
