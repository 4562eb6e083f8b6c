// The v2 keys API of EtcdV2Client against a real etcd: every operation with its options, its
// documented failures, and exact round-trips of awkward keys and big values.
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "etcdtransport.h"
#include "etcdv2client.h"

#include <QPointer>
#include <QRegularExpression>
#include <QTest>

#include <memory>

using KeysResult = EtcdResult<EtcdV2Response>;
using Cond = EtcdError::Condition;

Q_DECLARE_METATYPE(EtcdError::Kind)
Q_DECLARE_METATYPE(EtcdError::Condition)

class TestV2Keys : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();

    void setAndGet();
    void createAndUpdate();
    void compareAndSwap_data();
    void compareAndSwap();
    void compareAndDelete_data();
    void compareAndDelete();
    void failures_data();
    void failures();
    void ttlKeys();
    void directories();
    void directoryTtl();
    void listingOptions();
    void inOrderKeys();
    void hiddenKeys();
    void awkwardKeys_data();
    void awkwardKeys();
    void awkwardKeysFromEtcdctl();
    void awkwardValues();
    void bigValue();
    void apiNotAvailable();

private:
    KeysResult get(const QByteArray &key, EtcdV2GetOptions options = {});
    KeysResult set(const QByteArray &key, const QByteArray &value, EtcdV2SetOptions options = {});
    KeysResult remove(const QByteArray &key, EtcdV2DeleteOptions options = {});
    // etcdctl's output without its final newline (spaces at the ends are part of the answer).
    QString ctlLine(const QStringList &args) const;

    EtcdServer m_etcd;
    std::unique_ptr<EtcdTransport> m_transport;
    std::unique_ptr<EtcdV2Client> m_client;
};

void TestV2Keys::initTestCase()
{
    QVERIFY2(m_etcd.start(), "etcd did not start");
    m_transport = std::make_unique<EtcdTransport>();
    m_transport->setEndpoints({m_etcd.clientUrl()});
    m_client = std::make_unique<EtcdV2Client>(m_transport.get());
}

KeysResult TestV2Keys::get(const QByteArray &key, EtcdV2GetOptions options)
{
    return await<EtcdV2Response>([&](auto cb) { return m_client->get(key, options, this, cb); });
}

KeysResult TestV2Keys::set(const QByteArray &key, const QByteArray &value, EtcdV2SetOptions options)
{
    return await<EtcdV2Response>(
        [&](auto cb) { return m_client->set(key, value, options, this, cb); });
}

KeysResult TestV2Keys::remove(const QByteArray &key, EtcdV2DeleteOptions options)
{
    return await<EtcdV2Response>([&](auto cb) { return m_client->remove(key, options, this, cb); });
}

QString TestV2Keys::ctlLine(const QStringList &args) const
{
    QString out = m_etcd.etcdctlV2(args);
    if (out.endsWith(QLatin1Char('\n')))
        out.chop(1);
    return out;
}

// --- the keys API against etcd ------------------------------------------------------------------

void TestV2Keys::setAndGet()
{
    KeysResult r = set("/sg/a", "one");
    VERIFY_OK(r);
    QCOMPARE(r.value.action, QStringLiteral("set"));
    QCOMPARE(r.value.httpStatus, 201);
    QCOMPARE(r.value.node.key, QByteArray("/sg/a"));
    QCOMPARE(r.value.node.value, QByteArray("one"));
    QVERIFY(!r.value.prevNode);
    QVERIFY(r.value.etcdIndex > 0);
    QVERIFY(r.value.raftIndex > 0);
    QVERIFY(r.value.raftTerm > 0);
    QVERIFY(!r.value.clusterId.isEmpty());
    QCOMPARE(r.value.etcdIndex, r.value.node.createdIndex);

    // A plain set replaces the node: it gets new indexes and the old one comes back as prevNode.
    r = set("/sg/a", "two");
    VERIFY_OK(r);
    QCOMPARE(r.value.httpStatus, 200);
    QVERIFY(r.value.prevNode);
    QCOMPARE(r.value.prevNode->value, QByteArray("one"));
    const qint64 created = r.value.node.createdIndex;

    EtcdV2GetOptions quorum;
    quorum.quorum = true;
    for (const EtcdV2GetOptions &options : {EtcdV2GetOptions{}, quorum}) {
        r = get("/sg/a", options);
        VERIFY_OK(r);
        QCOMPARE(r.value.action, QStringLiteral("get"));
        QCOMPARE(r.value.node.value, QByteArray("two"));
        QCOMPARE(r.value.node.createdIndex, created);
        QCOMPARE(r.value.node.modifiedIndex, created);
        QVERIFY(!r.value.node.dir);
        QVERIFY(!r.value.node.ttl);
    }
    QCOMPARE(m_etcd.etcdctlV2({"get", "/sg/a"}).trimmed(), QStringLiteral("two"));

    r = remove("/sg/a");
    VERIFY_OK(r);
    QCOMPARE(r.value.action, QStringLiteral("delete"));
    QCOMPARE(r.value.prevNode->value, QByteArray("two"));
    QVERIFY(get("/sg/a").error.is(Cond::KeyNotFound));
}

