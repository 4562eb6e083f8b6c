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
#include <QLineEdit>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
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

int votersAfter(const ClusterModel &model, int change)
{
    int voters = 0;
    for (int r = 0; r < model.rowCount(); ++r) {
        if (!model.member(r).isLearner)
            ++voters;
    }
    return voters + change;
}

QString quorumText(int voters)
{
    return (voters == 1 ? ClusterPanel::tr("1 voting member afterwards, quorum %1")
                        : ClusterPanel::tr("%2 voting members afterwards, quorum %1").arg(voters))
        .arg(voters / 2 + 1);
}

} // namespace

ClusterPanel::ClusterPanel(QWidget *parent)
    : QWidget(parent)
    , m_model(new ClusterModel(this))
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
    m_interval->setValue(QSettings().value(intervalKey, ClusterModel::DefaultIntervalMs / 1000)
                             .toInt());
    every->setBuddy(m_interval);
    toolBar->addWidget(m_interval);
    toolBar->addSeparator();
    toolBar->addAction(m_actions[AddMember]);
    toolBar->addAction(m_actions[UpdateMember]);
    toolBar->addAction(m_actions[PromoteMember]);
    toolBar->addAction(m_actions[RemoveMember]);
    m_model->setInterval(m_interval->value() * 1000);
    connect(m_interval, &QSpinBox::valueChanged, this, [this](int seconds) {
        m_model->setInterval(seconds * 1000);
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
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this, side] {
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
    m_model->setActive(false);
    m_model->disconnect(this);
    m_view->selectionModel()->disconnect(this);
    m_model->disconnect(m_trends);
}

void ClusterPanel::createActions()
{
    auto make = [this](Action which, const QString &text, const QString &name,
                       const QString &tip) {
        auto *a = new QAction(text, this);
        a->setObjectName(name);
        a->setToolTip(tip);
        m_actions[which] = a;
        return a;
    };
    connect(make(Refresh, tr("&Refresh"), QStringLiteral("refreshClusterAction"),
                 tr("Ask every member now")),
            &QAction::triggered, m_model, [this] { m_model->refresh(); });
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
    m_model->setClient(client);
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
    m_model->setActive(active);
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
    const bool connected = m_model->client() != nullptr;
    const ClusterMember *m = selectedMember();
    const QString readOnlyTip = tr("The connection is read-only.");
    m_actions[Refresh]->setEnabled(connected);
    const bool write = connected && !m_readOnly;
    m_actions[AddMember]->setEnabled(write);
    m_actions[UpdateMember]->setEnabled(write && m);
    m_actions[RemoveMember]->setEnabled(write && m);
    m_actions[PromoteMember]->setEnabled(write && m && m->isLearner && !m->notStarted() &&
                                         m_model->canManageLearners());
    for (Action a : {AddMember, UpdateMember, PromoteMember, RemoveMember}) {
        if (m_readOnly)
            m_actions[a]->setStatusTip(readOnlyTip);
        else
            m_actions[a]->setStatusTip(QString());
    }
}

QString ClusterPanel::clusterName() const
{
    const QString endpoints = m_endpoints.isEmpty()
                                  ? (m_model->client() ? m_model->client()->options().endpoints
                                                       : QStringList())
                                        .join(QStringLiteral(", "))
                                  : m_endpoints.join(QStringLiteral(", "));
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

void ClusterPanel::setTypedConfirmation(const QString &where, const QString &profileName)
{
    m_typedWhere = where;
    m_typedProfile = profileName;
}

void ClusterPanel::confirm(const QString &objectName, const QString &title, const QString &text,
                           const QString &button, const QString &typeToConfirm,
                           std::function<void()> accepted)
{
    if (m_typedWhere.isEmpty()) {
        auto *box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Cancel, this);
        box->setObjectName(objectName);
        box->setAccessibleName(title);
        QPushButton *ok = box->addButton(button, QMessageBox::AcceptRole);
        box->setDefaultButton(QMessageBox::Cancel);
        connect(box, &QMessageBox::buttonClicked, this,
                [ok, accepted = std::move(accepted)](QAbstractButton *clicked) {
                    if (clicked == ok)
                        accepted();
                });
        showDialog(box);
        return;
    }
    // Production: the change goes only after the name is typed.
    auto *dialog = new QDialog(this);
    dialog->setObjectName(objectName);
    dialog->setWindowTitle(title);
    dialog->setAccessibleName(title);
    auto *layout = new QVBoxLayout(dialog);
    auto *label = new QLabel(text, dialog);
    label->setObjectName(QStringLiteral("confirmText"));
    label->setWordWrap(true);
    label->setTextFormat(Qt::PlainText);
    layout->addWidget(label);
    auto *typeLabel = new QLabel(tr("This is a production connection (%1). Type %2 to confirm:")
                                     .arg(m_typedWhere.toHtmlEscaped(),
                                          QStringLiteral("<b>%1</b>")
                                              .arg(typeToConfirm.toHtmlEscaped())),
                                 dialog);
    typeLabel->setWordWrap(true);
    layout->addWidget(typeLabel);
    auto *typed = new QLineEdit(dialog);
    typed->setObjectName(QStringLiteral("typedConfirmation"));
    typed->setAccessibleName(tr("Type the name to confirm"));
    typeLabel->setBuddy(typed);
    layout->addWidget(typed);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, dialog);
    QPushButton *ok = buttons->addButton(button, QDialogButtonBox::AcceptRole);
    ok->setObjectName(QStringLiteral("confirmButton"));
    ok->setEnabled(false);
    ok->setAutoDefault(false);
    buttons->button(QDialogButtonBox::Cancel)->setDefault(true);
    layout->addWidget(buttons);
    connect(typed, &QLineEdit::textChanged, ok,
            [ok, typeToConfirm](const QString &t) { ok->setEnabled(t == typeToConfirm); });
    connect(buttons, &QDialogButtonBox::accepted, dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    connect(dialog, &QDialog::accepted, this, [accepted = std::move(accepted)] { accepted(); });
    showDialog(dialog);
    typed->setFocus();
}

void ClusterPanel::showResult(const QString &what, const EtcdError &error,
                              const QString &success)
{
    if (!error) {
        Q_EMIT statusMessage(success);
        return;
    }
    auto *box = new QMessageBox(QMessageBox::Warning, what, describeMemberError(error),
                                QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("memberErrorBox"));
    box->setAccessibleName(what);
    box->setDetailedText(error.toString());
    showDialog(box);
    Q_EMIT statusMessage(tr("%1 failed: %2").arg(what, describeMemberError(error)));
}

void ClusterPanel::addMember()
{
    auto *dialog = new MemberUrlsDialog(MemberUrlsDialog::Mode::Add, clusterName(), this);
    dialog->setLearnerAvailable(m_model->canManageLearners());
    if (!m_typedWhere.isEmpty())
        dialog->requireTyping(m_typedProfile, m_typedWhere);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const QStringList urls = dialog->peerUrls();
        const bool learner = dialog->asLearner();
        const QString name = dialog->memberName();
        m_model->addMember(urls, learner, this, [this, urls, learner, name](const EtcdError &e,
                                                                           quint64 id) {
            if (e) {
                showResult(tr("Add Member"), e, {});
                return;
            }
            Q_EMIT statusMessage(tr("Added %1 %2 at %3 to %4.")
                                     .arg(learner ? tr("learner") : tr("member"),
                                          ClusterModel::hexId(id),
                                          urls.join(QStringLiteral(", ")), clusterName()));
            // What etcd on the new machine must start with, as etcdctl member add prints it.
            const QString memberName = name.isEmpty() ? QStringLiteral("<name>") : name;
            QStringList initial;
            for (int r = 0; r < m_model->rowCount(); ++r) {
                const ClusterMember &m = m_model->member(r);
                if (m.id == id || m.name.isEmpty())
                    continue;
                for (const QString &peer : m.peerUrls)
                    initial << m.name + QLatin1Char('=') + peer;
            }
            for (const QString &peer : urls)
                initial << memberName + QLatin1Char('=') + peer;
            const QString config =
                QStringLiteral("ETCD_NAME=\"%1\"\nETCD_INITIAL_CLUSTER=\"%2\"\n"
                               "ETCD_INITIAL_ADVERTISE_PEER_URLS=\"%3\"\n"
                               "ETCD_INITIAL_CLUSTER_STATE=\"existing\"")
                    .arg(memberName, initial.join(QLatin1Char(',')),
                         urls.join(QLatin1Char(',')));
            auto *box = new QMessageBox(
                QMessageBox::Information, tr("Member Added"),
                tr("Member %1 was added to %2 as a %3. Start etcd on the new machine with this "
                   "configuration (see Details), with an empty data directory.%4")
                    .arg(ClusterModel::hexId(id), clusterName(),
                         learner ? tr("learner") : tr("voting member"),
                         learner ? tr(" Promote it once it is in sync with the leader.")
                                 : QString()),
                QMessageBox::Ok, this);
            box->setObjectName(QStringLiteral("memberAddedBox"));
            box->setDetailedText(config);
            box->setTextInteractionFlags(Qt::TextSelectableByMouse);
            showDialog(box);
        });
    });
    showDialog(dialog);
}

