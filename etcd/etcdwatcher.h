#pragma once

#include "etcdclient.h"
#include "etcderror.h"
#include "etcdwatchevent.h"
#include "etcdwatchgrpc.h"
#include "etcdwatchjson.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>

class EtcdCall;
struct EtcdHttpResponse;
struct EtcdV2Response;

// Follows every change below a key prefix, for as long as it runs, without missing one: the
// source of live updates for the tree, the open editor, the event log and the services panel.
//
// v3: one stream (prev_kv, progress_notify) read message by message as it arrives: etcd's gRPC
// Watch service over HTTP/2 where the endpoint serves it (every etcd 3.x does on its client
// URL), else the JSON gateway's POST /v3/watch, read line by line. The gateway spends ~0.1 ms of
// etcd's CPU per event on JSON, which a busy writer or a big prefix delete outruns; gRPC does not.
// v2: a long-poll loop GET ?wait=true&recursive=true&waitIndex=N, re-armed at modifiedIndex + 1.
// The API is the client's apiInUse() at start() (V2 when discovery chose v2, else v3).
//
// Guarantees: events arrive in revision order and each revision at most once; after any break
// (stream closed, connection lost, endpoint down, member restarted, malformed message) the
// watcher reconnects by itself from the last revision seen + 1, with backoff, on the next
// endpoint when the current one is gone; events at or below the last revision seen are dropped.
// When etcd no longer has the history to resume from (v3 compacted, v2 more than 1,000 events
// behind) it says so with historyLost() and stops: re-read, then start() after the revision read.
//
// Usage:
//   auto *w = new EtcdWatcher(client, this);
//   connect(w, &EtcdWatcher::eventsReceived, this, &Tree::apply);
//   connect(w, &EtcdWatcher::historyLost, this, &Tree::resync);
//   w->start("/services/", listing.header.revision + 1);
class EtcdWatcher : public QObject
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

    // The v3 stream's wire. Auto tries gRPC first and falls back to the JSON gateway for good
    // when the endpoint answers gRPC with something else (a proxy that speaks only HTTP/1.1).
    // The default is Auto, or what ETCDSCOPE_WATCH_WIRE (auto, grpc, json) says.
    enum class WireFormat { Auto, Grpc, Json };
    Q_ENUM(WireFormat)

    explicit EtcdWatcher(EtcdClient *client, QObject *parent = nullptr);
    ~EtcdWatcher() override;

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
    QString stateText() const;
    static QString stateName(State state);
    bool isRunning() const { return m_state != State::Stopped && m_state != State::Failed; }

    QByteArray prefix() const { return m_prefix; }
    EtcdClient::Api api() const { return m_api; }
    // The last revision (v2: index) seen: of the newest event, or of a progress notification
    // (nothing changed in the range up to it). 0 before anything was seen. A resume starts at
    // revision() + 1.
    qint64 revision() const { return m_lastRevision; }
    // Why the last connection broke, or why the watcher failed; none while all is well.
    EtcdError lastError() const { return m_lastError; }
    // Connections opened since start() (the first included), for tests and diagnostics.
    int connectCount() const { return m_connectCount; }
    // Checks of a quiet gRPC stream's connection (see setGrpcIdleMs) since start().
    int probeCount() const { return m_probeCount; }
    // A gRPC stream that received nothing for this long has its connection checked (default
    // 5 s, then every 5 s while quiet): Qt does not report the loss of an HTTP/2 connection to
    // the streams on it.
    void setGrpcIdleMs(int ms)
    {
        m_grpcIdleMs = qMax(1, ms);
        m_idleTimer.setInterval(qMin(1000, m_grpcIdleMs));
    }

    // v3: ask etcd for each event's previous value (prev_kv; on by default). etcd 3.4 reads it
    // from its history per event, which makes its watch ~7x dearer: a busy writer outruns it and
    // the watch falls behind. The live tree turns it off and the event log reads a previous
    // value only when the user looks at it. (v2 always sends it.)
    void setPrevValues(bool on) { m_prevValues = on; }
    bool prevValues() const { return m_prevValues; }

    void setWireFormat(WireFormat format) { m_wireFormat = format; m_grpcRefused = false; }
    WireFormat wireFormat() const { return m_wireFormat; }
    // True while the v3 stream in use (or the next one) goes over gRPC.
    bool usesGrpc() const;

    // Reconnect delays: `initialMs`, doubled after each failed attempt up to `maxMs`; back to
    // `initialMs` once live again. Defaults: 250 ms to 5 s.
    void setBackoff(int initialMs, int maxMs);
    // v2 has no "created" answer: a long-poll still open after this long counts as live
    // (default 300 ms; an unreachable endpoint or a refused request answers sooner).
    void setV2LiveDelay(int ms) { m_v2LiveDelayMs = ms; }

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
    void setState(State state);
    void connectNow();
    // A gRPC stream quiet for setGrpcIdleMs(): checks that its connection still exists.
    void checkGrpcStream();
    void scheduleReconnect(const EtcdError &error);
    void fail(const EtcdError &error);
    void loseHistory(qint64 compactRevision);
    void cancelCall();
    bool isFatal(const EtcdError &error) const;
    static bool isTokenError(const EtcdError &e);
    void deliver(QList<EtcdWatchEvent> events);
    void advanceTo(qint64 revision);

    // v3
    void connectV3();
    void onV3Data(EtcdCall *call, const QByteArray &chunk);
    void onV3Finished(const EtcdHttpResponse &response, const EtcdError &error);
    // False when the line ended this stream (or this run).
    bool onV3Line(const QByteArray &line);
    bool onV3Message(EtcdV3WatchMessage &m);
    void drainBuffered();
    // Handles the complete messages buffered for `call` (null: the stream has ended), for at
    // most kReadSliceMs when `slice` is given (the rest on the next event-loop turn). False when
    // one of them ended this stream or this run.
    bool readBuffered(EtcdCall *call, const QElapsedTimer *slice);
    void onGrpcFinished(const EtcdHttpResponse &response, const EtcdError &error);
    // The stream ended for `e`: renew the token, fail, or reconnect.
    void endStream(const EtcdError &e);
    // The current connection's gRPC stream failed before etcd answered it: true when the next
    // connection goes to the JSON gateway instead (and does so at once).
    bool fallBackToJson(const EtcdError &error);
    QByteArray v3CreateBody(qint64 fromRevision) const;
    // Renews the token etcd refused (the one the stream went out with) through the v3 client.
    void reauthenticate(const QByteArray &refusedToken);

    // v2
    void connectV2();
    void pollV2();
    void onV2Answer(const EtcdResult<EtcdV2Response> &result);

    QPointer<EtcdClient> m_client;
    EtcdClient::Api m_api = EtcdClient::Api::V3;
    QByteArray m_prefix;
    qint64 m_startRevision = 0;
    qint64 m_lastRevision = 0;
    State m_state = State::Stopped;
    EtcdError m_lastError;
    // A new start() or stop() bumps it; work of an older run sees the change and stops.
    quint64 m_generation = 0;

    QPointer<EtcdCall> m_call;
    QTimer m_retryTimer;
    QTimer m_v2LiveTimer;
    QTimer m_drainTimer; // reads what arrived, from the event loop
    QTimer m_idleTimer;  // checks a gRPC stream for silence
    QElapsedTimer m_lastData;
    int m_grpcIdleMs = 5000;
    static constexpr int kGrpcAnswerMs = 5000;
    static constexpr int kProbeTimeoutMs = 3000;
    int m_probeCount = 0;
    QPointer<EtcdCall> m_probe;
    bool m_grpcEverAnswered = false; // a gRPC stream of this run was answered
    int m_grpcUnanswered = 0;        // gRPC streams in a row that got no answer at all
    int m_connectionTag = 1;         // EtcdHttpRequest::connectionTag of the gRPC calls
    static constexpr int kReadSliceMs = 8;
    int m_backoffInitialMs = 250;
    int m_backoffMaxMs = 5000;
    int m_backoffMs = 250;
    int m_v2LiveDelayMs = 300;
    int m_connectCount = 0;

    // v3 stream state
    WireFormat m_wireFormat = WireFormat::Auto;
    bool m_prevValues = true;
    bool m_grpcRefused = false;   // Auto: the endpoint does not speak gRPC (JSON went live)
    bool m_jsonTrial = false;     // Auto: the next connection tries JSON after a failed gRPC one
    bool m_connJsonTrial = false; // the current connection is that trial
    bool m_connGrpc = false;      // the current connection is a gRPC stream
    bool m_grpcAnswered = false;  // ... and etcd answered it with a watch response
    EtcdGrpcFrameSplitter m_frames;
    EtcdLineSplitter m_lines;
    QString m_streamEndpoint;  // the endpoint the buffered bytes came from
    EtcdError m_streamError;   // an error object the stream carried before it ended
    QByteArray m_streamToken;  // the token the stream went out with
    bool m_reauthUsed = false; // one re-authentication per connection until it goes live
};
