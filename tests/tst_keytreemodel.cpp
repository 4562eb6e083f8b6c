// KeyTreeModel over etcd v3, against a real etcd and under QAbstractItemModelTester: odd
// keyspaces compared with what etcd holds, natural order, a 20,000-key directory, a tree 12
// levels deep, the filter, "go to key" through unloaded levels, refresh in place, stale answers,
// incremental updates, value previews and what listing costs in requests.
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "keytreetesting.h"
#include "v3levellister.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace keytreetesting;

class TestKeyTreeModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void naturalOrder_data();
    void naturalOrder();
    void childName_data();
    void childName();
    void oddKeyspaces_data();
    void oddKeyspaces();
    void oddNamesShown();
    void largeDirectory();
    void filterNarrowsLoadedTree();
    void revealThroughUnloadedLevels();
    void revealMissingKeyFails();
    void refreshKeepsRows();
    void staleAnswersDropped();
    void applyPutAndDelete();
    void applyDeletePrefix();
    void valuePreviews();
    void listingCostPerChild();
    void listingCostFlat();
    void pastRevisionBesideNewest();

private:
    // A model over prefix under a tester, loaded completely.
    void startModel(const QByteArray &prefix, char sep = '/');

    EtcdServer m_etcd;
    std::unique_ptr<EtcdClient> m_client;
    std::unique_ptr<KeyTreeModel> m_model;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

void TestKeyTreeModel::initTestCase()
{
    QVERIFY2(m_etcd.start(), "etcd did not start");
    m_client = makeClient(&m_etcd, EtcdClient::Api::V3);
    QVERIFY(m_client);
}

