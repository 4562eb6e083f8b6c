#pragma once

#include "etcderror.h"
#include "keydocument.h"

#include <QByteArray>
#include <QDialog>
#include <QObject>
#include <QPersistentModelIndex>
#include <QPointer>

#include <optional>

class EtcdClient;
class KeyDetailPane;
class KeyTreeModel;
class KeyWriter;
class QAction;
class QMenu;
class QToolBar;
class QTreeView;

// What the user can do to keys, as actions for the Key menu, the toolbar and the tree's context
// menu: create, edit, save, TTL (v2) and lease (v3) changes, delete, refresh, go to, copy, show
// hidden and read-only, each enabled when it applies to the current row. The writes themselves
// (their dialogs, the requests, the tree updated in place) are KeyWriter's. Also keeps the detail
// pane on the current row and asks Save / Discard / Cancel before leaving an unsaved edit.
class KeyActions : public QObject
{
    Q_OBJECT
public:
    enum Id {
        NewKey,
        NewDirectory,  // v2
        NewInOrderKey, // v2
        Edit,
        Save,
        SetTtl,     // v2
        RemoveTtl,  // v2
        RefreshTtl, // v2
        Lease,      // v3
        Delete,
        Refresh,
        GoToKey,
        CopyKey,
        ShowHidden, // v2
        ReadOnly,
        ActionCount
    };

    // The actions act on view's current row and write through the pane's connection. `window`
    // parents the dialogs (window-modal).
    KeyActions(KeyTreeModel *model, QTreeView *view, KeyDetailPane *pane, QWidget *window);
    ~KeyActions() override;

    // After a discovery: the API in use decides which actions are offered. nullptr: not
    // connected, every action but Read-only is disabled.
    void setClient(EtcdClient *client);
    EtcdClient *client() const { return m_client; }

    QAction *action(Id id) const { return m_actions[id]; }
    // The Key menu and the tree's context menu list the same actions.
    void addKeyActions(QMenu *menu) const;
    void addToolBarActions(QToolBar *toolBar) const;

    // Disables every write in the UI and makes the transport refuse writes.
    void setReadOnly(bool readOnly);
    // A production connection: deletes ask to type the key or prefix. `where` names the
    // connection in the question; empty turns it off.
    void setTypedConfirmation(const QString &where);
    bool isReadOnly() const { return m_readOnly; }

    // The row the actions act on (column 0), and its key.
    QModelIndex currentIndex() const;
    QByteArray currentKey() const;
    // Selects `key` in the tree, listing the levels down to it first when needed.
    void selectKey(const QByteArray &key);
    // The dialog the last action opened, while it is open (for tests and automation).
    QDialog *openDialog() const { return m_dialog; }

Q_SIGNALS:
    void readOnlyChanged(bool readOnly);
    // A result or an error in words, for the status bar.
    void statusMessage(const QString &text);
    // A write started by an action ended: ok, and what happened in words.
    void writeFinished(bool ok, const QString &message);
    // selectKey() found the key (and made it current) or not.
    void keySelected(const QByteArray &key);
    void selectFailed(const QByteArray &key, const QString &message);
    // The tree's context menu for `index` (column 0; invalid: no row) is about to pop up, its
    // key actions in it: others (the window) may add theirs.
    void contextMenuAboutToShow(QMenu *menu, const QModelIndex &index);

private:
    void createActions();
    void updateActions();
    void onCurrentChanged(const QModelIndex &current);
    void showInPane(const QModelIndex &index);
    void askAboutUnsavedEdit(const QModelIndex &wanted);
    void onSaveAnswer(int button);
    void connectDocument();
    void onContextMenu(const QPoint &pos);
    void goToKey();
    void openTracked(QDialog *dialog);
    bool writable() const;

    KeyTreeModel *m_model;
    QTreeView *m_view;
    KeyDetailPane *m_pane;
    QWidget *m_window;
    KeyWriter *m_writer;
    QPointer<EtcdClient> m_client;
    QPointer<KeyDocument> m_document;
    bool m_v2 = false;
    bool m_readOnly = false;
    QAction *m_actions[ActionCount] = {};

    QPointer<QDialog> m_dialog;
    // The row the user asked for while the pane held an unsaved edit; shown after Save
    // succeeds or on Discard.
    QPersistentModelIndex m_wanted;
    bool m_switchAfterSave = false;
    bool m_restoringCurrent = false;
    // selectKey() waiting for the model to reveal this key.
    std::optional<QByteArray> m_revealing;
};
