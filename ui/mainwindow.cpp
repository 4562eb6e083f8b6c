#include "mainwindow.h"

#include "clusterinfopanel.h"
#include "clusterpanel.h"
#include "connectionbanner.h"
#include "errortext.h"
#include "etcdtransport.h"
#include "etcdv3client.h"
#include "etcdwatcher.h"
#include "eventlogmodel.h"
#include "eventlogpanel.h"
#include "keyactions.h"
#include "keydetailpane.h"
#include "keyspacepanel.h"
#include "keytreelister.h"
#include "leasettlcache.h"
#include "keytreemodel.h"
#include "livetree.h"
#include "profilestore.h"
#include "servicemodel.h"
#include "servicespanel.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QKeySequence>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSplitter>
#include <QStatusBar>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>

MainWindow::MainWindow(const EtcdClient::Options &options, QWidget *parent)
    : MainWindow(ConnectionProfile::fromOptions(options), parent)
{
}

MainWindow::MainWindow(const ConnectionProfile &profile, QWidget *parent)
    : QMainWindow(parent)
    , m_profile(profile)
    , m_options(profile.clientOptions())
    , m_client(new EtcdClient(this))
    , m_model(new KeyTreeModel(this))
    , m_banner(new ConnectionBanner(this))
    , m_cluster(new ClusterPanel(this))
    , m_info(m_cluster->infoPanel())
    , m_infoDock(new QDockWidget(tr("Cluster"), this))
    , m_live(new LiveTree(m_model, this))
    , m_eventLog(new EventLogModel(this))
    , m_eventPanel(new EventLogPanel(m_eventLog, this))
    , m_eventDock(new QDockWidget(tr("Events"), this))
    , m_keyspace(new KeyspacePanel(m_model, this))
    , m_pane(new KeyDetailPane(this))
    , m_actions(new KeyActions(m_model, m_keyspace->view(), m_pane, this))
    , m_environmentBand(new QLabel(this))
    , m_insecureBand(new QLabel(this))
    , m_endpointStatus(new QLabel(this))
    , m_apiStatus(new QLabel(this))
    , m_accessStatus(new QLabel(this))
    , m_watchStatus(new QLabel(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    m_model->setLeaseCache(new LeaseTtlCache(m_model));
    setAccessibleName(tr("etcdscope"));
    m_endpointStatus->setObjectName(QStringLiteral("endpointStatus"));
    m_endpointStatus->setAccessibleName(tr("Connection status"));
    m_apiStatus->setObjectName(QStringLiteral("apiStatus"));
    m_apiStatus->setAccessibleName(tr("Server version and API"));
    m_accessStatus->setObjectName(QStringLiteral("accessStatus"));
    m_accessStatus->setAccessibleName(tr("Access"));
    m_watchStatus->setObjectName(QStringLiteral("watchStatus"));
    m_watchStatus->setAccessibleName(tr("Watch state and revision"));
    m_banner->setAccessibleName(tr("Connection problem"));
    m_pane->setAccessibleName(tr("Key details"));

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setObjectName(QStringLiteral("mainSplitter"));
    splitter->setAccessibleName(tr("Key tree and details"));
    splitter->addWidget(m_keyspace);
    splitter->addWidget(m_pane);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({660, 520});
    splitter->setChildrenCollapsible(false);

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    m_environmentBand->setObjectName(QStringLiteral("environmentBand"));
    m_environmentBand->setAccessibleName(tr("Connection environment"));
    m_environmentBand->setAlignment(Qt::AlignCenter);
    m_environmentBand->hide();
    m_insecureBand->setObjectName(QStringLiteral("insecureBand"));
    m_insecureBand->setAccessibleName(tr("Certificate verification warning"));
    m_insecureBand->setWordWrap(true);
    m_insecureBand->setAlignment(Qt::AlignCenter);
    m_insecureBand->setStyleSheet(QStringLiteral(
        "QLabel { background: #b71c1c; color: white; font-weight: bold; padding: 4px; }"));
    m_insecureBand->setText(
        tr("The server's certificate is NOT verified on this connection: anyone on the network "
           "path can pose as the cluster and read what you send, passwords included."));
    m_insecureBand->hide();
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_environmentBand);
    layout->addWidget(m_insecureBand);
    layout->addWidget(m_banner);
    layout->addWidget(splitter, 1);
    setCentralWidget(central);

    m_infoDock->setObjectName(QStringLiteral("clusterDock"));
    m_infoDock->setAccessibleName(tr("Cluster"));
    m_infoDock->setWidget(m_cluster);
    m_infoDock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable |
                            QDockWidget::DockWidgetFloatable);

    m_eventDock->setObjectName(QStringLiteral("eventLogDock"));
    m_eventDock->setAccessibleName(tr("Event log"));
    m_eventDock->setWidget(m_eventPanel);
    m_eventDock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable |
                             QDockWidget::DockWidgetFloatable);
    addDockWidget(Qt::BottomDockWidgetArea, m_eventDock);
    // The members table is wide: the cluster panel shares the bottom with the event log, as a
    // tab, out of the way until asked for (the status bar already names the server and API).
    addDockWidget(Qt::BottomDockWidgetArea, m_infoDock);
    tabifyDockWidget(m_eventDock, m_infoDock);
    m_infoDock->hide();
    m_eventDock->raise();
    // The members are asked only while their panel is on screen.
    connect(m_infoDock, &QDockWidget::visibilityChanged, m_cluster, [this](bool visible) {
        m_cluster->setActive(visible && m_connected);
        if (visible && m_infoDock->height() < 300 && !m_infoDock->isFloating())
            resizeDocks({m_infoDock}, {320}, Qt::Vertical);
    });
    connect(m_cluster, &ClusterPanel::statusMessage, this,
            [this](const QString &text) { statusBar()->showMessage(text, 10000); });

    createServicesDock();
    createMenus();

    statusBar()->setAccessibleName(tr("Status bar"));
    statusBar()->addWidget(m_endpointStatus, 1);
    statusBar()->addPermanentWidget(m_watchStatus);
    statusBar()->addPermanentWidget(m_apiStatus);
    statusBar()->addPermanentWidget(m_accessStatus);

    connect(m_banner, &ConnectionBanner::retryRequested, this, &MainWindow::connectToCluster);
    connect(m_live, &LiveTree::eventsReceived, m_eventLog, &EventLogModel::append);
    // The open key follows the cluster too; the user's unsaved text is never replaced.
    connect(m_live, &LiveTree::eventsReceived, m_pane, &KeyDetailPane::applyWatchEvents);
    connect(m_live, &LiveTree::stateChanged, this, &MainWindow::updateWatchStatus);
    connect(m_live, &LiveTree::stateChanged, m_eventLog, [this](LiveTree::State state) {
        // The events that follow do not continue the ones before without a gap.
        if (state == LiveTree::State::Starting || state == LiveTree::State::Resyncing ||
            state == LiveTree::State::Stopped)
            m_eventLog->forgetValues();
    });
    connect(m_live, &LiveTree::revisionChanged, this, &MainWindow::updateWatchStatus);
    connect(m_live, &LiveTree::failed, this, [this](const EtcdError &error) {
        statusBar()->showMessage(tr("The watch stopped: %1").arg(describeError(error)), 15000);
    });
    connect(m_client, &EtcdClient::currentEndpointChanged, this, [this] {
        updateTitle();
        updateStatusBar();
    });
    connect(m_actions, &KeyActions::statusMessage, this,
            [this](const QString &text) { statusBar()->showMessage(text, 8000); });
    connect(m_actions, &KeyActions::readOnlyChanged, this, &MainWindow::onReadOnlyChanged);
    connect(m_pane, &KeyDetailPane::statusMessage, this, [this](const QString &text) {
        m_paneMessage = text;
        statusBar()->showMessage(text, 8000);
    });

    m_actions->setReadOnly(m_options.readOnly);
    applyProfile();
    resize(1180, 720);
    // A strip at the bottom: the tree and the editor keep most of the window.
    resizeDocks({m_eventDock}, {190}, Qt::Vertical);
    updateTitle();
    updateStatusBar();
    connectToCluster();
}

