// EventLogModel on its own (no etcd), under QAbstractItemModelTester: appends in one insertion
// per batch, the ring's eviction at the cap in one removal, the filter, pause and resume, clear,
// and what the cells say (action words, keys and values with odd bytes).
#include "eventlogmodel.h"
#include "eventtesting.h"
#include "keydisplay.h"

#include <QAbstractItemModelTester>
#include <QColor>
#include <QElapsedTimer>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace eventtesting;

class TestEventLogModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    void actionNames_data();
    void actionNames();
    void headerSaysRevisionOrIndex();
    void appendIsOneInsertionPerBatch();
    void receivedTimeIsStampedWhenMissing();
    void evictionAtSmallCapacity();
    void batchLargerThanCapacity();
    void loweringCapacityDropsOldest();
    void defaultCapacityKeepsTenThousand();
    void byteCapEvictsLargeValues();
    void burstOfHundredThousand();
    void filterByKeyPrefix();
    void filterByBinaryPrefix();
    void filterByAction();
    void pauseAndResume();
    void pauseKeepsRowsWhileRingEvicts();
    void filterWhilePaused();
    void clearEmptiesAndResetsCounters();
    void keyCells_data();
    void keyCells();
    void valuePreview_data();
    void valuePreview();
    void valueCells();
    void actionColours();
    void rowOfSequence();

private:
    QList<qint64> revisions() const;

    std::unique_ptr<EventLogModel> m_model;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

void TestEventLogModel::init()
{
    m_model = std::make_unique<EventLogModel>();
    m_tester = std::make_unique<QAbstractItemModelTester>(
        m_model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
}

void TestEventLogModel::cleanup()
{
    m_tester.reset();
    m_model.reset();
}

QList<qint64> TestEventLogModel::revisions() const
{
    QList<qint64> out;
    for (int row = 0; row < m_model->rowCount(); ++row)
        out.append(m_model->index(row, EventLogModel::RevisionColumn).data().toLongLong());
    return out;
}

void TestEventLogModel::actionNames_data()
{
    QTest::addColumn<int>("action");
    QTest::addColumn<QString>("word");
    QTest::newRow("put") << int(Action::Put) << "created";
    QTest::newRow("update") << int(Action::Update) << "updated";
    QTest::newRow("set") << int(Action::Set) << "set";
    QTest::newRow("cas") << int(Action::CompareAndSwap) << "compare-and-swap";
    QTest::newRow("delete") << int(Action::Delete) << "deleted";
    QTest::newRow("cad") << int(Action::CompareAndDelete) << "compare-and-delete";
    QTest::newRow("expire") << int(Action::Expire) << "expired";
}

void TestEventLogModel::actionNames()
{
    QFETCH(int, action);
    QFETCH(QString, word);
    QCOMPARE(EventLogModel::actionName(Action(action)), word);
    m_model->append({watchEvent(Action(action), "/a", 7)});
    QCOMPARE(m_model->index(0, EventLogModel::ActionColumn).data().toString(), word);
    QCOMPARE(m_model->index(0, 0).data(EventLogModel::ActionRole).toInt(), action);
}

void TestEventLogModel::headerSaysRevisionOrIndex()
{
    QCOMPARE(m_model->columnCount(), int(EventLogModel::ColumnCount));
    const auto header = [this](int section) {
        return m_model->headerData(section, Qt::Horizontal).toString();
    };
    QCOMPARE(header(EventLogModel::RevisionColumn), QStringLiteral("Revision"));
    QSignalSpy spy(m_model.get(), &QAbstractItemModel::headerDataChanged);
    m_model->setApi(EtcdApi::V2);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(header(EventLogModel::RevisionColumn), QStringLiteral("Index"));
    const QStringList others = {
        header(EventLogModel::TimeColumn), header(EventLogModel::ActionColumn),
        header(EventLogModel::KeyColumn), header(EventLogModel::BeforeColumn),
        header(EventLogModel::AfterColumn)};
    QCOMPARE(others, QStringList({"Time", "Action", "Key", "Before", "After"}));
}

void TestEventLogModel::appendIsOneInsertionPerBatch()
{
    QSignalSpy inserted(m_model.get(), &QAbstractItemModel::rowsInserted);
    QSignalSpy counts(m_model.get(), &EventLogModel::countsChanged);
    m_model->append(puts(1, 1000));
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), 999);
    m_model->append(puts(1001, 10));
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(inserted.at(1).at(1).toInt(), 1000);
    QCOMPARE(inserted.at(1).at(2).toInt(), 1009);
    QCOMPARE(counts.count(), 2);
    m_model->append({}); // nothing happens for an empty batch
    QCOMPARE(counts.count(), 2);

    QCOMPARE(m_model->rowCount(), 1010);
    QCOMPARE(m_model->receivedCount(), 1010);
    QCOMPARE(m_model->droppedCount(), 0);
    // Newest at the bottom.
    QCOMPARE(m_model->index(0, EventLogModel::RevisionColumn).data().toString(), "1");
    QCOMPARE(m_model->index(1009, EventLogModel::KeyColumn).data().toString(), "/k/1010");
    const QString time = m_model->index(0, EventLogModel::TimeColumn).data().toString();
    QVERIFY2(QRegularExpression("^\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d$").match(time).hasMatch(),
             qPrintable(time));
}

