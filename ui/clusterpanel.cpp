#include "clusterpanel.h"

#include "clusterinfopanel.h"
#include "clustermodel.h"
#include "clustertrends.h"
#include "errortext.h"
#include "memberdialogs.h"

#include <QAbstractButton>
#include <QAction>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QToolBar>
#include <QVBoxLayout>

namespace {

const QString intervalKey = QStringLiteral("cluster/refreshSeconds");

} // namespace

ClusterPanel::ClusterPanel(QWidget *parent)
    : QWidget(parent)
    , m_monitor(new ClusterMonitor(this))
    , m_model(new ClusterModel(m_monitor, this))
    , m_info(new ClusterInfoPanel(this))
    , m_trends(new ClusterTrends(m_model, this))
    , m_view(new QTableView(this))
    , m_details(new QTextBrowser(this))
    , m_alarm(new QLabel(this))
    , m_summary(new QLabel(this))
    , m_interval(new QSpinBox(this))
{
    setObjectName(QStringLiteral("clusterPanel"));
    setAccessibleName(tr("Cluster"));

    auto *toolBar = new QToolBar(this);
    toolBar->setObjectName(QStringLiteral("clusterToolBar"));
    toolBar->setIconSize(QSize(16, 16));
    toolBar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    createActions();
    toolBar->addAction(m_actions[Refresh]);
    auto *every = new QLabel(tr(" every "), this);
    toolBar->addWidget(every);
    m_interval->setObjectName(QStringLiteral("refreshInterval"));
    m_interval->setAccessibleName(tr("Refresh interval in seconds"));
    m_interval->setRange(1, 3600);
    m_interval->setSuffix(tr(" s"));
    m_interval->setValue(
        QSettings().value(intervalKey, ClusterMonitor::DefaultIntervalMs / 1000).toInt());
    every->setBuddy(m_interval);
    toolBar->addWidget(m_interval);
    toolBar->addSeparator();
    toolBar->addAction(m_actions[AddMember]);
    toolBar->addAction(m_actions[UpdateMember]);
    toolBar->addAction(m_actions[PromoteMember]);
    toolBar->addAction(m_actions[RemoveMember]);
    m_monitor->setInterval(m_interval->value() * 1000);
    connect(m_interval, &QSpinBox::valueChanged, this, [this](int seconds) {
        m_monitor->setInterval(seconds * 1000);
        QSettings().setValue(intervalKey, seconds);
    });

    m_alarm->setObjectName(QStringLiteral("alarmBanner"));
    m_alarm->setAccessibleName(tr("Cluster alarm"));
    m_alarm->setWordWrap(true);
    m_alarm->setStyleSheet(QStringLiteral(
        "QLabel { background: #c62828; color: white; font-weight: bold; padding: 4px; }"));
    m_alarm->hide();
    m_summary->setObjectName(QStringLiteral("clusterSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_view->setObjectName(QStringLiteral("membersView"));
    m_view->setAccessibleName(tr("Members"));
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setAccessibleName(tr("Member columns"));
    m_view->verticalHeader()->setAccessibleName(tr("Member rows"));
    m_view->setCornerButtonEnabled(false);
    if (auto *corner = m_view->findChild<QAbstractButton *>())
        corner->setAccessibleName(tr("Members table corner"));
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    const int widths[] = {64, 128, 70, 96, 52, 66, 66, 44, 70, 70, 44, 64, 170, 170};
    for (int c = 0; c < ClusterModel::ColumnCount; ++c)
        m_view->setColumnWidth(c, widths[c]);
    m_view->setWordWrap(false);
    // The member's actions, and copying what one pastes into etcdctl, on its row.
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto *copyId = new QAction(tr("Copy Member &ID"), m_view);
    copyId->setObjectName(QStringLiteral("copyMemberIdAction"));
    connect(copyId, &QAction::triggered, this, [this] {
        if (const ClusterMember *m = selectedMember())
            QGuiApplication::clipboard()->setText(ClusterModel::hexId(m->id));
    });
    auto *copyUrls = new QAction(tr("Copy &Client URLs"), m_view);
    copyUrls->setObjectName(QStringLiteral("copyClientUrlsAction"));
    connect(copyUrls, &QAction::triggered, this, [this] {
        if (const ClusterMember *m = selectedMember())
            QGuiApplication::clipboard()->setText(m->clientUrls.join(QLatin1Char(',')));
    });
    auto *separator = new QAction(m_view);
    separator->setSeparator(true);
    m_view->addActions({copyId, copyUrls, separator, m_actions[UpdateMember],
                        m_actions[PromoteMember], m_actions[RemoveMember]});
    // What tells a member is in trouble first: health, alarms, lag; the raw numbers after.
    QHeaderView *header = m_view->horizontalHeader();
    header->moveSection(header->visualIndex(ClusterModel::AlarmsColumn),
                        header->visualIndex(ClusterModel::VersionColumn));
    header->moveSection(header->visualIndex(ClusterModel::LagColumn),
                        header->visualIndex(ClusterModel::VersionColumn));
    header->setSectionsMovable(true);

    m_details->setObjectName(QStringLiteral("memberDetails"));
    m_details->setAccessibleName(tr("Member details"));
    m_details->setOpenLinks(false);

    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(toolBar);
    leftLayout->addWidget(m_alarm);
    leftLayout->addWidget(m_view, 1);
    leftLayout->addWidget(m_summary);

    // The selected member and the connection share the side, one tab each: the details need
    // the height.
    auto *side = new QTabWidget(this);
    side->setObjectName(QStringLiteral("clusterSideTabs"));
    side->setAccessibleName(tr("Member and connection"));
    side->setDocumentMode(true);
    side->addTab(m_details, tr("Member"));
    side->addTab(m_info, tr("Connection"));
    m_info->setTitle(QString());
    m_info->setFlat(true);
    side->setCurrentWidget(m_info);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this, side] {
        if (selectedMember())
            side->setCurrentWidget(m_details);
    });

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setObjectName(QStringLiteral("clusterSplitter"));
    splitter->addWidget(left);
    splitter->addWidget(m_trends);
    splitter->addWidget(side);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    splitter->setStretchFactor(2, 1);
    m_trends->setMinimumWidth(280);
    splitter->setSizes({700, 280, 300});
    splitter->setChildrenCollapsible(false);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(splitter);

    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateActions();
        updateDetails();
    });
    connect(m_model, &QAbstractItemModel::dataChanged, this, &ClusterPanel::updateDetails);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &ClusterPanel::updateActions);
    connect(m_model, &QAbstractItemModel::modelReset, this, &ClusterPanel::updateActions);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &ClusterPanel::updateActions);
    connect(m_model, &ClusterModel::refreshed, this, &ClusterPanel::updateSummary);
    connect(m_model, &ClusterModel::listErrorChanged, this, &ClusterPanel::updateSummary);
    updateActions();
    updateSummary();
    updateDetails();
}

