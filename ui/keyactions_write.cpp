// KeyActions: the writes (create, delete, TTL, lease) and the dialogs that ask for them.
#include "keyactions.h"

#include "createkeydialog.h"
#include "deletedialog.h"
#include "errortext.h"
#include "etcdclient.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "keydetailpane.h"
#include "keydisplay.h"
#include "keydocument.h"
#include "keyinfo.h"
#include "keytreemodel.h"
#include "leasedialog.h"
#include "ttldialog.h"

#include <QLocale>
#include <QMessageBox>
#include <QTreeView>

namespace {
// A v2 directory is counted from one recursive GET. Past this many keys the confirmation says
// "more than" instead of walking the whole answer.
constexpr qint64 countCap = 100000;
// The counting read may be large; it gets longer than the default timeout, and the dialog says
// it could not count when even that runs out.
constexpr int countTimeoutMs = 30000;

qint64 countLeaves(const EtcdV2Node &node, qint64 cap)
{
    qint64 n = 0;
    for (const EtcdV2Node &child : node.nodes) {
        n += child.dir ? countLeaves(child, cap - n) : 1;
        if (n >= cap)
            break;
    }
    return n;
}

KeyInfo infoFromSnapshot(const KeySnapshot &s)
{
    KeyInfo info;
    info.key = s.key;
    info.value = s.value;
    info.valueLoaded = !s.isDirectory;
    info.isDir = s.isDirectory;
    info.createRevision = s.v2 ? s.createdIndex : s.createRevision;
    info.modRevision = s.modIndex();
    info.version = s.version;
    info.lease = s.lease;
    info.ttl = s.ttl.value_or(-1);
    info.expiration = s.expiration;
    return info;
}
} // namespace

// ---- helpers -----------------------------------------------------------------------------------

QByteArray KeyActions::childPrefixOf(const QModelIndex &index) const
{
    const char sep = m_v2 ? '/' : m_model->separator();
    if (!index.isValid()) {
        if (m_v2)
            return QByteArrayLiteral("/");
        // v3 keyspaces mostly start with the separator; follow what the top level shows.
        const QByteArray first = m_model->index(0, 0).data(KeyTreeModel::KeyRole).toByteArray();
        return first.isEmpty() || first.startsWith(sep) ? QByteArray(1, sep) : QByteArray();
    }
    if (!index.data(KeyTreeModel::IsDirectoryRole).toBool())
        return childPrefixOf(index.parent());
    return index.data(KeyTreeModel::KeyRole).toByteArray() + sep;
}

bool KeyActions::documentHolds(const QByteArray &key) const
{
    return m_document && m_document->key() == key && m_document->isLoaded()
           && !m_document->isBusy();
}

void KeyActions::applySnapshot(const KeySnapshot &snapshot)
{
    if (snapshot.exists)
        m_model->applyPut(infoFromSnapshot(snapshot));
    else
        m_model->applyDelete(snapshot.key);
}

void KeyActions::succeeded(const QString &message)
{
    updateActions();
    Q_EMIT statusMessage(message);
    Q_EMIT writeFinished(true, message);
}

void KeyActions::failed(const QString &what, const EtcdError &error, const QByteArray &key)
{
    failedText(what, describeKeyError(error, key), error.toString());
}

void KeyActions::failedText(const QString &what, const QString &message, const QString &details)
{
    const QString line = tr("%1: %2").arg(what, message);
    updateActions();
    Q_EMIT statusMessage(line);
    auto *box = new QMessageBox(QMessageBox::Warning, what, message, QMessageBox::Ok, m_window);
    box->setObjectName(QStringLiteral("writeErrorBox"));
    box->setAccessibleName(what);
    if (!details.isEmpty())
        box->setDetailedText(details);
    openTracked(box);
    Q_EMIT writeFinished(false, line);
}

// ---- create ------------------------------------------------------------------------------------

void KeyActions::newKey()
{
    openCreate(int(CreateKeyDialog::Kind::Key), childPrefixOf(currentIndex()));
}

void KeyActions::newDirectory()
{
    if (m_v2)
        openCreate(int(CreateKeyDialog::Kind::Directory), childPrefixOf(currentIndex()));
}

void KeyActions::newInOrderKey()
{
    const QModelIndex index = currentIndex();
    if (m_v2 && index.data(KeyTreeModel::IsDirectoryRole).toBool())
        openCreate(int(CreateKeyDialog::Kind::InOrderKey),
                   index.data(KeyTreeModel::KeyRole).toByteArray());
}