MainWindow::~MainWindow()
{
    if (m_discovery)
        m_discovery->cancel();
    // Children are deleted after this window stopped being a MainWindow: no slot of ours may
    // run then.
    m_live->disconnect(this);
    m_live->stop();
    m_services->disconnect(this);
    m_servicesPanel->disconnect(this);
    m_servicesPanel->disconnect(m_actions);
    m_services->stop();
    // Hiding the children while QWidget's destructor runs says the dock went out of sight.
    m_infoDock->disconnect(m_cluster);
    m_cluster->disconnect(this);
    m_cluster->setActive(false);
}

void MainWindow::createMenus()
{
    QMenu *fileMenu = menuBar()->addMenu(tr("&File"));
    QAction *connectAction = fileMenu->addAction(tr("&Connect…"), this,
                                                 &MainWindow::connectDialogRequested);
    connectAction->setObjectName(QStringLiteral("connectAction"));
    connectAction->setShortcut(QKeySequence::Open);
    connectAction->setToolTip(tr("Open a saved connection, or make one, in a new window"));
    m_recentMenu = fileMenu->addMenu(tr("&Recent Connections"));
    m_recentMenu->setObjectName(QStringLiteral("recentMenu"));
    connect(m_recentMenu, &QMenu::aboutToShow, this, &MainWindow::updateRecentMenu);
    updateRecentMenu();
    fileMenu->addSeparator();
    QAction *reconnect = fileMenu->addAction(tr("Re&connect"), this, &MainWindow::connectToCluster);
    reconnect->setObjectName(QStringLiteral("reconnectAction"));
    reconnect->setShortcut(QKeySequence(tr("Ctrl+Shift+R")));
    fileMenu->addAction(m_actions->action(KeyActions::ReadOnly));
    fileMenu->addSeparator();
    QAction *quit = fileMenu->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *keyMenu = menuBar()->addMenu(tr("&Key"));
    keyMenu->setObjectName(QStringLiteral("keyMenu"));
    m_actions->addKeyActions(keyMenu);

    QMenu *viewMenu = menuBar()->addMenu(tr("&View"));
    viewMenu->addAction(m_keyspace->filterAction());
    viewMenu->addAction(m_actions->action(KeyActions::ShowHidden));
    viewMenu->addSeparator();
    QAction *dockToggle = m_infoDock->toggleViewAction();
    dockToggle->setText(tr("&Cluster"));
    // Shown means in front: it shares a tab group with the event log.
    connect(dockToggle, &QAction::triggered, m_infoDock, [this](bool checked) {
        if (checked)
            m_infoDock->raise();
    });
    dockToggle->setShortcut(QKeySequence(tr("Ctrl+I")));
    viewMenu->addAction(dockToggle);
    QAction *eventsToggle = m_eventDock->toggleViewAction();
    eventsToggle->setObjectName(QStringLiteral("eventLogAction"));
    eventsToggle->setText(tr("&Event Log"));
    eventsToggle->setShortcut(QKeySequence(tr("Ctrl+E")));
    viewMenu->addAction(eventsToggle);
    viewMenu->addAction(m_servicesDock->toggleViewAction());

    QToolBar *toolBar = addToolBar(tr("Keys"));
    toolBar->setObjectName(QStringLiteral("keyToolBar"));
    toolBar->setAccessibleName(tr("Key actions"));
    toolBar->setMovable(false);
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_actions->addToolBarActions(toolBar);
    toolBar->addSeparator();
    toolBar->addAction(dockToggle);
    toolBar->addAction(m_servicesDock->toggleViewAction());
}

