#pragma once

#include "clusterdock.h"
#include "connectionprofile.h"
#include "connectionsession.h"
#include "profilebands.h"
#include "servicesdock.h"

#include <QMainWindow>

class ClusterInfoPanel;
class ClusterPanel;
class ConnectionBanner;
class EventLogPanel;
class KeyActions;
class KeyDetailPane;
class KeyspacePanel;
class QDockWidget;
class ServicesPanel;

// etcdscope's main window: composes the key tree, the detail pane, the cluster, event log and
// services panels (docks), the connection banner and the status bar from one ConnectionSession,
// which owns the connection. What the user does to keys lives in KeyActions.
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

    ConnectionSession *session() const { return m_session; }
    EtcdClient *client() const { return m_session->client(); }
    ConnectionBanner *banner() const { return m_banner; }
    ClusterInfoPanel *clusterInfoPanel() const;
    ClusterPanel *clusterPanel() const { return m_clusterDock->panel(); }
    QDockWidget *clusterDock() const { return m_clusterDock; }
    KeyspacePanel *keyspacePanel() const { return m_keyspace; }
    KeyTreeModel *keyModel() const { return m_session->keyModel(); }
    KeyDetailPane *detailPane() const { return m_pane; }
    KeyActions *keyActions() const { return m_actions; }
    LiveTree *liveTree() const { return m_session->liveTree(); }
    EventLogModel *eventLog() const { return m_session->eventLog(); }
    EventLogPanel *eventLogPanel() const { return m_eventPanel; }
    ServiceModel *serviceModel() const { return m_session->serviceModel(); }
    ServicesPanel *servicesPanel() const { return m_servicesDock->panel(); }
    QDockWidget *servicesDock() const { return m_servicesDock; }
    bool isConnected() const { return m_session->isConnected(); }
    bool isReadOnly() const;
    const ConnectionProfile &profile() const { return m_session->profile(); }
    // What the environment band says (empty when hidden), and the insecure-TLS warning.
    QString environmentBandText() const { return m_bands->environmentText(); }
    bool isInsecureWarningShown() const { return m_bands->isInsecureWarningShown(); }
    // Set when credentials were given but the cluster has authentication off.
    QString authNotice() const;

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
    void onConnected(const EtcdClient::ClusterInfo &info);
    void onFailed(ConnectionSession::Step step, const EtcdError &error);
    void updateTitle();
    void showStatus(const QString &text, int timeoutMs);

    ConnectionSession *m_session;
    bool m_closeConfirmed = false;
    QString m_paneMessage; // the last status the detail pane reported

    ConnectionBanner *m_banner;
    ProfileBands *m_bands;
    ClusterDock *m_clusterDock;
    EventLogPanel *m_eventPanel;
    QDockWidget *m_eventDock;
    ServicesDock *m_servicesDock;
    KeyspacePanel *m_keyspace;
    KeyDetailPane *m_pane;
    KeyActions *m_actions;
};
