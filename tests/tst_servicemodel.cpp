// ServiceModel against a real etcd, v3 and v2: services registered by the demo registrar (and by
// the test itself) appear alive, turn late when their heartbeat stops, gone when their TTL or
// lease runs out, and alive again with a flap counted when they come back; service directories
// are recognised by their leases/TTLs, marked and hidden; values in each address format are
// parsed. The model runs under QAbstractItemModelTester throughout.
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "keytreelister.h"
#include "keytreemodel.h"
#include "livetree.h"
#include "livetreetesting.h"
#include "registrarprocess.h"
#include "servicemodel.h"
#include "watchtesting.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

#include <memory>

namespace {

// The demo backend's type names: the product has none of its own.
ServiceTypeNames demoTypeNames()
{
    return ServiceTypeNames({{QStringLiteral("0001"), QStringLiteral("login_server")},
                             {QStringLiteral("0002"), QStringLiteral("msg_server")},
                             {QStringLiteral("0003"), QStringLiteral("route_server")},
                             {QStringLiteral("0008"), QStringLiteral("msfs")}});
}

} // namespace

class TestServiceModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void addressFormats_data();
    void addressFormats();
    void typeNames();

    void registrarV3();
    void registrarV2();
    void recognisedMarkedHidden();
    void recognisedFromEventsV2();
    void unparseableValuesShowRaw();
    void goneInstancesAreForgotten();
    void relistsAfterResync();

private:
    // A model (under the tester) on its own client and live tree, below `root`.
    bool startModel(EtcdClient::Api api, const QByteArray &root, const QString &endpoint = {});
    ServiceInstance::State stateOf(const QByteArray &key) const;
    bool waitState(const QByteArray &key, ServiceInstance::State state, int timeoutMs);
    quint64 grantLease(qint64 ttl);
    // Stops the heartbeat of the registrar's instance at `key`: late, then gone (not
    // before), then started again: alive with one flap.
    void stopLateGoneBack(RegistrarProcess &registrar, const QByteArray &key, int lateMs,
                          int goneMs);

    EtcdServer m_etcd;
    std::unique_ptr<EtcdClient> m_writer;
    std::unique_ptr<EtcdClient> m_client;
    std::unique_ptr<KeyTreeModel> m_tree;
    std::unique_ptr<LiveTree> m_live;
    std::unique_ptr<ServiceModel> m_model;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
    // Every state change, in order, per key.
    QHash<QByteArray, QList<ServiceInstance::State>> m_changes;
};

void TestServiceModel::initTestCase()
{
    qRegisterMetaType<EtcdWatchEvent>();
    QVERIFY2(m_etcd.start(), "etcd did not start");
    m_writer = discoveredClient({m_etcd.clientUrl()}, EtcdClient::Api::V3);
    QVERIFY(m_writer);
}

void TestServiceModel::cleanup()
{
    m_tester.reset();
    m_model.reset();
    m_live.reset();
    m_tree.reset();
    m_client.reset();
    m_changes.clear();
}