void MainWindow::connectToCluster()
{
    if (m_discovery)
        m_discovery->cancel();
    m_connected = false;
    m_banner->hide();
    m_info->showConnecting(m_options.endpoints, m_options.readOnly);
    m_cluster->setClient(nullptr);
    m_cluster->setActive(false);
    m_insecureBand->hide();
    m_keyspace->showNotConnected(tr("Connecting…"));
    // Nothing may act on the old connection while the new one is discovered.
    m_live->stop();
    m_services->stop();
    m_actions->setClient(nullptr);
    m_pane->setClient(nullptr);
    m_model->lister()->setClient(nullptr);
    m_model->leaseCache()->setClient(nullptr);
    m_model->reload();

    const EtcdError configError = m_client->configure(m_options);
    if (configError) {
        showFailure(tr("Cannot set up the connection"), configError);
        return;
    }
    updateTitle();
    updateStatusBar();
    m_endpointStatus->setText(
        tr("Connecting to %1…").arg(m_client->transport()->currentEndpoint()));
    m_discovery = m_client->discover(
        this, [this](const EtcdResult<EtcdClient::ClusterInfo> &r) { onDiscovered(r); });
}

void MainWindow::onDiscovered(const EtcdResult<EtcdClient::ClusterInfo> &result)
{
    if (!result.ok()) {
        showFailure(tr("Cannot reach the cluster"), result.error);
        return;
    }
    m_connected = true;
    const EtcdClient::ClusterInfo &info = result.value;
    m_info->showInfo(info, m_options.readOnly);
    m_client->transport()->setReadOnly(m_options.readOnly);
    m_pane->setClient(m_client);
    if (KeyDocument *document = m_pane->document()) {
        // "Loading /a…" from the pane is done once the key is loaded; a message that came
        // later (an action's result) stays.
        connect(document, &KeyDocument::loaded, this, [this] {
            if (statusBar()->currentMessage() == m_paneMessage)
                statusBar()->clearMessage();
        });
    }
    m_actions->setClient(m_client);
    m_model->lister()->setClient(m_client);
    m_model->leaseCache()->setClient(m_client);
    if (!m_profile.separator.isEmpty())
        m_model->lister()->setSeparator(m_profile.separator.at(0).toLatin1());
    m_model->lister()->setRootPrefix(m_profile.rootPrefix.toUtf8());
    startServices();
    m_keyspace->showListing(EtcdClient::apiName(info.api));
    m_eventLog->setApi(info.api);
    m_eventLog->setClient(m_client);
    // Reloads the tree and follows the cluster from the revision before the listing.
    m_live->start(m_client);
    if (!m_options.user.isEmpty() && info.v3Available) {
        // Credentials on a cluster with authentication off: etcd allows everything and the
        // client carries on without them; the user should know.
        m_client->v3()->authenticate(
            m_client->transport()->user(), m_client->transport()->password(), this,
            [this](const EtcdResult<EtcdV3AuthenticateResult> &r) {
                if (r.error.is(EtcdError::Condition::AuthNotEnabled)) {
                    m_authNotice = describeError(r.error);
                    statusBar()->showMessage(m_authNotice, 20000);
                }
            });
    }
    m_insecureBand->setVisible(m_options.insecureSkipVerify);
    m_cluster->setEndpoints(m_options.endpoints);
    m_cluster->setReadOnly(m_options.readOnly);
    m_cluster->setClient(m_client);
    m_cluster->setActive(m_infoDock->isVisible());
    updateTitle();
    updateStatusBar();
    Q_EMIT connectionAttempted(true);
}