ClusterPanel::~ClusterPanel()
{
    // The children go after this stopped being a ClusterPanel: none of its slots may run then.
    m_monitor->setActive(false);
    m_model->disconnect(this);
    m_view->selectionModel()->disconnect(this);
    m_model->disconnect(m_trends);
}

void ClusterPanel::createActions()
{
    auto make = [this](Action which, const QString &text, const QString &name, const QString &tip) {
        auto *a = new QAction(text, this);
        a->setObjectName(name);
        a->setToolTip(tip);
        m_actions[which] = a;
        return a;
    };
    connect(make(Refresh, tr("&Refresh"), QStringLiteral("refreshClusterAction"),
                 tr("Ask every member now")),
            &QAction::triggered, m_monitor, [this] { m_monitor->refresh(); });
    connect(make(AddMember, tr("&Add Member…"), QStringLiteral("addMemberAction"),
                 tr("Add a member (or a learner) to the cluster")),
            &QAction::triggered, this, &ClusterPanel::addMember);
    connect(make(UpdateMember, tr("Change &Peer URLs…"), QStringLiteral("updateMemberAction"),
                 tr("Change the peer URLs of the selected member")),
            &QAction::triggered, this, &ClusterPanel::updateMember);
    connect(make(PromoteMember, tr("Pro&mote"), QStringLiteral("promoteMemberAction"),
                 tr("Make the selected learner a voting member")),
            &QAction::triggered, this, &ClusterPanel::promoteMember);
    connect(make(RemoveMember, tr("Re&move…"), QStringLiteral("removeMemberAction"),
                 tr("Remove the selected member from the cluster")),
            &QAction::triggered, this, &ClusterPanel::removeMember);
}

QAction *ClusterPanel::action(Action action) const
{
    return m_actions[action];
}

void ClusterPanel::setClient(EtcdClient *client)
{
    m_monitor->setClient(client);
    updateActions();
    updateSummary();
    updateDetails();
}

void ClusterPanel::setReadOnly(bool readOnly)
{
    m_readOnly = readOnly;
    updateActions();
}

void ClusterPanel::setActive(bool active)
{
    m_monitor->setActive(active);
}

