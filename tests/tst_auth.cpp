// Authentication against real etcd (issue 6): the root user works; a user whose role covers only
// /app/ browses /app/ and is refused writes and the top level, each in words that name what went
// wrong; a wrong password, an unknown user, no credentials and credentials for a cluster without
// auth each get their own message; with short-lived simple tokens (--auth-token-ttl 2) a live
// tree on /app/ keeps following it across several expiries: its watch renews the token and
// resumes after a broken connection, and plain calls cost exactly one authenticate per expiry.
// The token tests of EtcdV3Client itself (bogus token, concurrent renewals) are in
// tst_v3cluster.
#include "errortext.h"
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "etcdtransport.h"
#include "etcdv3client.h"
#include "etcdwatcher.h"
#include "keytreelister.h"
#include "keytreemodel.h"
#include "keytreetesting.h"
#include "livetree.h"
#include "livetreetesting.h"
#include "watchtesting.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QSignalSpy>
#include <QTest>

#include <memory>

namespace {

// Keys root writes before the tests; the users' roles cover /app/ only.
const QList<QByteArray> appKeys{"/app/a", "/app/b/c", "/app/b/d", "/app/e/f"};

// Users, roles and keys of both auth-enabled members.
bool setUpAuth(const EtcdServer &server)
{
    const QList<QStringList> setup{
        {"user", "add", "reader:rpw", "--interactive=false"},
        {"user", "add", "writer:wpw", "--interactive=false"},
        {"user", "add", "lister:lpw", "--interactive=false"},
        {"role", "add", "app-read"},
        {"role", "grant-permission", "app-read", "read", "/app/", "--prefix=true"},
        {"role", "add", "app-rw"},
        {"role", "grant-permission", "app-rw", "readwrite", "/app/", "--prefix=true"},
        {"role", "add", "app-list"},
        {"role", "grant-permission", "app-list", "read", "/app/", "--prefix=true"},
        {"user", "grant-role", "reader", "app-read"},
        {"user", "grant-role", "writer", "app-rw"},
        {"user", "grant-role", "lister", "app-list"},
    };
    if (!server.enableAuth(setup))
        return false;
    QList<QByteArray> keys = appKeys;
    keys << "/other/secret";
    for (const QByteArray &key : keys) {
        if (server.etcdctl({"--user", "root:pw", "put", QString::fromLatin1(key), "v"}).isNull())
            return false;
    }
    return true;
}

// etcd (zap logger) logs each simple token its keeper drops after --auth-token-ttl of disuse.
bool tokenDeleted(const EtcdServer &server, const QByteArray &token)
{
    QFile log(server.logFile());
    if (!log.open(QIODevice::ReadOnly))
        return false;
    const QByteArray needle = "\"token\":\"" + token + '"';
    for (const QByteArray &line : log.readAll().split('\n')) {
        if (line.contains("deleted a simple token") && line.contains(needle))
            return true;
    }
    return false;
}

EtcdResult<EtcdV3RangeResult> get(EtcdClient *client, const QByteArray &key)
{
    return run<EtcdV3RangeResult>(
        [&](QObject *c, auto cb) { return client->v3()->range(key, {}, c, cb); });
}

EtcdResult<EtcdV3PutResult> put(EtcdClient *client, const QByteArray &key, const QByteArray &value)
{
    return run<EtcdV3PutResult>(
        [&](QObject *c, auto cb) { return client->v3()->put(key, value, {}, c, cb); });
}

// What a user sees for these conditions (ui/errortext.cpp), at `where`.
QString authFailedText(const QString &where)
{
    return QStringLiteral("%1 did not accept the user name and password: either the user does not "
                          "exist or the password is wrong (etcd answers both the same way). Check "
                          "the user name and the password of this connection (--user and "
                          "--password); etcdctl user list shows the users.")
        .arg(where);
}

QString permissionDeniedText(const QString &where)
{
    return QStringLiteral("Permission denied by %1: the user of this connection has no role that "
                          "allows this. Ask an administrator for one, or browse only a prefix the "
                          "user may read.")
        .arg(where);
}

} // namespace

