// EtcdWatcher over the v3 watch stream against real etcd members: every kind of change in order
// with its previous value, history replay, compaction, a member restart, failover in a
// 3-member cluster, progress notifications, permissions and an expired token.
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "etcdtransport.h"
#include "etcdv3client.h"
#include "etcdwatcher.h"
#include "watchtesting.h"

#include <QPointer>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace watchtesting;
using Action = EtcdWatchEvent::Action;
using State = EtcdWatcher::State;

namespace {

// A member named `name` with authentication on (EtcdServer::enableAuth with `setup`); null when
// it did not start or a setup command failed.
std::unique_ptr<EtcdServer> startWithAuth(const QString &name, const QList<QStringList> &setup = {})
{
    EtcdServer::Options o;
    o.name = name;
    auto server = std::make_unique<EtcdServer>(o);
    if (!server->start() || !server->enableAuth(setup))
        return nullptr;
    return server;
}

} // namespace

class TestWatchV3 : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void putUpdateDeleteInOrder();
    void transactionIsOneBatch();
    void prefixDelete();
    void leaseExpiry();
    void replayFromOldRevision();
    void fromNow();
    void wholeKeyspace();
    void compactedHistoryLost();
    void progressNotification();
    void stopDeliversNothing();
    void destroyWhileLive();
    void memberRestart();
    void clusterFailover();
    void permissionDenied();
    void expiredTokenRenewed();
    void watchAndCallsShareOneRenewal();

private:
    qint64 put(const QByteArray &key, const QByteArray &value, quint64 lease = 0);
    qint64 currentRevision();
    bool waitLive(EtcdWatcher &w, int timeoutMs = 20000);

    std::unique_ptr<EtcdServer> m_etcd;
    std::unique_ptr<EtcdClient> m_client;
};

void TestWatchV3::initTestCase()
{
    watchtesting::useWireFromEnvironment();
    EtcdServer::Options o;
    o.extraArgs << QStringLiteral("--experimental-watch-progress-notify-interval=300ms");
    m_etcd = std::make_unique<EtcdServer>(o);
    QVERIFY2(m_etcd->start(), "etcd did not start");
    m_client = discoveredClient({m_etcd->clientUrl()}, EtcdClient::Api::V3);
    QVERIFY(m_client);
}

qint64 TestWatchV3::put(const QByteArray &key, const QByteArray &value, quint64 lease)
{
    EtcdV3PutOptions o;
    o.lease = lease;
    const auto r = run<EtcdV3PutResult>(
        [&](QObject *c, auto cb) { return m_client->v3()->put(key, value, o, c, cb); });
    return r.ok() ? r.value.header.revision : -1;
}

qint64 TestWatchV3::currentRevision()
{
    const auto r = run<EtcdV3RangeResult>(
        [&](QObject *c, auto cb) { return m_client->v3()->range("x", {}, c, cb); });
    return r.ok() ? r.value.header.revision : -1;
}

bool TestWatchV3::waitLive(EtcdWatcher &w, int timeoutMs)
{
    return QTest::qWaitFor([&] { return w.state() == State::Live; }, timeoutMs);
}

void TestWatchV3::putUpdateDeleteInOrder()
{
    EtcdWatcher w(m_client.get());
    Recorder rec(&w);
    w.start("/pud/", currentRevision() + 1);
    QCOMPARE(w.api(), EtcdClient::Api::V3);
    QVERIFY(waitLive(w));
    QCOMPARE(rec.states.first(), State::Connecting);

    const qint64 r1 = put("/pud/a", "1");
    const qint64 r2 = put("/pud/a", "2");
    put("/pudx", "outside"); // not under the prefix
    const auto d = run<EtcdV3DeleteResult>([&](QObject *c, auto cb) {
        EtcdV3DeleteOptions o;
        return m_client->v3()->deleteRange("/pud/a", o, c, cb);
    });
    VERIFY_OK(d);
    QTRY_COMPARE(rec.events.size(), 3);
    const EtcdWatchEvent &a = rec.events[0];
    QCOMPARE(a.action, Action::Put);
    QCOMPARE(a.key, QByteArray("/pud/a"));
    QCOMPARE(a.value, QByteArray("1"));
    QVERIFY(!a.prevValue);
    QCOMPARE(a.revision, r1);
    QCOMPARE(a.createRevision, r1);
    QCOMPARE(a.version, 1);
    QVERIFY(a.received.isValid());
    const EtcdWatchEvent &b = rec.events[1];
    QCOMPARE(b.action, Action::Update);
    QCOMPARE(b.value, QByteArray("2"));
    QCOMPARE(b.prevValue.value_or("none"), QByteArray("1"));
    QCOMPARE(b.revision, r2);
    QCOMPARE(b.createRevision, r1);
    QCOMPARE(b.version, 2);
    const EtcdWatchEvent &c = rec.events[2];
    QCOMPARE(c.action, Action::Delete);
    QVERIFY(c.isDelete());
    QVERIFY(c.value.isEmpty());
    QCOMPARE(c.prevValue.value_or("none"), QByteArray("2"));
    QCOMPARE(c.revision, d.value.header.revision);
    QVERIFY(rec.ordered());
    QCOMPARE(w.revision(), d.value.header.revision);
    QCOMPARE(rec.revisions.last(), d.value.header.revision);
    QCOMPARE(w.connectCount(), 1);
}

