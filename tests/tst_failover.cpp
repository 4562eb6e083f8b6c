// Read failover on a 3-member cluster: with the first endpoint down (stopped member) or answering
// 503 (a fake server), reads go to the other members and the connection stays there; a write
// whose first endpoint refuses the connection is retried, as it never reached a server; a watch
// stream that moved to another member takes the connection with it while it runs.
#include "etcdclient.h"
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "etcdtransport.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "etcdwatcher.h"
#include "fakeserver.h"

#include <QScopeGuard>
#include <QSignalSpy>
#include <QTest>

class TestFailover : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void readsFailOver_data();
    void readsFailOver();
    void writeRetriedWhenFirstEndpointRefuses();
    void writeNotRetriedAfter503();
    void streamMovesCurrentEndpoint();

private:
    void stopFirstMember();
    // Reads the keys written in initTestCase through `client`; returns false on the first error.
    bool readAll(EtcdClient &client);

    std::unique_ptr<EtcdCluster> m_cluster;
};

void TestFailover::initTestCase()
{
    m_cluster = std::make_unique<EtcdCluster>(3);
    QVERIFY2(m_cluster->start(), "the 3-member cluster did not start");
    // The data, written while every member runs, in both keyspaces.
    QVERIFY(!m_cluster->member(0)
                 ->etcdctl({QStringLiteral("put"), QStringLiteral("failover/v3"),
                            QStringLiteral("three")})
                 .isNull());
    QVERIFY(!m_cluster->member(0)
                 ->etcdctlV2(
                     {QStringLiteral("set"), QStringLiteral("/failover/v2"), QStringLiteral("two")})
                 .isNull());
}

void TestFailover::stopFirstMember()
{
    if (!m_cluster->member(0)->isRunning())
        return;
    m_cluster->member(0)->stop();
    // When member 0 led, the others elect a new leader first; until then they answer 503.
    QVERIFY(m_cluster->member(1)->waitHealthy());
    QVERIFY(m_cluster->member(2)->waitHealthy());
}

bool TestFailover::readAll(EtcdClient &client)
{
    int done = 0;
    bool ok = true;
    auto check = [&](const EtcdError &e, const char *what) {
        ++done;
        if (e) {
            qWarning("%s failed: %s", what, qPrintable(e.toString()));
            ok = false;
        }
    };
    client.v3()->range("failover/v3", {}, this, [&](const EtcdResult<EtcdV3RangeResult> &r) {
        check(r.error, "v3 range");
        if (r.ok() && (r.value.kvs.size() != 1 || r.value.kvs.first().value != "three")) {
            qWarning("v3 range: unexpected answer");
            ok = false;
        }
    });
    EtcdV2GetOptions quorum;
    quorum.quorum = true; // not a possibly stale copy on a lagging member
    client.v2()->get("/failover/v2", quorum, this, [&](const EtcdResult<EtcdV2Response> &r) {
        check(r.error, "v2 get");
        if (r.ok() && r.value.node.value != "two") {
            qWarning("v2 get: unexpected value %s", r.value.node.value.constData());
            ok = false;
        }
    });
    client.version(this, [&](const EtcdResult<EtcdClient::VersionInfo> &r) {
        check(r.error, "version");
        if (r.ok() && !r.value.serverVersion.startsWith(QLatin1String("3.4."))) {
            qWarning("version: unexpected %s", qPrintable(r.value.serverVersion));
            ok = false;
        }
    });
    if (!QTest::qWaitFor([&] { return done == 3; }, 20000)) {
        qWarning("the reads did not finish");
        return false;
    }
    return ok;
}

void TestFailover::readsFailOver_data()
{
    QTest::addColumn<bool>("fake503");
    // The fake row runs first, while member 0 still runs: only the fake is the cause.
    QTest::newRow("first endpoint answers 503") << true;
    QTest::newRow("first member stopped") << false;
}

void TestFailover::readsFailOver()
{
    QFETCH(bool, fake503);
    FakeServer fake;
    QVERIFY(fake.listen());
    fake.setHandler(FakeServer::answer(
        503, R"({"error":"etcdserver: no leader","message":"etcdserver: no leader","code":14})"));

    QStringList endpoints = m_cluster->clientUrls();
    if (fake503)
        endpoints[0] = fake.url();
    else
        stopFirstMember();
    QVERIFY(!m_cluster->member(0)->isRunning() || fake503);

    EtcdClient client;
    QSignalSpy changed(&client, &EtcdClient::currentEndpointChanged);
    QVERIFY(!client.configure(clientOptions(endpoints)));
    QCOMPARE(client.transport()->currentEndpoint(), endpoints.at(0));

    // Discovery reads too: it must find the cluster through the others.
    const auto info = discover(client);
    QVERIFY2(info.ok(), qPrintable(info.error.toString()));
    QVERIFY(info.value.healthy);
    QCOMPARE(info.value.api, EtcdClient::Api::V3);
    QVERIFY(info.value.endpoint != endpoints.at(0));

    QVERIFY(readAll(client));
    const QString current = client.transport()->currentEndpoint();
    QVERIFY2(current == endpoints.at(1) || current == endpoints.at(2), qPrintable(current));
    QVERIFY(changed.count() >= 1);
    QCOMPARE(changed.last().at(0).toString(), current);

    // The connection stays on the member that answered: the next reads go there first.
    const qsizetype fakeRequests = fake.requests().size();
    changed.clear();
    QVERIFY(readAll(client));
    QCOMPARE(changed.count(), 0);
    QCOMPARE(fake.requests().size(), fakeRequests);
    if (fake503)
        QVERIFY(fakeRequests >= 1);
}

