#pragma once

#include <QPersistentModelIndex>
#include <QWidget>

#include <vector>

class EtcdError;
class KeyTreeModel;
class QAction;
class QLabel;
class QLineEdit;
class QProgressBar;
class QTimer;
class QTreeView;

// The key tree as the user browses it: a filter line (Ctrl+F), the tree over a KeyTreeModel,
// and a status line that says what is loading ("Loading /bulk… 1,200 keys") or how a level
// ended. The panel does no I/O of its own: the model lists levels as the view opens them.
class KeyspacePanel : public QWidget
{
    Q_OBJECT
public:
    explicit KeyspacePanel(KeyTreeModel *model, QWidget *parent = nullptr);

    KeyTreeModel *model() const { return m_model; }
    QTreeView *view() const { return m_view; }
    QLineEdit *filterEdit() const { return m_filter; }
    // Ctrl+F: moves the focus to the filter line.
    QAction *filterAction() const { return m_filterAction; }

    // The model is about to list the top level of a keyspace ("v2" or "v3").
    void showListing(const QString &apiName);
    void showNotConnected(const QString &why);
    QString statusText() const;
    bool isLoading() const { return !m_loading.empty(); }

    // The filter text goes to the model after a short pause in typing (each change walks the
    // loaded tree); this applies it now.
    void applyFilterNow();

private:
    void onLevelStarted(const QModelIndex &dir);
    void onLevelLoaded(const QModelIndex &dir);
    void showLevelCount(const QModelIndex &dir);
    void onLevelFailed(const QModelIndex &dir, const EtcdError &error);
    void forgetLevel(const QModelIndex &dir);
    void updateLoadingText();
    void setStatus(const QString &text, const QString &toolTip = {});
    QString levelName(const QModelIndex &dir) const;
    void sizeColumns();

    KeyTreeModel *m_model;
    QLineEdit *m_filter;
    QAction *m_filterAction;
    QTreeView *m_view;
    QProgressBar *m_busy;
    QLabel *m_status;
    QTimer *m_filterTimer;
    // Refreshes "Loading … N keys" a few times a second while rows arrive, not once per batch.
    QTimer *m_progressTimer;
    // Levels being listed, oldest first; the status line names the newest.
    std::vector<QPersistentModelIndex> m_loading;
    QPersistentModelIndex m_countLevel; // the level whose count the status shows
    bool m_countShown = false;
    bool m_loadingRoot = false;
};
