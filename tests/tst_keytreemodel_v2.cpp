// KeyTreeModel over etcd v2, against a real etcd and under QAbstractItemModelTester: the tree
// compared with a recursive read of etcd, values and TTLs in the columns, hidden "_" names,
// "go to key", refresh in place and incremental updates.
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "keytreetesting.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace keytreetesting;

class TestKeyTreeModelV2 : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void treeMatchesEtcd();
    void columnsShowValueAndTtl();
    void hiddenKeys();
    void revealKey();
    void refreshKeepsRows();
    void applyPutAndDelete();
    void pastRevisionRefused();

private:
    void startModel(const QByteArray &prefix);
    bool set(const QByteArray &key, const QByteArray &value, std::optional<qint64> ttl = {});
    static void flatten(const EtcdV2Node &node, QStringList *out);

    EtcdServer m_etcd;
    std::unique_ptr<EtcdClient> m_client;
    std::unique_ptr<KeyTreeModel> m_model;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

void TestKeyTreeModelV2::initTestCase()
{
    QVERIFY2(m_etcd.start(), "etcd did not start");
    m_client = makeClient(&m_etcd, EtcdClient::Api::V2);
    QVERIFY(m_client);
    QCOMPARE(m_client->apiInUse(), EtcdClient::Api::V2);
}

