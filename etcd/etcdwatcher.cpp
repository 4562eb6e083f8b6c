#include "etcdwatcher.h"

#include "etcdlog.h"
#include "etcdv3client.h"

#include <QDateTime>

Q_LOGGING_CATEGORY(lcEtcdWatch, "etcdscope.watch", QtInfoMsg)

EtcdWatcher::EtcdWatcher(EtcdClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_route(client, this)
{
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &EtcdWatcher::connectNow);
}

EtcdWatcher::~EtcdWatcher()
{
    ++m_generation;
    m_route.close();
}

void EtcdWatcher::setBackoff(int initialMs, int maxMs)
{
    m_backoffInitialMs = qMax(1, initialMs);
    m_backoffMaxMs = qMax(m_backoffInitialMs, maxMs);
    m_backoffMs = m_backoffInitialMs;
}

QString EtcdWatcher::stateName(State state)
{
    static const char *const names[] = {QT_TR_NOOP("Stopped"), QT_TR_NOOP("Connecting"),
                                        QT_TR_NOOP("Live"), QT_TR_NOOP("Reconnecting"),
                                        QT_TR_NOOP("Failed")};
    return tr(names[int(state)]);
}

void EtcdWatcher::start(const QByteArray &prefix, qint64 fromRevision)
{
    ++m_generation;
    m_retryTimer.stop();
    m_route.startRun();
    m_prefix = prefix;
    m_startRevision = qMax<qint64>(0, fromRevision);
    // Everything before the start revision counts as seen: a resume starts at it.
    m_lastRevision = m_startRevision > 0 ? m_startRevision - 1 : 0;
    m_backoffMs = m_backoffInitialMs;
    m_lastError = {};
    m_tokenRenewed = false;
    m_connectCount = 0;
    setState(State::Connecting);
    if (m_state == State::Connecting)
        connectNow();
}

void EtcdWatcher::stop()
{
    finishRun(State::Stopped, [] {});
}

template<typename Notify> void EtcdWatcher::finishRun(State state, Notify notify)
{
    ++m_generation;
    m_route.close();
    m_retryTimer.stop();
    QPointer<EtcdWatcher> self(this);
    const quint64 generation = m_generation;
    setState(state);
    if (self && generation == m_generation)
        notify();
}

void EtcdWatcher::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    qCDebug(lcEtcdWatch) << "watch" << m_prefix << stateName(state);
    Q_EMIT stateChanged(state);
}

void EtcdWatcher::connectNow()
{
    if (!m_client) {
        fail(EtcdError(EtcdError::Kind::Cancelled, tr("the connection was closed")));
        return;
    }
    ++m_connectCount;
    m_route.open(m_prefix, m_lastRevision > 0 ? m_lastRevision + 1 : m_startRevision, m_prevValues);
}

void EtcdWatcher::wireCreated(qint64 revision)
{
    m_route.created();
    m_backoffMs = m_backoffInitialMs;
    m_tokenRenewed = false;
    m_lastError = {};
    QPointer<EtcdWatcher> self(this);
    const quint64 generation = m_generation;
    setState(State::Live);
    // Watching from now: the stream starts after the revision it was created at.
    if (self && generation == m_generation && m_lastRevision == 0 && m_startRevision == 0)
        wireProgressed(revision);
}

void EtcdWatcher::wireEvents(QList<EtcdWatchEvent> events)
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

void EtcdWatcher::wireProgressed(qint64 revision)
{
    // etcd sends progress only to a watcher that has caught up: nothing up to it is missed.
    if (revision <= m_lastRevision)
        return;
    advanceTo(revision);
    Q_EMIT revisionChanged(m_lastRevision);
}

void EtcdWatcher::advanceTo(qint64 revision)
{
    if (revision <= m_lastRevision)
        return;
    m_lastRevision = revision;
    if (EtcdWatchWire *wire = m_route.current())
        wire->resumeAt(revision + 1);
}

void EtcdWatcher::wireHistoryLost(qint64 compactRevision)
{
    qCInfo(lcEtcdWatch) << "watch" << m_prefix << "history lost from" << m_lastRevision + 1
                        << "(compacted at" << compactRevision << ")";
    finishRun(State::Stopped, [&] { Q_EMIT historyLost(compactRevision); });
}

void EtcdWatcher::wireEnded(const EtcdError &error)
{
    const QByteArray token = m_route.current() ? m_route.current()->tokenSent() : QByteArray();
    switch (m_route.ended(error, m_tokenRenewed)) {
    case EtcdWatchRoute::Next::OtherWire:
        m_lastError = error;
        // Another kind of request, not the same one again: no backoff.
        m_retryTimer.start(0);
        break;
    case EtcdWatchRoute::Next::RenewToken:
        reauthenticate(token);
        break;
    case EtcdWatchRoute::Next::Fail:
        fail(error);
        break;
    case EtcdWatchRoute::Next::Reconnect:
        scheduleReconnect(error);
        break;
    }
}

void EtcdWatcher::fail(const EtcdError &error)
{
    m_lastError = error;
    qCInfo(lcEtcdWatch) << "watch" << m_prefix << "failed:" << error.toString();
    finishRun(State::Failed, [this] { Q_EMIT failed(m_lastError); });
}

void EtcdWatcher::scheduleReconnect(const EtcdError &error)
{
    m_route.close();
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

void EtcdWatcher::reauthenticate(const QByteArray &refusedToken)
{
    // etcd 3.4 refuses a watch with an expired token inside the stream (canceled, "invalid
    // auth token"), which the v3 client's renewal (on error answers) never sees: ask it to renew,
    // sharing the authentication other calls may have under way.
    m_tokenRenewed = true;
    const quint64 generation = m_generation;
    QPointer<EtcdWatcher> self(this);
    if (m_state == State::Live)
        setState(State::Reconnecting);
    if (!self || generation != m_generation)
        return;
    qCInfo(lcEtcdWatch) << "watch" << m_prefix << "token refused; authenticating again";
    m_client->v3()->renewToken(
        this,
        [this, generation](const EtcdError &error) {
            if (generation != m_generation || !m_client)
                return;
            if (!error) {
                connectNow();
            } else if (m_route.isFatal(error, true)) {
                fail(error);
            } else {
                // No new token (the member was unreachable, say): the one renewal this
                // connection may have is still to come.
                m_tokenRenewed = false;
                scheduleReconnect(error);
            }
        },
        refusedToken);
}
