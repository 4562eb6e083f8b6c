#pragma once

#include "keydocument.h"
#include "valuecodec.h"

#include <QDialog>

class QPlainTextEdit;
class QPushButton;

// Shown when a save's compare-and-swap failed: what the server holds now beside the user's
// text, and the three ways on. Overwrite writes the user's value with a new compare-and-swap
// against the revision shown here; Reload drops the edit (the pane asks first); Keep editing
// closes and leaves the text as it is. Opened with open(): the choice arrives as a signal.
class ConflictDialog : public QDialog
{
    Q_OBJECT
public:
    enum class Choice { KeepEditing, Overwrite, Reload };

    // `mine` is the user's text as shown in `mode`; the server's value is shown in the same
    // mode when it converts, else in hex.
    ConflictDialog(const KeySnapshot &server, const QString &mine, ValueCodec::Mode mode,
                   QWidget *parent = nullptr);

    Choice choice() const { return m_choice; }
    const KeySnapshot &server() const { return m_server; }

    QPushButton *overwriteButton() const { return m_overwrite; }
    QPushButton *reloadButton() const { return m_reload; }
    QPushButton *keepEditingButton() const { return m_keep; }
    QPlainTextEdit *serverView() const { return m_serverView; }
    QPlainTextEdit *mineView() const { return m_mineView; }

    // "Key /a was changed at revision 812 by another client." / "… was deleted …".
    static QString describe(const KeySnapshot &server);

Q_SIGNALS:
    void chosen(ConflictDialog::Choice choice);

private:
    void choose(Choice choice);

    KeySnapshot m_server;
    Choice m_choice = Choice::KeepEditing;
    bool m_chosen = false; // chosen() is emitted once
    QPlainTextEdit *m_serverView;
    QPlainTextEdit *m_mineView;
    QPushButton *m_overwrite;
    QPushButton *m_reload;
    QPushButton *m_keep;
};
