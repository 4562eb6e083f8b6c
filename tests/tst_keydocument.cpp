// KeyDocument against a real etcd, v2 and v3: linearizable loads with metadata, saves that are
// always compare-and-swap, the conflict path (two editors, a key deleted meanwhile), a v3 lease
// and a v2 TTL kept by a save, TTL and lease operations, creation, read-only refusal, a 1 MiB
// value and binary bytes saved unchanged.
#include "etcdclient.h"
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "keydocument.h"
#include "leasettlcache.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

namespace {

// The key's bytes as the server holds them now (nullopt: absent), with its metadata.
struct Raw
{
    bool exists = false;
    QByteArray value;
    quint64 lease = 0;
    std::optional<qint64> ttl;
    qint64 modIndex = 0;
};

bool waitSpy(QSignalSpy &spy, int count = 1)
{
    return QTest::qWaitFor([&] { return spy.count() >= count; }, 20000);
}

} // namespace

class TestKeyDocument : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void api_data();
    void load_data() { api_data(); }
    void load();
    void loadMissing_data() { api_data(); }
    void loadMissing();
    void loadExpiringKey_data() { api_data(); }
    void loadExpiringKey();
    void saveIsCompareAndSwap_data() { api_data(); }
    void saveIsCompareAndSwap();
    void twoEditorsConflict_data() { api_data(); }
    void twoEditorsConflict();
    void deletedMeanwhile_data() { api_data(); }
    void deletedMeanwhile();
    void v3LeaseSurvivesSave();
    void v2TtlKeptBySave();
    void v2TtlOperations();
    void v2TtlOperationConflict();
    void v3LeaseOperations();
    void v3LeaseOperationConflict();
    void create_data() { api_data(); }
    void create();
    void readOnlyRefused_data() { api_data(); }
    void readOnlyRefused();
    void largeValue_data() { api_data(); }
    void largeValue();
    void binaryUnchanged_data() { api_data(); }
    void binaryUnchanged();
    void busyAndNothingLoaded();

private:
    EtcdClient *client(bool v2) const { return v2 ? m_v2.get() : m_v3.get(); }
    std::unique_ptr<EtcdClient> makeClient(EtcdClient::Api api, bool readOnly);
    bool put(bool v2, const QByteArray &key, const QByteArray &value,
             std::optional<qint64> ttl = std::nullopt, quint64 lease = 0);
    bool remove(bool v2, const QByteArray &key);
    Raw raw(bool v2, const QByteArray &key);
    quint64 grant(qint64 ttl);
    bool load(KeyDocument &doc, const QByteArray &key);

    EtcdServer m_etcd;
    std::unique_ptr<EtcdClient> m_v2;
    std::unique_ptr<EtcdClient> m_v3;
    // The v3 connection's lease answers: a document reads its lease's TTL from them.
    std::unique_ptr<LeaseTtlCache> m_v3Leases;
    std::unique_ptr<EtcdClient> m_v2ReadOnly;
    std::unique_ptr<EtcdClient> m_v3ReadOnly;
};

std::unique_ptr<EtcdClient> TestKeyDocument::makeClient(EtcdClient::Api api, bool readOnly)
{
    EtcdClient::Options o = clientOptions({m_etcd.clientUrl()});
    o.api = api;
    o.readOnly = readOnly;
    o.timeoutMs = 20000;
    return discoveredClient(o);
}

void TestKeyDocument::initTestCase()
{
    qRegisterMetaType<KeySnapshot>();
    qRegisterMetaType<EtcdError>();
    QVERIFY2(m_etcd.start(), "etcd did not start");
    m_v2 = makeClient(EtcdClient::Api::V2, false);
    m_v3 = makeClient(EtcdClient::Api::V3, false);
    m_v2ReadOnly = makeClient(EtcdClient::Api::V2, true);
    m_v3ReadOnly = makeClient(EtcdClient::Api::V3, true);
    QVERIFY(m_v2 && m_v3 && m_v2ReadOnly && m_v3ReadOnly);
    QCOMPARE(m_v2->apiInUse(), EtcdClient::Api::V2);
    QCOMPARE(m_v3->apiInUse(), EtcdClient::Api::V3);
    m_v3Leases = std::make_unique<LeaseTtlCache>();
    m_v3Leases->setClient(m_v3.get());
}

