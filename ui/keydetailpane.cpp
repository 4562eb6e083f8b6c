#include "keydetailpane.h"

#include "conflictdialog.h"
#include "errortext.h"
#include "keychangedbanner.h"
#include "keydisplay.h"
#include "leasettlcache.h"
#include "valueeditor.h"

#include <QApplication>
#include <QClipboard>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStackedWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace {

QLabel *valueLabel(QWidget *parent, const QString &accessibleName)
{
    auto *label = new QLabel(parent);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setAccessibleName(accessibleName);
    return label;
}

// "1 h 02 min 05 s" for a countdown a user reads at a glance.
QString formatSeconds(qint64 seconds)
{
    const qint64 h = seconds / 3600;
    const qint64 m = (seconds % 3600) / 60;
    const qint64 s = seconds % 60;
    if (h > 0) {
        return KeyDetailPane::tr("%1 h %2 min %3 s")
            .arg(h)
            .arg(m, 2, 10, QLatin1Char('0'))
            .arg(s, 2, 10, QLatin1Char('0'));
    }
    if (m > 0)
        return KeyDetailPane::tr("%1 min %2 s").arg(m).arg(s, 2, 10, QLatin1Char('0'));
    return KeyDetailPane::tr("%1 s").arg(s);
}

} // namespace

KeyDetailPane::KeyDetailPane(QWidget *parent)
    : QWidget(parent)
{
    buildUi();
    clear();
}

KeyDetailPane::~KeyDetailPane() = default;

void KeyDetailPane::buildUi()
{
    setAccessibleName(tr("Key details"));

    m_stack = new QStackedWidget(this);
    m_emptyLabel = new QLabel(tr("Select a key to see its value."), m_stack);
    m_emptyLabel->setAlignment(Qt::AlignCenter);
    m_emptyLabel->setAccessibleName(tr("No key selected"));
    m_stack->addWidget(m_emptyLabel);

    m_keyPage = new QWidget(m_stack);
    m_stack->addWidget(m_keyPage);

    m_keyEdit = new QLineEdit(m_keyPage);
    m_keyEdit->setReadOnly(true);
    m_keyEdit->setAccessibleName(tr("Full key"));
    m_copyButton = new QPushButton(tr("&Copy"), m_keyPage);
    m_copyButton->setAccessibleName(tr("Copy key"));
    m_copyButton->setToolTip(tr("Copy the full key to the clipboard"));
    m_kindLabel = valueLabel(m_keyPage, tr("Kind of node"));

    auto *keyRow = new QHBoxLayout;
    keyRow->addWidget(m_keyEdit, 1);
    keyRow->addWidget(m_copyButton);
    keyRow->addWidget(m_kindLabel);

    m_metadataBox = new QWidget(m_keyPage);
    m_metadataBox->setAccessibleName(tr("Key metadata"));
    auto *form = new QFormLayout(m_metadataBox);
    form->setContentsMargins(0, 0, 0, 0);
    m_createdLabel = valueLabel(m_metadataBox, tr("Created"));
    m_modifiedLabel = valueLabel(m_metadataBox, tr("Modified"));
    m_versionLabel = valueLabel(m_metadataBox, tr("Version"));
    m_leaseLabel = valueLabel(m_metadataBox, tr("Lease"));
    m_ttlLabel = valueLabel(m_metadataBox, tr("Time to live"));
    m_expirationLabel = valueLabel(m_metadataBox, tr("Expiration"));
    form->addRow(tr("Created:"), m_createdLabel);
    form->addRow(tr("Modified:"), m_modifiedLabel);
    form->addRow(tr("Version:"), m_versionLabel);
    form->addRow(tr("Lease:"), m_leaseLabel);
    form->addRow(tr("TTL left:"), m_ttlLabel);
    form->addRow(tr("Expires:"), m_expirationLabel);

    m_editor = new ValueEditor(m_keyPage);

    m_saveButton = new QPushButton(tr("&Save"), m_keyPage);
    m_saveButton->setAccessibleName(tr("Save value"));
    m_saveButton->setToolTip(tr("Save the value if nobody changed the key meanwhile (Ctrl+S)"));
    m_revertButton = new QPushButton(tr("Re&vert"), m_keyPage);
    m_revertButton->setAccessibleName(tr("Revert value"));
    m_revertButton->setToolTip(tr("Put the loaded value back into the editor"));
    m_reloadButton = new QPushButton(tr("&Reload"), m_keyPage);
    m_reloadButton->setAccessibleName(tr("Reload key"));
    m_reloadButton->setToolTip(tr("Read the key from the server again"));

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_saveButton);
    buttons->addWidget(m_revertButton);
    buttons->addWidget(m_reloadButton);
    buttons->addStretch(1);

    m_banner = new KeyChangedBanner(m_keyPage);

    m_status = new QLabel(m_keyPage);
    m_status->setAccessibleName(tr("Key status"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *pageLayout = new QVBoxLayout(m_keyPage);
    pageLayout->setContentsMargins(0, 0, 0, 0);
    pageLayout->addWidget(m_banner);
    pageLayout->addLayout(keyRow);
    pageLayout->addWidget(m_metadataBox);
    pageLayout->addWidget(m_editor, 1);
    pageLayout->addLayout(buttons);
    pageLayout->addWidget(m_status);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_stack);

    m_countdown = new QTimer(this);
    m_countdown->setInterval(1000);
    connect(m_countdown, &QTimer::timeout, this, &KeyDetailPane::updateCountdown);
    m_noteTimer = new QTimer(this);
    m_noteTimer->setSingleShot(true);
    m_noteTimer->setInterval(5000);

    connect(m_banner, &KeyChangedBanner::showDifferenceRequested, this,
            &KeyDetailPane::showDifference);
    connect(m_banner, &KeyChangedBanner::reloadRequested, this, [this] {
        if (hasUnsavedChanges())
            confirmDiscard([this] { reload(); });
        else
            reload();
    });
    connect(m_banner, &KeyChangedBanner::recreateRequested, this, &KeyDetailPane::recreateKey);
    connect(m_banner, &KeyChangedBanner::closeRequested, this, &KeyDetailPane::closeDeletedKey);

    connect(m_copyButton, &QPushButton::clicked, this, &KeyDetailPane::copyKey);
    connect(m_saveButton, &QPushButton::clicked, this, &KeyDetailPane::save);
    connect(m_revertButton, &QPushButton::clicked, this, &KeyDetailPane::revert);
    connect(m_reloadButton, &QPushButton::clicked, this, [this] {
        if (hasUnsavedChanges())
            confirmDiscard([this] { reload(); });
        else
            reload();
    });
    connect(m_editor, &ValueEditor::modificationChanged, this, &KeyDetailPane::updateButtons);
}