void KeyActions::openCreate(int kind, const QByteArray &prefix)
{
    if (!writable())
        return;
    auto *dialog = new CreateKeyDialog(CreateKeyDialog::Kind(kind), !m_v2, prefix, m_window);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        create(int(dialog->kind()), dialog->key(), dialog->value(), dialog->ttl());
    });
    openTracked(dialog);
}

void KeyActions::create(int kind, const QByteArray &key, const QByteArray &value,
                        std::optional<qint64> ttl)
{
    if (!writable())
        return;
    Q_EMIT statusMessage(tr("Creating %1…").arg(displayKey(key)));
    const auto v2Done = [this, kind, key](const EtcdResult<EtcdV2Response> &r) {
        if (!r.ok()) {
            failed(kind == int(CreateKeyDialog::Kind::Directory)
                       ? tr("The directory was not created")
                       : tr("The key was not created"),
                   r.error, key);
            return;
        }
        m_model->applyPut(KeyInfo::fromV2(r.value.node));
        selectKey(r.value.node.key);
        succeeded(tr("Created %1").arg(displayKey(r.value.node.key)));
    };
    switch (CreateKeyDialog::Kind(kind)) {
    case CreateKeyDialog::Kind::Key: {
        KeyCreateOptions options;
        options.ttl = ttl;
        KeyDocument::create(m_client, key, value, options, this,
                            [this, key](const EtcdResult<KeySnapshot> &r) {
                                if (!r.ok()) {
                                    failed(tr("The key was not created"), r.error, key);
                                    return;
                                }
                                applySnapshot(r.value);
                                selectKey(key);
                                succeeded(tr("Created %1").arg(displayKey(key)));
                            });
        break;
    }
    case CreateKeyDialog::Kind::Directory:
        m_client->v2()->createDir(key, ttl, this, v2Done);
        break;
    case CreateKeyDialog::Kind::InOrderKey:
        m_client->v2()->createInOrder(key, value, ttl, this, v2Done);
        break;
    }
}

// ---- delete ------------------------------------------------------------------------------------

void KeyActions::deleteCurrent()
{
    const QModelIndex index = currentIndex();
    if (!writable() || !index.isValid())
        return;
    const QByteArray key = index.data(KeyTreeModel::KeyRole).toByteArray();
    const bool isDir = index.data(KeyTreeModel::IsDirectoryRole).toBool();
    const bool isKey = index.data(KeyTreeModel::IsKeyRole).toBool();
    const qint64 modRevision = index.data(KeyTreeModel::ModRevisionRole).toLongLong();

    DeleteDialog::Kind kind = DeleteDialog::Kind::Key;
    QByteArray prefix;
    if (m_v2) {
        kind = isDir ? DeleteDialog::Kind::Directory : DeleteDialog::Kind::Key;
    } else if (isDir) {
        prefix = key + m_model->separator();
        kind = isKey ? DeleteDialog::Kind::KeyAndPrefix : DeleteDialog::Kind::Prefix;
    }
    auto *dialog = new DeleteDialog(kind, key, prefix, m_window);
    if (!m_typedConfirmation.isEmpty())
        dialog->requireTyping(displayKey(kind == DeleteDialog::Kind::Prefix ? prefix : key),
                              m_typedConfirmation);
    connect(dialog, &QDialog::accepted, this,
            [this, kind, key, prefix, modRevision] { remove(int(kind), key, prefix, modRevision); });
    openTracked(dialog);
    if (kind != DeleteDialog::Kind::Key)
        countForDelete(dialog);
}

void KeyActions::countForDelete(DeleteDialog *dialog)
{
    // The dialog is the context: closing it cancels the count.
    EtcdCall *call = nullptr;
    if (m_v2) {
        EtcdV2GetOptions options;
        options.recursive = true;
        call = m_client->v2()->get(
            dialog->key(), options, dialog, [dialog](const EtcdResult<EtcdV2Response> &r) {
                if (!r.ok()) {
                    dialog->setCountFailed(describeKeyError(r.error, dialog->key()));
                    return;
                }
                const qint64 n = countLeaves(r.value.node, countCap + 1);
                dialog->setCount(qMin(n, countCap), n > countCap);
            });
    } else {
        // count_only walks the index without sending keys: about 0.25 s for a million.
        EtcdV3RangeOptions options;
        options.rangeEnd = EtcdV3Client::prefixRangeEnd(dialog->prefix());
        options.countOnly = true;
        call = m_client->v3()->range(dialog->prefix(), options, dialog,
                                     [dialog](const EtcdResult<EtcdV3RangeResult> &r) {
                                         if (!r.ok())
                                             dialog->setCountFailed(describeKeyError(
                                                 r.error, dialog->prefix()));
                                         else
                                             dialog->setCount(r.value.count);
                                     });
    }
    if (call)
        call->setTimeout(countTimeoutMs);
}

