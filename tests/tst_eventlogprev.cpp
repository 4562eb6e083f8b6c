// The event log's previous values read on demand from a real etcd (the live watch runs without
// prev_kv): an update shows the value it replaced, a delete the value it removed, a compacted
// revision says so, creates and v2 events ask nothing; the row and the event follow, under
// QAbstractItemModelTester. And the event log panel's detail area, which asks when it shows one.
#include "etcdclient.h"
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "etcdv3client.h"
#include "eventlogmodel.h"
#include "eventlogpanel.h"
#include "eventprevvaluereader.h"
#include "eventtesting.h"
#include "watchtesting.h"

#include <QAbstractItemModelTester>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTest>
#include <QTreeView>

using namespace watchtesting;
using Action = EtcdWatchEvent::Action;
using eventtesting::watchEvent;

class TestEventLogPrev : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void updateAndDeleteReadTheirPreviousValue();
    void compactedRevisionSaysSo();
    void onlyWhereThereIsOneToRead();
    void panelShowsItWhenSelected();
    void valuesSeenFillTheNextEvent();

private:
    qint64 put(const QByteArray &key, const QByteArray &value);
    qint64 remove(const QByteArray &key);
    qint64 appendOne(const EtcdWatchEvent &e);

    EtcdServer m_etcd;
    std::unique_ptr<EtcdClient> m_client;
    std::unique_ptr<EventLogModel> m_model;
    std::unique_ptr<EventPrevValueReader> m_reader;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

void TestEventLogPrev::initTestCase()
{
    QVERIFY2(m_etcd.start(), "etcd did not start");
    m_client = discoveredClient({m_etcd.clientUrl()}, EtcdClient::Api::V3);
    QVERIFY(m_client);
}

