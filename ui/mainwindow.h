#pragma once

#include "connectionprofile.h"
#include "etcdclient.h"

#include <QMainWindow>
#include <QPointer>

class ClusterInfoPanel;
class ClusterPanel;
class ConnectionBanner;
class EventLogModel;
class EventLogPanel;
class EventPrevValueReader;
class EtcdDiscovery;
class KeyActions;
class KeyDetailPane;
class KeyTreeModel;
class LeaseTtlCache;
class KeyspacePanel;
class LiveTree;
class QDockWidget;
class QLabel;
class QMenu;
class QModelIndex;
class ServiceModel;
class ServicesPanel;

// etcdscope's main window: composes the key tree, the detail pane, the cluster, event log and
// services panels (docks) and the connection banner, owns the connection and runs its
// discovery. What the user does to keys lives in KeyActions. Connecting never blocks: discovery
// answers (or fails with a message in the banner) later.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    // A connection from the command line (no profile: no name, no environment band).
    explicit MainWindow(const EtcdClient::Options &options, QWidget *parent = nullptr);
    // A saved profile: its name and environment colour the window, production asks to type
    // names before deletes and membership changes.
    explicit MainWindow(const ConnectionProfile &profile, QWidget *parent = nullptr);
    ~MainWindow() override;

    EtcdClient *client() const { return m_client; }
    ConnectionBanner *banner() const { return m_banner; }
    ClusterInfoPanel *clusterInfoPanel() const { return m_info; }
    ClusterPanel *clusterPanel() const { return m_cluster; }
    QDockWidget *clusterDock() const { return m_infoDock; }
    KeyspacePanel *keyspacePanel() const { return m_keyspace; }
    KeyTreeModel *keyModel() const { return m_model; }
    KeyDetailPane *detailPane() const { return m_pane; }
    KeyActions *keyActions() const { return m_actions; }
    LiveTree *liveTree() const { return m_live; }
    EventLogModel *eventLog() const { return m_eventLog; }
    EventLogPanel *eventLogPanel() const { return m_eventPanel; }
    ServiceModel *serviceModel() const { return m_services; }
    ServicesPanel *servicesPanel() const { return m_servicesPanel; }
    QDockWidget *servicesDock() const { return m_servicesDock; }
    bool isConnected() const { return m_connected; }
    bool isReadOnly() const;
    const ConnectionProfile &profile() const { return m_profile; }
    // What the environment band says (empty when hidden), and the insecure-TLS warning.
    QString environmentBandText() const;
    bool isInsecureWarningShown() const;
    // Set when credentials were given but the cluster has authentication off.
    QString authNotice() const { return m_authNotice; }

public Q_SLOTS:
    // Applies the options and discovers the cluster again (the banner's Retry).
    void connectToCluster();
    void setReadOnly(bool readOnly);

Q_SIGNALS:
    // After each attempt: connected or not (the banner says why).
    void connectionAttempted(bool connected);
    // File → Connect… and File → Recent: the application opens the profile in a new window.
    void connectDialogRequested();
    void profileRequested(const QString &name);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createMenus();
    void applyProfile();
    void updateRecentMenu();
    void onDiscovered(const EtcdResult<EtcdClient::ClusterInfo> &result);
    void onReadOnlyChanged(bool readOnly);
    void showFailure(const QString &title, const EtcdError &error);
    void updateTitle();
    void updateStatusBar();
    void updateWatchStatus();
    // mainwindow_services.cpp
    void createServicesDock();
    void startServices();
    void addServiceActions(QMenu *menu, const QModelIndex &index);

    ConnectionProfile m_profile;
    EtcdClient::Options m_options;
    EtcdClient *m_client;
    LeaseTtlCache *m_leases; // the connection's lease answers: detail pane, services
    QPointer<EtcdDiscovery> m_discovery;
    bool m_connected = false;
    bool m_closeConfirmed = false;
    QString m_paneMessage; // the last status the detail pane reported
    QString m_authNotice;  // credentials given to a cluster without authentication

    KeyTreeModel *m_model;
    ConnectionBanner *m_banner;
    ClusterPanel *m_cluster;
    ClusterInfoPanel *m_info;
    QDockWidget *m_infoDock;
    LiveTree *m_live;
    EventLogModel *m_eventLog;
    EventPrevValueReader *m_prevValues;
    EventLogPanel *m_eventPanel;
    QDockWidget *m_eventDock;
    ServiceModel *m_services = nullptr;
    ServicesPanel *m_servicesPanel = nullptr;
    QDockWidget *m_servicesDock = nullptr;
    bool m_servicesRaised = false; // the dock came to the front when the first service showed
    KeyspacePanel *m_keyspace;
    KeyDetailPane *m_pane;
    KeyActions *m_actions;
    QLabel *m_environmentBand;
    QLabel *m_insecureBand;
    QMenu *m_recentMenu = nullptr;
    QLabel *m_endpointStatus;
    QLabel *m_apiStatus;
    QLabel *m_accessStatus;
    QLabel *m_watchStatus;
};