void KeyDetailPane::setClient(EtcdClient *client)
{
    if (m_document && m_document->client() == client)
        return;
    delete m_document;
    m_document = nullptr;
    if (client) {
        m_document = new KeyDocument(client, this);
        m_document->setLeaseCache(m_leaseCache);
        connect(m_document, &KeyDocument::loaded, this, &KeyDetailPane::onLoaded);
        connect(m_document, &KeyDocument::loadFailed, this, &KeyDetailPane::onLoadFailed);
        connect(m_document, &KeyDocument::saved, this, &KeyDetailPane::onSaved);
        connect(m_document, &KeyDocument::saveConflict, this, &KeyDetailPane::onSaveConflict);
        connect(m_document, &KeyDocument::saveFailed, this, &KeyDetailPane::onSaveFailed);
        connect(m_document, &KeyDocument::metadataChangeFailed, this,
                [this](KeyDocument::Operation, const EtcdError &error) {
                    if (error.is(EtcdError::Condition::CompareFailed) ||
                        error.is(EtcdError::Condition::KeyNotFound)) {
                        setStatus(describeKeyError(error, m_key) + QLatin1Char(' ') +
                                      tr("Reload to see the current value."),
                                  true);
                        Q_EMIT keyChanged(m_document->conflictSnapshot());
                    } else {
                        setStatus(describeError(error), true);
                    }
                });
        connect(m_document, &KeyDocument::busyChanged, this, &KeyDetailPane::updateButtons);
        connect(m_document, &KeyDocument::leaseRead, this, &KeyDetailPane::updateMetadata);
        connect(m_document, &KeyDocument::updatedFromServer, this,
                &KeyDetailPane::onUpdatedFromServer);
        connect(m_document, &KeyDocument::serverStateChanged, this,
                &KeyDetailPane::onServerStateChanged);
    }
    clear();
}

