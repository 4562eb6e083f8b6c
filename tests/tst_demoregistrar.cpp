// etcdscope-demo-registrar against a real etcd with v2 enabled: what it registers in each store,
// heartbeats, the stdin commands (stop, start, kill, quit), the msg server's discovery of the login
// servers, re-registration after a lease or key was removed from outside, --prefix, and a start
// against an endpoint where nothing listens.
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "etcdtransport.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "registrarprocess.h"

#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QTest>

#include <algorithm>
#include <memory>
#include <optional>

namespace {

// Short leases keep the expiries quick; four beats per lease leave room for a slow machine.
const QStringList kFast = {QStringLiteral("--ttl"),      QStringLiteral("2"),
                           QStringLiteral("--interval"), QStringLiteral("500"),
                           QStringLiteral("--services"), QStringLiteral("login=2,msg=1,route=1")};
constexpr int kExpiryMs = 15000; // a 2 s lease is gone within ~2.5 s; generous for CI

QStringList withPrefix(const QString &prefix, const QStringList &more = {})
{
    return kFast + QStringList{QStringLiteral("--prefix"), prefix} + more;
}

} // namespace

class TestDemoRegistrar : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void registersInBothStores();
    void heartbeatsKeepKeysAlive();
    void stopLetsKeysExpire();
    void killRemovesAtOnce();
    void msgServerFollowsLoginServers_data();
    void msgServerFollowsLoginServers();
    void leaseRevokedFromOutside();
    void v2KeyDeletedFromOutside();
    void quitRemovesEverything();
    void commandErrors();
    void unreachableEndpointFails();

private:
    std::optional<EtcdV3KeyValue> v3Get(const QByteArray &key);
    std::optional<EtcdV2Node> v2Get(const QByteArray &key);
    QList<EtcdV3KeyValue> v3Below(const QByteArray &prefix);
    qint64 leaseTtl(quint64 lease, QList<QByteArray> *keys = nullptr);
    // The lease the registrar printed for `key` in its last "registered v3" line; 0 if none.
    static quint64 printedLease(const RegistrarProcess &reg, const QByteArray &key);

    EtcdServer m_etcd; // v2 enabled by default
    std::unique_ptr<EtcdTransport> m_transport;
    std::unique_ptr<EtcdV3Client> m_v3;
    std::unique_ptr<EtcdV2Client> m_v2;
};

void TestDemoRegistrar::initTestCase()
{
    QVERIFY2(QFile::exists(RegistrarProcess::program()),
             qPrintable(RegistrarProcess::program() + QStringLiteral(" was not built")));
    QVERIFY2(m_etcd.start(), "etcd did not start");
    m_transport = std::make_unique<EtcdTransport>();
    m_transport->setEndpoints({m_etcd.clientUrl()});
    m_v3 = std::make_unique<EtcdV3Client>(m_transport.get());
    m_v2 = std::make_unique<EtcdV2Client>(m_transport.get());
}

std::optional<EtcdV3KeyValue> TestDemoRegistrar::v3Get(const QByteArray &key)
{
    const auto r =
        run<EtcdV3RangeResult>([&](QObject *c, auto cb) { return m_v3->range(key, {}, c, cb); });
    if (!r.ok() || r.value.kvs.isEmpty())
        return std::nullopt;
    return r.value.kvs.constFirst();
}

std::optional<EtcdV2Node> TestDemoRegistrar::v2Get(const QByteArray &key)
{
    const auto r =
        run<EtcdV2Response>([&](QObject *c, auto cb) { return m_v2->get(key, {}, c, cb); });
    if (!r.ok())
        return std::nullopt;
    return r.value.node;
}

QList<EtcdV3KeyValue> TestDemoRegistrar::v3Below(const QByteArray &prefix)
{
    EtcdV3RangeOptions options;
    options.rangeEnd = EtcdV3Client::prefixRangeEnd(prefix);
    const auto r = run<EtcdV3RangeResult>(
        [&](QObject *c, auto cb) { return m_v3->range(prefix, options, c, cb); });
    return r.value.kvs;
}

qint64 TestDemoRegistrar::leaseTtl(quint64 lease, QList<QByteArray> *keys)
{
    const auto r = run<EtcdV3LeaseTimeToLiveResult>(
        [&](QObject *c, auto cb) { return m_v3->leaseTimeToLive(lease, true, c, cb); });
    if (keys)
        *keys = r.value.keys;
    return r.ok() ? r.value.ttl : -2;
}

