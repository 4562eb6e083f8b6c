// EtcdV3Client's leases against a real etcd: grant, time-to-live with keys, list, keep-alive,
// revoke, and the "lease not found" answers; and LeaseTtlCache, the one place the tree, the
// detail pane and the services view learn a lease's time to live from.
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "etcdtransport.h"
#include "etcdv3client.h"
#include "leasettlcache.h"
#include "watchtesting.h"

#include <QSignalSpy>

#include <QTest>

#include <algorithm>
#include <optional>

namespace {

} // namespace

class TestV3Lease : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void grantWithAndWithoutId();
    void grantExistingIdFails();
    void timeToLiveWithKeys();
    void listLeases();
    void keepAliveOnce();
    void revokeDeletesKeys();
    void leaseNotFound_data();
    void leaseNotFound();
    void kinds();
    void cacheAnswersOnceForManyAskers();
    void cacheReusesFreshAnswers();
    void cacheKeysAndInvalidate();
    void cacheProvesRenewals();
    void cacheSaysGone();
    void cacheQueuesBeyondItsBudget();
    void cacheAsksNothingOfV2();

private:
    EtcdResult<EtcdV3LeaseGrantResult> grant(qint64 ttl, quint64 id = 0);
    EtcdResult<EtcdV3LeaseTimeToLiveResult> timeToLive(quint64 id, bool keys);

    EtcdServer m_etcd;
    std::unique_ptr<EtcdTransport> m_transport;
    std::unique_ptr<EtcdV3Client> m_v3;
    std::unique_ptr<EtcdClient> m_client;
};

void TestV3Lease::initTestCase()
{
    QVERIFY2(m_etcd.start(), "etcd did not start");
    m_transport = std::make_unique<EtcdTransport>();
    m_transport->setEndpoints({m_etcd.clientUrl()});
    m_v3 = std::make_unique<EtcdV3Client>(m_transport.get());
    m_client = discoveredClient({m_etcd.clientUrl()}, EtcdClient::Api::V3);
    QVERIFY(m_client);
}

EtcdResult<EtcdV3LeaseGrantResult> TestV3Lease::grant(qint64 ttl, quint64 id)
{
    return run<EtcdV3LeaseGrantResult>(
        [&](QObject *c, auto cb) { m_v3->leaseGrant(ttl, id, c, cb); });
}

EtcdResult<EtcdV3LeaseTimeToLiveResult> TestV3Lease::timeToLive(quint64 id, bool keys)
{
    return run<EtcdV3LeaseTimeToLiveResult>(
        [&](QObject *c, auto cb) { m_v3->leaseTimeToLive(id, keys, c, cb); });
}

void TestV3Lease::grantWithAndWithoutId()
{
    auto g = grant(300);
    VERIFY_OK(g);
    QVERIFY(g.value.id != 0);
    QCOMPARE(g.value.ttl, qint64(300));
    QVERIFY(g.value.header.revision > 0);

    const quint64 chosen = 0x1234abcd5678;
    g = grant(120, chosen);
    VERIFY_OK(g);
    QCOMPARE(g.value.id, chosen);
    QCOMPARE(g.value.ttl, qint64(120));
}

