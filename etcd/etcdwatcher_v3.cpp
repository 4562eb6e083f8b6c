// EtcdWatcher's v3 stream: gRPC or the JSON gateway, reading, checks of a quiet gRPC stream,
// the way to JSON, and the end of a stream. The state machine shared with v2 is in
// etcdwatcher.cpp.
#include "etcdwatcher.h"

#include "etcdcall.h"
#include "etcdhttp.h"
#include "etcdlog.h"
#include "etcdtransport.h"
#include "etcdv3client.h"

#include <QElapsedTimer>

QByteArray EtcdWatcher::v3CreateBody(qint64 fromRevision) const
{
    return m_connGrpc ? EtcdWatchGrpc::encodeCreate(m_prefix, fromRevision, m_prevValues)
                      : EtcdWatchJson::encodeV3Create(m_prefix, fromRevision, m_prevValues);
}

void EtcdWatcher::connectV3()
{
    m_connGrpc = usesGrpc();
    m_connJsonTrial = m_jsonTrial;
    m_jsonTrial = false;
    m_grpcAnswered = false;
    const qint64 from = m_lastRevision > 0 ? m_lastRevision + 1 : m_startRevision;
    qCDebug(lcEtcdWatch) << "watch" << m_prefix << "from" << from
                         << (m_connGrpc ? "over gRPC" : "over the JSON gateway");
    const quint64 generation = m_generation;
    auto finished = [this, generation](const EtcdHttpResponse &response, const EtcdError &error) {
        if (generation == m_generation)
            onV3Finished(response, error);
    };
    if (m_connGrpc) {
        m_lastData.start();
        m_idleTimer.start();
    }
    EtcdCall *call =
        m_connGrpc ? m_client->v3()->postGrpcStream(EtcdWatchGrpc::kWatchPath, v3CreateBody(from),
                                                    QStringLiteral("v3 watch"), this, finished,
                                                    m_connectionTag)
                   : m_client->v3()->postStream("/watch", v3CreateBody(from),
                                                QStringLiteral("v3 watch"), this, finished);
    m_call = call;
    connect(call, &EtcdCall::dataArrived, this,
            [this, call](const QByteArray &chunk) { onV3Data(call, chunk); });
}

void EtcdWatcher::onV3Data(EtcdCall *call, const QByteArray &chunk)
{
    if (call != m_call)
        return;
    m_streamToken = call->tokenSent();
    // The transport moved a broken stream to the next endpoint by itself: what was buffered
    // is half a message of the old stream.
    if (call->endpoint() != m_streamEndpoint) {
        m_lines.clear();
        m_frames.clear();
        m_streamError = {};
        m_streamEndpoint = call->endpoint();
    }
    if (m_connGrpc) {
        m_lastData.start();
        m_frames.append(chunk);
    }
    else
        m_lines.append(chunk);
    // Read from the event loop, not inside the reply's readyRead: a consumer may stop or restart
    // the watch from a slot (which aborts this reply), and a backlog is read a slice per turn.
    if (!m_drainTimer.isActive())
        m_drainTimer.start();
}

void EtcdWatcher::drainBuffered()
{
    if (!m_call)
        return;
    QElapsedTimer slice;
    slice.start();
    readBuffered(m_call, &slice);
}

bool EtcdWatcher::readBuffered(EtcdCall *call, const QElapsedTimer *slice)
{
    QPointer<EtcdWatcher> self(this);
    const quint64 generation = m_generation;
    QByteArray bytes;
    while (true) {
        if (slice && slice->elapsed() >= kReadSliceMs) {
            m_drainTimer.start();
            return true;
        }
        bool more = true;
        if (m_connGrpc) {
            EtcdError e;
            if (!m_frames.next(&bytes, &e)) {
                if (!e)
                    return true;
                e.setEndpoint(m_streamEndpoint);
                if (!fallBackToJson(e))
                    scheduleReconnect(e);
                return false;
            }
            EtcdV3WatchMessage m;
            if (EtcdError e = EtcdWatchGrpc::decodeMessage(bytes, &m)) {
                // Skipping the message could skip events: start over from the last revision.
                e.setEndpoint(m_streamEndpoint);
                if (!fallBackToJson(e))
                    scheduleReconnect(e);
                return false;
            }
            m_grpcAnswered = true;
            m_grpcEverAnswered = true;
            m_grpcUnanswered = 0;
            more = onV3Message(m);
        } else {
            if (!m_lines.next(&bytes))
                return true;
            more = onV3Line(bytes);
        }
        if (!more || !self || generation != m_generation || call != m_call)
            return false;
    }
}