void TestV2Keys::createAndUpdate()
{
    KeysResult r = await<EtcdV2Response>(
        [&](auto cb) { return m_client->create("/cu/a", "1", std::nullopt, this, cb); });
    VERIFY_OK(r);
    QCOMPARE(r.value.action, QStringLiteral("create"));
    QCOMPARE(r.value.httpStatus, 201);

    r = await<EtcdV2Response>(
        [&](auto cb) { return m_client->create("/cu/a", "2", std::nullopt, this, cb); });
    QVERIFY(r.error.is(Cond::KeyExists));
    QCOMPARE(r.error.code(), 105);
    QCOMPARE(r.error.httpStatus(), 412);
    QCOMPARE(r.error.cause(), QStringLiteral("/cu/a"));
    QVERIFY(r.error.index() > 0);

    r = await<EtcdV2Response>(
        [&](auto cb) { return m_client->update("/cu/a", "3", std::nullopt, this, cb); });
    VERIFY_OK(r);
    QCOMPARE(r.value.action, QStringLiteral("update"));
    QCOMPARE(r.value.node.value, QByteArray("3"));
    QCOMPARE(r.value.prevNode->value, QByteArray("1"));

    r = await<EtcdV2Response>(
        [&](auto cb) { return m_client->update("/cu/missing", "3", 100, this, cb); });
    QVERIFY(r.error.is(Cond::KeyNotFound));
    QCOMPARE(r.error.code(), 100);
    QCOMPARE(r.error.httpStatus(), 404);
    QCOMPARE(r.error.kind(), EtcdError::Kind::Etcd);
}

void TestV2Keys::compareAndSwap_data()
{
    QTest::addColumn<std::optional<QByteArray>>("prevValue");
    QTest::addColumn<int>("prevIndexDelta"); // added to the key's modifiedIndex; -1000: unset
    QTest::addColumn<bool>("passes");
    QTest::addColumn<QString>("cause");
    const std::optional<QByteArray> none;
    QTest::newRow("prevValue equal") << std::optional<QByteArray>("old") << -1000 << true << "";
    QTest::newRow("prevValue differs")
        << std::optional<QByteArray>("nope") << -1000 << false << "[nope != old]";
    QTest::newRow("prevIndex equal") << none << 0 << true << "";
    QTest::newRow("prevIndex differs") << none << 1 << false << "";
    QTest::newRow("both equal") << std::optional<QByteArray>("old") << 0 << true << "";
    QTest::newRow("value ok, index differs")
        << std::optional<QByteArray>("old") << 5 << false << "";
}

void TestV2Keys::compareAndSwap()
{
    QFETCH(std::optional<QByteArray>, prevValue);
    QFETCH(int, prevIndexDelta);
    QFETCH(bool, passes);
    QFETCH(QString, cause);

    const QByteArray key = "/cas/" + QByteArray(QTest::currentDataTag()).replace(' ', '_');
    KeysResult r = set(key, "old");
    VERIFY_OK(r);
    const qint64 index = r.value.node.modifiedIndex;

    EtcdV2SetOptions options;
    options.prevValue = prevValue;
    if (prevIndexDelta != -1000)
        options.prevIndex = index + prevIndexDelta;
    r = set(key, "new", options);
    if (passes) {
        VERIFY_OK(r);
        QCOMPARE(r.value.action, QStringLiteral("compareAndSwap"));
        QCOMPARE(r.value.node.value, QByteArray("new"));
        QCOMPARE(r.value.prevNode->value, QByteArray("old"));
    } else {
        QVERIFY(r.error.is(Cond::CompareFailed));
        QCOMPARE(r.error.code(), 101);
        QCOMPARE(r.error.httpStatus(), 412);
        if (!cause.isEmpty())
            QCOMPARE(r.error.cause(), cause);
        else
            QVERIFY(r.error.cause().contains(QString::number(index)));
        QCOMPARE(get(key).value.node.value, QByteArray("old"));
    }
}

