#include "keywriter.h"

#include "createkeydialog.h"
#include "deletedialog.h"
#include "errortext.h"
#include "etcdclient.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
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

KeyWriter::KeyWriter(KeyTreeModel *model, QWidget *window, QObject *parent)
    : QObject(parent)
    , m_model(model)
    , m_window(window)
{
}

KeyWriter::~KeyWriter() = default;

void KeyWriter::setClient(EtcdClient *client)
{
    m_client = client;
}

bool KeyWriter::v2() const
{
    return m_client && m_client->apiInUse() == EtcdClient::Api::V2;
}

bool KeyWriter::writable() const
{
    return m_client && !m_readOnly;
}

void KeyWriter::setDocument(KeyDocument *document)
{
    if (m_document)
        disconnect(m_document, nullptr, this, nullptr);
    m_document = document;
    if (!m_document)
        return;
    connect(m_document, &KeyDocument::metadataChanged, this, &KeyWriter::onMetadataChanged);
    connect(m_document, &KeyDocument::metadataChangeFailed, this,
            [this](KeyDocument::Operation operation, const EtcdError &error) {
                const bool ttl = operation == KeyDocument::Operation::SetTtl ||
                                 operation == KeyDocument::Operation::RemoveTtl ||
                                 operation == KeyDocument::Operation::RefreshTtl;
                failed(ttl ? tr("The TTL was not changed") : tr("The lease was not changed"), error,
                       m_document->key());
            });
}

void KeyWriter::onMetadataChanged(KeyDocument::Operation operation)
{
    const QString key = displayKey(m_document->key());
    const KeySnapshot &now = m_document->snapshot();
    QString message;
    switch (operation) {
    case KeyDocument::Operation::SetTtl:
        message = tr("%1 now expires in %2 s.").arg(key).arg(now.ttl.value_or(0));
        break;
    case KeyDocument::Operation::RemoveTtl:
        message = tr("%1 no longer expires.").arg(key);
        break;
    case KeyDocument::Operation::RefreshTtl:
        message = tr("The TTL of %1 was refreshed.").arg(key);
        break;
    case KeyDocument::Operation::AttachLease:
        message = tr("%1 is attached to the new lease %2.").arg(key).arg(now.lease);
        break;
    case KeyDocument::Operation::DetachLease:
        message = tr("%1 no longer has a lease.").arg(key);
        break;
    default:
        return;
    }
    succeeded(message);
}

// ---- helpers -----------------------------------------------------------------------------------

QByteArray KeyWriter::childPrefixOf(const QModelIndex &index) const
{
    const char sep = v2() ? '/' : m_model->separator();
    if (!index.isValid()) {
        if (v2())
            return QByteArrayLiteral("/");
        // v3 keyspaces mostly start with the separator; follow what the top level shows.
        const QByteArray first = m_model->index(0, 0).data(KeyTreeModel::KeyRole).toByteArray();
        return first.isEmpty() || first.startsWith(sep) ? QByteArray(1, sep) : QByteArray();
    }
    if (!index.data(KeyTreeModel::IsDirectoryRole).toBool())
        return childPrefixOf(index.parent());
    return index.data(KeyTreeModel::KeyRole).toByteArray() + sep;
}

bool KeyWriter::documentHolds(const QByteArray &key) const
{
    return m_document && m_document->key() == key && m_document->isLoaded() &&
           !m_document->isBusy();
}

void KeyWriter::applySnapshot(const KeySnapshot &snapshot)
{
    if (snapshot.exists)
        m_model->applyPut(infoFromSnapshot(snapshot));
    else
        m_model->applyDelete(snapshot.key);
}

void KeyWriter::succeeded(const QString &message)
{
    Q_EMIT statusMessage(message);
    Q_EMIT writeFinished(true, message);
}

void KeyWriter::failed(const QString &what, const EtcdError &error, const QByteArray &key)
{
    failedText(what, describeKeyError(error, key), error.toString());
}

void KeyWriter::failedText(const QString &what, const QString &message, const QString &details)
{
    const QString line = tr("%1: %2").arg(what, message);
    Q_EMIT statusMessage(line);
    auto *box = new QMessageBox(QMessageBox::Warning, what, message, QMessageBox::Ok, m_window);
    box->setObjectName(QStringLiteral("writeErrorBox"));
    box->setAccessibleName(what);
    if (!details.isEmpty())
        box->setDetailedText(details);
    open(box);
    Q_EMIT writeFinished(false, line);
}

void KeyWriter::open(QDialog *dialog)
{
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
    Q_EMIT dialogShown(dialog);
}

// ---- create ------------------------------------------------------------------------------------

void KeyWriter::newKey(const QModelIndex &current)
{
    openCreate(int(CreateKeyDialog::Kind::Key), childPrefixOf(current));
}

void KeyWriter::newDirectory(const QModelIndex &current)
{
    if (v2())
        openCreate(int(CreateKeyDialog::Kind::Directory), childPrefixOf(current));
}

void KeyWriter::newInOrderKey(const QModelIndex &index)
{
    if (v2() && index.data(KeyTreeModel::IsDirectoryRole).toBool())
        openCreate(int(CreateKeyDialog::Kind::InOrderKey),
                   index.data(KeyTreeModel::KeyRole).toByteArray());
}