void TestKeyTreeModel::init()
{
    m_model = std::make_unique<KeyTreeModel>();
    m_model->lister()->setClient(m_client.get());
    // The tester runs all its checks after every insert, and they fetch every level they can:
    // tests of what stays unlisted (and of what listing costs) run without it.
    static const QStringList lazy{"revealThroughUnloadedLevels", "applyPutAndDelete",
                                  "listingCostPerChild", "listingCostFlat"};
    if (!lazy.contains(QLatin1String(QTest::currentTestFunction())))
        m_tester = std::make_unique<QAbstractItemModelTester>(
            m_model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
}

void TestKeyTreeModel::cleanup()
{
    m_tester.reset();
    m_model.reset();
}

void TestKeyTreeModel::startModel(const QByteArray &prefix, char sep)
{
    m_model->lister()->setRootPrefix(prefix);
    m_model->lister()->setSeparator(sep);
    QVERIFY(reloadTopLevel(*m_model));
}

void TestKeyTreeModel::naturalOrder_data()
{
    QTest::addColumn<QByteArray>("a");
    QTest::addColumn<QByteArray>("b");
    QTest::newRow("numbers") << QByteArray("inst2") << QByteArray("inst10");
    QTest::newRow("leading zeros tie") << QByteArray("a01") << QByteArray("a1");
    QTest::newRow("prefix first") << QByteArray("a") << QByteArray("a0");
    QTest::newRow("bytes") << QByteArray("a") << QByteArray("b");
    QTest::newRow("empty first") << QByteArray() << QByteArray("a");
    QTest::newRow("long numbers") << QByteArray("x99999999999999999999")
                                  << QByteArray("x100000000000000000000");
    QTest::newRow("high bytes") << QByteArray("a") << QByteArray("\xff");
    QTest::newRow("digits before letters") << QByteArray("1") << QByteArray("a");
}

void TestKeyTreeModel::naturalOrder()
{
    QFETCH(QByteArray, a);
    QFETCH(QByteArray, b);
    QVERIFY(naturalCompare(a, b) < 0);
    QVERIFY(naturalCompare(b, a) > 0);
    QCOMPARE(naturalCompare(a, a), 0);
}

void TestKeyTreeModel::childName_data()
{
    QTest::addColumn<QByteArray>("prefix");
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<bool>("top");
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<bool>("leaf");
    QTest::newRow("top, leading separator")
        << QByteArray() << QByteArray("/a/b") << true << QByteArray("/a") << false;
    QTest::newRow("top, none") << QByteArray() << QByteArray("a/b") << true << QByteArray("a")
                               << false;
    QTest::newRow("top, only separator")
        << QByteArray() << QByteArray("/") << true << QByteArray("/") << true;
    QTest::newRow("below, empty segment")
        << QByteArray("/a/") << QByteArray("/a//b") << false << QByteArray() << false;
    QTest::newRow("below, trailing separator")
        << QByteArray("/a/") << QByteArray("/a/") << false << QByteArray() << true;
    QTest::newRow("below, leaf") << QByteArray("/a/") << QByteArray("/a/b") << false
                                 << QByteArray("b") << true;
}

void TestKeyTreeModel::childName()
{
    QFETCH(QByteArray, prefix);
    QFETCH(QByteArray, key);
    QFETCH(bool, top);
    QFETCH(QByteArray, name);
    QFETCH(bool, leaf);
    bool isLeaf = !leaf;
    QCOMPARE(V3LevelLister::childName(prefix, key, '/', top, &isLeaf), name);
    QCOMPARE(isLeaf, leaf);
}

void TestKeyTreeModel::oddKeyspaces_data()
{
    QTest::addColumn<QByteArray>("prefix");
    QTest::addColumn<char>("sep");
    QTest::addColumn<QList<QByteArray>>("keys");

    QTest::newRow("no leading separator")
        << QByteArray("nolead") << '/'
        << QList<QByteArray>{"noleada", "noleadb/c", "nolead/x/y", "nolead/z", "noleadplain"};
    QTest::newRow("value and prefix")
        << QByteArray("/vp/") << '/'
        << QList<QByteArray>{"/vp/a", "/vp/a/b", "/vp/a/b/c", "/vp/a-x", "/vp/a.y", "/vp/b"};
    QTest::newRow("empty segments")
        << QByteArray("/es/") << '/'
        << QList<QByteArray>{"/es/a//b", "/es/a///c", "/es//d", "/es/e/", "/es/"};
    QTest::newRow("binary and utf-8") << QByteArray("/bin/") << '/'
                                      << QList<QByteArray>{QByteArray("/bin/\x00zero", 10),
                                                           "/bin/\xff\xfe/x",
                                                           "/bin/gr\xc3\xbc\xc3\x9f"
                                                           "e/k",
                                                           "/bin/\xe6\x97\xa5\xe6\x9c\xac",
                                                           "/bin/sp ace",
                                                           "/bin/nl\nx",
                                                           "/bin/\x01/\x02"};
    QByteArray deep = "/deep";
    QList<QByteArray> deepKeys;
    for (int i = 1; i <= 12; ++i) {
        deep += "/l" + QByteArray::number(i);
        deepKeys << deep + "/leaf";
    }
    QTest::newRow("12 levels deep") << QByteArray("/deep/") << '/' << deepKeys;
    QTest::newRow("separator ':'")
        << QByteArray("colon:") << ':'
        << QList<QByteArray>{"colon:a:b", "colon:a:c", "colon:a", "colon:b/not:x", "colon::e"};
    QTest::newRow("separator 0xff") << QByteArray("ff\xff") << '\xff'
                                    << QList<QByteArray>{"ff\xff"
                                                         "a\xff"
                                                         "b",
                                                         "ff\xff"
                                                         "a\xfe",
                                                         "ff\xff"
                                                         "a",
                                                         "ff\xff"
                                                         "c"};
}

void TestKeyTreeModel::oddKeyspaces()
{
    QFETCH(QByteArray, prefix);
    QFETCH(char, sep);
    QFETCH(QList<QByteArray>, keys);
    QVERIFY(putAll(m_client->v3(), keys));
    startModel(prefix, sep);
    QVERIFY(loadAll(*m_model));
    bool sorted = false;
    const QStringList shown = describe(*m_model, &sorted);
    const QStringList expected = expectedTree(keysBelow(m_client->v3(), prefix), prefix, sep);
    QCOMPARE(shown, expected);
    QVERIFY2(sorted, "siblings are not in natural order");
}

void TestKeyTreeModel::oddNamesShown()
{
    QVERIFY(putAll(m_client->v3(), {"/on/a//b", QByteArray("/on/\xff\x00", 6), "/on/x"}));
    startModel("/on/");
    const QModelIndex a = m_model->indexForKey("/on/a");
    QVERIFY(a.isValid());
    QCOMPARE(a.data().toString(), QStringLiteral("a"));
    m_model->fetchMore(a);
    QTRY_VERIFY(m_model->rowCount(a) == 1);
    const QModelIndex empty = m_model->index(0, 0, a);
    QCOMPARE(empty.data().toString(), QStringLiteral("(empty)"));
    QVERIFY(empty.data(Qt::FontRole).value<QFont>().italic());
    QVERIFY(empty.data(KeyTreeModel::EmptyNameRole).toBool());
    QCOMPARE(empty.data(KeyTreeModel::KeyRole).toByteArray(), QByteArray("/on/a/"));
    const QModelIndex bin = m_model->indexForKey(QByteArray("/on/\xff\x00", 6));
    QVERIFY(bin.isValid());
    QCOMPARE(bin.data().toString(), QStringLiteral("\\xff\\x00"));
}

void TestKeyTreeModel::largeDirectory()
{
    QList<QByteArray> keys;
    for (int i = 0; i < 20000; ++i)
        keys << "/large/k" + QByteArray::number(i);
    QVERIFY(putAll(m_client->v3(), keys));
    startModel("/large/");
    QCOMPARE(m_model->rowCount(), 20000);
    QCOMPARE(m_model->index(0, 0).data().toString(), QStringLiteral("k0"));
    QCOMPARE(m_model->index(2, 0).data().toString(), QStringLiteral("k2"));
    QCOMPARE(m_model->index(10, 0).data().toString(), QStringLiteral("k10"));
    QCOMPARE(m_model->index(19999, 0).data().toString(), QStringLiteral("k19999"));
    bool sorted = false;
    QCOMPARE(describe(*m_model, &sorted).size(), 20000);
    QVERIFY(sorted);
    QCOMPARE(m_model->data(QModelIndex(), KeyTreeModel::ChildCountRole), QVariant());
    // A first page, then (the level being bigger than a page) a round of probes that splits it,
    // and the pieces read side by side: a few dozen requests at most, never one per key.
    QVERIFY2(m_model->lister()->listRequestCount() <= 40,
             qPrintable(QString::number(m_model->lister()->listRequestCount())));
}

void TestKeyTreeModel::filterNarrowsLoadedTree()
{
    QVERIFY(putAll(m_client->v3(), {"/f/app/db/needle", "/f/app/db/other", "/f/app/web/x",
                                    "/f/needle-top", "/f/zzz/y"}));
    startModel("/f/");
    QVERIFY(loadAll(*m_model));
    const QPersistentModelIndex zzz = m_model->indexForKey("/f/zzz");
    const QPersistentModelIndex app = m_model->indexForKey("/f/app");
    QVERIFY(zzz.isValid() && app.isValid());

    m_model->setFilterText(QStringLiteral("NEEDLE"));
    QCOMPARE(names(*m_model), (QStringList{"app", "needle-top"}));
    const QModelIndex db = m_model->indexForKey("/f/app/db");
    QCOMPARE(names(*m_model, m_model->indexForKey("/f/app")), QStringList{"db"});
    QCOMPARE(names(*m_model, db), QStringList{"needle"});
    QVERIFY(!zzz.isValid());
    QVERIFY(app.isValid());

    // Rows arriving while the filter is on are filtered too.
    m_model->applyPut(KeyInfo::fromV3({"/f/zzz/needle2", "v", 1, 1, 1, 0}, false));
    QCOMPARE(names(*m_model), (QStringList{"app", "needle-top", "zzz"}));
    m_model->applyDelete("/f/zzz/needle2");
    QCOMPARE(names(*m_model), (QStringList{"app", "needle-top"}));

    // Full keys when the text has the separator in it.
    m_model->setFilterText(QStringLiteral("web/"));
    QCOMPARE(names(*m_model), QStringList{"app"});

    m_model->setFilterText(QString());
    QCOMPARE(names(*m_model), (QStringList{"app", "needle-top", "zzz"}));
    QCOMPARE(m_model->rowCount(m_model->indexForKey("/f/app/db")), 2);
}

void TestKeyTreeModel::revealThroughUnloadedLevels()
{
    QVERIFY(putAll(m_client->v3(),
                   {"/rv/a/b/c/d/target", "/rv/a/b/c/d/other", "/rv/a/sib/x", "/rv/z/y"}));
    m_model->lister()->setRootPrefix("/rv/");
    m_model->reload();
    QSignalSpy revealed(m_model.get(), &KeyTreeModel::keyRevealed);
    m_model->revealKey("/rv/a/b/c/d/target");
    QTRY_COMPARE_WITH_TIMEOUT(revealed.size(), 1, 20000);
    const QModelIndex idx = revealed.first().first().value<QModelIndex>();
    QCOMPARE(idx.data(KeyTreeModel::KeyRole).toByteArray(), QByteArray("/rv/a/b/c/d/target"));
    QVERIFY(idx.data(KeyTreeModel::IsKeyRole).toBool());
    // Only the levels on the way were listed.
    QVERIFY(m_model->canFetchMore(m_model->indexForKey("/rv/a/sib")));
    QVERIFY(m_model->canFetchMore(m_model->indexForKey("/rv/z")));
    // A directory can be revealed as well.
    m_model->revealKey("/rv/a/b");
    QTRY_COMPARE(revealed.size(), 2);
}

void TestKeyTreeModel::revealMissingKeyFails()
{
    QVERIFY(putAll(m_client->v3(), {"/rm/a/b"}));
    startModel("/rm/");
    QSignalSpy failed(m_model.get(), &KeyTreeModel::revealFailed);
    m_model->revealKey("/rm/a/nothing");
    QTRY_COMPARE(failed.size(), 1);
    QCOMPARE(failed.first().first().toByteArray(), QByteArray("/rm/a/nothing"));
    QVERIFY(failed.first().at(1).value<EtcdError>().is(EtcdError::Condition::KeyNotFound));
    m_model->revealKey("/rm/a/b/below-a-leaf");
    QTRY_COMPARE(failed.size(), 2);
}

void TestKeyTreeModel::refreshKeepsRows()
{
    QVERIFY(putAll(m_client->v3(), {"/rf/keep", "/rf/gone", "/rf/change", "/rf/dir/x"}));
    startModel("/rf/");
    QVERIFY(loadAll(*m_model));
    QPersistentModelIndex keep = m_model->indexForKey("/rf/keep");
    QPersistentModelIndex change = m_model->indexForKey("/rf/change");
    QPersistentModelIndex dirChild = m_model->indexForKey("/rf/dir/x");
    const qint64 oldRevision = change.data(KeyTreeModel::ModRevisionRole).toLongLong();
    QVERIFY(removeKey(m_client->v3(), "/rf/gone"));
    QVERIFY(put(m_client->v3(), "/rf/change", "new"));
    QVERIFY(put(m_client->v3(), "/rf/new", "v"));

    QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelAboutToBeReset);
    QSignalSpy loaded(m_model.get(), &KeyTreeModel::levelLoaded);
    m_model->refresh();
    QVERIFY(m_model->isLoading());
    QTRY_COMPARE(loaded.size(), 1);
    QCOMPARE(reset.size(), 0);
    QCOMPARE(names(*m_model), (QStringList{"change", "dir", "keep", "new"}));
    QVERIFY(keep.isValid());
    QCOMPARE(keep.data(KeyTreeModel::KeyRole).toByteArray(), QByteArray("/rf/keep"));
    QVERIFY(change.isValid());
    QVERIFY(change.data(KeyTreeModel::ModRevisionRole).toLongLong() > oldRevision);
    // The loaded level below a kept row stays loaded.
    QVERIFY(dirChild.isValid());
}

