#pragma once

#include "connectionprofile.h"
#include "etcdclient.h"

#include <QObject>
#include <QPointer>

class EventLogModel;
class EventPrevValueReader;
class KeyTreeModel;
class LeaseTtlCache;
class LiveTree;
class ServiceModel;

// One window's connection to a cluster and what follows it: the client and its discovery, the
// live key tree (model and watch), the event log's feed, the services and the lease cache, wired
// to each other here. No widgets: the window composes its panels from these parts and shows the
// states this announces. Connecting never blocks: discovery answers (or fails) later.
class ConnectionSession : public QObject
{
    Q_OBJECT
public:
    enum class State { Connecting, Connected, Failed };
    Q_ENUM(State)
    // Where a connection attempt failed: the options could not be applied (a TLS file, no
    // endpoint), or the cluster did not answer discovery.
    enum class Step { Configure, Discover };
    Q_ENUM(Step)

    explicit ConnectionSession(const ConnectionProfile &profile, QObject *parent = nullptr);
    ~ConnectionSession() override;

    const ConnectionProfile &profile() const { return m_profile; }
    // The options in use: the profile's, with the read-only toggle applied.
    const EtcdClient::Options &options() const { return m_options; }
    EtcdClient *client() const { return m_client; }
    KeyTreeModel *keyModel() const { return m_model; }
    LiveTree *liveTree() const { return m_live; }
    EventLogModel *eventLog() const { return m_eventLog; }
    ServiceModel *serviceModel() const { return m_services; }
    // What etcd last said about each v3 lease, shared by the tree, the detail pane and the
    // services; asks the connection once discovery succeeded.
    LeaseTtlCache *leaseCache() const { return m_leases; }

    State state() const { return m_state; }
    bool isConnected() const { return m_state == State::Connected; }
    bool isReadOnly() const { return m_options.readOnly; }
    // The endpoint in use, else the first configured one.
    QString endpoint() const;
    // The last failure (none while connecting or connected).
    EtcdError lastError() const { return m_error; }
    // Credentials were given but the cluster has authentication off (AuthNotEnabled); none
    // otherwise. The client learns it at its first authentication.
    EtcdError authNotEnabled() const;

public Q_SLOTS:
    // Applies the options and discovers the cluster again; everything that followed the old
    // connection stops first.
    void connectToCluster();
    void setReadOnly(bool readOnly);
    // Stops the watch and the services and cancels discovery (before the window goes).
    void stop();

Q_SIGNALS:
    void connecting();
    // The models already follow the new connection; the live tree starts right after.
    void connected(const EtcdClient::ClusterInfo &info);
    void failed(ConnectionSession::Step step, const EtcdError &error);
    void readOnlyChanged(bool readOnly);
    void endpointChanged(const QString &endpoint);
    // The live tree's state or revision changed.
    void watchStateChanged();
    void watchFailed(const EtcdError &error);
    void authFoundDisabled(const EtcdError &error);

private:
    void onDiscovered(const EtcdResult<EtcdClient::ClusterInfo> &result);
    void fail(Step step, const EtcdError &error);

    ConnectionProfile m_profile;
    EtcdClient::Options m_options;
    EtcdClient *m_client;
    QPointer<EtcdDiscovery> m_discovery;
    State m_state = State::Connecting;
    EtcdError m_error;
    KeyTreeModel *m_model;
    LiveTree *m_live;
    EventLogModel *m_eventLog;
    ServiceModel *m_services;
    LeaseTtlCache *m_leases;
    EventPrevValueReader *m_prevValues; // the event log's previous values, from history
};