bool TestServiceModel::startModel(EtcdClient::Api api, const QByteArray &root,
                                  const QString &endpoint)
{
    m_client = discoveredClient({endpoint.isEmpty() ? m_etcd.clientUrl() : endpoint}, api);
    if (!m_client)
        return false;
    m_tree = std::make_unique<KeyTreeModel>();
    m_tree->lister()->setClient(m_client.get());
    m_tree->lister()->setRootPrefix(root);
    m_live = std::make_unique<LiveTree>(m_tree.get());
    m_model = std::make_unique<ServiceModel>();
    m_model->setTypeNames(demoTypeNames());
    m_tester = std::make_unique<QAbstractItemModelTester>(
        m_model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    connect(m_model.get(), &ServiceModel::instanceStateChanged, m_model.get(),
            [this](const QByteArray &key, ServiceInstance::State state) {
                m_changes[key].append(state);
            });
    connect(m_model.get(), &ServiceModel::errorOccurred, m_model.get(),
            [](const EtcdError &e) { qWarning() << "service model:" << e.toString(); });
    m_model->follow(m_live.get());
    m_live->start(m_client.get());
    if (!QTest::qWaitFor([&] { return m_live->state() == LiveTree::State::Live; }, 30000))
        return false;
    m_model->monitor()->start(m_client.get(), '/', root);
    return true;
}

ServiceInstance::State TestServiceModel::stateOf(const QByteArray &key) const
{
    const ServiceInstance *inst = m_model->instance(key);
    return inst ? inst->state : ServiceInstance::State::Gone;
}

bool TestServiceModel::waitState(const QByteArray &key, ServiceInstance::State state, int timeoutMs)
{
    return QTest::qWaitFor(
        [&] {
            const ServiceInstance *inst = m_model->instance(key);
            return inst && inst->state == state;
        },
        timeoutMs);
}

quint64 TestServiceModel::grantLease(qint64 ttl)
{
    const auto r = run<EtcdV3LeaseGrantResult>(
        [&](QObject *c, auto cb) { return m_writer->v3()->leaseGrant(ttl, 0, c, cb); });
    return r.ok() ? r.value.id : 0;
}

void TestServiceModel::stopLateGoneBack(RegistrarProcess &registrar, const QByteArray &key,
                                        int lateMs, int goneMs)
{
    const QByteArray id = key.mid(key.lastIndexOf('/') + 1);
    const QByteArray dir = key.left(key.lastIndexOf('/'));
    const ServiceModel::Counts before = m_model->counts(dir);
    QVERIFY(registrar.command(QStringLiteral("stop ") + QString::fromLatin1(id)));
    QVERIFY(waitState(key, ServiceInstance::State::Late, lateMs));
    QCOMPARE(m_model->counts(dir).late, before.late + 1);
    QVERIFY2(m_model->summary().contains(QStringLiteral("%1 alive, 1 late").arg(before.alive - 1)),
             qPrintable(m_model->summary()));
    QVERIFY(waitState(key, ServiceInstance::State::Gone, goneMs));
    QVERIFY(m_model->instance(key)->wentAt.isValid());
    QCOMPARE(m_model->instance(key)->flaps, 0);
    QCOMPARE(m_model->counts(dir).gone, before.gone + 1);
    QVERIFY(registrar.command(QStringLiteral("start ") + QString::fromLatin1(id)));
    QVERIFY(waitState(key, ServiceInstance::State::Alive, 10000));
    QCOMPARE(m_model->instance(key)->flaps, 1);
    QCOMPARE(m_changes.value(key), (QList<ServiceInstance::State>{ServiceInstance::State::Late,
                                                                  ServiceInstance::State::Gone,
                                                                  ServiceInstance::State::Alive}));
}

// ---- parsing --------------------------------------------------------------------------------

void TestServiceModel::addressFormats_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("parsed");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("format");

    QTest::newRow("json ip port") << QByteArray(R"({"ip":"10.0.0.5","port":8008})") << true
                                  << "10.0.0.5:8008"
                                  << "json";
    QTest::newRow("json host, port as text")
        << QByteArray(R"({"host":"login-1.internal","port":"9000","weight":3})") << true
        << "login-1.internal:9000"
        << "json";
    QTest::newRow("json address with port")
        << QByteArray(R"({"Address":"10.1.2.3:443"})") << true << "10.1.2.3:443"
        << "json";
    QTest::newRow("json nested") << QByteArray(R"({"name":"x","endpoint":{"ip":"::1","port":80}})")
                                 << true << "[::1]:80"
                                 << "json";
    QTest::newRow("json without port") << QByteArray(R"({"ip":"10.0.0.9"})") << true << "10.0.0.9"
                                       << "json";
    QTest::newRow("json without address") << QByteArray(R"({"users":12})") << false << ""
                                          << "";
    QTest::newRow("host:port") << QByteArray("10.0.1.1:8100") << true << "10.0.1.1:8100"
                               << "host:port";
    QTest::newRow("host:port with newline")
        << QByteArray("msg-2.local:8100\n") << true << "msg-2.local:8100"
        << "host:port";
    QTest::newRow("ipv6 host:port") << QByteArray("[fe80::1]:7000") << true << "[fe80::1]:7000"
                                    << "host:port";
    QTest::newRow("url") << QByteArray("http://10.0.0.7:8080/health") << true << "10.0.0.7:8080"
                         << "host:port";
    QTest::newRow("key=value lines")
        << QByteArray("ip=10.0.2.1\nport=8200\n") << true << "10.0.2.1:8200"
        << "key=value";
    QTest::newRow("key: value lines")
        << QByteArray("host: route-1\nport: 8200") << true << "route-1:8200"
        << "key=value";
    QTest::newRow("key=value one line")
        << QByteArray("ip=10.0.2.2;port=8201") << true << "10.0.2.2:8201"
        << "key=value";
    QTest::newRow("key=value address")
        << QByteArray("address=10.0.2.3:8202") << true << "10.0.2.3:8202"
        << "key=value";
    QTest::newRow("plain text") << QByteArray("hello world") << false << ""
                                << "";
    QTest::newRow("port out of range") << QByteArray("10.0.0.1:99999") << false << ""
                                       << "";
    QTest::newRow("truncated json") << QByteArray(R"({"ip":"10.0.0.5","po)") << false << ""
                                    << "";
    QTest::newRow("binary") << QByteArray("\x00\xff\x01:\x02", 5) << false << ""
                            << "";
    QTest::newRow("empty") << QByteArray() << false << ""
                           << "";
}

