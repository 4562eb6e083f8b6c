// EtcdV2Client's membership (/v2/members), statistics (/v2/stats) and basic auth against real
// etcd: a single member, a 3-member cluster (follower stats, adding and removing a member) and a
// member with v2 auth switched on.
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "etcdtransport.h"
#include "etcdv2client.h"
#include "etcdv2json.h"

#include <QPointer>
#include <QTest>

#include <memory>

using Cond = EtcdError::Condition;
using Members = std::vector<EtcdV2Member>;

// A transport and a client on one or more endpoints.
struct Connection
{
    explicit Connection(const QStringList &endpoints) { transport.setEndpoints(endpoints); }
    EtcdTransport transport;
    EtcdV2Client client{&transport};
};

class TestV2Cluster : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();

    void listMembers();
    void updatePeerUrls();
    void memberNotFound_data();
    void memberNotFound();
    void addMemberInvalidUrl();
    void selfStats();
    void storeStats();
    void leaderStatsOnSingleMember();
    void basicAuth();
    void clusterStatsAndMembership();

private:
    EtcdServer m_etcd;
    std::unique_ptr<Connection> m_conn;
};

void TestV2Cluster::initTestCase()
{
    QVERIFY2(m_etcd.start(), "etcd did not start");
    m_conn = std::make_unique<Connection>(QStringList{m_etcd.clientUrl()});
}

void TestV2Cluster::listMembers()
{
    const auto r = await<Members>([&](auto cb) { return m_conn->client.listMembers(this, cb); });
    VERIFY_OK(r);
    QCOMPARE(r.value.size(), std::size_t(1));
    const EtcdV2Member &m = r.value.front();
    QCOMPARE(m.name, m_etcd.name());
    QCOMPARE(m.peerURLs, QStringList{m_etcd.peerUrl()});
    QCOMPARE(m.clientURLs, QStringList{m_etcd.clientUrl()});
    QVERIFY(m.id != 0);
    // etcdctl names the same id.
    QVERIFY(m_etcd.etcdctlV2({"member", "list"}).contains(EtcdV2Json::hexId(m.id)));
}

void TestV2Cluster::updatePeerUrls()
{
    auto list = await<Members>([&](auto cb) { return m_conn->client.listMembers(this, cb); });
    VERIFY_OK(list);
    const quint64 id = list.value.front().id;

    // A single member talks to no peer, so its advertised peer URL can change and change back.
    const QString other = QStringLiteral("http://127.0.0.1:%1").arg(EtcdServer::freePort());
    auto r = await<EtcdNothing>(
        [&](auto cb) { return m_conn->client.updateMember(id, {other}, this, cb); });
    VERIFY_OK(r);
    list = await<Members>([&](auto cb) { return m_conn->client.listMembers(this, cb); });
    VERIFY_OK(list);
    QCOMPARE(list.value.front().peerURLs, QStringList{other});

    r = await<EtcdNothing>(
        [&](auto cb) { return m_conn->client.updateMember(id, {m_etcd.peerUrl()}, this, cb); });
    VERIFY_OK(r);
    list = await<Members>([&](auto cb) { return m_conn->client.listMembers(this, cb); });
    QCOMPARE(list.value.front().peerURLs, QStringList{m_etcd.peerUrl()});
}

void TestV2Cluster::memberNotFound_data()
{
    QTest::addColumn<bool>("update");
    QTest::newRow("remove") << false;
    QTest::newRow("update") << true;
}

