#pragma once

#include "etcdclient.h"

#include <QMainWindow>
#include <QPointer>

class ClusterInfoPanel;
class ConnectionBanner;
class EtcdDiscovery;
class KeyspacePanel;
class QLabel;

// etcdscope's main window: composes the panels, owns the connection and runs its discovery.
// Connecting never blocks: discovery answers (or fails with a message in the banner) later.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(const EtcdClient::Options &options, QWidget *parent = nullptr);
    ~MainWindow() override;

    EtcdClient *client() const { return m_client; }
    ConnectionBanner *banner() const { return m_banner; }
    ClusterInfoPanel *clusterInfoPanel() const { return m_info; }
    KeyspacePanel *keyspacePanel() const { return m_keyspace; }
    bool isConnected() const { return m_connected; }

public Q_SLOTS:
    // Applies the options and discovers the cluster again (the banner's Retry).
    void connectToCluster();

Q_SIGNALS:
    // After each attempt: connected or not (the banner says why).
    void connectionAttempted(bool connected);

private:
    void onDiscovered(const EtcdResult<EtcdClient::ClusterInfo> &result);
    void showFailure(const QString &title, const EtcdError &error);
    void updateTitle();
    void updateStatusBar();

    EtcdClient::Options m_options;
    EtcdClient *m_client;
    QPointer<EtcdDiscovery> m_discovery;
    bool m_connected = false;

    ConnectionBanner *m_banner;
    ClusterInfoPanel *m_info;
    KeyspacePanel *m_keyspace;
    QLabel *m_endpointStatus;
    QLabel *m_apiStatus;
    QLabel *m_accessStatus;
};