void TestKeyDocument::api_data()
{
    QTest::addColumn<bool>("v2");
    QTest::newRow("v2") << true;
    QTest::newRow("v3") << false;
}

bool TestKeyDocument::put(bool v2, const QByteArray &key, const QByteArray &value,
                          std::optional<qint64> ttl, quint64 lease)
{
    return writeKey(client(v2), key, value, ttl, lease) > 0;
}

bool TestKeyDocument::remove(bool v2, const QByteArray &key)
{
    if (v2) {
        return await<EtcdV2Response>([&](auto cb) { return m_v2->v2()->remove(key, {}, this, cb); })
            .ok();
    }
    return await<EtcdV3DeleteResult>(
               [&](auto cb) { return m_v3->v3()->deleteRange(key, {}, this, cb); })
        .ok();
}

Raw TestKeyDocument::raw(bool v2, const QByteArray &key)
{
    Raw out;
    if (v2) {
        EtcdV2GetOptions o;
        o.quorum = true;
        const auto r =
            await<EtcdV2Response>([&](auto cb) { return m_v2->v2()->get(key, o, this, cb); });
        if (r.ok()) {
            out.exists = true;
            out.value = r.value.node.value;
            out.ttl = r.value.node.ttl;
            out.modIndex = r.value.node.modifiedIndex;
        }
        return out;
    }
    const auto r =
        await<EtcdV3RangeResult>([&](auto cb) { return m_v3->v3()->range(key, {}, this, cb); });
    if (r.ok() && !r.value.kvs.isEmpty()) {
        out.exists = true;
        out.value = r.value.kvs.first().value;
        out.lease = r.value.kvs.first().lease;
        out.modIndex = r.value.kvs.first().modRevision;
    }
    return out;
}

quint64 TestKeyDocument::grant(qint64 ttl)
{
    const auto r = await<EtcdV3LeaseGrantResult>(
        [&](auto cb) { return m_v3->v3()->leaseGrant(ttl, 0, this, cb); });
    return r.ok() ? r.value.id : 0;
}

bool TestKeyDocument::load(KeyDocument &doc, const QByteArray &key)
{
    QSignalSpy loaded(&doc, &KeyDocument::loaded);
    QSignalSpy failed(&doc, &KeyDocument::loadFailed);
    doc.load(key);
    return QTest::qWaitFor([&] { return loaded.count() + failed.count() > 0; }, 20000) &&
           loaded.count() == 1 && !doc.isBusy();
}

void TestKeyDocument::load()
{
    QFETCH(bool, v2);
    const QByteArray key = "/doc/load";
    QVERIFY(put(v2, key, "one"));
    QVERIFY(put(v2, key, "two"));
    KeyDocument doc(client(v2));
    QVERIFY(load(doc, key));
    const KeySnapshot &s = doc.snapshot();
    QVERIFY(s.exists);
    QCOMPARE(s.key, key);
    QCOMPARE(s.value, QByteArray("two"));
    QCOMPARE(s.v2, v2);
    QVERIFY(s.storeRevision >= s.modIndex());
    QCOMPARE(s.modIndex(), raw(v2, key).modIndex);
    if (v2) {
        QVERIFY(s.createdIndex > 0);
        QVERIFY(s.modifiedIndex >= s.createdIndex); // a v2 set replaces the node
        QVERIFY(!s.ttl);
    } else {
        QVERIFY(s.createRevision > 0);
        QVERIFY(s.modRevision > s.createRevision);
        QCOMPARE(s.version, 2);
        QCOMPARE(s.lease, 0u);
    }
    QVERIFY(!s.secondsLeft());
    QVERIFY(!s.expiresAt().isValid());
}

void TestKeyDocument::loadMissing()
{
    QFETCH(bool, v2);
    KeyDocument doc(client(v2));
    QSignalSpy failed(&doc, &KeyDocument::loadFailed);
    doc.load("/doc/never-there");
    QVERIFY(waitSpy(failed));
    const auto error = failed.first().first().value<EtcdError>();
    QVERIFY2(error.is(EtcdError::Condition::KeyNotFound), qPrintable(error.toString()));
    QVERIFY(!doc.isLoaded());
    QVERIFY(!doc.save("x")); // nothing to compare against
}