void TestV2Keys::compareAndDelete_data()
{
    compareAndSwap_data();
}

void TestV2Keys::compareAndDelete()
{
    QFETCH(std::optional<QByteArray>, prevValue);
    QFETCH(int, prevIndexDelta);
    QFETCH(bool, passes);

    const QByteArray key = "/cad/" + QByteArray(QTest::currentDataTag()).replace(' ', '_');
    KeysResult r = set(key, "old");
    VERIFY_OK(r);
    const qint64 index = r.value.node.modifiedIndex;

    EtcdV2DeleteOptions options;
    options.prevValue = prevValue;
    if (prevIndexDelta != -1000)
        options.prevIndex = index + prevIndexDelta;
    r = remove(key, options);
    if (passes) {
        VERIFY_OK(r);
        QCOMPARE(r.value.action, QStringLiteral("compareAndDelete"));
        QCOMPARE(r.value.prevNode->value, QByteArray("old"));
        QVERIFY(get(key).error.is(Cond::KeyNotFound));
    } else {
        QVERIFY(r.error.is(Cond::CompareFailed));
        QCOMPARE(r.error.httpStatus(), 412);
        VERIFY_OK(get(key));
    }
}

void TestV2Keys::failures_data()
{
    QTest::addColumn<QString>("op");
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<EtcdError::Condition>("condition");
    QTest::addColumn<int>("code");
    QTest::addColumn<int>("status");

    // Set up in failures(): /f/dir (a directory with /f/dir/child), /f/file (a key).
    QTest::newRow("get missing") << "get" << QByteArray("/f/missing") << Cond::KeyNotFound << 100
                                 << 404;
    QTest::newRow("delete missing")
        << "delete" << QByteArray("/f/missing") << Cond::KeyNotFound << 100 << 404;
    QTest::newRow("refresh missing")
        << "refresh" << QByteArray("/f/missing") << Cond::KeyNotFound << 100 << 404;
    QTest::newRow("set on a dir") << "set" << QByteArray("/f/dir") << Cond::NotAFile << 102 << 403;
    QTest::newRow("create dir twice")
        << "mkdir" << QByteArray("/f/dir") << Cond::NotAFile << 102 << 403;
    QTest::newRow("delete dir as key")
        << "delete" << QByteArray("/f/dir") << Cond::NotAFile << 102 << 403;
    QTest::newRow("key below a file")
        << "set" << QByteArray("/f/file/below") << Cond::NotADirectory << 104 << 400;
    QTest::newRow("in-order into a file")
        << "post" << QByteArray("/f/file") << Cond::NotADirectory << 104 << 400;
    QTest::newRow("create existing")
        << "create" << QByteArray("/f/file") << Cond::KeyExists << 105 << 412;
    QTest::newRow("set root") << "set" << QByteArray("/") << Cond::RootReadOnly << 107 << 400;
    QTest::newRow("delete root") << "rmdir-recursive" << QByteArray("/") << Cond::RootReadOnly
                                 << 107 << 400;
    QTest::newRow("rmdir not empty")
        << "rmdir" << QByteArray("/f/dir") << Cond::DirectoryNotEmpty << 108 << 403;
    QTest::newRow("negative ttl") << "ttl-1" << QByteArray("/f/file") << Cond::InvalidField << 202
                                  << 400;
    QTest::newRow("negative prevIndex")
        << "prevIndex-1" << QByteArray("/f/file") << Cond::InvalidField << 203 << 400;
}

