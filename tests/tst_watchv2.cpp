// EtcdWatcher over v2 long-polls against a real etcd: every action (set, create, update,
// delete, expire, compareAndSwap, compareAndDelete) in order with its previous value, a directory
// deleted recursively, history replay, watching from now, more than 1,000 missed events
// (history lost), and a member restart.
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "etcdv2client.h"
#include "etcdwatcher.h"
#include "watchtesting.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace watchtesting;
using Action = EtcdWatchEvent::Action;
using State = EtcdWatcher::State;
using KeysResult = EtcdResult<EtcdV2Response>;

class TestWatchV2 : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void everyAction();
    void recursiveDirectoryDelete();
    void replayFromOldIndex();
    void fromNow();
    void rootDirectory();
    void historyLost();
    void memberRestart();

private:
    KeysResult set(const QByteArray &key, const QByteArray &value, EtcdV2SetOptions o = {});
    qint64 currentIndex();

    EtcdServer m_etcd;
    std::unique_ptr<EtcdClient> m_client;
};

void TestWatchV2::initTestCase()
{
    QVERIFY2(m_etcd.start(), "etcd did not start");
    m_client = discoveredClient({m_etcd.clientUrl()}, EtcdClient::Api::V2);
    QVERIFY(m_client);
    QCOMPARE(m_client->apiInUse(), EtcdClient::Api::V2);
}

KeysResult TestWatchV2::set(const QByteArray &key, const QByteArray &value, EtcdV2SetOptions o)
{
    return run<EtcdV2Response>(
        [&](QObject *c, auto cb) { return m_client->v2()->set(key, value, o, c, cb); });
}

qint64 TestWatchV2::currentIndex()
{
    const auto r = run<EtcdV2Response>(
        [&](QObject *c, auto cb) { return m_client->v2()->get("/", {}, c, cb); });
    return r.ok() ? r.value.etcdIndex : -1;
}

void TestWatchV2::everyAction()
{
    EtcdWatcher w(m_client.get());
    w.setV2LiveDelay(50);
    Recorder rec(&w);
    w.start("/act", currentIndex() + 1);
    QCOMPARE(w.api(), EtcdClient::Api::V2);
    QTRY_COMPARE(w.state(), State::Live);

    auto *v2 = m_client->v2();
    VERIFY_OK(set("/act/s", "1"));                           // set
    VERIFY_OK(run<EtcdV2Response>([&](QObject *c, auto cb) { // create
        return v2->create("/act/c", "2", std::nullopt, c, cb);
    }));
    VERIFY_OK(run<EtcdV2Response>([&](QObject *c, auto cb) { // update
        return v2->update("/act/c", "3", std::nullopt, c, cb);
    }));
    EtcdV2SetOptions cas;
    cas.prevValue = QByteArray("1");
    VERIFY_OK(set("/act/s", "4", cas)); // compareAndSwap
    EtcdV2DeleteOptions cad;
    cad.prevValue = QByteArray("4");
    VERIFY_OK(run<EtcdV2Response>( // compareAndDelete
        [&](QObject *c, auto cb) { return v2->remove("/act/s", cad, c, cb); }));
    VERIFY_OK(run<EtcdV2Response>( // delete
        [&](QObject *c, auto cb) { return v2->remove("/act/c", {}, c, cb); }));
    EtcdV2SetOptions ttl;
    ttl.ttl = 1;
    const KeysResult expiring = set("/act/ttl", "5", ttl); // set, expire
    VERIFY_OK(expiring);

    QTRY_COMPARE_WITH_TIMEOUT(rec.events.size(), 8, 20000);
    const QList<Action> actions{Action::Set,
                                Action::Put,
                                Action::Update,
                                Action::CompareAndSwap,
                                Action::CompareAndDelete,
                                Action::Delete,
                                Action::Set,
                                Action::Expire};
    for (int i = 0; i < actions.size(); ++i)
        QCOMPARE(rec.events[i].action, actions[i]);
    QVERIFY(rec.ordered());

    QCOMPARE(rec.events[0].value, QByteArray("1"));
    QVERIFY(!rec.events[0].prevValue);
    QCOMPARE(rec.events[2].prevValue.value_or("none"), QByteArray("2"));
    QCOMPARE(rec.events[3].value, QByteArray("4"));
    QCOMPARE(rec.events[3].prevValue.value_or("none"), QByteArray("1"));
    QVERIFY(rec.events[4].isDelete());
    QCOMPARE(rec.events[4].prevValue.value_or("none"), QByteArray("4"));
    QCOMPARE(rec.events[5].prevValue.value_or("none"), QByteArray("3"));
    QCOMPARE(rec.events[6].ttl, 1);
    QVERIFY(rec.events[6].expiration.isValid());
    QCOMPARE(rec.events[6].revision, expiring.value.node.modifiedIndex);
    QCOMPARE(rec.events[7].key, QByteArray("/act/ttl"));
    QCOMPARE(rec.events[7].prevValue.value_or("none"), QByteArray("5"));
    QVERIFY(rec.events[7].revision > rec.events[6].revision);
    QCOMPARE(w.revision(), rec.events[7].revision);
    // One poll per event: each answer is one batch.
    QCOMPARE(rec.batches.size(), 8);
}

