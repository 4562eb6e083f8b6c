#include "connectionsession.h"

#include "etcdtransport.h"
#include "etcdv3client.h"
#include "eventlogmodel.h"
#include "eventprevvaluereader.h"
#include "keytreelister.h"
#include "keytreemodel.h"
#include "leasettlcache.h"
#include "livetree.h"
#include "servicemodel.h"
#include "servicemonitor.h"

ConnectionSession::ConnectionSession(const ConnectionProfile &profile, QObject *parent)
    : QObject(parent)
    , m_profile(profile)
    , m_options(profile.clientOptions())
    , m_client(new EtcdClient(this))
    , m_model(new KeyTreeModel(this))
    , m_live(new LiveTree(m_model, this))
    , m_eventLog(new EventLogModel(this))
    , m_services(new ServiceModel(this))
    , m_leases(new LeaseTtlCache(this))
    , m_prevValues(new EventPrevValueReader(m_eventLog, this))
{
    m_services->monitor()->setLeaseCache(m_leases);
    m_model->setLeaseCache(m_leases);
    connect(m_live, &LiveTree::eventsReceived, m_eventLog, &EventLogModel::append);
    connect(m_live, &LiveTree::stateChanged, m_eventLog, [this](LiveTree::State state) {
        // The events that follow do not continue the ones before without a gap.
        if (state == LiveTree::State::Starting || state == LiveTree::State::Resyncing ||
            state == LiveTree::State::Stopped)
            m_eventLog->forgetValues();
    });
    connect(m_live, &LiveTree::stateChanged, this, &ConnectionSession::watchStateChanged);
    connect(m_live, &LiveTree::revisionChanged, this, &ConnectionSession::watchStateChanged);
    connect(m_live, &LiveTree::failed, this, &ConnectionSession::watchFailed);
    // A key put or deleted with a lease changes what etcd says about the lease (its keys).
    connect(m_live, &LiveTree::eventsReceived, m_leases,
            [this](const QList<EtcdWatchEvent> &events) {
                for (const EtcdWatchEvent &e : events) {
                    if (e.lease != 0)
                        m_leases->invalidate(e.lease);
                }
            });
    m_services->follow(m_live);
    connect(m_client, &EtcdClient::currentEndpointChanged, this,
            &ConnectionSession::endpointChanged);
    connect(m_client->v3(), &EtcdV3Client::authFoundDisabled, this,
            [this] { Q_EMIT authFoundDisabled(authNotEnabled()); });
}

ConnectionSession::~ConnectionSession()
{
    stop();
    // Children are deleted after this object stopped being a session: no slot of ours may run.
    m_live->disconnect(this);
    m_client->disconnect(this);
    m_client->v3()->disconnect(this);
}

QString ConnectionSession::endpoint() const
{
    const QString current = m_client->transport()->currentEndpoint();
    if (current.isEmpty() && !m_options.endpoints.isEmpty())
        return m_options.endpoints.first();
    return current;
}

EtcdError ConnectionSession::authNotEnabled() const
{
    return m_client->v3()->authNotEnabled();
}

void ConnectionSession::connectToCluster()
{
    if (m_discovery)
        m_discovery->cancel();
    m_state = State::Connecting;
    m_error = {};
    // Nothing may act on the old connection while the new one is discovered.
    m_live->stop();
    m_services->monitor()->stop();
    m_leases->setClient(nullptr);
    m_prevValues->setClient(nullptr);
    m_model->lister()->setClient(nullptr);
    m_model->reload();
    Q_EMIT connecting();

    const EtcdError configError = m_client->configure(m_options);
    if (configError) {
        fail(Step::Configure, configError);
        return;
    }
    Q_EMIT endpointChanged(endpoint());
    m_discovery = m_client->discover(
        this, [this](const EtcdResult<EtcdClient::ClusterInfo> &r) { onDiscovered(r); });
}

void ConnectionSession::onDiscovered(const EtcdResult<EtcdClient::ClusterInfo> &result)
{
    if (!result.ok()) {
        fail(Step::Discover, result.error);
        return;
    }
    m_state = State::Connected;
    const EtcdClient::ClusterInfo &info = result.value;
    m_client->transport()->setReadOnly(m_options.readOnly);
    m_leases->setClient(m_client);
    m_model->lister()->setClient(m_client);
    if (!m_profile.separator.isEmpty())
        m_model->lister()->setSeparator(m_profile.separator.at(0).toLatin1());
    m_model->lister()->setRootPrefix(m_profile.rootPrefix.toUtf8());
    // The same directories and root as the key tree.
    m_services->monitor()->start(m_client, m_model->separator(), m_model->rootPrefix());
    m_eventLog->setApi(info.api);
    m_prevValues->setClient(m_client);
    Q_EMIT connected(info);
    // Reloads the tree and follows the cluster from the revision before the listing.
    if (m_state == State::Connected)
        m_live->start(m_client);
}

void ConnectionSession::fail(Step step, const EtcdError &error)
{
    m_state = State::Failed;
    m_error = error;
    m_live->stop();
    m_services->monitor()->stop();
    Q_EMIT failed(step, error);
}

void ConnectionSession::setReadOnly(bool readOnly)
{
    if (m_options.readOnly == readOnly)
        return;
    // A reconnect applies m_options again: the toggle survives it.
    m_options.readOnly = readOnly;
    Q_EMIT readOnlyChanged(readOnly);
}

void ConnectionSession::stop()
{
    if (m_discovery)
        m_discovery->cancel();
    m_live->stop();
    m_services->monitor()->stop();
}