void TestKeyDocument::loadExpiringKey()
{
    QFETCH(bool, v2);
    const QByteArray key = "/doc/expiring";
    if (v2) {
        QVERIFY(put(true, key, "v", 300));
    } else {
        const quint64 lease = grant(300);
        QVERIFY(lease);
        QVERIFY(put(false, key, "v", std::nullopt, lease));
    }
    KeyDocument doc(client(v2));
    if (!v2)
        doc.setLeaseCache(m_v3Leases.get());
    QVERIFY(load(doc, key));
    const KeySnapshot &s = doc.snapshot();
    if (v2) {
        QVERIFY(s.ttl && *s.ttl > 290 && *s.ttl <= 300);
        QVERIFY(s.expiration.isValid());
    } else {
        QVERIFY(s.lease != 0);
        QVERIFY(s.leaseTtl && *s.leaseTtl > 290 && *s.leaseTtl <= 300);
        QCOMPARE(s.leaseGrantedTtl, 300);
    }
    QVERIFY(s.deadline.isValid());
    const qint64 left = s.secondsLeft().value_or(-1);
    QVERIFY2(left > 290 && left <= 300, qPrintable(QString::number(left)));
    QCOMPARE(s.secondsLeft(QDateTime::currentDateTimeUtc().addSecs(400)), 0);
}

void TestKeyDocument::saveIsCompareAndSwap()
{
    QFETCH(bool, v2);
    const QByteArray key = "/doc/save";
    QVERIFY(put(v2, key, "before"));
    KeyDocument doc(client(v2));
    QVERIFY(load(doc, key));
    const qint64 before = doc.snapshot().modIndex();
    QSignalSpy saved(&doc, &KeyDocument::saved);
    QVERIFY(doc.save("after"));
    QVERIFY(doc.isBusy());
    QVERIFY(!doc.save("twice")); // one operation at a time
    QVERIFY(waitSpy(saved));
    QVERIFY(!doc.isBusy());
    const Raw now = raw(v2, key);
    QCOMPARE(now.value, QByteArray("after"));
    QCOMPARE(doc.snapshot().value, QByteArray("after"));
    QVERIFY(doc.snapshot().modIndex() > before);
    QCOMPARE(doc.snapshot().modIndex(), now.modIndex);
    QCOMPARE(saved.first().first().value<KeySnapshot>().modIndex(), now.modIndex);
    if (!v2)
        QCOMPARE(doc.snapshot().version, 2);

    // A second save compares against what the first one wrote.
    QVERIFY(doc.save("again"));
    QVERIFY(waitSpy(saved, 2));
    QCOMPARE(raw(v2, key).value, QByteArray("again"));
}

void TestKeyDocument::twoEditorsConflict()
{
    QFETCH(bool, v2);
    const QByteArray key = "/doc/conflict";
    QVERIFY(put(v2, key, "original"));
    KeyDocument a(client(v2));
    KeyDocument b(client(v2));
    QVERIFY(load(a, key));
    QVERIFY(load(b, key));

    QSignalSpy aSaved(&a, &KeyDocument::saved);
    QVERIFY(a.save("from A"));
    QVERIFY(waitSpy(aSaved));

    QSignalSpy bSaved(&b, &KeyDocument::saved);
    QSignalSpy bConflict(&b, &KeyDocument::saveConflict);
    QSignalSpy bFailed(&b, &KeyDocument::saveFailed);
    QVERIFY(b.save("from B"));
    QVERIFY(waitSpy(bConflict));
    QCOMPARE(bSaved.count(), 0);
    QCOMPARE(bFailed.count(), 0);
    const auto current = bConflict.first().first().value<KeySnapshot>();
    // B sees A's value before anything is overwritten; A's value is still on the server.
    QVERIFY(current.exists);
    QCOMPARE(current.value, QByteArray("from A"));
    QCOMPARE(current.modIndex(), a.snapshot().modIndex());
    QVERIFY(b.hasConflict());
    QCOMPARE(b.conflictSnapshot().value, QByteArray("from A"));
    QCOMPARE(raw(v2, key).value, QByteArray("from A"));
    // The document's own snapshot is still what B loaded: a plain save conflicts again.
    QCOMPARE(b.snapshot().value, QByteArray("original"));

    // Overwrite: a new compare-and-swap against the revision B has now seen.
    QVERIFY(b.overwrite("from B"));
    QVERIFY(waitSpy(bSaved));
    QCOMPARE(raw(v2, key).value, QByteArray("from B"));
    QVERIFY(!b.hasConflict());

    // A, still on its old revision, now gets the conflict with B's value.
    QSignalSpy aConflict(&a, &KeyDocument::saveConflict);
    QVERIFY(a.save("A again"));
    QVERIFY(waitSpy(aConflict));
    QCOMPARE(aConflict.first().first().value<KeySnapshot>().value, QByteArray("from B"));

    // A third client changes the key between A's conflict and A's overwrite: the overwrite is
    // itself compare-and-swap and conflicts again instead of writing blindly.
    QVERIFY(put(v2, key, "from C"));
    QVERIFY(a.overwrite("A again"));
    QVERIFY(waitSpy(aConflict, 2));
    QCOMPARE(aConflict.at(1).first().value<KeySnapshot>().value, QByteArray("from C"));
    QCOMPARE(raw(v2, key).value, QByteArray("from C"));
}

