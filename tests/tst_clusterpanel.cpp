// The cluster panel in the main window, on a real etcd: refreshes only while shown, the member's
// details, membership actions off in read-only mode, a learner added through the dialog (with
// the configuration to start it), a removal confirmed in words that name the member and the
// cluster (cancelled: nothing reaches etcd), etcd's refusal in words, the NOSPACE alarm shown
// prominently, and the trend lines.
#include "clusterinfopanel.h"
#include "clustermodel.h"
#include "clustermonitor.h"
#include "clusterpanel.h"
#include "clustertrends.h"
#include "errortext.h"
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "etcdtransport.h"
#include "etcdv3client.h"
#include "etcdv3json.h"
#include "keytreemodel.h"
#include "livetree.h"
#include "mainwindow.h"
#include "memberdialogs.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QGuiApplication>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QMessageBox>
#include <QPushButton>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

class TestClusterPanel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void refreshesOnlyWhileShown();
    void readOnlyDisablesMembership();
    void addLearnerThroughDialog();
    void removeConfirmedByName();
    void refusalInWords();
    void noSpaceAlarmShownProminently();
    void memberErrorsInWords_data();
    void memberErrorsInWords();
    void windowFollowsFailover();

private:
    void openPanel(MainWindow &w);
    static QStringList memberIds(const EtcdServer &server);
    static QPushButton *buttonWithText(QMessageBox *box, const QString &prefix);
    quint64 addUnstartedLearner(MainWindow &w);

    EtcdServer m_etcd;
};

void TestClusterPanel::initTestCase()
{
    QVERIFY2(m_etcd.start(), "etcd did not start");
}