void TestFailover::writeRetriedWhenFirstEndpointRefuses()
{
    // Member 0 was stopped by readsFailOver; stop it here too when run alone.
    stopFirstMember();
    EtcdClient client;
    QVERIFY(!client.configure(clientOptions(m_cluster->clientUrls())));

    bool putDone = false;
    EtcdResult<EtcdV3PutResult> put;
    client.v3()->put("failover/written", "w3", {}, this, [&](const EtcdResult<EtcdV3PutResult> &r) {
        putDone = true;
        put = r;
    });
    QTRY_VERIFY_WITH_TIMEOUT(putDone, 20000);
    QVERIFY2(put.ok(), qPrintable(put.error.toString()));
    QVERIFY(put.value.header.revision > 0);
    QVERIFY(client.transport()->currentEndpoint() != m_cluster->member(0)->clientUrl());

    bool setDone = false;
    EtcdResult<EtcdV2Response> set;
    client.v2()->set("/failover/written", "w2", {}, this, [&](const EtcdResult<EtcdV2Response> &r) {
        setDone = true;
        set = r;
    });
    QTRY_VERIFY_WITH_TIMEOUT(setDone, 20000);
    QVERIFY2(set.ok(), qPrintable(set.error.toString()));

    // The writes landed, exactly once.
    QCOMPARE(m_cluster->member(1)
                 ->etcdctl({QStringLiteral("get"), QStringLiteral("failover/written"),
                            QStringLiteral("--print-value-only")})
                 .trimmed(),
             QStringLiteral("w3"));
    QCOMPARE(m_cluster->member(2)
                 ->etcdctlV2({QStringLiteral("get"), QStringLiteral("/failover/written")})
                 .trimmed(),
             QStringLiteral("w2"));
}

void TestFailover::writeNotRetriedAfter503()
{
    // A 503 came from a server: the write may have been applied there, so it is not retried.
    FakeServer fake;
    QVERIFY(fake.listen());
    fake.setHandler(FakeServer::answer(
        503, R"({"error":"etcdserver: no leader","message":"etcdserver: no leader","code":14})"));
    QStringList endpoints = m_cluster->clientUrls();
    endpoints[0] = fake.url();
    EtcdClient client;
    QVERIFY(!client.configure(clientOptions(endpoints)));
    bool done = false;
    EtcdError error;
    client.v3()->put("failover/not-written", "x", {}, this,
                     [&](const EtcdResult<EtcdV3PutResult> &r) {
                         done = true;
                         error = r.error;
                     });
    QTRY_VERIFY_WITH_TIMEOUT(done, 10000);
    QVERIFY(error);
    QCOMPARE(error.httpStatus(), 503);
    QCOMPARE(error.endpoint(), fake.url());
    QCOMPARE(fake.requests().size(), 1);
    QCOMPARE(m_cluster->member(1)
                 ->etcdctl({QStringLiteral("get"), QStringLiteral("failover/not-written")})
                 .trimmed(),
             QString());
}

void TestFailover::streamMovesCurrentEndpoint()
{
    // Every member runs (readsFailOver stopped member 0), so that one can stop with a quorum left.
    for (int i = 0; i < m_cluster->size(); ++i)
        QVERIFY(m_cluster->member(i)->start());
    EtcdClient client;
    QVERIFY(!client.configure(clientOptions(m_cluster->clientUrls())));
    EtcdTransport *transport = client.transport();
    EtcdWatcher watcher(&client);
    watcher.setBackoff(100, 1000);
    QList<QByteArray> keys;
    connect(&watcher, &EtcdWatcher::eventsReceived, this, [&](const QList<EtcdWatchEvent> &events) {
        for (const EtcdWatchEvent &e : events)
            keys << e.key;
    });
    watcher.start("failover/watch/", 0);
    QTRY_COMPARE_WITH_TIMEOUT(watcher.state(), EtcdWatcher::State::Live, 20000);

    const int current = transport->currentEndpointIndex();
    const QString goneUrl = transport->currentEndpoint();
    EtcdServer *gone = m_cluster->member(current);
    QCOMPARE(EtcdTransport::normalizeEndpoint(gone->clientUrl()), goneUrl);
    const auto restart = qScopeGuard([gone] { gone->start(); });
    EtcdServer *live = m_cluster->member((current + 1) % m_cluster->size());
    gone->stop();
    QVERIFY(live->waitHealthy());
    // Written elsewhere: only the watch stream talks to the cluster through the client.
    QVERIFY(!live->etcdctl({QStringLiteral("put"), QStringLiteral("failover/watch/a"),
                            QStringLiteral("1")})
                 .isNull());
    QTRY_COMPARE_WITH_TIMEOUT(keys, QList<QByteArray>{"failover/watch/a"}, 20000);
    QCOMPARE(watcher.state(), EtcdWatcher::State::Live);

    // The stream runs on a live member, still open, and the connection already follows it: a
    // plain read goes there at once, not to the stopped member first.
    QVERIFY2(transport->currentEndpoint() != goneUrl, qPrintable(transport->currentEndpoint()));
    QSignalSpy changed(transport, &EtcdTransport::currentEndpointChanged);
    const QString before = transport->currentEndpoint();
    const auto r = run<EtcdV3RangeResult>(
        [&](QObject *c, auto cb) { return client.v3()->range("failover/watch/a", {}, c, cb); });
    VERIFY_OK(r);
    QCOMPARE(r.value.kvs.size(), 1);
    QCOMPARE(changed.count(), 0);
    QCOMPARE(transport->currentEndpoint(), before);
}

QTEST_MAIN(TestFailover)
#include "tst_failover.moc"