void TestWatchV2::recursiveDirectoryDelete()
{
    VERIFY_OK(set("/rd/d/a", "1"));
    VERIFY_OK(set("/rd/d/b", "2"));
    EtcdWatcher w(m_client.get());
    Recorder rec(&w);
    w.start("/rd", currentIndex() + 1);
    EtcdV2DeleteOptions o;
    o.recursive = true;
    o.dir = true;
    VERIFY_OK(run<EtcdV2Response>(
        [&](QObject *c, auto cb) { return m_client->v2()->remove("/rd/d", o, c, cb); }));
    QTRY_COMPARE(rec.events.size(), 1);
    QCOMPARE(rec.events[0].action, Action::Delete);
    QCOMPARE(rec.events[0].key, QByteArray("/rd/d"));
    QVERIFY(rec.events[0].isDir);
}

void TestWatchV2::replayFromOldIndex()
{
    const KeysResult first = set("/old/a", "1");
    VERIFY_OK(first);
    VERIFY_OK(set("/old/b", "2"));
    VERIFY_OK(set("/other", "x")); // outside the directory
    VERIFY_OK(set("/old/a", "3"));
    EtcdWatcher w(m_client.get());
    Recorder rec(&w);
    w.start("/old", first.value.node.modifiedIndex);
    QTRY_COMPARE(rec.events.size(), 3);
    QCOMPARE(rec.keys(), (QList<QByteArray>{"/old/a", "/old/b", "/old/a"}));
    QCOMPARE(rec.events[2].prevValue.value_or("none"), QByteArray("1"));
}

void TestWatchV2::fromNow()
{
    VERIFY_OK(set("/now/before", "x"));
    EtcdWatcher w(m_client.get());
    Recorder rec(&w);
    QSignalSpy revision(&w, &EtcdWatcher::revisionChanged);
    w.start("/now", 0);
    QVERIFY(revision.wait(10000));
    QVERIFY(w.revision() > 0);
    VERIFY_OK(set("/now/after", "y"));
    QTRY_COMPARE(rec.events.size(), 1);
    QCOMPARE(rec.events[0].key, QByteArray("/now/after"));

    // A directory that does not exist yet is watched too (the index comes from the 404).
    EtcdWatcher missing(m_client.get());
    Recorder missingRec(&missing);
    QSignalSpy missingRevision(&missing, &EtcdWatcher::revisionChanged);
    missing.start("/not-yet", 0);
    QVERIFY(missingRevision.wait(10000));
    VERIFY_OK(set("/not-yet/k", "z"));
    QTRY_COMPARE(missingRec.events.size(), 1);
}

void TestWatchV2::rootDirectory()
{
    EtcdWatcher w(m_client.get());
    Recorder rec(&w);
    w.start({}, currentIndex() + 1);
    VERIFY_OK(set("/root-a", "1"));
    VERIFY_OK(set("/deep/er/b", "2"));
    QTRY_COMPARE(rec.events.size(), 2);
    QCOMPARE(rec.keys(), (QList<QByteArray>{"/root-a", "/deep/er/b"}));
}

void TestWatchV2::historyLost()
{
    const qint64 start = currentIndex() + 1;
    // The store keeps 1,000 events: push the start out.
    const int total = 1050;
    QList<QByteArray> keys;
    for (int i = 0; i < total; ++i)
        keys << "/hl/k" + QByteArray::number(i % 10);
    QVERIFY(setAll(m_client->v2(), keys));

    EtcdWatcher w(m_client.get());
    Recorder rec(&w);
    QSignalSpy lost(&w, &EtcdWatcher::historyLost);
    w.start("/hl", start);
    QVERIFY(lost.wait(10000));
    QVERIFY(lost.first().first().toLongLong() >= start + total - 1);
    QCOMPARE(w.state(), State::Stopped);
    QVERIFY(rec.events.isEmpty());
    // Started again after a re-read: live.
    w.start("/hl", currentIndex() + 1);
    VERIFY_OK(set("/hl/after", "1"));
    QTRY_COMPARE(rec.events.size(), 1);
}

void TestWatchV2::memberRestart()
{
    EtcdServer server;
    QVERIFY(server.start());
    auto client = discoveredClient({server.clientUrl()}, EtcdClient::Api::V2);
    QVERIFY(client);
    EtcdWatcher w(client.get());
    w.setBackoff(100, 1000);
    w.setV2LiveDelay(50);
    Recorder rec(&w);
    w.start("/rs", 1);
    QVERIFY(!server.etcdctlV2({"set", "/rs/1", "before"}).isNull());
    QTRY_COMPARE(rec.events.size(), 1);
    QTRY_COMPARE(w.state(), State::Live);

    server.stop();
    QTRY_COMPARE_WITH_TIMEOUT(w.state(), State::Reconnecting, 10000);
    QVERIFY(server.start());
    QVERIFY(!server.etcdctlV2({"set", "/rs/2", "during"}).isNull());
    QTRY_COMPARE_WITH_TIMEOUT(w.state(), State::Live, 20000);
    QVERIFY(!server.etcdctlV2({"set", "/rs/3", "after"}).isNull());
    QTRY_COMPARE(rec.events.size(), 3);
    QCOMPARE(rec.keys(), (QList<QByteArray>{"/rs/1", "/rs/2", "/rs/3"}));
    QVERIFY(rec.failures.isEmpty());
}

QTEST_MAIN(TestWatchV2)
#include "tst_watchv2.moc"