void TestKeyDocument::deletedMeanwhile()
{
    QFETCH(bool, v2);
    const QByteArray key = "/doc/deleted";
    QVERIFY(put(v2, key, "here"));
    KeyDocument doc(client(v2));
    QVERIFY(load(doc, key));
    QVERIFY(remove(v2, key));

    QSignalSpy conflict(&doc, &KeyDocument::saveConflict);
    QSignalSpy saved(&doc, &KeyDocument::saved);
    QVERIFY(doc.save("mine"));
    QVERIFY(waitSpy(conflict));
    const auto current = conflict.first().first().value<KeySnapshot>();
    QVERIFY(!current.exists);
    QCOMPARE(current.key, key);
    QVERIFY(KeyDocument::conflictError(current).is(EtcdError::Condition::KeyNotFound));
    QVERIFY(!raw(v2, key).exists);

    // Overwriting a deleted key creates it again, only while it is still absent.
    QVERIFY(doc.overwrite("mine"));
    QVERIFY(waitSpy(saved));
    QCOMPARE(raw(v2, key).value, QByteArray("mine"));
    QVERIFY(doc.snapshot().exists);
    if (!v2)
        QCOMPARE(doc.snapshot().version, 1);

    // Deleted, conflict, then re-created by someone else before the overwrite: conflict again.
    QVERIFY(remove(v2, key));
    QVERIFY(doc.save("second"));
    QVERIFY(waitSpy(conflict, 2));
    QVERIFY(!conflict.at(1).first().value<KeySnapshot>().exists);
    QVERIFY(put(v2, key, "someone else"));
    QVERIFY(doc.overwrite("second"));
    QVERIFY(waitSpy(conflict, 3));
    QCOMPARE(conflict.at(2).first().value<KeySnapshot>().value, QByteArray("someone else"));
    QCOMPARE(raw(v2, key).value, QByteArray("someone else"));
}

void TestKeyDocument::v3LeaseSurvivesSave()
{
    const QByteArray key = "/doc/leased";
    const quint64 lease = grant(600);
    QVERIFY(lease);
    QVERIFY(put(false, key, "v1", std::nullopt, lease));
    KeyDocument doc(m_v3.get());
    doc.setLeaseCache(m_v3Leases.get());
    QVERIFY(load(doc, key));
    QCOMPARE(doc.snapshot().lease, lease);
    QSignalSpy saved(&doc, &KeyDocument::saved);
    QVERIFY(doc.save("v2"));
    QVERIFY(waitSpy(saved));
    const Raw now = raw(false, key);
    QCOMPARE(now.value, QByteArray("v2"));
    QCOMPARE(now.lease, lease);
    QCOMPARE(doc.snapshot().lease, lease);
    QVERIFY(doc.snapshot().deadline.isValid()); // the countdown goes on
    // The lease still holds the key (what etcdctl would show).
    const auto ttl = await<EtcdV3LeaseTimeToLiveResult>(
        [&](auto cb) { return m_v3->v3()->leaseTimeToLive(lease, true, this, cb); });
    VERIFY_OK(ttl);
    QVERIFY(ttl.value.keys.contains(key));
}

