#include "eventlogpanel.h"

#include "eventlogmodel.h"
#include "keyinput.h"

#include <QAction>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTimer>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>

namespace {

constexpr int ActionCount = int(EtcdWatchEvent::Action::Expire) + 1;

// Values are cut at their end (the model adds "…"); eliding them in the middle as well, as the
// view does for keys (whose end tells them apart), would hide where the cut is.
class ValueDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        option->textElideMode = Qt::ElideRight;
    }
};

} // namespace

EventLogPanel::EventLogPanel(EventLogModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_statusTimer(new QTimer(this))
    , m_scrollTimer(new QTimer(this))
    , m_view(new QTreeView(this))
{
    setObjectName(QStringLiteral("eventLogPanel"));
    setAccessibleName(tr("Event log"));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    buildToolBar();
    auto *bar = new QHBoxLayout;
    bar->addWidget(m_filter, 1);
    bar->addWidget(m_actionsButton);
    bar->addWidget(m_pauseButton);
    bar->addWidget(m_clearButton);
    layout->addLayout(bar);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("eventLogStatus"));
    m_status->setAccessibleName(tr("Event log status"));
    layout->addWidget(m_status);

    // Side by side: the panel lives in a wide, short dock at the bottom of the window.
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setObjectName(QStringLiteral("eventLogSplitter"));
    splitter->setAccessibleName(tr("Events and the selected event"));
    splitter->setChildrenCollapsible(false);
    layout->addWidget(splitter, 1);

    m_view->setObjectName(QStringLiteral("eventLogView"));
    m_view->setAccessibleName(tr("Events"));
    m_view->header()->setAccessibleName(tr("Event columns"));
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setItemsExpandable(false);
    m_view->setAllColumnsShowFocus(true);
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setTextElideMode(Qt::ElideMiddle);
    // A line per step: the scroll value is then the top row, which keeps the user's place
    // cheaply when rows leave at the top (see onRowsRemoved).
    m_view->setVerticalScrollMode(QAbstractItemView::ScrollPerItem);
    auto *valueDelegate = new ValueDelegate(m_view);
    m_view->setItemDelegateForColumn(EventLogModel::BeforeColumn, valueDelegate);
    m_view->setItemDelegateForColumn(EventLogModel::AfterColumn, valueDelegate);
    splitter->addWidget(m_view);

    // Connected before the view gets the model, so that these run before the view's and the
    // selection model's own handlers: the current row is let go of before Qt would move the
    // selection to a neighbour (which would show another event in the detail area).
    connect(
        m_model, &QAbstractItemModel::rowsAboutToBeRemoved, this,
        [this](const QModelIndex &, int first, int last) { onRowsAboutToBeRemoved(first, last); });
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, [this] { onRowsRemoved(); });
    // A pending scroll means the view is following, even if a relayout in between made the
    // range grow under a value not yet moved.
    connect(m_model, &QAbstractItemModel::rowsAboutToBeInserted, this,
            [this] { m_follow = isAtBottom() || m_scrollTimer->isActive(); });
    m_view->setModel(m_model);
    // The rest after the view's handlers: the view has taken the new rows in (or forgotten the
    // old ones on a reset), so scrolling and selecting act on the current state. One scroll per
    // event-loop turn, however many batches came: scrollToBottom() lays out all rows, which is
    // fine once a frame and not once per small batch in a storm.
    m_scrollTimer->setSingleShot(true);
    m_scrollTimer->setInterval(0);
    connect(m_scrollTimer, &QTimer::timeout, m_view, &QTreeView::scrollToBottom);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, [this] {
        if (m_follow && !m_scrollTimer->isActive())
            m_scrollTimer->start();
    });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] { onModelReset(); });
    // The API changed (v2 says Index and TTL, v3 Revision and Lease): an empty detail follows.
    connect(m_model, &QAbstractItemModel::headerDataChanged, this, [this] {
        if (m_shownSequence == 0)
            clearDetail();
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex &current) { onCurrentChanged(current); });

    const QFontMetrics metrics(m_view->font());
    QHeaderView *header = m_view->header();
    header->setStretchLastSection(true);
    const int pad = metrics.horizontalAdvance(QLatin1Char('M')) * 2;
    header->resizeSection(EventLogModel::TimeColumn,
                          metrics.horizontalAdvance(QStringLiteral("00:00:00.000")) + pad);
    header->resizeSection(EventLogModel::RevisionColumn,
                          metrics.horizontalAdvance(QStringLiteral("0000000000")) + pad);
    header->resizeSection(EventLogModel::ActionColumn,
                          metrics.horizontalAdvance(
                              EventLogModel::actionName(EtcdWatchEvent::Action::CompareAndDelete)) +
                              pad);
    header->resizeSection(EventLogModel::KeyColumn, metrics.averageCharWidth() * 32);
    header->resizeSection(EventLogModel::BeforeColumn, metrics.averageCharWidth() * 24);

    auto *detail = new QWidget(splitter);
    detail->setObjectName(QStringLiteral("eventLogDetail"));
    detail->setAccessibleName(tr("Selected event"));
    buildDetail(detail);
    splitter->addWidget(detail);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    setTabOrder(m_filter, m_actionsButton);
    setTabOrder(m_actionsButton, m_pauseButton);
    setTabOrder(m_pauseButton, m_clearButton);
    setTabOrder(m_clearButton, m_view);
    setTabOrder(m_view, m_before);
    setTabOrder(m_before, m_after);

    // The counts change with every batch; the label follows a few times a second at most.
    m_statusTimer->setSingleShot(true);
    m_statusTimer->setInterval(100);
    connect(m_statusTimer, &QTimer::timeout, this, [this] { updateStatusNow(); });
    connect(m_model, &EventLogModel::prevValueLoaded, this, [this](qint64 sequence) {
        const int row = m_model->rowOfSequence(sequence);
        if (sequence == m_shownSequence && row >= 0)
            showEventDetail(m_model->eventAt(row), sequence);
    });
    connect(m_model, &EventLogModel::countsChanged, this, [this] {
        if (!m_statusTimer->isActive())
            m_statusTimer->start();
    });
    clearDetail();
    updateActionsButton();
    updateStatusNow();
}