class TestAuth : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void rootUser_data();
    void rootUser();
    void readerBrowsesPrefix();
    void readerWriteRefused();
    void readerTopLevelRefused();
    void levelRefusedKeepsRest();
    void wrongCredentials_data();
    void wrongCredentials();
    void noCredentials();
    void v2Refusal();
    void credentialsWithoutAuth();
    void tokenExpiryWatchResumes_data();
    void tokenExpiryWatchResumes();

private:
    std::unique_ptr<EtcdClient> client(const EtcdServer &server, const QString &user,
                                       const QString &password);

    std::unique_ptr<EtcdServer> m_auth;  // auth on, default token TTL
    std::unique_ptr<EtcdServer> m_ttl;   // auth on, --auth-token-ttl 2
    std::unique_ptr<EtcdServer> m_plain; // auth off
};

void TestAuth::initTestCase()
{
    qRegisterMetaType<EtcdError>();
    watchtesting::useWireFromEnvironment();

    EtcdServer::Options auth;
    auth.name = QStringLiteral("auth");
    m_auth = std::make_unique<EtcdServer>(auth);
    QVERIFY2(m_auth->start(), "the auth etcd did not start");
    QVERIFY(setUpAuth(*m_auth));

    EtcdServer::Options ttl;
    ttl.name = QStringLiteral("ttl");
    ttl.extraArgs = QStringList{QStringLiteral("--auth-token-ttl"), QStringLiteral("2")};
    m_ttl = std::make_unique<EtcdServer>(ttl);
    QVERIFY2(m_ttl->start(), "the etcd with short tokens did not start");
    QVERIFY(setUpAuth(*m_ttl));

    m_plain = std::make_unique<EtcdServer>();
    QVERIFY2(m_plain->start(), "the etcd without auth did not start");
}

void TestAuth::cleanup()
{
    watchtesting::useWireFromEnvironment();
}

std::unique_ptr<EtcdClient> TestAuth::client(const EtcdServer &server, const QString &user,
                                             const QString &password)
{
    return discoveredClient({server.clientUrl()}, EtcdClient::Api::Auto, user, password);
}

void TestAuth::rootUser_data()
{
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::newRow("user and password") << QStringLiteral("root") << QStringLiteral("pw");
    // As etcdctl --user root:pw.
    QTest::newRow("user:password") << QStringLiteral("root:pw") << QString();
}

void TestAuth::rootUser()
{
    QFETCH(QString, user);
    QFETCH(QString, password);
    auto root = client(*m_auth, user, password);
    QVERIFY(root);
    QCOMPARE(root->apiInUse(), EtcdClient::Api::V3);
    VERIFY_OK(put(root.get(), "/root-only/k", "written by root"));
    const auto r = get(root.get(), "/root-only/k");
    VERIFY_OK(r);
    QCOMPARE(r.value.kvs.value(0).value, QByteArray("written by root"));
    const auto other = get(root.get(), "/other/secret");
    VERIFY_OK(other);
    QCOMPARE(other.value.kvs.size(), 1);
    QCOMPARE(root->v3()->authenticationCount(), 1);
}

void TestAuth::readerBrowsesPrefix()
{
    auto reader = client(*m_auth, QStringLiteral("reader"), QStringLiteral("rpw"));
    QVERIFY(reader);
    KeyTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy failed(&model, &KeyTreeModel::levelFailed);
    model.lister()->setClient(reader.get());
    model.lister()->setRootPrefix("/app/");
    model.reload();
    QVERIFY(keytreetesting::loadAll(model));
    QVERIFY2(failed.isEmpty(),
             failed.isEmpty() ? "" : qPrintable(failed[0][1].value<EtcdError>().toString()));
    QCOMPARE(keytreetesting::describe(model), keytreetesting::expectedTree(appKeys, "/app/", '/'));
    QCOMPARE(keytreetesting::names(model),
             (QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("e")}));

    // Values are readable too.
    const QModelIndex a = model.indexForKey("/app/a");
    QVERIFY(a.isValid());
    model.loadValues({a});
    QTRY_VERIFY_WITH_TIMEOUT(a.data(KeyTreeModel::ValueLoadedRole).toBool(), 20000);
    QCOMPARE(a.data(KeyTreeModel::ValueRole).toByteArray(), QByteArray("v"));
}