void TestKeyTreeModelV2::init()
{
    m_model = std::make_unique<KeyTreeModel>();
    m_model->lister()->setClient(m_client.get());
    m_tester = std::make_unique<QAbstractItemModelTester>(
        m_model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
}

void TestKeyTreeModelV2::cleanup()
{
    m_tester.reset();
    m_model.reset();
}

bool TestKeyTreeModelV2::set(const QByteArray &key, const QByteArray &value,
                             std::optional<qint64> ttl)
{
    EtcdV2SetOptions options;
    options.ttl = ttl;
    const auto r = await<EtcdV2Response>(
        [&](auto cb) { return m_client->v2()->set(key, value, options, this, cb); });
    return r.ok();
}

void TestKeyTreeModelV2::startModel(const QByteArray &prefix)
{
    m_model->lister()->setRootPrefix(prefix);
    QVERIFY(reloadTopLevel(*m_model));
}

void TestKeyTreeModelV2::flatten(const EtcdV2Node &node, QStringList *out)
{
    for (const EtcdV2Node &child : node.nodes) {
        const bool hasChildren = !child.nodes.empty();
        *out << QString::fromLatin1(child.key.toHex()) + QLatin1Char('|') +
                    (child.dir ? QString() : QStringLiteral("K")) +
                    (hasChildren ? QStringLiteral("D") : QString());
        flatten(child, out);
    }
}

void TestKeyTreeModelV2::treeMatchesEtcd()
{
    QVERIFY(set("/t/a/b/c", "1"));
    QVERIFY(set("/t/a/inst10", "1"));
    QVERIFY(set("/t/a/inst2", "1"));
    QVERIFY(set("/t/space key", "1"));
    QVERIFY(set("/t/gr\xc3\xbc\xc3\x9f"
                "e/x",
                "1"));
    QVERIFY(set("/t/_hidden", "1"));
    QByteArray deep = "/t/deep";
    for (int i = 1; i <= 12; ++i)
        deep += "/l" + QByteArray::number(i);
    QVERIFY(set(deep + "/leaf", "1"));
    const auto emptyDir = await<EtcdV2Response>(
        [&](auto cb) { return m_client->v2()->createDir("/t/empty", {}, this, cb); });
    VERIFY_OK(emptyDir);

    startModel("/t/");
    QVERIFY(loadAll(*m_model));
    bool sorted = false;
    const QStringList shown = describe(*m_model, &sorted);
    EtcdV2GetOptions options;
    options.recursive = true;
    options.sorted = true;
    const auto all = await<EtcdV2Response>(
        [&](auto cb) { return m_client->v2()->get("/t", options, this, cb); });
    VERIFY_OK(all);
    QStringList expected;
    flatten(all.value.node, &expected);
    expected.sort();
    QCOMPARE(shown, expected);
    QVERIFY(sorted);
    QCOMPARE(names(*m_model, m_model->indexForKey("/t/a")), (QStringList{"b", "inst2", "inst10"}));
    // The empty directory is a directory with no rows once listed.
    const QModelIndex empty = m_model->indexForKey("/t/empty");
    QVERIFY(empty.data(KeyTreeModel::IsDirectoryRole).toBool());
    QCOMPARE(empty.data(KeyTreeModel::ChildCountRole).toInt(), 0);
}

void TestKeyTreeModelV2::columnsShowValueAndTtl()
{
    QVERIFY(set("/c/plain", "line one\nline two"));
    QVERIFY(set("/c/expiring", "v", 600));
    startModel("/c/");
    const QModelIndex plain = m_model->indexForKey("/c/plain");
    QVERIFY(plain.isValid());
    // v2 listings carry the values: no extra request.
    QCOMPARE(plain.siblingAtColumn(KeyTreeModel::ValueColumn).data().toString(),
             QStringLiteral("line one…"));
    QCOMPARE(plain.data(KeyTreeModel::ValueRole).toByteArray(), QByteArray("line one\nline two"));
    QVERIFY(plain.siblingAtColumn(KeyTreeModel::RevisionColumn).data().toLongLong() > 0);
    QVERIFY(!plain.data(KeyTreeModel::TtlRole).isValid());
    const QModelIndex expiring = m_model->indexForKey("/c/expiring");
    const qint64 ttl = expiring.data(KeyTreeModel::TtlRole).toLongLong();
    QVERIFY(ttl > 590 && ttl <= 600);
    QVERIFY(expiring.data(KeyTreeModel::ExpirationRole).toDateTime() >
            QDateTime::currentDateTimeUtc());
    QVERIFY(expiring.siblingAtColumn(KeyTreeModel::TtlColumn)
                .data()
                .toString()
                .endsWith(QLatin1String(" s")));
    QCOMPARE(m_model->lister()->valueRequestCount(), 0);
}

void TestKeyTreeModelV2::hiddenKeys()
{
    QVERIFY(set("/h/visible", "v"));
    QVERIFY(set("/h/_secret", "s"));
    QVERIFY(set("/h/_hdir/inner", "i"));
    startModel("/h/");
    QCOMPARE(names(*m_model), QStringList{"visible"});

    // Not shown: going there is refused with a reason.
    QSignalSpy failed(m_model.get(), &KeyTreeModel::revealFailed);
    QSignalSpy revealed(m_model.get(), &KeyTreeModel::keyRevealed);
    m_model->revealKey("/h/_secret");
    QTRY_COMPARE(failed.size(), 1);

    // Shown: read by path (etcd leaves them out of listings), also through a hidden directory.
    m_model->setShowHidden(true);
    m_model->revealKey("/h/_secret");
    QTRY_COMPARE(revealed.size(), 1);
    const QModelIndex secret = revealed.last().first().value<QModelIndex>();
    QVERIFY(secret.data(KeyTreeModel::HiddenRole).toBool());
    QCOMPARE(secret.data(KeyTreeModel::ValueRole).toByteArray(), QByteArray("s"));
    m_model->revealKey("/h/_hdir/inner");
    QTRY_COMPARE(revealed.size(), 2);
    QCOMPARE(names(*m_model), (QStringList{"_hdir", "_secret", "visible"}));

    m_model->setShowHidden(false);
    QCOMPARE(names(*m_model), QStringList{"visible"});
}

void TestKeyTreeModelV2::revealKey()
{
    QVERIFY(set("/r/a/b/c/target", "v"));
    QVERIFY(set("/r/z/other", "v"));
    m_model->lister()->setRootPrefix("/r/");
    QSignalSpy revealed(m_model.get(), &KeyTreeModel::keyRevealed);
    m_model->revealKey("/r/a/b/c/target");
    QTRY_COMPARE(revealed.size(), 1);
    QCOMPARE(
        revealed.first().first().value<QModelIndex>().data(KeyTreeModel::KeyRole).toByteArray(),
        QByteArray("/r/a/b/c/target"));
    QSignalSpy failed(m_model.get(), &KeyTreeModel::revealFailed);
    m_model->revealKey("/r/a/missing");
    QTRY_COMPARE(failed.size(), 1);
}

void TestKeyTreeModelV2::refreshKeepsRows()
{
    QVERIFY(set("/rf/keep", "v"));
    QVERIFY(set("/rf/gone", "v"));
    QVERIFY(set("/rf/dir/x", "v"));
    startModel("/rf/");
    QVERIFY(loadAll(*m_model));
    QPersistentModelIndex keep = m_model->indexForKey("/rf/keep");
    QPersistentModelIndex inner = m_model->indexForKey("/rf/dir/x");
    QVERIFY(keep.isValid() && inner.isValid());
    const auto removed = await<EtcdV2Response>(
        [&](auto cb) { return m_client->v2()->remove("/rf/gone", {}, this, cb); });
    VERIFY_OK(removed);
    QVERIFY(set("/rf/keep", "changed"));
    QVERIFY(set("/rf/added", "v"));
    QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelAboutToBeReset);
    int topLoads = 0;
    connect(m_model.get(), &KeyTreeModel::levelLoaded, this,
            [&](const QModelIndex &dir) { topLoads += dir.isValid() ? 0 : 1; });
    m_model->refresh();
    m_model->refresh(); // the first answer is stale and dropped
    QTRY_COMPARE(topLoads, 1);
    QCOMPARE(reset.size(), 0);
    QCOMPARE(names(*m_model), (QStringList{"added", "dir", "keep"}));
    QVERIFY(keep.isValid());
    QCOMPARE(keep.data(KeyTreeModel::ValueRole).toByteArray(), QByteArray("changed"));
    QVERIFY(inner.isValid());
}