void ClusterPanel::updateMember()
{
    const ClusterMember *m = selectedMember();
    if (!m)
        return;
    const quint64 id = m->id;
    const QString label = ClusterModel::memberLabel(*m);
    auto *dialog = new MemberUrlsDialog(MemberUrlsDialog::Mode::Update,
                                        tr("%1 in %2").arg(label, clusterName()), this);
    dialog->setPeerUrls(m->peerUrls);
    if (!m_typedWhere.isEmpty())
        dialog->requireTyping(m->name.isEmpty() ? ClusterModel::hexId(id) : m->name,
                              m_typedWhere);
    connect(dialog, &QDialog::accepted, this, [this, dialog, id, label] {
        const QStringList urls = dialog->peerUrls();
        m_model->updateMember(id, urls, this, [this, label, urls](const EtcdError &e, quint64) {
            showResult(tr("Change Peer URLs"), e,
                       tr("The peer URLs of %1 are now %2.")
                           .arg(label, urls.join(QStringLiteral(", "))));
        });
    });
    showDialog(dialog);
}

void ClusterPanel::promoteMember()
{
    const ClusterMember *m = selectedMember();
    if (!m)
        return;
    const quint64 id = m->id;
    const QString label = ClusterModel::memberLabel(*m);
    confirm(QStringLiteral("promoteConfirmBox"), tr("Promote Learner"),
            tr("Promote learner %1 in %2 to a voting member?\n\nIt then counts for the quorum "
               "(%3).")
                .arg(label, clusterName(), quorumText(votersAfter(*m_model, 1))),
            tr("Promote %1").arg(m->name.isEmpty() ? ClusterModel::hexId(id) : m->name),
            m->name.isEmpty() ? ClusterModel::hexId(id) : m->name, [this, id, label] {
                m_model->promoteMember(id, this, [this, label](const EtcdError &e, quint64) {
                    showResult(tr("Promote Learner"), e,
                               tr("%1 is now a voting member.").arg(label));
                });
            });
}

