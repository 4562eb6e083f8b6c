#include "keyactions.h"

#include "errortext.h"
#include "etcdclient.h"
#include "etcdtransport.h"
#include "gotokeydialog.h"
#include "keydetailpane.h"
#include "keydisplay.h"
#include "keydocument.h"
#include "keytreemodel.h"
#include "keywriter.h"
#include "valueeditor.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QItemSelectionModel>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QStyle>
#include <QToolBar>
#include <QTreeView>

KeyActions::KeyActions(KeyTreeModel *model, QTreeView *view, KeyDetailPane *pane, QWidget *window)
    : QObject(window)
    , m_model(model)
    , m_view(view)
    , m_pane(pane)
    , m_window(window)
    , m_writer(new KeyWriter(model, window, this))
{
    connect(m_writer, &KeyWriter::dialogShown, this,
            [this](QDialog *dialog) { m_dialog = dialog; });
    connect(m_writer, &KeyWriter::keyCreated, this, &KeyActions::selectKey);
    connect(m_writer, &KeyWriter::statusMessage, this, &KeyActions::statusMessage);
    // The actions follow what a write changed before others hear of it.
    connect(m_writer, &KeyWriter::writeFinished, this, &KeyActions::updateActions);
    connect(m_writer, &KeyWriter::writeFinished, this, &KeyActions::writeFinished);
    createActions();
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex &current) { onCurrentChanged(current); });
    connect(m_view, &QWidget::customContextMenuRequested, this, &KeyActions::onContextMenu);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &KeyActions::updateActions);
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        m_pane->clear();
        updateActions();
    });
    connect(m_model, &KeyTreeModel::keyRevealed, this, [this](const QModelIndex &index) {
        const QByteArray key = index.data(KeyTreeModel::KeyRole).toByteArray();
        if (!m_revealing || *m_revealing != key)
            return;
        m_revealing.reset();
        m_view->setCurrentIndex(index.siblingAtColumn(0));
        m_view->scrollTo(index, QAbstractItemView::PositionAtCenter);
        Q_EMIT keySelected(key);
    });
    connect(m_model, &KeyTreeModel::revealFailed, this,
            [this](const QByteArray &key, const EtcdError &error) {
                if (!m_revealing || *m_revealing != key)
                    return;
                m_revealing.reset();
                const QString message =
                    error.is(EtcdError::Condition::KeyNotFound)
                        ? tr("Key %1 does not exist.").arg(displayKey(key))
                        : tr("Could not open %1: %2").arg(displayKey(key), describeError(error));
                Q_EMIT statusMessage(message);
                Q_EMIT selectFailed(key, message);
            });
    // The pane's writes (save, TTL, lease) and loads update the tree row in place.
    connect(m_pane, &KeyDetailPane::keyChanged, m_writer, &KeyWriter::applySnapshot);
    connect(m_pane, &KeyDetailPane::keySaved, this, [this] {
        if (!m_switchAfterSave)
            return;
        m_switchAfterSave = false;
        if (m_wanted.isValid()) {
            const QModelIndex wanted = m_wanted;
            m_wanted = QPersistentModelIndex();
            m_view->setCurrentIndex(wanted);
        }
    });
    updateActions();
}

KeyActions::~KeyActions() = default;