void TestV2Keys::failures()
{
    QFETCH(QString, op);
    QFETCH(QByteArray, key);
    QFETCH(EtcdError::Condition, condition);
    QFETCH(int, code);
    QFETCH(int, status);

    VERIFY_OK(set("/f/dir/child", "c"));
    VERIFY_OK(set("/f/file", "v"));

    KeysResult r;
    if (op == QLatin1String("get")) {
        r = get(key);
    } else if (op == QLatin1String("delete")) {
        r = remove(key);
    } else if (op == QLatin1String("set")) {
        r = set(key, "x");
    } else if (op == QLatin1String("refresh")) {
        r = await<EtcdV2Response>([&](auto cb) { return m_client->refresh(key, 60, this, cb); });
    } else if (op == QLatin1String("mkdir")) {
        r = await<EtcdV2Response>(
            [&](auto cb) { return m_client->createDir(key, std::nullopt, this, cb); });
    } else if (op == QLatin1String("post")) {
        r = await<EtcdV2Response>(
            [&](auto cb) { return m_client->createInOrder(key, "x", std::nullopt, this, cb); });
    } else if (op == QLatin1String("rmdir") || op == QLatin1String("rmdir-recursive")) {
        const bool recursive = op.endsWith(QLatin1String("recursive"));
        r = await<EtcdV2Response>(
            [&](auto cb) { return m_client->removeDir(key, recursive, this, cb); });
    } else if (op == QLatin1String("create")) {
        r = await<EtcdV2Response>(
            [&](auto cb) { return m_client->create(key, "x", std::nullopt, this, cb); });
    } else if (op == QLatin1String("ttl-1")) {
        EtcdV2SetOptions options;
        options.ttl = -1;
        r = set(key, "x", options);
    } else if (op == QLatin1String("prevIndex-1")) {
        EtcdV2SetOptions options;
        options.prevIndex = -1;
        r = set(key, "x", options);
    } else {
        QFAIL("unknown op");
    }
    QVERIFY2(r.error.is(condition), qPrintable(r.error.toString()));
    QCOMPARE(r.error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(r.error.code(), code);
    QCOMPARE(r.error.httpStatus(), status);
    QCOMPARE(r.error.endpoint(), m_etcd.clientUrl());
    QVERIFY(!r.error.message().isEmpty());
    // Nothing changed.
    QCOMPARE(get("/f/file").value.node.value, QByteArray("v"));
    QCOMPARE(get("/f/dir/child").value.node.value, QByteArray("c"));
}

void TestV2Keys::ttlKeys()
{
    EtcdV2SetOptions options;
    options.ttl = 100;
    const QDateTime before = QDateTime::currentDateTimeUtc();
    KeysResult r = set("/ttl/a", "v", options);
    VERIFY_OK(r);
    QCOMPARE(r.value.node.ttl, std::optional<qint64>(100));
    QVERIFY(r.value.node.expiration.isValid());
    QCOMPARE(r.value.node.expiration.timeSpec(), Qt::UTC);
    const qint64 inSeconds = before.secsTo(r.value.node.expiration);
    QVERIFY2(inSeconds >= 98 && inSeconds <= 102, qPrintable(QString::number(inSeconds)));

    r = get("/ttl/a");
    VERIFY_OK(r);
    QVERIFY(r.value.node.ttl && *r.value.node.ttl > 0 && *r.value.node.ttl <= 100);

    // Refresh: the TTL is renewed, the value stays.
    r = await<EtcdV2Response>([&](auto cb) { return m_client->refresh("/ttl/a", 500, this, cb); });
    VERIFY_OK(r);
    QCOMPARE(r.value.node.value, QByteArray("v"));
    QCOMPARE(r.value.node.ttl, std::optional<qint64>(500));
    QCOMPARE(get("/ttl/a").value.node.value, QByteArray("v"));

    // etcd refuses a refresh that carries a value (211): the client leaves the value out.
    options = {};
    options.ttl = 50;
    options.refresh = true;
    r = set("/ttl/a", "other", options);
    VERIFY_OK(r);
    QCOMPARE(r.value.node.value, QByteArray("v"));

    // TTL removal keeps the value it is given.
    r = await<EtcdV2Response>(
        [&](auto cb) { return m_client->removeTtl("/ttl/a", "v", this, cb); });
    VERIFY_OK(r);
    QVERIFY(!r.value.node.ttl);
    QVERIFY(!r.value.node.expiration.isValid());
    r = get("/ttl/a");
    QCOMPARE(r.value.node.value, QByteArray("v"));
    QVERIFY(!r.value.node.ttl);

    // TTL removal of a missing key fails rather than creating it.
    r = await<EtcdV2Response>(
        [&](auto cb) { return m_client->removeTtl("/ttl/missing", "v", this, cb); });
    QVERIFY(r.error.is(Cond::KeyNotFound));

    // update() with a TTL.
    r = await<EtcdV2Response>(
        [&](auto cb) { return m_client->update("/ttl/a", "w", 30, this, cb); });
    VERIFY_OK(r);
    QCOMPARE(r.value.node.ttl, std::optional<qint64>(30));
}

void TestV2Keys::directories()
{
    KeysResult r = await<EtcdV2Response>(
        [&](auto cb) { return m_client->createDir("/dirs/d", std::nullopt, this, cb); });
    VERIFY_OK(r);
    QVERIFY(r.value.node.dir);
    QCOMPARE(r.value.node.key, QByteArray("/dirs/d"));
    QVERIFY(!r.value.node.ttl);

    r = get("/dirs/d");
    VERIFY_OK(r);
    QVERIFY(r.value.node.dir);
    QVERIFY(r.value.node.nodes.empty());

    // Empty: removed with dir=true.
    r = await<EtcdV2Response>(
        [&](auto cb) { return m_client->removeDir("/dirs/d", false, this, cb); });
    VERIFY_OK(r);
    QCOMPARE(r.value.action, QStringLiteral("delete"));
    QVERIFY(r.value.prevNode && r.value.prevNode->dir);

    // Not empty: only recursively.
    VERIFY_OK(set("/dirs/e/x/y", "1"));
    r = await<EtcdV2Response>(
        [&](auto cb) { return m_client->removeDir("/dirs/e", false, this, cb); });
    QVERIFY(r.error.is(Cond::DirectoryNotEmpty));
    EtcdV2DeleteOptions recursive;
    recursive.recursive = true; // recursive alone also removes a directory
    r = remove("/dirs/e", recursive);
    VERIFY_OK(r);
    QVERIFY(get("/dirs/e/x/y").error.is(Cond::KeyNotFound));

    // dir=true also deletes a plain key (etcd only checks the other way round).
    VERIFY_OK(set("/dirs/file", "1"));
    r = await<EtcdV2Response>(
        [&](auto cb) { return m_client->removeDir("/dirs/file", false, this, cb); });
    VERIFY_OK(r);
}

void TestV2Keys::directoryTtl()
{
    KeysResult r = await<EtcdV2Response>(
        [&](auto cb) { return m_client->createDir("/dttl/d", 100, this, cb); });
    VERIFY_OK(r);
    QCOMPARE(r.value.node.ttl, std::optional<qint64>(100));
    QVERIFY(r.value.node.expiration.isValid());
    VERIFY_OK(set("/dttl/d/child", "c"));

    r = await<EtcdV2Response>(
        [&](auto cb) { return m_client->updateDirTtl("/dttl/d", 300, this, cb); });
    VERIFY_OK(r);
    QCOMPARE(r.value.node.ttl, std::optional<qint64>(300));
    QCOMPARE(r.value.action, QStringLiteral("update"));
    r = get("/dttl/d");
    QCOMPARE(r.value.node.ttl, std::optional<qint64>(300));
    QCOMPARE(r.value.node.nodes.size(), std::size_t(1)); // the children stay

    r = await<EtcdV2Response>(
        [&](auto cb) { return m_client->updateDirTtl("/dttl/d", std::nullopt, this, cb); });
    VERIFY_OK(r);
    QVERIFY(!r.value.node.ttl);
    r = get("/dttl/d");
    QVERIFY(!r.value.node.ttl);
    QCOMPARE(r.value.node.nodes.size(), std::size_t(1));

    // A refresh works on a directory too.
    r = await<EtcdV2Response>([&](auto cb) { return m_client->refresh("/dttl/d", 40, this, cb); });
    VERIFY_OK(r);
    QCOMPARE(r.value.node.ttl, std::optional<qint64>(40));
    QVERIFY(r.value.node.dir);

    r = await<EtcdV2Response>(
        [&](auto cb) { return m_client->updateDirTtl("/dttl/missing", 40, this, cb); });
    QVERIFY(r.error.is(Cond::KeyNotFound));
}

void TestV2Keys::listingOptions()
{
    const QList<QByteArray> names{"c", "a", "b"};
    for (const QByteArray &n : names)
        VERIFY_OK(set("/list/" + n, n));
    VERIFY_OK(set("/list/sub/deep", "d"));

    KeysResult r = get("/list");
    VERIFY_OK(r);
    QVERIFY(r.value.node.dir);
    QCOMPARE(r.value.node.nodes.size(), std::size_t(4));
    bool subListed = false;
    for (const EtcdV2Node &n : r.value.node.nodes) {
        if (n.key == "/list/sub") {
            subListed = true;
            QVERIFY(n.dir);
            QVERIFY(n.nodes.empty()); // not recursive
        }
    }
    QVERIFY(subListed);

    EtcdV2GetOptions options;
    options.sorted = true;
    options.recursive = true;
    r = get("/list", options);
    VERIFY_OK(r);
    QByteArrayList keys;
    for (const EtcdV2Node &n : r.value.node.nodes)
        keys << n.key;
    QCOMPARE(keys, QByteArrayList({"/list/a", "/list/b", "/list/c", "/list/sub"}));
    QCOMPARE(r.value.node.nodes[3].nodes.size(), std::size_t(1));
    QCOMPARE(r.value.node.nodes[3].nodes[0].value, QByteArray("d"));

    // The root lists too (it has no key in etcd's answer).
    r = get("/");
    VERIFY_OK(r);
    QVERIFY(r.value.node.dir);
    QVERIFY(!r.value.node.nodes.empty());
}

void TestV2Keys::inOrderKeys()
{
    QByteArrayList created;
    for (int i = 0; i < 5; ++i) {
        const QByteArray value = "job" + QByteArray::number(i);
        const std::optional<qint64> ttl =
            i == 4 ? std::optional<qint64>(100) : std::optional<qint64>();
        KeysResult r = await<EtcdV2Response>(
            [&](auto cb) { return m_client->createInOrder("/queue", value, ttl, this, cb); });
        VERIFY_OK(r);
        QCOMPARE(r.value.action, QStringLiteral("create"));
        QCOMPARE(r.value.httpStatus, 201);
        QVERIFY2(QRegularExpression(QStringLiteral("^/queue/\\d{20}$"))
                     .match(QString::fromUtf8(r.value.node.key))
                     .hasMatch(),
                 r.value.node.key.constData());
        QCOMPARE(r.value.node.value, value);
        QCOMPARE(r.value.node.ttl.has_value(), i == 4);
        created << r.value.node.key;
    }
    EtcdV2GetOptions options;
    options.sorted = true;
    KeysResult r = get("/queue", options);
    VERIFY_OK(r);
    QByteArrayList listed;
    for (const EtcdV2Node &n : r.value.node.nodes)
        listed << n.key;
    QCOMPARE(listed, created);
    QCOMPARE(r.value.node.nodes.front().value, QByteArray("job0"));
}

void TestV2Keys::hiddenKeys()
{
    VERIFY_OK(set("/hid/_secret", "s"));
    VERIFY_OK(set("/hid/visible", "v"));
    VERIFY_OK(set("/hid/_hdir/x", "x"));

    KeysResult r = get("/hid");
    VERIFY_OK(r);
    QCOMPARE(r.value.node.nodes.size(), std::size_t(1));
    QCOMPARE(r.value.node.nodes[0].key, QByteArray("/hid/visible"));

    r = get("/hid/_secret");
    VERIFY_OK(r);
    QCOMPARE(r.value.node.value, QByteArray("s"));
    r = get("/hid/_hdir");
    VERIFY_OK(r);
    QCOMPARE(r.value.node.nodes.size(), std::size_t(1));
}

void TestV2Keys::awkwardKeys_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::newRow("space") << QByteArray("with space");
    QTest::newRow("percent") << QByteArray("100%");
    QTest::newRow("encoded-looking") << QByteArray("a%2Bb%20c%25");
    QTest::newRow("question") << QByteArray("what?x=1&y=2");
    QTest::newRow("hash") << QByteArray("#tag#");
    QTest::newRow("plus") << QByteArray("a+b+");
    QTest::newRow("utf8") << QByteArray("\xe4\xb8\xad\xe6\x96\x87-\xc3\xa9\xf0\x9f\x98\x80");
    QTest::newRow("mixed") << QByteArray(" %?#+=&;:@$,!'()*[]~ ");
}

