// EventLogPanel offscreen (no etcd): typing a prefix narrows the rows, the action menu filters,
// Pause says how many events wait, the selected event shows in full, Clear empties, the view
// follows the newest rows only while the user is at the bottom.
#include "eventlogmodel.h"
#include "eventlogpanel.h"
#include "eventtesting.h"
#include "keydisplay.h"
#include "valuecodec.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTest>
#include <QToolButton>
#include <QTreeView>

#include <memory>

using namespace eventtesting;

class TestEventLogPanel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void everyControlIsNamed();
    void tabOrder();
    void statusShowsTheCap();
    void filterTypingNarrowsRows();
    void filterTypingTakesEscapedBytes();
    void actionMenuFilters();
    void pauseShowsNewCount();
    void selectionShowsFullValues();
    void selectionShowsV2Fields();
    void selectionSurvivesFilterChange();
    void evictedSelectionKeepsItsDetail();
    void clearEmpties();
    void followsTheNewestOnlyAtTheBottom();
    void burstWithTheViewAttached();

private:
    template<typename T> T *child(const char *name) const
    {
        auto *widget = m_panel->findChild<T *>(QLatin1String(name));
        if (!widget)
            qFatal("no child %s", name);
        return widget;
    }
    void select(int row);

    std::unique_ptr<EventLogModel> m_model;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
    std::unique_ptr<EventLogPanel> m_panel;
};

void TestEventLogPanel::initTestCase()
{
    // The counts are written with the locale's digit grouping; the expected texts are English.
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
}

