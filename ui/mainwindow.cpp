#include "mainwindow.h"

#include "clusterdock.h"
#include "clusterinfopanel.h"
#include "clusterpanel.h"
#include "connectionbanner.h"
#include "connectionstatusbar.h"
#include "errortext.h"
#include "eventlogpanel.h"
#include "keyactions.h"
#include "keydetailpane.h"
#include "keyspacepanel.h"
#include "keytreemodel.h"
#include "livetree.h"
#include "profilebands.h"
#include "recentconnectionsmenu.h"
#include "servicesdock.h"
#include "servicespanel.h"

#include <QAction>
#include <QCloseEvent>
#include <QDialog>
#include <QKeySequence>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSplitter>
#include <QStatusBar>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

MainWindow::MainWindow(const EtcdClient::Options &options, QWidget *parent)
    : MainWindow(ConnectionProfile::fromOptions(options), parent)
{
}

MainWindow::MainWindow(const ConnectionProfile &profile, QWidget *parent)
    : QMainWindow(parent)
    , m_session(new ConnectionSession(profile, this))
    , m_banner(new ConnectionBanner(this))
    , m_bands(new ProfileBands(this))
    , m_clusterDock(new ClusterDock(m_session, this))
    , m_eventPanel(new EventLogPanel(m_session->eventLog(), this))
    , m_eventDock(new QDockWidget(tr("Events"), this))
    , m_servicesDock(new ServicesDock(m_session, this))
    , m_keyspace(new KeyspacePanel(m_session->keyModel(), this))
    , m_pane(new KeyDetailPane(this))
    , m_actions(new KeyActions(m_session->keyModel(), m_keyspace->view(), m_pane, this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setAccessibleName(tr("etcdscope"));
    m_banner->setAccessibleName(tr("Connection problem"));
    m_pane->setAccessibleName(tr("Key details"));
    m_pane->setLeaseCache(m_session->leaseCache());

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
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_bands);
    layout->addWidget(m_banner);
    layout->addWidget(splitter, 1);
    setCentralWidget(central);

    m_eventDock->setObjectName(QStringLiteral("eventLogDock"));
    m_eventDock->setAccessibleName(tr("Event log"));
    m_eventDock->setWidget(m_eventPanel);
    m_eventDock->setFeatures(m_clusterDock->features());
    addDockWidget(Qt::BottomDockWidgetArea, m_eventDock);
    // The members table is wide: the cluster panel shares the bottom with the event log, as a
    // tab, out of the way until asked for (the status bar already names the server and API).
    addDockWidget(Qt::BottomDockWidgetArea, m_clusterDock);
    tabifyDockWidget(m_eventDock, m_clusterDock);
    m_clusterDock->hide();
    addDockWidget(Qt::BottomDockWidgetArea, m_servicesDock);
    tabifyDockWidget(m_eventDock, m_servicesDock);
    m_eventDock->raise();
    connect(m_clusterDock, &ClusterDock::statusMessage, this, &MainWindow::showStatus);
    connect(m_servicesDock, &ServicesDock::statusMessage, this, &MainWindow::showStatus);
    connect(m_servicesDock->panel(), &ServicesPanel::keyActivated, m_actions,
            &KeyActions::selectKey);
    connect(m_actions, &KeyActions::contextMenuAboutToShow, m_servicesDock,
            &ServicesDock::addServiceActions);

    createMenus();
    new ConnectionStatusBar(m_session, statusBar());

    connect(m_banner, &ConnectionBanner::retryRequested, this, &MainWindow::connectToCluster);
    // The open key follows the cluster too; the user's unsaved text is never replaced.
    connect(liveTree(), &LiveTree::eventsReceived, m_pane, &KeyDetailPane::applyWatchEvents);
    connect(m_session, &ConnectionSession::watchFailed, this, [this](const EtcdError &error) {
        showStatus(tr("The watch stopped: %1").arg(describeError(error)), 15000);
    });
    connect(m_session, &ConnectionSession::authFoundDisabled, this,
            [this] { showStatus(authNotice(), 20000); });
    connect(m_session, &ConnectionSession::endpointChanged, this, &MainWindow::updateTitle);
    connect(m_session, &ConnectionSession::connected, this, &MainWindow::onConnected);
    connect(m_session, &ConnectionSession::failed, this, &MainWindow::onFailed);
    connect(m_session, &ConnectionSession::readOnlyChanged, this, &MainWindow::updateTitle);
    connect(m_actions, &KeyActions::statusMessage, this,
            [this](const QString &text) { showStatus(text, 8000); });
    connect(m_actions, &KeyActions::readOnlyChanged, m_session, &ConnectionSession::setReadOnly);
    connect(m_pane, &KeyDetailPane::statusMessage, this, [this](const QString &text) {
        m_paneMessage = text;
        showStatus(text, 8000);
    });

    m_actions->setReadOnly(m_session->isReadOnly());
    m_bands->setProfile(profile);
    const QString typed = ProfileBands::typedConfirmation(profile);
    m_actions->setTypedConfirmation(typed);
    clusterPanel()->setTypedConfirmation(typed, profile.name.isEmpty() ? profile.environmentLabel()
                                                                       : profile.name);
    resize(1180, 720);
    // A strip at the bottom: the tree and the editor keep most of the window.
    resizeDocks({m_eventDock}, {190}, Qt::Vertical);
    updateTitle();
    connectToCluster();
}

