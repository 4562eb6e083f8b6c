// EtcdV3Client's KV, transactions and compaction against a real etcd, plus the gateway faults a
// real etcd will not produce on demand (fake server).
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "etcdtransport.h"
#include "etcdv3client.h"
#include "fakeserver.h"

#include <QPointer>
#include <QTest>

#include <optional>

Q_DECLARE_METATYPE(EtcdError::Condition)

namespace {

QByteArray hexKey(const QByteArray &key)
{
    return key.toHex(' ');
}

} // namespace

class TestV3Kv : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void keysRoundTrip_data();
    void keysRoundTrip();
    void prefixRangeCarriesOverFf();
    void rangeAllKeysFromZeroByte();
    void rangeLimitMoreCount();
    void rangeCountOnlyKeysOnly();
    void rangeSort_data();
    void rangeSort();
    void rangeSerializableAndRevision();
    void putPrevKvAndVersion();
    void putIgnoreValueAndIgnoreLease();
    void deleteRangeWithPrevKvs();
    void txnCreateIfAbsent();
    void txnCasKeepsLease();
    void txnCompareTargets_data();
    void txnCompareTargets();
    void txnCompareOverRangeAndDelete();
    void compactionAndRevisionErrors();
    void valueSizes_data();
    void valueSizes();
    void emptyKeyIsInvalid();
    void kindsAndOperations();
    void readOnlyRefusesWrites();
    void v3betaPrefixAndMissingApi();
    void cancelledCallNeverCallsBack();
    void gatewayFaults_data();
    void gatewayFaults();

private:
    EtcdResult<EtcdV3PutResult> put(const QByteArray &key, const QByteArray &value,
                                    const EtcdV3PutOptions &o = {});
    EtcdResult<EtcdV3RangeResult> get(const QByteArray &key, const EtcdV3RangeOptions &o = {});
    EtcdResult<EtcdV3TxnResult> txn(const EtcdV3TxnRequest &t);

    EtcdServer m_etcd;
    std::unique_ptr<EtcdTransport> m_transport;
    std::unique_ptr<EtcdV3Client> m_v3;
};

void TestV3Kv::initTestCase()
{
    QVERIFY2(m_etcd.start(), "etcd did not start");
    m_transport = std::make_unique<EtcdTransport>();
    m_transport->setEndpoints({m_etcd.clientUrl()});
    m_transport->setDefaultTimeout(15000); // sanitizers make big values slow
    m_v3 = std::make_unique<EtcdV3Client>(m_transport.get());
}

EtcdResult<EtcdV3PutResult> TestV3Kv::put(const QByteArray &key, const QByteArray &value,
                                          const EtcdV3PutOptions &o)
{
    return run<EtcdV3PutResult>([&](QObject *c, auto cb) { m_v3->put(key, value, o, c, cb); });
}

EtcdResult<EtcdV3RangeResult> TestV3Kv::get(const QByteArray &key, const EtcdV3RangeOptions &o)
{
    return run<EtcdV3RangeResult>([&](QObject *c, auto cb) { m_v3->range(key, o, c, cb); });
}

EtcdResult<EtcdV3TxnResult> TestV3Kv::txn(const EtcdV3TxnRequest &t)
{
    return run<EtcdV3TxnResult>([&](QObject *c, auto cb) { m_v3->txn(t, c, cb); });
}

void TestV3Kv::keysRoundTrip_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::newRow("space") << QByteArray("/rt/a key with spaces");
    QTest::newRow("percent") << QByteArray("/rt/100%25 %zz");
    QTest::newRow("question mark") << QByteArray("/rt/what?x=1&y=2");
    QTest::newRow("hash") << QByteArray("/rt/#anchor#");
    QTest::newRow("plus") << QByteArray("/rt/a+b+");
    QTest::newRow("utf-8") << QByteArray("/rt/ключ/键/🔑");
    QTest::newRow("zero bytes") << QByteArray("/rt/\x00mid\x00", 9);
    QTest::newRow("0xff bytes") << QByteArray("/rt/\xff\xfe\xff");
    QTest::newRow("only 0x00") << QByteArray("\x00", 1);
    QTest::newRow("only 0xff") << QByteArray("\xff\xff");
    QTest::newRow("slashes and dots") << QByteArray("/rt/.././/x/");
}