void TestAuth::readerWriteRefused()
{
    auto reader = client(*m_auth, QStringLiteral("reader"), QStringLiteral("rpw"));
    QVERIFY(reader);
    const auto p = put(reader.get(), "/app/x", "not allowed");
    QCOMPARE(p.error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(p.error.condition(), EtcdError::Condition::PermissionDenied);
    QCOMPARE(describeKeyError(p.error, "/app/x"),
             QStringLiteral("Permission denied for /app/x: the user of this connection has no "
                            "role that allows this on the key (a read-only role allows no "
                            "writes). Ask an administrator to grant it."));
    QCOMPARE(describeError(p.error), permissionDeniedText(p.error.endpoint()));
    QVERIFY(!p.error.endpoint().isEmpty());

    // A delete of a key the user can read is refused the same way; nothing changed.
    const auto d = run<EtcdV3DeleteResult>(
        [&](QObject *c, auto cb) { return reader->v3()->deleteRange("/app/a", {}, c, cb); });
    QCOMPARE(d.error.condition(), EtcdError::Condition::PermissionDenied);
    QVERIFY(describeKeyError(d.error, "/app/a")
                .startsWith(QLatin1String("Permission denied for /app/a:")));
    QCOMPARE(m_auth->etcdctl({"--user", "root:pw", "get", "/app/x"}), QString(""));
    QCOMPARE(m_auth->etcdctl({"--user", "root:pw", "get", "--print-value-only", "/app/a"}),
             QStringLiteral("v\n"));
    // The refusal is no token problem: no second authentication.
    VERIFY_OK(get(reader.get(), "/app/a"));
    QCOMPARE(reader->v3()->authenticationCount(), 1);
}

void TestAuth::readerTopLevelRefused()
{
    auto reader = client(*m_auth, QStringLiteral("reader"), QStringLiteral("rpw"));
    QVERIFY(reader);
    KeyTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy failed(&model, &KeyTreeModel::levelFailed);
    QSignalSpy loaded(&model, &KeyTreeModel::levelLoaded);
    model.lister()->setClient(reader.get());
    LiveTree live(&model);
    QSignalSpy liveFailed(&live, &LiveTree::failed);
    live.start(reader.get()); // reloads the model at the top level: the whole keyspace

    // The top level fails with the refusal on it (the key panel says "Listing the top level
    // failed: " and this text); nothing is shown, nothing retried.
    QVERIFY(failed.wait(20000));
    QCOMPARE(failed.count(), 1);
    QVERIFY(!failed[0][0].value<QModelIndex>().isValid());
    const auto error = failed[0][1].value<EtcdError>();
    QCOMPARE(error.condition(), EtcdError::Condition::PermissionDenied);
    QCOMPARE(describeError(error), permissionDeniedText(error.endpoint()));
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(!model.isLoading());
    QVERIFY(!model.canFetchMore({}));
    // The watch of the whole keyspace is refused as well: the live tree says why and stops.
    QTRY_COMPARE_WITH_TIMEOUT(live.state(), LiveTree::State::Failed, 20000);
    QCOMPARE(liveFailed.count(), 1);
    QCOMPARE(live.lastError().condition(), EtcdError::Condition::PermissionDenied);
    QVERIFY(loaded.isEmpty());

    // The rest keeps working: the same client and model browse and follow /app/.
    model.lister()->setRootPrefix("/app/");
    failed.clear();
    live.start(reader.get());
    QTRY_COMPARE_WITH_TIMEOUT(live.state(), LiveTree::State::Live, 20000);
    QVERIFY(keytreetesting::loadAll(model));
    QVERIFY(failed.isEmpty());
    QCOMPARE(keytreetesting::describe(model), keytreetesting::expectedTree(appKeys, "/app/", '/'));
    QVERIFY(!m_auth->etcdctl({"--user", "root:pw", "put", "/app/added", "v"}).isNull());
    QTRY_VERIFY_WITH_TIMEOUT(model.indexForKey("/app/added").isValid(), 20000);
    QVERIFY(!m_auth->etcdctl({"--user", "root:pw", "del", "/app/added"}).isNull());
    QTRY_VERIFY_WITH_TIMEOUT(!model.indexForKey("/app/added").isValid(), 20000);
}

void TestAuth::levelRefusedKeepsRest()
{
    // A level refused while the rest of the tree is shown (the user's role lost the keys while
    // browsing): that level says so, the others stay and keep working.
    auto lister = client(*m_auth, QStringLiteral("lister"), QStringLiteral("lpw"));
    QVERIFY(lister);
    KeyTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy failed(&model, &KeyTreeModel::levelFailed);
    model.lister()->setClient(lister.get());
    model.lister()->setRootPrefix("/app/");
    model.reload();
    QVERIFY(keytreetesting::loadAll(model));
    const QStringList before = keytreetesting::describe(model);
    QCOMPARE(before, keytreetesting::expectedTree(appKeys, "/app/", '/'));

    // Only /app/e/ stays readable.
    QVERIFY(!m_auth
                 ->etcdctl({"--user", "root:pw", "role", "grant-permission", "app-list", "read",
                            "/app/e/", "--prefix=true"})
                 .isNull());
    QVERIFY(!m_auth
                 ->etcdctl({"--user", "root:pw", "role", "revoke-permission", "app-list", "/app/",
                            "--prefix=true"})
                 .isNull());
    const QModelIndex b = model.indexForKey("/app/b");
    QVERIFY(b.isValid());
    model.refresh(b);
    QVERIFY(failed.wait(20000));
    QCOMPARE(failed.count(), 1);
    QCOMPARE(failed[0][0].value<QModelIndex>(), QModelIndex(b));
    const auto error = failed[0][1].value<EtcdError>();
    QCOMPARE(error.condition(), EtcdError::Condition::PermissionDenied);
    QVERIFY(!model.isLoading(b));
    // Nothing else changed, and a level still allowed lists again.
    QCOMPARE(keytreetesting::describe(model), before);
    QSignalSpy loaded(&model, &KeyTreeModel::levelLoaded);
    const QModelIndex e = model.indexForKey("/app/e");
    model.refresh(e);
    QVERIFY(loaded.wait(20000));
    QCOMPARE(loaded[0][0].value<QModelIndex>(), QModelIndex(e));
    QCOMPARE(failed.count(), 1);

    // Given back, the refused level lists again.
    QVERIFY(!m_auth
                 ->etcdctl({"--user", "root:pw", "role", "grant-permission", "app-list", "read",
                            "/app/", "--prefix=true"})
                 .isNull());
    loaded.clear();
    model.refresh(b);
    QVERIFY(loaded.wait(20000));
    QCOMPARE(loaded[0][0].value<QModelIndex>(), QModelIndex(b));
    QCOMPARE(failed.count(), 1);
    QCOMPARE(keytreetesting::describe(model), before);
}

void TestAuth::wrongCredentials_data()
{
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::newRow("wrong password") << QStringLiteral("reader") << QStringLiteral("nope");
    QTest::newRow("unknown user") << QStringLiteral("nobody") << QStringLiteral("rpw");
}

void TestAuth::wrongCredentials()
{
    // etcd 3.4 answers both with "authentication failed, invalid user ID or password": the
    // message says it may be either.
    QFETCH(QString, user);
    QFETCH(QString, password);
    auto c = client(*m_auth, user, password); // discovery needs no authentication
    QVERIFY(c);
    const auto r = get(c.get(), "/app/a");
    QCOMPARE(r.error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(r.error.condition(), EtcdError::Condition::AuthFailed);
    QCOMPARE(r.error.message(),
             QStringLiteral("etcdserver: authentication failed, invalid user ID or password"));
    QCOMPARE(describeError(r.error), authFailedText(r.error.endpoint()));
    // For a key, the same words (it is not about the key).
    QCOMPARE(describeKeyError(r.error, "/app/a"), authFailedText(r.error.endpoint()));

    // What the key panel shows on connecting: the top level fails with it.
    KeyTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy failed(&model, &KeyTreeModel::levelFailed);
    model.lister()->setClient(c.get());
    model.lister()->setRootPrefix("/app/");
    model.reload();
    QVERIFY(failed.wait(20000));
    QCOMPARE(failed[0][1].value<EtcdError>().condition(), EtcdError::Condition::AuthFailed);
    QCOMPARE(model.rowCount(), 0);
}

void TestAuth::noCredentials()
{
    auto c = client(*m_auth, {}, {});
    QVERIFY(c);
    const auto r = get(c.get(), "/app/a");
    QCOMPARE(r.error.condition(), EtcdError::Condition::Unauthorized);
    QCOMPARE(describeError(r.error),
             QStringLiteral("%1 has authentication enabled and the request carried no valid "
                            "credentials (%2). Give a user name and password for this "
                            "connection (--user and --password).")
                 .arg(r.error.endpoint(), r.error.message()));
}

void TestAuth::v2Refusal()
{
    // v2 answers no credentials, wrong ones and a missing permission alike (errorCode 110, 401;
    // tst_v2cluster checks the answers): the words say it may be any of them.
    EtcdError e(EtcdError::Kind::Etcd, QStringLiteral("The request requires user authentication"));
    e.setCode(110).setHttpStatus(401).setEndpoint(QStringLiteral("http://etcd:2379"));
    e.setCondition(EtcdError::Condition::Unauthorized);
    const QString expected = QStringLiteral(
        "http://etcd:2379 refused the request: the user name or password is wrong, or the user "
        "may not do this. etcd's v2 API does not say which: check --user and --password, and "
        "the roles of the user.");
    QCOMPARE(describeError(e), expected);
    QCOMPARE(describeKeyError(e, "/a"), expected);
}

void TestAuth::credentialsWithoutAuth()
{
    // Credentials for a cluster with auth off: as etcdctl, the client goes on without a token.
    auto c = client(*m_plain, QStringLiteral("root"), QStringLiteral("pw"));
    QVERIFY(c);
    VERIFY_OK(put(c.get(), "/plain/k", "v"));
    VERIFY_OK(get(c.get(), "/plain/k"));
    QCOMPARE(c->v3()->authenticationCount(), 1);
    QVERIFY(c->transport()->token().isEmpty());

    // What etcd said to the authentication, in words of its own.
    const auto a = run<EtcdV3AuthenticateResult>(
        [&](QObject *ctx, auto cb) { return c->v3()->authenticate("root", "pw", ctx, cb); });
    QCOMPARE(a.error.condition(), EtcdError::Condition::AuthNotEnabled);
    const QString text = describeError(a.error);
    QCOMPARE(text,
             QStringLiteral("A user name and password were given, but %1 has authentication "
                            "turned off. etcdscope carries on without them: requests go "
                            "unauthenticated and etcd allows everything. Remove the credentials "
                            "from this connection, or enable authentication on the cluster "
                            "(etcdctl auth enable).")
                 .arg(a.error.endpoint()));
    QVERIFY(text != authFailedText(a.error.endpoint()));
}

void TestAuth::tokenExpiryWatchResumes_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::newRow("grpc") << QByteArray("grpc");
    QTest::newRow("json") << QByteArray("json");
}

void TestAuth::tokenExpiryWatchResumes()
{
    QFETCH(QByteArray, wire);
    EtcdWatcher::setDefaultWireFormat(wire == "grpc" ? EtcdWatcher::WireFormat::Grpc
                                                     : EtcdWatcher::WireFormat::Json);
    // Through a proxy whose connections the test can cut: a watch reconnecting after its token
    // expired is refused, renews and resumes.
    livetreetesting::TcpProxy proxy(m_ttl->clientPort());
    QVERIFY(proxy.listen());
    auto writer = discoveredClient({proxy.url()}, EtcdClient::Api::Auto, QStringLiteral("writer"),
                                   QStringLiteral("wpw"));
    QVERIFY(writer);
    KeyTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy failed(&model, &KeyTreeModel::levelFailed);
    model.lister()->setClient(writer.get());
    model.lister()->setRootPrefix("/app/");
    LiveTree live(&model);
    QSignalSpy liveFailed(&live, &LiveTree::failed);
    live.start(writer.get());
    QTRY_COMPARE_WITH_TIMEOUT(live.state(), LiveTree::State::Live, 20000);
    QVERIFY(keytreetesting::loadAll(model));
    QCOMPARE(live.watcher()->usesGrpc(), wire == "grpc");
    VERIFY_OK(put(writer.get(), "/app/mine", "from the writer"));

    const int rounds = 4;
    for (int round = 0; round < rounds; ++round) {
        const QByteArray token = writer->transport()->token();
        QVERIFY(!token.isEmpty());
        const int authBefore = writer->v3()->authenticationCount();
        const int connectsBefore = live.watcher()->connectCount();
        // etcd drops a token unused for 2 s; the running watch does not use it.
        QVERIFY2(QTest::qWaitFor([&] { return tokenDeleted(*m_ttl, token); }, 20000),
                 "etcd did not drop the token");
        const bool cut = round % 2 == 1;
        if (cut)
            QVERIFY(proxy.abortAll() > 0);

        const QByteArray key = "/app/round" + QByteArray::number(round);
        QVERIFY(
            !m_ttl->etcdctl({"--user", "root:pw", "put", QString::fromLatin1(key), "r"}).isNull());
        QTRY_VERIFY2_WITH_TIMEOUT(model.indexForKey(key).isValid(),
                                  qPrintable(QStringLiteral("round %1: %2 did not arrive (%3)")
                                                 .arg(round)
                                                 .arg(QString::fromLatin1(key), live.stateText())),
                                  20000);
        QTRY_COMPARE_WITH_TIMEOUT(live.state(), LiveTree::State::Live, 20000);
        if (cut)
            QVERIFY(live.watcher()->connectCount() > connectsBefore);

        // Plain calls after the expiry go through; the token was renewed once for all of them.
        const auto r = get(writer.get(), key);
        VERIFY_OK(r);
        QCOMPARE(r.value.kvs.value(0).value, QByteArray("r"));
        VERIFY_OK(put(writer.get(), "/app/mine", "round " + QByteArray::number(round)));
        QCOMPARE(writer->v3()->authenticationCount(), authBefore + 1);
        QVERIFY(writer->transport()->token() != token);
    }
    QVERIFY(liveFailed.isEmpty());
    QVERIFY(failed.isEmpty());
    QCOMPARE(model.indexForKey("/app/mine").data(KeyTreeModel::ModRevisionRole).toLongLong(),
             get(writer.get(), "/app/mine").value.kvs.value(0).modRevision);
    // Every round's key is in the tree as etcd holds it.
    QList<QByteArray> keys = appKeys;
    keys << "/app/mine";
    for (int round = 0; round < rounds; ++round)
        keys << "/app/round" + QByteArray::number(round);
    QCOMPARE(keytreetesting::describe(model), keytreetesting::expectedTree(keys, "/app/", '/'));
    for (int round = 0; round < rounds; ++round)
        QVERIFY(!m_ttl->etcdctl({"--user", "root:pw", "del", "/app/round" + QString::number(round)})
                     .isNull());
    QVERIFY(!m_ttl->etcdctl({"--user", "root:pw", "del", "/app/mine"}).isNull());
}

QTEST_MAIN(TestAuth)
#include "tst_auth.moc"