void TestV2Keys::awkwardKeys()
{
    QFETCH(QByteArray, name);
    const QByteArray dir = "/awk-" + QByteArray(QTest::currentDataTag());
    const QByteArray key = dir + '/' + name;
    const QByteArray value = "v:" + name;

    KeysResult r = set(key, value);
    VERIFY_OK(r);
    QCOMPARE(r.value.node.key, key);

    r = get(key);
    VERIFY_OK(r);
    QCOMPARE(r.value.node.key, key);
    QCOMPARE(r.value.node.value, value);

    // The listing of the directory names the key exactly as written.
    r = get(dir);
    VERIFY_OK(r);
    QCOMPARE(r.value.node.nodes.size(), std::size_t(1));
    QCOMPARE(r.value.node.nodes[0].key, key);

    // etcdctl (the Go client) agrees.
    QCOMPARE(ctlLine({"get", QString::fromUtf8(key)}), QString::fromUtf8(value));
    QCOMPARE(ctlLine({"ls", QString::fromUtf8(dir)}), QString::fromUtf8(key));

    EtcdV2DeleteOptions cad;
    cad.prevValue = value;
    r = remove(key, cad);
    VERIFY_OK(r);
    QCOMPARE(r.value.prevNode->key, key);
}

void TestV2Keys::awkwardKeysFromEtcdctl()
{
    // Written by the Go client, read back by ours.
    const QByteArray key = "/awk-ctl/a b%2B+?#\xc3\xa9";
    QVERIFY(!m_etcd.etcdctlV2({"set", QString::fromUtf8(key), "from go"}).isNull());
    KeysResult r = get("/awk-ctl");
    VERIFY_OK(r);
    QCOMPARE(r.value.node.nodes.size(), std::size_t(1));
    QCOMPARE(r.value.node.nodes[0].key, key);
    r = get(r.value.node.nodes[0].key);
    VERIFY_OK(r);
    QCOMPARE(r.value.node.value, QByteArray("from go"));
}