quint64 TestDemoRegistrar::printedLease(const RegistrarProcess &reg, const QByteArray &key)
{
    const QRegularExpression re(QStringLiteral("^registered v3 %1 lease ([0-9a-f]+) ttl \\d+$")
                                    .arg(QRegularExpression::escape(QString::fromUtf8(key))));
    quint64 lease = 0;
    for (const QString &line : reg.lines()) {
        const QRegularExpressionMatch m = re.match(line);
        if (m.hasMatch())
            lease = m.captured(1).toULongLong(nullptr, 16);
    }
    return lease;
}

void TestDemoRegistrar::registersInBothStores()
{
    RegistrarProcess reg;
    QVERIFY2(reg.start(m_etcd.clientUrl(), withPrefix(QStringLiteral("/test42"))),
             qPrintable(reg.errorOutput()));

    // Three address formats, one per service.
    const QList<QPair<QByteArray, QByteArray>> expected = {
        {"/test42/login_servers/0001-0001", R"({"ip":"10.0.0.1","port":8008})"},
        {"/test42/login_servers/0001-0002", R"({"ip":"10.0.0.2","port":8008})"},
        {"/test42/msg_servers/0002-0001", "10.0.1.1:8100"},
        {"/test42/route_servers/0003-0001", "ip=10.0.2.1\nport=8200"},
    };
    for (const auto &[key, value] : expected) {
        const auto kv = v3Get(key);
        QVERIFY2(kv, key.constData());
        QCOMPARE(kv->value, value);
        QVERIFY2(kv->lease != 0, key.constData());
        QCOMPARE(printedLease(reg, key), kv->lease);
        QVERIFY(reg.lines().contains(
            QStringLiteral("registered v2 %1 ttl 2").arg(QString::fromUtf8(key))));

        const auto node = v2Get(key);
        QVERIFY2(node, key.constData());
        QCOMPARE(node->value, value);
        QVERIFY2(node->ttl && *node->ttl > 0 && *node->ttl <= 2, key.constData());
    }
    // Each instance has a lease of its own.
    QVERIFY(v3Get(expected[0].first)->lease != v3Get(expected[1].first)->lease);

    // A login server's load report shares its lease: "other keys on the lease".
    for (const QByteArray &id : {QByteArray("0001-0001"), QByteArray("0001-0002")}) {
        const quint64 lease = v3Get("/test42/login_servers/" + id)->lease;
        const auto load = v3Get("/test42/load/" + id);
        QVERIFY(load);
        QCOMPARE(load->lease, lease);
        QVERIFY2(load->value.startsWith("{\"users\":"), load->value.constData());
        QList<QByteArray> keys;
        QVERIFY(leaseTtl(lease, &keys) > 0);
        std::sort(keys.begin(), keys.end());
        QCOMPARE(keys, (QList<QByteArray>{"/test42/load/" + id, "/test42/login_servers/" + id}));
    }
    // The load report is v3 only.
    QVERIFY(!v2Get("/test42/load/0001-0001"));

    // --prefix: nothing outside it.
    QVERIFY(v3Below("/login_servers/").isEmpty());
    QVERIFY(v3Below("/load/").isEmpty());
    QVERIFY(!v2Get("/login_servers"));
    QCOMPARE(v3Below("/test42/").size(), 6); // four servers, two load reports
}

void TestDemoRegistrar::heartbeatsKeepKeysAlive()
{
    RegistrarProcess reg;
    QElapsedTimer since;
    since.start();
    QVERIFY2(reg.start(m_etcd.clientUrl(), withPrefix(QStringLiteral("/beat"))),
             qPrintable(reg.errorOutput()));
    const QByteArray key = "/beat/msg_servers/0002-0001";
    const auto first = v3Get(key);
    QVERIFY(first);
    const auto node = v2Get(key);
    QVERIFY(node);

    // v2: every beat sets the key again (a change watchers see).
    QTRY_VERIFY_WITH_TIMEOUT(v2Get(key) && v2Get(key)->modifiedIndex > node->modifiedIndex, 5000);
    // v3: keep-alives are invisible in the keyspace; what shows them is the same lease alive
    // well past its 2 s TTL. The property is about time, so the wait is too; the lease must be
    // alive at every look.
    bool alive = true;
    QVERIFY(QTest::qWaitFor(
        [&] {
            const auto kv = v3Get(key);
            alive = alive && kv && kv->lease == first->lease && leaseTtl(first->lease) > 0;
            return !alive || since.elapsed() > 5000;
        },
        10000));
    QVERIFY2(alive, "the lease ran out or changed while the heartbeats went on");
    QVERIFY(v2Get(key));
}

