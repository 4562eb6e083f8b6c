#include "etcdwatcher.h"

#include "etcdcall.h"
#include "etcdlog.h"
#include "etcdtransport.h"
#include "etcdv2client.h"
#include "etcdv3client.h"

#include <QDateTime>

Q_LOGGING_CATEGORY(lcEtcdWatch, "etcdscope.watch", QtInfoMsg)

bool EtcdWatcher::isTokenError(const EtcdError &e)
{
    return e.kind() == EtcdError::Kind::Etcd &&
           (e.is(EtcdError::Condition::InvalidToken) || e.is(EtcdError::Condition::Unauthorized));
}

EtcdWatcher::EtcdWatcher(EtcdClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{
    const QByteArray wire = qgetenv("ETCDSCOPE_WATCH_WIRE").trimmed().toLower();
    if (wire == "json")
        m_wireFormat = WireFormat::Json;
    else if (wire == "grpc")
        m_wireFormat = WireFormat::Grpc;
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &EtcdWatcher::connectNow);
    // Qt 6.4 does not fail an HTTP/2 stream whose connection closed (a member that restarts):
    // a gRPC stream quiet for a while is checked with a small call to its endpoint.
    m_idleTimer.setInterval(1000);
    connect(&m_idleTimer, &QTimer::timeout, this, &EtcdWatcher::checkGrpcStream);
    m_drainTimer.setSingleShot(true);
    m_drainTimer.setInterval(0);
    connect(&m_drainTimer, &QTimer::timeout, this, &EtcdWatcher::drainBuffered);
    m_v2LiveTimer.setSingleShot(true);
    connect(&m_v2LiveTimer, &QTimer::timeout, this, [this] {
        // The long-poll is still open: the server accepted it.
        if (m_call && m_state != State::Live) {
            m_backoffMs = m_backoffInitialMs;
            m_lastError = {};
            setState(State::Live);
        }
    });
}

EtcdWatcher::~EtcdWatcher()
{
    ++m_generation;
    cancelCall();
}

void EtcdWatcher::setBackoff(int initialMs, int maxMs)
{
    m_backoffInitialMs = qMax(1, initialMs);
    m_backoffMaxMs = qMax(m_backoffInitialMs, maxMs);
    m_backoffMs = m_backoffInitialMs;
}

bool EtcdWatcher::usesGrpc() const
{
    if (m_api != EtcdClient::Api::V3)
        return false;
    if (m_call)
        return m_connGrpc;
    return m_wireFormat == WireFormat::Grpc ||
           (m_wireFormat == WireFormat::Auto && !m_grpcRefused && !m_jsonTrial);
}

QString EtcdWatcher::stateName(State state)
{
    switch (state) {
    case State::Stopped:
        return tr("Stopped");
    case State::Connecting:
        return tr("Connecting");
    case State::Live:
        return tr("Live");
    case State::Reconnecting:
        return tr("Reconnecting");
    case State::Failed:
        return tr("Failed");
    }
    return {};
}

QString EtcdWatcher::stateText() const
{
    return stateName(m_state);
}

void EtcdWatcher::start(const QByteArray &prefix, qint64 fromRevision)
{
    ++m_generation;
    cancelCall();
    m_retryTimer.stop();
    m_prefix = prefix;
    m_startRevision = qMax<qint64>(0, fromRevision);
    // Everything before the start revision counts as seen: a resume starts at it.
    m_lastRevision = m_startRevision > 0 ? m_startRevision - 1 : 0;
    m_api = m_client && m_client->apiInUse() == EtcdClient::Api::V2 ? EtcdClient::Api::V2
                                                                    : EtcdClient::Api::V3;
    m_backoffMs = m_backoffInitialMs;
    m_lastError = {};
    m_reauthUsed = false;
    m_grpcRefused = false; // each run tries gRPC again: the endpoints may have changed
    m_jsonTrial = false;
    m_connectCount = 0;
    m_probeCount = 0;
    m_grpcEverAnswered = false;
    m_grpcUnanswered = 0;
    setState(State::Connecting);
    if (m_state == State::Connecting)
        connectNow();
}