void TestKeyDocument::v2TtlKeptBySave()
{
    const QByteArray key = "/doc/ttl";
    QVERIFY(put(true, key, "v1", 600));
    KeyDocument doc(m_v2.get());
    QVERIFY(load(doc, key));
    QSignalSpy saved(&doc, &KeyDocument::saved);
    QVERIFY(doc.save("v2"));
    QVERIFY(waitSpy(saved));
    const Raw now = raw(true, key);
    QCOMPARE(now.value, QByteArray("v2"));
    // A v2 set without ttl would have made the key permanent.
    QVERIFY(now.ttl);
    QVERIFY2(*now.ttl > 590 && *now.ttl <= 600, qPrintable(QString::number(*now.ttl)));
    QVERIFY(doc.snapshot().ttl);
}

void TestKeyDocument::v2TtlOperations()
{
    const QByteArray key = "/doc/ttlops";
    QVERIFY(put(true, key, "keep me"));
    KeyDocument doc(m_v2.get());
    QVERIFY(load(doc, key));
    QSignalSpy changed(&doc, &KeyDocument::metadataChanged);
    QSignalSpy failed(&doc, &KeyDocument::metadataChangeFailed);

    QVERIFY(doc.setTtl(100));
    QVERIFY(waitSpy(changed));
    Raw now = raw(true, key);
    QCOMPARE(now.value, QByteArray("keep me"));
    QVERIFY(now.ttl && *now.ttl > 90 && *now.ttl <= 100);
    QVERIFY(doc.snapshot().ttl);

    const qint64 beforeRefresh = doc.snapshot().modifiedIndex;
    QVERIFY(doc.refreshTtl(500));
    QVERIFY(waitSpy(changed, 2));
    now = raw(true, key);
    QCOMPARE(now.value, QByteArray("keep me"));
    QVERIFY(now.ttl && *now.ttl > 490 && *now.ttl <= 500);
    QCOMPARE(doc.snapshot().modifiedIndex, now.modIndex);
    QVERIFY(now.modIndex >= beforeRefresh);

    QVERIFY(doc.removeTtl());
    QVERIFY(waitSpy(changed, 3));
    now = raw(true, key);
    QCOMPARE(now.value, QByteArray("keep me"));
    QVERIFY(!now.ttl);
    QVERIFY(!doc.snapshot().ttl);
    QVERIFY(!doc.snapshot().deadline.isValid());
    QCOMPARE(failed.count(), 0);
    QCOMPARE(changed.at(0).first().value<KeyDocument::Operation>(), KeyDocument::Operation::SetTtl);
    QCOMPARE(changed.at(2).first().value<KeyDocument::Operation>(),
             KeyDocument::Operation::RemoveTtl);

    // TTL operations do not exist in v3; lease operations not in v2.
    QVERIFY(!doc.attachNewLease(10));
    QVERIFY(!doc.detachLease());
}

void TestKeyDocument::v2TtlOperationConflict()
{
    const QByteArray key = "/doc/ttlconflict";
    QVERIFY(put(true, key, "mine"));
    KeyDocument doc(m_v2.get());
    QVERIFY(load(doc, key));
    QVERIFY(put(true, key, "theirs"));
    QSignalSpy failed(&doc, &KeyDocument::metadataChangeFailed);
    QVERIFY(doc.setTtl(100));
    QVERIFY(waitSpy(failed));
    const auto error = failed.first().at(1).value<EtcdError>();
    QVERIFY2(error.is(EtcdError::Condition::CompareFailed), qPrintable(error.toString()));
    const Raw now = raw(true, key);
    QCOMPARE(now.value, QByteArray("theirs")); // the old value was not written back
    QVERIFY(!now.ttl);
    QCOMPARE(doc.conflictSnapshot().value, QByteArray("theirs"));
}