void TestKeyTreeModel::staleAnswersDropped()
{
    QList<QByteArray> keys;
    for (int i = 0; i < 300; ++i)
        keys << "/st/d" + QByteArray::number(i % 30) + "/k" + QByteArray::number(i);
    QVERIFY(putAll(m_client->v3(), keys));
    startModel("/st/");
    QCOMPARE(m_model->rowCount(), 30);
    int topLoads = 0;
    connect(m_model.get(), &KeyTreeModel::levelLoaded, this,
            [&](const QModelIndex &dir) { topLoads += dir.isValid() ? 0 : 1; });
    m_model->refresh();
    m_model->refresh();
    QTRY_COMPARE(topLoads, 1);
    QVERIFY(!m_model->isLoading());
    QCOMPARE(m_model->rowCount(), 30);
    // A round trip sent after both refreshes: the first refresh's answer, had it not been
    // dropped, would have been delivered by the time this one is.
    const auto barrier = run<EtcdV3RangeResult>(
        [&](QObject *c, auto cb) { m_client->v3()->range("/st/", EtcdV3RangeOptions{}, c, cb); });
    VERIFY_OK(barrier);
    QCOMPARE(topLoads, 1);
    bool sorted = false;
    describe(*m_model, &sorted);
    QVERIFY(sorted);
}