void EtcdWatcher::stop()
{
    ++m_generation;
    cancelCall();
    m_retryTimer.stop();
    m_lines.clear();
    setState(State::Stopped);
}

void EtcdWatcher::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    qCDebug(lcEtcdWatch) << "watch" << m_prefix << stateName(state);
    Q_EMIT stateChanged(state);
}

void EtcdWatcher::cancelCall()
{
    m_v2LiveTimer.stop();
    m_drainTimer.stop();
    m_idleTimer.stop();
    if (EtcdCall *probe = m_probe) {
        m_probe = nullptr;
        probe->cancel();
    }
    if (EtcdCall *call = m_call) {
        m_call = nullptr;
        call->cancel();
    }
}

void EtcdWatcher::connectNow()
{
    if (!m_client) {
        fail(EtcdError(EtcdError::Kind::Cancelled, tr("the connection was closed")));
        return;
    }
    cancelCall();
    ++m_connectCount;
    m_lines.clear();
    m_frames.clear();
    m_streamEndpoint.clear();
    m_streamError = {};
    m_streamToken.clear();
    if (m_api == EtcdClient::Api::V2)
        connectV2();
    else
        connectV3();
}

bool EtcdWatcher::isFatal(const EtcdError &e) const
{
    if (e.kind() == EtcdError::Kind::Tls || e.kind() == EtcdError::Kind::Cancelled)
        return true;
    if (e.is(EtcdError::Condition::PermissionDenied) || e.is(EtcdError::Condition::AuthFailed) ||
        e.is(EtcdError::Condition::ApiNotAvailable))
        return true;
    // The token was renewed once for this connection and etcd still refuses it.
    return isTokenError(e) &&
           (m_reauthUsed || !m_client || !m_client->transport()->hasCredentials());
}

void EtcdWatcher::scheduleReconnect(const EtcdError &error)
{
    cancelCall();
    m_lastError = error;
    qCInfo(lcEtcdWatch) << "watch" << m_prefix << "interrupted:" << error.toString()
                        << "- resuming at" << m_lastRevision + 1 << "in" << m_backoffMs << "ms";
    // The timer first: a slot connected to the signals below may stop() or restart.
    m_retryTimer.start(m_backoffMs);
    m_backoffMs = qMin(m_backoffMs * 2, m_backoffMaxMs);
    const quint64 generation = m_generation;
    QPointer<EtcdWatcher> self(this);
    setState(State::Reconnecting);
    if (self && generation == m_generation)
        Q_EMIT interrupted(error);
}

void EtcdWatcher::fail(const EtcdError &error)
{
    ++m_generation;
    cancelCall();
    m_retryTimer.stop();
    m_lastError = error;
    qCInfo(lcEtcdWatch) << "watch" << m_prefix << "failed:" << error.toString();
    QPointer<EtcdWatcher> self(this);
    const quint64 generation = m_generation;
    setState(State::Failed);
    if (self && generation == m_generation)
        Q_EMIT failed(error);
}

void EtcdWatcher::loseHistory(qint64 compactRevision)
{
    ++m_generation;
    cancelCall();
    m_retryTimer.stop();
    qCInfo(lcEtcdWatch) << "watch" << m_prefix << "history lost from" << m_lastRevision + 1
                        << "(compacted at" << compactRevision << ")";
    QPointer<EtcdWatcher> self(this);
    const quint64 generation = m_generation;
    setState(State::Stopped);
    if (self && generation == m_generation)
        Q_EMIT historyLost(compactRevision);
}

void EtcdWatcher::advanceTo(qint64 revision)
{
    if (revision <= m_lastRevision)
        return;
    m_lastRevision = revision;
    // A stream the transport resends on the next endpoint after a break (a read fails over by
    // itself) asks for what it has not seen yet, not for the first start revision again.
    // (Not while the call carries the v3 client's authenticate request instead.)
    if (m_call && m_api == EtcdClient::Api::V3 && m_call->request().streaming)
        m_call->mutableRequest().body = v3CreateBody(revision + 1);
}

