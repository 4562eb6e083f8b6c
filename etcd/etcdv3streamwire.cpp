#include "etcdv3streamwire.h"

#include "etcdcall.h"
#include "etcdhttp.h"

EtcdV3StreamWire::EtcdV3StreamWire(EtcdClient *client, Listener *listener, QObject *parent)
    : EtcdWatchWire(client, listener, parent)
{
    m_drainTimer.setSingleShot(true);
    m_drainTimer.setInterval(0);
    connect(&m_drainTimer, &QTimer::timeout, this, &EtcdV3StreamWire::drain);
}

void EtcdV3StreamWire::open(const QByteArray &prefix, qint64 fromRevision, bool prevValues)
{
    close();
    m_prefix = prefix;
    m_prevValues = prevValues;
    m_endpoint.clear();
    m_streamError = {};
    m_tokenSent.clear();
    clearBytes();
    onOpened();
    const quint64 generation = m_generation;
    EtcdCall *call =
        send(createBody(fromRevision),
             [this, generation](const EtcdHttpResponse &response, const EtcdError &error) {
                 if (generation == m_generation)
                     onFinished(response, error);
             });
    m_call = call;
    connect(call, &EtcdCall::dataArrived, this,
            [this, call](const QByteArray &chunk) { onData(call, chunk); });
}

void EtcdV3StreamWire::close()
{
    nextGeneration();
    m_drainTimer.stop();
    if (EtcdCall *call = m_call) {
        m_call = nullptr;
        call->cancel();
    }
}

void EtcdV3StreamWire::resumeAt(qint64 revision)
{
    // A stream the transport resends on the next endpoint after a break (a read fails over by
    // itself) asks for what was not seen yet, not for the first start revision again. (Not
    // while the call carries the v3 client's authenticate request instead.)
    if (m_call && m_call->request().streaming)
        m_call->mutableRequest().body = createBody(revision);
}

void EtcdV3StreamWire::end(EtcdError error)
{
    if (error.endpoint().isEmpty())
        error.setEndpoint(m_endpoint);
    close();
    m_listener->wireEnded(error);
}

void EtcdV3StreamWire::followEndpoint(const QString &endpoint)
{
    if (endpoint == m_endpoint)
        return;
    clearBytes();
    m_endpoint = endpoint;
}

void EtcdV3StreamWire::onData(EtcdCall *call, const QByteArray &chunk)
{
    if (call != m_call)
        return;
    m_tokenSent = call->tokenSent();
    if (call->endpoint() != m_endpoint)
        m_streamError = {};
    followEndpoint(call->endpoint());
    onBytes();
    appendBytes(chunk);
    // Read from the event loop, not inside the reply's readyRead: a consumer may stop or restart
    // the watch from a slot (which aborts this reply), and a backlog is read a slice per turn.
    if (!m_drainTimer.isActive())
        m_drainTimer.start();
}

void EtcdV3StreamWire::drain()
{
    if (!m_call)
        return;
    QElapsedTimer slice;
    slice.start();
    readBuffered(&slice);
}

bool EtcdV3StreamWire::readBuffered(const QElapsedTimer *slice)
{
    QPointer<EtcdWatchWire> self(this);
    const quint64 generation = m_generation;
    while (true) {
        if (slice && slice->elapsed() >= kReadSliceMs) {
            m_drainTimer.start();
            return true;
        }
        EtcdV3WatchMessage m;
        EtcdError e;
        if (!nextMessage(&m, &e)) {
            if (!e)
                return true;
            // Skipping the message could skip events: start over from the last revision.
            e.setEndpoint(m_endpoint);
            end(e);
            return false;
        }
        if (!handle(m) || !isCurrent(self, generation))
            return false;
    }
}

bool EtcdV3StreamWire::handle(EtcdV3WatchMessage &m)
{
    if (m.error) {
        // The gateway ends the stream after it; onFinished reports it.
        m_streamError = m.error;
        m_streamError.setEndpoint(m_endpoint);
        return true;
    }
    if (m.canceled) {
        if (m.compactRevision > 0) {
            close();
            m_listener->wireHistoryLost(m.compactRevision);
            return false;
        }
        EtcdError e(EtcdError::Kind::Etcd, m.cancelReason.isEmpty()
                                               ? tr("the server canceled the watch")
                                               : m.cancelReason);
        if (EtcdWatchJson::isPermissionCancelReason(m.cancelReason))
            e.setCondition(EtcdError::Condition::PermissionDenied).setCode(7);
        else if (EtcdWatchJson::isTokenCancelReason(m.cancelReason))
            e.setCondition(EtcdError::Condition::InvalidToken).setCode(16);
        else
            e.setCondition(EtcdError::Condition::Other);
        end(e);
        return false;
    }
    QPointer<EtcdWatchWire> self(this);
    const quint64 generation = m_generation;
    if (m.created) {
        m_listener->wireCreated(m.header.revision);
        if (!isCurrent(self, generation))
            return false;
    }
    if (!m.events.isEmpty())
        m_listener->wireEvents(std::move(m.events));
    else if (m.isProgress())
        m_listener->wireProgressed(m.header.revision);
    return isCurrent(self, generation);
}

void EtcdV3StreamWire::onFinished(const EtcdHttpResponse &response, const EtcdError &error)
{
    if (m_call)
        m_tokenSent = m_call->tokenSent();
    m_call = nullptr;
    if (!error && !response.body.isEmpty()) {
        // What the last readyRead did not take.
        followEndpoint(response.endpoint);
        appendBytes(response.body);
    }
    m_drainTimer.stop();
    if (!readBuffered(nullptr))
        return;
    // An error object in the stream says more than the status the gateway ended it with.
    EtcdError e = m_streamError ? m_streamError : endError(response, error);
    // A failed call has no response (nor its endpoint): its error names the endpoint.
    if (e.endpoint().isEmpty())
        e.setEndpoint(response.endpoint);
    end(e);
}