void TestKeyTreeModel::applyPutAndDelete()
{
    QVERIFY(putAll(m_client->v3(), {"/ap/a/x", "/ap/b/y", "/ap/inst2", "/ap/inst10"}));
    startModel("/ap/");
    m_model->fetchMore(m_model->indexForKey("/ap/a"));
    QTRY_VERIFY(m_model->rowCount(m_model->indexForKey("/ap/a")) == 1);

    // A new key keeps the natural order.
    m_model->applyPut(KeyInfo::fromV3({"/ap/inst3", "v", 5, 5, 1, 0}, true));
    QCOMPARE(names(*m_model), (QStringList{"a", "b", "inst2", "inst3", "inst10"}));
    // New virtual directories inside a loaded level.
    m_model->applyPut(KeyInfo::fromV3({"/ap/a/n1/n2/leaf", "v", 6, 6, 1, 0}, true));
    QVERIFY(m_model->indexForKey("/ap/a/n1/n2/leaf").isValid());
    // Nothing inside a level not listed.
    m_model->applyPut(KeyInfo::fromV3({"/ap/b/z", "v", 7, 7, 1, 0}, true));
    QVERIFY(!m_model->indexForKey("/ap/b/z").isValid());
    QVERIFY(m_model->canFetchMore(m_model->indexForKey("/ap/b")));
    // An update changes the row in place.
    const QPersistentModelIndex inst3 = m_model->indexForKey("/ap/inst3");
    m_model->applyPut(KeyInfo::fromV3({"/ap/inst3", "w", 5, 8, 2, 0}, true));
    QCOMPARE(inst3.data(KeyTreeModel::VersionRole).toLongLong(), 2);
    QCOMPARE(inst3.data(KeyTreeModel::ValueRole).toByteArray(), QByteArray("w"));
    // A key that is also a prefix: deleting the key keeps the directory.
    m_model->applyPut(KeyInfo::fromV3({"/ap/a", "v", 9, 9, 1, 0}, true));
    const QPersistentModelIndex a = m_model->indexForKey("/ap/a");
    QVERIFY(a.data(KeyTreeModel::IsKeyRole).toBool());
    m_model->applyDelete("/ap/a");
    QVERIFY(a.isValid());
    QVERIFY(!a.data(KeyTreeModel::IsKeyRole).toBool());
    // Deleting the last key below virtual directories removes them too.
    m_model->applyDelete("/ap/a/n1/n2/leaf");
    QVERIFY(!m_model->indexForKey("/ap/a/n1").isValid());
    QCOMPARE(m_model->rowCount(a), 1);
    m_model->applyDelete("/ap/a/x");
    QVERIFY(!m_model->indexForKey("/ap/a").isValid());
    QCOMPARE(names(*m_model), (QStringList{"b", "inst2", "inst3", "inst10"}));
}