void TestWatchV3::transactionIsOneBatch()
{
    EtcdWatcher w(m_client.get());
    Recorder rec(&w);
    w.start("/txn/", currentRevision() + 1);
    QVERIFY(waitLive(w));
    put("/txn/b", "old");
    EtcdV3TxnRequest txn;
    txn.success << EtcdV3RequestOp::makePut("/txn/a", "1")
                << EtcdV3RequestOp::makePut("/txn/b", "2")
                << EtcdV3RequestOp::makePut("/txn/c", "3");
    const auto t =
        run<EtcdV3TxnResult>([&](QObject *c, auto cb) { return m_client->v3()->txn(txn, c, cb); });
    VERIFY_OK(t);
    QTRY_COMPARE(rec.events.size(), 4);
    QCOMPARE(rec.batches.size(), 2);
    const QList<EtcdWatchEvent> &batch = rec.batches[1];
    QCOMPARE(batch.size(), 3);
    for (const EtcdWatchEvent &e : batch)
        QCOMPARE(e.revision, t.value.header.revision);
    QCOMPARE(batch[0].key, QByteArray("/txn/a"));
    QCOMPARE(batch[1].action, Action::Update);
    QCOMPARE(batch[1].prevValue.value_or("none"), QByteArray("old"));
    QCOMPARE(batch[2].value, QByteArray("3"));
}

void TestWatchV3::prefixDelete()
{
    for (int i = 0; i < 5; ++i)
        put("/pd/k" + QByteArray::number(i), "v" + QByteArray::number(i));
    EtcdWatcher w(m_client.get());
    Recorder rec(&w);
    w.start("/pd/", currentRevision() + 1);
    QVERIFY(waitLive(w));
    EtcdV3DeleteOptions o;
    o.rangeEnd = EtcdV3Client::prefixRangeEnd("/pd/");
    const auto d = run<EtcdV3DeleteResult>(
        [&](QObject *c, auto cb) { return m_client->v3()->deleteRange("/pd/", o, c, cb); });
    VERIFY_OK(d);
    QTRY_COMPARE(rec.events.size(), 5);
    QCOMPARE(rec.batches.size(), 1);
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(rec.events[i].action, Action::Delete);
        QCOMPARE(rec.events[i].key, "/pd/k" + QByteArray::number(i));
        QCOMPARE(rec.events[i].prevValue.value_or("none"), "v" + QByteArray::number(i));
        QCOMPARE(rec.events[i].revision, d.value.header.revision);
    }
}

void TestWatchV3::leaseExpiry()
{
    const auto g = run<EtcdV3LeaseGrantResult>(
        [&](QObject *c, auto cb) { return m_client->v3()->leaseGrant(1, 0, c, cb); });
    VERIFY_OK(g);
    EtcdWatcher w(m_client.get());
    Recorder rec(&w);
    w.start("/lease/", currentRevision() + 1);
    QVERIFY(waitLive(w));
    put("/lease/k", "v", g.value.id);
    QTRY_COMPARE_WITH_TIMEOUT(rec.events.size(), 2, 15000);
    QCOMPARE(rec.events[0].lease, g.value.id);
    QCOMPARE(rec.events[1].action, Action::Delete);
    QCOMPARE(rec.events[1].key, QByteArray("/lease/k"));
    QCOMPARE(rec.events[1].prevValue.value_or("none"), QByteArray("v"));
}