void TestV2Keys::awkwardValues()
{
    const QByteArray value = "a+b&c=d%20e %25 \xc3\xa9\n\ttab \"q\" \\ {\"json\":1}";
    KeysResult r = set("/awkval", value);
    VERIFY_OK(r);
    QCOMPARE(r.value.node.value, value);
    QCOMPARE(get("/awkval").value.node.value, value);

    // prevValue with the same characters compares exactly.
    EtcdV2SetOptions options;
    options.prevValue = value;
    r = set("/awkval", "", options);
    VERIFY_OK(r);
    QCOMPARE(r.value.node.value, QByteArray());
    QCOMPARE(get("/awkval").value.node.value, QByteArray());
}

void TestV2Keys::bigValue()
{
    QByteArray value(1024 * 1024, 'x');
    for (int i = 0; i < value.size(); i += 7)
        value[i] = char('a' + i % 26);
    value[100] = ' ';
    value[200] = '+';
    value[300] = '%';
    KeysResult r = set("/big", value);
    VERIFY_OK(r);
    QCOMPARE(r.value.node.value.size(), value.size());
    r = get("/big");
    VERIFY_OK(r);
    QVERIFY(r.value.node.value == value);

    // Over the server's limit (Go reads at most 10 MB of form): a clear typed error.
    // Go would close the connection mid-upload, so the client refuses it before sending.
    r = set("/too-big", QByteArray(11 * 1024 * 1024, 'y'));
    QCOMPARE(r.error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(r.error.condition(), EtcdError::Condition::RequestTooLarge);
    QVERIFY2(r.error.cause().contains(QLatin1String("10 MB")), qPrintable(r.error.toString()));
    QCOMPARE(get("/too-big").error.condition(), EtcdError::Condition::KeyNotFound);
}

void TestV2Keys::apiNotAvailable()
{
    EtcdServer::Options o;
    o.enableV2 = false;
    EtcdServer v3only(o);
    QVERIFY2(v3only.start(), "etcd without v2 did not start");
    EtcdTransport transport;
    transport.setEndpoints({v3only.clientUrl()});
    EtcdV2Client client(&transport);
    KeysResult r = await<EtcdV2Response>([&](auto cb) { return client.get("/", {}, this, cb); });
    QCOMPARE(r.error.kind(), EtcdError::Kind::Http);
    QVERIFY(r.error.is(Cond::ApiNotAvailable));
    QCOMPARE(r.error.httpStatus(), 404);
    auto members =
        await<std::vector<EtcdV2Member>>([&](auto cb) { return client.listMembers(this, cb); });
    QVERIFY(members.error.is(Cond::ApiNotAvailable));
}

QTEST_GUILESS_MAIN(TestV2Keys)
#include "tst_v2keys.moc"