void TestEventLogModel::receivedTimeIsStampedWhenMissing()
{
    EtcdWatchEvent given = watchEvent(Action::Put, "/a", 1);
    given.received = QDateTime(QDate(2024, 5, 6), QTime(7, 8, 9, 123));
    const QDateTime before = QDateTime::currentDateTime();
    m_model->append({given, watchEvent(Action::Put, "/b", 2)});
    QCOMPARE(m_model->eventAt(0).received, given.received);
    QCOMPARE(m_model->index(0, EventLogModel::TimeColumn).data().toString(), "07:08:09.123");
    QCOMPARE(m_model->index(0, EventLogModel::TimeColumn).data(Qt::ToolTipRole).toString(),
             "2024-05-06 07:08:09.123");
    QVERIFY(m_model->eventAt(1).received >= before);
}

void TestEventLogModel::evictionAtSmallCapacity()
{
    m_model->setCapacity(5);
    QSignalSpy removed(m_model.get(), &QAbstractItemModel::rowsRemoved);
    QSignalSpy inserted(m_model.get(), &QAbstractItemModel::rowsInserted);
    m_model->append(puts(1, 3));
    QCOMPARE(removed.count(), 0);
    m_model->append(puts(4, 4));
    // One removal at the top for the batch, then one insertion at the bottom.
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.at(0).at(1).toInt(), 0);
    QCOMPARE(removed.at(0).at(2).toInt(), 1);
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(revisions(), QList<qint64>({3, 4, 5, 6, 7}));
    QCOMPARE(m_model->receivedCount(), 7);
    QCOMPARE(m_model->droppedCount(), 2);
    QCOMPARE(m_model->keptCount(), 5);
}

void TestEventLogModel::batchLargerThanCapacity()
{
    m_model->setCapacity(5);
    m_model->append(puts(1, 2));
    QSignalSpy removed(m_model.get(), &QAbstractItemModel::rowsRemoved);
    QSignalSpy inserted(m_model.get(), &QAbstractItemModel::rowsInserted);
    m_model->append(puts(3, 12));
    QCOMPARE(removed.count(), 1);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(revisions(), QList<qint64>({10, 11, 12, 13, 14}));
    QCOMPARE(m_model->droppedCount(), 9);
}

void TestEventLogModel::loweringCapacityDropsOldest()
{
    m_model->append(puts(1, 10));
    QSignalSpy removed(m_model.get(), &QAbstractItemModel::rowsRemoved);
    m_model->setCapacity(3);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(revisions(), QList<qint64>({8, 9, 10}));
    QCOMPARE(m_model->droppedCount(), 7);
    m_model->setCapacity(0); // at least one is kept
    QCOMPARE(m_model->capacity(), 1);
    QCOMPARE(revisions(), QList<qint64>({10}));
}