void TestDemoRegistrar::stopLetsKeysExpire()
{
    RegistrarProcess reg;
    QVERIFY2(reg.start(m_etcd.clientUrl(), withPrefix(QStringLiteral("/stop"))),
             qPrintable(reg.errorOutput()));
    const QByteArray key = "/stop/login_servers/0001-0002";
    const QByteArray other = "/stop/login_servers/0001-0001";
    const quint64 oldLease = v3Get(key)->lease;
    const quint64 otherLease = v3Get(other)->lease;

    QVERIFY(reg.command(QStringLiteral("stop 0001-0002")));
    // The key stays until its lease or TTL runs out, then goes from both stores by itself.
    QVERIFY(v3Get(key) || v2Get(key));
    QVERIFY(QTest::qWaitFor([&] { return !v3Get(key) && !v2Get(key); }, kExpiryMs));
    QVERIFY(!v3Get("/stop/load/0001-0002"));
    // The others go on beating.
    QVERIFY(v3Get(other));
    QCOMPARE(v3Get(other)->lease, otherLease);
    QVERIFY(v2Get(other));

    // start: registered again at once, on a new lease.
    const int from = reg.lineCount();
    QVERIFY(reg.command(QStringLiteral("start 0001-0002")));
    const auto kv = v3Get(key);
    QVERIFY(kv);
    QVERIFY(kv->lease != 0 && kv->lease != oldLease);
    QCOMPARE(printedLease(reg, key), kv->lease);
    QVERIFY(reg.waitForLine(QStringLiteral("registered v2 ") + QString::fromUtf8(key), 0, from));
    QVERIFY(v2Get(key));
    QCOMPARE(v3Get("/stop/load/0001-0002")->lease, kv->lease);
}

void TestDemoRegistrar::killRemovesAtOnce()
{
    RegistrarProcess reg;
    QVERIFY2(reg.start(m_etcd.clientUrl(), withPrefix(QStringLiteral("/kill"))),
             qPrintable(reg.errorOutput()));
    const QByteArray key = "/kill/login_servers/0001-0001";
    const quint64 lease = v3Get(key)->lease;

    QVERIFY(reg.command(QStringLiteral("kill 0001-0001")));
    // Done when "ok" comes: no waiting for a TTL.
    QVERIFY(!v3Get(key));
    QVERIFY(!v3Get("/kill/load/0001-0001"));
    QVERIFY(!v2Get(key));
    QCOMPARE(leaseTtl(lease), qint64(-1)); // revoked
    QVERIFY(v3Get("/kill/login_servers/0001-0002"));

    QVERIFY(reg.command(QStringLiteral("start 0001-0001")));
    QVERIFY(v3Get(key));
    QVERIFY(v2Get(key));
}

void TestDemoRegistrar::msgServerFollowsLoginServers_data()
{
    QTest::addColumn<QString>("api");
    QTest::newRow("v3 (both)") << QStringLiteral("both");
    QTest::newRow("v2 only") << QStringLiteral("v2");
}

void TestDemoRegistrar::msgServerFollowsLoginServers()
{
    QFETCH(QString, api);
    const QString prefix = QStringLiteral("/disc-") + api;
    RegistrarProcess reg;
    QVERIFY2(reg.start(m_etcd.clientUrl(), withPrefix(prefix, {QStringLiteral("--api"), api})),
             qPrintable(reg.errorOutput()));
    if (api == QLatin1String("v2"))
        QVERIFY(v3Below(prefix.toUtf8() + '/').isEmpty()); // v2 alone was asked for

    const QString both = QStringLiteral("msg_server 0002-0001 sees 2 login servers: "
                                        "0001-0001 10.0.0.1:8008, 0001-0002 10.0.0.2:8008");
    QVERIFY2(reg.waitForLine(both), qPrintable(reg.lines().join(QLatin1Char('\n'))));

    int from = reg.lineCount();
    QVERIFY(reg.command(QStringLiteral("kill 0001-0002")));
    QVERIFY(reg.waitForLine(QStringLiteral("msg_server 0002-0001 sees 1 login server: "
                                           "0001-0001 10.0.0.1:8008 (0001-0002 left)"),
                            10000, from));

    from = reg.lineCount();
    QVERIFY(reg.command(QStringLiteral("start 0001-0002")));
    QVERIFY(reg.waitForLine(both + QStringLiteral(" (0001-0002 joined)"), 10000, from));

    // An expiry is a departure too.
    from = reg.lineCount();
    QVERIFY(reg.command(QStringLiteral("stop 0001-0001")));
    QVERIFY(reg.waitForLine(QStringLiteral("(0001-0001 left)"), kExpiryMs, from));
    // Heartbeats of the others (v2: a set each time) are no change: nothing more is printed.
    const QStringList after = reg.lines().mid(from);
    QCOMPARE(after.filter(QStringLiteral("sees")).size(), 1);
}

