#pragma once

#include "etcdclient.h"
#include "etcdv2pollwire.h"
#include "etcdv3grpcwire.h"
#include "etcdwatchevent.h"
#include "etcdwatchroute.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QTimer>

// Follows every change below a key prefix, for as long as it runs, without missing one: the
// source of live updates for the tree, the open editor, the event log and the services panel.
//
// Each connection goes over one wire (EtcdWatchWire, chosen by EtcdWatchRoute): v2 long-polls,
// etcd's v3 gRPC Watch stream, or the v3 JSON gateway's POST /v3/watch where gRPC does not get
// through. The API is the client's apiInUse() at start(). What happens between connections is
// decided here, the same way for every wire:
//
//   state            event                                    next state    and then
//   Stopped, Failed  start()                                  Connecting    open a wire
//   running          wire created                             Live          backoff reset
//   running          ended, gRPC not served (Auto)            (unchanged)   JSON at once
//   running          ended, token refused, not yet renewed    Reconnecting  renew, reopen
//   running          ended, an error only the user can fix    Failed        failed()
//   running          ended otherwise                          Reconnecting  reopen after backoff
//   running          history lost                             Stopped       historyLost()
//   any              stop()                                   Stopped
//
// Guarantees: events arrive in revision order and each revision at most once; every connection
// asks from the last revision seen + 1 (on the next endpoint when the current one is gone);
// events at or below the last revision seen are dropped. When etcd no longer has the history
// to resume from (v3 compacted, v2 more than 1,000 events behind) it says so with
// historyLost() and stops: re-read, then start() after the revision read (as LiveTree does).
class EtcdWatcher : public QObject, private EtcdWatchWire::Listener
{
    Q_OBJECT
public:
    enum class State {
        Stopped,      // not started, stop() called, or history lost (waiting for a new start())
        Connecting,   // start() sent the first request
        Live,         // v3: the stream is created; v2: the long-poll is waiting
        Reconnecting, // the connection broke; a new one is scheduled or under way
        Failed,       // an error the user must fix (permission denied, wrong password, TLS)
    };
    Q_ENUM(State)

    // The v3 stream's wire: Auto (gRPC, the JSON gateway where gRPC is not served), Grpc, Json.
    using WireFormat = EtcdWatchRoute::WireFormat;

    explicit EtcdWatcher(EtcdClient *client, QObject *parent = nullptr);
    ~EtcdWatcher() override;

    // The wire format of watchers created from now on (Auto unless set): lets the tests run the
    // watch of a whole session (the live tree's, say) over one wire.
    static void setDefaultWireFormat(WireFormat format)
    {
        EtcdWatchRoute::setDefaultFormat(format);
    }

    // Watches every key starting with `prefix` (v3; empty: the whole keyspace) or below the
    // directory `prefix` (v2; empty or "/": everything), from `fromRevision` (v3 revision, v2
    // index; 0 or less: from now). Restarts when already running; nothing of the previous run
    // is delivered afterwards.
    void start(const QByteArray &prefix, qint64 fromRevision);
    // Stops and cancels the request in flight; no signal of this run follows (stateChanged to
    // Stopped aside). Destroying the watcher does the same.
    void stop();

    State state() const { return m_state; }
    // The state in words for the status bar ("Live", "Reconnecting", ...).
    QString stateText() const { return stateName(m_state); }
    static QString stateName(State state);
    bool isRunning() const { return m_state != State::Stopped && m_state != State::Failed; }

    QByteArray prefix() const { return m_prefix; }
    EtcdClient::Api api() const { return m_route.api(); }
    // The last revision (v2: index) seen: of the newest event, or of a progress notification
    // (nothing changed in the range up to it). 0 before anything was seen. A resume starts at
    // revision() + 1.
    qint64 revision() const { return m_lastRevision; }
    // Why the last connection broke, or why the watcher failed; none while all is well.
    EtcdError lastError() const { return m_lastError; }
    // Connections opened since start() (the first included), for tests and diagnostics.
    int connectCount() const { return m_connectCount; }
    // Checks of a quiet gRPC stream's connection (see setGrpcIdleMs) since start().
    int probeCount() const { return m_route.grpc().probeCount(); }
    // A gRPC stream that received nothing for this long has its connection checked (default
    // 5 s, then every 5 s while quiet): Qt does not report the loss of an HTTP/2 connection to
    // the streams on it.
    void setGrpcIdleMs(int ms) { m_route.grpc().setIdleMs(ms); }