void TestServiceModel::addressFormats()
{
    QFETCH(QByteArray, value);
    QFETCH(bool, parsed);
    QFETCH(QString, text);
    QFETCH(QString, format);
    const ServiceAddress a = ServiceAddress::parse(value);
    QCOMPARE(a.parsed, parsed);
    QCOMPARE(a.text(), text);
    QCOMPARE(a.format, format);
}

void TestServiceModel::typeNames()
{
    // The product names no type by itself: a type code shows as its code.
    const ServiceTypeNames none;
    QCOMPARE(none.nameFor("0001-0002"), QString());
    QVERIFY(none.entries().isEmpty());
    const ServiceTypeNames names = demoTypeNames();
    QCOMPARE(names.nameFor("0001-0002"), QStringLiteral("login_server"));
    QCOMPARE(names.nameFor("0008-0001"), QStringLiteral("msfs"));
    QCOMPARE(names.nameFor("0003"), QStringLiteral("route_server"));
    QCOMPARE(names.nameFor("0009-0001"), QString());
    QCOMPARE(names.nameFor("login-1"), QString());
    QCOMPARE(names.nameFor("0001x"), QString());
    const ServiceTypeNames mine({{QStringLiteral("42"), QStringLiteral("answer")}});
    QCOMPARE(mine.nameFor("0042-7"), QStringLiteral("answer"));
    QCOMPARE(mine.nameFor("0001-0001"), QString());
}

// ---- the registrar -------------------------------------------------------------------------