void TestDemoRegistrar::leaseRevokedFromOutside()
{
    RegistrarProcess reg;
    QVERIFY2(reg.start(m_etcd.clientUrl(), withPrefix(QStringLiteral("/revoke"))),
             qPrintable(reg.errorOutput()));
    const QByteArray key = "/revoke/route_servers/0003-0001";
    const quint64 lease = v3Get(key)->lease;

    // As a user of the browser would: the next keep-alive finds the lease gone.
    const int from = reg.lineCount();
    VERIFY_OK(
        run<EtcdV3Header>([&](QObject *c, auto cb) { return m_v3->leaseRevoke(lease, c, cb); }));
    QVERIFY(reg.waitForLine(QStringLiteral("lease %1 is gone").arg(QString::number(lease, 16)),
                            10000, from));
    QVERIFY(
        reg.waitForLine(QStringLiteral("registered v3 ") + QString::fromUtf8(key), 10000, from));
    const auto kv = v3Get(key);
    QVERIFY(kv);
    QVERIFY(kv->lease != lease);
    QCOMPARE(printedLease(reg, key), kv->lease);
}

void TestDemoRegistrar::v2KeyDeletedFromOutside()
{
    RegistrarProcess reg;
    QVERIFY2(reg.start(m_etcd.clientUrl(), withPrefix(QStringLiteral("/v2del"))),
             qPrintable(reg.errorOutput()));
    const QByteArray key = "/v2del/msg_servers/0002-0001";
    const int from = reg.lineCount();
    VERIFY_OK(
        run<EtcdV2Response>([&](QObject *c, auto cb) { return m_v2->remove(key, {}, c, cb); }));
    // The next beat's set recreates it, and says it registered it anew.
    QVERIFY(
        reg.waitForLine(QStringLiteral("registered v2 ") + QString::fromUtf8(key), 10000, from));
    QVERIFY(reg.line(QStringLiteral("was gone (expired or deleted)")).contains(key));
    QVERIFY(v2Get(key));
}

void TestDemoRegistrar::quitRemovesEverything()
{
    RegistrarProcess reg;
    QVERIFY2(reg.start(m_etcd.clientUrl(), withPrefix(QStringLiteral("/quit"))),
             qPrintable(reg.errorOutput()));
    QCOMPARE(v3Below("/quit/").size(), 6);
    reg.stop(); // sends quit
    QCOMPARE(reg.exitCode(), 0);
    QVERIFY(reg.lines().contains(QStringLiteral("ok quit")));
    QVERIFY(v3Below("/quit/").isEmpty());
    for (const QByteArray &key :
         {QByteArray("/quit/login_servers/0001-0001"), QByteArray("/quit/login_servers/0001-0002"),
          QByteArray("/quit/msg_servers/0002-0001"), QByteArray("/quit/route_servers/0003-0001")})
        QVERIFY2(!v2Get(key), key.constData());
}

void TestDemoRegistrar::commandErrors()
{
    RegistrarProcess reg;
    QVERIFY2(reg.start(m_etcd.clientUrl(), withPrefix(QStringLiteral("/errors"))),
             qPrintable(reg.errorOutput()));
    QVERIFY(!reg.command(QStringLiteral("kill 0009-0009")));
    QVERIFY(reg.line(QStringLiteral("error kill 0009-0009: no instance 0009-0009"))
                .contains(QLatin1String("0001-0001")));
    QVERIFY(!reg.command(QStringLiteral("restart 0001-0001")));
    QVERIFY(reg.waitForLine(QStringLiteral("error restart 0001-0001: unknown command"), 0));
    // Still answering after errors.
    QVERIFY(reg.command(QStringLiteral("stop 0001-0001")));
}

void TestDemoRegistrar::unreachableEndpointFails()
{
    RegistrarProcess reg;
    const QString nobody = QStringLiteral("http://127.0.0.1:%1").arg(EtcdServer::freePort());
    QVERIFY(!reg.start(nobody));
    QVERIFY(reg.waitForExit(10000));
    QVERIFY(reg.exitCode() != 0);
    QVERIFY2(reg.errorOutput().contains(QStringLiteral("cannot reach etcd at ") + nobody),
             qPrintable(reg.errorOutput()));
    QVERIFY(!reg.lines().contains(QStringLiteral("ready")));
}

QTEST_MAIN(TestDemoRegistrar)
#include "tst_demoregistrar.moc"
