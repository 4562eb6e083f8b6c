#include "clusterdock.h"

#include "clusterinfopanel.h"
#include "clusterpanel.h"
#include "connectionsession.h"

#include <QAction>
#include <QDialog>
#include <QKeySequence>
#include <QMainWindow>

ClusterDock::ClusterDock(ConnectionSession *session, QWidget *parent)
    : QDockWidget(tr("Cluster"), parent)
    , m_session(session)
    , m_panel(new ClusterPanel(this))
{
    setObjectName(QStringLiteral("clusterDock"));
    setAccessibleName(tr("Cluster"));
    setWidget(m_panel);
    setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable |
                QDockWidget::DockWidgetFloatable);
    QAction *toggle = toggleViewAction();
    toggle->setText(tr("&Cluster"));
    toggle->setShortcut(QKeySequence(tr("Ctrl+I")));
    // Shown means in front: it shares a tab group with the event log.
    connect(toggle, &QAction::triggered, this, [this](bool checked) {
        if (checked)
            raise();
    });
    // The members are asked only while their panel is on screen; the members table wants
    // more than the event log's strip.
    connect(this, &QDockWidget::visibilityChanged, m_panel, [this](bool visible) {
        m_panel->setActive(visible && m_session->isConnected());
        auto *window = qobject_cast<QMainWindow *>(parentWidget());
        if (window && visible && height() < 300 && !isFloating())
            window->resizeDocks({this}, {320}, Qt::Vertical);
    });
    connect(m_panel, &ClusterPanel::statusMessage, this,
            [this](const QString &text) { Q_EMIT statusMessage(text, 10000); });
    connect(session, &ConnectionSession::connecting, this, &ClusterDock::onConnecting);
    connect(session, &ConnectionSession::connected, this, &ClusterDock::onConnected);
    connect(session, &ConnectionSession::failed, m_panel,
            [this] { m_panel->infoPanel()->showFailed(); });
    connect(session, &ConnectionSession::readOnlyChanged, m_panel, [this](bool readOnly) {
        m_panel->setReadOnly(readOnly);
        if (m_session->isConnected())
            m_panel->infoPanel()->showInfo(m_session->client()->clusterInfo(), readOnly);
        else
            m_panel->infoPanel()->showConnecting(m_session->options().endpoints, readOnly);
    });
}

ClusterDock::~ClusterDock()
{
    // Hiding the children while QWidget's destructor runs says the dock went out of sight.
    disconnect(this, &QDockWidget::visibilityChanged, m_panel, nullptr);
    m_panel->setActive(false);
}

void ClusterDock::onConnecting()
{
    m_panel->infoPanel()->showConnecting(m_session->options().endpoints, m_session->isReadOnly());
    m_panel->setClient(nullptr);
    m_panel->setActive(false);
}

void ClusterDock::onConnected()
{
    const EtcdClient::Options &options = m_session->options();
    m_panel->infoPanel()->showInfo(m_session->client()->clusterInfo(), options.readOnly);
    m_panel->setEndpoints(options.endpoints);
    m_panel->setReadOnly(options.readOnly);
    m_panel->setClient(m_session->client());
    m_panel->setActive(isVisible());
}