void TestEventLogModel::defaultCapacityKeepsTenThousand()
{
    QCOMPARE(m_model->capacity(), EventLogModel::DefaultCapacity);
    QCOMPARE(m_model->capacity(), 10000);
    QSignalSpy removed(m_model.get(), &QAbstractItemModel::rowsRemoved);
    QSignalSpy inserted(m_model.get(), &QAbstractItemModel::rowsInserted);
    // The tester walks every row on each signal: 12 batches are enough to pass the cap.
    for (int batch = 0; batch < 12; ++batch)
        m_model->append(puts(1 + batch * 1000, 1000));
    QCOMPARE(inserted.count(), 12);
    QCOMPARE(removed.count(), 2); // one removal per batch once the ring is full
    QCOMPARE(m_model->rowCount(), 10000);
    QCOMPARE(m_model->receivedCount(), 12000);
    QCOMPARE(m_model->droppedCount(), 2000);
    QCOMPARE(m_model->index(0, EventLogModel::RevisionColumn).data().toString(), "2001");
    QCOMPARE(m_model->index(9999, EventLogModel::RevisionColumn).data().toString(), "12000");
}

void TestEventLogModel::byteCapEvictsLargeValues()
{
    QCOMPARE(m_model->maxBytes(), 64 * 1024 * 1024);
    m_model->setMaxBytes(250);
    // Each event: a 2-byte key and a 98-byte value, 100 bytes.
    const auto big = [](qint64 revision) {
        return watchEvent(Action::Put, "/" + QByteArray::number(revision % 10), revision,
                          QByteArray(98, 'x'));
    };
    m_model->append({big(1), big(2)});
    QCOMPARE(m_model->keptBytes(), 200);
    QSignalSpy removed(m_model.get(), &QAbstractItemModel::rowsRemoved);
    m_model->append({big(3), big(4)});
    QCOMPARE(removed.count(), 1);
    QCOMPARE(revisions(), QList<qint64>({3, 4}));
    QCOMPARE(m_model->keptBytes(), 200);
    QCOMPARE(m_model->droppedCount(), 2);
    // One event larger than the cap is still kept: the newest always is.
    m_model->append({watchEvent(Action::Update, "/h", 5, QByteArray(300, 'y'), QByteArray("z"))});
    QCOMPARE(revisions(), QList<qint64>({5}));
    QCOMPARE(m_model->keptBytes(), 2 + 300 + 1);
    m_model->setMaxBytes(EventLogModel::DefaultMaxBytes);
    m_model->append({big(6)});
    QCOMPARE(revisions(), QList<qint64>({5, 6}));
    m_model->clear();
    QCOMPARE(m_model->keptBytes(), 0);
}

void TestEventLogModel::burstOfHundredThousand()
{
    // 100,000 events in batches of 1,000, the burst the issue names, without the tester (which
    // walks all 10,000 rows on every signal). The time is logged, not asserted: timing targets
    // live in bench/.
    QList<QList<EtcdWatchEvent>> batches;
    for (int batch = 0; batch < 100; ++batch)
        batches.append(puts(1 + batch * 1000, 1000));
    m_tester.reset();
    QSignalSpy removed(m_model.get(), &QAbstractItemModel::rowsRemoved);
    QElapsedTimer timer;
    timer.start();
    for (const QList<EtcdWatchEvent> &batch : std::as_const(batches))
        m_model->append(batch);
    qInfo("100,000 events appended in batches of 1,000: %lld ms", timer.elapsed());
    QCOMPARE(removed.count(), 90);
    QCOMPARE(m_model->rowCount(), 10000);
    QCOMPARE(m_model->droppedCount(), 90000);
    QCOMPARE(m_model->index(0, EventLogModel::RevisionColumn).data().toString(), "90001");
}

void TestEventLogModel::filterByKeyPrefix()
{
    m_model->append({watchEvent(Action::Put, "/a/1", 1), watchEvent(Action::Put, "/b/1", 2),
                     watchEvent(Action::Put, "/a/2", 3)});
    QVERIFY(!m_model->isFiltered());
    QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelReset);
    m_model->setKeyPrefix("/a/");
    QCOMPARE(reset.count(), 1);
    QVERIFY(m_model->isFiltered());
    QCOMPARE(revisions(), QList<qint64>({1, 3}));

    // New events that do not match are counted, not shown.
    QSignalSpy inserted(m_model.get(), &QAbstractItemModel::rowsInserted);
    m_model->append({watchEvent(Action::Put, "/b/2", 4), watchEvent(Action::Put, "/a/3", 5)});
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(revisions(), QList<qint64>({1, 3, 5}));
    QCOMPARE(m_model->receivedCount(), 5);
    m_model->append({watchEvent(Action::Put, "/b/3", 6)});
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(m_model->receivedCount(), 6);

    m_model->setKeyPrefix("/a/"); // the same prefix: no rebuild
    QCOMPARE(reset.count(), 1);
    m_model->setKeyPrefix({});
    QCOMPARE(revisions(), QList<qint64>({1, 2, 3, 4, 5, 6}));
}

