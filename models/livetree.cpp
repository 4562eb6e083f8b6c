#include "livetree.h"

#include "etcdclient.h"
#include "etcdwatcher.h"
#include "keytreelister.h"
#include "keytreemodel.h"

#include <QTimer>

#include <memory>

LiveTree::LiveTree(KeyTreeModel *model, QObject *parent)
    : QObject(parent)
    , m_model(model)
{
    connect(m_model, &KeyTreeModel::resyncFailed, this,
            [this](const EtcdError &error) { m_resyncError = error; });
}

LiveTree::~LiveTree()
{
    // Quietly: no signal from a destructor (its receivers may be going too).
    ++m_run;
    if (m_watcher)
        m_watcher->disconnect(this);
}

void LiveTree::stop()
{
    ++m_run;
    disconnect(m_rootLoaded);
    disconnect(m_rootFailed);
    disconnect(m_probe);
    if (m_watcher)
        m_watcher->stop();
    setState(State::Stopped);
}

void LiveTree::start(EtcdClient *client)
{
    stop();
    m_error = EtcdError();
    m_revision = 0;
    if (client != m_client || !m_watcher) {
        delete m_watcher;
        m_client = client;
        m_watcher = new EtcdWatcher(client, this);
        // Keeps etcd's side of the watch cheap enough to follow a busy writer; the event log
        // reads a previous value on demand (EventLogModel::loadPrevValue).
        m_watcher->setPrevValues(false);
        connect(m_watcher, &EtcdWatcher::eventsReceived, this,
                [this](const QList<EtcdWatchEvent> &events) {
                    m_model->applyEvents(events);
                    Q_EMIT eventsReceived(events);
                });
        connect(m_watcher, &EtcdWatcher::revisionChanged, this, &LiveTree::setRevision);
        connect(m_watcher, &EtcdWatcher::stateChanged, this, [this](EtcdWatcher::State s) {
            if (m_state == State::Resyncing || m_state == State::Stopped)
                return; // ours to say until the watch restarts
            switch (s) {
            case EtcdWatcher::State::Live:
                setState(State::Live);
                break;
            case EtcdWatcher::State::Connecting:
            case EtcdWatcher::State::Reconnecting:
                setState(m_state == State::Starting ? State::Starting : State::Reconnecting);
                break;
            case EtcdWatcher::State::Failed:
                m_error = m_watcher->lastError();
                setState(State::Failed);
                break;
            case EtcdWatcher::State::Stopped:
                break;
            }
        });
        connect(m_watcher, &EtcdWatcher::interrupted, this, [this](const EtcdError &error) {
            m_error = error;
            if (m_state == State::Live)
                setState(State::Reconnecting);
        });
        connect(m_watcher, &EtcdWatcher::failed, this, [this](const EtcdError &error) {
            m_error = error;
            setState(State::Failed);
            Q_EMIT failed(error);
        });
        connect(m_watcher, &EtcdWatcher::historyLost, this, &LiveTree::onHistoryLost);
    }
    if (!m_client)
        return;
    setState(State::Starting);
    // The tree lists at once (a "go to key" may already wait for it); the watch starts from the
    // revision the root level was read at, once it is.
    const quint32 run = m_run;
    auto rootDone = std::make_shared<bool>(false);
    auto onRoot = [this, run, rootDone](const QModelIndex &dir, bool ok) {
        if (dir.isValid() || run != m_run || *rootDone)
            return;
        *rootDone = true;
        disconnect(m_rootLoaded);
        disconnect(m_rootFailed);
        const qint64 revision = ok ? m_model->rootListingRevision() : 0;
        if (revision > 0) {
            setRevision(revision);
            startWatch(revision + 1);
        } else {
            readRevisionThenWatch();
        }
    };
    m_rootLoaded = connect(m_model, &KeyTreeModel::levelLoaded, this,
                           [onRoot](const QModelIndex &dir) { onRoot(dir, true); });
    m_rootFailed =
        connect(m_model, &KeyTreeModel::levelFailed, this,
                [onRoot](const QModelIndex &dir, const EtcdError &) { onRoot(dir, false); });
    m_model->reload();
}

void LiveTree::readRevisionThenWatch()
{
    // The root level could not be listed (it says why): the watch starts from the store's
    // revision now, for what the user lists later.
    const quint32 run = m_run;
    disconnect(m_probe);
    m_probe = connect(m_model->lister(), &KeyTreeLister::revisionRead, this,
                      [this, run](qint64 revision, const EtcdError &error) {
                          disconnect(m_probe);
                          if (run != m_run)
                              return;
                          if (revision <= 0) {
                              m_error = error;
                              setState(State::Failed);
                              Q_EMIT failed(error);
                              return;
                          }
                          setRevision(revision);
                          startWatch(revision + 1);
                      });
    m_model->lister()->readRevision();
}

void LiveTree::startWatch(qint64 fromRevision)
{
    m_watcher->start(m_model->rootPrefix(), fromRevision);
    if (m_state == State::Resyncing)
        setState(State::Reconnecting);
}

void LiveTree::onHistoryLost(qint64 compactRevision)
{
    Q_UNUSED(compactRevision)
    setState(State::Resyncing);
    const quint32 run = m_run;
    m_resyncError = EtcdError();
    m_model->resync([this, run](qint64 revision) {
        if (run != m_run)
            return;
        if (revision <= 0 && isTransient(m_resyncError) && m_client) {
            m_error = m_resyncError;
            QTimer::singleShot(m_resyncBackoffMs, this, [this, run] {
                if (run == m_run && m_state == State::Resyncing)
                    onHistoryLost(0);
            });
            m_resyncBackoffMs = qMin(m_resyncBackoffMs * 2, 5000);
            return;
        }
        m_resyncBackoffMs = 250;
        if (revision <= 0) {
            m_error = EtcdError(EtcdError::Kind::Cancelled,
                                tr("The tree could not be read again after the watch lost "
                                   "history; refresh to try again."));
            setState(State::Failed);
            Q_EMIT failed(m_error);
            return;
        }
        setRevision(revision);
        startWatch(revision + 1);
    });
}

bool LiveTree::isTransient(const EtcdError &error)
{
    switch (error.kind()) {
    case EtcdError::Kind::Network:
    case EtcdError::Kind::Timeout:
    case EtcdError::Kind::Protocol:
        return true;
    case EtcdError::Kind::Http:
    case EtcdError::Kind::Etcd:
        return error.is(EtcdError::Condition::Unavailable) || error.httpStatus() >= 500;
    default:
        return false;
    }
}

void LiveTree::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void LiveTree::setRevision(qint64 revision)
{
    if (revision <= m_revision)
        return;
    m_revision = revision;
    Q_EMIT revisionChanged(revision);
}

QString LiveTree::stateText() const
{
    switch (m_state) {
    case State::Stopped:
        return tr("Not watching");
    case State::Starting:
        return tr("Starting the watch…");
    case State::Live:
        return tr("Live");
    case State::Reconnecting:
        return m_error ? tr("Reconnecting (%1)…").arg(m_error.toString()) : tr("Reconnecting…");
    case State::Resyncing:
        return tr("Resyncing: history was compacted, reading the tree again…");
    case State::Failed:
        return m_error ? tr("Watch stopped: %1").arg(m_error.toString()) : tr("Watch stopped");
    }
    return {};
}