void TestClusterPanel::openPanel(MainWindow &w)
{
    w.show();
    QTRY_VERIFY_WITH_TIMEOUT(w.isConnected(), 10000);
    QAction *toggle = w.clusterDock()->toggleViewAction();
    QVERIFY(!toggle->isChecked());
    toggle->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(w.clusterDock()->isVisible(), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(w.clusterPanel()->model()->roundsCompleted() > 0, 10000);
}

QStringList TestClusterPanel::memberIds(const EtcdServer &server)
{
    QStringList ids;
    const QString text = server.etcdctl({QStringLiteral("member"), QStringLiteral("list")});
    for (const QString &line : text.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        ids << line.section(QStringLiteral(", "), 0, 0);
    return ids;
}

QPushButton *TestClusterPanel::buttonWithText(QMessageBox *box, const QString &prefix)
{
    for (QAbstractButton *b : box->buttons()) {
        if (b->text().startsWith(prefix))
            return qobject_cast<QPushButton *>(b);
    }
    return nullptr;
}

void TestClusterPanel::refreshesOnlyWhileShown()
{
    MainWindow w(clientOptions({m_etcd.clientUrl()}));
    ClusterModel *model = w.clusterPanel()->model();
    ClusterMonitor *monitor = w.clusterPanel()->monitor();
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    w.show();
    QTRY_VERIFY_WITH_TIMEOUT(w.isConnected(), 10000);
    // Hidden: nobody is asked.
    QVERIFY(!monitor->isActive());
    QCOMPARE(model->roundsCompleted(), 0);

    openPanel(w);
    QVERIFY(monitor->isActive());
    QCOMPARE(model->rowCount(), 1);
    QCOMPARE(model->member(0).name, m_etcd.name());
    QCOMPARE(model->member(0).reach, ClusterMember::Reach::Reachable);
    QCOMPARE(w.clusterInfoPanel()->serverVersion(), model->member(0).version);
    QVERIFY(model->member(0).isLeader);

    // The selected member's details: what it answered.
    w.clusterPanel()->selectMember(model->member(0).id);
    const QString details = w.clusterPanel()->detailsText();
    QVERIFY2(details.contains(QStringLiteral("term ")), qPrintable(details));
    QVERIFY(details.contains(m_etcd.clientUrl()));
    QVERIFY(details.contains(QStringLiteral("StateLeader"))); // v2 self statistics
    QVERIFY(
        !w.clusterPanel()->findChild<QLabel *>(QStringLiteral("clusterSummary"))->text().isEmpty());

    // The row's context menu copies what etcdctl takes.
    auto *copyId =
        w.clusterPanel()->view()->findChild<QAction *>(QStringLiteral("copyMemberIdAction"));
    QVERIFY(copyId);
    QVERIFY(w.clusterPanel()->view()->actions().contains(
        w.clusterPanel()->action(ClusterPanel::RemoveMember)));
    copyId->trigger();
    QCOMPARE(QGuiApplication::clipboard()->text(), ClusterModel::hexId(model->member(0).id));

    // The trend lines get a point per round.
    QSignalSpy rounds(model, &ClusterModel::refreshed);
    monitor->refresh();
    QVERIFY(rounds.wait(10000));
    QLineSeries *size = w.clusterPanel()->trends()->sizeSeries(model->member(0).id);
    QVERIFY(size);
    QVERIFY(size->count() >= 2);
    QVERIFY(size->at(size->count() - 1).y() > 0);
    QVERIFY(w.clusterPanel()->trends()->lagSeries(model->member(0).id));

    // Hidden again: the timer stops.
    w.clusterDock()->toggleViewAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!monitor->isActive(), 5000);
}

void TestClusterPanel::readOnlyDisablesMembership()
{
    EtcdClient::Options options = clientOptions({m_etcd.clientUrl()});
    options.readOnly = true;
    MainWindow w(options);
    openPanel(w);
    ClusterPanel *panel = w.clusterPanel();
    panel->selectMember(panel->model()->member(0).id);
    for (auto a : {ClusterPanel::AddMember, ClusterPanel::UpdateMember, ClusterPanel::PromoteMember,
                   ClusterPanel::RemoveMember})
        QVERIFY2(!panel->action(a)->isEnabled(), qPrintable(panel->action(a)->objectName()));
    QVERIFY(panel->action(ClusterPanel::Refresh)->isEnabled());

    w.setReadOnly(false);
    QVERIFY(panel->action(ClusterPanel::AddMember)->isEnabled());
    QVERIFY(panel->action(ClusterPanel::RemoveMember)->isEnabled());
    QVERIFY(!panel->action(ClusterPanel::PromoteMember)->isEnabled()); // not a learner
}

quint64 TestClusterPanel::addUnstartedLearner(MainWindow &w)
{
    ClusterPanel *panel = w.clusterPanel();
    const QStringList before = memberIds(m_etcd);
    panel->action(ClusterPanel::AddMember)->trigger();
    auto *dialog = qobject_cast<MemberUrlsDialog *>(panel->openDialog());
    if (!dialog)
        return 0;
    auto *urls = dialog->findChild<QLineEdit *>(QStringLiteral("peerUrlsEdit"));
    QPushButton *ok = dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
    // Not a URL etcd takes: OK stays off and the dialog says why.
    urls->setText(QStringLiteral("10.0.0.9"));
    if (ok->isEnabled() || dialog->problem().isEmpty())
        return 0;
    const QString peer = QStringLiteral("http://127.0.0.1:%1").arg(EtcdServer::freePort());
    urls->setText(peer);
    dialog->findChild<QLineEdit *>(QStringLiteral("memberNameEdit"))->setText(QStringLiteral("n9"));
    if (!ok->isEnabled() || !dialog->asLearner())
        return 0;
    // OK's consequence in words, naming the cluster.
    const QString clusterId = ClusterModel::hexId(panel->model()->clusterId());
    if (!dialog->confirmationText().contains(peer) ||
        !dialog->confirmationText().contains(clusterId) ||
        !dialog->confirmationText().startsWith(QStringLiteral("Adds learner n9"))) {
        qWarning().noquote() << dialog->confirmationText();
        return 0;
    }
    ok->click();

    if (!QTest::qWaitFor(
            [&] {
                auto *box = qobject_cast<QMessageBox *>(panel->openDialog());
                return box && box->objectName() == QLatin1String("memberAddedBox");
            },
            10000))
        return 0;
    auto *box = qobject_cast<QMessageBox *>(panel->openDialog());
    // What to start etcd with on the new machine.
    const QString config = box->detailedText();
    if (!config.contains(QStringLiteral("ETCD_NAME=\"n9\"")) ||
        !config.contains(QStringLiteral("ETCD_INITIAL_CLUSTER=\"%1=%2,n9=%3\"")
                             .arg(m_etcd.name(), m_etcd.peerUrl(), peer)) ||
        !config.contains(QStringLiteral("ETCD_INITIAL_CLUSTER_STATE=\"existing\""))) {
        qWarning().noquote() << config;
        return 0;
    }
    box->accept();
    const QStringList after = memberIds(m_etcd);
    if (after.size() != before.size() + 1)
        return 0;
    quint64 id = 0;
    for (const QString &hex : after) {
        if (!before.contains(hex))
            id = hex.toULongLong(nullptr, 16);
    }
    // The panel lists it once its refresh ran.
    if (!QTest::qWaitFor([&] { return panel->model()->rowOf(id) >= 0; }, 10000))
        return 0;
    return id;
}

void TestClusterPanel::addLearnerThroughDialog()
{
    MainWindow w(clientOptions({m_etcd.clientUrl()}));
    openPanel(w);
    const quint64 id = addUnstartedLearner(w);
    QVERIFY(id != 0);
    ClusterPanel *panel = w.clusterPanel();
    const int row = panel->model()->rowOf(id);
    QCOMPARE(panel->model()->index(row, ClusterModel::RoleColumn).data().toString(),
             QStringLiteral("Not started (learner)"));
    // A learner that never started cannot be promoted.
    panel->selectMember(id);
    QVERIFY(!panel->action(ClusterPanel::PromoteMember)->isEnabled());
    // Its peer URLs can change: the dialog names the member and the cluster, old and new URLs.
    panel->action(ClusterPanel::UpdateMember)->trigger();
    auto *update = qobject_cast<MemberUrlsDialog *>(panel->openDialog());
    QVERIFY(update);
    const QString oldPeer = panel->model()->memberById(id)->peerUrls.value(0);
    QCOMPARE(update->peerUrls(), QStringList{oldPeer});
    const QString newPeer = QStringLiteral("http://localhost:%1").arg(EtcdServer::freePort());
    update->findChild<QLineEdit *>(QStringLiteral("peerUrlsEdit"))->setText(newPeer);
    const QString sentence = update->confirmationText();
    QVERIFY2(sentence.contains(ClusterModel::hexId(id)) &&
                 sentence.contains(ClusterModel::hexId(panel->model()->clusterId())) &&
                 sentence.contains(oldPeer) && sentence.contains(newPeer),
             qPrintable(sentence));
    update->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
    QTRY_VERIFY_WITH_TIMEOUT(panel->model()->memberById(id) &&
                                 panel->model()->memberById(id)->peerUrls == QStringList{newPeer},
                             10000);
    QVERIFY(
        !m_etcd
             .etcdctl({QStringLiteral("member"), QStringLiteral("remove"), ClusterModel::hexId(id)})
             .isNull());
}

void TestClusterPanel::removeConfirmedByName()
{
    MainWindow w(clientOptions({m_etcd.clientUrl()}));
    openPanel(w);
    const quint64 id = addUnstartedLearner(w);
    QVERIFY(id != 0);
    ClusterPanel *panel = w.clusterPanel();
    panel->selectMember(id);
    QVERIFY(panel->action(ClusterPanel::RemoveMember)->isEnabled());

    // The question names the member and the cluster; Cancel sends nothing.
    panel->action(ClusterPanel::RemoveMember)->trigger();
    auto *box = qobject_cast<QMessageBox *>(panel->openDialog());
    QVERIFY(box);
    QCOMPARE(box->objectName(), QStringLiteral("removeConfirmBox"));
    QVERIFY2(box->text().contains(ClusterModel::hexId(id)), qPrintable(box->text()));
    QVERIFY(box->text().contains(ClusterModel::hexId(panel->model()->clusterId())));
    QVERIFY(box->text().contains(m_etcd.clientUrl()));
    QCOMPARE(box->defaultButton(), box->button(QMessageBox::Cancel));
    box->button(QMessageBox::Cancel)->click();
    QVERIFY(memberIds(m_etcd).contains(ClusterModel::hexId(id)));

    // Confirmed: gone from etcd and from the panel.
    panel->action(ClusterPanel::RemoveMember)->trigger();
    box = qobject_cast<QMessageBox *>(panel->openDialog());
    QVERIFY(box);
    QPushButton *remove = buttonWithText(box, QStringLiteral("Remove"));
    QVERIFY(remove);
    remove->click();
    QTRY_VERIFY_WITH_TIMEOUT(!memberIds(m_etcd).contains(ClusterModel::hexId(id)), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(panel->model()->rowOf(id) < 0, 10000);
}

void TestClusterPanel::refusalInWords()
{
    MainWindow w(clientOptions({m_etcd.clientUrl()}));
    openPanel(w);
    const quint64 id = addUnstartedLearner(w);
    QVERIFY(id != 0);
    ClusterPanel *panel = w.clusterPanel();
    panel->selectMember(id);
    // Removed behind the panel's back: etcd's "member not found" comes back in words.
    QVERIFY(
        !m_etcd
             .etcdctl({QStringLiteral("member"), QStringLiteral("remove"), ClusterModel::hexId(id)})
             .isNull());
    panel->action(ClusterPanel::RemoveMember)->trigger();
    auto *box = qobject_cast<QMessageBox *>(panel->openDialog());
    QVERIFY(box);
    buttonWithText(box, QStringLiteral("Remove"))->click();
    QTRY_VERIFY_WITH_TIMEOUT(panel->openDialog() && panel->openDialog()->objectName() ==
                                                        QLatin1String("memberErrorBox"),
                             10000);
    box = qobject_cast<QMessageBox *>(panel->openDialog());
    QVERIFY2(box->text().contains(QStringLiteral("does not know this member")),
             qPrintable(box->text()));
    box->accept();
}

void TestClusterPanel::noSpaceAlarmShownProminently()
{
    MainWindow w(clientOptions({m_etcd.clientUrl()}));
    openPanel(w);
    ClusterModel *model = w.clusterPanel()->model();
    ClusterMonitor *monitor = w.clusterPanel()->monitor();
    const quint64 id = model->member(0).id;
    QVERIFY(w.clusterPanel()->alarmText().isEmpty());
    const auto raise = run<EtcdV3AlarmResult>([&](QObject *c, auto cb) {
        return w.client()->v3()->alarm(EtcdV3AlarmAction::Activate, id, EtcdV3AlarmType::NoSpace, c,
                                       cb);
    });
    VERIFY_OK(raise);
    auto disarm = qScopeGuard([&] {
        QVERIFY(!m_etcd.etcdctl({QStringLiteral("alarm"), QStringLiteral("disarm")}).isNull());
    });
    QSignalSpy rounds(model, &ClusterModel::refreshed);
    monitor->refresh();
    QVERIFY(rounds.wait(10000));
    QVERIFY2(w.clusterPanel()->alarmText().contains(
                 QStringLiteral("NOSPACE alarm on %1").arg(m_etcd.name())),
             qPrintable(w.clusterPanel()->alarmText()));
    const QModelIndex cell = model->index(model->rowOf(id), ClusterModel::AlarmsColumn);
    QCOMPARE(cell.data().toString(), QStringLiteral("NOSPACE"));
    QVERIFY(cell.data(ClusterModel::HasAlarmRole).toBool());
    QVERIFY(cell.data(Qt::BackgroundRole).isValid());
    disarm.dismiss();
    QVERIFY(!m_etcd.etcdctl({QStringLiteral("alarm"), QStringLiteral("disarm")}).isNull());
    monitor->refresh();
    QVERIFY(rounds.wait(10000));
    QVERIFY(w.clusterPanel()->alarmText().isEmpty());
}

void TestClusterPanel::memberErrorsInWords_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("words");
    // etcd's answers (3.4's gateway), classified by the client as it classifies every answer.
    auto etcd = [](int code, const char *message) {
        return QByteArray(R"({"error":")") + message + R"(","message":")" + message +
               R"(","code":)" + QByteArray::number(code) + "}";
    };
    QTest::newRow("learner not ready")
        << 412
        << etcd(9, "etcdserver: can only promote a learner member which is in sync with leader")
        << "not in sync with the leader";
    QTest::newRow("unhealthy") << 503 << etcd(14, "etcdserver: unhealthy cluster")
                               << "not healthy enough";
    QTest::newRow("peer URL exists")
        << 412 << etcd(9, "etcdserver: Peer URLs already exists") << "already uses this peer URL";
    QTest::newRow("too many learners")
        << 412 << etcd(9, "etcdserver: too many learner members in cluster") << "as many learners";
    QTest::newRow("not enough started")
        << 412 << etcd(9, "etcdserver: re-configuration failed due to not enough started members")
        << "too few members are started";
    QTest::newRow("not a learner")
        << 412 << etcd(9, "etcdserver: can only promote a learner member")
        << "Only a learner can be promoted";
    QTest::newRow("member exists") << 412 << etcd(9, "etcdserver: member ID already exist")
                                   << "member with this ID is already";
    QTest::newRow("member not found")
        << 404 << etcd(5, "etcdserver: member not found") << "does not know this member";
    QTest::newRow("bad URLs") << 400 << etcd(3, "etcdserver: given member URLs are invalid")
                              << "refused the peer URLs: etcdserver: given member URLs are invalid";
    // A refusal etcd adds later shows in etcd's words.
    QTest::newRow("unknown") << 412 << etcd(9, "etcdserver: a refusal of the future")
                             << "etcdserver: a refusal of the future";
}