void EtcdWatcher::checkGrpcStream()
{
    if (!m_call || !m_connGrpc || !m_lastData.isValid() || m_probe)
        return;
    const qint64 quiet = m_lastData.elapsed();
    if (!m_grpcAnswered) {
        if (quiet < kGrpcAnswerMs)
            return;
        // Nothing came back, not even the HTTP/2 answer: something on the way took the request
        // and dropped it (Qt reports no error for a closed HTTP/2 connection).
        EtcdError e = EtcdError::protocol(
            tr("the endpoint did not answer the gRPC watch within %1 s").arg(kGrpcAnswerMs / 1000),
            m_call->endpoint());
        ++m_connectionTag;
        // Twice in a row without an answer: HTTP/2 does not get through any more (or Qt cannot
        // get it going again); the gateway's HTTP/1.1 may.
        if (++m_grpcUnanswered >= 2)
            m_grpcEverAnswered = false;
        if (!fallBackToJson(e))
            scheduleReconnect(e);
        return;
    }
    if (quiet < m_grpcIdleMs || m_drainTimer.isActive())
        return;
    // A quiet stream may be a dead one. Ask its endpoint something small over HTTP/2: when that
    // fails, or Qt had to open a new connection for it (QNetworkAccessManager keeps one HTTP/2
    // connection per endpoint), the stream's connection is gone. Resuming is exact; renewing
    // the stream instead would make etcd scan its history from the last event seen, which on a
    // quiet prefix of a busy cluster grows without end.
    ++m_probeCount;
    const quint64 generation = m_generation;
    EtcdCall *stream = m_call;
    const QString endpoint = m_call->endpoint();
    m_probe = m_client->v3()->postGrpc(
        "/etcdserverpb.Maintenance/Status", QByteArray(5, '\0'), QStringLiteral("v3 watch check"),
        this,
        [this, generation, stream, endpoint](const EtcdHttpResponse &, const EtcdError &e) {
            EtcdCall *probe = m_probe;
            m_probe = nullptr;
            if (generation != m_generation || stream != m_call || !probe)
                return;
            m_lastData.start(); // the next check after another quiet period
            const bool moved = probe->endpoint() != endpoint;
            const bool unreachable =
                e && (e.kind() == EtcdError::Kind::Network || e.kind() == EtcdError::Kind::Timeout);
            if (unreachable || moved || probe->openedConnection()) {
                EtcdError lost = unreachable ? e
                                             : EtcdError::network(
                                                   tr("the connection to %1 was lost").arg(endpoint),
                                                   endpoint);
                // The next stream on a connection of its own, whatever Qt kept of this one.
                ++m_connectionTag;
                scheduleReconnect(lost);
            }
        },
        false, m_connectionTag);
    // Its own short timeout: a call sent on a connection that just died gets no answer either.
    if (m_probe)
        m_probe->setTimeout(kProbeTimeoutMs);
}

bool EtcdWatcher::fallBackToJson(const EtcdError &e)
{
    // Once gRPC worked in this run, a failure is a break like any other, not a reason to leave.
    if (!m_connGrpc || m_grpcAnswered || m_grpcEverAnswered || m_wireFormat != WireFormat::Auto)
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
        if (e.is(EtcdError::Condition::Unreachable))
            return false;
        break;
    case EtcdError::Kind::Etcd:
        if (!e.is(EtcdError::Condition::ApiNotAvailable))
            return false;
        break;
    default:
        break;
    }
    qCInfo(lcEtcdWatch) << "watch" << m_prefix << "gRPC stream refused at" << e.endpoint() << ":"
                        << e.toString() << "- trying the JSON gateway";
    cancelCall();
    m_jsonTrial = true;
    m_lastError = e;
    // Another kind of request, not the same one again: no backoff.
    m_retryTimer.start(0);
    return true;
}

bool EtcdWatcher::onV3Line(const QByteArray &line)
{
    EtcdV3WatchMessage m;
    if (EtcdError e = EtcdWatchJson::decodeV3Message(line, &m)) {
        // Skipping the line could skip events: start over from the last revision seen.
        e.setEndpoint(m_streamEndpoint);
        scheduleReconnect(e);
        return false;
    }
    return onV3Message(m);
}

bool EtcdWatcher::onV3Message(EtcdV3WatchMessage &m)
{
    if (m.error) {
        // The gateway ends the stream after it; onV3Finished reports it.
        m_streamError = m.error;
        m_streamError.setEndpoint(m_streamEndpoint);
        return true;
    }
    if (m.canceled) {
        if (m.compactRevision > 0) {
            loseHistory(m.compactRevision);
            return false;
        }
        const bool token = EtcdWatchJson::isTokenCancelReason(m.cancelReason);
        EtcdError e(EtcdError::Kind::Etcd, m.cancelReason.isEmpty()
                                               ? tr("the server canceled the watch")
                                               : m.cancelReason);
        e.setEndpoint(m_streamEndpoint);
        if (EtcdWatchJson::isPermissionCancelReason(m.cancelReason))
            e.setCondition(EtcdError::Condition::PermissionDenied).setCode(7);
        else if (token)
            e.setCondition(EtcdError::Condition::InvalidToken).setCode(16);
        else
            e.setCondition(EtcdError::Condition::Other);
        if (token && !m_reauthUsed && m_client->transport()->hasCredentials()) {
            reauthenticate(m_streamToken);
            return false;
        }
        if (isFatal(e))
            fail(e);
        else
            scheduleReconnect(e);
        return false;
    }

    QPointer<EtcdWatcher> self(this);
    const quint64 generation = m_generation;
    auto alive = [&] {
        return self && generation == m_generation;
    };
    if (m.created) {
        if (m_connJsonTrial) {
            // gRPC failed where the gateway works: this endpoint is behind something that
            // does not pass HTTP/2. Stay on JSON.
            qCInfo(lcEtcdWatch) << "watch" << m_prefix << "uses the JSON gateway from now on";
            m_grpcRefused = true;
        }
        m_backoffMs = m_backoffInitialMs;
        m_reauthUsed = false;
        m_lastError = {};
        setState(State::Live);
        if (!alive())
            return false;
        // Watching from now: the stream starts after the revision it was created at.
        if (m_lastRevision == 0 && m_startRevision == 0 && m.header.revision > 0) {
            advanceTo(m.header.revision);
            Q_EMIT revisionChanged(m_lastRevision);
            if (!alive())
                return false;
        }
    }
    if (!m.events.isEmpty()) {
        deliver(std::move(m.events));
    } else if (m.isProgress() && m.header.revision > m_lastRevision) {
        // etcd sends progress only to a watcher that has caught up: nothing up to it is missed.
        advanceTo(m.header.revision);
        Q_EMIT revisionChanged(m_lastRevision);
    }
    return alive();
}