MainWindow::~MainWindow()
{
    // Children are deleted after this window stopped being a MainWindow: no slot of ours may
    // run then.
    for (QObject *sender : std::initializer_list<QObject *>{m_session, m_session->liveTree(),
                                                            m_clusterDock, m_servicesDock})
        sender->disconnect(this);
    m_session->stop();
    m_servicesDock->panel()->disconnect(m_actions);
    // Children go in the order they came: the panels before the session's models they show.
    m_session->setParent(nullptr);
    m_session->setParent(this);
}

void MainWindow::createMenus()
{
    QMenu *fileMenu = menuBar()->addMenu(tr("&File"));
    QAction *connectAction =
        fileMenu->addAction(tr("&Connect…"), this, &MainWindow::connectDialogRequested);
    connectAction->setObjectName(QStringLiteral("connectAction"));
    connectAction->setShortcut(QKeySequence::Open);
    connectAction->setToolTip(tr("Open a saved connection, or make one, in a new window"));
    auto *recent = new RecentConnectionsMenu(fileMenu);
    fileMenu->addMenu(recent);
    connect(recent, &RecentConnectionsMenu::profileRequested, this, &MainWindow::profileRequested);
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
    QAction *dockToggle = m_clusterDock->toggleViewAction();
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
    m_banner->hide();
    m_bands->setInsecureWarningShown(false);
    m_keyspace->showNotConnected(tr("Connecting…"));
    // Nothing may act on the old connection while the new one is discovered.
    m_actions->setClient(nullptr);
    m_pane->setClient(nullptr);
    m_session->connectToCluster();
}

void MainWindow::onConnected(const EtcdClient::ClusterInfo &info)
{
    EtcdClient *client = m_session->client();
    const EtcdClient::Options &options = m_session->options();
    m_pane->setClient(client);
    if (KeyDocument *document = m_pane->document()) {
        // "Loading /a…" from the pane is done once the key is loaded; a message that came
        // later (an action's result) stays.
        connect(document, &KeyDocument::loaded, this, [this] {
            if (statusBar()->currentMessage() == m_paneMessage)
                statusBar()->clearMessage();
        });
    }
    m_actions->setClient(client);
    m_servicesDock->followKeyTree();
    m_keyspace->showListing(EtcdClient::apiName(info.api));
    m_bands->setInsecureWarningShown(options.insecureSkipVerify);
    updateTitle();
    if (m_session->authNotEnabled())
        showStatus(authNotice(), 20000);
    Q_EMIT connectionAttempted(true);
}

void MainWindow::onFailed(ConnectionSession::Step step, const EtcdError &error)
{
    const QString title = step == ConnectionSession::Step::Configure
                              ? tr("Cannot set up the connection")
                              : tr("Cannot reach the cluster");
    m_banner->showError(title, describeError(error), error.toString());
    m_keyspace->showNotConnected(tr("Not connected."));
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

QString MainWindow::authNotice() const
{
    return describeError(m_session->authNotEnabled());
}

ClusterInfoPanel *MainWindow::clusterInfoPanel() const
{
    return m_clusterDock->panel()->infoPanel();
}

void MainWindow::showStatus(const QString &text, int timeoutMs)
{
    statusBar()->showMessage(text, timeoutMs);
}

void MainWindow::updateTitle()
{
    setWindowTitle(ProfileBands::windowTitle(profile(), m_session->endpoint(),
                                             m_session->options().insecureSkipVerify,
                                             m_session->isReadOnly()));
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
