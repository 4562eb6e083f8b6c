#pragma once

#include "etcdwatchevent.h"

#include <QWidget>

class EventLogModel;
class QAction;
class QFormLayout;
class QLabel;
class QLineEdit;
class QMenu;
class QPlainTextEdit;
class QTimer;
class QToolButton;
class QTreeView;

// The event log as the user reads it (meant for a QDockWidget): a filter line for a key prefix,
// a menu of actions to show, Pause/Resume and Clear, a status line that makes the cap visible,
// the list of events over an EventLogModel, and below it the selected event in full (key,
// revision, lease or TTL, and the values before and after, binary ones in hex).
class EventLogPanel : public QWidget
{
    Q_OBJECT
public:
    explicit EventLogPanel(EventLogModel *model, QWidget *parent = nullptr);

    EventLogModel *model() const { return m_model; }
    QTreeView *view() const { return m_view; }
    // "1,234 events (last 10,000 kept; 0 dropped)", "Paused, 12 new · …": always up to date,
    // while the label on screen follows at most a few times a second.
    QString statusText() const;
    // The event the detail area shows; nullptr-like (sequence 0) when none.
    qint64 shownSequence() const { return m_shownSequence; }

private:
    void buildToolBar();
    void buildDetail(QWidget *detail);
    void updateStatusNow();
    void updateActionsButton();
    void onCurrentChanged(const QModelIndex &current);
    void onRowsAboutToBeRemoved(int first, int last);
    void onRowsRemoved();
    void onModelReset();
    void showEventDetail(const EtcdWatchEvent &event, qint64 sequence);
    void clearDetail();
    bool isAtBottom() const;

    EventLogModel *m_model;
    QLineEdit *m_filter = nullptr;
    QToolButton *m_actionsButton = nullptr;
    QMenu *m_actionsMenu = nullptr;
    QList<QAction *> m_actionToggles; // one per EtcdWatchEvent::Action, in enum order
    QToolButton *m_pauseButton = nullptr;
    QToolButton *m_clearButton = nullptr;
    QLabel *m_status = nullptr;
    QTimer *m_statusTimer = nullptr;
    QTimer *m_scrollTimer = nullptr;
    QTreeView *m_view = nullptr;

    QFormLayout *m_detailForm = nullptr;
    QLabel *m_keyLabel = nullptr;
    QLabel *m_actionLabel = nullptr;
    QLabel *m_revisionLabel = nullptr;
    QLabel *m_leaseLabel = nullptr;
    QLabel *m_ttlLabel = nullptr;
    QLabel *m_receivedLabel = nullptr;
    QLabel *m_beforeTitle = nullptr;
    QLabel *m_afterTitle = nullptr;
    QPlainTextEdit *m_before = nullptr;
    QPlainTextEdit *m_after = nullptr;

    qint64 m_shownSequence = 0;
    // Whether the view was at its last row when rows started to arrive: it then follows them.
    bool m_follow = true;
    // Rows about to leave at the top while the user reads further up, to keep their place.
    int m_rowsRemovedAtTop = 0;
};
