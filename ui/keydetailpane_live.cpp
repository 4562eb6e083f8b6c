// KeyDetailPane and the watch: the open key follows the server, and the banner's ways on when
// the user is editing a key that changed or went away.
#include "keydetailpane.h"

#include "conflictdialog.h"
#include "keychangedbanner.h"
#include "keydisplay.h"
#include "valueeditor.h"

#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTimer>

void KeyDetailPane::applyWatchEvents(const QList<EtcdWatchEvent> &events)
{
    if (!m_document || m_isDirectory || m_key.isNull())
        return;
    m_document->setModified(hasUnsavedChanges());
    m_document->applyEvents(events);
}

void KeyDetailPane::onUpdatedFromServer(const KeySnapshot &snapshot)
{
    // Only reached while the user has not edited: the shown text is the old value, nothing of
    // the user's is lost. Keep the place in the text as far as the new value allows.
    QPlainTextEdit *edit = m_editor->textEdit();
    const int position = edit->textCursor().position();
    const int scroll = edit->verticalScrollBar()->value();
    m_editor->setValue(snapshot.value);
    QTextCursor cursor = edit->textCursor();
    cursor.setPosition(qMin(position, edit->document()->characterCount() - 1));
    edit->setTextCursor(cursor);
    edit->verticalScrollBar()->setValue(scroll);

    m_kindLabel->setText(snapshot.isDirectory ? tr("directory") : tr("key"));
    updateMetadata();
    updateButtons();
    flashNote(snapshot.v2 ? tr("Updated from the server (index %1).").arg(snapshot.modIndex())
                          : tr("Updated from the server (revision %1).").arg(snapshot.modIndex()));
}

void KeyDetailPane::onServerStateChanged(KeyDocument::ServerState state)
{
    const KeySnapshot &server = m_document->serverSnapshot();
    switch (state) {
    case KeyDocument::ServerState::InSync:
        m_banner->dismiss();
        break;
    case KeyDocument::ServerState::Changed:
        m_banner->showChanged(m_key, server.modIndex(), server.v2);
        Q_EMIT statusMessage(m_banner->message());
        break;
    case KeyDocument::ServerState::Deleted:
        m_banner->showDeleted(server.storeRevision, server.v2, m_document->expiredOnServer());
        Q_EMIT statusMessage(m_banner->message());
        break;
    }
    updateButtons();
}

void KeyDetailPane::showDifference()
{
    if (!m_document || m_document->serverState() == KeyDocument::ServerState::InSync)
        return;
    closeDialogs();
    // What the user compares is what an overwrite compares against, even if the key changes
    // again while the dialog is open (the write then fails its compare and says so).
    const KeySnapshot shown = m_document->serverSnapshot();
    auto *dialog =
        new ConflictDialog(shown, m_editor->textEdit()->toPlainText(), m_editor->mode(), this);
    dialog->setWindowTitle(tr("Difference with the server"));
    dialog->setAccessibleName(tr("Difference with the server"));
    // Nothing was saved and nothing failed here: say what the banner said.
    const auto labels = dialog->findChildren<QLabel *>();
    for (QLabel *label : labels) {
        if (label->accessibleName() == ConflictDialog::tr("Conflict summary")) {
            label->setText(m_banner->message() + QLatin1Char(' ') +
                           tr("Compare the two values and choose how to go on."));
        }
    }
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_conflictDialog = dialog;
    connect(dialog, &ConflictDialog::chosen, this,
            [this, shown](ConflictDialog::Choice choice) { onDifferenceChosen(choice, shown); });
    dialog->open();
}

void KeyDetailPane::onDifferenceChosen(ConflictDialog::Choice choice, const KeySnapshot &shown)
{
    switch (choice) {
    case ConflictDialog::Choice::Overwrite:
        writeEditorValue(
            [this, shown](const QByteArray &bytes) {
                return m_document->overwriteServerChange(bytes, shown);
            },
            shown.exists ? tr("Overwriting…") : tr("Creating %1 again…").arg(displayKey(m_key)));
        break;
    case ConflictDialog::Choice::Reload:
        // The click in a dialog showing both values is the user's explicit choice.
        reload();
        break;
    case ConflictDialog::Choice::KeepEditing:
        setStatus(tr("Your text is kept; the value on the server differs."));
        break;
    }
}

void KeyDetailPane::recreateKey()
{
    if (!m_document || m_document->serverState() != KeyDocument::ServerState::Deleted)
        return;
    writeEditorValue([this](const QByteArray &bytes) { return m_document->recreate(bytes); },
                     tr("Creating %1 again…").arg(displayKey(m_key)));
}

void KeyDetailPane::closeDeletedKey()
{
    auto close = [this] {
        const QByteArray key = m_key;
        clear();
        Q_EMIT keyClosed(key);
    };
    if (hasUnsavedChanges()) {
        confirmDiscard(close, tr("Your changes to %1 will be lost; the key no longer exists on "
                                 "the server.")
                                  .arg(displayKey(m_key)));
    } else {
        close();
    }
}

void KeyDetailPane::writeEditorValue(const std::function<bool(const QByteArray &)> &write,
                                     const QString &status)
{
    if (m_readOnly) {
        setStatus(tr("The connection is read-only: nothing is saved."), true);
        return;
    }
    if (!m_document || m_document->isBusy())
        return;
    const ValueCodec::Decoded value = m_editor->value();
    if (!value.ok()) {
        const QString message = tr("Not saved. %1").arg(value.error.toString());
        m_editor->showMessage(message);
        setStatus(message, true);
        return;
    }
    m_savingValue = value.bytes;
    m_editor->setReadOnly(true); // the text saved is the text shown when the answer arrives
    if (!write(value.bytes)) {
        m_savingValue.reset();
        m_editor->setReadOnly(m_readOnly);
        return;
    }
    setStatus(status);
}

void KeyDetailPane::flashNote(const QString &text)
{
    setStatus(text);
    m_noteTimer->disconnect(this);
    connect(m_noteTimer, &QTimer::timeout, this, [this, text] {
        if (m_status->text() == text)
            setStatus({});
    });
    m_noteTimer->start();
}