void TestKeyDocument::v3LeaseOperations()
{
    const QByteArray key = "/doc/leaseops";
    QVERIFY(put(false, key, "keep me"));
    KeyDocument doc(m_v3.get());
    QVERIFY(load(doc, key));
    QSignalSpy changed(&doc, &KeyDocument::metadataChanged);

    QVERIFY(doc.attachNewLease(120));
    QVERIFY(waitSpy(changed));
    Raw now = raw(false, key);
    QCOMPARE(now.value, QByteArray("keep me"));
    QVERIFY(now.lease != 0);
    QCOMPARE(doc.snapshot().lease, now.lease);
    QCOMPARE(doc.snapshot().modRevision, now.modIndex);
    QVERIFY(doc.snapshot().secondsLeft().value_or(0) > 110);

    // A save keeps the new lease.
    QSignalSpy saved(&doc, &KeyDocument::saved);
    QVERIFY(doc.save("edited"));
    QVERIFY(waitSpy(saved, 1));
    QCOMPARE(raw(false, key).lease, now.lease);

    QVERIFY(doc.detachLease());
    QVERIFY(waitSpy(changed, 2));
    now = raw(false, key);
    QCOMPARE(now.value, QByteArray("edited"));
    QCOMPARE(now.lease, 0u);
    QCOMPARE(doc.snapshot().lease, 0u);
    QVERIFY(!doc.snapshot().secondsLeft());
    QVERIFY(!doc.setTtl(10));
}

void TestKeyDocument::v3LeaseOperationConflict()
{
    const QByteArray key = "/doc/leaseconflict";
    QVERIFY(put(false, key, "mine"));
    KeyDocument doc(m_v3.get());
    QVERIFY(load(doc, key));
    QVERIFY(put(false, key, "theirs"));
    const auto before =
        await<EtcdV3LeaseListResult>([&](auto cb) { return m_v3->v3()->leases(this, cb); });
    VERIFY_OK(before);
    QSignalSpy failed(&doc, &KeyDocument::metadataChangeFailed);
    QVERIFY(doc.attachNewLease(120));
    QVERIFY(waitSpy(failed));
    QVERIFY(failed.first().at(1).value<EtcdError>().is(EtcdError::Condition::CompareFailed));
    QCOMPARE(raw(false, key).lease, 0u);
    // The lease granted for nothing is revoked again.
    QTRY_COMPARE_WITH_TIMEOUT(await<EtcdV3LeaseListResult>([&](auto cb) {
                                  return m_v3->v3()->leases(this, cb);
                              }).value.leases.size(),
                              before.value.leases.size(), 10000);
}

void TestKeyDocument::create()
{
    QFETCH(bool, v2);
    const QByteArray key = v2 ? "/doc/created-v2" : "/doc/created-v3";
    std::optional<EtcdResult<KeySnapshot>> result;
    auto callback = [&result](const EtcdResult<KeySnapshot> &r) {
        result = r;
    };

    KeyDocument::create(client(v2), key, "new", {}, this, callback);
    QVERIFY(!result); // never inside the call
    QVERIFY(QTest::qWaitFor([&] { return result.has_value(); }, 20000));
    VERIFY_OK(*result);
    QCOMPARE(result->value.value, QByteArray("new"));
    QCOMPARE(result->value.modIndex(), raw(v2, key).modIndex);

    result.reset();
    KeyDocument::create(client(v2), key, "again", {}, this, callback);
    QVERIFY(QTest::qWaitFor([&] { return result.has_value(); }, 20000));
    QVERIFY2(result->error.is(EtcdError::Condition::KeyExists),
             qPrintable(result->error.toString()));
    QCOMPARE(raw(v2, key).value, QByteArray("new"));

    // With a TTL: v2 sets it, v3 grants a lease and attaches it.
    const QByteArray expiring = key + "-ttl";
    KeyCreateOptions options;
    options.ttl = 200;
    result.reset();
    KeyDocument::create(client(v2), expiring, "short-lived", options, this, callback);
    QVERIFY(QTest::qWaitFor([&] { return result.has_value(); }, 20000));
    VERIFY_OK(*result);
    const Raw now = raw(v2, expiring);
    QCOMPARE(now.value, QByteArray("short-lived"));
    if (v2) {
        QVERIFY(now.ttl && *now.ttl > 190);
    } else {
        QVERIFY(now.lease != 0);
        QCOMPARE(result->value.lease, now.lease);
    }
    QVERIFY(result->value.secondsLeft().value_or(0) > 190);
}