void TestKeyTreeModelV2::applyPutAndDelete()
{
    QVERIFY(set("/ap/a/x", "v"));
    startModel("/ap/");
    QVERIFY(loadAll(*m_model));
    KeyInfo info;
    info.key = "/ap/a/new";
    info.value = "n";
    info.valueLoaded = true;
    info.createRevision = info.modRevision = 100;
    m_model->applyPut(info);
    QCOMPARE(names(*m_model, m_model->indexForKey("/ap/a")), (QStringList{"new", "x"}));
    KeyInfo dir;
    dir.key = "/ap/newdir";
    dir.isDir = true;
    m_model->applyPut(dir);
    const QModelIndex newDir = m_model->indexForKey("/ap/newdir");
    QVERIFY(newDir.data(KeyTreeModel::IsDirectoryRole).toBool());
    QVERIFY(!newDir.data(KeyTreeModel::IsKeyRole).toBool());
    m_model->applyDelete("/ap/a/x");
    m_model->applyDelete("/ap/a/new");
    // v2 directories are real: an emptied one stays.
    QVERIFY(m_model->indexForKey("/ap/a").isValid());
    m_model->applyDelete("/ap/a");
    QCOMPARE(names(*m_model), QStringList{"newdir"});
}

void TestKeyTreeModelV2::pastRevisionRefused()
{
    // v2 keeps no history: a lister at a revision says so instead of listing the newest.
    QVERIFY(set("/pr2/a", "1"));
    m_model->lister()->setRootPrefix("/pr2/");
    m_model->lister()->setRevision(2);
    QSignalSpy failed(m_model.get(), &KeyTreeModel::levelFailed);
    m_model->reload();
    QTRY_COMPARE(failed.size(), 1);
    QVERIFY(!failed.first().first().value<QModelIndex>().isValid());
    QVERIFY(failed.first().at(1).value<EtcdError>().is(EtcdError::Condition::HistoryUnsupported));
    QCOMPARE(m_model->rowCount(), 0);
}

QTEST_MAIN(TestKeyTreeModelV2)
#include "tst_keytreemodel_v2.moc"