void KeyDetailPane::setLeaseCache(LeaseTtlCache *cache)
{
    m_leaseCache = cache;
    if (m_document)
        m_document->setLeaseCache(cache);
}

EtcdClient *KeyDetailPane::client() const
{
    return m_document ? m_document->client() : nullptr;
}

void KeyDetailPane::showKey(const QByteArray &key, bool isDirectory)
{
    closeDialogs();
    m_key = key;
    m_isDirectory = isDirectory;
    m_savingValue.reset();
    m_countdown->stop();
    m_banner->dismiss();
    m_stack->setCurrentWidget(m_keyPage);
    m_keyEdit->setText(displayKey(key));
    m_keyEdit->setCursorPosition(0);
    m_editor->clear();
    m_editor->setVisible(!isDirectory);
    m_metadataBox->setVisible(!isDirectory);
    m_saveButton->setVisible(!isDirectory);
    m_revertButton->setVisible(!isDirectory);
    m_reloadButton->setVisible(!isDirectory);
    setStatus({});
    if (isDirectory) {
        m_kindLabel->setText(tr("directory"));
        if (m_document)
            m_document->clear();
    } else {
        m_kindLabel->setText(tr("loading…"));
        updateMetadata();
        if (m_document) {
            m_document->load(key);
            setStatus(tr("Loading %1…").arg(displayKey(key)));
        }
    }
    updateButtons();
}

void KeyDetailPane::clear()
{
    closeDialogs();
    if (m_document)
        m_document->clear();
    m_key.clear();
    m_isDirectory = false;
    m_savingValue.reset();
    m_countdown->stop();
    m_banner->dismiss();
    m_editor->clear();
    m_keyEdit->clear();
    setStatus({});
    m_stack->setCurrentWidget(m_emptyLabel);
    updateButtons();
}

void KeyDetailPane::closeDialogs()
{
    if (m_conflictDialog)
        m_conflictDialog->deleteLater();
    if (m_confirmBox)
        m_confirmBox->deleteLater();
    m_conflictDialog = nullptr;
    m_confirmBox = nullptr;
}

void KeyDetailPane::setReadOnly(bool readOnly)
{
    m_readOnly = readOnly;
    m_editor->setReadOnly(readOnly);
    m_banner->setWritable(!readOnly);
    updateButtons();
}

bool KeyDetailPane::hasUnsavedChanges() const
{
    return m_stack->currentWidget() == m_keyPage && !m_isDirectory && m_editor->isModified();
}

ConflictDialog *KeyDetailPane::conflictDialog() const
{
    return m_conflictDialog;
}

QMessageBox *KeyDetailPane::confirmationBox() const
{
    return m_confirmBox;
}

QString KeyDetailPane::statusText() const
{
    return m_status->text();
}

QString KeyDetailPane::ttlText() const
{
    return m_ttlLabel->text();
}

void KeyDetailPane::save()
{
    // Read-only: writeEditorValue() says so. Otherwise only a loaded, edited key is saved; a
    // value that does not encode (invalid JSON, bad hex) is refused with the position of the
    // error, and the text stays as typed.
    if (!m_readOnly &&
        (!m_document || m_isDirectory || !m_document->isLoaded() || !m_editor->isModified())) {
        return;
    }
    writeEditorValue([this](const QByteArray &value) { return m_document->save(value); },
                     tr("Saving…"));
}

void KeyDetailPane::reload()
{
    if (!m_document || m_key.isNull() || m_isDirectory)
        return;
    closeDialogs();
    m_savingValue.reset();
    m_editor->setReadOnly(m_readOnly);
    m_document->reload();
    setStatus(tr("Loading %1…").arg(displayKey(m_key)));
}

void KeyDetailPane::revert()
{
    if (!m_document || !m_document->isLoaded())
        return;
    m_editor->setValue(m_document->snapshot().value);
    setStatus({});
    updateButtons();
}

