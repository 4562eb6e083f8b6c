// KeyTreeModel taking watch events, against a real etcd (v3 and v2) and under
// QAbstractItemModelTester. Each event is built from a change the test really made, so that the
// model, listing again, agrees with it: inserts (with new v3 directories), deletes (pruning
// empty ones), updates, nothing below levels not listed, a 100,000-key prefix delete in a
// handful of signals, order within a batch, persistent indexes, the highlight, TTL and lease
// countdowns, the resync, and the rate of applying.
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "keytreetesting.h"
#include "leasettlcache.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>
#include <QTreeView>

using namespace keytreetesting;

class TestKeyTreeEvents : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void insertsUnderListedDirs();
    void deletesPruneEmptyDirs();
    void updatesInPlace();
    void nothingBelowUnlistedDirs();
    void prefixDeleteFewSignals_data();
    void prefixDeleteFewSignals();
    void backlogAppliedInSlices();
    void orderWithinBatch_data();
    void orderWithinBatch();
    void replayChangesNothing();
    void persistentIndexesSurvive();
    void eventsWithFilter();
    void coalescedPerFrame();
    void highlightSetThenCleared();
    void v2Directories();
    void v2TtlCountsDown();
    void v3LeaseShown();
    void v3KeptAliveLeaseReadAgain();
    void resyncMergesInPlace_data();
    void resyncMergesInPlace();
    void applyRate();

private:
    void startModel(EtcdClient *client, const QByteArray &prefix, bool tester = true);
    // v3 changes, each returning the event a watch reports for it.
    EtcdWatchEvent put3(const QByteArray &key, const QByteArray &value, quint64 lease = 0);
    EtcdWatchEvent del3(const QByteArray &key);
    QList<EtcdWatchEvent> delPrefix3(const QByteArray &prefix);
    // v2 changes.
    EtcdWatchEvent set2(const QByteArray &key, const QByteArray &value,
                        std::optional<qint64> ttl = {});
    EtcdWatchEvent mkdir2(const QByteArray &key);
    EtcdWatchEvent rmdir2(const QByteArray &key);
    QStringList etcdTree(EtcdClient *client, const QByteArray &prefix);
    static void flatten(const EtcdV2Node &node, QStringList *out);
    void apply(const QList<EtcdWatchEvent> &events);

    EtcdServer m_etcd;
    std::unique_ptr<EtcdClient> m_v3;
    std::unique_ptr<EtcdClient> m_v2;
    std::unique_ptr<KeyTreeModel> m_model;
    std::unique_ptr<LeaseTtlCache> m_leases;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

void TestKeyTreeEvents::initTestCase()
{
    qRegisterMetaType<EtcdWatchEvent>();
    QVERIFY2(m_etcd.start(), "etcd did not start");
    m_v3 = makeClient(&m_etcd, EtcdClient::Api::V3);
    QVERIFY(m_v3);
    m_v2 = makeClient(&m_etcd, EtcdClient::Api::V2);
    QVERIFY(m_v2);
}

void TestKeyTreeEvents::init()
{
    m_model = std::make_unique<KeyTreeModel>();
    m_leases = std::make_unique<LeaseTtlCache>();
    m_model->setLeaseCache(m_leases.get());
}

void TestKeyTreeEvents::cleanup()
{
    m_tester.reset();
    m_model.reset();
    m_leases.reset();
}

