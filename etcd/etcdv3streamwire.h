#pragma once

#include "etcdwatchjson.h"
#include "etcdwatchwire.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QTimer>

class EtcdCall;
struct EtcdHttpResponse;

// What the two v3 streams share: one streaming call, its bytes buffered as they arrive and read
// message by message from the event loop, a slice at a time, and each watch response turned
// into what it means (created, events, progress, history lost, canceled). The subclasses speak
// the wire: how the call is sent, how bytes become messages, why a stream ended.
class EtcdV3StreamWire : public EtcdWatchWire
{
    Q_OBJECT
public:
    EtcdV3StreamWire(EtcdClient *client, Listener *listener, QObject *parent);

    void open(const QByteArray &prefix, qint64 fromRevision, bool prevValues) override;
    void close() override;
    void resumeAt(qint64 revision) override;

protected:
    using Finished = std::function<void(const EtcdHttpResponse &, const EtcdError &)>;

    // Sends the watch request with `body`.
    virtual EtcdCall *send(const QByteArray &body, Finished finished) = 0;
    // The request body asking for the prefix from `fromRevision`.
    virtual QByteArray createBody(qint64 fromRevision) const = 0;
    virtual void appendBytes(const QByteArray &chunk) = 0;
    virtual void clearBytes() = 0;
    // The next complete message. False when none is complete, or on an error (set in *error):
    // the stream cannot be read on.
    virtual bool nextMessage(EtcdV3WatchMessage *message, EtcdError *error) = 0;
    // Why the stream ended, once every complete message was read (`error`: the call's own).
    virtual EtcdError endError(const EtcdHttpResponse &response, const EtcdError &error) = 0;
    // Hooks for the gRPC stream's connection check.
    virtual void onOpened() {}
    virtual void onBytes() {}

    // Closes the stream and reports why it ended.
    void end(EtcdError error);
    bool isDraining() const { return m_drainTimer.isActive(); }

    QByteArray m_prefix;
    bool m_prevValues = true;
    QPointer<EtcdCall> m_call;
    QString m_endpoint; // the endpoint the buffered bytes came from

private:
    void onData(EtcdCall *call, const QByteArray &chunk);
    void onFinished(const EtcdHttpResponse &response, const EtcdError &error);
    void drain();
    // Handles the complete messages buffered, for at most kReadSliceMs when `slice` is given
    // (the rest on the next event-loop turn). False when one of them ended this connection.
    bool readBuffered(const QElapsedTimer *slice);
    bool handle(EtcdV3WatchMessage &m);
    // The transport sent the stream again to another endpoint: what is buffered is half a
    // message of the old one.
    void followEndpoint(const QString &endpoint);

    static constexpr int kReadSliceMs = 8;
    QTimer m_drainTimer;
    EtcdError m_streamError; // an error object the stream carried before it ended
};