void TestV3Lease::grantExistingIdFails()
{
    const quint64 id = 0x77;
    VERIFY_OK(grant(60, id));
    const auto again = grant(60, id);
    QCOMPARE(again.error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(again.error.code(), 9); // FailedPrecondition: "lease already exists"
    QVERIFY2(again.error.message().contains(QLatin1String("exists")),
             qPrintable(again.error.toString()));
}

void TestV3Lease::timeToLiveWithKeys()
{
    const auto g = grant(600);
    VERIFY_OK(g);
    EtcdV3PutOptions o;
    o.lease = g.value.id;
    const QByteArray binaryKey("/lease/\x00\xff", 9);
    for (const QByteArray &k : {QByteArray("/lease/a"), binaryKey}) {
        const auto p =
            run<EtcdV3PutResult>([&](QObject *c, auto cb) { m_v3->put(k, "v", o, c, cb); });
        VERIFY_OK(p);
    }

    auto t = timeToLive(g.value.id, true);
    VERIFY_OK(t);
    QCOMPARE(t.value.id, g.value.id);
    QCOMPARE(t.value.grantedTtl, qint64(600));
    QVERIFY(t.value.ttl > 0 && t.value.ttl <= 600);
    QCOMPARE(t.value.keys.size(), 2);
    QVERIFY(t.value.keys.contains(QByteArray("/lease/a")));
    QVERIFY(t.value.keys.contains(binaryKey));

    t = timeToLive(g.value.id, false);
    VERIFY_OK(t);
    QVERIFY(t.value.keys.isEmpty());

    const auto r =
        run<EtcdV3RangeResult>([&](QObject *c, auto cb) { m_v3->range("/lease/a", {}, c, cb); });
    QCOMPARE(r.value.kvs.value(0).lease, g.value.id);
}

void TestV3Lease::listLeases()
{
    const auto a = grant(600);
    const auto b = grant(600);
    VERIFY_OK(a);
    VERIFY_OK(b);
    const auto l = run<EtcdV3LeaseListResult>([&](QObject *c, auto cb) { m_v3->leases(c, cb); });
    VERIFY_OK(l);
    QVERIFY(l.value.leases.contains(a.value.id));
    QVERIFY(l.value.leases.contains(b.value.id));
    QVERIFY(l.value.header.revision > 0);
}

void TestV3Lease::keepAliveOnce()
{
    const auto g = grant(500);
    VERIFY_OK(g);
    const auto k = run<EtcdV3LeaseKeepAliveResult>(
        [&](QObject *c, auto cb) { m_v3->leaseKeepAliveOnce(g.value.id, c, cb); });
    VERIFY_OK(k);
    QCOMPARE(k.value.id, g.value.id);
    QCOMPARE(k.value.ttl, qint64(500));
    QVERIFY(k.value.header.revision > 0);
}

void TestV3Lease::revokeDeletesKeys()
{
    const auto g = grant(600);
    VERIFY_OK(g);
    EtcdV3PutOptions o;
    o.lease = g.value.id;
    VERIFY_OK(
        run<EtcdV3PutResult>([&](QObject *c, auto cb) { m_v3->put("/rv/k", "v", o, c, cb); }));

    const auto rv =
        run<EtcdV3Header>([&](QObject *c, auto cb) { m_v3->leaseRevoke(g.value.id, c, cb); });
    VERIFY_OK(rv);
    QVERIFY(rv.value.revision > 0);

    const auto r =
        run<EtcdV3RangeResult>([&](QObject *c, auto cb) { m_v3->range("/rv/k", {}, c, cb); });
    VERIFY_OK(r);
    QCOMPARE(r.value.count, qint64(0));

    // A lease that is gone: TTL -1, not an error (etcd answers it so).
    const auto t = timeToLive(g.value.id, true);
    VERIFY_OK(t);
    QCOMPARE(t.value.ttl, qint64(-1));
    QVERIFY(t.value.keys.isEmpty());
}

void TestV3Lease::leaseNotFound_data()
{
    QTest::addColumn<QString>("operation");
    QTest::newRow("revoke") << QStringLiteral("revoke");
    QTest::newRow("keep-alive") << QStringLiteral("keepalive");
    QTest::newRow("put with the lease") << QStringLiteral("put");
}

void TestV3Lease::leaseNotFound()
{
    QFETCH(QString, operation);
    const quint64 unknown = 0x5eed0000beef;
    EtcdError error;
    if (operation == QLatin1String("revoke")) {
        error = run<EtcdV3Header>([&](QObject *c, auto cb) {
                    m_v3->leaseRevoke(unknown, c, cb);
                }).error;
        QCOMPARE(error.httpStatus(), 404);
    } else if (operation == QLatin1String("keepalive")) {
        error = run<EtcdV3LeaseKeepAliveResult>([&](QObject *c, auto cb) {
                    m_v3->leaseKeepAliveOnce(unknown, c, cb);
                }).error;
    } else {
        EtcdV3PutOptions o;
        o.lease = unknown;
        error = run<EtcdV3PutResult>([&](QObject *c, auto cb) {
                    m_v3->put("/nl", "v", o, c, cb);
                }).error;
    }
    QCOMPARE(error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(error.code(), 5);
    QCOMPARE(error.condition(), EtcdError::Condition::LeaseNotFound);
}

void TestV3Lease::kinds()
{
    QObject context;
    const EtcdCall *ttl = m_v3->leaseTimeToLive(1, false, &context, {});
    const EtcdCall *list = m_v3->leases(&context, {});
    const EtcdCall *grantCall = m_v3->leaseGrant(10, 0, &context, {});
    const EtcdCall *keep = m_v3->leaseKeepAliveOnce(1, &context, {});
    QCOMPARE(ttl->request().kind, EtcdHttpRequest::Kind::Read);
    QCOMPARE(list->request().kind, EtcdHttpRequest::Kind::Read);
    QCOMPARE(grantCall->request().kind, EtcdHttpRequest::Kind::Write);
    QCOMPARE(keep->request().kind, EtcdHttpRequest::Kind::Write);
    QCOMPARE(keep->request().path, QByteArray("/v3/lease/keepalive"));
    QCOMPARE(list->request().path, QByteArray("/v3/lease/leases"));

    EtcdV3Client beta(m_transport.get());
    beta.setApiPrefix("/v3beta"); // 3.3 has these only under /kv/lease/
    const EtcdCall *betaTtl = beta.leaseTimeToLive(1, false, &context, {});
    QCOMPARE(betaTtl->request().path, QByteArray("/v3beta/kv/lease/timetolive"));
}

void TestV3Lease::cacheAnswersOnceForManyAskers()
{
    const auto g = grant(300);
    VERIFY_OK(g);
    LeaseTtlCache cache;
    cache.setClient(m_client.get());
    QSignalSpy answered(&cache, &LeaseTtlCache::leaseAnswered);
    // The tree, the detail pane and the services view ask at once: one question goes out.
    cache.request(g.value.id);
    cache.request(g.value.id);
    cache.request(g.value.id, false, 0);
    QVERIFY(cache.isPending(g.value.id));
    QVERIFY(answered.wait());
    QCOMPARE(answered.count(), 1);
    QCOMPARE(answered.at(0).at(0).value<quint64>(), g.value.id);
    QCOMPARE(cache.requestCount(), qint64(1));
    const LeaseTtlCache::Info *info = cache.info(g.value.id);
    QVERIFY(info && info->known && !info->gone);
    QCOMPARE(info->grantedTtl, qint64(300));
    QVERIFY(info->expiresLo <= info->expiresHi);
    const qint64 left = info->secondsLeft(LeaseTtlCache::nowMs());
    QVERIFY2(left > 290 && left <= 300, qPrintable(QString::number(left)));
    QVERIFY(!info->keysKnown);
    QCOMPARE(cache.info(0x1), nullptr);
}

void TestV3Lease::cacheReusesFreshAnswers()
{
    const auto g = grant(300);
    VERIFY_OK(g);
    LeaseTtlCache cache;
    cache.setClient(m_client.get());
    QSignalSpy answered(&cache, &LeaseTtlCache::leaseAnswered);
    cache.request(g.value.id, false, 60000);
    QVERIFY(answered.wait());
    // Young enough for this asker: nothing is sent.
    cache.request(g.value.id, false, 60000);
    QVERIFY(!cache.isPending(g.value.id));
    QCOMPARE(cache.requestCount(), qint64(1));
    // An asker that wants a new answer gets one.
    cache.request(g.value.id, false, 0);
    QVERIFY(answered.wait());
    QCOMPARE(cache.requestCount(), qint64(2));
}

void TestV3Lease::cacheKeysAndInvalidate()
{
    const auto g = grant(300);
    VERIFY_OK(g);
    EtcdV3PutOptions o;
    o.lease = g.value.id;
    VERIFY_OK(
        run<EtcdV3PutResult>([&](QObject *c, auto cb) { m_v3->put("/lc/a", "v", o, c, cb); }));
    LeaseTtlCache cache;
    cache.setClient(m_client.get());
    QSignalSpy answered(&cache, &LeaseTtlCache::leaseAnswered);
    cache.request(g.value.id, false, 60000);
    // Asked for the keys while the first question is out: a second question asks for them.
    cache.request(g.value.id, true, 60000);
    QTRY_VERIFY(cache.info(g.value.id)->keysKnown);
    QCOMPARE(cache.info(g.value.id)->keys, QList<QByteArray>{"/lc/a"});
    QCOMPARE(cache.requestCount(), qint64(2));
    QTRY_VERIFY(!cache.isPending(g.value.id));

    // A key put with the lease (an event says so): the next question goes out, fresh or not.
    VERIFY_OK(
        run<EtcdV3PutResult>([&](QObject *c, auto cb) { m_v3->put("/lc/b", "v", o, c, cb); }));
    cache.invalidate(g.value.id);
    answered.clear();
    cache.request(g.value.id, true, 60000);
    QVERIFY(answered.wait());
    QCOMPARE(cache.requestCount(), qint64(3));
    // etcd lists a lease's keys in no particular order.
    QList<QByteArray> keys = cache.info(g.value.id)->keys;
    std::sort(keys.begin(), keys.end());
    QCOMPARE(keys, (QList<QByteArray>{"/lc/a", "/lc/b"}));
}

void TestV3Lease::cacheProvesRenewals()
{
    const auto g = grant(60);
    VERIFY_OK(g);
    LeaseTtlCache cache;
    cache.setClient(m_client.get());
    QSignalSpy answered(&cache, &LeaseTtlCache::leaseAnswered);
    QSignalSpy renewed(&cache, &LeaseTtlCache::leaseRenewed);
    cache.request(g.value.id, false, 0);
    QVERIFY(answered.wait());
    // Without a keep-alive, answers only narrow the bounds: never a renewal.
    for (int i = 0; i < 3; ++i) {
        cache.request(g.value.id, false, 0);
        QVERIFY(answered.wait());
    }
    QCOMPARE(renewed.count(), 0);
    QCOMPARE(cache.info(g.value.id)->renewals, 0);
    // Kept alive: proven as soon as an answer's lower bound passes the earlier upper bound
    // (etcd's seconds are whole, so that takes a second or two of keep-alives).
    const auto keepAliveAndAsk = [&] {
        if (!cache.isPending(g.value.id)) {
            run<EtcdV3LeaseKeepAliveResult>(
                [&](QObject *c, auto cb) { m_v3->leaseKeepAliveOnce(g.value.id, c, cb); });
            cache.request(g.value.id, false, 0);
        }
        return renewed.count() > 0;
    };
    QTRY_VERIFY_WITH_TIMEOUT(keepAliveAndAsk(), 20000);
    const LeaseTtlCache::Info *info = cache.info(g.value.id);
    QCOMPARE(info->renewals, 1);
    QVERIFY(info->renewedAt > 0 && info->renewedAt <= LeaseTtlCache::nowMs());
    QVERIFY(info->expiresLo <= info->expiresHi);
}

void TestV3Lease::cacheSaysGone()
{
    const auto g = grant(300);
    VERIFY_OK(g);
    LeaseTtlCache cache;
    cache.setClient(m_client.get());
    QSignalSpy answered(&cache, &LeaseTtlCache::leaseAnswered);
    QSignalSpy gone(&cache, &LeaseTtlCache::leaseGone);
    cache.request(g.value.id);
    QVERIFY(answered.wait());
    QVERIFY(
        run<EtcdV3Header>([&](QObject *c, auto cb) { m_v3->leaseRevoke(g.value.id, c, cb); }).ok());
    cache.request(g.value.id, false, 0);
    QVERIFY(gone.wait());
    QCOMPARE(gone.count(), 1);
    const LeaseTtlCache::Info *info = cache.info(g.value.id);
    QVERIFY(info->gone);
    QCOMPARE(info->secondsLeft(LeaseTtlCache::nowMs()), qint64(-1));
    // Said once.
    cache.request(g.value.id, false, 0);
    QVERIFY(answered.wait());
    QCOMPARE(gone.count(), 1);
}

void TestV3Lease::cacheQueuesBeyondItsBudget()
{
    QList<quint64> ids;
    for (int i = 0; i < 5; ++i) {
        const auto g = grant(300);
        VERIFY_OK(g);
        ids << g.value.id;
    }
    LeaseTtlCache cache;
    cache.setClient(m_client.get());
    cache.setMaxInFlight(2);
    QSignalSpy answered(&cache, &LeaseTtlCache::leaseAnswered);
    for (const quint64 id : ids)
        cache.request(id);
    // Two out, three waiting; all answered in the end, each once.
    QCOMPARE(cache.requestCount(), qint64(2));
    QTRY_COMPARE(answered.count(), 5);
    QCOMPARE(cache.requestCount(), qint64(5));
    for (const quint64 id : ids)
        QVERIFY(cache.info(id)->known);
}

void TestV3Lease::cacheAsksNothingOfV2()
{
    auto v2 = discoveredClient({m_etcd.clientUrl()}, EtcdClient::Api::V2);
    QVERIFY(v2);
    QCOMPARE(v2->apiInUse(), EtcdClient::Api::V2);
    LeaseTtlCache cache;
    cache.setClient(v2.get());
    cache.request(0x42);
    QCOMPARE(cache.requestCount(), qint64(0));
    QCOMPARE(cache.info(0x42), nullptr);
    LeaseTtlCache unconnected;
    unconnected.request(0x42);
    QCOMPARE(unconnected.requestCount(), qint64(0));
}

QTEST_GUILESS_MAIN(TestV3Lease)
#include "tst_v3lease.moc"
