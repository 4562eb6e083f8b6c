// The top level of the v2 and v3 keyspaces as TopLevelModel shows it, against a real etcd and
// under QAbstractItemModelTester: names, directory or key, odd bytes escaped, one small probe
// per v3 child, stale answers dropped and errors reported.
#include "etcdfixture.h"
#include "etcdtransport.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "keydisplay.h"
#include "keylevellister.h"
#include "toplevelmodel.h"

#include <QAbstractItemModelTester>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

class TestTopLevelModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void displayKey_data();
    void displayKey();
    void childOf_data();
    void childOf();
    void listsV3TopLevel();
    void v3ProbesOncePerChild();
    void listsV2TopLevel();
    void relistingDropsStaleAnswers();
    void unreachableEndpointReportsError();

private:
    // Each row as "name|type".
    static QStringList rows(const TopLevelModel &model);
    bool putV3(const QByteArray &key, const QByteArray &value);
    qint64 rangeRequestsServed();
    QStringList expectedV3() const;

    std::unique_ptr<EtcdServer> m_etcd;
    std::unique_ptr<EtcdTransport> m_transport;
    std::unique_ptr<EtcdV2Client> m_v2;
    std::unique_ptr<EtcdV3Client> m_v3;
};

bool TestTopLevelModel::putV3(const QByteArray &key, const QByteArray &value)
{
    bool done = false;
    bool ok = false;
    m_v3->put(key, value, {}, this, [&](const EtcdResult<EtcdV3PutResult> &r) {
        done = true;
        ok = r.ok();
    });
    return QTest::qWaitFor([&] { return done; }, 10000) && ok;
}

qint64 TestTopLevelModel::rangeRequestsServed()
{
    // The gateway turns every /v3/kv/range into one gRPC Range; etcd counts them in /metrics.
    QByteArray body;
    bool done = false;
    EtcdHttpRequest req;
    req.path = "/metrics";
    m_transport->send(req, this, [&](EtcdCall *, const EtcdHttpResponse &r, const EtcdError &) {
        body = r.body;
        done = true;
        return true;
    });
    if (!QTest::qWaitFor([&] { return done; }, 10000))
        return -1;
    static const QRegularExpression re(QStringLiteral(
        R"re(grpc_server_handled_total\{grpc_code="OK",grpc_method="Range",[^}]*\} (\d+))re"));
    const QRegularExpressionMatch m = re.match(QString::fromUtf8(body));
    return m.hasMatch() ? m.captured(1).toLongLong() : -1;
}

void TestTopLevelModel::initTestCase()
{
    m_etcd = std::make_unique<EtcdServer>();
    QVERIFY2(m_etcd->start(), "etcd did not start");
    m_transport = std::make_unique<EtcdTransport>();
    m_transport->setEndpoints({m_etcd->clientUrl()});
    m_v2 = std::make_unique<EtcdV2Client>(m_transport.get());
    m_v3 = std::make_unique<EtcdV3Client>(m_transport.get());

    // v3: names that are a key and a directory at once ("/", "/a"), a child that sorts before
    // names found earlier ("/m" after "/m!00".."/m!69"), keys without a leading slash, spaces,
    // UTF-8, bytes that are not UTF-8 and a directory of 500 keys.
    QByteArray txn = "\n";
    for (int i = 1; i <= 500; ++i) {
        txn += "put /bulk/item-" + QByteArray::number(i).rightJustified(4, '0') + " v\n";
        if (i % 100 == 0) {
            txn += "\n\n";
            QVERIFY(!m_etcd->etcdctl({QStringLiteral("txn")}, txn).isNull());
            txn = "\n";
        }
    }
    for (int i = 0; i < 70; ++i) {
        const QByteArray key = "/m!" + QByteArray::number(i).rightJustified(2, '0');
        QVERIFY(putV3(key, "v"));
    }
    const QList<QByteArray> keys{"/",           "//x",       "/a",          "/a/b",    "/a-x",
                                 "/m/c",        "/config/x", "/config/y/z", "foo/bar", "plain",
                                 "/with space", "/grüße/x",  "/bin\xff\xfe"};
    for (const QByteArray &key : keys)
        QVERIFY2(putV3(key, "v"), key.constData());

    // v2: a separate keyspace.
    QVERIFY(!m_etcd->etcdctlV2({"set", "/svc/one", "{\"ip\":\"10.0.0.5\"}"}).isNull());
    QVERIFY(!m_etcd->etcdctlV2({"set", "/top key", "x"}).isNull());
    QVERIFY(!m_etcd->etcdctlV2({"set", "/grüße", "x"}).isNull());
    m_etcd->etcdctlV2({"mkdir", "/empty"}); // prints nothing: checked by the listing
    QVERIFY(!m_etcd->etcdctlV2({"set", "/_hidden", "x"}).isNull());
}