void TestEventLogModel::filterByBinaryPrefix()
{
    const QByteArray binary("\xff\x00/x", 4);
    m_model->append({watchEvent(Action::Put, binary, 1), watchEvent(Action::Put, "/plain", 2)});
    m_model->setKeyPrefix(QByteArray("\xff\x00", 2));
    QCOMPARE(revisions(), QList<qint64>({1}));
    QCOMPARE(m_model->index(0, 0).data(EventLogModel::KeyRole).toByteArray(), binary);
}

void TestEventLogModel::filterByAction()
{
    m_model->append({watchEvent(Action::Put, "/a", 1), watchEvent(Action::Update, "/a", 2),
                     watchEvent(Action::Delete, "/a", 3), watchEvent(Action::Expire, "/b", 4)});
    m_model->setActionShown(Action::Delete, false);
    m_model->setActionShown(Action::Expire, false);
    QVERIFY(!m_model->isActionShown(Action::Delete));
    QVERIFY(m_model->isFiltered());
    QCOMPARE(revisions(), QList<qint64>({1, 2}));
    m_model->append({watchEvent(Action::Delete, "/c", 5), watchEvent(Action::Put, "/c", 6)});
    QCOMPARE(revisions(), QList<qint64>({1, 2, 6}));
    m_model->setActionShown(Action::Delete, true);
    QCOMPARE(revisions(), QList<qint64>({1, 2, 3, 5, 6}));
    m_model->setAllActionsShown();
    QVERIFY(!m_model->isFiltered());
    QCOMPARE(revisions(), QList<qint64>({1, 2, 3, 4, 5, 6}));
}

void TestEventLogModel::pauseAndResume()
{
    m_model->append(puts(1, 3));
    QSignalSpy inserted(m_model.get(), &QAbstractItemModel::rowsInserted);
    m_model->setPaused(true);
    QVERIFY(m_model->isPaused());
    m_model->append(puts(4, 4));
    m_model->append(puts(8, 2));
    QCOMPARE(inserted.count(), 0);
    QCOMPARE(m_model->rowCount(), 3);
    QCOMPARE(m_model->pendingCount(), 6);
    QCOMPARE(m_model->receivedCount(), 9);
    QCOMPARE(m_model->keptCount(), 9);
    m_model->setPaused(false);
    QCOMPARE(inserted.count(), 1); // what came meanwhile, in one insertion
    QCOMPARE(m_model->pendingCount(), 0);
    QCOMPARE(revisions(), QList<qint64>({1, 2, 3, 4, 5, 6, 7, 8, 9}));
    m_model->append(puts(10, 1));
    QCOMPARE(inserted.count(), 2);
}

void TestEventLogModel::pauseKeepsRowsWhileRingEvicts()
{
    m_model->setCapacity(5);
    m_model->append(puts(1, 5));
    m_model->setPaused(true);
    QSignalSpy removed(m_model.get(), &QAbstractItemModel::rowsRemoved);
    m_model->append(puts(6, 7));
    // The rows on screen stay as they were, though the ring has let them go.
    QCOMPARE(removed.count(), 0);
    QCOMPARE(revisions(), QList<qint64>({1, 2, 3, 4, 5}));
    QCOMPARE(m_model->eventAt(0).key, QByteArray("/k/1"));
    QCOMPARE(m_model->droppedCount(), 7);
    QCOMPARE(m_model->pendingCount(), 5); // of the 7 new, 5 are still in the ring
    QSignalSpy inserted(m_model.get(), &QAbstractItemModel::rowsInserted);
    m_model->setPaused(false);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(revisions(), QList<qint64>({8, 9, 10, 11, 12}));
}