void ClusterPanel::removeMember()
{
    const ClusterMember *m = selectedMember();
    if (!m)
        return;
    const quint64 id = m->id;
    const QString label = ClusterModel::memberLabel(*m);
    QString text = tr("Remove member %1 from %2?").arg(label, clusterName());
    if (!m->isLearner) {
        const int voters = votersAfter(*m_model, -1);
        text += QStringLiteral("\n\n") + quorumText(voters) + QLatin1Char('.');
        int up = 0;
        for (int r = 0; r < m_model->rowCount(); ++r) {
            const ClusterMember &o = m_model->member(r);
            if (o.id != id && !o.isLearner && o.reach == ClusterMember::Reach::Reachable)
                ++up;
        }
        if (up < voters / 2 + 1)
            text += QStringLiteral(" ") +
                    (up == 1 ? tr("Only 1 other voting member answers now: the cluster may "
                                  "lose its quorum.")
                             : tr("Only %1 other voting members answer now: the cluster may "
                                  "lose its quorum.")
                                   .arg(up));
    }
    if (m->isLeader)
        text += QStringLiteral("\n\n") +
                tr("It is the leader: the others elect a new one, writes pause meanwhile.");
    text += QStringLiteral("\n\n") +
            tr("A removed member stops; to come back it must be added again and start with an "
               "empty data directory.");
    confirm(QStringLiteral("removeConfirmBox"), tr("Remove Member"), text,
            tr("Remove %1").arg(m->name.isEmpty() ? ClusterModel::hexId(id) : m->name),
            m->name.isEmpty() ? ClusterModel::hexId(id) : m->name, [this, id, label] {
                m_model->removeMember(id, this, [this, label](const EtcdError &e, quint64) {
                    showResult(tr("Remove Member"), e,
                               tr("%1 was removed from the cluster.").arg(label));
                });
            });
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
                     .arg(QLocale().toString(m_model->lastRefresh().time(),
                                             QLocale::ShortFormat));
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