void KeyActions::remove(int kindValue, const QByteArray &key, const QByteArray &prefix,
                        qint64 modRevision)
{
    if (!writable())
        return;
    const auto kind = DeleteDialog::Kind(kindValue);
    const QString name = displayKey(key);
    const QString notDeleted = tr("%1 was not deleted").arg(name);
    Q_EMIT statusMessage(tr("Deleting %1…").arg(name));

    if (m_v2) {
        const auto done = [this, key, name, notDeleted](const EtcdResult<EtcdV2Response> &r) {
            if (!r.ok()) {
                failed(notDeleted, r.error, key);
                return;
            }
            m_model->applyDelete(key);
            succeeded(tr("Deleted %1").arg(name));
        };
        if (kind == DeleteDialog::Kind::Directory) {
            m_client->v2()->removeDir(key, true, this, done);
        } else {
            // Compare-and-delete against the index the tree shows: a key changed since is not
            // deleted unseen.
            EtcdV2DeleteOptions options;
            if (modRevision > 0)
                options.prevIndex = modRevision;
            m_client->v2()->remove(key, options, this, done);
        }
        return;
    }

    switch (kind) {
    case DeleteDialog::Kind::Key:
    case DeleteDialog::Kind::Directory: {
        EtcdV3TxnRequest txn;
        if (modRevision > 0)
            txn.compare << EtcdV3Compare::modRevision(key, EtcdV3Compare::Result::Equal,
                                                      modRevision);
        txn.success << EtcdV3RequestOp::makeDelete(key);
        txn.failure << EtcdV3RequestOp::makeRange(key);
        m_client->v3()->txn(txn, this,
                            [this, key, name, notDeleted](const EtcdResult<EtcdV3TxnResult> &r) {
                                if (!r.ok()) {
                                    failed(notDeleted, r.error, key);
                                    return;
                                }
                                if (r.value.succeeded) {
                                    m_model->applyDelete(key);
                                    succeeded(tr("Deleted %1").arg(name));
                                    return;
                                }
                                // Changed or gone since the tree showed it: say so, and show
                                // the row as it is now.
                                KeySnapshot now;
                                now.key = key;
                                const auto &kvs = r.value.responses.value(0).range.kvs;
                                if (!kvs.isEmpty())
                                    now = KeySnapshot::fromV3(kvs.first(),
                                                              r.value.header.revision);
                                applySnapshot(now);
                                failed(notDeleted, KeyDocument::conflictError(now), key);
                            });
        break;
    }
    case DeleteDialog::Kind::Prefix:
    case DeleteDialog::Kind::KeyAndPrefix: {
        const bool withKey = kind == DeleteDialog::Kind::KeyAndPrefix;
        EtcdV3DeleteOptions below;
        below.rangeEnd = EtcdV3Client::prefixRangeEnd(prefix);
        // One transaction so the key and its subtree go together or not at all.
        EtcdV3TxnRequest txn;
        if (withKey)
            txn.success << EtcdV3RequestOp::makeDelete(key);
        txn.success << EtcdV3RequestOp::makeDelete(prefix, below);
        m_client->v3()->txn(
            txn, this,
            [this, key, prefix, name, notDeleted, withKey](const EtcdResult<EtcdV3TxnResult> &r) {
                if (!r.ok()) {
                    failed(notDeleted, r.error, key);
                    return;
                }
                qint64 deleted = 0;
                for (const EtcdV3ResponseOp &op : r.value.responses)
                    deleted += op.deleteRange.deleted;
                if (withKey)
                    m_model->applyDelete(key);
                m_model->applyDeletePrefix(prefix);
                succeeded(deleted == 1 ? tr("Deleted %1 (1 key)").arg(name)
                                       : tr("Deleted %1 (%2 keys)")
                                             .arg(name, QLocale().toString(deleted)));
            });
        break;
    }
    }
}

