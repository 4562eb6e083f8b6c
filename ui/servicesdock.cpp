#include "servicesdock.h"

#include "connectionsession.h"
#include "errortext.h"
#include "keydisplay.h"
#include "keytreemodel.h"
#include "servicedirectorystore.h"
#include "servicemodel.h"
#include "servicespanel.h"

#include <QAction>
#include <QDialog>
#include <QKeySequence>
#include <QMainWindow>
#include <QMenu>

ServicesDock::ServicesDock(ConnectionSession *session, QWidget *parent)
    : QDockWidget(tr("Services"), parent)
    , m_session(session)
    , m_panel(new ServicesPanel(session->serviceModel(), this))
{
    setObjectName(QStringLiteral("servicesDock"));
    setAccessibleName(tr("Services"));
    setWidget(m_panel);
    setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable |
                QDockWidget::DockWidgetFloatable);
    // Loaded before the model first starts: what the user marked or hid on this connection.
    m_panel->setProfileKey(ServiceDirectoryStore::profileKey(session->profile()));

    QAction *toggle = toggleViewAction();
    toggle->setObjectName(QStringLiteral("servicesAction"));
    toggle->setText(tr("&Services"));
    toggle->setToolTip(tr("Registered service instances and their health"));
    toggle->setShortcut(QKeySequence(tr("Ctrl+Shift+S")));
    // Shown means in front: it shares a tab group with the event log.
    connect(toggle, &QAction::triggered, this, [this](bool checked) {
        if (checked)
            raise();
    });
    // Instances and the selected one's details want more than the event log's strip.
    connect(this, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        auto *window = qobject_cast<QMainWindow *>(parentWidget());
        if (window && visible && height() < 280 && !isFloating())
            window->resizeDocks({this}, {300}, Qt::Vertical);
    });
    ServiceModel *services = session->serviceModel();
    connect(services, &ServiceModel::servicesChanged, this, [this, services] {
        if (m_raised || services->serviceDirectories().isEmpty())
            return;
        m_raised = true;
        if (!isVisible() && !isFloating())
            show();
        raise();
    });
    connect(services, &ServiceModel::errorOccurred, this, [this](const EtcdError &error) {
        Q_EMIT statusMessage(tr("Services: %1").arg(describeError(error)), 10000);
    });
    connect(m_panel, &ServicesPanel::statusMessage, this,
            [this](const QString &text) { Q_EMIT statusMessage(text, 8000); });
}

void ServicesDock::followKeyTree()
{
    m_panel->setSeparator(m_session->keyModel()->separator());
}

void ServicesDock::addServiceActions(QMenu *menu, const QModelIndex &index)
{
    if (!m_session->isConnected() || !index.data(KeyTreeModel::IsDirectoryRole).toBool())
        return;
    const QByteArray dir = index.data(KeyTreeModel::KeyRole).toByteArray();
    if (dir.isEmpty())
        return;
    menu->addSeparator();
    QAction *show = menu->addAction(tr("Show as Services"));
    show->setObjectName(QStringLiteral("showAsServicesAction"));
    show->setToolTip(tr("Show the keys of %1 as the instances of a service").arg(displayKey(dir)));
    show->setCheckable(true);
    show->setChecked(m_session->serviceModel()->isServiceDirectory(dir));
    connect(show, &QAction::toggled, m_panel, [this, dir](bool on) {
        m_panel->setShownAsServices(dir, on);
        if (!on)
            return;
        this->show();
        raise();
    });
}
