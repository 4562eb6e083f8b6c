// The cluster panel's model on a real 3-member cluster: members, leader, IDs and URLs as etcdctl
// sees them, v3 status and v2 statistics per member, a learner added, started, promoted,
// updated and removed, a member whose client URL hangs, and the leader stopped while the key
// tree and its watch go on through the other members.
#include "clustermodel.h"
#include "clustermonitor.h"
#include "etcdclient.h"
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "etcdtransport.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "fakeserver.h"
#include "keytreelister.h"
#include "keytreemodel.h"
#include "livetree.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTest>

#include <memory>

namespace {

struct EtcdctlMember
{
    QString id;
    QString name;
    QString peerUrl;
    QString clientUrl;
    bool learner = false;
};

// `etcdctl member list -w simple`: "8e9e05c52164694d, started, m1, http://…, http://…, false".
QList<EtcdctlMember> etcdctlMembers(const EtcdServer &server)
{
    QList<EtcdctlMember> out;
    const QString text = server.etcdctl({QStringLiteral("member"), QStringLiteral("list")});
    for (const QString &line : text.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        const QStringList f = line.split(QStringLiteral(", "));
        if (f.size() < 6)
            continue;
        out << EtcdctlMember{f[0], f[2], f[3], f[4], f[5].trimmed() == QLatin1String("true")};
    }
    return out;
}

// The leader's ID as `etcdctl endpoint status` prints it (the "true" in the IS LEADER column).
QString etcdctlLeader(const EtcdServer &server)
{
    const QString text = server.etcdctl(
        {QStringLiteral("endpoint"), QStringLiteral("status"), QStringLiteral("--cluster")});
    for (const QString &line : text.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        const QStringList f = line.split(QStringLiteral(", "));
        if (f.size() >= 5 && f[4] == QLatin1String("true"))
            return f[1];
    }
    return {};
}

int rowNamed(const ClusterModel &model, const QString &name)
{
    for (int r = 0; r < model.rowCount(); ++r) {
        if (model.member(r).name == name)
            return r;
    }
    return -1;
}

// Waits until `check` holds after a round ended (rounds run on the model's timer).
bool waitForRound(ClusterModel &model, const std::function<bool()> &check, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    QSignalSpy rounds(&model, &ClusterModel::refreshed);
    while (t.elapsed() < timeoutMs) {
        if (model.roundsCompleted() > 0 && check())
            return true;
        rounds.wait(int(std::max<qint64>(1, timeoutMs - t.elapsed())));
    }
    return check();
}

ClusterMonitor::Done recordInto(std::optional<EtcdError> *error, quint64 *id = nullptr)
{
    return [error, id](const EtcdError &e, quint64 newId) {
        *error = e;
        if (id)
            *id = newId;
    };
}

} // namespace

class TestClusterModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void listsMembersWithLeader();
    void statusAndStatisticsPerMember();
    void followerRefusesLeaderStats();
    void readOnlyRefusesMembershipChanges();
    void learnerLifecycle();
    void hangingMemberDelaysOnlyItself();
    void leaderStopped(); // last: the cluster runs on two members afterwards

private:
    std::unique_ptr<EtcdCluster> m_cluster;
    std::unique_ptr<EtcdClient> m_client;
    std::unique_ptr<ClusterMonitor> m_monitor;
    std::unique_ptr<ClusterModel> m_model;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