void TestEventLogModel::filterWhilePaused()
{
    m_model->append({watchEvent(Action::Put, "/a/1", 1), watchEvent(Action::Put, "/b/1", 2)});
    m_model->setPaused(true);
    m_model->append({watchEvent(Action::Put, "/a/2", 3), watchEvent(Action::Put, "/b/2", 4),
                     watchEvent(Action::Put, "/a/3", 5)});
    QCOMPARE(m_model->pendingCount(), 3);
    m_model->setKeyPrefix("/a/");
    // The rebuild covers the events up to the pause; the rest wait for resume.
    QCOMPARE(revisions(), QList<qint64>({1}));
    QCOMPARE(m_model->pendingCount(), 2);
    m_model->setPaused(false);
    QCOMPARE(revisions(), QList<qint64>({1, 3, 5}));
}

void TestEventLogModel::clearEmptiesAndResetsCounters()
{
    m_model->setCapacity(5);
    m_model->append(puts(1, 8));
    const qint64 lastSequence = m_model->index(4, 0).data(EventLogModel::SequenceRole).toLongLong();
    QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelReset);
    m_model->clear();
    QCOMPARE(reset.count(), 1);
    QCOMPARE(m_model->rowCount(), 0);
    QCOMPARE(m_model->receivedCount(), 0);
    QCOMPARE(m_model->droppedCount(), 0);
    QCOMPARE(m_model->keptCount(), 0);
    m_model->append(puts(9, 2));
    QCOMPARE(revisions(), QList<qint64>({9, 10}));
    // Sequences go on: an event after a clear is never taken for one from before it.
    QVERIFY(m_model->index(0, 0).data(EventLogModel::SequenceRole).toLongLong() > lastSequence);

    m_model->setPaused(true);
    m_model->append(puts(11, 2));
    m_model->clear();
    QCOMPARE(m_model->pendingCount(), 0);
    QVERIFY(m_model->isPaused());
    m_model->setPaused(false);
    QCOMPARE(m_model->rowCount(), 0);
}

void TestEventLogModel::keyCells_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QString>("shown");
    QTest::newRow("ascii") << QByteArray("/config/app") << "/config/app";
    QTest::newRow("utf-8") << QByteArray("/数据/ключ") << QString::fromUtf8("/数据/ключ");
    QTest::newRow("invalid utf-8") << QByteArray("/bin/\xff\xfe") << "/bin/\\xff\\xfe";
    QTest::newRow("nul and newline") << QByteArray("/a\0b\n", 5) << "/a\\x00b\\x0a";
}

void TestEventLogModel::keyCells()
{
    QFETCH(QByteArray, key);
    QFETCH(QString, shown);
    m_model->append({watchEvent(Action::Put, key, 1)});
    const QModelIndex index = m_model->index(0, EventLogModel::KeyColumn);
    QCOMPARE(index.data().toString(), shown);
    QCOMPARE(index.data(Qt::ToolTipRole).toString(), shown);
    QCOMPARE(index.data(EventLogModel::KeyRole).toByteArray(), key);
    QCOMPARE(index.data(EventLogModel::EventRole).value<EtcdWatchEvent>().key, key);
}

void TestEventLogModel::valuePreview_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QString>("shown");
    const QString ellipsis(QChar(0x2026));
    QTest::newRow("empty") << QByteArray() << QString();
    QTest::newRow("plain") << QByteArray("hello") << "hello";
    QTest::newRow("first line") << QByteArray("line one\nline two") << "line one" + ellipsis;
    QTest::newRow("trailing newline") << QByteArray("abc\n") << "abc";
    QTest::newRow("crlf") << QByteArray("abc\r\ndef") << "abc" + ellipsis;
    QTest::newRow("long") << QByteArray(200, 'a') << QString(80, 'a') + ellipsis;
    QTest::newRow("exactly 80") << QByteArray(80, 'a') << QString(80, 'a');
    QTest::newRow("utf-8 long") << QString(100, QChar(0xe9)).toUtf8()
                                << QString(80, QChar(0xe9)) + ellipsis;
    // 320 bytes are looked at: the cut falls inside a two-byte character, which must not show
    // as a stray \xc3.
    QTest::newRow("utf-8 cut") << "a" + QString(200, QChar(0xe9)).toUtf8()
                               << "a" + QString(79, QChar(0xe9)) + ellipsis;
    QTest::newRow("surrogate at the cut")
        << QByteArray(79, 'a') + QString::fromUtf8("😀😀").toUtf8() << QString(79, 'a') + ellipsis;
    QTest::newRow("binary") << QByteArray("\x00\x01\xff", 3) << "\\x00\\x01\\xff";
    QTest::newRow("binary with a newline byte")
        << QByteArray("k8s\x00\n\x12", 6) << "k8s\\x00\\x0a\\x12";
    QTest::newRow("tab") << QByteArray("a\tb") << "a\\x09b";
    QTest::newRow("many escapes") << QByteArray(100, '\x01')
                                  << QString("\\x01").repeated(20) + ellipsis;
}