void TestKeyTreeEvents::startModel(EtcdClient *client, const QByteArray &prefix, bool tester)
{
    m_model->lister()->setClient(client);
    m_model->lister()->setRootPrefix(prefix);
    m_leases->setClient(client);
    // The tester fetches every level it can see; tests of what stays unlisted run without it.
    if (tester)
        m_tester = std::make_unique<QAbstractItemModelTester>(
            m_model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(reloadTopLevel(*m_model, 60000));
}

void TestKeyTreeEvents::apply(const QList<EtcdWatchEvent> &events)
{
    m_model->applyEvents(events);
    m_model->flushEvents();
}

EtcdWatchEvent TestKeyTreeEvents::put3(const QByteArray &key, const QByteArray &value,
                                       quint64 lease)
{
    EtcdV3PutOptions options;
    options.lease = lease;
    const auto put = run<EtcdV3PutResult>(
        [&](QObject *c, auto cb) { return m_v3->v3()->put(key, value, options, c, cb); });
    const auto read = run<EtcdV3RangeResult>(
        [&](QObject *c, auto cb) { return m_v3->v3()->range(key, {}, c, cb); });
    EtcdWatchEvent e;
    if (!put.ok() || !read.ok() || read.value.kvs.size() != 1) {
        qWarning() << "put failed" << key;
        return e;
    }
    const EtcdV3KeyValue &kv = read.value.kvs.first();
    e.action = kv.version == 1 ? EtcdWatchEvent::Action::Put : EtcdWatchEvent::Action::Update;
    e.key = kv.key;
    e.value = kv.value;
    e.revision = kv.modRevision;
    e.createRevision = kv.createRevision;
    e.version = kv.version;
    e.lease = kv.lease;
    return e;
}

EtcdWatchEvent TestKeyTreeEvents::del3(const QByteArray &key)
{
    const auto r = run<EtcdV3DeleteResult>(
        [&](QObject *c, auto cb) { return m_v3->v3()->deleteRange(key, {}, c, cb); });
    EtcdWatchEvent e;
    e.action = EtcdWatchEvent::Action::Delete;
    e.key = key;
    e.revision = r.value.header.revision;
    return e;
}

QList<EtcdWatchEvent> TestKeyTreeEvents::delPrefix3(const QByteArray &prefix)
{
    // As a watch reports a range delete: one Delete per key, in key order, at one revision.
    EtcdV3DeleteOptions options;
    options.rangeEnd = EtcdV3Client::prefixRangeEnd(prefix);
    options.prevKv = true;
    const auto r = run<EtcdV3DeleteResult>(
        [&](QObject *c, auto cb) { return m_v3->v3()->deleteRange(prefix, options, c, cb); },
        60000);
    QList<EtcdWatchEvent> events;
    for (const EtcdV3KeyValue &kv : r.value.prevKvs) {
        EtcdWatchEvent e;
        e.action = EtcdWatchEvent::Action::Delete;
        e.key = kv.key;
        e.revision = r.value.header.revision;
        events << e;
    }
    return events;
}

namespace {

EtcdWatchEvent fromV2(const EtcdV2Response &r, EtcdWatchEvent::Action action)
{
    EtcdWatchEvent e;
    e.action = action;
    e.key = r.node.key;
    e.value = r.node.value;
    e.isDir = r.node.dir;
    e.revision = r.node.modifiedIndex;
    e.createRevision = r.node.createdIndex;
    e.ttl = r.node.ttl.value_or(-1);
    e.expiration = r.node.expiration;
    return e;
}

} // namespace

EtcdWatchEvent TestKeyTreeEvents::set2(const QByteArray &key, const QByteArray &value,
                                       std::optional<qint64> ttl)
{
    EtcdV2SetOptions options;
    options.ttl = ttl;
    const auto r = run<EtcdV2Response>(
        [&](QObject *c, auto cb) { return m_v2->v2()->set(key, value, options, c, cb); });
    return fromV2(r.value, EtcdWatchEvent::Action::Set);
}

EtcdWatchEvent TestKeyTreeEvents::mkdir2(const QByteArray &key)
{
    const auto r = run<EtcdV2Response>(
        [&](QObject *c, auto cb) { return m_v2->v2()->createDir(key, {}, c, cb); });
    return fromV2(r.value, EtcdWatchEvent::Action::Put);
}

EtcdWatchEvent TestKeyTreeEvents::rmdir2(const QByteArray &key)
{
    const auto r = run<EtcdV2Response>(
        [&](QObject *c, auto cb) { return m_v2->v2()->removeDir(key, true, c, cb); });
    return fromV2(r.value, EtcdWatchEvent::Action::Delete);
}

void TestKeyTreeEvents::flatten(const EtcdV2Node &node, QStringList *out)
{
    for (const EtcdV2Node &child : node.nodes) {
        *out << QString::fromLatin1(child.key.toHex()) + QLatin1Char('|') +
                    (child.dir ? QString() : QStringLiteral("K")) +
                    (child.nodes.empty() ? QString() : QStringLiteral("D"));
        flatten(child, out);
    }
}

QStringList TestKeyTreeEvents::etcdTree(EtcdClient *client, const QByteArray &prefix)
{
    if (client == m_v3.get())
        return expectedTree(keysBelow(m_v3->v3(), prefix), prefix, '/');
    EtcdV2GetOptions options;
    options.recursive = true;
    options.sorted = true;
    const auto all = run<EtcdV2Response>(
        [&](QObject *c, auto cb) { return m_v2->v2()->get(prefix.chopped(1), options, c, cb); });
    QStringList out;
    flatten(all.value.node, &out);
    out.sort();
    return out;
}

// ---- v3 ---------------------------------------------------------------------------------------

void TestKeyTreeEvents::insertsUnderListedDirs()
{
    QVERIFY(putAll(m_v3->v3(), {"/ins/a/x", "/ins/a/inst10", "/ins/b"}));
    startModel(m_v3.get(), "/ins/");
    QVERIFY(loadAll(*m_model));
    QSignalSpy inserted(m_model.get(), &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelReset);
    apply({put3("/ins/a/inst2", "v"), put3("/ins/new/deep/k", "v"), put3("/ins/new/deep/j", "v"),
           put3("/ins/new/m", "v"), put3("/ins/a/sub/k2", "v")});
    QCOMPARE(reset.count(), 0);
    QCOMPARE(names(*m_model, m_model->indexForKey("/ins/a")),
             (QStringList{"inst2", "inst10", "sub", "x"}));
    // New directories arrive whole: "new" (with "deep" and its keys) is one insert.
    const QModelIndex deep = m_model->indexForKey("/ins/new/deep");
    QVERIFY(deep.isValid());
    QCOMPARE(names(*m_model, deep), (QStringList{"j", "k"}));
    QVERIFY(!m_model->canFetchMore(deep));
    QCOMPARE(inserted.count(), 3); // inst2 and sub (apart), new
    bool sorted = false;
    QCOMPARE(describe(*m_model, &sorted), etcdTree(m_v3.get(), "/ins/"));
    QVERIFY(sorted);
}

void TestKeyTreeEvents::deletesPruneEmptyDirs()
{
    QVERIFY(putAll(m_v3->v3(), {"/del/a/b/c/k", "/del/a/x", "/del/y", "/del/z", "/del/z/w"}));
    startModel(m_v3.get(), "/del/");
    QVERIFY(loadAll(*m_model));
    QSignalSpy removed(m_model.get(), &QAbstractItemModel::rowsAboutToBeRemoved);
    // The last key below b and c: both go, in one removal (of b).
    apply({del3("/del/a/b/c/k")});
    QCOMPARE(removed.count(), 1);
    QVERIFY(!m_model->indexForKey("/del/a/b").isValid());
    QCOMPARE(names(*m_model, m_model->indexForKey("/del/a")), QStringList{"x"});
    // A key that is also a directory loses its key, keeps its row while "/del/z/w" stays.
    apply({del3("/del/z")});
    const QModelIndex z = m_model->indexForKey("/del/z");
    QVERIFY(z.isValid());
    QVERIFY(!z.data(KeyTreeModel::IsKeyRole).toBool());
    // Then the rest: a, z and their rows.
    apply({del3("/del/a/x"), del3("/del/z/w")});
    QCOMPARE(names(*m_model), QStringList{"y"});
    QCOMPARE(describe(*m_model), etcdTree(m_v3.get(), "/del/"));
}

void TestKeyTreeEvents::updatesInPlace()
{
    QVERIFY(putAll(m_v3->v3(), {"/up/a", "/up/b", "/up/c"}));
    startModel(m_v3.get(), "/up/");
    const QPersistentModelIndex b = m_model->indexForKey("/up/b");
    m_model->loadValues({b});
    QTRY_VERIFY(b.data(KeyTreeModel::ValueLoadedRole).toBool());
    QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
    const EtcdWatchEvent eb = put3("/up/b", "new value");
    const EtcdWatchEvent ec = put3("/up/c", "other");
    apply({eb, ec});
    QCOMPARE(b.data(KeyTreeModel::ModRevisionRole).toLongLong(), eb.revision);
    QCOMPARE(b.data(KeyTreeModel::VersionRole).toLongLong(), 2);
    // A value already loaded follows the event; one not loaded stays unloaded (read on demand).
    QCOMPARE(b.data(KeyTreeModel::ValueRole).toByteArray(), QByteArray("new value"));
    const QModelIndex c = m_model->indexForKey("/up/c");
    QVERIFY(!c.data(KeyTreeModel::ValueLoadedRole).toBool());
    QCOMPARE(c.data(KeyTreeModel::ModRevisionRole).toLongLong(), ec.revision);
    // One dataChanged over the block b..c, all columns.
    QCOMPARE(changed.count(), 1);
    const QModelIndex from = changed.first().at(0).value<QModelIndex>();
    const QModelIndex to = changed.first().at(1).value<QModelIndex>();
    QCOMPARE(from.row(), b.row());
    QCOMPARE(to.row(), c.row());
    QCOMPARE(to.column(), KeyTreeModel::ColumnCount - 1);
}

void TestKeyTreeEvents::nothingBelowUnlistedDirs()
{
    QVERIFY(putAll(m_v3->v3(), {"/un/a/x", "/un/a/y", "/un/b/z", "/un/top"}));
    startModel(m_v3.get(), "/un/", false);
    const QPersistentModelIndex a = m_model->indexForKey("/un/a");
    QVERIFY(m_model->canFetchMore(a));
    // Below a level not listed: no rows, the level still lists fresh when opened.
    apply({put3("/un/a/new", "v"), del3("/un/a/x")});
    QCOMPARE(m_model->rowCount(a), 0);
    QVERIFY(m_model->canFetchMore(a));
    // The last key below a directory row not listed went: the row goes (etcd is asked).
    apply({del3("/un/b/z")});
    QTRY_VERIFY(!m_model->indexForKey("/un/b").isValid());
    QVERIFY(a.isValid());
    // A new directory below the listed level is complete with the one key it holds.
    const qint64 requests = m_model->lister()->listRequestCount();
    apply({put3("/un/c/k", "v")});
    const QModelIndex c = m_model->indexForKey("/un/c");
    QVERIFY(c.isValid());
    QVERIFY(!m_model->canFetchMore(c));
    QCOMPARE(names(*m_model, c), QStringList{"k"});
    QCOMPARE(m_model->lister()->listRequestCount(), requests);
    // Opening a lists what etcd holds, the event's key included.
    m_model->fetchMore(a);
    QTRY_COMPARE(names(*m_model, a), (QStringList{"new", "y"}));
    QVERIFY(loadAll(*m_model));
    QCOMPARE(describe(*m_model), etcdTree(m_v3.get(), "/un/"));
}

void TestKeyTreeEvents::prefixDeleteFewSignals_data()
{
    QTest::addColumn<QByteArray>("root");
    QTest::addColumn<int>("count");
    QTest::addColumn<bool>("tester");
    // The directory is the top level (one range), or a row below it (the row goes, whole).
    // QAbstractItemModelTester checks the whole model after every insert, which makes loading
    // 100,000 rows quadratic: the big cases run without it, a smaller one with it.
    QTest::newRow("flat top level") << QByteArray("/big/d/") << 100000 << false;
    QTest::newRow("directory row") << QByteArray("/big/") << 100000 << false;
    QTest::newRow("directory row, tester") << QByteArray("/big/") << 5000 << true;
}

void TestKeyTreeEvents::prefixDeleteFewSignals()
{
    QFETCH(QByteArray, root);
    QFETCH(int, count);
    QFETCH(bool, tester);
    // Names without zero padding: key order and the rows' natural order differ, so any batch
    // of the delete (in key order) is scattered over the rows.
    QList<QByteArray> keys;
    keys.reserve(count);
    for (int i = 1; i <= count; ++i)
        keys << "/big/d/k" + QByteArray::number(i);
    QVERIFY(putAll(m_v3->v3(), keys));
    QVERIFY(putAll(m_v3->v3(), {"/big/other"}));
    startModel(m_v3.get(), root, tester);
    QVERIFY(loadAll(*m_model, 120000));
    const QModelIndex dir = root == "/big/" ? m_model->indexForKey("/big/d") : QModelIndex();
    QTRY_COMPARE_WITH_TIMEOUT(m_model->rowCount(dir), count, 60000);

    const QList<EtcdWatchEvent> events = delPrefix3("/big/d/");
    QCOMPARE(events.size(), count);
    QSignalSpy removed(m_model.get(), &QAbstractItemModel::rowsAboutToBeRemoved);
    QElapsedTimer timer;
    timer.start();
    // As a watch delivers it: 1,000 events per message, the event loop running between.
    for (qsizetype i = 0; i < events.size(); i += 1000) {
        m_model->applyEvents(events.mid(i, 1000));
        QCoreApplication::processEvents();
    }
    QTRY_COMPARE_WITH_TIMEOUT(m_model->pendingEventCount(), 0, 30000);
    qInfo("%d deletes delivered and applied in %lld ms with %lld removal signals", count,
          qint64(timer.elapsed()), qint64(removed.count()));
    // One: the top level's rows in one range, or the directory row with everything below it.
    QCOMPARE(removed.count(), 1);
    if (root == "/big/") {
        QCOMPARE(names(*m_model), QStringList{"other"});
        QVERIFY(removeKey(m_v3->v3(), "/big/other"));
    } else {
        QCOMPARE(m_model->rowCount(), 0);
    }
}

void TestKeyTreeEvents::orderWithinBatch_data()
{
    QTest::addColumn<bool>("putFirst");
    QTest::newRow("put then delete: deleted") << true;
    QTest::newRow("delete then put: present") << false;
}

void TestKeyTreeEvents::orderWithinBatch()
{
    QFETCH(bool, putFirst);
    const QByteArray prefix = putFirst ? "/ord1/" : "/ord2/";
    QVERIFY(putAll(m_v3->v3(), {prefix + "a", prefix + "k"}));
    startModel(m_v3.get(), prefix);
    const QPersistentModelIndex k = m_model->indexForKey(prefix + "k");
    QVERIFY(k.isValid());
    QList<EtcdWatchEvent> events;
    if (putFirst) {
        events << put3(prefix + "n", "v") << del3(prefix + "n") << put3(prefix + "k", "2")
               << del3(prefix + "k");
    } else {
        events << del3(prefix + "k") << put3(prefix + "k", "new");
    }
    apply(events);
    if (putFirst) {
        QVERIFY(!m_model->indexForKey(prefix + "n").isValid());
        QVERIFY(!k.isValid());
    } else {
        // The same row, with the new key's metadata.
        QVERIFY(k.isValid());
        QCOMPARE(k.data(KeyTreeModel::ModRevisionRole).toLongLong(), events.last().revision);
        QCOMPARE(k.data(KeyTreeModel::CreateRevisionRole).toLongLong(),
                 events.last().createRevision);
        QCOMPARE(k.data(KeyTreeModel::VersionRole).toLongLong(), 1);
    }
    QCOMPARE(describe(*m_model), etcdTree(m_v3.get(), prefix));
}

void TestKeyTreeEvents::replayChangesNothing()
{
    QVERIFY(putAll(m_v3->v3(), {"/rp/a", "/rp/b"}));
    startModel(m_v3.get(), "/rp/");
    const QList<EtcdWatchEvent> events{put3("/rp/a", "2"), del3("/rp/b"), put3("/rp/c", "v"),
                                       put3("/rp/d/e", "v"), del3("/rp/d/e")};
    apply(events);
    const QStringList once = describe(*m_model);
    QCOMPARE(once, etcdTree(m_v3.get(), "/rp/"));
    // A watch restarted before these replays them: nothing moves.
    QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
    QSignalSpy inserted(m_model.get(), &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(m_model.get(), &QAbstractItemModel::rowsRemoved);
    apply(events);
    QCOMPARE(describe(*m_model), once);
    QCOMPARE(changed.count(), 0);
    QCOMPARE(removed.count(), 0);
    // "d/e" (put, then deleted) does not even come and go: within a batch the newest event per
    // key is the one applied.
    QCOMPARE(inserted.count(), 0);
}

void TestKeyTreeEvents::persistentIndexesSurvive()
{
    QVERIFY(putAll(m_v3->v3(), {"/pi/b", "/pi/c", "/pi/e", "/pi/dir/x"}));
    startModel(m_v3.get(), "/pi/");
    QVERIFY(loadAll(*m_model));
    const QPersistentModelIndex c = m_model->indexForKey("/pi/c");
    const QPersistentModelIndex x = m_model->indexForKey("/pi/dir/x");
    QVERIFY(c.isValid() && x.isValid());
    apply({put3("/pi/a", "v"), del3("/pi/b"), put3("/pi/d", "v"), del3("/pi/e"),
           put3("/pi/dir/w", "v"), put3("/pi/c", "2")});
    QVERIFY(c.isValid());
    QCOMPARE(c.data(KeyTreeModel::KeyRole).toByteArray(), QByteArray("/pi/c"));
    QCOMPARE(c.row(), m_model->indexForKey("/pi/c").row());
    QVERIFY(x.isValid());
    QCOMPARE(x.row(), 1);
    QCOMPARE(describe(*m_model), etcdTree(m_v3.get(), "/pi/"));
}

void TestKeyTreeEvents::eventsWithFilter()
{
    QVERIFY(putAll(m_v3->v3(), {"/fe/a/match1", "/fe/a/other", "/fe/b/x"}));
    startModel(m_v3.get(), "/fe/");
    QVERIFY(loadAll(*m_model));
    m_model->setFilterText(QStringLiteral("match"));
    QCOMPARE(names(*m_model), QStringList{"a"});
    apply({put3("/fe/a/match2", "v"), put3("/fe/b/match3", "v"), put3("/fe/c/nope", "v"),
           del3("/fe/a/match1")});
    QCOMPARE(names(*m_model), (QStringList{"a", "b"}));
    QCOMPARE(names(*m_model, m_model->indexForKey("/fe/a")), QStringList{"match2"});
    m_model->setFilterText({});
    QCOMPARE(describe(*m_model), etcdTree(m_v3.get(), "/fe/"));
}

void TestKeyTreeEvents::coalescedPerFrame()
{
    QVERIFY(putAll(m_v3->v3(), {"/co/a"}));
    startModel(m_v3.get(), "/co/");
    QSignalSpy applied(m_model.get(), &KeyTreeModel::eventsApplied);
    QSignalSpy inserted(m_model.get(), &QAbstractItemModel::rowsInserted);
    QList<EtcdWatchEvent> events;
    for (int i = 0; i < 10; ++i)
        events << put3("/co/k" + QByteArray::number(i), "v");
    // Ten deliveries in one event-loop turn: one application, one insert of adjacent rows.
    for (const EtcdWatchEvent &e : events)
        m_model->applyEvents({e});
    QCOMPARE(m_model->pendingEventCount(), 10);
    QVERIFY(applied.wait(5000));
    QCOMPARE(applied.count(), 1);
    QCOMPARE(applied.first().at(0).toInt(), 10);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(m_model->rowCount(), 11);
}

void TestKeyTreeEvents::highlightSetThenCleared()
{
    QVERIFY(putAll(m_v3->v3(), {"/hl/a", "/hl/b"}));
    startModel(m_v3.get(), "/hl/");
    m_model->setHighlightDuration(300);
    apply({put3("/hl/a", "2"), put3("/hl/n", "v")});
    const QPersistentModelIndex a = m_model->indexForKey("/hl/a");
    const QPersistentModelIndex n = m_model->indexForKey("/hl/n");
    const QModelIndex b = m_model->indexForKey("/hl/b");
    QVERIFY(a.data(KeyTreeModel::HighlightedRole).toBool());
    QVERIFY(n.data(KeyTreeModel::HighlightedRole).toBool());
    QVERIFY(QModelIndex(a)
                .siblingAtColumn(KeyTreeModel::VersionColumn)
                .data(Qt::BackgroundRole)
                .isValid());
    QVERIFY(!b.data(KeyTreeModel::HighlightedRole).toBool());
    QVERIFY(!b.data(Qt::BackgroundRole).isValid());
    QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
    QTRY_VERIFY(!a.data(KeyTreeModel::HighlightedRole).toBool());
    QVERIFY(!n.data(KeyTreeModel::HighlightedRole).toBool());
    QVERIFY(!a.data(Qt::BackgroundRole).isValid());
    // Both ended together: one dataChanged for the directory (others may be value previews).
    int ended = 0;
    for (const QList<QVariant> &args : std::as_const(changed))
        ended += args.at(2).value<QList<int>>().contains(Qt::BackgroundRole) ? 1 : 0;
    QCOMPARE(ended, 1);
}

void TestKeyTreeEvents::v3LeaseShown()
{
    const auto grant = run<EtcdV3LeaseGrantResult>(
        [&](QObject *c, auto cb) { return m_v3->v3()->leaseGrant(600, 0, c, cb); });
    VERIFY_OK(grant);
    const quint64 lease = grant.value.id;
    QVERIFY(putAll(m_v3->v3(), {"/ls/plain"}));
    put3("/ls/leased", "v", lease);
    startModel(m_v3.get(), "/ls/");
    const QModelIndex leased =
        m_model->indexForKey("/ls/leased").siblingAtColumn(KeyTreeModel::TtlColumn);
    const QString id = QString::number(lease, 16).left(5);
    QVERIFY(leased.data().toString().startsWith(QLatin1String("lease ") + id));
    // The lease's TTL is read once, then counts down.
    QTRY_VERIFY(leased.data().toString().endsWith(QLatin1String(" s")));
    const qint64 left = leased.data(KeyTreeModel::TtlLeftRole).toLongLong();
    QVERIFY2(left > 580 && left <= 600, qPrintable(QString::number(left)));
    QVERIFY(leased.data(Qt::ToolTipRole).toString().contains(QString::number(lease, 16)));
    QVERIFY(!m_model->indexForKey("/ls/plain")
                 .siblingAtColumn(KeyTreeModel::TtlColumn)
                 .data()
                 .isValid());
    // A new key under the same lease, by event: shown the same way.
    apply({put3("/ls/leased2", "v", lease)});
    const QModelIndex leased2 =
        m_model->indexForKey("/ls/leased2").siblingAtColumn(KeyTreeModel::TtlColumn);
    QTRY_VERIFY(leased2.data().toString().endsWith(QLatin1String(" s")));
    run<EtcdV3Header>([&](QObject *c, auto cb) { return m_v3->v3()->leaseRevoke(lease, c, cb); });
}

void TestKeyTreeEvents::v3KeptAliveLeaseReadAgain()
{
    // A keep-alive changes no key: when the countdown runs out and the key is still there, the
    // lease is read again instead of showing "0 s" until the next periodic read.
    const auto grant = run<EtcdV3LeaseGrantResult>(
        [&](QObject *c, auto cb) { return m_v3->v3()->leaseGrant(2, 0, c, cb); });
    VERIFY_OK(grant);
    const quint64 lease = grant.value.id;
    put3("/ka/k", "v", lease);
    QTimer keepAlive;
    QObject context;
    connect(&keepAlive, &QTimer::timeout, &context,
            [&] { m_v3->v3()->leaseKeepAliveOnce(lease, &context, [](const auto &) {}); });
    keepAlive.start(500);
    startModel(m_v3.get(), "/ka/");
    const QModelIndex k = m_model->indexForKey("/ka/k").siblingAtColumn(KeyTreeModel::TtlColumn);
    QTRY_VERIFY(k.data().toString().endsWith(QLatin1String(" s")));
    // It runs out (the lease is read in whole seconds) and comes back, twice: read again each
    // time (each data() call stands for a paint).
    auto painted = [&] {
        k.data(); // what a view asks for when it paints the cell
        return k.data(KeyTreeModel::TtlLeftRole).toLongLong();
    };
    for (int round = 0; round < 2; ++round) {
        QTRY_COMPARE_WITH_TIMEOUT(painted(), 0, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(painted() > 0, 3000);
    }
    QVERIFY(m_model->indexForKey("/ka/k").isValid());
    keepAlive.stop();
    run<EtcdV3Header>([&](QObject *c, auto cb) { return m_v3->v3()->leaseRevoke(lease, c, cb); });
}

// ---- v2 ---------------------------------------------------------------------------------------

void TestKeyTreeEvents::v2Directories()
{
    set2("/v2e/a/x", "1");
    set2("/v2e/a/y", "1");
    set2("/v2e/b", "1");
    startModel(m_v2.get(), "/v2e/");
    QVERIFY(loadAll(*m_model));
    QSignalSpy removed(m_model.get(), &QAbstractItemModel::rowsAboutToBeRemoved);
    QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelReset);
    // A new directory, keys in it, keys under directories etcd creates on the way, then a
    // recursive delete of a directory in the same batch.
    apply({mkdir2("/v2e/newdir"), set2("/v2e/newdir/k", "v"), set2("/v2e/imp/deep/k", "v"),
           set2("/v2e/a/z", "v"), rmdir2("/v2e/a"), mkdir2("/v2e/empty")});
    QCOMPARE(reset.count(), 0);
    QVERIFY(!m_model->indexForKey("/v2e/a").isValid());
    QCOMPARE(removed.count(), 1); // a and its subtree, at once
    const QModelIndex empty = m_model->indexForKey("/v2e/empty");
    QVERIFY(empty.data(KeyTreeModel::IsDirectoryRole).toBool());
    QVERIFY(!m_model->canFetchMore(empty));
    QVERIFY(m_model->indexForKey("/v2e/imp/deep/k").isValid());
    QVERIFY(m_model->indexForKey("/v2e/imp").data(KeyTreeModel::CreateRevisionRole).toLongLong() >
            0);
    QCOMPARE(m_model->indexForKey("/v2e/newdir/k").data(KeyTreeModel::ValueRole).toByteArray(),
             QByteArray("v"));
    QCOMPARE(describe(*m_model), etcdTree(m_v2.get(), "/v2e/"));
}

void TestKeyTreeEvents::v2TtlCountsDown()
{
    set2("/ttl2/plain", "v");
    set2("/ttl2/k", "v", 100);
    startModel(m_v2.get(), "/ttl2/");
    const QPersistentModelIndex k =
        m_model->indexForKey("/ttl2/k").siblingAtColumn(KeyTreeModel::TtlColumn);
    const qint64 first = k.data(KeyTreeModel::TtlLeftRole).toLongLong();
    QVERIFY2(first > 95 && first <= 100, qPrintable(QString::number(first)));
    QCOMPARE(k.data().toString(), QStringLiteral("%1 s").arg(first));
    // Painting the cell (asking for its text) lets the next tick reach its row.
    QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
    QTRY_VERIFY_WITH_TIMEOUT(k.data(KeyTreeModel::TtlLeftRole).toLongLong() < first, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!changed.isEmpty(), 5000);
    const QModelIndex from = changed.first().at(0).value<QModelIndex>();
    QCOMPARE(from.column(), int(KeyTreeModel::TtlColumn));
    QCOMPARE(from.row(), k.row());
    // A new key with a TTL, by event, counts down too.
    apply({set2("/ttl2/n", "v", 50)});
    const qint64 left =
        m_model->indexForKey("/ttl2/n").data(KeyTreeModel::TtlLeftRole).toLongLong();
    QVERIFY2(left > 45 && left <= 50, qPrintable(QString::number(left)));
}

// ---- resync -----------------------------------------------------------------------------------

void TestKeyTreeEvents::resyncMergesInPlace_data()
{
    QTest::addColumn<bool>("v2");
    QTest::newRow("v3") << false;
    QTest::newRow("v2") << true;
}

void TestKeyTreeEvents::resyncMergesInPlace()
{
    QFETCH(bool, v2);
    EtcdClient *client = v2 ? m_v2.get() : m_v3.get();
    const QByteArray p = v2 ? "/rs2/" : "/rs3/";
    auto write = [&](const QByteArray &key, const QByteArray &value) {
        return v2 ? set2(key, value).revision : put3(key, value).revision;
    };
    auto remove = [&](const QByteArray &key) {
        if (v2)
            run<EtcdV2Response>(
                [&](QObject *c, auto cb) { return m_v2->v2()->remove(key, {}, c, cb); });
        else
            del3(key);
    };
    for (const char *k : {"a/x", "a/y", "b/z", "c", "d/e/f", "keep"})
        write(p + k, "1");
    startModel(client, p);
    QVERIFY(loadAll(*m_model));
    const QPersistentModelIndex keep = m_model->indexForKey(p + "keep");
    const QPersistentModelIndex ax = m_model->indexForKey(p + "a/x");
    QVERIFY(keep.isValid() && ax.isValid());

    // Behind the model's back (history the watch lost).
    remove(p + "a/y");
    remove(p + "d/e/f");
    if (v2)
        rmdir2(p + "d");
    write(p + "a/w", "1");
    write(p + "n/m", "1");
    const qint64 lastChange = write(p + "c", "2");

    QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelReset);
    qint64 revision = -1;
    m_model->resync([&](qint64 r) { revision = r; });
    QVERIFY(m_model->isResyncing());
    QTRY_VERIFY_WITH_TIMEOUT(revision >= 0, 30000);
    QVERIFY(revision >= lastChange);
    QVERIFY(!m_model->isResyncing());
    QCOMPARE(reset.count(), 0);
    // Unchanged rows kept their identity and place.
    QVERIFY(keep.isValid());
    QCOMPARE(keep.data(KeyTreeModel::KeyRole).toByteArray(), p + "keep");
    QVERIFY(ax.isValid());
    QCOMPARE(ax.data(KeyTreeModel::KeyRole).toByteArray(), p + "a/x");
    QCOMPARE(m_model->indexForKey(p + "c").data(KeyTreeModel::ModRevisionRole).toLongLong(),
             lastChange);
    QVERIFY(loadAll(*m_model));
    QCOMPARE(describe(*m_model), etcdTree(client, p));
}

// ---- rate -------------------------------------------------------------------------------------

void TestKeyTreeEvents::applyRate()
{
    // 10,000 events (5,000 updates, 5,000 new keys) into an expanded directory of 10,000 rows
    // shown in a view, 100 per application: the rate is logged, not asserted (bench/ measures).
    // No tester here: its checks on every signal would be what is measured.
    constexpr int rows = 10000;
    QList<QByteArray> keys;
    for (int i = 0; i < rows; ++i)
        keys << "/rate/d/k" + QByteArray::number(i);
    QVERIFY(putAll(m_v3->v3(), keys));
    startModel(m_v3.get(), "/rate/", false);
    const QModelIndex dir = m_model->indexForKey("/rate/d");
    QTreeView view;
    view.setUniformRowHeights(true);
    view.setModel(m_model.get());
    view.resize(800, 600);
    view.show();
    view.expand(dir);
    QTRY_COMPARE_WITH_TIMEOUT(m_model->rowCount(dir), rows, 60000);

    const auto before = run<EtcdV3RangeResult>(
        [&](QObject *c, auto cb) { return m_v3->v3()->range("/rate/", {}, c, cb); });
    QList<QByteArray> writes;
    for (int i = 0; i < rows; i += 2)
        writes << "/rate/d/k" + QByteArray::number(i) << "/rate/d/n" + QByteArray::number(i);
    QVERIFY(putAll(m_v3->v3(), writes, "w"));
    // The events a watch would report: every key changed since, in revision order.
    EtcdV3RangeOptions options;
    options.rangeEnd = EtcdV3Client::prefixRangeEnd("/rate/");
    options.minModRevision = before.value.header.revision + 1;
    const auto changed = run<EtcdV3RangeResult>(
        [&](QObject *c, auto cb) { return m_v3->v3()->range("/rate/", options, c, cb); });
    VERIFY_OK(changed);
    QList<EtcdWatchEvent> events;
    for (const EtcdV3KeyValue &kv : changed.value.kvs) {
        EtcdWatchEvent e;
        e.action = kv.version == 1 ? EtcdWatchEvent::Action::Put : EtcdWatchEvent::Action::Update;
        e.key = kv.key;
        e.value = kv.value;
        e.revision = kv.modRevision;
        e.createRevision = kv.createRevision;
        e.version = kv.version;
        events << e;
    }
    std::stable_sort(events.begin(), events.end(),
                     [](const auto &a, const auto &b) { return a.revision < b.revision; });
    QCOMPARE(events.size(), rows);

    QElapsedTimer timer;
    timer.start();
    qint64 worst = 0;
    for (qsizetype i = 0; i < events.size(); i += 100) {
        QElapsedTimer frame;
        frame.start();
        m_model->applyEvents(events.mid(i, 100));
        m_model->flushEvents();
        QCoreApplication::processEvents(); // the view lays out and paints
        worst = std::max(worst, qint64(frame.elapsed()));
    }
    const qint64 ms = std::max<qint64>(1, timer.elapsed());
    qInfo("applied %lld events in %lld ms: %lld events/s, worst frame %lld ms",
          qint64(events.size()), ms, qint64(events.size()) * 1000 / ms, worst);
    QCOMPARE(m_model->rowCount(dir), rows + rows / 2);
    QVERIFY(view.isExpanded(dir));
    QCOMPARE(describe(*m_model), etcdTree(m_v3.get(), "/rate/"));
}

void TestKeyTreeEvents::backlogAppliedInSlices()
{
    // A watch catching up after a break: 50,000 new keys over 500 revisions, delivered at once.
    // The model applies them a slice per frame (whole revisions, ~20,000 events), not in one go.
    startModel(m_v3.get(), "/slice/", false);
    QCOMPARE(m_model->rowCount(), 0);
    const EtcdWatchEvent base = put3("/slice-base", "x");
    QList<EtcdWatchEvent> events;
    for (int i = 0; i < 50000; ++i) {
        EtcdWatchEvent e;
        e.action = EtcdWatchEvent::Action::Put;
        e.key = "/slice/k" + QByteArray::number(i);
        e.value = "v";
        e.revision = base.revision + 1 + i / 100;
        e.createRevision = e.revision;
        e.version = 1;
        events << e;
    }
    QList<int> applied;
    connect(m_model.get(), &KeyTreeModel::eventsApplied, this, [&](int n) { applied << n; });
    m_model->applyEvents(events);
    QTRY_COMPARE_WITH_TIMEOUT(m_model->pendingEventCount(), 0, 30000);
    QCOMPARE(m_model->rowCount(), 50000);
    QVERIFY2(applied.size() >= 3, qPrintable(QString::number(applied.size())));
    int total = 0;
    for (int n : std::as_const(applied)) {
        QVERIFY(n <= 20000);
        QCOMPARE(n % 100, 0); // whole revisions
        total += n;
    }
    QCOMPARE(total, 50000);
}

QTEST_MAIN(TestKeyTreeEvents)
#include "tst_keytreeevents.moc"
