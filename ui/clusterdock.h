#pragma once

#include <QDockWidget>

class ClusterPanel;
class ConnectionSession;

// The main window's Cluster dock: the session's cluster in a ClusterPanel (members asked only
// while the dock is on screen and connected), its View menu action (Ctrl+I), following the
// session's connection attempts and read-only toggle.
class ClusterDock : public QDockWidget
{
    Q_OBJECT
public:
    ClusterDock(ConnectionSession *session, QWidget *parent = nullptr);
    ~ClusterDock() override;

    ClusterPanel *panel() const { return m_panel; }

Q_SIGNALS:
    void statusMessage(const QString &text, int timeoutMs);

private:
    void onConnecting();
    void onConnected();

    ConnectionSession *m_session;
    ClusterPanel *m_panel;
};
