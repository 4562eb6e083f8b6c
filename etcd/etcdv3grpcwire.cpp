#include "etcdv3grpcwire.h"

#include "etcdcall.h"
#include "etcdclient.h"
#include "etcdhttp.h"
#include "etcdv3client.h"
#include "etcdwatchproto.h"

#include <etcdpb/rpc.pb.h>

EtcdV3GrpcWire::EtcdV3GrpcWire(EtcdClient *client, Listener *listener, QObject *parent)
    : EtcdV3StreamWire(client, listener, parent)
{
    m_idleTimer.setInterval(1000);
    connect(&m_idleTimer, &QTimer::timeout, this, &EtcdV3GrpcWire::checkStream);
}

void EtcdV3GrpcWire::startRun()
{
    m_everAnswered = false;
    m_unanswered = 0;
    m_probeCount = 0;
}

void EtcdV3GrpcWire::setIdleMs(int ms)
{
    m_idleMs = qMax(1, ms);
    m_idleTimer.setInterval(qMin(1000, m_idleMs));
}

EtcdCall *EtcdV3GrpcWire::send(const QByteArray &body, Finished finished)
{
    return m_client->v3()->postGrpcStream(EtcdWatchProto::kWatchPath, body,
                                          QStringLiteral("v3 watch"), this, std::move(finished),
                                          m_connectionTag);
}

QByteArray EtcdV3GrpcWire::createBody(qint64 fromRevision) const
{
    return EtcdWatchProto::encodeCreate(m_prefix, fromRevision, m_prevValues);
}

void EtcdV3GrpcWire::onOpened()
{
    m_answered = false;
    m_lastData.start();
    m_idleTimer.start();
}

void EtcdV3GrpcWire::close()
{
    m_idleTimer.stop();
    if (EtcdCall *probe = m_probe) {
        m_probe = nullptr;
        probe->cancel();
    }
    EtcdV3StreamWire::close();
}

bool EtcdV3GrpcWire::nextMessage(EtcdV3WatchMessage *message, EtcdError *error)
{
    QByteArray bytes;
    if (!m_frames.next(&bytes, error))
        return false;
    *error = EtcdWatchProto::decodeMessage(bytes, message);
    if (*error)
        return false;
    m_answered = true;
    m_everAnswered = true;
    m_unanswered = 0;
    return true;
}

EtcdError EtcdV3GrpcWire::endError(const EtcdHttpResponse &response, const EtcdError &error)
{
    if (m_frames.pending() > 0 && !error)
        return EtcdError::network(tr("the watch stream ended in the middle of a message"),
                                  response.endpoint);
    // gRPC says why a call failed in grpc-status: in the headers of an answer without messages
    // ("trailers-only"; tst_watchgrpc's statusError). Qt 6.4 does not pass on the trailers
    // after messages: such an end cannot be told from a break, so it is taken as one and
    // resumed (tst_watchgrpc's streamEndedAfterMessagesResumes).
    if (EtcdError e = error ? error : EtcdGrpc::statusError(response.headers))
        return e;
    if (!m_answered && !response.header("content-type").startsWith("application/grpc"))
        return EtcdError::protocol(tr("the endpoint did not answer the gRPC watch"),
                                   response.endpoint);
    return EtcdError::network(tr("the server ended the watch stream"), response.endpoint);
}

bool EtcdV3GrpcWire::refusedByEndpoint(const EtcdError &e) const
{
    if (m_answered || m_everAnswered)
        return false;
    // Failures that say nothing about the wire: the server is down, slow, refused the
    // certificate, or etcd itself answered (no leader, a refused token).
    switch (e.kind()) {
    case EtcdError::Kind::Timeout:
    case EtcdError::Kind::Cancelled:
    case EtcdError::Kind::Tls:
    case EtcdError::Kind::ReadOnly:
        return false;
    case EtcdError::Kind::Network:
        return !e.is(EtcdError::Condition::Unreachable);
    case EtcdError::Kind::Etcd:
        return e.is(EtcdError::Condition::ApiNotAvailable);
    default:
        return true;
    }
}

// Qt 6.4 does not fail an HTTP/2 stream whose connection closed (a member killed or gone):
// without this check the watch would wait on a dead stream for good (tst_watchgrpc's
// deadConnectionNoticed). A healthy connection passes every check (quietStreamChecked).
void EtcdV3GrpcWire::checkStream()
{
    if (!m_call || !m_lastData.isValid() || m_probe)
        return;
    const qint64 quiet = m_lastData.elapsed();
    if (!m_answered) {
        if (quiet < kAnswerMs)
            return;
        // Nothing came back, not even the HTTP/2 answer: something on the way took the request
        // and dropped it, which Qt does not report either (tst_watchgrpc's
        // unansweredGrpcFallsBackToJson).
        EtcdError e = EtcdError::protocol(
            tr("the endpoint did not answer the gRPC watch within %1 s").arg(kAnswerMs / 1000),
            m_call->endpoint());
        // The next stream on a connection of its own, whatever Qt kept of this one (see
        // onProbeAnswered).
        ++m_connectionTag;
        // Twice in a row without an answer: HTTP/2 does not get through any more (or Qt cannot
        // get it going again); the gateway's HTTP/1.1 may.
        if (++m_unanswered >= 2)
            m_everAnswered = false;
        end(e);
        return;
    }
    if (quiet < m_idleMs || isDraining())
        return;
    // A quiet stream may be a dead one. Ask its endpoint something small on the stream's
    // connection (the same tag): when that fails, or Qt had to open a new connection for it
    // (QNetworkAccessManager keeps one HTTP/2 connection per endpoint and tag), the stream's
    // connection is gone. Resuming is exact; renewing the stream instead would make etcd scan
    // its history from the last event seen, which on a quiet prefix of a busy cluster grows
    // without end.
    ++m_probeCount;
    const quint64 generation = m_generation;
    const QString endpoint = m_call->endpoint();
    m_probe = m_client->v3()->postGrpc(
        "/etcdserverpb.Maintenance/Status", EtcdGrpc::frame(etcdserverpb::StatusRequest()),
        QStringLiteral("v3 watch check"), this,
        [this, generation, endpoint](const EtcdHttpResponse &, const EtcdError &e) {
            EtcdCall *probe = m_probe;
            m_probe = nullptr;
            if (generation == m_generation && probe)
                onProbeAnswered(probe, endpoint, e);
        },
        false, m_connectionTag);
    // Its own short timeout: a call sent on a connection that just died gets no answer either.
    if (m_probe)
        m_probe->setTimeout(kProbeTimeoutMs);
}

void EtcdV3GrpcWire::onProbeAnswered(EtcdCall *probe, const QString &endpoint, const EtcdError &e)
{
    m_lastData.start(); // the next check after another quiet period
    const bool moved = probe->endpoint() != endpoint;
    const bool unreachable =
        e && (e.kind() == EtcdError::Kind::Network || e.kind() == EtcdError::Kind::Timeout);
    if (!unreachable && !moved && !probe->openedConnection())
        return;
    // The next stream on a connection of its own: after a proxy cut the connections, Qt 6.4
    // kept a broken HTTP/2 connection and queued every new gRPC request on it, so the watch
    // retried for good (seen under ASan in tst_livetree's groundTruth, whose proxy cuts them;
    // the new tag is part of QNetworkAccessManager's connection key).
    ++m_connectionTag;
    end(unreachable
            ? e
            : EtcdError::network(tr("the connection to %1 was lost").arg(endpoint), endpoint));
}
