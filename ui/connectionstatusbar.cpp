#include "connectionstatusbar.h"

#include "connectionsession.h"
#include "etcdwatcher.h"
#include "livetree.h"

#include <QLabel>
#include <QStatusBar>

namespace {

QLabel *field(QStatusBar *bar, const char *objectName, const QString &accessibleName)
{
    auto *label = new QLabel(bar);
    label->setObjectName(QLatin1String(objectName));
    label->setAccessibleName(accessibleName);
    return label;
}

} // namespace

ConnectionStatusBar::ConnectionStatusBar(ConnectionSession *session, QStatusBar *bar)
    : QObject(bar)
    , m_session(session)
    , m_endpoint(field(bar, "endpointStatus", tr("Connection status")))
    , m_api(field(bar, "apiStatus", tr("Server version and API")))
    , m_access(field(bar, "accessStatus", tr("Access")))
    , m_watch(field(bar, "watchStatus", tr("Watch state and revision")))
{
    bar->setAccessibleName(tr("Status bar"));
    bar->addWidget(m_endpoint, 1);
    bar->addPermanentWidget(m_watch);
    bar->addPermanentWidget(m_api);
    bar->addPermanentWidget(m_access);
    connect(session, &ConnectionSession::connecting, this, &ConnectionStatusBar::update);
    connect(session, &ConnectionSession::endpointChanged, this, [this] {
        update();
        if (m_session->state() == ConnectionSession::State::Connecting)
            m_endpoint->setText(tr("Connecting to %1…").arg(m_session->endpoint()));
    });
    connect(session, &ConnectionSession::connected, this, &ConnectionStatusBar::update);
    connect(session, &ConnectionSession::failed, this, &ConnectionStatusBar::update);
    connect(session, &ConnectionSession::readOnlyChanged, this, &ConnectionStatusBar::update);
    connect(session, &ConnectionSession::watchStateChanged, this,
            &ConnectionStatusBar::updateWatch);
    update();
}

void ConnectionStatusBar::update()
{
    switch (m_session->state()) {
    case ConnectionSession::State::Connecting:
        m_endpoint->setText(tr("Connecting…"));
        m_api->clear();
        break;
    case ConnectionSession::State::Failed:
        m_endpoint->setText(tr("Not connected"));
        m_api->clear();
        break;
    case ConnectionSession::State::Connected: {
        const EtcdClient::ClusterInfo info = m_session->client()->clusterInfo();
        m_endpoint->setText(tr("Connected to %1").arg(m_session->endpoint()));
        m_api->setText(
            tr("etcd %1 · API %2").arg(info.serverVersion, EtcdClient::apiName(info.api)));
        break;
    }
    }
    m_access->setText(m_session->isReadOnly() ? tr("Read-only") : tr("Read-write"));
    updateWatch();
}

void ConnectionStatusBar::updateWatch()
{
    const LiveTree *live = m_session->liveTree();
    const LiveTree::State state = live->state();
    if (!m_session->isConnected() || state == LiveTree::State::Stopped) {
        m_watch->clear();
        return;
    }
    const bool v2 = m_session->client()->apiInUse() == EtcdClient::Api::V2;
    QString text = live->stateText();
    if (live->revision() > 0) {
        text += QStringLiteral(" · ") +
                (v2 ? tr("index %L1") : tr("revision %L1")).arg(live->revision());
    }
    m_watch->setText(text);
    QString tip = live->stateText();
    if (state == LiveTree::State::Live) {
        tip = tr("The tree and the event log follow the cluster.");
        if (!v2 && live->watcher()) {
            // The JSON gateway costs etcd ~0.1 ms an event: worth knowing when changes lag.
            tip += QLatin1Char(' ') +
                   (live->watcher()->usesGrpc()
                        ? tr("The watch uses etcd's gRPC protocol.")
                        : tr("The watch uses etcd's JSON gateway: gRPC did not get through to "
                             "this endpoint, so a busy cluster's changes may show late."));
        }
    }
    m_watch->setToolTip(tip);
    // The watch's state colours: live, failed, and on its way (starting, reconnecting).
    const char *colour = state == LiveTree::State::Live     ? "#2e7d32"
                         : state == LiveTree::State::Failed ? "#c62828"
                                                            : "#ef6c00";
    m_watch->setStyleSheet(QStringLiteral("color: %1;").arg(QLatin1String(colour)));
}