void ClusterPanel::selectMember(quint64 id)
{
    const int row = m_model->rowOf(id);
    if (row < 0)
        return;
    m_view->selectionModel()->select(m_model->index(row, 0), QItemSelectionModel::ClearAndSelect |
                                                                 QItemSelectionModel::Rows);
    m_view->setCurrentIndex(m_model->index(row, 0));
}

const ClusterMember *ClusterPanel::selectedMember() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return nullptr;
    return &m_model->member(rows.first().row());
}

void ClusterPanel::updateActions()
{
    const bool connected = m_monitor->client() != nullptr;
    const ClusterMember *m = selectedMember();
    const QString readOnlyTip = tr("The connection is read-only.");
    m_actions[Refresh]->setEnabled(connected);
    const bool write = connected && !m_readOnly;
    m_actions[AddMember]->setEnabled(write);
    m_actions[UpdateMember]->setEnabled(write && m);
    m_actions[RemoveMember]->setEnabled(write && m);
    m_actions[PromoteMember]->setEnabled(write && m && m->isLearner && !m->notStarted() &&
                                         m_monitor->canManageLearners());
    for (Action a : {AddMember, UpdateMember, PromoteMember, RemoveMember}) {
        if (m_readOnly)
            m_actions[a]->setStatusTip(readOnlyTip);
        else
            m_actions[a]->setStatusTip(QString());
    }
}

QString ClusterPanel::clusterName() const
{
    const EtcdClient *client = m_monitor->client();
    const QString endpoints =
        (m_endpoints.isEmpty() && client ? client->options().endpoints : m_endpoints)
            .join(QStringLiteral(", "));
    if (m_model->clusterId() == 0)
        return tr("the cluster at %1").arg(endpoints);
    return tr("cluster %1 at %2").arg(ClusterModel::hexId(m_model->clusterId()), endpoints);
}

void ClusterPanel::showDialog(QDialog *dialog)
{
    if (m_dialog)
        m_dialog->close();
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_dialog = dialog;
    dialog->open();
}

void ClusterPanel::updateSummary()
{
    QStringList parts;
    if (m_model->listError())
        parts << tr("<b>Members could not be listed:</b> %1")
                     .arg(describeError(m_model->listError()).toHtmlEscaped());
    if (m_model->lastRefresh().isValid()) {
        int up = 0;
        for (int r = 0; r < m_model->rowCount(); ++r)
            up += m_model->member(r).reach == ClusterMember::Reach::Reachable;
        const ClusterMember *leader = m_model->memberById(m_model->leaderId());
        parts << tr("%1 of %2 members answer; leader %3; refreshed at %4")
                     .arg(up)
                     .arg(m_model->rowCount())
                     .arg(leader ? ClusterModel::memberLabel(*leader).toHtmlEscaped()
                                 : tr("<b>none</b>"))
                     .arg(QLocale().toString(m_model->lastRefresh().time(), QLocale::ShortFormat));
    }
    if (const auto store = m_model->storeStats()) {
        parts << tr("v2 store: gets %1 (%2 failed), sets %3 (%4), deletes %5 (%6), "
                    "compare-and-swap %7 (%8), expired %9")
                     .arg(store->getsSuccess)
                     .arg(store->getsFail)
                     .arg(store->setsSuccess)
                     .arg(store->setsFail)
                     .arg(store->deleteSuccess)
                     .arg(store->deleteFail)
                     .arg(store->compareAndSwapSuccess)
                     .arg(store->compareAndSwapFail)
                     .arg(store->expireCount);
    }
    m_summary->setText(parts.join(QStringLiteral("<br>")));

    // Alarms: NOSPACE and CORRUPT stop writes or mean data loss; never only a table cell.
    QStringList alarms;
    for (const EtcdV3Alarm &a : m_model->alarms()) {
        const ClusterMember *m = m_model->memberById(a.memberId);
        const QString who = m ? ClusterModel::memberLabel(*m) : ClusterModel::hexId(a.memberId);
        if (a.alarm == EtcdV3AlarmType::NoSpace)
            alarms << tr("NOSPACE alarm on %1: the cluster accepts only reads and deletes until "
                         "space is freed (compact, defragment) and the alarm is disarmed.")
                          .arg(who);
        else if (a.alarm == EtcdV3AlarmType::Corrupt)
            alarms << tr("CORRUPT alarm on %1: its data differs from the other members'. Stop "
                         "writing and restore it from a healthy member.")
                          .arg(who);
    }
    m_alarm->setText(alarms.join(QLatin1Char('\n')));
    m_alarm->setVisible(!alarms.isEmpty());
}

QString ClusterPanel::alarmText() const
{
    return m_alarm->isVisible() ? m_alarm->text() : QString();
}

QString ClusterPanel::detailsText() const
{
    return m_details->toPlainText();
}