void EtcdWatcher::deliver(QList<EtcdWatchEvent> events)
{
    // Drop what was seen before a resume: a revision is never delivered twice.
    const QDateTime now = QDateTime::currentDateTime();
    qsizetype kept = 0;
    qint64 newest = m_lastRevision;
    for (qsizetype i = 0; i < events.size(); ++i) {
        if (events[i].revision <= m_lastRevision)
            continue;
        newest = qMax(newest, events[i].revision);
        if (kept != i)
            events[kept] = std::move(events[i]);
        events[kept].received = now;
        ++kept;
    }
    if (kept == 0)
        return;
    events.resize(kept);
    advanceTo(newest);
    QPointer<EtcdWatcher> self(this);
    const quint64 generation = m_generation;
    Q_EMIT eventsReceived(events);
    if (self && generation == m_generation)
        Q_EMIT revisionChanged(m_lastRevision);
}

// ---- v2 ---------------------------------------------------------------------------------------

void EtcdWatcher::connectV2()
{
    if (m_lastRevision > 0 || m_startRevision > 0) {
        pollV2();
        return;
    }
    // Watching from now: learn the store index first, so that a break before the first event
    // still resumes at the right place. A missing key answers 404 with the index too.
    const quint64 generation = m_generation;
    m_call = m_client->v2()->get(
        m_prefix, {}, this, [this, generation](const EtcdResult<EtcdV2Response> &r) {
            if (generation != m_generation)
                return;
            m_call = nullptr;
            if (!r.ok() && !r.error.is(EtcdError::Condition::KeyNotFound)) {
                if (isFatal(r.error) || r.error.is(EtcdError::Condition::Unauthorized))
                    fail(r.error);
                else
                    scheduleReconnect(r.error);
                return;
            }
            const qint64 index = r.ok() ? r.value.etcdIndex : r.error.index();
            advanceTo(index);
            QPointer<EtcdWatcher> self(this);
            Q_EMIT revisionChanged(m_lastRevision);
            if (self && generation == m_generation)
                pollV2();
        });
}

void EtcdWatcher::pollV2()
{
    EtcdV2WaitOptions options;
    options.recursive = true;
    options.waitIndex = m_lastRevision > 0 ? m_lastRevision + 1 : m_startRevision;
    const quint64 generation = m_generation;
    m_call = m_client->v2()->wait(m_prefix, options, this,
                                  [this, generation](const EtcdResult<EtcdV2Response> &r) {
                                      if (generation == m_generation)
                                          onV2Answer(r);
                                  });
    if (m_state != State::Live)
        m_v2LiveTimer.start(m_v2LiveDelayMs);
}

void EtcdWatcher::onV2Answer(const EtcdResult<EtcdV2Response> &r)
{
    m_call = nullptr;
    m_v2LiveTimer.stop();
    if (!r.ok()) {
        if (r.error.is(EtcdError::Condition::EventIndexCleared))
            loseHistory(r.error.index());
        else if (isFatal(r.error) || r.error.is(EtcdError::Condition::Unauthorized))
            fail(r.error);
        else
            scheduleReconnect(r.error);
        return;
    }
    QPointer<EtcdWatcher> self(this);
    const quint64 generation = m_generation;
    auto alive = [&] {
        return self && generation == m_generation;
    };
    if (m_state != State::Live) {
        m_backoffMs = m_backoffInitialMs;
        m_lastError = {};
        setState(State::Live);
        if (!alive())
            return;
    }
    if (!r.value.action.isEmpty()) {
        EtcdWatchEvent event;
        if (EtcdWatchJson::fromV2(r.value, &event)) {
            deliver({event});
            if (!alive())
                return;
        } else {
            // Not an action of the keys API: nothing to show, but never ask for it again.
            qCWarning(lcEtcdWatch) << "v2 watch: unknown action" << r.value.action;
            advanceTo(r.value.node.modifiedIndex);
        }
    }
    // An empty action: the server ended the poll without an event; poll again at once.
    pollV2();
}