void TestClusterModel::initTestCase()
{
    m_cluster = std::make_unique<EtcdCluster>(3);
    QVERIFY2(m_cluster->start(), "the 3-member cluster did not start");
    m_client = discoveredClient(clientOptions(m_cluster->clientUrls()));
    QVERIFY(m_client);
    QVERIFY(m_client->clusterInfo().v2Available);
    m_monitor = std::make_unique<ClusterMonitor>();
    m_model = std::make_unique<ClusterModel>(m_monitor.get());
    m_tester = std::make_unique<QAbstractItemModelTester>(
        m_model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_monitor->setInterval(1000);
    m_monitor->setClient(m_client.get());
    QSignalSpy rounds(m_model.get(), &ClusterModel::refreshed);
    QVERIFY(m_monitor->refresh());
    QVERIFY(rounds.wait(20000));
}

void TestClusterModel::listsMembersWithLeader()
{
    const QList<EtcdctlMember> expected = etcdctlMembers(*m_cluster->member(0));
    QCOMPARE(expected.size(), 3);
    QCOMPARE(m_model->rowCount(), 3);
    for (const EtcdctlMember &e : expected) {
        const int row = rowNamed(*m_model, e.name);
        QVERIFY2(row >= 0, qPrintable(e.name));
        const ClusterMember &m = m_model->member(row);
        QCOMPARE(ClusterModel::hexId(m.id), e.id);
        QCOMPARE(m_model->index(row, ClusterModel::IdColumn).data().toString(), e.id);
        QCOMPARE(m.peerUrls, QStringList{e.peerUrl});
        QCOMPARE(m.clientUrls, QStringList{e.clientUrl});
        QCOMPARE(m.isLearner, e.learner);
        QCOMPARE(m.reach, ClusterMember::Reach::Reachable);
    }
    const QString leader = etcdctlLeader(*m_cluster->member(0));
    QVERIFY(!leader.isEmpty());
    QCOMPARE(ClusterModel::hexId(m_model->leaderId()), leader);
    int leaders = 0;
    for (int r = 0; r < m_model->rowCount(); ++r) {
        const QModelIndex role = m_model->index(r, ClusterModel::RoleColumn);
        if (role.data(ClusterModel::IsLeaderRole).toBool()) {
            ++leaders;
            QCOMPARE(ClusterModel::hexId(m_model->member(r).id), leader);
            QCOMPARE(role.data().toString(), QStringLiteral("Leader"));
        } else {
            QCOMPARE(role.data().toString(), QStringLiteral("Follower"));
        }
    }
    QCOMPARE(leaders, 1);
    QVERIFY(m_model->clusterId() != 0);
}

void TestClusterModel::statusAndStatisticsPerMember()
{
    // Each member answered at its own URL: its own ID in its status header.
    for (int r = 0; r < m_model->rowCount(); ++r) {
        const ClusterMember &m = m_model->member(r);
        QVERIFY(m.status);
        QCOMPARE(m.status->header.memberId, m.id);
        QCOMPARE(m.answeredAt, m.clientUrls.value(0));
        QVERIFY(m.health && m.health->healthy);
        QCOMPARE(m.version, QStringLiteral("3.4.23"));
        QVERIFY(m.status->dbSize > 0);
        QVERIFY(m.status->raftIndex > 0);
        QVERIFY(m.status->raftTerm > 0);
        QVERIFY(m.lag.has_value());
        QVERIFY(*m.lag >= 0);
        QCOMPARE(m_model->index(r, ClusterModel::HealthColumn).data().toString(),
                 QStringLiteral("Healthy"));
        QVERIFY(!m_model->index(r, ClusterModel::DbSizeColumn).data().toString().isEmpty());
        // v2 statistics from the member itself.
        QVERIFY(m.selfStats);
        QCOMPARE(m.selfStats->id, m.id);
        QCOMPARE(m.selfStats->name, m.name);
        QCOMPARE(m.selfStats->state,
                 m.isLeader ? QStringLiteral("StateLeader") : QStringLiteral("StateFollower"));
        QCOMPARE(m.selfStats->leaderId, m_model->leaderId());
        // Followers carry the leader's view of them.
        if (m.isLeader) {
            QVERIFY(!m.followerStats);
        } else {
            QVERIFY(m.followerStats);
            QVERIFY(m.followerStats->successCount > 0);
        }
        QVERIFY(m.alarms.isEmpty());
    }
    QVERIFY(m_model->leaderStats());
    QCOMPARE(m_model->leaderStats()->leaderId, m_model->leaderId());
    QCOMPARE(int(m_model->leaderStats()->followers.size()), 2);
    QVERIFY(m_model->storeStats());
    QVERIFY(m_model->storeStats()->getsSuccess + m_model->storeStats()->getsFail >= 0);
    // A trend sample per member and round.
    QCOMPARE(m_model->historyMembers().size(), 3);
    for (quint64 id : m_model->historyMembers()) {
        QVERIFY(!m_model->history(id).empty());
        QVERIFY(m_model->history(id).back().dbSize > 0);
    }
}

void TestClusterModel::followerRefusesLeaderStats()
{
    // What the model avoids by asking only the leader: a follower's 403.
    const int row = [&] {
        for (int r = 0; r < m_model->rowCount(); ++r) {
            if (!m_model->member(r).isLeader)
                return r;
        }
        return -1;
    }();
    QVERIFY(row >= 0);
    auto follower = discoveredClient(clientOptions(m_model->member(row).clientUrls));
    QVERIFY(follower);
    const auto stats = run<EtcdV2LeaderStats>(
        [&](QObject *c, auto cb) { return follower->v2()->leaderStats(c, cb); });
    QVERIFY(!stats.ok());
    QCOMPARE(stats.error.httpStatus(), 403);
    QVERIFY(stats.error.is(EtcdError::Condition::NotLeader));
}

void TestClusterModel::readOnlyRefusesMembershipChanges()
{
    EtcdClient::Options o = clientOptions(m_cluster->clientUrls());
    o.readOnly = true;
    const auto readOnly = discoveredClient(o);
    QVERIFY(readOnly);
    ClusterMonitor monitor;
    monitor.setClient(readOnly.get());
    std::optional<EtcdError> error;
    QObject context;
    monitor.addMember({QStringLiteral("http://127.0.0.1:1")}, true, &context, recordInto(&error));
    QVERIFY(QTest::qWaitFor([&] { return error.has_value(); }, 10000));
    QCOMPARE(error->kind(), EtcdError::Kind::ReadOnly);
    QCOMPARE(etcdctlMembers(*m_cluster->member(0)).size(), 3);
}

void TestClusterModel::learnerLifecycle()
{
    EtcdServer::Options o;
    o.name = QStringLiteral("m4");
    o.clientPort = EtcdServer::freePort();
    o.peerPort = EtcdServer::freePort();
    o.clusterState = QStringLiteral("existing");
    o.waitForHealth = false;
    const QString peer = QStringLiteral("http://127.0.0.1:%1").arg(o.peerPort);
    o.initialCluster = m_cluster->initialCluster() + QStringLiteral(",m4=") + peer;

    // Added as a learner: listed at once, not started.
    // etcd refuses membership changes until every member has been connected for 5 s
    // ("unhealthy cluster"): tried again after each round until then.
    QObject context;
    std::optional<EtcdError> error;
    quint64 id = 0;
    m_monitor->setActive(true);
    QVERIFY(waitForRound(
        *m_model,
        [&] {
            error.reset();
            m_monitor->addMember({peer}, true, &context, recordInto(&error, &id));
            if (!QTest::qWaitFor([&] { return error.has_value(); }, 20000))
                return false;
            return !error->is(EtcdError::Condition::Unavailable) &&
                   !error->is(EtcdError::Condition::ClusterUnhealthy);
        },
        30000));
    QVERIFY2(!*error, qPrintable(error->toString()));
    QVERIFY(id != 0);
    QVERIFY(waitForRound(
        *m_model, [&] { return m_model->rowOf(id) >= 0; }, 20000));
    {
        const int row = m_model->rowOf(id);
        QVERIFY(m_model->member(row).notStarted());
        QCOMPARE(m_model->member(row).reach, ClusterMember::Reach::NotStarted);
        QCOMPARE(m_model->index(row, ClusterModel::RoleColumn).data().toString(),
                 QStringLiteral("Not started (learner)"));
    }

    // Started: its name, client URL and status show; it is a learner.
    EtcdServer m4(o);
    QVERIFY(m4.start());
    auto stopM4 = qScopeGuard([&] { m4.stop(); });
    QVERIFY2(waitForRound(
                 *m_model,
                 [&] {
                     const ClusterMember *m = m_model->memberById(id);
                     return m && m->name == QLatin1String("m4") &&
                            m->reach == ClusterMember::Reach::Reachable && m->status;
                 },
                 30000),
             qPrintable(m4.lastLog()));
    QCOMPARE(m_model->memberById(id)->clientUrls, QStringList{m4.clientUrl()});
    QVERIFY(m_model->memberById(id)->isLearner);
    QCOMPARE(m_model->index(m_model->rowOf(id), ClusterModel::RoleColumn).data().toString(),
             QStringLiteral("Learner"));

    // Promoted once in sync: etcd refuses before that ("learner not ready"), and says so.
    bool promoted = false;
    QVERIFY(waitForRound(
        *m_model,
        [&] {
            error.reset();
            m_monitor->promoteMember(id, &context, recordInto(&error));
            if (!QTest::qWaitFor([&] { return error.has_value(); }, 20000))
                return false;
            if (error && error->is(EtcdError::Condition::LearnerNotReady))
                return false;
            promoted = error && !*error;
            return true;
        },
        30000));
    QVERIFY2(promoted, qPrintable(error ? error->toString() : QString()));
    QVERIFY(waitForRound(
        *m_model,
        [&] {
            const ClusterMember *m = m_model->memberById(id);
            return m && !m->isLearner;
        },
        20000));
    QCOMPARE(m_model->index(m_model->rowOf(id), ClusterModel::RoleColumn).data().toString(),
             QStringLiteral("Follower"));

    // Peer URLs updated: the same port under another name, so that the member still works.
    const QString newPeer = QStringLiteral("http://localhost:%1").arg(o.peerPort);
    error.reset();
    m_monitor->updateMember(id, {newPeer}, &context, recordInto(&error));
    QVERIFY(QTest::qWaitFor([&] { return error.has_value(); }, 20000));
    QVERIFY2(!*error, qPrintable(error->toString()));
    QVERIFY(waitForRound(
        *m_model,
        [&] {
            const ClusterMember *m = m_model->memberById(id);
            return m && m->peerUrls == QStringList{newPeer};
        },
        20000));

    // Removed: its row goes.
    error.reset();
    m_monitor->removeMember(id, &context, recordInto(&error));
    QVERIFY(QTest::qWaitFor([&] { return error.has_value(); }, 20000));
    QVERIFY2(!*error, qPrintable(error->toString()));
    QVERIFY(waitForRound(
        *m_model, [&] { return m_model->rowOf(id) < 0; }, 20000));
    QCOMPARE(m_model->rowCount(), 3);

    // An unknown member is named as such.
    error.reset();
    m_monitor->removeMember(id, &context, recordInto(&error));
    QVERIFY(QTest::qWaitFor([&] { return error.has_value(); }, 20000));
    QVERIFY(error->is(EtcdError::Condition::MemberNotFound));
    m_monitor->setActive(false);
}

void TestClusterModel::hangingMemberDelaysOnlyItself()
{
    // A cluster whose third member advertises a client URL that accepts and never answers.
    FakeServer hang;
    QVERIFY(hang.listen());
    hang.setHandler(FakeServer::stall());
    EtcdCluster cluster(3);
    cluster.member(2)->setExtraArgs({QStringLiteral("--advertise-client-urls"), hang.url()});
    QVERIFY2(cluster.start(), "the second cluster did not start");
    auto client = discoveredClient(clientOptions({cluster.member(0)->clientUrl()}));
    QVERIFY(client);

    constexpr int probeTimeout = 2000;
    ClusterMonitor monitor;
    ClusterModel model(&monitor);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    monitor.setProbeTimeout(probeTimeout);
    monitor.setInterval(3000);
    monitor.setClient(client.get());

    QElapsedTimer sinceStart;
    QHash<QString, qint64> reachableAt;
    qint64 unreachableAt = -1;
    connect(&model, &ClusterModel::refreshStarted, this, [&] {
        sinceStart.start();
        reachableAt.clear();
        unreachableAt = -1;
    });
    connect(&model, &ClusterModel::memberUpdated, this, [&](quint64 id) {
        const ClusterMember *m = model.memberById(id);
        if (m->reach == ClusterMember::Reach::Reachable && m->status &&
            !reachableAt.contains(m->name))
            reachableAt.insert(m->name, sinceStart.elapsed());
        if (m->reach == ClusterMember::Reach::Unreachable && unreachableAt < 0)
            unreachableAt = sinceStart.elapsed();
    });
    QSignalSpy rounds(&model, &ClusterModel::refreshed);
    monitor.setActive(true);
    // Two rounds: the second shows the others answered on time again, not held by the first.
    QVERIFY(QTest::qWaitFor([&] { return rounds.size() >= 2; }, 20000));
    monitor.setActive(false);

    QCOMPARE(model.rowCount(), 3);
    const ClusterMember *m3 =
        model.memberById(model.member(rowNamed(model, QStringLiteral("m3"))).id);
    QCOMPARE(m3->clientUrls, QStringList{hang.url()});
    QCOMPARE(m3->reach, ClusterMember::Reach::Unreachable);
    QCOMPARE(m3->error.kind(), EtcdError::Kind::Timeout);
    QVERIFY(model.index(rowNamed(model, QStringLiteral("m3")), ClusterModel::HealthColumn)
                .data()
                .toString()
                .startsWith(QStringLiteral("Unreachable")));
    QVERIFY2(unreachableAt >= probeTimeout - 100, qPrintable(QString::number(unreachableAt)));
    for (const QString &name : {QStringLiteral("m1"), QStringLiteral("m2")}) {
        QVERIFY2(reachableAt.contains(name), qPrintable(name));
        // Answered long before the hanging member's time ran out.
        QVERIFY2(
            reachableAt.value(name) < probeTimeout - 500,
            qPrintable(QStringLiteral("%1 after %2 ms").arg(name).arg(reachableAt.value(name))));
        QCOMPARE(model.member(rowNamed(model, name)).reach, ClusterMember::Reach::Reachable);
    }
    // The leader is known from the members that answered; m3 has no lag.
    QVERIFY(model.leaderId() != 0);
    QVERIFY(!m3->lag);

    // Connected through m3's real URL (as through a tunnel to a member whose advertised URL
    // this machine cannot reach): m3 is asked where the connection reaches it.
    auto direct = discoveredClient(clientOptions({cluster.member(2)->clientUrl()}));
    QVERIFY(direct);
    ClusterMonitor directMonitor;
    ClusterModel throughEndpoint(&directMonitor);
    QAbstractItemModelTester directTester(&throughEndpoint,
                                          QAbstractItemModelTester::FailureReportingMode::QtTest);
    directMonitor.setProbeTimeout(probeTimeout);
    directMonitor.setClient(direct.get());
    QSignalSpy directRounds(&throughEndpoint, &ClusterModel::refreshed);
    QVERIFY(directMonitor.refresh());
    QVERIFY(directRounds.wait(20000));
    const ClusterMember &m3Direct =
        throughEndpoint.member(rowNamed(throughEndpoint, QStringLiteral("m3")));
    QCOMPARE(m3Direct.reach, ClusterMember::Reach::Reachable);
    QCOMPARE(m3Direct.answeredAt, cluster.member(2)->clientUrl());
    QVERIFY(m3Direct.status);
    QCOMPARE(m3Direct.status->header.memberId, m3Direct.id);
}

void TestClusterModel::leaderStopped()
{
    // The key tree and its watch on the same connection as the panel.
    KeyTreeModel tree;
    QAbstractItemModelTester treeTester(&tree,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
    tree.lister()->setClient(m_client.get());
    LiveTree live(&tree);
    QSignalSpy liveState(&live, &LiveTree::stateChanged);
    live.start(m_client.get());
    QVERIFY(QTest::qWaitFor([&] { return live.state() == LiveTree::State::Live; }, 20000));

    const quint64 leader = m_model->leaderId();
    const int leaderRow = m_model->rowOf(leader);
    QVERIFY(leaderRow >= 0);
    const QString leaderName = m_model->member(leaderRow).name;
    EtcdServer *stopped = nullptr;
    for (int i = 0; i < m_cluster->size(); ++i) {
        if (m_cluster->member(i)->name() == leaderName)
            stopped = m_cluster->member(i);
    }
    QVERIFY(stopped);
    QElapsedTimer sinceStop;
    stopped->stop();
    sinceStop.start();

    m_monitor->setActive(true);
    QVERIFY(waitForRound(
        *m_model,
        [&] {
            const ClusterMember *m = m_model->memberById(leader);
            return m && m->reach == ClusterMember::Reach::Unreachable && m_model->leaderId() != 0 &&
                   m_model->leaderId() != leader;
        },
        20000));
    QVERIFY2(sinceStop.elapsed() < 10000, qPrintable(QString::number(sinceStop.elapsed())));
    const ClusterMember *newLeader = m_model->memberById(m_model->leaderId());
    QVERIFY(newLeader && newLeader->isLeader);
    m_monitor->setActive(false);

    // A change made through a surviving member reaches the tree through the watch.
    EtcdServer *survivor =
        m_cluster->member(0) == stopped ? m_cluster->member(1) : m_cluster->member(0);
    QVERIFY(!survivor
                 ->etcdctl({QStringLiteral("put"), QStringLiteral("after-failover"),
                            QStringLiteral("yes")})
                 .isNull());
    QVERIFY(QTest::qWaitFor(
        [&] {
            for (int r = 0; r < tree.rowCount(); ++r) {
                if (tree.index(r, 0).data().toString() == QLatin1String("after-failover"))
                    return true;
            }
            return false;
        },
        15000));
    QVERIFY(live.state() == LiveTree::State::Live);
    // Reads go on too, and the connection names another endpoint.
    const auto read = run<EtcdV3RangeResult>(
        [&](QObject *c, auto cb) { return m_client->v3()->range("after-failover", {}, c, cb); });
    VERIFY_OK(read);
    QCOMPARE(read.value.kvs.size(), 1);
    QVERIFY(m_client->transport()->currentEndpoint() != stopped->clientUrl());
    live.stop();
}

QTEST_GUILESS_MAIN(TestClusterModel)
#include "tst_clustermodel.moc"
