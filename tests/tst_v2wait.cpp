// EtcdV2Client's long-poll (GET ?wait=true) against a real etcd: it stays open until a write,
// starts from a past index, follows a directory recursively, reports expiry, can be cancelled,
// and reports the event index cleared (401) once the 1000-event history has moved on.
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "etcdtransport.h"
#include "etcdv2client.h"

#include <QPointer>
#include <QTest>

#include <memory>

using KeysResult = EtcdResult<EtcdV2Response>;
using Cond = EtcdError::Condition;

class TestV2Wait : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void waitReturnsOnWrite();
    void waitFromIndexAndRecursive();
    void waitCancelled();
    void ttlExpires();
    void eventIndexCleared();

private:
    KeysResult get(const QByteArray &key);
    KeysResult set(const QByteArray &key, const QByteArray &value, EtcdV2SetOptions options = {});
    KeysResult remove(const QByteArray &key);

    EtcdServer m_etcd;
    std::unique_ptr<EtcdTransport> m_transport;
    std::unique_ptr<EtcdV2Client> m_client;
};

void TestV2Wait::initTestCase()
{
    QVERIFY2(m_etcd.start(), "etcd did not start");
    m_transport = std::make_unique<EtcdTransport>();
    m_transport->setEndpoints({m_etcd.clientUrl()});
    m_client = std::make_unique<EtcdV2Client>(m_transport.get());
}

KeysResult TestV2Wait::get(const QByteArray &key)
{
    return await<EtcdV2Response>([&](auto cb) { return m_client->get(key, {}, this, cb); });
}

KeysResult TestV2Wait::set(const QByteArray &key, const QByteArray &value, EtcdV2SetOptions options)
{
    return await<EtcdV2Response>(
        [&](auto cb) { return m_client->set(key, value, options, this, cb); });
}

KeysResult TestV2Wait::remove(const QByteArray &key)
{
    return await<EtcdV2Response>([&](auto cb) { return m_client->remove(key, {}, this, cb); });
}

void TestV2Wait::waitReturnsOnWrite()
{
    VERIFY_OK(set("/w/a", "before"));
    std::optional<KeysResult> got;
    QPointer<EtcdCall> call =
        m_client->wait("/w/a", {}, this, [&](const KeysResult &r) { got = r; });
    QVERIFY(call);
    QCOMPARE(call->timeout(), 0);
    // The poll stays open while nothing happens (longer than the default timeout would allow).
    QVERIFY(!QTest::qWaitFor([&] { return got.has_value(); }, 300));
    VERIFY_OK(set("/w/a", "after"));
    QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 10000);
    VERIFY_OK(*got);
    QCOMPARE(got->value.action, QStringLiteral("set"));
    QCOMPARE(got->value.node.value, QByteArray("after"));
    QCOMPARE(got->value.prevNode->value, QByteArray("before"));
    QVERIFY(got->value.etcdIndex > 0);
}

void TestV2Wait::waitFromIndexAndRecursive()
{
    KeysResult first = set("/wi/d/a", "1");
    VERIFY_OK(first);
    VERIFY_OK(set("/wi/d/b", "2"));

    // An index in the past answers at once with the event at that index.
    EtcdV2WaitOptions options;
    options.recursive = true;
    options.waitIndex = first.value.node.modifiedIndex;
    KeysResult r =
        await<EtcdV2Response>([&](auto cb) { return m_client->wait("/wi/d", options, this, cb); });
    VERIFY_OK(r);
    QCOMPARE(r.value.node.key, QByteArray("/wi/d/a"));
    QCOMPARE(r.value.node.modifiedIndex, first.value.node.modifiedIndex);

    // Recursive: a change below the directory wakes it; a delete carries the action.
    options.waitIndex.reset();
    std::optional<KeysResult> got;
    m_client->wait("/wi/d", options, this, [&](const KeysResult &res) { got = res; });
    QVERIFY(!QTest::qWaitFor([&] { return got.has_value(); }, 200));
    VERIFY_OK(remove("/wi/d/b"));
    QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 10000);
    VERIFY_OK(*got);
    QCOMPARE(got->value.action, QStringLiteral("delete"));
    QCOMPARE(got->value.node.key, QByteArray("/wi/d/b"));
}

void TestV2Wait::waitCancelled()
{
    bool called = false;
    QPointer<EtcdCall> call =
        m_client->wait("/wc", {}, this, [&](const KeysResult &) { called = true; });
    QVERIFY(!QTest::qWaitFor([&] { return called; }, 200));
    call->cancel();
    VERIFY_OK(set("/wc", "x"));
    QVERIFY(!QTest::qWaitFor([&] { return called; }, 300));
    QVERIFY(!called);
}

void TestV2Wait::eventIndexCleared()
{
    KeysResult start = set("/eic/start", "s");
    VERIFY_OK(start);
    const qint64 old = start.value.node.modifiedIndex;

    // The store keeps the last 1000 events: push the old one out.
    QList<QByteArray> keys;
    for (int i = 0; i < 1100; ++i)
        keys << "/eic/k" + QByteArray::number(i % 10);
    QVERIFY(setAll(m_client.get(), keys));

    EtcdV2WaitOptions options;
    options.recursive = true;
    options.waitIndex = old;
    KeysResult r =
        await<EtcdV2Response>([&](auto cb) { return m_client->wait("/eic", options, this, cb); });
    QVERIFY2(r.error.is(Cond::EventIndexCleared), qPrintable(r.error.toString()));
    QCOMPARE(r.error.code(), 401);
    QCOMPARE(r.error.httpStatus(), 400);
    QVERIFY(r.error.index() > old + 1000);
    QVERIFY(!r.error.cause().isEmpty());
}

void TestV2Wait::ttlExpires()
{
    EtcdV2SetOptions options;
    options.ttl = 1;
    KeysResult r = set("/exp/a", "v", options);
    VERIFY_OK(r);
    EtcdV2WaitOptions wait;
    wait.waitIndex = r.value.node.modifiedIndex + 1;
    r = await<EtcdV2Response>([&](auto cb) { return m_client->wait("/exp/a", wait, this, cb); });
    VERIFY_OK(r);
    QCOMPARE(r.value.action, QStringLiteral("expire"));
    QCOMPARE(r.value.prevNode->value, QByteArray("v"));
    QVERIFY(get("/exp/a").error.is(Cond::KeyNotFound));
}

QTEST_GUILESS_MAIN(TestV2Wait)
#include "tst_v2wait.moc"