void MainWindow::showFailure(const QString &title, const EtcdError &error)
{
    m_connected = false;
    m_live->stop();
    m_services->stop();
    const QString message = describeError(error);
    m_banner->showError(title, message, error.toString());
    m_info->showFailed();
    m_keyspace->showNotConnected(tr("Not connected."));
    updateStatusBar();
    Q_EMIT connectionAttempted(false);
}

bool MainWindow::isReadOnly() const
{
    return m_actions->isReadOnly();
}

void MainWindow::setReadOnly(bool readOnly)
{
    m_actions->setReadOnly(readOnly);
}

void MainWindow::onReadOnlyChanged(bool readOnly)
{
    // A reconnect applies m_options again: the toggle must survive it.
    m_options.readOnly = readOnly;
    m_cluster->setReadOnly(readOnly);
    if (m_connected)
        m_info->showInfo(m_client->clusterInfo(), readOnly);
    else
        m_info->showConnecting(m_options.endpoints, readOnly);
    updateTitle();
    updateStatusBar();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_closeConfirmed || !m_pane->hasUnsavedChanges()) {
        event->accept();
        return;
    }
    // Asked without a nested event loop: the close is repeated once the user answered.
    event->ignore();
    auto *box = new QMessageBox(QMessageBox::Question, tr("Unsaved Changes"),
                                tr("The value being edited has changes that are not saved. "
                                   "Close etcdscope anyway?"),
                                QMessageBox::Discard | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("closeUnsavedBox"));
    box->setAccessibleName(box->windowTitle());
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this](int button) {
        if (button != QMessageBox::Discard)
            return;
        m_closeConfirmed = true;
        close();
    });
    box->open();
}

void MainWindow::applyProfile()
{
    const bool named = !m_profile.name.isEmpty();
    const QString where = named ? QStringLiteral("%1 · %2").arg(m_profile.environmentLabel(),
                                                               m_profile.name)
                                : m_profile.environmentLabel();
    if (named || m_profile.isProduction()) {
        const QColor color = m_profile.bandColor();
        const QColor text = color.lightnessF() > 0.6 ? Qt::black : Qt::white;
        m_environmentBand->setStyleSheet(
            QStringLiteral("QLabel { background: %1; color: %2; font-weight: bold; padding: 3px; }")
                .arg(color.name(), text.name()));
        QString band = m_profile.isProduction() ? where.toUpper() : where;
        if (m_profile.isProduction())
            band += tr(" — deletes and membership changes ask you to type the name");
        m_environmentBand->setText(band);
        m_environmentBand->show();
    }
    // Production: a slip is expensive, so names are typed, not clicked.
    const QString typed = m_profile.isProduction() ? where : QString();
    m_actions->setTypedConfirmation(typed);
    m_cluster->setTypedConfirmation(typed, m_profile.name.isEmpty() ? m_profile.environmentLabel()
                                                                    : m_profile.name);
}