void TestKeyTreeModel::applyDeletePrefix()
{
    QVERIFY(putAll(m_client->v3(), {"/dp/a", "/dp/a/b", "/dp/a/c/d", "/dp/ab", "/dp/x"}));
    startModel("/dp/");
    QVERIFY(loadAll(*m_model));
    m_model->applyDeletePrefix("/dp/a/");
    QCOMPARE(names(*m_model), (QStringList{"a", "ab", "x"}));
    QCOMPARE(m_model->rowCount(m_model->indexForKey("/dp/a")), 0);
    m_model->applyDeletePrefix("/dp/a");
    QCOMPARE(names(*m_model), QStringList{"x"});
}

void TestKeyTreeModel::valuePreviews()
{
    QVERIFY(put(m_client->v3(), "/vv/multi", "first line\nsecond"));
    QVERIFY(put(m_client->v3(), "/vv/long", QByteArray(500, 'x')));
    QVERIFY(put(m_client->v3(), "/vv/large", QByteArray(KeyTreeModel::maxKeptValueSize + 1, 'y')));
    QVERIFY(put(m_client->v3(), "/vv/bin", QByteArray("\x00\x01\xff", 3)));
    startModel("/vv/");
    const QModelIndex multi =
        m_model->indexForKey("/vv/multi").siblingAtColumn(KeyTreeModel::ValueColumn);
    // Asking for the preview only schedules the read; it arrives later.
    QVERIFY(!multi.data(KeyTreeModel::ValueLoadedRole).toBool());
    QVERIFY(!multi.data().isValid());
    for (int r = 0; r < m_model->rowCount(); ++r)
        m_model->index(r, KeyTreeModel::ValueColumn).data();
    QTRY_VERIFY(multi.data(KeyTreeModel::ValueLoadedRole).toBool());
    QCOMPARE(multi.data().toString(), QStringLiteral("first line…"));
    const QModelIndex longValue = m_model->indexForKey("/vv/long").siblingAtColumn(1);
    QTRY_VERIFY(longValue.data(KeyTreeModel::ValueLoadedRole).toBool());
    QCOMPARE(longValue.data().toString().size(), KeyTreeModel::previewLength + 1);
    const QModelIndex large = m_model->indexForKey("/vv/large").siblingAtColumn(1);
    QTRY_VERIFY(large.data(KeyTreeModel::ValueLoadedRole).toBool());
    QVERIFY(large.data(KeyTreeModel::LargeValueRole).toBool());
    QVERIFY(!large.data(KeyTreeModel::ValueRole).isValid());
    const QModelIndex bin = m_model->indexForKey("/vv/bin").siblingAtColumn(1);
    QTRY_VERIFY(bin.data(KeyTreeModel::ValueLoadedRole).toBool());
    QCOMPARE(bin.data().toString(), QStringLiteral("\\x00\\x01\\xff"));
    QCOMPARE(bin.data(KeyTreeModel::ValueRole).toByteArray(), QByteArray("\x00\x01\xff", 3));
    // One batch for all of them.
    QCOMPARE(m_model->lister()->valueRequestCount(), 1);
    QCOMPARE(m_model->index(0, KeyTreeModel::VersionColumn).data().toLongLong(), 1);
}

