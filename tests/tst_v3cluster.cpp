// EtcdV3Client's cluster membership, maintenance and authentication against real etcd members
// (one plain, one with auth on), plus the token renewal races on a fake server.
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "etcdtransport.h"
#include "etcdv3client.h"
#include "fakeserver.h"

Q_DECLARE_METATYPE(EtcdError::Condition)

#include <QPointer>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTest>

#include <optional>

namespace {

// Several calls at once; waits until all of them answered.
template<typename T> struct Batch
{
    QObject context;
    QList<std::optional<EtcdResult<T>>> results;

    explicit Batch(int n) { results.resize(n); }
    EtcdV3Client::Callback<T> slot(int i)
    {
        return [this, i](const EtcdResult<T> &r) {
            results[i] = r;
        };
    }
    bool wait(int timeoutMs = 20000)
    {
        return QTest::qWaitFor(
            [this] {
                return std::all_of(results.begin(), results.end(),
                                   [](const auto &r) { return r.has_value(); });
            },
            timeoutMs);
    }
};

int countRequests(const FakeServer &fake, const QByteArray &path)
{
    int n = 0;
    for (const FakeServer::Request &r : fake.requests())
        n += r.target == path ? 1 : 0;
    return n;
}

} // namespace

class TestV3Cluster : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    // members
    void memberListSingle();
    void memberUpdatePeerUrls();
    void memberNotFound_data();
    void memberNotFound();
    void memberAddBadUrl();
    void learnerAddPromoteRemove();
    void memberRefusals_data();
    void memberRefusals();
    // maintenance
    void statusFields();
    void alarmGetNoneThenNoSpace();
    // auth
    void authenticateDirectly();
    void authNotEnabled();
    void credentialsAuthenticateBeforeFirstRequest();
    void bogusTokenReauthenticatesOnce();
    void concurrentBadTokenOneAuthenticate();
    void concurrentFirstCallsOneAuthenticate();
    void wrongPasswordFailsEveryCall();
    void withoutCredentials();
    void permissionDeniedOutsidePrefix();
    void credentialsOnClusterWithoutAuth();
    void retriesOnlyOnce();
    void cancelledCarrierHandsOver();

private:
    std::unique_ptr<EtcdTransport> transportFor(const EtcdServer &server, const QString &user = {},
                                                const QString &password = {});

    EtcdServer m_etcd;
    std::unique_ptr<EtcdServer> m_authEtcd;
    std::unique_ptr<EtcdTransport> m_transport;
    std::unique_ptr<EtcdV3Client> m_v3;
    quint64 m_memberId = 0;
};

void TestV3Cluster::initTestCase()
{
    QVERIFY2(m_etcd.start(), "etcd did not start");
    m_transport = transportFor(m_etcd);
    m_v3 = std::make_unique<EtcdV3Client>(m_transport.get());

    EtcdServer::Options auth;
    auth.name = QStringLiteral("auth1");
    m_authEtcd = std::make_unique<EtcdServer>(auth);
    QVERIFY2(m_authEtcd->start(), "the auth etcd did not start");
    QVERIFY(m_authEtcd->enableAuth({
        {"user", "add", "alice:apw", "--interactive=false"},
        {"role", "add", "alice-role"},
        {"role", "grant-permission", "alice-role", "readwrite", "/al/", "--prefix=true"},
        {"user", "grant-role", "alice", "alice-role"},
    }));
}

std::unique_ptr<EtcdTransport>
TestV3Cluster::transportFor(const EtcdServer &server, const QString &user, const QString &password)
{
    auto t = std::make_unique<EtcdTransport>();
    t->setEndpoints({server.clientUrl()});
    t->setDefaultTimeout(15000);
    if (!user.isEmpty())
        t->setCredentials(user, password);
    return t;
}

// ---- members ----------------------------------------------------------------------------------