    // v3: ask etcd for each event's previous value (prev_kv; on by default). etcd 3.4 reads it
    // from its history per event, which makes its watch ~7x dearer: a busy writer outruns it and
    // the watch falls behind. The live tree turns it off and the event log reads a previous
    // value only when the user looks at it. (v2 always sends it.)
    void setPrevValues(bool on) { m_prevValues = on; }
    bool prevValues() const { return m_prevValues; }

    void setWireFormat(WireFormat format) { m_route.setFormat(format); }
    WireFormat wireFormat() const { return m_route.format(); }
    // True while the v3 stream in use (or the next one) goes over gRPC.
    bool usesGrpc() const { return m_route.usesGrpc(); }

    // Reconnect delays: `initialMs`, doubled after each failed attempt up to `maxMs`; back to
    // `initialMs` once live again. Defaults: 250 ms to 5 s.
    void setBackoff(int initialMs, int maxMs);
    // v2 has no "created" answer: a long-poll still open after this long counts as live
    // (default 300 ms; an unreachable endpoint or a refused request answers sooner).
    void setV2LiveDelay(int ms) { m_route.v2().setLiveDelay(ms); }

Q_SIGNALS:
    // One batch per stream message (v3) or poll answer (v2), in revision order.
    void eventsReceived(const QList<EtcdWatchEvent> &events);
    // revision() moved forward: after eventsReceived, or on a progress notification.
    void revisionChanged(qint64 revision);
    void stateChanged(EtcdWatcher::State state);
    // The history from revision() + 1 is gone (v3: compacted up to compactRevision; v2: the
    // event index was cleared, compactRevision is the store index etcd reported). The watcher
    // has stopped (state Stopped, emitted before this) and may be started again from a slot
    // connected here.
    void historyLost(qint64 compactRevision);
    // The watcher gave up (state Failed): an error only the user can fix (permission denied on
    // the prefix, wrong credentials, TLS).
    void failed(const EtcdError &error);
    // The connection broke for `error` and a reconnect is scheduled (state Reconnecting).
    void interrupted(const EtcdError &error);

private:
    // EtcdWatchWire::Listener: what the open wire reports.
    void wireCreated(qint64 revision) override;
    void wireEvents(QList<EtcdWatchEvent> events) override;
    void wireProgressed(qint64 revision) override;
    void wireHistoryLost(qint64 compactRevision) override;
    void wireEnded(const EtcdError &error) override;

    void setState(State state);
    // Stops this run in `state` (Stopped, Failed), then emits `notify` unless a slot of
    // stateChanged started a new run.
    template<typename Notify> void finishRun(State state, Notify notify);
    void connectNow();
    void scheduleReconnect(const EtcdError &error);
    void fail(const EtcdError &error);
    // Renews the token etcd refused (the one the stream went out with) through the v3 client.
    void reauthenticate(const QByteArray &refusedToken);
    void advanceTo(qint64 revision);

    QPointer<EtcdClient> m_client;
    EtcdWatchRoute m_route;
    QByteArray m_prefix;
    qint64 m_startRevision = 0;
    qint64 m_lastRevision = 0;
    State m_state = State::Stopped;
    bool m_prevValues = true;
    bool m_tokenRenewed = false; // the one renewal a connection may have until it goes live
    EtcdError m_lastError;
    // A new start() or stop() bumps it; work of an older run sees the change and stops.
    quint64 m_generation = 0;
    QTimer m_retryTimer;
    int m_backoffInitialMs = 250;
    int m_backoffMaxMs = 5000;
    int m_backoffMs = 250;
    int m_connectCount = 0;
};