void TestKeyTreeModel::listingCostPerChild()
{
    QList<QByteArray> keys;
    for (int d = 0; d < 100; ++d) {
        for (int k = 0; k < 50; ++k)
            keys << "/cost/dir" + QByteArray::number(d).rightJustified(3, '0') + "/key" +
                        QByteArray::number(k);
    }
    QVERIFY(putAll(m_client->v3(), keys));
    const qint64 before = rangeRequestsServed(m_client->transport());
    startModel("/cost/");
    const qint64 after = rangeRequestsServed(m_client->transport());
    QCOMPARE(m_model->rowCount(), 100);
    const qint64 requests = after - before - 1; // the /metrics read itself is no Range
    qInfo() << "100 dirs x 50 keys: top level in" << m_model->lister()->listRequestCount()
            << "requests (etcd counted" << after - before << ")";
    QVERIFY2(m_model->lister()->listRequestCount() <= 115,
             qPrintable(QString::number(m_model->lister()->listRequestCount())));
    QVERIFY(requests <= m_model->lister()->listRequestCount() + 1);
}

void TestKeyTreeModel::listingCostFlat()
{
    QList<QByteArray> keys;
    for (int k = 0; k < 5000; ++k)
        keys << "/flat/item" + QByteArray::number(k);
    QVERIFY(putAll(m_client->v3(), keys));
    startModel("/flat/");
    QCOMPARE(m_model->rowCount(), 5000);
    qInfo() << "flat 5000: listed in" << m_model->lister()->listRequestCount() << "requests";
    QVERIFY2(m_model->lister()->listRequestCount() <= 5,
             qPrintable(QString::number(m_model->lister()->listRequestCount())));
}