void EventLogPanel::buildToolBar()
{
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("eventLogFilter"));
    m_filter->setAccessibleName(tr("Filter events by key prefix"));
    m_filter->setPlaceholderText(tr("Key prefix"));
    m_filter->setToolTip(tr("Show only events whose key starts with this text (\\xNN for a byte)"));
    m_filter->setClearButtonEnabled(true);
    // Rebuilding the rows from the ring is one pass over at most capacity() events: cheap
    // enough to follow every keystroke.
    connect(m_filter, &QLineEdit::textChanged, this,
            [this](const QString &text) { m_model->setKeyPrefix(keyFromDisplay(text)); });

    m_actionsMenu = new QMenu(this);
    m_actionsMenu->setObjectName(QStringLiteral("eventLogActionsMenu"));
    m_actionsMenu->setAccessibleName(tr("Actions to show"));
    QAction *all = m_actionsMenu->addAction(tr("Show all actions"));
    all->setObjectName(QStringLiteral("eventLogShowAllActions"));
    connect(all, &QAction::triggered, this, [this] {
        m_model->setAllActionsShown();
        updateActionsButton();
    });
    m_actionsMenu->addSeparator();
    for (int i = 0; i < ActionCount; ++i) {
        const auto action = EtcdWatchEvent::Action(i);
        QAction *toggle = m_actionsMenu->addAction(EventLogModel::actionName(action));
        toggle->setObjectName(QStringLiteral("eventLogShowAction%1").arg(i));
        toggle->setCheckable(true);
        toggle->setChecked(m_model->isActionShown(action));
        connect(toggle, &QAction::toggled, this, [this, action](bool shown) {
            m_model->setActionShown(action, shown);
            updateActionsButton();
        });
        m_actionToggles.append(toggle);
    }

    m_actionsButton = new QToolButton(this);
    m_actionsButton->setObjectName(QStringLiteral("eventLogActionsButton"));
    m_actionsButton->setAccessibleName(tr("Actions to show"));
    m_actionsButton->setToolTip(tr("Choose which kinds of change the log shows"));
    m_actionsButton->setMenu(m_actionsMenu);
    m_actionsButton->setPopupMode(QToolButton::InstantPopup);
    m_actionsButton->setFocusPolicy(Qt::StrongFocus);

    m_pauseButton = new QToolButton(this);
    m_pauseButton->setObjectName(QStringLiteral("eventLogPauseButton"));
    m_pauseButton->setCheckable(true);
    m_pauseButton->setFocusPolicy(Qt::StrongFocus);
    connect(m_pauseButton, &QToolButton::toggled, this, [this](bool paused) {
        m_model->setPaused(paused);
        updateStatusNow();
    });

    m_clearButton = new QToolButton(this);
    m_clearButton->setObjectName(QStringLiteral("eventLogClearButton"));
    m_clearButton->setText(tr("Clear"));
    m_clearButton->setAccessibleName(tr("Clear the event log"));
    m_clearButton->setToolTip(tr("Forget every event received so far"));
    m_clearButton->setFocusPolicy(Qt::StrongFocus);
    connect(m_clearButton, &QToolButton::clicked, this, [this] {
        m_model->clear();
        updateStatusNow();
    });
}