void TestServiceModel::registrarV3()
{
    // A TTL long enough that "late" (no renewal for 1.5 intervals, seen through lease answers
    // a quarter of the TTL apart) shows well before the lease runs out.
    RegistrarProcess registrar;
    QVERIFY2(registrar.start(m_etcd.clientUrl(), {"--api", "v3", "--prefix", "/sv3", "--ttl", "10",
                                                  "--interval", "1000"}),
             qPrintable(registrar.lines().join('\n')));
    QVERIFY(startModel(EtcdClient::Api::V3, "/sv3/"));

    // Recognised by their leases, without marking anything. /load holds keys on the login
    // servers' leases without addresses: part of those instances, not a service.
    QTRY_COMPARE_WITH_TIMEOUT(
        m_model->serviceDirectories(),
        (QList<QByteArray>{"/sv3/login_servers", "/sv3/msg_servers", "/sv3/route_servers"}), 15000);
    QVERIFY(m_model->isCompanion("/sv3/load"));
    QVERIFY(m_model->isRecognised("/sv3/load"));
    QVERIFY(!m_model->isServiceDirectory("/sv3/load"));
    QTRY_COMPARE_WITH_TIMEOUT(m_model->rowCount(m_model->indexForService("/sv3/login_servers")), 3,
                              15000);
    QTRY_VERIFY_WITH_TIMEOUT(m_model->instance("/sv3/route_servers/0003-0002") &&
                                 m_model->instance("/sv3/route_servers/0003-0002")->lease,
                             15000);
    QTRY_COMPARE_WITH_TIMEOUT(m_model->counts("/sv3/login_servers").alive, 3, 10000);
    QTRY_VERIFY2_WITH_TIMEOUT(m_model->summary().contains(QStringLiteral("login_server: 3 alive")),
                              qPrintable(m_model->summary()), 10000);
    QTRY_VERIFY2_WITH_TIMEOUT(m_model->summary().contains(QStringLiteral("msg_server: 2 alive")),
                              qPrintable(m_model->summary()), 10000);

    // Each of the three address formats, and the type name.
    const QByteArray one = "/sv3/login_servers/0001-0001";
    QCOMPARE(m_model->instance(one)->address.text(), QStringLiteral("10.0.0.1:8008"));
    QCOMPARE(m_model->instance(one)->typeName, QStringLiteral("login_server"));
    QCOMPARE(m_model->instance("/sv3/msg_servers/0002-0002")->address.text(),
             QStringLiteral("10.0.1.2:8100"));
    QCOMPARE(m_model->instance("/sv3/route_servers/0003-0001")->address.format,
             QStringLiteral("key=value"));
    QCOMPARE(m_model->data(m_model->indexForKey(one, ServiceModel::AddressColumn)).toString(),
             QStringLiteral("10.0.0.1:8008"));
    // The lease, its TTL and the other key on it.
    QTRY_VERIFY_WITH_TIMEOUT(m_model->instance(one)->leaseKeys.contains("/sv3/load/0001-0001"),
                             10000);
    QCOMPARE(m_model->instance(one)->grantedTtl, 10);
    QVERIFY(m_model->instance(one)->expiresAt.isValid());
    QVERIFY(m_model->data(m_model->indexForKey(one, ServiceModel::LeaseColumn))
                .toString()
                .startsWith(QString::number(m_model->instance(one)->lease, 16)));
    // Keep-alives change no key: the lease answers show them.
    // The registrar renews every second; the lease is asked about every 2.5 s: the interval
    // comes from the renewals' ages, to about a second.
    QTRY_VERIFY_WITH_TIMEOUT(m_model->instance(one)->renewalAges.size() >= 3, 20000);
    QVERIFY2(m_model->instance(one)->usualIntervalMs() >= 500 &&
                 m_model->instance(one)->usualIntervalMs() <= 2000,
             qPrintable(QString::number(m_model->instance(one)->usualIntervalMs())));
    QCOMPARE(m_model->instance(one)->state, ServiceInstance::State::Alive);

    // Marked, a companion is shown all the same.
    m_model->setMarked("/sv3/load", true);
    QTRY_COMPARE_WITH_TIMEOUT(m_model->rowCount(m_model->indexForService("/sv3/load")), 3, 10000);
    m_model->setMarked("/sv3/load", false);
    QVERIFY(!m_model->serviceDirectories().contains("/sv3/load"));

    // Its heartbeat stops: late (the others not), gone when the lease runs out, back.
    stopLateGoneBack(registrar, "/sv3/login_servers/0001-0002", 10000, 15000);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(m_changes.value(one), QList<ServiceInstance::State>());

    // Killed (lease revoked): gone at once.
    QVERIFY(registrar.command("kill 0001-0003"));
    QVERIFY(waitState("/sv3/login_servers/0001-0003", ServiceInstance::State::Gone, 5000));
    registrar.stop();
}

