#include "mainwindow.h"

#include "clusterinfopanel.h"
#include "connectionbanner.h"
#include "errortext.h"
#include "etcdtransport.h"
#include "keyspacepanel.h"

#include <QAction>
#include <QApplication>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QSplitter>
#include <QStatusBar>
#include <QVBoxLayout>

MainWindow::MainWindow(const EtcdClient::Options &options, QWidget *parent)
    : QMainWindow(parent)
    , m_options(options)
    , m_client(new EtcdClient(this))
    , m_banner(new ConnectionBanner(this))
    , m_info(new ClusterInfoPanel(this))
    , m_keyspace(new KeyspacePanel(this))
    , m_endpointStatus(new QLabel(this))
    , m_apiStatus(new QLabel(this))
    , m_accessStatus(new QLabel(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    m_endpointStatus->setObjectName(QStringLiteral("endpointStatus"));
    m_apiStatus->setObjectName(QStringLiteral("apiStatus"));
    m_accessStatus->setObjectName(QStringLiteral("accessStatus"));

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_keyspace);
    splitter->addWidget(m_info);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 0);
    splitter->setSizes({700, 300});
    splitter->setChildrenCollapsible(false);

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->addWidget(m_banner);
    layout->addWidget(splitter, 1);
    setCentralWidget(central);

    QMenu *fileMenu = menuBar()->addMenu(tr("&File"));
    QAction *reconnect = fileMenu->addAction(tr("&Reconnect"), this, &MainWindow::connectToCluster);
    reconnect->setShortcut(QKeySequence::Refresh);
    fileMenu->addSeparator();
    QAction *quit = fileMenu->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    statusBar()->addWidget(m_endpointStatus, 1);
    statusBar()->addPermanentWidget(m_apiStatus);
    statusBar()->addPermanentWidget(m_accessStatus);

    connect(m_banner, &ConnectionBanner::retryRequested, this, &MainWindow::connectToCluster);
    connect(m_client, &EtcdClient::currentEndpointChanged, this, [this] {
        updateTitle();
        updateStatusBar();
    });

    resize(1000, 640);
    updateTitle();
    updateStatusBar();
    connectToCluster();
}

MainWindow::~MainWindow()
{
    if (m_discovery)
        m_discovery->cancel();
}

void MainWindow::connectToCluster()
{
    if (m_discovery)
        m_discovery->cancel();
    m_connected = false;
    m_banner->hide();
    m_info->showConnecting(m_options.endpoints, m_options.readOnly);
    m_keyspace->showNotConnected(tr("Connecting…"));

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
    if (info.api == EtcdClient::Api::V2)
        m_keyspace->listV2(m_client->v2());
    else
        m_keyspace->listV3(m_client->v3());
    updateTitle();
    updateStatusBar();
    Q_EMIT connectionAttempted(true);
}

void MainWindow::showFailure(const QString &title, const EtcdError &error)
{
    m_connected = false;
    const QString message = describeError(error);
    m_banner->showError(title, message, error.toString());
    m_info->showFailed();
    m_keyspace->showNotConnected(tr("Not connected."));
    updateStatusBar();
    Q_EMIT connectionAttempted(false);
}

void MainWindow::updateTitle()
{
    QString endpoint = m_client->transport()->currentEndpoint();
    if (endpoint.isEmpty() && !m_options.endpoints.isEmpty())
        endpoint = m_options.endpoints.first();
    QString title = tr("etcdscope — %1").arg(endpoint);
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
}