void TestWatchV3::replayFromOldRevision()
{
    const qint64 first = put("/old/a", "1");
    put("/old/b", "2");
    put("/old/a", "3");
    EtcdWatcher w(m_client.get());
    Recorder rec(&w);
    w.start("/old/", first);
    QTRY_COMPARE(rec.events.size(), 3);
    QCOMPARE(rec.keys(), (QList<QByteArray>{"/old/a", "/old/b", "/old/a"}));
    QCOMPARE(rec.events[0].revision, first);
    QCOMPARE(rec.events[2].prevValue.value_or("none"), QByteArray("1"));
    QVERIFY(rec.ordered());
    const qint64 next = put("/old/c", "4");
    QTRY_COMPARE(rec.events.size(), 4);
    QCOMPARE(rec.events[3].revision, next);
}

void TestWatchV3::fromNow()
{
    put("/now/before", "x");
    const qint64 now = currentRevision();
    EtcdWatcher w(m_client.get());
    Recorder rec(&w);
    QSignalSpy revision(&w, &EtcdWatcher::revisionChanged);
    w.start("/now/", 0);
    QVERIFY(revision.wait(10000));
    QVERIFY(revision.first().first().toLongLong() >= now);
    QCOMPARE(w.state(), State::Live);
    const qint64 r = put("/now/after", "y");
    QTRY_COMPARE(rec.events.size(), 1);
    QCOMPARE(rec.events[0].key, QByteArray("/now/after"));
    QCOMPARE(w.revision(), r);
}

void TestWatchV3::wholeKeyspace()
{
    EtcdWatcher w(m_client.get());
    Recorder rec(&w);
    w.start({}, currentRevision() + 1);
    QVERIFY(waitLive(w));
    put("/any/where", "1");
    put("no-slash", "2");
    QTRY_COMPARE(rec.events.size(), 2);
    QCOMPARE(rec.keys(), (QList<QByteArray>{"/any/where", "no-slash"}));
}

void TestWatchV3::compactedHistoryLost()
{
    const qint64 old = put("/cmp/a", "1");
    put("/cmp/a", "2");
    const qint64 compactAt = put("/cmp/a", "3");
    const auto c = run<EtcdV3Header>(
        [&](QObject *ctx, auto cb) { return m_client->v3()->compact(compactAt, true, ctx, cb); });
    VERIFY_OK(c);

    EtcdWatcher w(m_client.get());
    Recorder rec(&w);
    QSignalSpy lost(&w, &EtcdWatcher::historyLost);
    w.start("/cmp/", old);
    QVERIFY(lost.wait(10000));
    QCOMPARE(lost.first().first().toLongLong(), compactAt);
    QCOMPARE(w.state(), State::Stopped);
    QVERIFY(rec.events.isEmpty());

    // The consumer re-reads and starts again after what it read: it works from a slot too.
    connect(&w, &EtcdWatcher::historyLost, this, [&] { w.start("/cmp/", currentRevision() + 1); });
    w.start("/cmp/", old);
    QTRY_COMPARE(lost.size(), 2);
    QVERIFY(waitLive(w));
    const qint64 r = put("/cmp/b", "x");
    QTRY_COMPARE(rec.events.size(), 1);
    QCOMPARE(rec.events[0].revision, r);
}

void TestWatchV3::progressNotification()
{
    // Writes elsewhere move the store on; the etcd of this test notifies progress every 300 ms.
    EtcdWatcher w(m_client.get());
    Recorder rec(&w);
    w.start("/quiet/", currentRevision() + 1);
    QVERIFY(waitLive(w));
    const qint64 elsewhere = put("/loud/k", "x");
    QTRY_VERIFY_WITH_TIMEOUT(w.revision() >= elsewhere, 10000);
    QVERIFY(rec.events.isEmpty());
    QVERIFY(rec.revisions.last() >= elsewhere);
}

void TestWatchV3::stopDeliversNothing()
{
    EtcdWatcher w(m_client.get());
    Recorder rec(&w);
    w.start("/stop/", currentRevision() + 1);
    QVERIFY(waitLive(w));
    w.stop();
    QCOMPARE(w.state(), State::Stopped);
    const qint64 r = put("/stop/a", "1");
    // A second watcher sees the write: by then the first would have had it too.
    EtcdWatcher other(m_client.get());
    Recorder otherRec(&other);
    other.start("/stop/", r);
    QTRY_COMPARE(otherRec.events.size(), 1);
    QVERIFY(rec.events.isEmpty());
    QCOMPARE(rec.states.last(), State::Stopped);
}

