// The main window's Services dock: the ServiceModel follows the live tree and starts after each
// discovery; the panel shares the bottom with the event log and comes to the front the first
// time a service is found; the key tree's context menu marks a directory as services.
#include "mainwindow.h"

#include "errortext.h"
#include "keyactions.h"
#include "keydisplay.h"
#include "keytreemodel.h"
#include "livetree.h"
#include "servicedirectorystore.h"
#include "servicemodel.h"
#include "servicespanel.h"

#include <QAction>
#include <QDockWidget>
#include <QKeySequence>
#include <QMenu>
#include <QStatusBar>

void MainWindow::createServicesDock()
{
    m_services = new ServiceModel(this);
    m_services->monitor()->setLeaseCache(m_leases);
    m_servicesPanel = new ServicesPanel(m_services, this);
    m_servicesDock = new QDockWidget(tr("Services"), this);
    m_servicesDock->setObjectName(QStringLiteral("servicesDock"));
    m_servicesDock->setAccessibleName(tr("Services"));
    m_servicesDock->setWidget(m_servicesPanel);
    m_servicesDock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable |
                                QDockWidget::DockWidgetFloatable);
    addDockWidget(Qt::BottomDockWidgetArea, m_servicesDock);
    tabifyDockWidget(m_eventDock, m_servicesDock);
    m_eventDock->raise();

    // Loaded before the model first starts: what the user marked or hid on this connection.
    m_servicesPanel->setProfileKey(ServiceDirectoryStore::profileKey(m_profile));
    m_services->follow(m_live);

    QAction *toggle = m_servicesDock->toggleViewAction();
    toggle->setObjectName(QStringLiteral("servicesAction"));
    toggle->setText(tr("&Services"));
    toggle->setToolTip(tr("Registered service instances and their health"));
    toggle->setShortcut(QKeySequence(tr("Ctrl+Shift+S")));
    // Shown means in front: it shares a tab group with the event log.
    connect(toggle, &QAction::triggered, m_servicesDock, [this](bool checked) {
        if (checked)
            m_servicesDock->raise();
    });
    // Instances and the selected one's details want more than the event log's strip.
    connect(m_servicesDock, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        if (visible && m_servicesDock->height() < 280 && !m_servicesDock->isFloating())
            resizeDocks({m_servicesDock}, {300}, Qt::Vertical);
    });
    // A new user sees the services as soon as there are any; later the user's choice of tab
    // stands.
    connect(m_services, &ServiceModel::servicesChanged, this, [this] {
        if (m_servicesRaised || m_services->serviceDirectories().isEmpty())
            return;
        m_servicesRaised = true;
        if (!m_servicesDock->isVisible() && !m_servicesDock->isFloating())
            m_servicesDock->show();
        m_servicesDock->raise();
    });
    connect(m_services, &ServiceModel::errorOccurred, this, [this](const EtcdError &error) {
        statusBar()->showMessage(tr("Services: %1").arg(describeError(error)), 10000);
    });
    connect(m_servicesPanel, &ServicesPanel::keyActivated, m_actions, &KeyActions::selectKey);
    connect(m_servicesPanel, &ServicesPanel::statusMessage, this,
            [this](const QString &text) { statusBar()->showMessage(text, 8000); });
    connect(m_actions, &KeyActions::contextMenuAboutToShow, this, &MainWindow::addServiceActions);
}

void MainWindow::startServices()
{
    // The same directories and root as the key tree (set on the model just before).
    m_servicesPanel->setSeparator(m_model->separator());
    m_services->monitor()->start(m_client, m_model->separator(), m_model->rootPrefix());
}

void MainWindow::addServiceActions(QMenu *menu, const QModelIndex &index)
{
    if (!m_connected || !index.data(KeyTreeModel::IsDirectoryRole).toBool())
        return;
    const QByteArray dir = index.data(KeyTreeModel::KeyRole).toByteArray();
    if (dir.isEmpty())
        return;
    menu->addSeparator();
    QAction *show = menu->addAction(tr("Show as Services"));
    show->setObjectName(QStringLiteral("showAsServicesAction"));
    show->setToolTip(tr("Show the keys of %1 as the instances of a service").arg(displayKey(dir)));
    show->setCheckable(true);
    show->setChecked(m_services->isServiceDirectory(dir));
    connect(show, &QAction::toggled, m_servicesPanel, [this, dir](bool on) {
        m_servicesPanel->setShownAsServices(dir, on);
        if (!on)
            return;
        m_servicesDock->show();
        m_servicesDock->raise();
    });
}