void TestV2Cluster::memberNotFound()
{
    QFETCH(bool, update);
    const quint64 unknown = Q_UINT64_C(0x1234abcd);
    const QStringList urls{QStringLiteral("http://127.0.0.1:1")};
    const auto r = await<EtcdNothing>([&](auto cb) {
        return update ? m_conn->client.updateMember(unknown, urls, this, cb)
                      : m_conn->client.removeMember(unknown, this, cb);
    });
    QVERIFY2(r.error.is(Cond::MemberNotFound), qPrintable(r.error.toString()));
    QCOMPARE(r.error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(r.error.httpStatus(), 404);
    QVERIFY(r.error.message().contains(QStringLiteral("1234abcd")));
}

void TestV2Cluster::addMemberInvalidUrl()
{
    const auto r = await<EtcdV2Member>(
        [&](auto cb) { return m_conn->client.addMember({"not-a-url"}, this, cb); });
    QCOMPARE(r.error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(r.error.httpStatus(), 400);
    QVERIFY2(r.error.message().contains(QStringLiteral("URL")), qPrintable(r.error.toString()));
    // Nothing was added.
    const auto list = await<Members>([&](auto cb) { return m_conn->client.listMembers(this, cb); });
    QCOMPARE(list.value.size(), std::size_t(1));
}

void TestV2Cluster::selfStats()
{
    const auto members =
        await<Members>([&](auto cb) { return m_conn->client.listMembers(this, cb); });
    VERIFY_OK(members);
    const auto r =
        await<EtcdV2SelfStats>([&](auto cb) { return m_conn->client.selfStats(this, cb); });
    VERIFY_OK(r);
    QCOMPARE(r.value.name, m_etcd.name());
    QCOMPARE(r.value.id, members.value.front().id);
    QCOMPARE(r.value.state, QStringLiteral("StateLeader"));
    QCOMPARE(r.value.leaderId, r.value.id);
    QVERIFY(r.value.startTime.isValid());
    QVERIFY(r.value.startTime <= QDateTime::currentDateTimeUtc());
    QVERIFY(r.value.leaderStartTime.isValid());
    QVERIFY(!r.value.leaderUptime.isEmpty());
    QCOMPARE(r.value.raw.value(QLatin1String("name")).toString(), m_etcd.name());
}

void TestV2Cluster::storeStats()
{
    const auto before =
        await<EtcdV2StoreStats>([&](auto cb) { return m_conn->client.storeStats(this, cb); });
    VERIFY_OK(before);
    QVERIFY(before.value.raw.contains(QLatin1String("getsSuccess")));

    // A successful set, a failed get and a successful get move their counters.
    VERIFY_OK(await<EtcdV2Response>(
        [&](auto cb) { return m_conn->client.set("/stats/a", "1", {}, this, cb); }));
    QVERIFY(await<EtcdV2Response>([&](auto cb) {
                return m_conn->client.get("/stats/missing", {}, this, cb);
            }).error.is(Cond::KeyNotFound));
    VERIFY_OK(await<EtcdV2Response>(
        [&](auto cb) { return m_conn->client.get("/stats/a", {}, this, cb); }));

    const auto after =
        await<EtcdV2StoreStats>([&](auto cb) { return m_conn->client.storeStats(this, cb); });
    VERIFY_OK(after);
    // etcd writes to its own v2 store too (member attributes), so only lower bounds hold.
    QVERIFY(after.value.setsSuccess >= before.value.setsSuccess + 1);
    QVERIFY(after.value.getsFail >= before.value.getsFail + 1);
    QVERIFY(after.value.getsSuccess >= before.value.getsSuccess + 1);
    QCOMPARE(after.value.watchers, 0);
}

void TestV2Cluster::leaderStatsOnSingleMember()
{
    const auto self =
        await<EtcdV2SelfStats>([&](auto cb) { return m_conn->client.selfStats(this, cb); });
    VERIFY_OK(self);
    const auto r =
        await<EtcdV2LeaderStats>([&](auto cb) { return m_conn->client.leaderStats(this, cb); });
    VERIFY_OK(r);
    QCOMPARE(r.value.leaderId, self.value.id);
    QVERIFY(r.value.followers.empty());
}

void TestV2Cluster::basicAuth()
{
    EtcdServer secured;
    QVERIFY2(secured.start(), "etcd did not start");
    Connection admin({secured.clientUrl()});

    // v2 auth: a root user, auth on, and the guest role (anyone without credentials) stripped.
    auto raw = [&](const QByteArray &method, const QByteArray &path, const QByteArray &body) {
        EtcdHttpRequest request;
        request.method = method;
        request.path = path;
        request.body = body;
        request.contentType = "application/json";
        request.kind = EtcdHttpRequest::Kind::Write;
        request.auth = EtcdHttpRequest::Auth::Basic;
        auto status = std::make_shared<int>(0);
        admin.transport.send(request, this,
                             [status](EtcdCall *, const EtcdHttpResponse &r, const EtcdError &e) {
                                 *status = e.isError() ? -1 : r.status;
                                 return true;
                             });
        return QTest::qWaitFor([&] { return *status != 0; }, 10000) ? *status : 0;
    };
    const QByteArray rootUser = "{\"user\":\"root\",\"password\":\"s3cret\"}";
    const QByteArray revokeGuest = "{\"role\":\"guest\",\"revoke\":{\"kv\":"
                                   "{\"read\":[\"/\x2a\"],\"write\":[\"/\x2a\"]}}}";
    QCOMPARE(raw("PUT", "/v2/auth/users/root", rootUser), 201);
    QCOMPARE(raw("PUT", "/v2/auth/enable", {}), 200);
    admin.transport.setCredentials(QStringLiteral("root"), QStringLiteral("s3cret"));
    QCOMPARE(raw("PUT", "/v2/auth/roles/guest", revokeGuest), 200);

    // With the right credentials every kind of call goes through.
    VERIFY_OK(await<EtcdV2Response>(
        [&](auto cb) { return admin.client.set("/auth/a", "1", {}, this, cb); }));
    VERIFY_OK(
        await<EtcdV2Response>([&](auto cb) { return admin.client.get("/auth/a", {}, this, cb); }));
    VERIFY_OK(await<Members>([&](auto cb) { return admin.client.listMembers(this, cb); }));

    // Without them, or with a wrong password: 110.
    Connection anonymous({secured.clientUrl()});
    Connection wrong({secured.clientUrl()});
    wrong.transport.setCredentials(QStringLiteral("root"), QStringLiteral("nope"));
    for (Connection *c : {&anonymous, &wrong}) {
        const auto r =
            await<EtcdV2Response>([&](auto cb) { return c->client.get("/auth/a", {}, this, cb); });
        QVERIFY2(r.error.is(Cond::Unauthorized), qPrintable(r.error.toString()));
        QCOMPARE(r.error.code(), 110);
        QCOMPARE(r.error.httpStatus(), 401);
        const auto w = await<EtcdV2Response>(
            [&](auto cb) { return c->client.set("/auth/a", "2", {}, this, cb); });
        QVERIFY(w.error.is(Cond::Unauthorized));
        // Changing membership needs root too.
        const auto m =
            await<EtcdNothing>([&](auto cb) { return c->client.removeMember(0x1234, this, cb); });
        QVERIFY2(m.error.is(Cond::Unauthorized), qPrintable(m.error.toString()));
    }
    QCOMPARE(await<EtcdV2Response>([&](auto cb) {
                 return admin.client.get("/auth/a", {}, this, cb);
             }).value.node.value,
             QByteArray("1"));
}

void TestV2Cluster::clusterStatsAndMembership()
{
    EtcdCluster cluster;
    QVERIFY2(cluster.start(), "the 3-member cluster did not start");

    // Find the leader by asking each member about itself.
    std::vector<std::unique_ptr<Connection>> conns;
    int leader = -1;
    quint64 leaderId = 0;
    for (int i = 0; i < cluster.size(); ++i) {
        conns.push_back(std::make_unique<Connection>(QStringList{cluster.member(i)->clientUrl()}));
        EtcdV2Client &client = conns.back()->client;
        const auto self =
            await<EtcdV2SelfStats>([&](auto cb) { return client.selfStats(this, cb); });
        VERIFY_OK(self);
        QCOMPARE(self.value.name, cluster.member(i)->name());
        QVERIFY(self.value.leaderId != 0);
        if (self.value.state == QLatin1String("StateLeader")) {
            leader = i;
            leaderId = self.value.id;
        } else {
            QCOMPARE(self.value.state, QStringLiteral("StateFollower"));
        }
    }
    QVERIFY(leader >= 0);

    // Leader stats: the leader knows its two followers; a follower refuses with 403.
    for (int i = 0; i < cluster.size(); ++i) {
        EtcdV2Client &client = conns[std::size_t(i)]->client;
        const auto r =
            await<EtcdV2LeaderStats>([&](auto cb) { return client.leaderStats(this, cb); });
        if (i == leader) {
            VERIFY_OK(r);
            QCOMPARE(r.value.leaderId, leaderId);
            QCOMPARE(r.value.followers.size(), std::size_t(2));
            for (const EtcdV2FollowerStats &f : r.value.followers)
                QVERIFY(f.id != 0 && f.id != leaderId);
        } else {
            QCOMPARE(r.error.kind(), EtcdError::Kind::Etcd);
            QCOMPARE(r.error.httpStatus(), 403);
            QCOMPARE(r.error.message(), QStringLiteral("not current leader"));
            QCOMPARE(r.error.condition(), EtcdError::Condition::NotLeader);
        }
    }

    // Members: three, then a fourth that never starts (three of four still make a quorum),
    // then back to three.
    EtcdV2Client &client = conns[std::size_t(leader)]->client;
    auto list = await<Members>([&](auto cb) { return client.listMembers(this, cb); });
    VERIFY_OK(list);
    QCOMPARE(list.value.size(), std::size_t(3));

    const QString peer = QStringLiteral("http://127.0.0.1:%1").arg(EtcdServer::freePort());
    EtcdResult<EtcdV2Member> added;
    // etcd refuses reconfiguration until its members have been connected for a few seconds
    // ("unhealthy cluster"): try again until it accepts.
    const bool accepted = QTest::qWaitFor(
        [&] {
            added =
                await<EtcdV2Member>([&](auto cb) { return client.addMember({peer}, this, cb); });
            return added.ok();
        },
        30000);
    if (!accepted)
        qWarning().noquote() << cluster.member(leader)->lastLog(40);
    VERIFY_OK(added);
    QVERIFY(added.value.id != 0);
    QVERIFY(added.value.name.isEmpty());
    QCOMPARE(added.value.peerURLs, QStringList{peer});

    // A second unstarted member would leave no quorum to spare: etcd refuses it ("unhealthy
    // cluster" in its log) with a bare 500 before it even looks at the URL.
    const auto again =
        await<EtcdV2Member>([&](auto cb) { return client.addMember({peer}, this, cb); });
    QCOMPARE(again.error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(again.error.httpStatus(), 500);
    QVERIFY(!again.error.message().isEmpty());

    list = await<Members>([&](auto cb) { return client.listMembers(this, cb); });
    VERIFY_OK(list);
    QCOMPARE(list.value.size(), std::size_t(4));
    bool listed = false;
    for (const EtcdV2Member &m : list.value)
        listed = listed || (m.id == added.value.id && m.peerURLs == QStringList{peer});
    QVERIFY(listed);

    VERIFY_OK(
        await<EtcdNothing>([&](auto cb) { return client.removeMember(added.value.id, this, cb); }));
    list = await<Members>([&](auto cb) { return client.listMembers(this, cb); });
    QCOMPARE(list.value.size(), std::size_t(3));
    const auto gone =
        await<EtcdNothing>([&](auto cb) { return client.removeMember(added.value.id, this, cb); });
    QVERIFY2(gone.error.is(Cond::MemberNotFound), qPrintable(gone.error.toString()));
    QCOMPARE(gone.error.httpStatus(), 410);
}

QTEST_GUILESS_MAIN(TestV2Cluster)
#include "tst_v2cluster.moc"