void TestEventLogModel::valuePreview()
{
    QFETCH(QByteArray, value);
    QFETCH(QString, shown);
    QCOMPARE(::valuePreview(value, EventLogModel::previewChars), shown);
}

void TestEventLogModel::valueCells()
{
    const QByteArray big = "{\n  \"a\": 1\n}" + QByteArray(10000, ' ');
    EtcdWatchEvent dir = watchEvent(Action::Set, "/dir", 5);
    dir.isDir = true;
    m_model->append({watchEvent(Action::Put, "/a", 1, "first"),
                     watchEvent(Action::Update, "/a", 2, big, QByteArray("first")),
                     watchEvent(Action::Delete, "/a", 3, {}, big),
                     watchEvent(Action::Update, "/b", 4, "x"), dir});
    const auto cell = [this](int row, int column, int role = Qt::DisplayRole) {
        return m_model->index(row, column).data(role).toString();
    };
    QCOMPARE(cell(0, EventLogModel::BeforeColumn), QString());
    QCOMPARE(cell(0, EventLogModel::AfterColumn), "first");
    QCOMPARE(cell(0, EventLogModel::AfterColumn, Qt::ToolTipRole), "5 bytes");
    QCOMPARE(cell(1, EventLogModel::BeforeColumn), "first");
    QCOMPARE(cell(1, EventLogModel::AfterColumn), "{" + QString(QChar(0x2026)));
    QCOMPARE(cell(2, EventLogModel::BeforeColumn), "{" + QString(QChar(0x2026)));
    QCOMPARE(cell(2, EventLogModel::AfterColumn), QString());
    QVERIFY(cell(3, EventLogModel::BeforeColumn, Qt::ToolTipRole).contains("did not send"));
    QCOMPARE(cell(4, EventLogModel::AfterColumn), "(directory)");
    // The whole event, full values included, for the detail area.
    const auto full = m_model->index(1, 0).data(EventLogModel::EventRole).value<EtcdWatchEvent>();
    QCOMPARE(full.value, big);
    QCOMPARE(full.prevValue.value_or(QByteArray()), QByteArray("first"));
    QCOMPARE(full.revision, 2);
}

void TestEventLogModel::actionColours()
{
    m_model->append({watchEvent(Action::Put, "/a", 1), watchEvent(Action::Update, "/a", 2),
                     watchEvent(Action::Delete, "/a", 3), watchEvent(Action::Expire, "/b", 4)});
    const auto colour = [this](int row) {
        return m_model->index(row, EventLogModel::ActionColumn).data(Qt::ForegroundRole);
    };
    QVERIFY(colour(0).value<QColor>().isValid());
    QVERIFY(!colour(1).isValid()); // a change keeps the default colour
    QVERIFY(colour(2).value<QColor>().isValid());
    QVERIFY(colour(2).value<QColor>() != colour(0).value<QColor>());
    QVERIFY(colour(3).value<QColor>().isValid());
    QVERIFY(!m_model->index(0, EventLogModel::KeyColumn).data(Qt::ForegroundRole).isValid());
}

void TestEventLogModel::rowOfSequence()
{
    m_model->setCapacity(4);
    m_model->append(puts(1, 6));
    const qint64 third = m_model->index(2, 0).data(EventLogModel::SequenceRole).toLongLong();
    QCOMPARE(m_model->rowOfSequence(third), 2);
    m_model->append(puts(7, 2));
    QCOMPARE(m_model->rowOfSequence(third), 0);
    m_model->append(puts(9, 1));
    QCOMPARE(m_model->rowOfSequence(third), -1);
    QCOMPARE(m_model->rowOfSequence(0), -1);
    QCOMPARE(m_model->eventAt(99).key, QByteArray());
}

QTEST_MAIN(TestEventLogModel)
#include "tst_eventlogmodel.moc"