void TestV3Kv::keysRoundTrip()
{
    QFETCH(QByteArray, key);
    const QByteArray value = "value of " + key + QByteArray("\x00\xff", 2);
    const auto p = put(key, value);
    VERIFY_OK(p);
    QVERIFY(p.value.header.revision > 0);

    const auto exact = get(key);
    VERIFY_OK(exact);
    QCOMPARE(exact.value.kvs.size(), 1);
    QCOMPARE(hexKey(exact.value.kvs[0].key), hexKey(key));
    QCOMPARE(exact.value.kvs[0].value, value);
    QCOMPARE(exact.value.kvs[0].modRevision, p.value.header.revision);
    QCOMPARE(exact.value.count, qint64(1));

    // The key is found by the prefix scan of itself, whatever bytes it ends with.
    EtcdV3RangeOptions prefix;
    prefix.rangeEnd = EtcdV3Client::prefixRangeEnd(key);
    const auto scan = get(key, prefix);
    VERIFY_OK(scan);
    QVERIFY(scan.value.count >= 1);
    QCOMPARE(hexKey(scan.value.kvs.value(0).key), hexKey(key));
}

void TestV3Kv::prefixRangeCarriesOverFf()
{
    const QByteArray base("/carry/p\xff");
    for (const QByteArray &k : {base, base + "\x01", base + "\xff\xff", QByteArray("/carry/p"),
                                QByteArray("/carry/q"), QByteArray("/carry/q\x00", 9)})
        VERIFY_OK(put(k, "v"));
    EtcdV3RangeOptions o;
    o.rangeEnd = EtcdV3Client::prefixRangeEnd(base);
    QCOMPARE(o.rangeEnd, QByteArray("/carry/q"));
    auto r = get(base, o);
    VERIFY_OK(r);
    QCOMPARE(r.value.count, qint64(3));
    QCOMPARE(r.value.kvs[0].key, base);
    QCOMPARE(r.value.kvs[1].key, base + "\x01");
    QCOMPARE(r.value.kvs[2].key, base + "\xff\xff");

    o.rangeEnd = EtcdV3Client::prefixRangeEnd("/carry/");
    r = get("/carry/", o);
    VERIFY_OK(r);
    QCOMPARE(r.value.count, qint64(6));
}

void TestV3Kv::rangeAllKeysFromZeroByte()
{
    VERIFY_OK(put("/all/x", "1"));
    EtcdV3RangeOptions o;
    o.rangeEnd = QByteArray(1, '\0');
    o.countOnly = true;
    const auto all = get(QByteArray(1, '\0'), o);
    VERIFY_OK(all);
    QVERIFY(all.value.count >= 1);
    QVERIFY(all.value.kvs.isEmpty());
}

void TestV3Kv::rangeLimitMoreCount()
{
    for (int i = 0; i < 10; ++i)
        VERIFY_OK(put("/lim/k" + QByteArray::number(i), QByteArray::number(i)));
    EtcdV3RangeOptions o;
    o.rangeEnd = EtcdV3Client::prefixRangeEnd("/lim/");
    o.limit = 3;
    auto r = get("/lim/", o);
    VERIFY_OK(r);
    QCOMPARE(r.value.kvs.size(), 3);
    QVERIFY(r.value.more);
    QCOMPARE(r.value.count, qint64(10));
    QCOMPARE(r.value.kvs[2].key, QByteArray("/lim/k2"));

    o.limit = 10;
    r = get("/lim/", o);
    VERIFY_OK(r);
    QCOMPARE(r.value.kvs.size(), 10);
    QVERIFY(!r.value.more); // absent from the answer: read as false
}

void TestV3Kv::rangeCountOnlyKeysOnly()
{
    for (int i = 0; i < 4; ++i)
        VERIFY_OK(put("/ko/k" + QByteArray::number(i), "some value"));
    EtcdV3RangeOptions o;
    o.rangeEnd = EtcdV3Client::prefixRangeEnd("/ko/");
    o.countOnly = true;
    auto r = get("/ko/", o);
    VERIFY_OK(r);
    QCOMPARE(r.value.count, qint64(4));
    QVERIFY(r.value.kvs.isEmpty());

    o.countOnly = false;
    o.keysOnly = true;
    r = get("/ko/", o);
    VERIFY_OK(r);
    QCOMPARE(r.value.kvs.size(), 4);
    for (const EtcdV3KeyValue &kv : r.value.kvs) {
        QVERIFY(kv.key.startsWith("/ko/k"));
        QVERIFY(kv.value.isEmpty());
        QVERIFY(kv.modRevision > 0);
    }

    // A key that does not exist: an answer without kvs and count, not an error.
    r = get("/ko/absent");
    VERIFY_OK(r);
    QCOMPARE(r.value.count, qint64(0));
    QVERIFY(r.value.kvs.isEmpty());
}