void TestV3Cluster::memberListSingle()
{
    const auto l =
        run<EtcdV3MemberListResult>([&](QObject *c, auto cb) { m_v3->memberList(c, cb); });
    VERIFY_OK(l);
    QCOMPARE(l.value.members.size(), 1);
    const EtcdV3Member &m = l.value.members[0];
    QVERIFY(m.id != 0);
    QCOMPARE(m.id, l.value.header.memberId);
    QCOMPARE(m.name, m_etcd.name());
    QCOMPARE(m.peerUrls, QStringList{m_etcd.peerUrl()});
    QCOMPARE(m.clientUrls, QStringList{m_etcd.clientUrl()});
    QVERIFY(!m.isLearner);
    QVERIFY(l.value.header.clusterId != 0);
    m_memberId = m.id;
}

void TestV3Cluster::memberUpdatePeerUrls()
{
    QVERIFY(m_memberId);
    const QString extra = QStringLiteral("http://127.0.0.1:%1").arg(EtcdServer::freePort());
    auto u = run<EtcdV3MemberListResult>([&](QObject *c, auto cb) {
        m_v3->memberUpdate(m_memberId, {m_etcd.peerUrl(), extra}, c, cb);
    });
    VERIFY_OK(u);
    auto l = run<EtcdV3MemberListResult>([&](QObject *c, auto cb) { m_v3->memberList(c, cb); });
    VERIFY_OK(l);
    QCOMPARE(l.value.members.value(0).peerUrls.size(), 2);
    QVERIFY(l.value.members.value(0).peerUrls.contains(extra));

    u = run<EtcdV3MemberListResult>(
        [&](QObject *c, auto cb) { m_v3->memberUpdate(m_memberId, {m_etcd.peerUrl()}, c, cb); });
    VERIFY_OK(u);
    l = run<EtcdV3MemberListResult>([&](QObject *c, auto cb) { m_v3->memberList(c, cb); });
    QCOMPARE(l.value.members.value(0).peerUrls, QStringList{m_etcd.peerUrl()});
}

void TestV3Cluster::memberNotFound_data()
{
    QTest::addColumn<QString>("operation");
    QTest::newRow("remove") << QStringLiteral("remove");
    QTest::newRow("update") << QStringLiteral("update");
}