void TestWatchV3::destroyWhileLive()
{
    auto w = std::make_unique<EtcdWatcher>(m_client.get());
    w->start("/destroy/", currentRevision() + 1);
    QVERIFY(waitLive(*w));
    put("/destroy/a", "1");
    w.reset(); // with events possibly on the way: nothing may touch the dead watcher
    put("/destroy/b", "2");
    // Destroyed while connecting, too.
    w = std::make_unique<EtcdWatcher>(m_client.get());
    w->start("/destroy/", 1);
    w.reset();
    QVERIFY(currentRevision() > 0);
}

void TestWatchV3::memberRestart()
{
    EtcdServer server;
    QVERIFY(server.start());
    auto client = discoveredClient({server.clientUrl()}, EtcdClient::Api::V3);
    QVERIFY(client);
    EtcdWatcher w(client.get());
    w.setBackoff(100, 1000);
    Recorder rec(&w);
    w.start("/rs/", 1);
    QVERIFY(waitLive(w));
    QVERIFY(!server.etcdctl({"put", "/rs/1", "before"}).isNull());
    QTRY_COMPARE(rec.events.size(), 1);

    server.stop();
    QTRY_COMPARE_WITH_TIMEOUT(w.state(), State::Reconnecting, 10000);
    QVERIFY(!rec.interruptions.isEmpty());
    QVERIFY(server.start());
    // Written as soon as the member is back, while the watch is most likely still waiting.
    QVERIFY(!server.etcdctl({"put", "/rs/2", "during"}).isNull());
    QVERIFY(waitLive(w));
    QVERIFY(!server.etcdctl({"put", "/rs/3", "after"}).isNull());
    QTRY_COMPARE(rec.events.size(), 3);
    QCOMPARE(rec.keys(), (QList<QByteArray>{"/rs/1", "/rs/2", "/rs/3"}));
    QVERIFY(rec.ordered());
    QVERIFY(w.connectCount() >= 2);
    const int live = int(rec.states.count(State::Live));
    QVERIFY(live >= 2);
    QVERIFY(rec.states.indexOf(State::Reconnecting) < rec.states.lastIndexOf(State::Live));
    QVERIFY(rec.failures.isEmpty());
}

void TestWatchV3::clusterFailover()
{
    EtcdCluster cluster;
    QVERIFY(cluster.start());
    auto client = discoveredClient(cluster.clientUrls(), EtcdClient::Api::V3);
    QVERIFY(client);
    EtcdWatcher w(client.get());
    w.setBackoff(100, 1000);
    Recorder rec(&w);
    w.start("/fo/", 1);
    QVERIFY(waitLive(w));
    const int current = client->transport()->currentEndpointIndex();
    EtcdServer *gone = cluster.member(current);
    EtcdServer *other = cluster.member((current + 1) % 3);
    QVERIFY(!other->etcdctl({"put", "/fo/1", "a"}).isNull());
    QTRY_COMPARE(rec.events.size(), 1);

    gone->stop();
    QVERIFY(!other->etcdctl({"put", "/fo/2", "b"}).isNull());
    QTRY_COMPARE_WITH_TIMEOUT(rec.events.size(), 2, 20000);
    QVERIFY(waitLive(w));
    QVERIFY(!other->etcdctl({"put", "/fo/3", "c"}).isNull());
    QTRY_COMPARE_WITH_TIMEOUT(rec.events.size(), 3, 20000);
    QCOMPARE(rec.keys(), (QList<QByteArray>{"/fo/1", "/fo/2", "/fo/3"}));
    QVERIFY(rec.failures.isEmpty());
}

void TestWatchV3::permissionDenied()
{
    const auto server = startWithAuth(
        QStringLiteral("auth1"),
        {
            {"user", "add", "alice:apw", "--interactive=false"},
            {"role", "add", "alice-role"},
            {"role", "grant-permission", "alice-role", "read", "/al/", "--prefix=true"},
            {"user", "grant-role", "alice", "alice-role"},
        });
    QVERIFY(server);

    auto client = discoveredClient({server->clientUrl()}, EtcdClient::Api::V3, "alice", "apw");
    QVERIFY(client);
    // Allowed: goes live.
    EtcdWatcher allowed(client.get());
    allowed.start("/al/", 0);
    QVERIFY(waitLive(allowed));

    EtcdWatcher w(client.get());
    Recorder rec(&w);
    QSignalSpy failed(&w, &EtcdWatcher::failed);
    w.start("/secret/", 0);
    QVERIFY(failed.wait(10000));
    const EtcdError e = failed.first().first().value<EtcdError>();
    QCOMPARE(e.condition(), EtcdError::Condition::PermissionDenied);
    QVERIFY2(e.message().contains(QLatin1String("permission denied")), qPrintable(e.toString()));
    QCOMPARE(w.state(), State::Failed);
    QCOMPARE(w.lastError().condition(), EtcdError::Condition::PermissionDenied);
    // Given up: no reconnect follows.
    QVERIFY(!QTest::qWaitFor([&] { return w.connectCount() > 1; }, 500));

    // An expired token: refused inside the stream; renewed once and the watch goes on.
    client->transport()->setToken("expired.1");
    EtcdWatcher renewed(client.get());
    Recorder renewedRec(&renewed);
    renewed.start("/al/", 0);
    QVERIFY(waitLive(renewed));
    QVERIFY(client->transport()->token() != "expired.1");
    QVERIFY(renewedRec.failures.isEmpty());
    QVERIFY(!server->etcdctl({"--user", "root:pw", "put", "/al/x", "1"}).isNull());
    QTRY_COMPARE(renewedRec.events.size(), 1);
}