void TestClusterPanel::memberErrorsInWords()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QString, words);
    EtcdHttpResponse response;
    response.status = status;
    response.body = body;
    const QString text = describeMemberError(EtcdV3Json::decodeError(response));
    QVERIFY2(text.contains(words), qPrintable(text));
}

void TestClusterPanel::windowFollowsFailover()
{
    EtcdCluster cluster(3);
    QVERIFY2(cluster.start(), "the 3-member cluster did not start");
    MainWindow w(clientOptions(cluster.clientUrls()));
    w.show();
    QTRY_VERIFY_WITH_TIMEOUT(w.isConnected(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(w.liveTree()->state() == LiveTree::State::Live, 20000);
    auto *endpoint = w.findChild<QLabel *>(QStringLiteral("endpointStatus"));
    QVERIFY(endpoint);
    const QString first = w.client()->transport()->currentEndpoint();
    QVERIFY2(endpoint->text().contains(first), qPrintable(endpoint->text()));
    EtcdServer *stopped = nullptr;
    for (int i = 0; i < cluster.size(); ++i) {
        if (cluster.member(i)->clientUrl() == first)
            stopped = cluster.member(i);
    }
    QVERIFY(stopped);

    // The member behind the endpoint in use stops; a write (what Save sends) goes to another,
    // the watch brings it into the tree, the status bar names the endpoint now in use.
    stopped->stop();
    QElapsedTimer sinceStop;
    sinceStop.start();
    const auto put = run<EtcdV3PutResult>([&](QObject *c, auto cb) {
        return w.client()->v3()->put("failover-edit", "saved", {}, c, cb);
    });
    VERIFY_OK(put);
    QTRY_VERIFY_WITH_TIMEOUT(w.keyModel()->indexForKey("failover-edit").isValid(), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(!endpoint->text().contains(first) &&
                                 endpoint->text().contains(QStringLiteral("127.0.0.1")),
                             5000);
    QVERIFY2(sinceStop.elapsed() < 10000, qPrintable(QString::number(sinceStop.elapsed())));
    QCOMPARE(w.liveTree()->state(), LiveTree::State::Live);
    // Browsing goes on: a level is listed through the other members.
    QVERIFY(
        !cluster.member(cluster.member(0) == stopped ? 1 : 0)
             ->etcdctl({QStringLiteral("put"), QStringLiteral("dir/child"), QStringLiteral("x")})
             .isNull());
    QTRY_VERIFY_WITH_TIMEOUT(w.keyModel()->indexForKey("dir").isValid(), 15000);
    const QModelIndex dir = w.keyModel()->indexForKey("dir");
    if (w.keyModel()->canFetchMore(dir))
        w.keyModel()->fetchMore(dir);
    QTRY_VERIFY_WITH_TIMEOUT(w.keyModel()->indexForKey("dir/child").isValid(), 15000);
}

QTEST_MAIN(TestClusterPanel)
#include "tst_clusterpanel.moc"