void EtcdWatcher::onV3Finished(const EtcdHttpResponse &response, const EtcdError &error)
{
    if (m_call)
        m_streamToken = m_call->tokenSent();
    m_call = nullptr;
    if (m_connGrpc) {
        onGrpcFinished(response, error);
        return;
    }
    if (!error && !response.body.isEmpty()) {
        // What the last readyRead did not take.
        if (response.endpoint != m_streamEndpoint) {
            m_lines.clear();
            m_streamEndpoint = response.endpoint;
        }
        m_lines.append(response.body);
    }
    m_drainTimer.stop();
    if (!readBuffered(nullptr, nullptr))
        return;
    // An error object in the stream says more than the status the gateway ended it with.
    EtcdError e = m_streamError ? m_streamError : error;
    if (!e) {
        e = EtcdError::network(tr("the server ended the watch stream"), response.endpoint);
    }
    endStream(e);
}

void EtcdWatcher::onGrpcFinished(const EtcdHttpResponse &response, const EtcdError &error)
{
    if (!error && !response.body.isEmpty()) {
        // What the last readyRead did not take.
        if (response.endpoint != m_streamEndpoint) {
            m_frames.clear();
            m_streamEndpoint = response.endpoint;
        }
        m_frames.append(response.body);
    }
    m_drainTimer.stop();
    if (!readBuffered(nullptr, nullptr))
        return;
    if (m_frames.pending() > 0 && !error) {
        endStream(EtcdError::network(tr("the watch stream ended in the middle of a message"),
                                     response.endpoint));
        return;
    }
    // gRPC says why a call failed in grpc-status: in the headers of an answer without messages
    // (Qt does not pass on trailers after messages; such an end is taken as a broken stream).
    EtcdError e = error ? error : EtcdWatchGrpc::statusError(response.headers);
    if (e) {
        // A failed call has no response (nor its endpoint): its error names the endpoint.
        if (e.endpoint().isEmpty())
            e.setEndpoint(response.endpoint);
    } else if (!m_grpcAnswered && response.header("content-type").startsWith("application/grpc"))
        e = EtcdError::network(tr("the server ended the watch stream"), response.endpoint);
    else if (!m_grpcAnswered)
        e = EtcdError::protocol(tr("the endpoint did not answer the gRPC watch"),
                                response.endpoint);
    else
        e = EtcdError::network(tr("the server ended the watch stream"), response.endpoint);
    if (fallBackToJson(e))
        return;
    endStream(e);
}

void EtcdWatcher::endStream(const EtcdError &e)
{
    if (isTokenError(e) && !m_reauthUsed && m_client->transport()->hasCredentials()) {
        reauthenticate(m_streamToken);
        return;
    }
    if (isFatal(e))
        fail(e);
    else
        scheduleReconnect(e);
}

void EtcdWatcher::reauthenticate(const QByteArray &refusedToken)
{
    // etcd 3.4 refuses a watch with an expired token inside the stream (canceled, "invalid
    // auth token"), which the v3 client's renewal (on error answers) never sees: ask it to renew,
    // sharing the authentication other calls may have under way.
    cancelCall();
    m_reauthUsed = true;
    if (m_state == State::Live)
        setState(State::Reconnecting);
    const quint64 generation = m_generation;
    qCInfo(lcEtcdWatch) << "watch" << m_prefix << "token refused; authenticating again";
    m_client->v3()->renewToken(
        this,
        [this, generation](const EtcdError &error) {
            if (generation != m_generation || !m_client)
                return;
            if (!error) {
                connectNow();
            } else if (isFatal(error)) {
                fail(error);
            } else {
                // No new token (the member was unreachable, say): the one renewal this
                // connection may have is still to come.
                m_reauthUsed = false;
                scheduleReconnect(error);
            }
        },
        refusedToken);
}