QStringList TestTopLevelModel::rows(const TopLevelModel &model)
{
    QStringList out;
    for (int r = 0; r < model.rowCount(); ++r)
        out << model.index(r, TopLevelModel::NameColumn).data().toString() + QLatin1Char('|') +
                   model.index(r, TopLevelModel::TypeColumn).data().toString();
    return out;
}

QStringList TestTopLevelModel::expectedV3() const
{
    QStringList rows{"/|Key and directory",
                     "/a|Key and directory",
                     "/a-x|Key",
                     "/bin\\xff\\xfe|Key",
                     "/bulk|Directory",
                     "/config|Directory",
                     QStringLiteral("/grüße|Directory"),
                     "/m|Directory"};
    for (int i = 0; i < 70; ++i)
        rows << QStringLiteral("/m!%1|Key").arg(i, 2, 10, QLatin1Char('0'));
    rows << "/with space|Key"
         << "foo|Directory"
         << "plain|Key";
    return rows;
}

void TestTopLevelModel::displayKey_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QString>("shown");
    QTest::newRow("ascii") << QByteArray("/a/b") << QStringLiteral("/a/b");
    QTest::newRow("space") << QByteArray("/a b") << QStringLiteral("/a b");
    QTest::newRow("utf-8") << QByteArray("/grüße/日本") << QStringLiteral("/grüße/日本");
    QTest::newRow("4-byte utf-8") << QByteArray("/\xf0\x9f\x94\x91") << QStringLiteral("/🔑");
    QTest::newRow("invalid bytes") << QByteArray("/a\xff\xfe") << QStringLiteral("/a\\xff\\xfe");
    QTest::newRow("truncated sequence") << QByteArray("x\xc3") << QStringLiteral("x\\xc3");
    QTest::newRow("overlong slash") << QByteArray("\xc0\xaf") << QStringLiteral("\\xc0\\xaf");
    QTest::newRow("surrogate") << QByteArray("\xed\xa0\x80") << QStringLiteral("\\xed\\xa0\\x80");
    QTest::newRow("zero and newline") << QByteArray("a\0b\n", 4) << QStringLiteral("a\\x00b\\x0a");
    QTest::newRow("empty") << QByteArray() << QString();
}

void TestTopLevelModel::displayKey()
{
    QFETCH(QByteArray, key);
    QFETCH(QString, shown);
    QCOMPARE(::displayKey(key), shown);
}

void TestTopLevelModel::childOf_data()
{
    QTest::addColumn<QByteArray>("prefix");
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QByteArray>("child");
    QTest::addColumn<bool>("leaf");
    QTest::newRow("top, leading slash, leaf")
        << QByteArray() << QByteArray("/a") << QByteArray("/a") << true;
    QTest::newRow("top, leading slash, dir")
        << QByteArray() << QByteArray("/a/b/c") << QByteArray("/a") << false;
    QTest::newRow("top, no slash, leaf")
        << QByteArray() << QByteArray("plain") << QByteArray("plain") << true;
    QTest::newRow("top, no slash, dir")
        << QByteArray() << QByteArray("foo/bar") << QByteArray("foo") << false;
    QTest::newRow("top, root key") << QByteArray() << QByteArray("/") << QByteArray("/") << true;
    QTest::newRow("top, double slash")
        << QByteArray() << QByteArray("//x") << QByteArray("/") << false;
    QTest::newRow("below, leaf") << QByteArray("/a/") << QByteArray("/a/b") << QByteArray("/a/b")
                                 << true;
    QTest::newRow("below, dir") << QByteArray("/a/") << QByteArray("/a/b/c") << QByteArray("/a/b")
                                << false;
}