void TestV3Kv::rangeSort_data()
{
    QTest::addColumn<int>("order");
    QTest::addColumn<int>("target");
    QTest::addColumn<QByteArrayList>("expected");
    using O = EtcdV3RangeOptions::SortOrder;
    using T = EtcdV3RangeOptions::SortTarget;
    QTest::newRow("key ascend") << int(O::Ascend) << int(T::Key)
                                << QByteArrayList{"/sort/a", "/sort/b", "/sort/c"};
    QTest::newRow("key descend") << int(O::Descend) << int(T::Key)
                                 << QByteArrayList{"/sort/c", "/sort/b", "/sort/a"};
    QTest::newRow("value descend")
        << int(O::Descend) << int(T::Value) << QByteArrayList{"/sort/a", "/sort/c", "/sort/b"};
    QTest::newRow("create ascend")
        << int(O::Ascend) << int(T::Create) << QByteArrayList{"/sort/b", "/sort/c", "/sort/a"};
    QTest::newRow("mod ascend") << int(O::Ascend) << int(T::Mod)
                                << QByteArrayList{"/sort/a", "/sort/c", "/sort/b"};
    QTest::newRow("version descend")
        << int(O::Descend) << int(T::Version) << QByteArrayList{"/sort/b", "/sort/c", "/sort/a"};
}

void TestV3Kv::rangeSort()
{
    QFETCH(int, order);
    QFETCH(int, target);
    QFETCH(QByteArrayList, expected);
    static bool written = false;
    if (!written) {
        // create order b, c, a; mod order a, c, b; values a=9 b=1 c=5; versions b=3 c=2 a=1.
        VERIFY_OK(put("/sort/b", "1"));
        VERIFY_OK(put("/sort/c", "5"));
        VERIFY_OK(put("/sort/a", "9"));
        VERIFY_OK(put("/sort/c", "5"));
        VERIFY_OK(put("/sort/b", "1"));
        VERIFY_OK(put("/sort/b", "1"));
        written = true;
    }
    EtcdV3RangeOptions o;
    o.rangeEnd = EtcdV3Client::prefixRangeEnd("/sort/");
    o.sortOrder = EtcdV3RangeOptions::SortOrder(order);
    o.sortTarget = EtcdV3RangeOptions::SortTarget(target);
    const auto r = get("/sort/", o);
    VERIFY_OK(r);
    QByteArrayList keys;
    for (const EtcdV3KeyValue &kv : r.value.kvs)
        keys << kv.key;
    QCOMPARE(keys, expected);
}

void TestV3Kv::rangeSerializableAndRevision()
{
    const auto first = put("/rev/k", "old");
    VERIFY_OK(first);
    VERIFY_OK(put("/rev/k", "new"));

    EtcdV3RangeOptions o;
    o.serializable = true;
    auto r = get("/rev/k", o);
    VERIFY_OK(r);
    QCOMPARE(r.value.kvs.value(0).value, QByteArray("new"));

    o = {};
    o.revision = first.value.header.revision;
    r = get("/rev/k", o);
    VERIFY_OK(r);
    QCOMPARE(r.value.kvs.value(0).value, QByteArray("old"));
    QCOMPARE(r.value.kvs.value(0).version, qint64(1));
}

void TestV3Kv::putPrevKvAndVersion()
{
    EtcdV3PutOptions o;
    o.prevKv = true;
    auto p = put("/prev/k", "one", o);
    VERIFY_OK(p);
    QVERIFY(!p.value.prevKv.has_value()); // a new key has no previous value

    p = put("/prev/k", "two", o);
    VERIFY_OK(p);
    QVERIFY(p.value.prevKv.has_value());
    QCOMPARE(p.value.prevKv->value, QByteArray("one"));
    QCOMPARE(p.value.prevKv->version, qint64(1));
    QCOMPARE(p.value.prevKv->key, QByteArray("/prev/k"));

    const auto r = get("/prev/k");
    VERIFY_OK(r);
    QCOMPARE(r.value.kvs.value(0).version, qint64(2));
    QVERIFY(r.value.kvs.value(0).createRevision < r.value.kvs.value(0).modRevision);
}