void TestKeyDocument::readOnlyRefused()
{
    QFETCH(bool, v2);
    const QByteArray key = "/doc/readonly";
    QVERIFY(put(v2, key, "safe"));
    KeyDocument doc(v2 ? m_v2ReadOnly.get() : m_v3ReadOnly.get());
    QVERIFY(load(doc, key)); // reading is fine
    QSignalSpy failed(&doc, &KeyDocument::saveFailed);
    QVERIFY(doc.save("unsafe"));
    QVERIFY(waitSpy(failed));
    QCOMPARE(failed.first().first().value<EtcdError>().kind(), EtcdError::Kind::ReadOnly);
    QCOMPARE(raw(v2, key).value, QByteArray("safe"));
}

void TestKeyDocument::largeValue()
{
    QFETCH(bool, v2);
    const QByteArray key = "/doc/large";
    QByteArray big;
    big.reserve(1024 * 1024);
    for (int line = 0; big.size() < 1024 * 1024; ++line)
        big += "line " + QByteArray::number(line).rightJustified(8, '0') + " of a large value\n";
    big.truncate(1024 * 1024);
    QVERIFY(put(v2, key, big));
    KeyDocument doc(client(v2));
    QVERIFY(load(doc, key));
    QCOMPARE(doc.snapshot().value.size(), big.size());
    QCOMPARE(doc.snapshot().value, big);
    QByteArray edited = big;
    edited.replace(0, 4, "LINE");
    QSignalSpy saved(&doc, &KeyDocument::saved);
    QVERIFY(doc.save(edited));
    QVERIFY(waitSpy(saved));
    QCOMPARE(raw(v2, key).value, edited);
}

void TestKeyDocument::binaryUnchanged()
{
    QFETCH(bool, v2);
    const QByteArray key = "/doc/binary";
    // v2 carries values as JSON strings: bytes that are not UTF-8 come back as U+FFFD, so v2
    // gets every byte that survives JSON (all of 0x00-0x7f, control bytes included).
    QByteArray value;
    for (int i = 0; i < (v2 ? 128 : 256); ++i)
        value += char(i);
    value += value;
    QVERIFY(put(v2, key, value));
    KeyDocument doc(client(v2));
    QVERIFY(load(doc, key));
    QCOMPARE(doc.snapshot().value, value);
    QSignalSpy saved(&doc, &KeyDocument::saved);
    QVERIFY(doc.save(doc.snapshot().value));
    QVERIFY(waitSpy(saved));
    QCOMPARE(raw(v2, key).value, value);
    if (!v2) {
        // etcdctl sees the same bytes (base64 in its JSON output).
        const QString out = m_etcd.etcdctl({QStringLiteral("get"), QString::fromUtf8(key),
                                            QStringLiteral("-w"), QStringLiteral("json")});
        QVERIFY(!out.isNull());
        const QJsonObject kv = QJsonDocument::fromJson(out.toUtf8())
                                   .object()
                                   .value(QLatin1String("kvs"))
                                   .toArray()
                                   .first()
                                   .toObject();
        QCOMPARE(QByteArray::fromBase64(kv.value(QLatin1String("value")).toString().toLatin1()),
                 value);
    }
}

void TestKeyDocument::busyAndNothingLoaded()
{
    KeyDocument doc(m_v3.get());
    QVERIFY(!doc.save("x"));
    QVERIFY(!doc.overwrite("x")); // no conflict seen
    QVERIFY(!doc.attachNewLease(10));
    QVERIFY(!doc.isBusy());
    // A second load drops the answer to the first.
    QVERIFY(put(false, "/doc/first", "1"));
    QVERIFY(put(false, "/doc/second", "2"));
    QSignalSpy loaded(&doc, &KeyDocument::loaded);
    doc.load("/doc/first");
    doc.load("/doc/second");
    QVERIFY(waitSpy(loaded));
    QCOMPARE(loaded.count(), 1);
    QCOMPARE(doc.key(), QByteArray("/doc/second"));
    QCOMPARE(doc.snapshot().value, QByteArray("2"));
    doc.clear();
    QVERIFY(!doc.isLoaded());
    QVERIFY(doc.key().isEmpty());
}

QTEST_GUILESS_MAIN(TestKeyDocument)
#include "tst_keydocument.moc"