void TestEventLogPanel::init()
{
    m_model = std::make_unique<EventLogModel>();
    m_tester = std::make_unique<QAbstractItemModelTester>(
        m_model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_panel = std::make_unique<EventLogPanel>(m_model.get());
    m_panel->resize(900, 600);
    m_panel->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
}

void TestEventLogPanel::cleanup()
{
    m_panel.reset();
    m_tester.reset();
    m_model.reset();
}

void TestEventLogPanel::select(int row)
{
    m_panel->view()->selectionModel()->setCurrentIndex(
        m_model->index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

void TestEventLogPanel::everyControlIsNamed()
{
    QVERIFY(!m_panel->accessibleName().isEmpty());
    QList<QWidget *> controls;
    for (QWidget *w : m_panel->findChildren<QWidget *>()) {
        if (qobject_cast<QLineEdit *>(w->parent()))
            continue; // the line edit's own clear button, named by Qt
        if (qobject_cast<QLineEdit *>(w) || qobject_cast<QToolButton *>(w) ||
            qobject_cast<QTreeView *>(w) || qobject_cast<QPlainTextEdit *>(w))
            controls.append(w);
    }
    QVERIFY(controls.size() >= 7);
    controls.append(child<QLabel>("eventLogStatus"));
    for (QWidget *w : std::as_const(controls)) {
        QVERIFY2(!w->accessibleName().isEmpty(), w->metaObject()->className());
        QVERIFY2(!w->objectName().isEmpty(), qPrintable(w->accessibleName()));
    }
    for (QAction *a : child<QMenu>("eventLogActionsMenu")->actions()) {
        if (!a->isSeparator())
            QVERIFY2(!a->objectName().isEmpty(), qPrintable(a->text()));
    }
}

void TestEventLogPanel::tabOrder()
{
    const QList<QWidget *> expected = {child<QLineEdit>("eventLogFilter"),
                                       child<QToolButton>("eventLogActionsButton"),
                                       child<QToolButton>("eventLogPauseButton"),
                                       child<QToolButton>("eventLogClearButton"),
                                       m_panel->view(),
                                       child<QPlainTextEdit>("eventLogBefore"),
                                       child<QPlainTextEdit>("eventLogAfter")};
    QList<QWidget *> chain;
    QWidget *w = expected.first();
    chain.append(w);
    while (chain.size() < expected.size()) {
        w = w->nextInFocusChain();
        if (w == expected.first())
            break;
        if ((w->focusPolicy() & Qt::TabFocus) && w->isVisibleTo(m_panel.get()) &&
            expected.contains(w))
            chain.append(w);
        else if ((w->focusPolicy() & Qt::TabFocus) && w->isVisibleTo(m_panel.get()))
            QFAIL(qPrintable(
                QStringLiteral("unexpected stop in the tab order: %1").arg(w->objectName())));
    }
    QCOMPARE(chain, expected);
}

void TestEventLogPanel::statusShowsTheCap()
{
    QCOMPARE(m_panel->statusText(), "0 events (last 10,000 kept; 0 dropped)");
    m_model->setCapacity(5);
    m_model->append(puts(1, 1));
    QCOMPARE(m_panel->statusText(), "1 event (last 5 kept; 0 dropped)");
    m_model->append(puts(2, 1999));
    QCOMPARE(m_panel->statusText(), "2,000 events (last 5 kept; 1,995 dropped)");
    auto *label = child<QLabel>("eventLogStatus");
    QTRY_COMPARE(label->text(), m_panel->statusText());
}

void TestEventLogPanel::filterTypingNarrowsRows()
{
    m_model->append({watchEvent(Action::Put, "/app/a", 1), watchEvent(Action::Put, "/db/a", 2),
                     watchEvent(Action::Put, "/app/b", 3), watchEvent(Action::Put, "/apple", 4)});
    auto *filter = child<QLineEdit>("eventLogFilter");
    QTest::keyClicks(filter, "/ap");
    QCOMPARE(m_model->rowCount(), 3);
    QTest::keyClicks(filter, "p/");
    QCOMPARE(m_model->rowCount(), 2);
    QCOMPARE(m_model->keyPrefix(), QByteArray("/app/"));
    QVERIFY(m_panel->statusText().endsWith(" · 2 shown"));
    // New events under the prefix show, others are counted only.
    m_model->append({watchEvent(Action::Put, "/app/c", 5), watchEvent(Action::Put, "/db/b", 6)});
    QCOMPARE(m_model->rowCount(), 3);
    QVERIFY(m_panel->statusText().startsWith("6 events"));
    filter->clear();
    QCOMPARE(m_model->rowCount(), 6);
}

void TestEventLogPanel::filterTypingTakesEscapedBytes()
{
    const QByteArray binary("/bin/\xff\x01", 7);
    m_model->append({watchEvent(Action::Put, binary, 1), watchEvent(Action::Put, "/bin/a", 2)});
    QTest::keyClicks(child<QLineEdit>("eventLogFilter"), "/bin/\\xff");
    QCOMPARE(m_model->rowCount(), 1);
    QCOMPARE(m_model->eventAt(0).key, binary);
}

void TestEventLogPanel::actionMenuFilters()
{
    m_model->append({watchEvent(Action::Put, "/a", 1), watchEvent(Action::Delete, "/a", 2),
                     watchEvent(Action::Put, "/b", 3)});
    auto *button = child<QToolButton>("eventLogActionsButton");
    QCOMPARE(button->text(), "All actions");
    auto *deleted = m_panel->findChild<QAction *>(
        QStringLiteral("eventLogShowAction%1").arg(int(Action::Delete)));
    QVERIFY(deleted);
    QCOMPARE(deleted->text(), "deleted");
    QVERIFY(deleted->isChecked());
    deleted->trigger();
    QCOMPARE(m_model->rowCount(), 2);
    QCOMPARE(button->text(), "6 of 7 actions");
    m_panel->findChild<QAction *>(QStringLiteral("eventLogShowAllActions"))->trigger();
    QCOMPARE(m_model->rowCount(), 3);
    QVERIFY(deleted->isChecked());
    QCOMPARE(button->text(), "All actions");
}

void TestEventLogPanel::pauseShowsNewCount()
{
    m_model->append(puts(1, 2));
    auto *pause = child<QToolButton>("eventLogPauseButton");
    QCOMPARE(pause->text(), "Pause");
    QTest::mouseClick(pause, Qt::LeftButton);
    QVERIFY(m_model->isPaused());
    QCOMPARE(pause->text(), "Resume");
    QCOMPARE(pause->accessibleName(), "Resume the event log");
    m_model->append(puts(3, 3));
    QCOMPARE(m_model->rowCount(), 2);
    QVERIFY2(m_panel->statusText().startsWith("Paused, 3 new · 5 events"),
             qPrintable(m_panel->statusText()));
    QTRY_VERIFY(child<QLabel>("eventLogStatus")->text().startsWith("Paused, 3 new"));
    QTest::mouseClick(pause, Qt::LeftButton);
    QVERIFY(!m_model->isPaused());
    QCOMPARE(m_model->rowCount(), 5);
    QCOMPARE(pause->text(), "Pause");
    QCOMPARE(child<QLabel>("eventLogStatus")->text(), "5 events (last 10,000 kept; 0 dropped)");
}

void TestEventLogPanel::selectionShowsFullValues()
{
    const QByteArray after = "line one\nline two\n" + QByteArray(500, 'x');
    const QByteArray before("\x00\x01\xfe binary", 10);
    EtcdWatchEvent changed = watchEvent(Action::Update, "/cfg/\xff", 42, after, before);
    changed.createRevision = 7;
    changed.version = 3;
    changed.lease = 0x694d7a1b;
    m_model->append({watchEvent(Action::Put, "/cfg/x", 41, "v"), changed});
    select(1);
    QCOMPARE(m_panel->shownSequence(),
             m_model->index(1, 0).data(EventLogModel::SequenceRole).toLongLong());
    QCOMPARE(child<QLabel>("eventLogDetailKey")->text(), "/cfg/\\xff");
    QCOMPARE(child<QLabel>("eventLogDetailAction")->text(), "updated");
    QCOMPARE(child<QLabel>("eventLogDetailRevision")->text(), "42 (created at 7, version 3)");
    QCOMPARE(child<QLabel>("eventLogDetailLease")->text(), "694d7a1b");
    QVERIFY(!child<QLabel>("eventLogDetailTtl")->isVisibleTo(m_panel.get()));
    QCOMPARE(child<QPlainTextEdit>("eventLogAfter")->toPlainText(), QString::fromUtf8(after));
    QCOMPARE(child<QLabel>("eventLogAfterTitle")->text(), "After: 518 bytes");
    QCOMPARE(child<QPlainTextEdit>("eventLogBefore")->toPlainText(), ValueCodec::toHex(before));
    QCOMPARE(child<QLabel>("eventLogBeforeTitle")->text(), "Before: 10 bytes, in hex");

    select(0); // created: no value before, and it says why
    QCOMPARE(child<QPlainTextEdit>("eventLogBefore")->toPlainText(), QString());
    QCOMPARE(child<QPlainTextEdit>("eventLogBefore")->placeholderText(),
             "None: the key was created");
    QCOMPARE(child<QPlainTextEdit>("eventLogAfter")->toPlainText(), "v");
}

void TestEventLogPanel::selectionShowsV2Fields()
{
    m_model->setApi(EtcdApi::V2);
    QCOMPARE(m_panel->view()
                 ->model()
                 ->headerData(EventLogModel::RevisionColumn, Qt::Horizontal)
                 .toString(),
             "Index");
    EtcdWatchEvent expired = watchEvent(Action::Expire, "/svc/a", 90, {}, QByteArray("up"));
    expired.createRevision = 80;
    EtcdWatchEvent ttl = watchEvent(Action::Set, "/svc/b", 91, "up");
    ttl.ttl = 30;
    m_model->append({expired, ttl});
    select(0);
    QCOMPARE(child<QLabel>("eventLogDetailRevision")->text(), "90");
    QCOMPARE(child<QPlainTextEdit>("eventLogAfter")->placeholderText(), "None: the key expired");
    QCOMPARE(child<QPlainTextEdit>("eventLogBefore")->toPlainText(), "up");
    QVERIFY(child<QLabel>("eventLogDetailTtl")->isVisibleTo(m_panel.get()));
    QVERIFY(!child<QLabel>("eventLogDetailLease")->isVisibleTo(m_panel.get()));
    select(1);
    QCOMPARE(child<QLabel>("eventLogDetailTtl")->text(), "30 s");
}

void TestEventLogPanel::selectionSurvivesFilterChange()
{
    m_model->append({watchEvent(Action::Put, "/a/1", 1), watchEvent(Action::Put, "/b/1", 2),
                     watchEvent(Action::Put, "/a/2", 3)});
    select(2);
    const qint64 sequence = m_panel->shownSequence();
    QTest::keyClicks(child<QLineEdit>("eventLogFilter"), "/a/");
    QCOMPARE(m_model->rowCount(), 2);
    QCOMPARE(m_panel->view()->currentIndex().row(), 1);
    QCOMPARE(m_panel->view()->currentIndex().data(EventLogModel::SequenceRole).toLongLong(),
             sequence);
    QCOMPARE(child<QLabel>("eventLogDetailKey")->text(), "/a/2");
}

void TestEventLogPanel::evictedSelectionKeepsItsDetail()
{
    m_model->setCapacity(3);
    m_model->append(puts(1, 3));
    select(0);
    QCOMPARE(child<QLabel>("eventLogDetailKey")->text(), "/k/1");
    m_model->append(puts(4, 1));
    // The row is gone; the detail still shows it and no other event was picked instead.
    QVERIFY(!m_panel->view()->currentIndex().isValid());
    QCOMPARE(child<QLabel>("eventLogDetailKey")->text(), "/k/1");
    QVERIFY(m_panel->view()->selectionModel()->selectedRows().isEmpty());
}

void TestEventLogPanel::clearEmpties()
{
    m_model->append({watchEvent(Action::Update, "/a", 1, "new", QByteArray("old"))});
    select(0);
    QCOMPARE(child<QPlainTextEdit>("eventLogBefore")->toPlainText(), "old");
    QTest::mouseClick(child<QToolButton>("eventLogClearButton"), Qt::LeftButton);
    QCOMPARE(m_model->rowCount(), 0);
    QCOMPARE(m_panel->shownSequence(), 0);
    QCOMPARE(child<QPlainTextEdit>("eventLogBefore")->toPlainText(), QString());
    QCOMPARE(child<QPlainTextEdit>("eventLogAfter")->toPlainText(), QString());
    QCOMPARE(child<QLabel>("eventLogStatus")->text(), "0 events (last 10,000 kept; 0 dropped)");
}

void TestEventLogPanel::followsTheNewestOnlyAtTheBottom()
{
    QTreeView *view = m_panel->view();
    QScrollBar *bar = view->verticalScrollBar();
    m_model->setCapacity(500);
    m_model->append(puts(1, 300));
    QTRY_VERIFY(bar->maximum() > 0);
    QTRY_COMPARE(bar->value(), bar->maximum());
    // Several batches in one turn: the view still ends at the newest row.
    for (int i = 0; i < 5; ++i)
        m_model->append(puts(301 + i * 10, 10));
    QTRY_VERIFY(view->viewport()->rect().contains(view->visualRect(m_model->index(349, 0))));
    QCOMPARE(bar->value(), bar->maximum());

    // Scrolled up to read: new rows do not move the view, and rows leaving at the top (the cap)
    // do not slide the text away.
    view->scrollTo(m_model->index(200, 0), QAbstractItemView::PositionAtTop);
    const auto topKey = [view] {
        return view->indexAt(QPoint(1, 1)).data(EventLogModel::KeyRole).toByteArray();
    };
    QCOMPARE(topKey(), QByteArray("/k/201"));
    m_model->append(puts(351, 200)); // 550 > 500: 50 leave at the top
    QCOMPARE(m_model->rowCount(), 500);
    QCOMPARE(topKey(), QByteArray("/k/201"));
    QCoreApplication::processEvents(); // nothing pending moves the view either
    QCOMPARE(topKey(), QByteArray("/k/201"));
    QVERIFY(bar->value() < bar->maximum());

    view->scrollToBottom();
    m_model->append(puts(551, 10));
    QCOMPARE(m_model->rowCount(), 500);
    QTRY_VERIFY(view->viewport()->rect().contains(view->visualRect(m_model->index(499, 0))));
    QCOMPARE(bar->value(), bar->maximum());
}

void TestEventLogPanel::burstWithTheViewAttached()
{
    // 100,000 events in batches of 1,000 with the panel on screen, following the tail, a turn
    // of the event loop after each batch as a watch stream would give. Logged, not asserted
    // (timing targets live in bench/); the tester, which walks every row per signal, is off.
    m_tester.reset();
    QList<QList<EtcdWatchEvent>> batches;
    for (int batch = 0; batch < 100; ++batch)
        batches.append(puts(1 + batch * 1000, 1000));
    QElapsedTimer timer;
    timer.start();
    for (const QList<EtcdWatchEvent> &batch : std::as_const(batches)) {
        m_model->append(batch);
        QCoreApplication::processEvents();
    }
    qInfo("100,000 events in batches of 1,000, view attached: %lld ms", timer.elapsed());
    QCOMPARE(m_model->rowCount(), 10000);
    QTRY_VERIFY(m_panel->view()->viewport()->rect().contains(
        m_panel->view()->visualRect(m_model->index(9999, 0))));
}

QTEST_MAIN(TestEventLogPanel)
#include "tst_eventlogpanel.moc"