void TestTopLevelModel::childOf()
{
    QFETCH(QByteArray, prefix);
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, child);
    QFETCH(bool, leaf);
    bool isLeaf = !leaf;
    QCOMPARE(KeyLevelLister::childOf(prefix, key, &isLeaf), child);
    QCOMPARE(isLeaf, leaf);
}

void TestTopLevelModel::listsV3TopLevel()
{
    TopLevelModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy finished(&model, &TopLevelModel::loadingFinished);
    model.listV3(m_v3.get());
    QVERIFY(model.isLoading());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    QVERIFY2(!model.lastError(), qPrintable(model.lastError().toString()));
    QVERIFY(!model.isLoading());
    QCOMPARE(rows(model), expectedV3());

    const QModelIndex bin = model.index(3, 0);
    QCOMPARE(bin.data(TopLevelModel::KeyRole).toByteArray(), QByteArray("/bin\xff\xfe"));
    QCOMPARE(bin.data(TopLevelModel::IsKeyRole).toBool(), true);
    QCOMPARE(bin.data(TopLevelModel::IsDirectoryRole).toBool(), false);
    QCOMPARE(model.index(4, 0).data(TopLevelModel::IsDirectoryRole).toBool(), true);
    QCOMPARE(model.headerData(0, Qt::Horizontal).toString(), QStringLiteral("Name"));
    QCOMPARE(model.rowCount(model.index(0, 0)), 0); // flat: no rows below a row
}

void TestTopLevelModel::v3ProbesOncePerChild()
{
    const qint64 before = rangeRequestsServed();
    QVERIFY(before >= 0);
    TopLevelModel model;
    QSignalSpy finished(&model, &TopLevelModel::loadingFinished);
    model.listV3(m_v3.get());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    const qint64 after = rangeRequestsServed();
    // One probe per (child, key-or-directory) found plus the one that finds nothing: the 500
    // keys of /bulk cost one probe, not 500.
    const qint64 probes = after - before;
    QVERIFY2(probes <= model.rowCount() + 3 + 1, qPrintable(QString::number(probes)));
    QVERIFY2(probes >= model.rowCount(), qPrintable(QString::number(probes)));
}

void TestTopLevelModel::listsV2TopLevel()
{
    TopLevelModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy finished(&model, &TopLevelModel::loadingFinished);
    model.listV2(m_v2.get());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
    QVERIFY2(!model.lastError(), qPrintable(model.lastError().toString()));
    // "_hidden" is left out by etcd; the empty directory is a directory.
    const QStringList expected{"/empty|Directory", QStringLiteral("/grüße|Key"), "/svc|Directory",
                               "/top key|Key"};
    QCOMPARE(rows(model), expected);
}

void TestTopLevelModel::relistingDropsStaleAnswers()
{
    TopLevelModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy finished(&model, &TopLevelModel::loadingFinished);
    model.listV3(m_v3.get());
    model.listV2(m_v2.get()); // replaces the v3 listing before any answer came
    model.listV3(m_v3.get());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    QCOMPARE(rows(model), expectedV3());
    // Nothing from the abandoned listings arrives later.
    QVERIFY(!finished.wait(300));
    QCOMPARE(rows(model), expectedV3());

    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

void TestTopLevelModel::unreachableEndpointReportsError()
{
    EtcdTransport transport;
    transport.setEndpoints({QStringLiteral("http://127.0.0.1:%1").arg(EtcdServer::freePort())});
    EtcdV3Client v3(&transport);
    TopLevelModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy finished(&model, &TopLevelModel::loadingFinished);
    model.listV3(&v3);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
    QCOMPARE(model.lastError().kind(), EtcdError::Kind::Network);
    QCOMPARE(model.rowCount(), 0);
}

QTEST_MAIN(TestTopLevelModel)
#include "tst_toplevelmodel.moc"