void TestV3Cluster::memberNotFound()
{
    QFETCH(QString, operation);
    const quint64 unknown = Q_UINT64_C(0xfedcba9876543210); // above INT64_MAX on purpose
    const auto r = run<EtcdV3MemberListResult>([&](QObject *c, auto cb) {
        if (operation == QLatin1String("remove"))
            m_v3->memberRemove(unknown, c, cb);
        else
            m_v3->memberUpdate(unknown, {QStringLiteral("http://127.0.0.1:9")}, c, cb);
    });
    QCOMPARE(r.error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(r.error.code(), 5);
    QCOMPARE(r.error.condition(), EtcdError::Condition::MemberNotFound);
    QCOMPARE(r.error.httpStatus(), 404);
}

void TestV3Cluster::memberAddBadUrl()
{
    const auto r = run<EtcdV3MemberAddResult>(
        [&](QObject *c, auto cb) { m_v3->memberAdd({QStringLiteral("not a url")}, true, c, cb); });
    QCOMPARE(r.error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(r.error.code(), 3);
    QCOMPARE(r.error.condition(), EtcdError::Condition::InvalidField);
}

void TestV3Cluster::learnerAddPromoteRemove()
{
    // A learner does not count for quorum: adding one that never starts leaves the single
    // member writable.
    const QString peer = QStringLiteral("http://127.0.0.1:%1").arg(EtcdServer::freePort());
    const auto add = run<EtcdV3MemberAddResult>(
        [&](QObject *c, auto cb) { m_v3->memberAdd({peer}, true, c, cb); });
    VERIFY_OK(add);
    const quint64 learner = add.value.member.id;
    QVERIFY(learner != 0);
    QVERIFY(add.value.member.isLearner);
    QCOMPARE(add.value.member.peerUrls, QStringList{peer});
    QVERIFY(add.value.member.name.isEmpty()); // not started
    QCOMPARE(add.value.members.size(), 2);

    const auto promote = run<EtcdV3MemberListResult>(
        [&](QObject *c, auto cb) { m_v3->memberPromote(learner, c, cb); });
    QCOMPARE(promote.error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(promote.error.code(), 9);
    QCOMPARE(promote.error.condition(), EtcdError::Condition::LearnerNotReady);

    const auto put = run<EtcdV3PutResult>(
        [&](QObject *c, auto cb) { m_v3->put("/still/writable", "yes", {}, c, cb); });
    VERIFY_OK(put);

    const auto remove = run<EtcdV3MemberListResult>(
        [&](QObject *c, auto cb) { m_v3->memberRemove(learner, c, cb); });
    VERIFY_OK(remove);
    QCOMPARE(remove.value.members.size(), 1);
    QCOMPARE(remove.value.members.value(0).id, m_memberId);
}

void TestV3Cluster::memberRefusals_data()
{
    QTest::addColumn<QString>("change");
    QTest::addColumn<EtcdError::Condition>("condition");
    // etcd's own refusals, while one learner (never started) is in the cluster.
    QTest::newRow("second learner") << "add learner" << EtcdError::Condition::TooManyLearners;
    // With the learner's URL and another: the same URLs alone could make the same member ID
    // (etcd derives it from the URLs and the second), refused as an existing member instead.
    QTest::newRow("peer URL in use") << "add used peer" << EtcdError::Condition::PeerUrlExists;
}

void TestV3Cluster::memberRefusals()
{
    QFETCH(QString, change);
    QFETCH(EtcdError::Condition, condition);
    const QString peer = QStringLiteral("http://127.0.0.1:%1").arg(EtcdServer::freePort());
    const auto add = run<EtcdV3MemberAddResult>(
        [&](QObject *c, auto cb) { m_v3->memberAdd({peer}, true, c, cb); });
    VERIFY_OK(add);
    const quint64 learner = add.value.member.id;
    const auto removeLearner = qScopeGuard([&] {
        run<EtcdV3MemberListResult>(
            [&](QObject *c, auto cb) { m_v3->memberRemove(learner, c, cb); });
    });

    const QString other = QStringLiteral("http://127.0.0.1:%1").arg(EtcdServer::freePort());
    const QStringList urls =
        change == QLatin1String("add used peer") ? QStringList{peer, other} : QStringList{other};
    const EtcdError error = run<EtcdV3MemberAddResult>([&](QObject *c, auto cb) {
                                m_v3->memberAdd(urls, true, c, cb);
                            }).error;
    QVERIFY2(error, "etcd accepted the change");
    QCOMPARE(error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(error.code(), 9);
    QVERIFY2(error.condition() == condition, qPrintable(error.toString()));
}

// ---- maintenance ------------------------------------------------------------------------------

void TestV3Cluster::statusFields()
{
    const auto s = run<EtcdV3Status>([&](QObject *c, auto cb) { m_v3->status(c, cb); });
    VERIFY_OK(s);
    QVERIFY2(s.value.version.startsWith(QLatin1String("3.")), qPrintable(s.value.version));
    QVERIFY(s.value.dbSize > 0);
    QVERIFY(s.value.dbSizeInUse > 0 && s.value.dbSizeInUse <= s.value.dbSize);
    QCOMPARE(s.value.leader, s.value.header.memberId); // a single member leads itself
    QVERIFY(s.value.raftTerm >= 1);
    QVERIFY(s.value.raftIndex > 0);
    QVERIFY(s.value.raftAppliedIndex > 0 && s.value.raftAppliedIndex <= s.value.raftIndex);
    QVERIFY(s.value.errors.isEmpty());
    QVERIFY(!s.value.isLearner);
}

void TestV3Cluster::alarmGetNoneThenNoSpace()
{
    using A = EtcdV3AlarmAction;
    using T = EtcdV3AlarmType;
    auto a = run<EtcdV3AlarmResult>(
        [&](QObject *c, auto cb) { m_v3->alarm(A::Get, 0, T::None, c, cb); });
    VERIFY_OK(a);
    QVERIFY(a.value.alarms.isEmpty());

    const auto s = run<EtcdV3Status>([&](QObject *c, auto cb) { m_v3->status(c, cb); });
    const quint64 member = s.value.header.memberId;
    a = run<EtcdV3AlarmResult>(
        [&](QObject *c, auto cb) { m_v3->alarm(A::Activate, member, T::NoSpace, c, cb); });
    VERIFY_OK(a);
    a = run<EtcdV3AlarmResult>(
        [&](QObject *c, auto cb) { m_v3->alarm(A::Get, 0, T::None, c, cb); });
    VERIFY_OK(a);
    QCOMPARE(a.value.alarms.size(), 1);
    QCOMPARE(a.value.alarms[0].alarm, T::NoSpace);
    QCOMPARE(a.value.alarms[0].memberId, member);

    // With NOSPACE raised the cluster refuses writes.
    const auto put =
        run<EtcdV3PutResult>([&](QObject *c, auto cb) { m_v3->put("/nospace", "x", {}, c, cb); });
    QCOMPARE(put.error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(put.error.code(), 8);
    QCOMPARE(put.error.condition(), EtcdError::Condition::NoSpace);

    a = run<EtcdV3AlarmResult>(
        [&](QObject *c, auto cb) { m_v3->alarm(A::Deactivate, member, T::NoSpace, c, cb); });
    VERIFY_OK(a);
    a = run<EtcdV3AlarmResult>(
        [&](QObject *c, auto cb) { m_v3->alarm(A::Get, 0, T::None, c, cb); });
    QVERIFY(a.value.alarms.isEmpty());
    VERIFY_OK(
        run<EtcdV3PutResult>([&](QObject *c, auto cb) { m_v3->put("/nospace", "x", {}, c, cb); }));
}

// ---- auth -------------------------------------------------------------------------------------

void TestV3Cluster::authenticateDirectly()
{
    auto t = transportFor(*m_authEtcd);
    EtcdV3Client v3(t.get());
    auto a = run<EtcdV3AuthenticateResult>(
        [&](QObject *c, auto cb) { v3.authenticate("root", "pw", c, cb); });
    VERIFY_OK(a);
    QVERIFY(!a.value.token.isEmpty());
    QVERIFY(t->token().isEmpty()); // authenticate() only returns it

    a = run<EtcdV3AuthenticateResult>(
        [&](QObject *c, auto cb) { v3.authenticate("root", "wrong", c, cb); });
    QCOMPARE(a.error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(a.error.condition(), EtcdError::Condition::AuthFailed);
    a = run<EtcdV3AuthenticateResult>(
        [&](QObject *c, auto cb) { v3.authenticate("nobody", "x", c, cb); });
    QCOMPARE(a.error.condition(), EtcdError::Condition::AuthFailed);
}

void TestV3Cluster::authNotEnabled()
{
    const auto a = run<EtcdV3AuthenticateResult>(
        [&](QObject *c, auto cb) { m_v3->authenticate("root", "pw", c, cb); });
    QCOMPARE(a.error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(a.error.condition(), EtcdError::Condition::AuthNotEnabled);
    QCOMPARE(a.error.code(), 9);
}

void TestV3Cluster::credentialsAuthenticateBeforeFirstRequest()
{
    auto t = transportFor(*m_authEtcd, "root", "pw");
    EtcdV3Client v3(t.get());
    QSignalSpy renewed(&v3, &EtcdV3Client::tokenRenewed);
    const auto p =
        run<EtcdV3PutResult>([&](QObject *c, auto cb) { v3.put("/auth/k", "v", {}, c, cb); });
    VERIFY_OK(p);
    QCOMPARE(v3.authenticationCount(), 1);
    QCOMPARE(renewed.count(), 1);
    QVERIFY(!t->token().isEmpty());
    const auto r =
        run<EtcdV3RangeResult>([&](QObject *c, auto cb) { v3.range("/auth/k", {}, c, cb); });
    VERIFY_OK(r);
    QCOMPARE(r.value.kvs.value(0).value, QByteArray("v"));
    QCOMPARE(v3.authenticationCount(), 1); // the token is kept
}

void TestV3Cluster::bogusTokenReauthenticatesOnce()
{
    auto t = transportFor(*m_authEtcd, "root", "pw");
    t->setToken("bogus.token");
    EtcdV3Client v3(t.get());
    const auto r =
        run<EtcdV3RangeResult>([&](QObject *c, auto cb) { v3.range("/auth/k", {}, c, cb); });
    VERIFY_OK(r);
    QCOMPARE(v3.authenticationCount(), 1);
    QVERIFY(t->token() != "bogus.token");
    QVERIFY(!t->token().isEmpty());
}

void TestV3Cluster::concurrentBadTokenOneAuthenticate()
{
    auto t = transportFor(*m_authEtcd, "root", "pw");
    t->setToken("bogus.token");
    EtcdV3Client v3(t.get());
    const int n = 6;
    Batch<EtcdV3RangeResult> batch(n);
    for (int i = 0; i < n; ++i)
        v3.range("/auth/k", {}, &batch.context, batch.slot(i));
    QVERIFY(batch.wait());
    for (const auto &r : batch.results)
        VERIFY_OK(*r);
    QCOMPARE(v3.authenticationCount(), 1);
}

void TestV3Cluster::concurrentFirstCallsOneAuthenticate()
{
    auto t = transportFor(*m_authEtcd, "root", "pw");
    EtcdV3Client v3(t.get());
    const int n = 6;
    Batch<EtcdV3PutResult> batch(n);
    for (int i = 0; i < n; ++i)
        v3.put("/auth/c" + QByteArray::number(i), "v", {}, &batch.context, batch.slot(i));
    QVERIFY(batch.wait());
    for (const auto &r : batch.results)
        VERIFY_OK(*r);
    QCOMPARE(v3.authenticationCount(), 1);
}

void TestV3Cluster::wrongPasswordFailsEveryCall()
{
    auto t = transportFor(*m_authEtcd, "root", "not the password");
    EtcdV3Client v3(t.get());
    const int n = 4;
    Batch<EtcdV3RangeResult> batch(n);
    for (int i = 0; i < n; ++i)
        v3.range("/auth/k", {}, &batch.context, batch.slot(i));
    QVERIFY(batch.wait());
    for (const auto &r : batch.results) {
        QCOMPARE(r->error.kind(), EtcdError::Kind::Etcd);
        QCOMPARE(r->error.condition(), EtcdError::Condition::AuthFailed);
    }
    QCOMPARE(v3.authenticationCount(), 1);
}

void TestV3Cluster::withoutCredentials()
{
    auto t = transportFor(*m_authEtcd);
    EtcdV3Client v3(t.get());
    auto r = run<EtcdV3RangeResult>([&](QObject *c, auto cb) { v3.range("/auth/k", {}, c, cb); });
    QCOMPARE(r.error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(r.error.condition(), EtcdError::Condition::Unauthorized);
    QCOMPARE(r.error.code(), 3);

    t->setToken("bogus.token");
    r = run<EtcdV3RangeResult>([&](QObject *c, auto cb) { v3.range("/auth/k", {}, c, cb); });
    QCOMPARE(r.error.condition(), EtcdError::Condition::InvalidToken);
    QCOMPARE(r.error.code(), 16);
    QCOMPARE(r.error.httpStatus(), 401);
    QCOMPARE(v3.authenticationCount(), 0);
}

void TestV3Cluster::permissionDeniedOutsidePrefix()
{
    auto t = transportFor(*m_authEtcd, "alice", "apw");
    EtcdV3Client v3(t.get());
    VERIFY_OK(
        run<EtcdV3PutResult>([&](QObject *c, auto cb) { v3.put("/al/mine", "v", {}, c, cb); }));
    const auto p =
        run<EtcdV3PutResult>([&](QObject *c, auto cb) { v3.put("/other", "v", {}, c, cb); });
    QCOMPARE(p.error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(p.error.code(), 7);
    QCOMPARE(p.error.condition(), EtcdError::Condition::PermissionDenied);
    QCOMPARE(p.error.httpStatus(), 403);
    const auto r =
        run<EtcdV3RangeResult>([&](QObject *c, auto cb) { v3.range("/auth/k", {}, c, cb); });
    QCOMPARE(r.error.condition(), EtcdError::Condition::PermissionDenied);
    QCOMPARE(v3.authenticationCount(), 1); // permission denied is not a token problem
}

void TestV3Cluster::credentialsOnClusterWithoutAuth()
{
    // etcdctl goes on without a token when the cluster has auth off; so does the client.
    auto t = transportFor(m_etcd, "root", "pw");
    EtcdV3Client v3(t.get());
    for (int i = 0; i < 2; ++i) {
        const auto r =
            run<EtcdV3RangeResult>([&](QObject *c, auto cb) { v3.range("/x", {}, c, cb); });
        VERIFY_OK(r);
    }
    QCOMPARE(v3.authenticationCount(), 1);
    QVERIFY(t->token().isEmpty());
}

void TestV3Cluster::retriesOnlyOnce()
{
    // A server that takes the token but keeps calling it invalid: one renewal, then the error.
    FakeServer fake;
    QVERIFY(fake.listen());
    fake.setHandler([](QTcpSocket *socket, const FakeServer::Request &request) {
        if (request.target == "/v3/auth/authenticate")
            socket->write(FakeServer::response(200, R"({"token":"fresh.1"})"));
        else
            socket->write(
                FakeServer::response(401, R"({"error":"etcdserver: invalid auth token","code":16,)"
                                          R"("message":"etcdserver: invalid auth token"})"));
        socket->disconnectFromHost();
    });
    EtcdTransport t;
    t.setEndpoints({fake.url()});
    t.setCredentials("root", "pw");
    t.setToken("old.0");
    EtcdV3Client v3(&t);
    const auto r = run<EtcdV3RangeResult>([&](QObject *c, auto cb) { v3.range("a", {}, c, cb); });
    QCOMPARE(r.error.condition(), EtcdError::Condition::InvalidToken);
    QCOMPARE(countRequests(fake, "/v3/auth/authenticate"), 1);
    QCOMPARE(countRequests(fake, "/v3/kv/range"), 2);
    QCOMPARE(fake.requests().last().header("authorization"), QByteArray("fresh.1"));
    // The password never travels with a data request, the token never with authenticate.
    for (const FakeServer::Request &req : fake.requests()) {
        if (req.target == "/v3/auth/authenticate")
            QVERIFY(req.header("authorization").isEmpty());
    }
}

void TestV3Cluster::cancelledCarrierHandsOver()
{
    // The first call carries the authenticate request; the server never answers it. A second
    // call, refused for lack of a token, waits for that authentication. Cancelling the first must
    // not leave the second waiting forever: it authenticates itself.
    FakeServer fake;
    QVERIFY(fake.listen());
    int authenticates = 0;
    fake.setHandler([&authenticates](QTcpSocket *socket, const FakeServer::Request &request) {
        if (request.target == "/v3/auth/authenticate") {
            if (++authenticates == 1)
                return; // stall the first one
            socket->write(FakeServer::response(200, R"({"token":"t.2"})"));
        } else if (request.header("authorization") == "t.2") {
            socket->write(FakeServer::response(200, R"({"count":"1","kvs":[{"key":"YQ=="}]})"));
        } else {
            socket->write(
                FakeServer::response(400, R"({"error":"etcdserver: user name is empty","code":3,)"
                                          R"("message":"etcdserver: user name is empty"})"));
        }
        socket->disconnectFromHost();
    });
    EtcdTransport t;
    t.setEndpoints({fake.url()});
    t.setCredentials("root", "pw");
    EtcdV3Client v3(&t);

    QObject context;
    bool firstCalled = false;
    QPointer<EtcdCall> first =
        v3.range("a", {}, &context, [&firstCalled](const auto &) { firstCalled = true; });
    std::optional<EtcdResult<EtcdV3RangeResult>> second;
    v3.range("a", {}, &context, [&second](const auto &r) { second = r; });
    QTRY_COMPARE(authenticates, 1);
    QTRY_VERIFY(countRequests(fake, "/v3/kv/range") >= 1); // the second was refused, waits
    // With credentials and no token, the first call sends the authenticate instead of its own
    // request: the only range so far is the second call's.
    QCOMPARE(countRequests(fake, "/v3/kv/range"), 1);
    first->cancel();
    QTRY_VERIFY(second.has_value());
    VERIFY_OK(*second);
    QCOMPARE(second->value.count, qint64(1));
    QVERIFY(!firstCalled);
    QCOMPARE(v3.authenticationCount(), 2);
}

QTEST_GUILESS_MAIN(TestV3Cluster)
#include "tst_v3cluster.moc"