void KeyWriter::openCreate(int kind, const QByteArray &prefix)
{
    if (!writable())
        return;
    auto *dialog = new CreateKeyDialog(CreateKeyDialog::Kind(kind), !v2(), prefix, m_window);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        create(int(dialog->kind()), dialog->key(), dialog->value(), dialog->ttl());
    });
    open(dialog);
}

void KeyWriter::create(int kind, const QByteArray &key, const QByteArray &value,
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
        Q_EMIT keyCreated(r.value.node.key);
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
                                Q_EMIT keyCreated(key);
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

void KeyWriter::deleteKey(const QModelIndex &index)
{
    if (!writable() || !index.isValid())
        return;
    const QByteArray key = index.data(KeyTreeModel::KeyRole).toByteArray();
    const bool isDir = index.data(KeyTreeModel::IsDirectoryRole).toBool();
    const bool isKey = index.data(KeyTreeModel::IsKeyRole).toBool();
    const qint64 modRevision = index.data(KeyTreeModel::ModRevisionRole).toLongLong();

    DeleteDialog::Kind kind = DeleteDialog::Kind::Key;
    QByteArray prefix;
    if (v2()) {
        kind = isDir ? DeleteDialog::Kind::Directory : DeleteDialog::Kind::Key;
    } else if (isDir) {
        prefix = key + m_model->separator();
        kind = isKey ? DeleteDialog::Kind::KeyAndPrefix : DeleteDialog::Kind::Prefix;
    }
    auto *dialog = new DeleteDialog(kind, key, prefix, m_window);
    if (!m_typedConfirmation.isEmpty())
        dialog->requireTyping(displayKey(kind == DeleteDialog::Kind::Prefix ? prefix : key),
                              m_typedConfirmation);
    connect(dialog, &QDialog::accepted, this, [this, kind, key, prefix, modRevision] {
        remove(int(kind), key, prefix, modRevision);
    });
    open(dialog);
    if (kind != DeleteDialog::Kind::Key)
        countForDelete(dialog);
}

void KeyWriter::countForDelete(DeleteDialog *dialog)
{
    // The dialog is the context: closing it cancels the count.
    EtcdCall *call = nullptr;
    if (v2()) {
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
        call = m_client->v3()->range(
            dialog->prefix(), options, dialog, [dialog](const EtcdResult<EtcdV3RangeResult> &r) {
                if (!r.ok())
                    dialog->setCountFailed(describeKeyError(r.error, dialog->prefix()));
                else
                    dialog->setCount(r.value.count);
            });
    }
    if (call)
        call->setTimeout(countTimeoutMs);
}

void KeyWriter::remove(int kindValue, const QByteArray &key, const QByteArray &prefix,
                       qint64 modRevision)
{
    if (!writable())
        return;
    const auto kind = DeleteDialog::Kind(kindValue);
    const QString name = displayKey(key);
    const QString notDeleted = tr("%1 was not deleted").arg(name);
    Q_EMIT statusMessage(tr("Deleting %1…").arg(name));

    if (v2()) {
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
                                    now = KeySnapshot::fromV3(kvs.first(), r.value.header.revision);
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
                succeeded(deleted == 1
                              ? tr("Deleted %1 (1 key)").arg(name)
                              : tr("Deleted %1 (%2 keys)").arg(name, QLocale().toString(deleted)));
            });
        break;
    }
    }
}

// ---- v2 TTL ------------------------------------------------------------------------------------

void KeyWriter::setTtl(const QModelIndex &current)
{
    openTtl(int(TtlDialog::Mode::Set), current);
}

void KeyWriter::refreshTtl(const QModelIndex &current)
{
    openTtl(int(TtlDialog::Mode::Refresh), current);
}

void KeyWriter::openTtl(int mode, const QModelIndex &index)
{
    if (!writable() || !v2() || !index.isValid())
        return;
    const QByteArray key = index.data(KeyTreeModel::KeyRole).toByteArray();
    const bool isDir = index.data(KeyTreeModel::IsDirectoryRole).toBool();
    const QVariant ttl = index.data(KeyTreeModel::TtlRole);
    auto *dialog = new TtlDialog(
        TtlDialog::Mode(mode), key,
        ttl.isValid() ? std::optional<qint64>(ttl.toLongLong()) : std::nullopt, m_window);
    connect(dialog, &QDialog::accepted, this, [this, dialog, key, isDir] {
        changeTtl(int(dialog->mode()), key, isDir, dialog->ttl());
    });
    open(dialog);
}

void KeyWriter::removeTtl(const QModelIndex &index)
{
    if (!writable() || !v2() || !index.isValid())
        return;
    changeTtl(-1, index.data(KeyTreeModel::KeyRole).toByteArray(),
              index.data(KeyTreeModel::IsDirectoryRole).toBool(), 0);
}

void KeyWriter::changeTtl(int mode, const QByteArray &key, bool isDir, qint64 seconds)
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
        succeeded(remove
                      ? tr("%1 no longer expires.").arg(name)
                      : tr("%1 now expires in %2 s.").arg(name).arg(r.value.node.ttl.value_or(0)));
    };
    if (refresh)
        m_client->v2()->refresh(key, seconds, this, done);
    else
        m_client->v2()->updateDirTtl(key, remove ? std::nullopt : std::optional<qint64>(seconds),
                                     this, done);
}

// ---- v3 lease ----------------------------------------------------------------------------------

void KeyWriter::changeLease(const QModelIndex &index)
{
    if (!writable() || v2() || !index.data(KeyTreeModel::IsKeyRole).toBool())
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
    open(dialog);
}