QString EventLogPanel::statusText() const
{
    const QLocale locale;
    const qint64 received = m_model->receivedCount();
    const QString capacity = locale.toString(m_model->capacity());
    const QString dropped = locale.toString(m_model->droppedCount());
    QString text = received == 1 ? tr("1 event (last %1 kept; %2 dropped)").arg(capacity, dropped)
                                 : tr("%1 events (last %2 kept; %3 dropped)")
                                       .arg(locale.toString(received), capacity, dropped);
    if (m_model->isFiltered())
        text = tr("%1 · %2 shown").arg(text, locale.toString(m_model->rowCount()));
    if (m_model->isPaused())
        text = tr("Paused, %1 new · %2").arg(locale.toString(m_model->pendingCount()), text);
    return text;
}

void EventLogPanel::updateStatusNow()
{
    m_statusTimer->stop();
    m_status->setText(statusText());
    const bool paused = m_model->isPaused();
    if (m_pauseButton->isChecked() != paused) {
        const QSignalBlocker blocker(m_pauseButton);
        m_pauseButton->setChecked(paused);
    }
    m_pauseButton->setText(paused ? tr("Resume") : tr("Pause"));
    m_pauseButton->setAccessibleName(paused ? tr("Resume the event log")
                                            : tr("Pause the event log"));
    m_pauseButton->setToolTip(paused ? tr("Show the events received while paused")
                                     : tr("Stop the list from moving; events are still recorded"));
}

void EventLogPanel::updateActionsButton()
{
    int shown = 0;
    for (int i = 0; i < ActionCount; ++i) {
        const bool on = m_model->isActionShown(EtcdWatchEvent::Action(i));
        shown += on ? 1 : 0;
        QAction *toggle = m_actionToggles.at(i);
        if (toggle->isChecked() != on) {
            const QSignalBlocker blocker(toggle);
            toggle->setChecked(on);
        }
    }
    m_actionsButton->setText(shown == ActionCount
                                 ? tr("All actions")
                                 : tr("%1 of %2 actions").arg(shown).arg(ActionCount));
}

bool EventLogPanel::isAtBottom() const
{
    const QScrollBar *bar = m_view->verticalScrollBar();
    return bar->value() >= bar->maximum();
}

void EventLogPanel::onRowsAboutToBeRemoved(int first, int last)
{
    QItemSelectionModel *selection = m_view->selectionModel();
    const int current = selection ? selection->currentIndex().row() : -1;
    if (current >= first && current <= last) {
        // The event left the ring: the detail area keeps showing it; nothing else gets picked.
        selection->clear();
    }
    m_rowsRemovedAtTop =
        first == 0 && !isAtBottom() && !m_scrollTimer->isActive() ? last - first + 1 : 0;
}

void EventLogPanel::onRowsRemoved()
{
    // The user scrolled up to read: rows leaving at the top must not slide the text away. The
    // view scrolls per item, so moving the value up by the rows removed keeps the same top row.
    if (m_rowsRemovedAtTop == 0)
        return;
    QScrollBar *bar = m_view->verticalScrollBar();
    bar->setValue(std::max(0, bar->value() - m_rowsRemovedAtTop));
    m_rowsRemovedAtTop = 0;
}

void EventLogPanel::onModelReset()
{
    if (m_model->keptCount() == 0 && m_model->rowCount() == 0) {
        clearDetail(); // cleared
        return;
    }
    // A new filter: the event the user was reading stays selected if it still shows.
    const int row = m_shownSequence ? m_model->rowOfSequence(m_shownSequence) : -1;
    if (row >= 0) {
        const QModelIndex index = m_model->index(row, 0);
        m_view->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect |
                                                             QItemSelectionModel::Rows);
        m_view->scrollTo(index);
    } else {
        m_view->scrollToBottom();
    }
}

void EventLogPanel::onCurrentChanged(const QModelIndex &current)
{
    // An invalid current (the row left the log or the filter hid it) keeps the detail as it is.
    if (!current.isValid())
        return;
    showEventDetail(m_model->eventAt(current.row()),
                    current.data(EventLogModel::SequenceRole).toLongLong());
}