void MainWindow::updateRecentMenu()
{
    m_recentMenu->clear();
    const ProfileStore store;
    const QList<ConnectionProfile> profiles = store.profiles();
    for (const QString &name : store.recent()) {
        const auto p = std::find_if(profiles.cbegin(), profiles.cend(), [&](const auto &q) {
            return q.name.compare(name, Qt::CaseInsensitive) == 0;
        });
        if (p == profiles.cend())
            continue;
        QAction *a = m_recentMenu->addAction(
            QStringLiteral("%1  (%2)").arg(p->name, p->environmentLabel()),
            this, [this, name = p->name] { Q_EMIT profileRequested(name); });
        a->setObjectName(QStringLiteral("recentProfileAction"));
    }
    m_recentMenu->setEnabled(!m_recentMenu->isEmpty());
}

QString MainWindow::environmentBandText() const
{
    return m_environmentBand->isVisibleTo(this) ? m_environmentBand->text() : QString();
}

bool MainWindow::isInsecureWarningShown() const
{
    return m_insecureBand->isVisibleTo(this);
}

void MainWindow::updateTitle()
{
    QString endpoint = m_client->transport()->currentEndpoint();
    if (endpoint.isEmpty() && !m_options.endpoints.isEmpty())
        endpoint = m_options.endpoints.first();
    QString title = tr("etcdscope — %1").arg(endpoint);
    if (!m_profile.name.isEmpty()) {
        title = m_profile.isProduction()
                    ? tr("%1 [PRODUCTION] — etcdscope — %2").arg(m_profile.name, endpoint)
                    : tr("%1 — etcdscope — %2").arg(m_profile.name, endpoint);
    }
    if (m_options.insecureSkipVerify)
        title += tr(" [certificate NOT verified]");
    if (m_options.readOnly)
        title += tr(" [read-only]");
    setWindowTitle(title);
}

void MainWindow::updateStatusBar()
{
    const QString endpoint = m_client->transport()->currentEndpoint();
    if (!m_connected) {
        m_endpointStatus->setText(m_banner->isVisibleTo(this) ? tr("Not connected")
                                                              : tr("Connecting…"));
        m_apiStatus->clear();
    } else {
        const EtcdClient::ClusterInfo info = m_client->clusterInfo();
        m_endpointStatus->setText(tr("Connected to %1").arg(endpoint));
        m_apiStatus->setText(
            tr("etcd %1 · API %2").arg(info.serverVersion, EtcdClient::apiName(info.api)));
    }
    m_accessStatus->setText(m_options.readOnly ? tr("Read-only") : tr("Read-write"));
    updateWatchStatus();
}

void MainWindow::updateWatchStatus()
{
    const LiveTree::State state = m_live->state();
    if (!m_connected || state == LiveTree::State::Stopped) {
        m_watchStatus->clear();
        return;
    }
    const bool v2 = m_client->apiInUse() == EtcdClient::Api::V2;
    QString text = m_live->stateText();
    if (m_live->revision() > 0) {
        text += QStringLiteral(" · ") +
            (v2 ? tr("index %L1") : tr("revision %L1")).arg(m_live->revision());
    }
    m_watchStatus->setText(text);
    QString tip = m_live->stateText();
    if (state == LiveTree::State::Live) {
        tip = tr("The tree and the event log follow the cluster.");
        if (!v2 && m_live->watcher()) {
            // The JSON gateway costs etcd ~0.1 ms an event: worth knowing when changes lag.
            tip += QLatin1Char(' ') +
                   (m_live->watcher()->usesGrpc()
                        ? tr("The watch uses etcd's gRPC protocol.")
                        : tr("The watch uses etcd's JSON gateway: gRPC did not get through to "
                             "this endpoint, so a busy cluster's changes may show late."));
        }
    }
    m_watchStatus->setToolTip(tip);
    const char *colour = state == LiveTree::State::Live      ? "#2e7d32"
                         : state == LiveTree::State::Failed ? "#c62828"
                                                            : "#ef6c00";
    m_watchStatus->setStyleSheet(QStringLiteral("color: %1;").arg(QLatin1String(colour)));
}