void KeyDetailPane::copyKey()
{
    if (m_key.isNull())
        return;
    // Valid UTF-8 keys are copied as they are; others as shown, with \xNN escapes.
    QApplication::clipboard()->setText(displayKey(m_key));
    Q_EMIT statusMessage(tr("Copied %1").arg(displayKey(m_key)));
}

void KeyDetailPane::onLoaded()
{
    const KeySnapshot &s = m_document->snapshot();
    m_editor->setValue(s.value);
    m_editor->setReadOnly(m_readOnly);
    m_kindLabel->setText(s.isDirectory ? tr("directory") : tr("key"));
    if (s.isDirectory) {
        m_editor->hide();
        m_saveButton->hide();
        m_revertButton->hide();
    }
    updateMetadata();
    setStatus({});
    updateButtons();
    Q_EMIT keyChanged(s);
}

void KeyDetailPane::onLoadFailed(const EtcdError &error)
{
    m_kindLabel->setText(QString());
    updateMetadata();
    updateButtons();
    if (error.is(EtcdError::Condition::KeyNotFound)) {
        setStatus(tr("Key %1 does not exist (any more).").arg(displayKey(m_key)), true);
        KeySnapshot gone;
        gone.key = m_key;
        gone.v2 = m_document->isV2();
        Q_EMIT keyChanged(gone);
        return;
    }
    setStatus(describeError(error), true);
}

void KeyDetailPane::onSaved(const KeySnapshot &snapshot)
{
    if (m_savingValue) {
        m_editor->markSaved(*m_savingValue);
        m_savingValue.reset();
        m_editor->setReadOnly(m_readOnly);
        setStatus(tr("Saved at %1 %2.")
                      .arg(snapshot.v2 ? tr("index") : tr("revision"))
                      .arg(snapshot.modIndex()));
        Q_EMIT keySaved(snapshot.key);
    } else {
        setStatus(tr("Updated at %1 %2.")
                      .arg(snapshot.v2 ? tr("index") : tr("revision"))
                      .arg(snapshot.modIndex()));
    }
    updateMetadata();
    updateButtons();
    Q_EMIT keyChanged(snapshot);
}

void KeyDetailPane::onSaveFailed(const EtcdError &error)
{
    m_savingValue.reset();
    m_editor->setReadOnly(m_readOnly);
    setStatus(tr("Not saved: %1").arg(describeError(error)), true);
    updateButtons();
}

