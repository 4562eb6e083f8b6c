#pragma once

#include "conflictdialog.h"
#include "keydocument.h"

#include <QByteArray>
#include <QPointer>
#include <QWidget>

#include <functional>
#include <optional>

class EtcdClient;
class KeyChangedBanner;
class LeaseTtlCache;
class QLabel;
class QLineEdit;
class QMessageBox;
class QPushButton;
class QStackedWidget;
class QTimer;
class ValueEditor;

// The detail pane of the selected key: its full key (copyable), its value in a ValueEditor, its
// metadata with a live TTL countdown, and Save / Revert / Reload. Saving is compare-and-swap
// through a KeyDocument; a conflict opens a ConflictDialog. Shows an empty state when nothing
// is selected and only the key for a directory.
// Live: applyWatchEvents() lets the open key follow the server. Without an edit the new value is
// shown; with one, a KeyChangedBanner says the key changed (or was deleted) and offers the ways
// on; the user's text is replaced only on an explicit, confirmed choice.
class KeyDetailPane : public QWidget
{
    Q_OBJECT
public:
    explicit KeyDetailPane(QWidget *parent = nullptr);
    ~KeyDetailPane() override;

    // The connection to use; nullptr clears the pane. The pane does not own the client.
    void setClient(EtcdClient *client);
    EtcdClient *client() const;
    // The connection's cache of lease answers (a v3 lease's countdown); none: no countdown.
    void setLeaseCache(LeaseTtlCache *cache);
    // The document of the shown key (for the TTL and lease dialogs); nullptr without a client.
    KeyDocument *document() const { return m_document; }

    // Shows and loads `key`; a directory shows its key and "directory", no editor. Showing
    // another key drops the current edit: ask hasUnsavedChanges() first.
    void showKey(const QByteArray &key, bool isDirectory);
    void clear();
    QByteArray currentKey() const { return m_key; }
    bool isDirectoryShown() const { return m_isDirectory; }

    // Disables editing and saving (the client refuses writes too).
    void setReadOnly(bool readOnly);
    bool isReadOnly() const { return m_readOnly; }

    bool hasUnsavedChanges() const;
    ValueEditor *editor() const { return m_editor; }
    // The open conflict dialog, if any (for tests).
    ConflictDialog *conflictDialog() const;
    // The open "discard your edit?" question, if any (for tests).
    QMessageBox *confirmationBox() const;
    // The text of the status line (errors and results in words).
    QString statusText() const;
    QString ttlText() const;
    // The "changed / deleted on the server" banner (hidden while in step).
    KeyChangedBanner *changedBanner() const { return m_banner; }

public Q_SLOTS:
    // Validates the editor's value (JSON in JSON mode: refused with the error's position) and
    // saves it with compare-and-swap. Does nothing when read-only, unmodified or busy.
    void save();
    // Reads the key again; the edit is dropped.
    void reload();
    // Puts the last loaded value back into the editor.
    void revert();
    void copyKey();
    // Watch events (any keys; those of the open key count). See KeyDocument::applyEvents().
    void applyWatchEvents(const QList<EtcdWatchEvent> &events);

Q_SIGNALS:
    void keySaved(const QByteArray &key);
    // The server's state of a key changed through this pane (save, overwrite, TTL or lease) or
    // was found changed by a load or conflict: the tree updates its row from it. A snapshot with
    // exists false means the key is gone.
    void keyChanged(const KeySnapshot &snapshot);
    // An error or a result in words, for a status bar.
    void statusMessage(const QString &message);
    // The user closed a key that was deleted on the server (the pane is empty now).
    void keyClosed(const QByteArray &key);

private:
    void buildUi();
    void onLoaded();
    void onLoadFailed(const EtcdError &error);
    void onSaved(const KeySnapshot &snapshot);
    void onSaveConflict(const KeySnapshot &current);
    void onSaveFailed(const EtcdError &error);
    void onConflictChosen(ConflictDialog::Choice choice);
    // Asks before an edit is dropped (window-modal, answered later); runs `then` on Discard.
    // `text` replaces the default explanation.
    void confirmDiscard(std::function<void()> then, const QString &text = {});
    // live (keydetailpane_live.cpp)
    void onUpdatedFromServer(const KeySnapshot &snapshot);
    void onServerStateChanged(KeyDocument::ServerState state);
    void showDifference();
    void onDifferenceChosen(ConflictDialog::Choice choice, const KeySnapshot &shown);
    void recreateKey();
    void closeDeletedKey();
    void flashNote(const QString &text);
    // Validates the editor's value and hands it to `write` (a KeyDocument write); the editor
    // is read-only until the answer. `status` is shown while it runs.
    void writeEditorValue(const std::function<bool(const QByteArray &)> &write,
                          const QString &status);
    void closeDialogs();
    void updateMetadata();
    void updateCountdown();
    void updateButtons();
    void setStatus(const QString &text, bool error = false);

    QPointer<KeyDocument> m_document;
    QPointer<LeaseTtlCache> m_leaseCache;
    QByteArray m_key;
    bool m_isDirectory = false;
    bool m_readOnly = false;

    QStackedWidget *m_stack;
    QLabel *m_emptyLabel;
    QWidget *m_keyPage;
    QLineEdit *m_keyEdit;
    QPushButton *m_copyButton;
    QLabel *m_kindLabel;
    QWidget *m_metadataBox;
    QLabel *m_createdLabel;
    QLabel *m_modifiedLabel;
    QLabel *m_versionLabel;
    QLabel *m_leaseLabel;
    QLabel *m_ttlLabel;
    QLabel *m_expirationLabel;
    ValueEditor *m_editor;
    QPushButton *m_saveButton;
    QPushButton *m_revertButton;
    QPushButton *m_reloadButton;
    QLabel *m_status;
    QTimer *m_countdown;
    KeyChangedBanner *m_banner;
    QTimer *m_noteTimer; // clears a passing note ("Updated from the server")
    QPointer<ConflictDialog> m_conflictDialog;
    QPointer<QMessageBox> m_confirmBox;
    // The bytes of the save in flight: what the editor holds once it succeeded.
    std::optional<QByteArray> m_savingValue;
};