void KeyActions::createActions()
{
    struct Spec
    {
        Id id;
        QString text;
        QKeySequence shortcut;
        QStyle::StandardPixmap icon;
        const char *name;
    };
    const QStyle *s = m_window->style();
    const Spec specs[] = {
        {NewKey, tr("&New Key…"), QKeySequence::New, QStyle::SP_FileIcon, "newKeyAction"},
        {NewDirectory, tr("New &Directory…"), QKeySequence(tr("Ctrl+Shift+N")),
         QStyle::SP_FileDialogNewFolder, "newDirectoryAction"},
        {NewInOrderKey,
         tr("New &In-Order Key…"),
         {},
         QStyle::SP_FileDialogListView,
         "newInOrderKeyAction"},
        {Edit, tr("&Edit Value"), QKeySequence(Qt::Key_F2), QStyle::SP_FileDialogDetailedView,
         "editAction"},
        {Save, tr("&Save Value"), QKeySequence::Save, QStyle::SP_DialogSaveButton, "saveAction"},
        {SetTtl, tr("Set &TTL…"), {}, QStyle::SP_BrowserReload, "setTtlAction"},
        {RemoveTtl, tr("Re&move TTL"), {}, QStyle::SP_DialogDiscardButton, "removeTtlAction"},
        {RefreshTtl, tr("Re&fresh TTL…"), {}, QStyle::SP_BrowserReload, "refreshTtlAction"},
        {Lease, tr("&Lease…"), {}, QStyle::SP_DialogResetButton, "leaseAction"},
        {Delete, tr("De&lete…"), QKeySequence::Delete, QStyle::SP_TrashIcon, "deleteAction"},
        {Refresh, tr("&Refresh Level"), QKeySequence(Qt::Key_F5), QStyle::SP_BrowserReload,
         "refreshAction"},
        {GoToKey, tr("&Go to Key…"), QKeySequence(tr("Ctrl+L")), QStyle::SP_ArrowForward,
         "goToKeyAction"},
        {CopyKey, tr("&Copy Key"), QKeySequence::Copy, QStyle::SP_FileLinkIcon, "copyKeyAction"},
        {ShowHidden, tr("Show &Hidden Keys"), {}, QStyle::SP_CustomBase, "showHiddenAction"},
        {ReadOnly, tr("&Read-Only"), {}, QStyle::SP_CustomBase, "readOnlyAction"},
    };
    for (const Spec &spec : specs) {
        auto *a = new QAction(spec.text, this);
        a->setObjectName(QLatin1String(spec.name));
        a->setShortcut(spec.shortcut);
        if (spec.icon != QStyle::SP_CustomBase)
            a->setIcon(s->standardIcon(spec.icon));
        a->setToolTip(QString(spec.text).remove(QLatin1Char('&')).remove(QStringLiteral("…")));
        m_actions[spec.id] = a;
    }
    // Delete and Copy act on the tree only: in the value editor those keys edit and copy text.
    for (Id id : {Delete, CopyKey}) {
        m_actions[id]->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        m_view->addAction(m_actions[id]);
    }
    m_actions[ShowHidden]->setCheckable(true);
    m_actions[ReadOnly]->setCheckable(true);

    // The writes act on the current row.
    connect(m_actions[NewKey], &QAction::triggered, this,
            [this] { m_writer->newKey(currentIndex()); });
    connect(m_actions[NewDirectory], &QAction::triggered, this,
            [this] { m_writer->newDirectory(currentIndex()); });
    connect(m_actions[NewInOrderKey], &QAction::triggered, this,
            [this] { m_writer->newInOrderKey(currentIndex()); });
    connect(m_actions[Edit], &QAction::triggered, this, [this] {
        if (m_pane->currentKey().isEmpty() || m_pane->isDirectoryShown())
            return;
        m_pane->editor()->textEdit()->setFocus(Qt::ShortcutFocusReason);
    });
    connect(m_actions[Save], &QAction::triggered, m_pane, &KeyDetailPane::save);
    connect(m_actions[SetTtl], &QAction::triggered, this,
            [this] { m_writer->setTtl(currentIndex()); });
    connect(m_actions[RemoveTtl], &QAction::triggered, this,
            [this] { m_writer->removeTtl(currentIndex()); });
    connect(m_actions[RefreshTtl], &QAction::triggered, this,
            [this] { m_writer->refreshTtl(currentIndex()); });
    connect(m_actions[Lease], &QAction::triggered, this,
            [this] { m_writer->changeLease(currentIndex()); });
    connect(m_actions[Delete], &QAction::triggered, this,
            [this] { m_writer->deleteKey(currentIndex()); });
    connect(m_actions[Refresh], &QAction::triggered, this, [this] {
        const QModelIndex index = currentIndex();
        // A directory lists itself again, a key its level.
        QModelIndex dir = index;
        if (index.isValid() && !index.data(KeyTreeModel::IsDirectoryRole).toBool())
            dir = index.parent();
        m_model->refresh(dir);
        if (!m_pane->currentKey().isEmpty() && !m_pane->hasUnsavedChanges())
            m_pane->reload();
    });
    connect(m_actions[GoToKey], &QAction::triggered, this, &KeyActions::goToKey);
    connect(m_actions[CopyKey], &QAction::triggered, this, [this] {
        const QByteArray key = currentKey();
        if (key.isEmpty())
            return;
        QGuiApplication::clipboard()->setText(displayKey(key));
        Q_EMIT statusMessage(tr("Copied %1").arg(displayKey(key)));
    });
    connect(m_actions[ShowHidden], &QAction::toggled, m_model, &KeyTreeModel::setShowHidden);
    connect(m_actions[ReadOnly], &QAction::toggled, this, &KeyActions::setReadOnly);
}