void TestEventLogPrev::init()
{
    m_tester.reset();
    m_model = std::make_unique<EventLogModel>();
    m_tester = std::make_unique<QAbstractItemModelTester>(
        m_model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_model->setApi(EtcdClient::Api::V3);
    m_reader = std::make_unique<EventPrevValueReader>(m_model.get());
    m_reader->setClient(m_client.get());
}

qint64 TestEventLogPrev::put(const QByteArray &key, const QByteArray &value)
{
    const auto r = run<EtcdV3PutResult>(
        [&](QObject *c, auto cb) { return m_client->v3()->put(key, value, {}, c, cb); });
    return r.ok() ? r.value.header.revision : -1;
}

qint64 TestEventLogPrev::remove(const QByteArray &key)
{
    const auto r = run<EtcdV3DeleteResult>(
        [&](QObject *c, auto cb) { return m_client->v3()->deleteRange(key, {}, c, cb); });
    return r.ok() ? r.value.header.revision : -1;
}

qint64 TestEventLogPrev::appendOne(const EtcdWatchEvent &e)
{
    m_model->append({e});
    const int row = m_model->rowCount() - 1;
    return m_model->index(row, 0).data(EventLogModel::SequenceRole).toLongLong();
}

void TestEventLogPrev::updateAndDeleteReadTheirPreviousValue()
{
    put("/prev/k", "first");
    const qint64 updated = put("/prev/k", "second");
    const qint64 removed = remove("/prev/k");
    QVERIFY(updated > 0 && removed > updated);
    const qint64 u = appendOne(watchEvent(Action::Update, "/prev/k", updated, "second"));
    m_model->forgetValues(); // else the delete's previous value is the update's, seen just now
    const qint64 d = appendOne(watchEvent(Action::Delete, "/prev/k", removed));
    const int uRow = m_model->rowOfSequence(u);
    QVERIFY(m_model->canLoadPrevValue(m_model->eventAt(uRow)));
    QSignalSpy loaded(m_model.get(), &EventLogModel::prevValueLoaded);
    QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
    m_model->loadPrevValue(u);
    m_model->loadPrevValue(u); // asked once only
    m_model->loadPrevValue(d);
    QVERIFY(m_model->isLoadingPrevValue(u));
    QTRY_COMPARE(loaded.size(), 2);
    QVERIFY(!m_model->isLoadingPrevValue(u));
    QCOMPARE(m_model->eventAt(uRow).prevValue.value_or("none"), "first");
    QCOMPARE(m_model->eventAt(m_model->rowOfSequence(d)).prevValue.value_or("none"), "second");
    QCOMPARE(m_model->index(uRow, EventLogModel::BeforeColumn).data().toString(),
             QStringLiteral("first"));
    QCOMPARE(changed.size(), 2);
    QCOMPARE(changed.first().at(0).value<QModelIndex>().column(), int(EventLogModel::BeforeColumn));
    // Loaded: nothing more to read.
    QVERIFY(!m_model->canLoadPrevValue(m_model->eventAt(uRow)));
    QVERIFY(!m_model->prevValueError(u));
    QVERIFY(!m_model->prevValueMissing(u));
}

void TestEventLogPrev::compactedRevisionSaysSo()
{
    put("/cmp/k", "a");
    const qint64 updated = put("/cmp/k", "b");
    const qint64 last = put("/cmp/other", "x");
    const auto c = run<EtcdV3Header>(
        [&](QObject *ctx, auto cb) { return m_client->v3()->compact(last, true, ctx, cb); });
    VERIFY_OK(c);
    const qint64 seq = appendOne(watchEvent(Action::Update, "/cmp/k", updated, "b"));
    QSignalSpy loaded(m_model.get(), &EventLogModel::prevValueLoaded);
    m_model->loadPrevValue(seq);
    QTRY_COMPARE(loaded.size(), 1);
    QVERIFY2(m_model->prevValueError(seq).is(EtcdError::Condition::Compacted),
             qPrintable(m_model->prevValueError(seq).toString()));
    QVERIFY(!m_model->eventAt(m_model->rowOfSequence(seq)).prevValue);
    // Not asked again.
    m_model->loadPrevValue(seq);
    QVERIFY(!m_model->isLoadingPrevValue(seq));
}

void TestEventLogPrev::onlyWhereThereIsOneToRead()
{
    const EtcdWatchEvent created = watchEvent(Action::Put, "/n/k", 5, "v");
    QVERIFY(!m_model->canLoadPrevValue(created));
    EtcdWatchEvent sent = watchEvent(Action::Update, "/n/k", 6, "w");
    sent.prevValue = QByteArray("v");
    QVERIFY(!m_model->canLoadPrevValue(sent));
    QVERIFY(m_model->canLoadPrevValue(watchEvent(Action::Update, "/n/k", 6, "w")));
    m_model->setApi(EtcdClient::Api::V2);
    QVERIFY(!m_model->canLoadPrevValue(watchEvent(Action::Update, "/n/k", 6, "w")));
    m_model->setApi(EtcdClient::Api::V3);
    m_reader->setClient(nullptr);
    QVERIFY(!m_model->canLoadPrevValue(watchEvent(Action::Update, "/n/k", 6, "w")));
}

void TestEventLogPrev::panelShowsItWhenSelected()
{
    put("/pan/k", "old value");
    const qint64 updated = put("/pan/k", "new value");
    EventLogPanel panel(m_model.get());
    panel.resize(900, 400);
    panel.show();
    const qint64 seq = appendOne(watchEvent(Action::Update, "/pan/k", updated, "new value"));
    QSignalSpy loaded(m_model.get(), &EventLogModel::prevValueLoaded);
    panel.view()->setCurrentIndex(m_model->index(m_model->rowOfSequence(seq), 0));
    QCOMPARE(panel.shownSequence(), seq);
    QTRY_COMPARE(loaded.size(), 1);
    bool shown = false;
    for (QPlainTextEdit *edit : panel.findChildren<QPlainTextEdit *>())
        shown = shown || edit->toPlainText() == QLatin1String("old value");
    QVERIFY(shown);
}

void TestEventLogPrev::valuesSeenFillTheNextEvent()
{
    // The watch is gap-free: the value of a key's last event is the next event's previous value.
    EtcdWatchEvent created = watchEvent(Action::Put, "/seen/k", 10, "one");
    EtcdWatchEvent updated = watchEvent(Action::Update, "/seen/k", 11, "two");
    EtcdWatchEvent removed = watchEvent(Action::Delete, "/seen/k", 12);
    EtcdWatchEvent again = watchEvent(Action::Put, "/seen/k", 13, "three");
    EtcdWatchEvent other = watchEvent(Action::Update, "/seen/other", 13, "x");
    m_model->append({created, updated});
    m_model->append({removed, again, other});
    QCOMPARE(m_model->rowCount(), 5);
    QVERIFY(!m_model->eventAt(0).prevValue);
    QCOMPARE(m_model->eventAt(1).prevValue.value_or("none"), "one");
    QCOMPARE(m_model->eventAt(2).prevValue.value_or("none"), "two");
    QVERIFY(!m_model->eventAt(3).prevValue); // created again: nothing before
    QVERIFY(!m_model->eventAt(4).prevValue); // never seen: read on demand
    QVERIFY(m_model->canLoadPrevValue(m_model->eventAt(4)));
    QCOMPARE(m_model->index(1, EventLogModel::BeforeColumn).data().toString(),
             QStringLiteral("one"));
    // After a gap (a resync), nothing seen before counts.
    m_model->forgetValues();
    m_model->append({watchEvent(Action::Update, "/seen/k", 20, "four")});
    QVERIFY(!m_model->eventAt(5).prevValue);
}

QTEST_MAIN(TestEventLogPrev)
#include "tst_eventlogprev.moc"
