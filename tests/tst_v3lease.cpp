// EtcdV3Client's leases against a real etcd: grant, time-to-live with keys, list, keep-alive,
// revoke, and the "lease not found" answers.
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "etcdtransport.h"
#include "etcdv3client.h"

#include <QTest>

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

private:
    EtcdResult<EtcdV3LeaseGrantResult> grant(qint64 ttl, quint64 id = 0);
    EtcdResult<EtcdV3LeaseTimeToLiveResult> timeToLive(quint64 id, bool keys);

    std::unique_ptr<EtcdServer> m_etcd;
    std::unique_ptr<EtcdTransport> m_transport;
    std::unique_ptr<EtcdV3Client> m_v3;
};

void TestV3Lease::initTestCase()
{
    m_etcd = std::make_unique<EtcdServer>();
    QVERIFY2(m_etcd->start(), "etcd did not start");
    m_transport = std::make_unique<EtcdTransport>();
    m_transport->setEndpoints({m_etcd->clientUrl()});
    m_v3 = std::make_unique<EtcdV3Client>(m_transport.get());
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

QTEST_GUILESS_MAIN(TestV3Lease)
#include "tst_v3lease.moc"