void TestV3Kv::putIgnoreValueAndIgnoreLease()
{
    const auto lease =
        run<EtcdV3LeaseGrantResult>([&](QObject *c, auto cb) { m_v3->leaseGrant(600, 0, c, cb); });
    VERIFY_OK(lease);
    EtcdV3PutOptions withLease;
    withLease.lease = lease.value.id;
    VERIFY_OK(put("/ign/k", "value", withLease));

    EtcdV3PutOptions keepLease;
    keepLease.ignoreLease = true;
    VERIFY_OK(put("/ign/k", "changed", keepLease));
    auto r = get("/ign/k");
    VERIFY_OK(r);
    QCOMPARE(r.value.kvs.value(0).value, QByteArray("changed"));
    QCOMPARE(r.value.kvs.value(0).lease, lease.value.id);

    EtcdV3PutOptions keepValue;
    keepValue.ignoreValue = true; // and lease 0: drops the lease, keeps the value
    VERIFY_OK(put("/ign/k", QByteArray(), keepValue));
    r = get("/ign/k");
    VERIFY_OK(r);
    QCOMPARE(r.value.kvs.value(0).value, QByteArray("changed"));
    QCOMPARE(r.value.kvs.value(0).lease, quint64(0));

    // A plain put without lease drops it too: the reason CAS saves use ignore_lease.
    VERIFY_OK(put("/ign/k2", "v", withLease));
    VERIFY_OK(put("/ign/k2", "v2"));
    QCOMPARE(get("/ign/k2").value.kvs.value(0).lease, quint64(0));

    // ignore_value on a key that does not exist is an etcd error.
    const auto missing = put("/ign/absent", {}, keepValue);
    QCOMPARE(missing.error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(missing.error.code(), 3);
}

void TestV3Kv::deleteRangeWithPrevKvs()
{
    for (const QByteArray &k : QByteArrayList{"/del/a", "/del/b", "/del/c"})
        VERIFY_OK(put(k, "v" + k.right(1)));
    EtcdV3DeleteOptions one;
    one.prevKv = true;
    auto d = run<EtcdV3DeleteResult>(
        [&](QObject *c, auto cb) { m_v3->deleteRange("/del/a", one, c, cb); });
    VERIFY_OK(d);
    QCOMPARE(d.value.deleted, qint64(1));
    QCOMPARE(d.value.prevKvs.size(), 1);
    QCOMPARE(d.value.prevKvs[0].value, QByteArray("va"));

    EtcdV3DeleteOptions prefix;
    prefix.rangeEnd = EtcdV3Client::prefixRangeEnd("/del/");
    prefix.prevKv = true;
    d = run<EtcdV3DeleteResult>(
        [&](QObject *c, auto cb) { m_v3->deleteRange("/del/", prefix, c, cb); });
    VERIFY_OK(d);
    QCOMPARE(d.value.deleted, qint64(2));
    QCOMPARE(d.value.prevKvs.size(), 2);
    QCOMPARE(d.value.prevKvs[1].key, QByteArray("/del/c"));

    // Nothing left: deleted is absent from the answer, read as 0.
    d = run<EtcdV3DeleteResult>(
        [&](QObject *c, auto cb) { m_v3->deleteRange("/del/", prefix, c, cb); });
    VERIFY_OK(d);
    QCOMPARE(d.value.deleted, qint64(0));
    QVERIFY(d.value.prevKvs.isEmpty());
    QVERIFY(d.value.header.revision > 0);
}

void TestV3Kv::txnCreateIfAbsent()
{
    using R = EtcdV3Compare::Result;
    EtcdV3TxnRequest t;
    t.compare << EtcdV3Compare::version("/cia/k", R::Equal, 0);
    t.success << EtcdV3RequestOp::makePut("/cia/k", "first");
    t.failure << EtcdV3RequestOp::makeRange("/cia/k");

    auto r = txn(t);
    VERIFY_OK(r);
    QVERIFY(r.value.succeeded);
    QCOMPARE(r.value.responses.size(), 1);
    QCOMPARE(r.value.responses[0].type, EtcdV3RequestOp::Type::Put);

    t.success = {EtcdV3RequestOp::makePut("/cia/k", "second")};
    r = txn(t);
    VERIFY_OK(r);
    QVERIFY(!r.value.succeeded);
    QCOMPARE(r.value.responses.size(), 1);
    QCOMPARE(r.value.responses[0].type, EtcdV3RequestOp::Type::Range);
    QCOMPARE(r.value.responses[0].range.kvs.value(0).value, QByteArray("first"));
}

void TestV3Kv::txnCasKeepsLease()
{
    using R = EtcdV3Compare::Result;
    const auto lease =
        run<EtcdV3LeaseGrantResult>([&](QObject *c, auto cb) { m_v3->leaseGrant(600, 0, c, cb); });
    VERIFY_OK(lease);
    EtcdV3PutOptions withLease;
    withLease.lease = lease.value.id;
    const auto created = put("/cas/k", "v1", withLease);
    VERIFY_OK(created);
    const qint64 seen = created.value.header.revision;

    // The save an editor does: compare MOD with what it showed, keep the lease, and on conflict
    // read the current value.
    EtcdV3PutOptions keepLease;
    keepLease.ignoreLease = true;
    EtcdV3TxnRequest save;
    save.compare << EtcdV3Compare::modRevision("/cas/k", R::Equal, seen);
    save.success << EtcdV3RequestOp::makePut("/cas/k", "v2", keepLease);
    save.failure << EtcdV3RequestOp::makeRange("/cas/k");
    auto r = txn(save);
    VERIFY_OK(r);
    QVERIFY(r.value.succeeded);
    auto now = get("/cas/k");
    QCOMPARE(now.value.kvs.value(0).value, QByteArray("v2"));
    QCOMPARE(now.value.kvs.value(0).lease, lease.value.id);

    // The same save again is stale: not applied, the failure branch tells the current state.
    save.success = {EtcdV3RequestOp::makePut("/cas/k", "v3", keepLease)};
    r = txn(save);
    VERIFY_OK(r);
    QVERIFY(!r.value.succeeded);
    const EtcdV3RangeResult &current = r.value.responses.value(0).range;
    QCOMPARE(current.kvs.value(0).value, QByteArray("v2"));
    QCOMPARE(current.kvs.value(0).modRevision, now.value.kvs.value(0).modRevision);
    QCOMPARE(get("/cas/k").value.kvs.value(0).value, QByteArray("v2"));
}

void TestV3Kv::txnCompareTargets_data()
{
    QTest::addColumn<int>("target");
    QTest::addColumn<int>("result");
    QTest::addColumn<qint64>("number"); // relative to the key's own field, see txnCompareTargets
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("succeeded");
    using T = EtcdV3Compare::Target;
    using R = EtcdV3Compare::Result;
    QTest::newRow("value equal") << int(T::Value) << int(R::Equal) << qint64(0) << QByteArray("abc")
                                 << true;
    QTest::newRow("value not equal")
        << int(T::Value) << int(R::NotEqual) << qint64(0) << QByteArray("abc") << false;
    QTest::newRow("value greater")
        << int(T::Value) << int(R::Greater) << qint64(0) << QByteArray("abb") << true;
    QTest::newRow("value less") << int(T::Value) << int(R::Less) << qint64(0) << QByteArray("abd")
                                << true;
    QTest::newRow("version equal")
        << int(T::Version) << int(R::Equal) << qint64(0) << QByteArray() << true;
    QTest::newRow("version greater")
        << int(T::Version) << int(R::Greater) << qint64(0) << QByteArray() << false;
    QTest::newRow("create less") << int(T::Create) << int(R::Less) << qint64(1) << QByteArray()
                                 << true;
    QTest::newRow("create not equal")
        << int(T::Create) << int(R::NotEqual) << qint64(0) << QByteArray() << false;
    QTest::newRow("mod greater") << int(T::Mod) << int(R::Greater) << qint64(-1) << QByteArray()
                                 << true;
    QTest::newRow("mod equal stale")
        << int(T::Mod) << int(R::Equal) << qint64(-1) << QByteArray() << false;
    QTest::newRow("lease equal") << int(T::Lease) << int(R::Equal) << qint64(0) << QByteArray()
                                 << true;
    QTest::newRow("lease not equal")
        << int(T::Lease) << int(R::NotEqual) << qint64(0) << QByteArray() << false;
}

void TestV3Kv::txnCompareTargets()
{
    QFETCH(int, target);
    QFETCH(int, result);
    QFETCH(qint64, number);
    QFETCH(QByteArray, value);
    QFETCH(bool, succeeded);

    VERIFY_OK(put("/cmp/k", "abc"));
    const auto kv = get("/cmp/k").value.kvs.value(0);
    EtcdV3Compare c;
    c.key = "/cmp/k";
    c.target = EtcdV3Compare::Target(target);
    c.result = EtcdV3Compare::Result(result);
    c.value = value;
    switch (c.target) {
    case EtcdV3Compare::Target::Version:
        c.number = kv.version + number;
        break;
    case EtcdV3Compare::Target::Create:
        c.number = kv.createRevision + number;
        break;
    case EtcdV3Compare::Target::Mod:
        c.number = kv.modRevision + number;
        break;
    case EtcdV3Compare::Target::Lease:
        c.number = qint64(kv.lease) + number;
        break;
    case EtcdV3Compare::Target::Value:
        break;
    }
    EtcdV3TxnRequest t;
    t.compare << c;
    t.success << EtcdV3RequestOp::makeRange("/cmp/k");
    t.failure << EtcdV3RequestOp::makeRange("/cmp/k");
    const auto r = txn(t);
    VERIFY_OK(r);
    QCOMPARE(r.value.succeeded, succeeded);
    QCOMPARE(r.value.responses.value(0).range.kvs.value(0).value, QByteArray("abc"));
}

void TestV3Kv::txnCompareOverRangeAndDelete()
{
    using R = EtcdV3Compare::Result;
    for (const QByteArray &k : QByteArrayList{"/cr/a", "/cr/b"})
        VERIFY_OK(put(k, "x"));
    const qint64 now = get("/cr/b").value.header.revision;
    // Every key of the range was modified before `now + 1`: the success branch deletes them all.
    EtcdV3Compare c = EtcdV3Compare::modRevision("/cr/", R::Less, now + 1);
    c.rangeEnd = EtcdV3Client::prefixRangeEnd("/cr/");
    EtcdV3DeleteOptions d;
    d.rangeEnd = c.rangeEnd;
    d.prevKv = true;
    EtcdV3TxnRequest t;
    t.compare << c;
    t.success << EtcdV3RequestOp::makeDelete("/cr/", d) << EtcdV3RequestOp::makePut("/crz", "z");
    auto r = txn(t);
    VERIFY_OK(r);
    QVERIFY(r.value.succeeded);
    QCOMPARE(r.value.responses.size(), 2);
    QCOMPARE(r.value.responses[0].type, EtcdV3RequestOp::Type::DeleteRange);
    QCOMPARE(r.value.responses[0].deleteRange.deleted, qint64(2));
    QCOMPARE(r.value.responses[0].deleteRange.prevKvs.size(), 2);
    QCOMPARE(r.value.responses[1].type, EtcdV3RequestOp::Type::Put);

    // Once a key of the range changed after `now`, the same compare fails.
    VERIFY_OK(put("/cr/a", "again"));
    t.success = {EtcdV3RequestOp::makePut("/cr/never", "x")};
    r = txn(t);
    VERIFY_OK(r);
    QVERIFY(!r.value.succeeded);
    QVERIFY(r.value.responses.isEmpty());
    QCOMPARE(get("/cr/never").value.count, qint64(0));
}

void TestV3Kv::compactionAndRevisionErrors()
{
    const qint64 r1 = put("/compact/k", "1").value.header.revision;
    const qint64 r2 = put("/compact/k", "2").value.header.revision;
    QVERIFY(r1 > 0 && r2 > r1);
    VERIFY_OK(put("/compact/k", "3"));

    auto c = run<EtcdV3Header>([&](QObject *ctx, auto cb) { m_v3->compact(r2, true, ctx, cb); });
    VERIFY_OK(c);
    QVERIFY(c.value.revision > r2);

    EtcdV3RangeOptions o;
    o.revision = r1;
    auto r = get("/compact/k", o);
    QCOMPARE(r.error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(r.error.condition(), EtcdError::Condition::Compacted);
    QCOMPARE(r.error.code(), 11);
    QCOMPARE(r.error.httpStatus(), 400);
    QCOMPARE(r.error.endpoint(), m_etcd.clientUrl());

    o.revision = r2; // the compaction revision itself is still readable
    r = get("/compact/k", o);
    VERIFY_OK(r);
    QCOMPARE(r.value.kvs.value(0).value, QByteArray("2"));

    o.revision = c.value.revision + 1000;
    r = get("/compact/k", o);
    QCOMPARE(r.error.condition(), EtcdError::Condition::FutureRevision);
    QCOMPARE(r.error.code(), 11);

    // Compacting again at an older revision is the compacted error too.
    c = run<EtcdV3Header>([&](QObject *ctx, auto cb) { m_v3->compact(r1, false, ctx, cb); });
    QCOMPARE(c.error.condition(), EtcdError::Condition::Compacted);
    c = run<EtcdV3Header>(
        [&](QObject *ctx, auto cb) { m_v3->compact(r2 + 100000, false, ctx, cb); });
    QCOMPARE(c.error.condition(), EtcdError::Condition::FutureRevision);
}

void TestV3Kv::valueSizes_data()
{
    QTest::addColumn<int>("size");
    QTest::addColumn<bool>("fits");
    QTest::newRow("empty") << 0 << true;
    QTest::newRow("1 MiB") << 1024 * 1024 << true;
    // Over --max-request-bytes (1.5 MiB) etcd refuses it ("request is too large"); over 2 MiB
    // gRPC refuses it before etcd sees it ("received message larger than max").
    QTest::newRow("1.6 MiB") << 1677722 << false;
    QTest::newRow("2 MiB") << 2 * 1024 * 1024 << false;
}

void TestV3Kv::valueSizes()
{
    QFETCH(int, size);
    QFETCH(bool, fits);
    QByteArray value(size, Qt::Uninitialized);
    for (int i = 0; i < size; ++i)
        value[i] = char((i * 7 + i / 251) & 0xff); // every byte value, no repeating pattern
    const QByteArray key = "/big/" + QByteArray::number(size);
    const auto p = put(key, value);
    if (!fits) {
        QCOMPARE(p.error.kind(), EtcdError::Kind::Etcd);
        QCOMPARE(p.error.condition(), EtcdError::Condition::RequestTooLarge);
        QVERIFY2(p.error.message().contains(QLatin1String("larger than the server accepts")),
                 qPrintable(p.error.toString()));
        QVERIFY(!p.error.cause().isEmpty());
        return;
    }
    VERIFY_OK(p);
    const auto r = get(key);
    VERIFY_OK(r);
    QCOMPARE(r.value.kvs.value(0).value.size(), size);
    QVERIFY(r.value.kvs.value(0).value == value);
}

void TestV3Kv::emptyKeyIsInvalid()
{
    const auto p = put(QByteArray(), "v");
    QCOMPARE(p.error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(p.error.code(), 3);
    QCOMPARE(p.error.condition(), EtcdError::Condition::InvalidField);
    QCOMPARE(p.error.httpStatus(), 400);
    QVERIFY(p.error.message().contains(QLatin1String("key is not provided")));
}

void TestV3Kv::kindsAndOperations()
{
    QObject context;
    QPointer<EtcdCall> range = m_v3->range("/x", {}, &context, {});
    QPointer<EtcdCall> put = m_v3->put("/x", "v", {}, &context, {});
    EtcdV3TxnRequest writes;
    writes.success << EtcdV3RequestOp::makePut("/x", "w");
    QPointer<EtcdCall> txn = m_v3->txn(writes, &context, {});
    // A transaction of reads only changes nothing: a read (failover, read-only mode).
    EtcdV3TxnRequest reads;
    reads.success << EtcdV3RequestOp::makeRange("/x");
    QPointer<EtcdCall> readTxn = m_v3->txn(reads, &context, {});
    QCOMPARE(range->request().kind, EtcdHttpRequest::Kind::Read);
    QCOMPARE(range->request().operation, QStringLiteral("v3 range"));
    QCOMPARE(range->request().path, QByteArray("/v3/kv/range"));
    QCOMPARE(range->request().method, QByteArray("POST"));
    QCOMPARE(range->request().auth, EtcdHttpRequest::Auth::Token);
    QCOMPARE(put->request().kind, EtcdHttpRequest::Kind::Write);
    QCOMPARE(put->request().operation, QStringLiteral("v3 put"));
    QCOMPARE(txn->request().kind, EtcdHttpRequest::Kind::Write);
    QCOMPARE(readTxn->request().kind, EtcdHttpRequest::Kind::Read);
    QTRY_VERIFY(!range && !put && !txn && !readTxn); // a call without a callback still finishes
}

void TestV3Kv::readOnlyRefusesWrites()
{
    EtcdTransport transport;
    transport.setEndpoints({m_etcd.clientUrl()});
    transport.setReadOnly(true);
    EtcdV3Client v3(&transport);
    auto p = run<EtcdV3PutResult>([&](QObject *c, auto cb) { v3.put("/ro/k", "v", {}, c, cb); });
    QCOMPARE(p.error.kind(), EtcdError::Kind::ReadOnly);
    QVERIFY(p.error.message().contains(QLatin1String("v3 put")));
    auto r = run<EtcdV3RangeResult>([&](QObject *c, auto cb) { v3.range("/ro/k", {}, c, cb); });
    VERIFY_OK(r);
    QCOMPARE(r.value.count, qint64(0));
}

void TestV3Kv::v3betaPrefixAndMissingApi()
{
    VERIFY_OK(put("/beta/k", "v"));
    EtcdV3Client beta(m_transport.get());
    beta.setApiPrefix("/v3beta"); // 3.4 still serves it
    QCOMPARE(beta.apiPrefix(), QByteArray("/v3beta"));
    auto r = run<EtcdV3RangeResult>([&](QObject *c, auto cb) { beta.range("/beta/k", {}, c, cb); });
    VERIFY_OK(r);
    QCOMPARE(r.value.kvs.value(0).value, QByteArray("v"));

    EtcdV3Client alpha(m_transport.get());
    alpha.setApiPrefix("/v3alpha"); // gone since 3.4
    r = run<EtcdV3RangeResult>([&](QObject *c, auto cb) { alpha.range("/beta/k", {}, c, cb); });
    QCOMPARE(r.error.kind(), EtcdError::Kind::Http);
    QCOMPARE(r.error.condition(), EtcdError::Condition::ApiNotAvailable);
    QCOMPARE(r.error.httpStatus(), 404);
}

void TestV3Kv::cancelledCallNeverCallsBack()
{
    bool called = false;
    QPointer<EtcdCall> call = m_v3->range(
        "/x", {}, this, [&called](const EtcdResult<EtcdV3RangeResult> &) { called = true; });
    call->cancel();
    QTRY_VERIFY(!call);
    // Another call on the same connection completes: the cancelled one would have by now.
    VERIFY_OK(get("/x"));
    QVERIFY(!called);
}

void TestV3Kv::gatewayFaults_data()
{
    QTest::addColumn<QByteArray>("answer");
    QTest::addColumn<int>("kind");
    QTest::addColumn<EtcdError::Condition>("condition");
    using C = EtcdError::Condition;
    QTest::newRow("malformed JSON") << FakeServer::response(200, "{\"kvs\":[{\"key\":")
                                    << int(EtcdError::Kind::Protocol) << C::Other;
    QTest::newRow("not an object")
        << FakeServer::response(200, "[1,2]") << int(EtcdError::Kind::Protocol) << C::Other;
    QTest::newRow("bad base64") << FakeServer::response(200, R"({"kvs":[{"key":"@@"}]})")
                                << int(EtcdError::Kind::Protocol) << C::Other;
    QTest::newRow("html 500") << FakeServer::response(500, "<html>Internal</html>", "text/html")
                              << int(EtcdError::Kind::Http) << C::Other;
    QTest::newRow("404 page not found")
        << FakeServer::response(404, "404 page not found\n", "text/plain")
        << int(EtcdError::Kind::Http) << C::ApiNotAvailable;
    QTest::newRow("503 unavailable")
        << FakeServer::response(503, R"({"error":"etcdserver: no leader","code":14,)"
                                     R"("message":"etcdserver: no leader"})")
        << int(EtcdError::Kind::Etcd) << C::Unavailable;
}

void TestV3Kv::gatewayFaults()
{
    QFETCH(QByteArray, answer);
    QFETCH(int, kind);
    QFETCH(EtcdError::Condition, condition);
    FakeServer fake;
    QVERIFY(fake.listen());
    fake.setHandler([answer](QTcpSocket *socket, const FakeServer::Request &) {
        socket->write(answer);
        socket->disconnectFromHost();
    });
    EtcdTransport transport;
    transport.setEndpoints({fake.url()});
    EtcdV3Client v3(&transport);
    const auto r = run<EtcdV3RangeResult>([&](QObject *c, auto cb) { v3.range("a", {}, c, cb); });
    QCOMPARE(int(r.error.kind()), kind);
    QCOMPARE(r.error.condition(), condition);
    QCOMPARE(r.error.endpoint(), fake.url());
    QVERIFY(r.value.kvs.isEmpty());

    // The truncated answer: the connection closes before Content-Length bytes arrived.
    fake.setHandler(FakeServer::truncated(R"({"kvs":[{"key":"YQ=="}],"count":"1"})", 10));
    const auto t = run<EtcdV3RangeResult>([&](QObject *c, auto cb) { v3.range("a", {}, c, cb); });
    QVERIFY(t.error.kind() == EtcdError::Kind::Network ||
            t.error.kind() == EtcdError::Kind::Protocol);
}

QTEST_GUILESS_MAIN(TestV3Kv)
#include "tst_v3kv.moc"