void KeyActions::addKeyActions(QMenu *menu) const
{
    for (Id id : {NewKey, NewDirectory, NewInOrderKey})
        menu->addAction(m_actions[id]);
    menu->addSeparator();
    for (Id id : {Edit, Save})
        menu->addAction(m_actions[id]);
    menu->addSeparator();
    for (Id id : {SetTtl, RemoveTtl, RefreshTtl, Lease})
        menu->addAction(m_actions[id]);
    menu->addSeparator();
    menu->addAction(m_actions[Delete]);
    menu->addSeparator();
    for (Id id : {Refresh, GoToKey, CopyKey})
        menu->addAction(m_actions[id]);
}

void KeyActions::addToolBarActions(QToolBar *toolBar) const
{
    for (Id id : {NewKey, NewDirectory, Save, Delete, Refresh, GoToKey})
        toolBar->addAction(m_actions[id]);
}

void KeyActions::setClient(EtcdClient *client)
{
    m_client = client;
    m_v2 = client && client->apiInUse() == EtcdClient::Api::V2;
    m_writer->setClient(client);
    if (client)
        client->transport()->setReadOnly(m_readOnly);
    connectDocument();
    updateActions();
}

void KeyActions::connectDocument()
{
    if (m_document)
        disconnect(m_document, nullptr, this, nullptr);
    m_document = m_pane->document();
    m_writer->setDocument(m_document);
    if (!m_document)
        return;
    // A save the user chose on leaving an edit that did not go through: stay on the edit.
    connect(m_document, &KeyDocument::saveConflict, this, [this] { m_switchAfterSave = false; });
    connect(m_document, &KeyDocument::saveFailed, this, [this] { m_switchAfterSave = false; });
}

void KeyActions::setTypedConfirmation(const QString &where)
{
    m_writer->setTypedConfirmation(where);
}

void KeyActions::setReadOnly(bool readOnly)
{
    if (m_actions[ReadOnly]->isChecked() != readOnly)
        m_actions[ReadOnly]->setChecked(readOnly); // toggled() comes back here
    if (m_readOnly == readOnly)
        return;
    m_readOnly = readOnly;
    if (m_client)
        m_client->transport()->setReadOnly(readOnly);
    m_writer->setReadOnly(readOnly);
    m_pane->setReadOnly(readOnly);
    updateActions();
    Q_EMIT readOnlyChanged(readOnly);
}

bool KeyActions::writable() const
{
    return m_client && !m_readOnly;
}

QModelIndex KeyActions::currentIndex() const
{
    const QModelIndex index = m_view->selectionModel()->currentIndex();
    return index.isValid() ? index.siblingAtColumn(0) : QModelIndex();
}

QByteArray KeyActions::currentKey() const
{
    return currentIndex().data(KeyTreeModel::KeyRole).toByteArray();
}

void KeyActions::updateActions()
{
    const QModelIndex index = currentIndex();
    const bool connected = m_client != nullptr;
    const bool write = writable();
    const bool selected = index.isValid();
    const bool isDir = index.data(KeyTreeModel::IsDirectoryRole).toBool();
    const bool isKey = index.data(KeyTreeModel::IsKeyRole).toBool();
    const bool hasTtl = index.data(KeyTreeModel::TtlRole).isValid();
    const bool paneHasKey = !m_pane->currentKey().isEmpty() && !m_pane->isDirectoryShown();

    m_actions[NewKey]->setEnabled(write);
    m_actions[NewDirectory]->setEnabled(write && m_v2);
    m_actions[NewInOrderKey]->setEnabled(write && m_v2 && selected && isDir);
    m_actions[Edit]->setEnabled(write && paneHasKey);
    m_actions[Save]->setEnabled(write && paneHasKey);
    m_actions[SetTtl]->setEnabled(write && m_v2 && selected);
    m_actions[RemoveTtl]->setEnabled(write && m_v2 && selected && hasTtl);
    m_actions[RefreshTtl]->setEnabled(write && m_v2 && selected && hasTtl);
    m_actions[Lease]->setEnabled(write && !m_v2 && selected && isKey);
    m_actions[Delete]->setEnabled(write && selected);
    m_actions[Refresh]->setEnabled(connected);
    m_actions[GoToKey]->setEnabled(connected);
    m_actions[CopyKey]->setEnabled(selected);
    m_actions[ShowHidden]->setEnabled(connected && m_v2);
    for (Id id : {NewDirectory, NewInOrderKey, SetTtl, RemoveTtl, RefreshTtl, ShowHidden})
        m_actions[id]->setVisible(!connected || m_v2);
    m_actions[Lease]->setVisible(!connected || !m_v2);
}