void TestWatchV3::expiredTokenRenewed()
{
    const auto server = startWithAuth(QStringLiteral("auth2"));
    QVERIFY(server);
    auto client = discoveredClient({server->clientUrl()}, EtcdClient::Api::V3, "root", "pw");
    QVERIFY(client);
    EtcdWatcher w(client.get());
    w.setBackoff(100, 1000);
    Recorder rec(&w);
    w.start("/tok/", 1);
    QVERIFY(waitLive(w));
    QVERIFY(!client->transport()->token().isEmpty());
    // The token runs out while the stream is open (a running stream keeps going), and the member
    // restarts: the reconnect is refused inside the stream, renews the token once and resumes.
    // (A restart alone does not do it: etcd replays the authentication from its log.)
    client->transport()->setToken("expired.7");
    const int authentications = client->v3()->authenticationCount();
    server->stop();
    QTRY_COMPARE_WITH_TIMEOUT(w.state(), State::Reconnecting, 10000);
    QVERIFY(server->start());
    QVERIFY(!server->etcdctl({"--user", "root:pw", "put", "/tok/a", "1"}).isNull());
    QVERIFY(waitLive(w));
    QVERIFY(client->transport()->token() != "expired.7");
    // Renewed through the client, which counts it.
    QCOMPARE(client->v3()->authenticationCount(), authentications + 1);
    QVERIFY(!server->etcdctl({"--user", "root:pw", "put", "/tok/b", "2"}).isNull());
    QTRY_COMPARE(rec.events.size(), 2);
    QCOMPARE(rec.keys(), (QList<QByteArray>{"/tok/a", "/tok/b"}));
    QVERIFY(rec.failures.isEmpty());
}

void TestWatchV3::watchAndCallsShareOneRenewal()
{
    const auto server = startWithAuth(QStringLiteral("auth3"));
    QVERIFY(server);
    auto client = discoveredClient({server->clientUrl()}, EtcdClient::Api::V3, "root", "pw");
    QVERIFY(client);
    // A first read gets the token.
    VERIFY_OK(run<EtcdV3RangeResult>(
        [&](QObject *c, auto cb) { return client->v3()->range("/share/k", {}, c, cb); }));
    QVERIFY(!client->transport()->token().isEmpty());
    const int authentications = client->v3()->authenticationCount();

    // The token goes bad for everyone at once: a new watch (refused inside its stream) and
    // several reads (refused with an error answer) go out with it together.
    client->transport()->setToken("expired.9");
    EtcdWatcher w(client.get());
    w.setBackoff(100, 1000);
    Recorder rec(&w);
    w.start("/share/", 0);
    QObject context;
    QList<EtcdResult<EtcdV3RangeResult>> reads;
    for (int i = 0; i < 4; ++i) {
        client->v3()->range("/share/k", {}, &context,
                            [&](const EtcdResult<EtcdV3RangeResult> &r) { reads << r; });
    }
    QTRY_COMPARE(reads.size(), 4);
    for (const auto &r : reads)
        VERIFY_OK(r);
    QVERIFY(waitLive(w));
    QVERIFY(w.connectCount() >= 2); // the first stream was refused
    QVERIFY(client->transport()->token() != "expired.9");
    QCOMPARE(client->v3()->authenticationCount(), authentications + 1);

    QVERIFY(!server->etcdctl({"--user", "root:pw", "put", "/share/k", "1"}).isNull());
    QTRY_COMPARE(rec.events.size(), 1);
    QVERIFY(rec.failures.isEmpty());
    QCOMPARE(client->v3()->authenticationCount(), authentications + 1);
}

QTEST_MAIN(TestWatchV3)
#include "tst_watchv3.moc"
