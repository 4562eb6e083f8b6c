#pragma once

#include "etcdgrpc.h"
#include "etcdv3streamwire.h"

#include <QElapsedTimer>
#include <QTimer>

// The v3 watch over etcd's gRPC service (POST /etcdserverpb.Watch/Watch over HTTP/2), the
// fast wire: etcd's JSON gateway spends about 0.1 ms of CPU per event, which a busy writer or a
// big prefix delete outruns; gRPC does not. Cuts the stream into messages (EtcdGrpc), decodes
// them with the generated protobuf types (EtcdWatchProto), and holds every workaround for Qt
// 6.4's HTTP/2, which does not tell a stream that its connection was lost: a quiet stream's
// connection is checked, and a stream after a lost connection asks for a connection of its own.
class EtcdV3GrpcWire : public EtcdV3StreamWire
{
    Q_OBJECT
public:
    EtcdV3GrpcWire(EtcdClient *client, Listener *listener, QObject *parent);

    void close() override;
    // Only while no stream of this run was answered: after that, a failure is a break like any
    // other, not a sign that gRPC does not get through.
    bool refusedByEndpoint(const EtcdError &error) const override;

    // A new run of the watch (EtcdWatcher::start()): forgets whether gRPC worked, since the
    // endpoints may have changed.
    void startRun();
    // A stream that received nothing for this long has its connection checked (then again after
    // each quiet period of that length).
    void setIdleMs(int ms);
    // Checks of a quiet stream's connection since startRun().
    int probeCount() const { return m_probeCount; }

protected:
    EtcdCall *send(const QByteArray &body, Finished finished) override;
    QByteArray createBody(qint64 fromRevision) const override;
    void appendBytes(const QByteArray &chunk) override { m_frames.append(chunk); }
    void clearBytes() override { m_frames.clear(); }
    bool nextMessage(EtcdV3WatchMessage *message, EtcdError *error) override;
    EtcdError endError(const EtcdHttpResponse &response, const EtcdError &error) override;
    void onOpened() override;
    void onBytes() override { m_lastData.start(); }

private:
    void checkStream();
    void onProbeAnswered(EtcdCall *probe, const QString &endpoint, const EtcdError &error);

    static constexpr int kAnswerMs = 5000;
    static constexpr int kProbeTimeoutMs = 3000;
    EtcdGrpcFrameSplitter m_frames;
    bool m_answered = false;     // etcd answered this connection's stream with a message
    bool m_everAnswered = false; // ... or a stream of this run
    int m_unanswered = 0;        // streams in a row that got no answer at all
    int m_connectionTag = 1;     // EtcdHttpRequest::connectionTag of the stream and its checks
    QTimer m_idleTimer;
    QElapsedTimer m_lastData;
    int m_idleMs = 5000;
    int m_probeCount = 0;
    QPointer<EtcdCall> m_probe;
};