void KeyActions::onCurrentChanged(const QModelIndex &current)
{
    updateActions();
    if (m_restoringCurrent)
        return;
    const QModelIndex index = current.isValid() ? current.siblingAtColumn(0) : QModelIndex();
    const QByteArray key = index.data(KeyTreeModel::KeyRole).toByteArray();
    if (index.isValid() && key == m_pane->currentKey())
        return;
    if (m_pane->hasUnsavedChanges()) {
        askAboutUnsavedEdit(index);
        return;
    }
    showInPane(index);
}

void KeyActions::showInPane(const QModelIndex &index)
{
    if (!index.isValid()) {
        m_pane->clear();
    } else {
        // A v3 name that is a key and a directory at once shows its value.
        const bool isKey = index.data(KeyTreeModel::IsKeyRole).toBool();
        const bool isDir = index.data(KeyTreeModel::IsDirectoryRole).toBool();
        m_pane->showKey(index.data(KeyTreeModel::KeyRole).toByteArray(), isDir && !isKey);
    }
    updateActions();
}

void KeyActions::askAboutUnsavedEdit(const QModelIndex &wanted)
{
    m_wanted = wanted;
    // The tree goes back to the edited key while the user decides.
    const QModelIndex edited = m_model->indexForKey(m_pane->currentKey());
    m_restoringCurrent = true;
    m_view->selectionModel()->setCurrentIndex(edited, QItemSelectionModel::ClearAndSelect |
                                                          QItemSelectionModel::Rows);
    m_restoringCurrent = false;
    updateActions();

    auto *box = new QMessageBox(
        QMessageBox::Question, tr("Unsaved Changes"),
        tr("The value of %1 has changes that are not saved.").arg(displayKey(m_pane->currentKey())),
        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, m_window);
    box->setObjectName(QStringLiteral("unsavedChangesBox"));
    box->setAccessibleName(box->windowTitle());
    box->setInformativeText(tr("Save them before opening another key?"));
    box->setDefaultButton(QMessageBox::Save);
    connect(box, &QMessageBox::finished, this, &KeyActions::onSaveAnswer);
    openTracked(box);
}

void KeyActions::onSaveAnswer(int button)
{
    const QModelIndex wanted = m_wanted;
    switch (button) {
    case QMessageBox::Save:
        // The pane saves asynchronously; the switch happens on keySaved, a conflict or a
        // failure keeps the edit on screen.
        m_switchAfterSave = true;
        m_pane->save();
        return;
    case QMessageBox::Discard:
        m_wanted = QPersistentModelIndex();
        m_pane->clear();
        if (wanted.isValid())
            m_view->setCurrentIndex(wanted);
        else
            showInPane({});
        return;
    default:
        m_wanted = QPersistentModelIndex();
        return;
    }
}

void KeyActions::onContextMenu(const QPoint &pos)
{
    const QModelIndex index = m_view->indexAt(pos);
    if (index.isValid() && index.siblingAtColumn(0) != currentIndex())
        m_view->setCurrentIndex(index.siblingAtColumn(0));
    auto *menu = new QMenu(m_view);
    menu->setObjectName(QStringLiteral("keyContextMenu"));
    menu->setAccessibleName(tr("Key actions"));
    menu->setAttribute(Qt::WA_DeleteOnClose);
    addKeyActions(menu);
    Q_EMIT contextMenuAboutToShow(menu, index.siblingAtColumn(0));
    menu->popup(m_view->viewport()->mapToGlobal(pos));
}

void KeyActions::selectKey(const QByteArray &key)
{
    const QModelIndex index = m_model->indexForKey(key);
    if (index.isValid()) {
        m_revealing.reset();
        m_view->setCurrentIndex(index.siblingAtColumn(0));
        m_view->scrollTo(index, QAbstractItemView::PositionAtCenter);
        Q_EMIT keySelected(key);
        return;
    }
    m_revealing = key;
    m_model->revealKey(key);
}

void KeyActions::goToKey()
{
    if (!m_client)
        return;
    auto *dialog = new GoToKeyDialog(currentKey(), m_window);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const QByteArray key = dialog->key();
        Q_EMIT statusMessage(tr("Opening %1…").arg(displayKey(key)));
        selectKey(key);
    });
    openTracked(dialog);
}

void KeyActions::openTracked(QDialog *dialog)
{
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_dialog = dialog;
    dialog->open();
}
