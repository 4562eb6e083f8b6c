#pragma once

#include "etcderror.h"
#include "keydocument.h"

#include <QByteArray>
#include <QObject>
#include <QPointer>

#include <optional>

class DeleteDialog;
class EtcdClient;
class KeyTreeModel;
class QDialog;
class QModelIndex;
class QWidget;

// The writes KeyActions starts: create, delete, TTL (v2) and lease (v3) changes. Each asks in its
// dialog (open(), window-modal), writes when the dialog is accepted, and puts the result in the
// tree in place (KeyTreeModel::applyPut / applyDelete / applyDeletePrefix), never by reloading
// it. A key's TTL and lease change through the detail pane's document, so that a pending edit
// stays untouched. Results and errors come back in words.
class KeyWriter : public QObject
{
    Q_OBJECT
public:
    // `window` parents the dialogs.
    KeyWriter(KeyTreeModel *model, QWidget *window, QObject *parent = nullptr);
    ~KeyWriter() override;

    // nullptr: not connected; the API in use decides between v2 and v3 writes.
    void setClient(EtcdClient *client);
    // The detail pane's document (TTL and lease changes of a key go through it).
    void setDocument(KeyDocument *document);
    void setReadOnly(bool readOnly) { m_readOnly = readOnly; }
    // A production connection: deletes ask to type the key or prefix. `where` names the
    // connection in the question; empty turns it off.
    void setTypedConfirmation(const QString &where) { m_typedConfirmation = where; }

    // Each acts on `current` (column 0 of the tree's current row; invalid: none).
    void newKey(const QModelIndex &current);
    void newDirectory(const QModelIndex &current);  // v2
    void newInOrderKey(const QModelIndex &current); // v2: in the current directory
    void deleteKey(const QModelIndex &current);
    void setTtl(const QModelIndex &current);      // v2
    void refreshTtl(const QModelIndex &current);  // v2
    void removeTtl(const QModelIndex &current);   // v2
    void changeLease(const QModelIndex &current); // v3

    // A key as a write (or a load) left it, into the tree's row.
    void applySnapshot(const KeySnapshot &snapshot);

Q_SIGNALS:
    // A write's dialog opened (already open()).
    void dialogShown(QDialog *dialog);
    // A result or an error in words, for the status bar.
    void statusMessage(const QString &text);
    // A write ended: ok, and what happened in words.
    void writeFinished(bool ok, const QString &message);
    // A key was created: the tree may select it.
    void keyCreated(const QByteArray &key);

private:
    bool v2() const;
    bool writable() const;
    QByteArray childPrefixOf(const QModelIndex &index) const;
    // The document holds `key`, loaded and idle.
    bool documentHolds(const QByteArray &key) const;
    void openCreate(int kind, const QByteArray &prefix);
    void create(int kind, const QByteArray &key, const QByteArray &value,
                std::optional<qint64> ttl);
    void countForDelete(DeleteDialog *dialog);
    void remove(int kind, const QByteArray &key, const QByteArray &prefix, qint64 modRevision);
    void openTtl(int mode, const QModelIndex &current);
    // mode: a TtlDialog::Mode, or -1 to remove the TTL.
    void changeTtl(int mode, const QByteArray &key, bool isDir, qint64 seconds);
    void onMetadataChanged(KeyDocument::Operation operation);
    void succeeded(const QString &message);
    void failed(const QString &what, const EtcdError &error, const QByteArray &key);
    void failedText(const QString &what, const QString &message, const QString &details = {});
    void open(QDialog *dialog);

    KeyTreeModel *m_model;
    QWidget *m_window;
    QPointer<EtcdClient> m_client;
    QPointer<KeyDocument> m_document;
    bool m_readOnly = false;
    QString m_typedConfirmation;
};
