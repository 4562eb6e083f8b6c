#include "etcdv2pollwire.h"

#include "etcdcall.h"
#include "etcdclient.h"
#include "etcdlog.h"
#include "etcdv2client.h"
#include "etcdwatchjson.h"

EtcdV2PollWire::EtcdV2PollWire(EtcdClient *client, Listener *listener, QObject *parent)
    : EtcdWatchWire(client, listener, parent)
{
    m_liveTimer.setSingleShot(true);
    connect(&m_liveTimer, &QTimer::timeout, this, [this] {
        // The long-poll is still open: the server accepted it.
        if (m_call && !m_live) {
            m_live = true;
            m_listener->wireCreated(0);
        }
    });
}

void EtcdV2PollWire::open(const QByteArray &prefix, qint64 fromRevision, bool prevValues)
{
    Q_UNUSED(prevValues); // v2 always sends the previous node
    close();
    m_prefix = prefix;
    m_next = fromRevision;
    m_live = false;
    m_tokenSent.clear();
    if (m_next > 0)
        poll();
    else
        readIndex();
}

void EtcdV2PollWire::close()
{
    nextGeneration();
    m_liveTimer.stop();
    if (EtcdCall *call = m_call) {
        m_call = nullptr;
        call->cancel();
    }
}

void EtcdV2PollWire::end(const EtcdError &error)
{
    close();
    m_listener->wireEnded(error);
}

void EtcdV2PollWire::readIndex()
{
    // A missing key answers 404 with the index too.
    const quint64 generation = m_generation;
    m_call = m_client->v2()->get(
        m_prefix, {}, this, [this, generation](const EtcdResult<EtcdV2Response> &r) {
            if (generation != m_generation)
                return;
            m_call = nullptr;
            if (!r.ok() && !r.error.is(EtcdError::Condition::KeyNotFound)) {
                end(r.error);
                return;
            }
            const qint64 index = r.ok() ? r.value.etcdIndex : r.error.index();
            m_next = qMax(m_next, index + 1);
            QPointer<EtcdWatchWire> self(this);
            m_listener->wireProgressed(index);
            if (isCurrent(self, generation))
                poll();
        });
}

void EtcdV2PollWire::poll()
{
    EtcdV2WaitOptions options;
    options.recursive = true;
    options.waitIndex = m_next;
    const quint64 generation = m_generation;
    m_call = m_client->v2()->wait(m_prefix, options, this,
                                  [this, generation](const EtcdResult<EtcdV2Response> &r) {
                                      if (generation == m_generation)
                                          onAnswer(r);
                                  });
    if (!m_live)
        m_liveTimer.start(m_liveDelayMs);
}

void EtcdV2PollWire::onAnswer(const EtcdResult<EtcdV2Response> &r)
{
    m_call = nullptr;
    m_liveTimer.stop();
    if (!r.ok()) {
        if (r.error.is(EtcdError::Condition::EventIndexCleared)) {
            close();
            m_listener->wireHistoryLost(r.error.index());
        } else {
            end(r.error);
        }
        return;
    }
    QPointer<EtcdWatchWire> self(this);
    const quint64 generation = m_generation;
    if (!m_live) {
        m_live = true;
        m_listener->wireCreated(0);
        if (!isCurrent(self, generation))
            return;
    }
    if (!r.value.action.isEmpty()) {
        EtcdWatchEvent event;
        if (EtcdWatchJson::fromV2(r.value, &event)) {
            m_next = qMax(m_next, event.revision + 1);
            m_listener->wireEvents({event});
        } else {
            // Not an action of the keys API: nothing to show, but never ask for it again.
            qCWarning(lcEtcdWatch) << "v2 watch: unknown action" << r.value.action;
            m_next = qMax(m_next, r.value.node.modifiedIndex + 1);
            m_listener->wireProgressed(r.value.node.modifiedIndex);
        }
        if (!isCurrent(self, generation))
            return;
    }
    // An empty action: the server ended the poll without an event; poll again at once.
    poll();
}