void TestServiceModel::registrarV2()
{
    RegistrarProcess registrar;
    QVERIFY2(registrar.start(m_etcd.clientUrl(), {"--api", "v2", "--prefix", "/sv2", "--ttl", "3",
                                                  "--interval", "1000"}),
             qPrintable(registrar.lines().join('\n')));
    QVERIFY(startModel(EtcdClient::Api::V2, "/sv2"));

    QTRY_VERIFY_WITH_TIMEOUT(m_model->serviceDirectories().contains("/sv2/login_servers") &&
                                 m_model->serviceDirectories().contains("/sv2/route_servers"),
                             15000);
    QTRY_COMPARE_WITH_TIMEOUT(m_model->counts("/sv2/login_servers").alive, 3, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(m_model->counts("/sv2/route_servers").alive, 2, 15000);
    const QByteArray two = "/sv2/login_servers/0001-0002";
    // v2 heartbeats are events: the interval is measured from them, the TTL is the granted one.
    QTRY_VERIFY_WITH_TIMEOUT(m_model->instance(two)->intervals.size() >= 2, 10000);
    QVERIFY2(qAbs(m_model->instance(two)->usualIntervalMs() - 1000) < 400,
             qPrintable(QString::number(m_model->instance(two)->usualIntervalMs())));
    QCOMPARE(m_model->instance(two)->grantedTtl, 3);
    QVERIFY(!m_model->instance(two)->refreshSeenByCheck);
    QCOMPARE(m_model->instance("/sv2/route_servers/0003-0002")->address.text(),
             QStringLiteral("10.0.2.2:8200"));

    stopLateGoneBack(registrar, two, 5000, 10000);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(m_changes.value("/sv2/login_servers/0001-0001"), QList<ServiceInstance::State>());
    registrar.stop();
}

// ---- recognising and marking ------------------------------------------------------------------

void TestServiceModel::recognisedMarkedHidden()
{
    auto put = [&](const QByteArray &key, const QByteArray &value, quint64 lease) {
        EtcdV3PutOptions o;
        o.lease = lease;
        VERIFY_OK(run<EtcdV3PutResult>(
            [&](QObject *c, auto cb) { return m_writer->v3()->put(key, value, o, c, cb); }));
    };
    const quint64 lease = grantLease(60);
    QVERIFY(lease);
    // Mostly leased (3 of 4): a service. Plain keys: not one.
    put("/rm/svc/a", "10.9.0.1:1", lease);
    put("/rm/svc/b", "10.9.0.2:1", lease);
    put("/rm/svc/c", "10.9.0.3:1", lease);
    put("/rm/svc/readme", "not an instance", 0);
    put("/rm/plain/x", "1", 0);
    put("/rm/plain/y", "2", 0);
    // Half leased is not "mostly".
    put("/rm/half/a", "1", lease);
    put("/rm/half/b", "2", 0);

    QVERIFY(startModel(EtcdClient::Api::V3, "/rm/"));
    QTRY_COMPARE_WITH_TIMEOUT(m_model->serviceDirectories(), QList<QByteArray>{"/rm/svc"}, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(m_model->rowCount(m_model->indexForService("/rm/svc")), 4, 10000);
    // The permanent key is listed, without a TTL.
    QCOMPARE(m_model->data(m_model->indexForKey("/rm/svc/readme", ServiceModel::RemainingColumn))
                 .toString(),
             QStringLiteral("no TTL"));
    QTRY_COMPARE_WITH_TIMEOUT(m_model->instance("/rm/svc/a")->leaseKeys.size(), 3, 10000);

    // Marked: a service whatever it holds.
    QSignalSpy changed(m_model.get(), &ServiceModel::servicesChanged);
    m_model->setMarked("/rm/plain", true);
    QCOMPARE(m_model->serviceDirectories(), (QList<QByteArray>{"/rm/plain", "/rm/svc"}));
    QTRY_COMPARE_WITH_TIMEOUT(m_model->rowCount(m_model->indexForService("/rm/plain")), 2, 10000);
    QCOMPARE(m_model->instance("/rm/plain/x")->state, ServiceInstance::State::Alive);
    // Hidden: not shown although recognised.
    m_model->setHidden("/rm/svc", true);
    QCOMPARE(m_model->serviceDirectories(), QList<QByteArray>{"/rm/plain"});
    QVERIFY(!m_model->isServiceDirectory("/rm/svc"));
    m_model->setHidden("/rm/svc", false);
    QCOMPARE(m_model->serviceDirectories(), (QList<QByteArray>{"/rm/plain", "/rm/svc"}));
    m_model->setMarked("/rm/plain", false);
    QCOMPARE(m_model->serviceDirectories(), QList<QByteArray>{"/rm/svc"});
    QVERIFY(changed.count() >= 4);
    // Automatic recognition off: only marked ones.
    m_model->setAutoDetect(false);
    QCOMPARE(m_model->serviceDirectories(), QList<QByteArray>());
    m_model->setAutoDetect(true);
    QCOMPARE(m_model->serviceDirectories(), QList<QByteArray>{"/rm/svc"});

    // A new directory of leased keys, written after the start: recognised from the events.
    put("/rm/fresh/i1", R"({"host":"f1","port":1})", lease);
    put("/rm/fresh/i2", R"({"host":"f2","port":2})", lease);
    QTRY_VERIFY_WITH_TIMEOUT(m_model->serviceDirectories().contains("/rm/fresh"), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(m_model->rowCount(m_model->indexForService("/rm/fresh")), 2, 10000);
    QCOMPARE(m_model->instance("/rm/fresh/i2")->address.text(), QStringLiteral("f2:2"));

    // The lease revoked: every instance on it gone, the permanent key stays.
    VERIFY_OK(run<EtcdV3Header>(
        [&](QObject *c, auto cb) { return m_writer->v3()->leaseRevoke(lease, c, cb); }));
    QVERIFY(waitState("/rm/svc/a", ServiceInstance::State::Gone, 5000));
    QVERIFY(waitState("/rm/fresh/i1", ServiceInstance::State::Gone, 5000));
    QCOMPARE(stateOf("/rm/svc/readme"), ServiceInstance::State::Alive);
    QCOMPARE(m_model->counts("/rm/svc").gone, 3);
    QVERIFY(m_model->data(m_model->indexForKey("/rm/svc/a", ServiceModel::StateColumn))
                .toString()
                .startsWith(QStringLiteral("gone ")));
}

void TestServiceModel::recognisedFromEventsV2()
{
    // Directories of keys with a TTL and no events (an hour's TTL) near the top of the store:
    // found by the look at the top at start, two levels deep.
    for (const char *key : {"/ev2/pre/a", "/ev2/pre/b", "/ev2/x/deeper/c"})
        QVERIFY(!m_etcd.etcdctlV2({"set", "--ttl", "3600", key, "10.5.0.1:1"}).isNull());
    QVERIFY(!m_etcd.etcdctlV2({"set", "/ev2/plain/a", "1"}).isNull());
    QVERIFY(startModel(EtcdClient::Api::V2, "/ev2"));
    QTRY_COMPARE_WITH_TIMEOUT(m_model->serviceDirectories(),
                              (QList<QByteArray>{"/ev2/pre", "/ev2/x/deeper"}), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(m_model->counts("/ev2/pre").alive, 2, 10000);
    QVERIFY(m_model->instance("/ev2/pre/a")->remainingSeconds(QDateTime::currentDateTimeUtc()) >
            3500);

    // Keys with a TTL in a directory three levels down (beyond that look): the events make it
    // a service.
    for (const char *name : {"k1", "k2"}) {
        const QString out =
            m_etcd.etcdctlV2({"set", "--ttl", "30", QStringLiteral("/ev2/a/b/c/%1").arg(name),
                              QStringLiteral("ip=10.3.0.1\nport=%1").arg(name[1])});
        QVERIFY(!out.isNull());
    }
    QTRY_VERIFY_WITH_TIMEOUT(m_model->serviceDirectories().contains("/ev2/a/b/c"), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(m_model->counts("/ev2/a/b/c").alive, 2, 10000);
    QCOMPARE(m_model->instance("/ev2/a/b/c/k2")->address.text(), QStringLiteral("10.3.0.1:2"));
    QVERIFY(m_model->instance("/ev2/a/b/c/k2")->remainingSeconds(QDateTime::currentDateTimeUtc()) >
            20);
    // Deleted: gone.
    QVERIFY(!m_etcd.etcdctlV2({"rm", "/ev2/a/b/c/k1"}).isNull());
    QVERIFY(waitState("/ev2/a/b/c/k1", ServiceInstance::State::Gone, 5000));
    // The directory removed: everything in it gone.
    QVERIFY(!m_etcd.etcdctlV2({"rm", "--recursive", "/ev2/a"}).isNull());
    QVERIFY(waitState("/ev2/a/b/c/k2", ServiceInstance::State::Gone, 5000));
}

void TestServiceModel::unparseableValuesShowRaw()
{
    auto put = [&](const QByteArray &key, const QByteArray &value) {
        VERIFY_OK(run<EtcdV3PutResult>(
            [&](QObject *c, auto cb) { return m_writer->v3()->put(key, value, {}, c, cb); }));
    };
    put("/raw/svc/text", "just some words");
    put("/raw/svc/json", R"({"users":12})");
    put("/raw/svc/bin", QByteArray("\x00\x01\xfe", 3));
    put("/raw/svc/big", QByteArray(1 << 20, 'x'));
    QVERIFY(startModel(EtcdClient::Api::V3, "/raw/"));
    QSignalSpy errors(m_model.get(), &ServiceModel::errorOccurred);
    m_model->setMarked("/raw/svc", true);
    QTRY_COMPARE_WITH_TIMEOUT(m_model->rowCount(m_model->indexForService("/raw/svc")), 4, 10000);
    auto address = [&](const QByteArray &key) {
        return m_model->data(m_model->indexForKey(key, ServiceModel::AddressColumn)).toString();
    };
    QCOMPARE(address("/raw/svc/text"), QStringLiteral("just some words"));
    QCOMPARE(address("/raw/svc/json"), QStringLiteral(R"({"users":12})"));
    QVERIFY(!m_model->instance("/raw/svc/bin")->address.parsed);
    QVERIFY(address("/raw/svc/big").size() <= 200);
    QCOMPARE(errors.count(), 0);
    // A value changed to an address is parsed from then on.
    put("/raw/svc/text", "10.4.0.1:99");
    QTRY_COMPARE_WITH_TIMEOUT(address("/raw/svc/text"), QStringLiteral("10.4.0.1:99"), 5000);
}

void TestServiceModel::goneInstancesAreForgotten()
{
    const quint64 lease = grantLease(60);
    QVERIFY(lease);
    EtcdV3PutOptions o;
    o.lease = lease;
    for (const QByteArray key : {"/fg/svc/1", "/fg/svc/2"}) {
        VERIFY_OK(run<EtcdV3PutResult>(
            [&](QObject *c, auto cb) { return m_writer->v3()->put(key, "h:1", o, c, cb); }));
    }
    QVERIFY(startModel(EtcdClient::Api::V3, "/fg/"));
    m_model->setGoneRetentionMs(1500);
    QTRY_COMPARE_WITH_TIMEOUT(m_model->rowCount(m_model->indexForService("/fg/svc")), 2, 10000);
    VERIFY_OK(run<EtcdV3DeleteResult>(
        [&](QObject *c, auto cb) { return m_writer->v3()->deleteRange("/fg/svc/1", {}, c, cb); }));
    QVERIFY(waitState("/fg/svc/1", ServiceInstance::State::Gone, 5000));
    QCOMPARE(m_model->rowCount(m_model->indexForService("/fg/svc")), 2);
    // Kept greyed for the retention time, then forgotten.
    QTRY_COMPARE_WITH_TIMEOUT(m_model->rowCount(m_model->indexForService("/fg/svc")), 1, 10000);
    QVERIFY(!m_model->instance("/fg/svc/1"));
    QVERIFY(m_model->instance("/fg/svc/2"));
}

void TestServiceModel::relistsAfterResync()
{
    // Changes the watch could not deliver (history compacted while it was cut off) are found by
    // the re-read after the live tree's resynchronisation.
    livetreetesting::TcpProxy proxy(m_etcd.clientPort());
    QVERIFY(proxy.listen());
    const quint64 lease = grantLease(60);
    EtcdV3PutOptions o;
    o.lease = lease;
    for (const QByteArray key : {"/rs/svc/1", "/rs/svc/2"}) {
        VERIFY_OK(run<EtcdV3PutResult>(
            [&](QObject *c, auto cb) { return m_writer->v3()->put(key, "h:1", o, c, cb); }));
    }
    QVERIFY(startModel(EtcdClient::Api::V3, "/rs/", proxy.url()));
    QTRY_COMPARE_WITH_TIMEOUT(m_model->counts("/rs/svc").alive, 2, 10000);
    QList<LiveTree::State> states;
    connect(m_live.get(), &LiveTree::stateChanged, this,
            [&](LiveTree::State s) { states.append(s); });

    proxy.setRefusing(true);
    QTRY_VERIFY_WITH_TIMEOUT(m_live->state() != LiveTree::State::Live, 20000);
    VERIFY_OK(run<EtcdV3DeleteResult>(
        [&](QObject *c, auto cb) { return m_writer->v3()->deleteRange("/rs/svc/1", {}, c, cb); }));
    const auto put = run<EtcdV3PutResult>(
        [&](QObject *c, auto cb) { return m_writer->v3()->put("/rs/svc/3", "h:3", o, c, cb); });
    VERIFY_OK(put);
    VERIFY_OK(run<EtcdV3Header>([&](QObject *c, auto cb) {
        return m_writer->v3()->compact(put.value.header.revision, true, c, cb);
    }));
    proxy.setRefusing(false);

    QTRY_VERIFY_WITH_TIMEOUT(states.contains(LiveTree::State::Resyncing) &&
                                 m_live->state() == LiveTree::State::Live,
                             30000);
    QVERIFY(waitState("/rs/svc/1", ServiceInstance::State::Gone, 10000));
    QTRY_VERIFY_WITH_TIMEOUT(m_model->instance("/rs/svc/3"), 10000);
    QCOMPARE(m_model->counts("/rs/svc").alive, 2);
}

QTEST_MAIN(TestServiceModel)
#include "tst_servicemodel.moc"
