#pragma once

#include <QDockWidget>

class ConnectionSession;
class QMenu;
class QModelIndex;
class ServicesPanel;

// The main window's Services dock: the session's ServiceModel in a ServicesPanel, its View menu
// action (Ctrl+Shift+S), the key tree's "Show as Services" item, and coming to the front the
// first time a service is found (later the user's choice of tab stands).
class ServicesDock : public QDockWidget
{
    Q_OBJECT
public:
    ServicesDock(ConnectionSession *session, QWidget *parent = nullptr);

    ServicesPanel *panel() const { return m_panel; }
    // The session connected: the panel names directories as the key tree does.
    void followKeyTree();
    // Adds "Show as Services" for a directory of the key tree's context menu.
    void addServiceActions(QMenu *menu, const QModelIndex &index);

Q_SIGNALS:
    void statusMessage(const QString &text, int timeoutMs);

private:
    ConnectionSession *m_session;
    ServicesPanel *m_panel;
    bool m_raised = false; // came to the front when the first service showed
};