void TestKeyTreeModel::pastRevisionBesideNewest()
{
    // Two listers on one connection feed two models: one at a past revision, one at the newest.
    QVERIFY(putAll(m_client->v3(), {"/pr/a/x", "/pr/a/y", "/pr/b"}, "old"));
    qint64 then = 0;
    QObject context;
    m_client->v3()->range("/pr/b", {}, &context, [&](const EtcdResult<EtcdV3RangeResult> &r) {
        then = r.value.header.revision;
    });
    QTRY_VERIFY(then > 0);
    QVERIFY(putAll(m_client->v3(), {"/pr/a/z", "/pr/b"}, "new"));
    QVERIFY(removeKey(m_client->v3(), "/pr/a/x"));

    KeyTreeModel past;
    QAbstractItemModelTester pastTester(&past,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
    past.lister()->setClient(m_client.get());
    past.lister()->setRootPrefix("/pr/");
    past.lister()->setRevision(then);
    past.reload();
    startModel("/pr/");
    QVERIFY(loadAll(past));
    QVERIFY(loadAll(*m_model));
    QCOMPARE(describe(past), expectedTree({"/pr/a/x", "/pr/a/y", "/pr/b"}, "/pr/", '/'));
    QCOMPARE(describe(*m_model), expectedTree({"/pr/a/y", "/pr/a/z", "/pr/b"}, "/pr/", '/'));
    QCOMPARE(past.rootListingRevision(), then);
    // Values are read as of the same revision.
    const QModelIndex oldB = past.indexForKey("/pr/b");
    const QModelIndex newB = m_model->indexForKey("/pr/b");
    past.loadValues({oldB});
    m_model->loadValues({newB});
    QTRY_VERIFY(oldB.data(KeyTreeModel::ValueLoadedRole).toBool());
    QTRY_VERIFY(newB.data(KeyTreeModel::ValueLoadedRole).toBool());
    QCOMPARE(oldB.data(KeyTreeModel::ValueRole).toByteArray(), QByteArray("old"));
    QCOMPARE(newB.data(KeyTreeModel::ValueRole).toByteArray(), QByteArray("new"));
}

QTEST_MAIN(TestKeyTreeModel)
#include "tst_keytreemodel.moc"