void KeyDetailPane::onSaveConflict(const KeySnapshot &current)
{
    m_savingValue.reset();
    m_editor->setReadOnly(m_readOnly);
    setStatus(tr("Not saved. %1").arg(ConflictDialog::describe(current)), true);
    updateButtons();
    Q_EMIT keyChanged(current);

    closeDialogs();
    auto *dialog =
        new ConflictDialog(current, m_editor->textEdit()->toPlainText(), m_editor->mode(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_conflictDialog = dialog;
    connect(dialog, &ConflictDialog::chosen, this, &KeyDetailPane::onConflictChosen);
    dialog->open();
}

void KeyDetailPane::onConflictChosen(ConflictDialog::Choice choice)
{
    switch (choice) {
    case ConflictDialog::Choice::Overwrite: {
        const ValueCodec::Decoded value = m_editor->value();
        if (!value.ok() || !m_document) {
            setStatus(tr("Not saved. %1").arg(value.error.toString()), true);
            return;
        }
        m_savingValue = value.bytes;
        m_editor->setReadOnly(true);
        if (!m_document->overwrite(value.bytes)) {
            m_savingValue.reset();
            m_editor->setReadOnly(m_readOnly);
            return;
        }
        setStatus(tr("Overwriting…"));
        break;
    }
    case ConflictDialog::Choice::Reload:
        confirmDiscard([this] { reload(); });
        break;
    case ConflictDialog::Choice::KeepEditing:
        setStatus(tr("Not saved: the key changed on the server. Your text is kept."), true);
        break;
    }
}

void KeyDetailPane::confirmDiscard(std::function<void()> then, const QString &text)
{
    if (m_confirmBox)
        m_confirmBox->deleteLater();
    const QString explanation = !text.isEmpty() ? text
                                                : tr("Your changes to %1 will be lost and the "
                                                     "value on the server shown instead.")
                                                      .arg(displayKey(m_key));
    auto *box = new QMessageBox(QMessageBox::Question, tr("Discard your edit?"), explanation,
                                QMessageBox::Discard | QMessageBox::Cancel, this);
    box->setAccessibleName(tr("Confirm discarding the edit"));
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    m_confirmBox = box;
    connect(box, &QMessageBox::finished, this, [this, box, then = std::move(then)](int result) {
        Q_UNUSED(result)
        if (box->clickedButton() == box->button(QMessageBox::Discard))
            then();
        else
            setStatus(tr("Your text is kept."));
    });
    box->open();
}

void KeyDetailPane::updateMetadata()
{
    const bool have = m_document && m_document->isLoaded();
    const KeySnapshot s = have ? m_document->snapshot() : KeySnapshot{};
    const bool v2 = m_document ? m_document->isV2() : false;
    auto *form = static_cast<QFormLayout *>(m_metadataBox->layout());
    form->setRowVisible(m_versionLabel, !v2);
    form->setRowVisible(m_leaseLabel, !v2);
    const QString none = tr("–");
    if (!have) {
        for (QLabel *l : {m_createdLabel, m_modifiedLabel, m_versionLabel, m_leaseLabel, m_ttlLabel,
                          m_expirationLabel}) {
            l->setText(none);
        }
        m_countdown->stop();
        return;
    }
    if (v2) {
        m_createdLabel->setText(tr("index %1").arg(s.createdIndex));
        m_modifiedLabel->setText(tr("index %1").arg(s.modifiedIndex));
    } else {
        m_createdLabel->setText(tr("revision %1").arg(s.createRevision));
        m_modifiedLabel->setText(tr("revision %1").arg(s.modRevision));
        m_versionLabel->setText(QString::number(s.version));
        // Hex, as etcdctl prints lease IDs.
        m_leaseLabel->setText(s.lease ? QString::number(s.lease, 16) : tr("none"));
    }
    const QDateTime expires = s.expiresAt();
    m_expirationLabel->setText(expires.isValid()
                                   ? QLocale().toString(expires.toLocalTime(), QLocale::LongFormat)
                                   : tr("never"));
    if (s.deadline.isValid() && s.secondsLeft().value_or(0) > 0)
        m_countdown->start();
    else
        m_countdown->stop();
    updateCountdown(); // after: it keeps the timer going while it checks a lease
}

void KeyDetailPane::updateCountdown()
{
    if (!m_document || !m_document->isLoaded()) {
        m_countdown->stop();
        return;
    }
    const KeySnapshot &s = m_document->snapshot();
    const std::optional<qint64> left = s.secondsLeft();
    if (!left) {
        m_ttlLabel->setText(!s.v2 && s.lease ? tr("unknown") : tr("no TTL"));
        m_countdown->stop();
    } else if (*left <= 0 && !s.v2 && s.lease && s.leaseTtl.value_or(-1) >= 0) {
        // A lease renewed by keep-alives changes no key: ask it, until it says it is gone.
        m_ttlLabel->setText(tr("0 s (checking the lease…)"));
        m_document->rereadLease();
        if (!m_countdown->isActive())
            m_countdown->start(); // ask again in a second while it says 0
    } else if (*left <= 0) {
        m_ttlLabel->setText(tr("expired"));
        m_countdown->stop();
    } else {
        m_ttlLabel->setText(formatSeconds(*left));
    }
}

void KeyDetailPane::updateButtons()
{
    const bool loaded = m_document && m_document->isLoaded() && !m_isDirectory;
    const bool busy = m_document && m_document->isBusy();
    const bool modified = m_editor->isModified();
    // The document judges watch events by it (setValue() changes it without a signal).
    if (m_document)
        m_document->setModified(hasUnsavedChanges());
    m_saveButton->setEnabled(loaded && !busy && !m_readOnly && modified);
    m_revertButton->setEnabled(loaded && !busy && modified);
    m_reloadButton->setEnabled(m_document && !m_key.isNull() && !busy);
    m_copyButton->setEnabled(!m_key.isNull());
}

void KeyDetailPane::setStatus(const QString &text, bool error)
{
    m_status->setText(text);
    m_status->setStyleSheet(error ? QStringLiteral("color: #b00020;") : QString());
    if (!text.isEmpty())
        Q_EMIT statusMessage(text);
}