// ---- v2 TTL ------------------------------------------------------------------------------------

void KeyActions::setTtl()
{
    openTtl(int(TtlDialog::Mode::Set));
}

void KeyActions::refreshTtl()
{
    openTtl(int(TtlDialog::Mode::Refresh));
}

void KeyActions::openTtl(int mode)
{
    const QModelIndex index = currentIndex();
    if (!writable() || !m_v2 || !index.isValid())
        return;
    const QByteArray key = index.data(KeyTreeModel::KeyRole).toByteArray();
    const bool isDir = index.data(KeyTreeModel::IsDirectoryRole).toBool();
    const QVariant ttl = index.data(KeyTreeModel::TtlRole);
    auto *dialog = new TtlDialog(TtlDialog::Mode(mode), key,
                                 ttl.isValid() ? std::optional<qint64>(ttl.toLongLong())
                                               : std::nullopt,
                                 m_window);
    connect(dialog, &QDialog::accepted, this, [this, dialog, key, isDir] {
        changeTtl(int(dialog->mode()), key, isDir, dialog->ttl());
    });
    openTracked(dialog);
}

void KeyActions::removeTtl()
{
    const QModelIndex index = currentIndex();
    if (!writable() || !m_v2 || !index.isValid())
        return;
    changeTtl(-1, index.data(KeyTreeModel::KeyRole).toByteArray(),
              index.data(KeyTreeModel::IsDirectoryRole).toBool(), 0);
}

void KeyActions::changeTtl(int mode, const QByteArray &key, bool isDir, qint64 seconds)
{
    if (!writable())
        return;
    const bool remove = mode < 0;
    const bool refresh = mode == int(TtlDialog::Mode::Refresh);
    if (!isDir) {
        // A key goes through the pane's document: a compare-and-swap on the index it loaded,
        // writing the value it loaded, so a pending edit in the editor stays untouched.
        if (!documentHolds(key)) {
            failedText(tr("The TTL was not changed"),
                       tr("%1 is still loading; try again.").arg(displayKey(key)));
            return;
        }
        if (remove)
            m_document->removeTtl();
        else if (refresh)
            m_document->refreshTtl(seconds);
        else
            m_document->setTtl(seconds);
        return;
    }
    const QString name = displayKey(key);
    const auto done = [this, key, name, remove](const EtcdResult<EtcdV2Response> &r) {
        if (!r.ok()) {
            failed(tr("The TTL was not changed"), r.error, key);
            return;
        }
        m_model->applyPut(KeyInfo::fromV2(r.value.node));
        succeeded(remove ? tr("%1 no longer expires.").arg(name)
                         : tr("%1 now expires in %2 s.")
                               .arg(name)
                               .arg(r.value.node.ttl.value_or(0)));
    };
    if (refresh)
        m_client->v2()->refresh(key, seconds, this, done);
    else
        m_client->v2()->updateDirTtl(key, remove ? std::nullopt : std::optional<qint64>(seconds),
                                     this, done);
}

// ---- v3 lease ----------------------------------------------------------------------------------

void KeyActions::changeLease()
{
    const QModelIndex index = currentIndex();
    if (!writable() || m_v2 || !index.data(KeyTreeModel::IsKeyRole).toBool())
        return;
    const QByteArray key = index.data(KeyTreeModel::KeyRole).toByteArray();
    quint64 lease = index.data(KeyTreeModel::LeaseRole).toULongLong();
    if (m_document && m_document->key() == key && m_document->isLoaded())
        lease = m_document->snapshot().lease;
    auto *dialog = new LeaseDialog(key, lease, m_window);
    connect(dialog, &QDialog::accepted, this, [this, dialog, key] {
        if (dialog->choice() == LeaseDialog::Choice::Keep) {
            Q_EMIT statusMessage(tr("The lease of %1 is unchanged.").arg(displayKey(key)));
            return;
        }
        if (!writable())
            return;
        if (!documentHolds(key)) {
            failedText(tr("The lease was not changed"),
                       tr("%1 is still loading; try again.").arg(displayKey(key)));
            return;
        }
        if (dialog->choice() == LeaseDialog::Choice::AttachNew)
            m_document->attachNewLease(dialog->ttl());
        else
            m_document->detachLease();
    });
    openTracked(dialog);
}
