#include "keytreelister.h"

#include "etcdcall.h"
#include "etcdclient.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "v3levellister.h"

#include <QTimer>

#include <algorithm>

// One listing of one level in flight, and its children waiting to go out a slice at a time.
struct KeyTreeLister::Listing
{
    ~Listing()
    {
        if (call)
            call->cancel();
    }
    quint64 serial = 0;
    std::unique_ptr<V3LevelLister> lister;
    QPointer<EtcdCall> call;
    std::vector<ListedChild> queue; // in arrival order; [next, end) still to deliver
    std::size_t next = 0;
    bool scheduled = false;
    bool finished = false; // the level is read; done once the queue is out
    qint64 revision = 0;
    EtcdError error;
};

namespace {

std::vector<KeyTreeEntry> toEntries(std::vector<ListedChild>::iterator first,
                                    std::vector<ListedChild>::iterator last)
{
    std::vector<KeyTreeEntry> entries;
    entries.reserve(std::size_t(last - first));
    for (auto it = first; it != last; ++it) {
        KeyTreeEntry e;
        e.name = std::move(it->name);
        e.isKey = it->isKey;
        e.isDir = it->isDirectory;
        if (it->isKey)
            e.info = KeyInfo::fromV3(it->kv, false);
        e.hint = std::move(it->hint);
        entries.push_back(std::move(e));
    }
    return entries;
}

} // namespace

KeyTreeLister::KeyTreeLister(QObject *parent)
    : QObject(parent)
{
}

KeyTreeLister::~KeyTreeLister() = default;

void KeyTreeLister::setClient(EtcdClient *client)
{
    m_client = client;
}

EtcdClient *KeyTreeLister::client() const
{
    return m_client;
}

void KeyTreeLister::reset()
{
    ++m_serial;
    m_listings.clear();
    m_valueWanted.clear();
    for (const QPointer<EtcdCall> &call : std::as_const(m_valueCalls)) {
        if (call)
            call->cancel();
    }
    m_valueCalls.clear();
    for (const DirCheck &c : std::as_const(m_dirChecks)) {
        if (c.call)
            c.call->cancel();
    }
    m_dirChecks.clear();
    if (m_keyCall)
        m_keyCall->cancel();
    if (m_revisionCall)
        m_revisionCall->cancel();
    m_open = true;
    m_v2 = m_client && m_client->apiInUse() == EtcdClient::Api::V2;
    m_activeSeparator = m_separator;
    m_activeRevision = m_revision;
    m_rootLevel = m_rootPrefix;
    if (m_v2) {
        if (!m_rootLevel.startsWith('/'))
            m_rootLevel.prepend('/');
        if (!m_rootLevel.endsWith('/'))
            m_rootLevel.append('/');
    }
}

bool KeyTreeLister::canRead() const
{
    return m_open && m_client;
}

EtcdError KeyTreeLister::refusal() const
{
    if (!m_client)
        return EtcdError::notConnected();
    if (m_v2 && m_activeRevision > 0) // ui/ words it from the condition and the revision
        return EtcdError(EtcdError::Kind::Cancelled, QStringLiteral("v2 keeps no history"))
            .setCondition(EtcdError::Condition::HistoryUnsupported)
            .setIndex(m_activeRevision);
    return {};
}

qint64 KeyTreeLister::listRequestCount() const
{
    qint64 n = m_listRequests;
    for (const auto &entry : m_listings) {
        if (entry.second->lister)
            n += entry.second->lister->requestCount();
    }
    return n;
}

// ---- levels -----------------------------------------------------------------------------------

void KeyTreeLister::listLevel(const QByteArray &level, const QByteArray &hint)
{
    if (const auto it = m_listings.find(level); it != m_listings.end()) {
        if (it->second->lister)
            m_listRequests += it->second->lister->requestCount();
        m_listings.erase(it);
    }
    auto listing = std::make_unique<Listing>();
    listing->serial = ++m_serial;
    Listing *l = listing.get();
    m_listings[level] = std::move(listing);
    if (const EtcdError error = refusal()) {
        finish(level, l->serial, 0, error);
        return;
    }
    if (m_v2)
        listV2(level, l);
    else
        listV3(level, hint, l);
}

void KeyTreeLister::stopListings(const QByteArray &level)
{
    // The levels below `level` have prefixes starting with it: one ordered run of the map.
    auto it = m_listings.lower_bound(level);
    while (it != m_listings.end() && it->first.startsWith(level)) {
        if (it->second->lister)
            m_listRequests += it->second->lister->requestCount();
        it = m_listings.erase(it);
    }
}

KeyTreeLister::Listing *KeyTreeLister::current(const QByteArray &level, quint64 serial) const
{
    const auto it = m_listings.find(level);
    return it != m_listings.end() && it->second->serial == serial ? it->second.get() : nullptr;
}

void KeyTreeLister::listV2(const QByteArray &level, Listing *l)
{
    QByteArray path = level;
    if (path.size() > 1 && path.endsWith('/'))
        path.chop(1);
    EtcdV2GetOptions options;
    options.sorted = true;
    ++m_listRequests;
    const quint64 serial = l->serial;
    l->call = m_client->v2()->get(path, options, this,
                                  [this, level, serial](const EtcdResult<EtcdV2Response> &r) {
                                      if (!current(level, serial))
                                          return;
                                      if (!r.ok()) {
                                          finish(level, serial, 0, r.error);
                                          return;
                                      }
                                      std::vector<KeyTreeEntry> entries;
                                      entries.reserve(r.value.node.nodes.size());
                                      for (const EtcdV2Node &node : r.value.node.nodes) {
                                          if (!node.key.startsWith(level))
                                              continue;
                                          KeyTreeEntry e;
                                          e.name = node.key.mid(level.size());
                                          e.isKey = !node.dir;
                                          e.isDir = node.dir;
                                          e.info = KeyInfo::fromV2(node);
                                          entries.push_back(std::move(e));
                                      }
                                      // One batch: sorted new rows land in one beginInsertRows, and
                                      // views lay big ranges out lazily. A copy of the level: a
                                      // slot may replace this listing and its call.
                                      const QByteArray copy = level;
                                      const qint64 index = r.value.etcdIndex;
                                      Q_EMIT levelListed(copy, entries);
                                      if (current(copy, serial))
                                          finish(copy, serial, index, {});
                                  });
}

void KeyTreeLister::listV3(const QByteArray &level, const QByteArray &hint, Listing *l)
{
    l->lister = std::make_unique<V3LevelLister>(m_client->v3(), level, m_activeSeparator,
                                                level == m_rootLevel);
    l->lister->setHint(hint);
    l->lister->setRevision(m_activeRevision);
    // A page of up to 16,384 children merged in one go stalls the event loop for 100 ms and
    // more: big pages go out in slices, one per event-loop turn, in the order they came, and
    // are turned into entries slice by slice too (for 16,384 that alone is 10-20 ms). The level
    // is finished only once every slice is out.
    const quint64 serial = l->serial;
    l->lister->start(
        [this, level, serial](std::vector<ListedChild> &&children) {
            Listing *l = current(level, serial);
            if (!l)
                return;
            if (l->queue.empty() && children.size() <= sliceSize) {
                // A copy: a slot may replace this listing, and this callback with it.
                const QByteArray copy = level;
                Q_EMIT levelListed(copy, toEntries(children.begin(), children.end()));
                return;
            }
            if (l->queue.empty()) {
                l->queue = std::move(children);
                l->next = 0;
            } else {
                l->queue.insert(l->queue.end(), std::make_move_iterator(children.begin()),
                                std::make_move_iterator(children.end()));
            }
            if (!l->scheduled) {
                l->scheduled = true;
                QTimer::singleShot(0, this, [this, level, serial] { deliver(level, serial); });
            }
        },
        [this, level, serial](const EtcdError &error) {
            Listing *l = current(level, serial);
            if (!l)
                return;
            if (l->queue.empty()) {
                finish(level, serial, error ? 0 : l->lister->oldestRevision(), error);
                return;
            }
            l->finished = true;
            l->revision = error ? 0 : l->lister->oldestRevision();
            l->error = error;
        });
}

void KeyTreeLister::deliver(const QByteArray &level, quint64 serial)
{
    Listing *l = current(level, serial);
    if (!l)
        return; // stopped or replaced: the rest of its queue is stale
    l->scheduled = false;
    const std::size_t n = std::min(sliceSize, l->queue.size() - l->next);
    const auto first = l->queue.begin() + std::ptrdiff_t(l->next);
    std::vector<KeyTreeEntry> slice = toEntries(first, first + std::ptrdiff_t(n));
    l->next += n;
    if (l->next == l->queue.size()) {
        l->queue = std::vector<ListedChild>(); // the page's memory back now, not at the end
        l->next = 0;
    }
    Q_EMIT levelListed(level, slice);
    l = current(level, serial);
    if (!l)
        return; // a slot stopped or restarted it
    if (!l->queue.empty()) {
        l->scheduled = true;
        QTimer::singleShot(0, this, [this, level, serial] { deliver(level, serial); });
    } else if (l->finished) {
        finish(level, serial, l->revision, l->error);
    }
}

void KeyTreeLister::finish(const QByteArray &levelRef, quint64 serial, qint64 revision,
                           const EtcdError &errorRef)
{
    // Copies: the listing that may hold these goes below.
    const QByteArray level = levelRef;
    const EtcdError error = errorRef;
    const auto it = m_listings.find(level);
    if (it == m_listings.end() || it->second->serial != serial)
        return;
    if (it->second->lister)
        m_listRequests += it->second->lister->requestCount();
    // Freed later: this may run inside the lister's own callback.
    if (it->second->lister)
        it->second->lister.release()->deleteLater();
    m_listings.erase(it);
    Q_EMIT levelFinished(level, revision, error);
}

// ---- values -----------------------------------------------------------------------------------

void KeyTreeLister::wantValue(const QByteArray &key) const
{
    m_valueWanted.push_back(key);
    if (!m_valueScheduled) {
        m_valueScheduled = true;
        auto *self = const_cast<KeyTreeLister *>(this);
        QTimer::singleShot(0, self, [self] { self->readWantedValues(); });
    }
}

void KeyTreeLister::readWantedValues()
{
    m_valueScheduled = false;
    std::vector<QByteArray> keys;
    keys.swap(m_valueWanted);
    if (keys.empty() || refusal())
        return;
    m_valueCalls.removeAll(nullptr);
    auto emitValues = [this](QList<KeyInfo> values) {
        if (!values.isEmpty())
            Q_EMIT valuesRead(values);
    };
    if (m_v2) {
        for (const QByteArray &key : keys) {
            ++m_valueRequests;
            m_valueCalls << m_client->v2()->get(key, {}, this,
                                                [emitValues](const EtcdResult<EtcdV2Response> &r) {
                                                    if (r.ok() && !r.value.node.dir)
                                                        emitValues({KeyInfo::fromV2(r.value.node)});
                                                });
        }
        return;
    }
    // One transaction of range requests per batch (etcd allows 128 operations per txn; 64
    // keeps an answer of large values within reason).
    constexpr std::size_t batch = 64;
    for (std::size_t i = 0; i < keys.size(); i += batch) {
        EtcdV3TxnRequest txn;
        for (std::size_t k = i; k < std::min(keys.size(), i + batch); ++k) {
            EtcdV3RangeOptions options;
            options.serializable = true;
            options.revision = m_activeRevision;
            txn.success << EtcdV3RequestOp::makeRange(keys[k], options);
        }
        ++m_valueRequests;
        m_valueCalls << m_client->v3()->txn(
            txn, this, [emitValues](const EtcdResult<EtcdV3TxnResult> &r) {
                if (!r.ok())
                    return;
                QList<KeyInfo> values;
                for (const EtcdV3ResponseOp &op : r.value.responses) {
                    for (const EtcdV3KeyValue &kv : op.range.kvs)
                        values << KeyInfo::fromV3(kv, true);
                }
                emitValues(values);
            });
    }
}

// ---- single reads -----------------------------------------------------------------------------

void KeyTreeLister::readKey(const QByteArray &key)
{
    if (m_keyCall)
        m_keyCall->cancel();
    if (const EtcdError error = refusal()) {
        Q_EMIT keyRead(key, {}, error);
        return;
    }
    if (m_v2) {
        m_keyCall =
            m_client->v2()->get(key, {}, this, [this, key](const EtcdResult<EtcdV2Response> &r) {
                Q_EMIT keyRead(key, r.ok() ? KeyInfo::fromV2(r.value.node) : KeyInfo(), r.error);
            });
        return;
    }
    EtcdV3RangeOptions options;
    options.revision = m_activeRevision;
    m_keyCall = m_client->v3()->range(
        key, options, this, [this, key](const EtcdResult<EtcdV3RangeResult> &r) {
            EtcdError error = r.error;
            if (r.ok() && r.value.kvs.isEmpty())
                error = EtcdError::keyNotFound(key);
            Q_EMIT keyRead(key, error ? KeyInfo() : KeyInfo::fromV3(r.value.kvs.first(), true),
                           error);
        });
}

void KeyTreeLister::checkDirectory(const QByteArray &dirKey, qint64 revision)
{
    if (refusal() || m_v2)
        return;
    if (const auto it = m_dirChecks.find(dirKey); it != m_dirChecks.end()) {
        // One in flight: its answer is compared with this revision.
        it->revision = std::max(it->revision, revision);
        return;
    }
    m_dirChecks[dirKey].revision = revision;
    sendDirectoryCheck(dirKey);
}

void KeyTreeLister::raiseDirectoryCheck(const QByteArray &dirKey, qint64 revision)
{
    if (const auto it = m_dirChecks.find(dirKey); it != m_dirChecks.end())
        it->revision = std::max(it->revision, revision);
}

void KeyTreeLister::sendDirectoryCheck(const QByteArray &dirKey)
{
    const QByteArray below = dirKey + m_activeSeparator;
    EtcdV3RangeOptions options;
    options.rangeEnd = EtcdV3Client::prefixRangeEnd(below);
    options.limit = 1;
    options.keysOnly = true;
    m_dirChecks[dirKey].call = m_client->v3()->range(
        below, options, this, [this, dirKey](const EtcdResult<EtcdV3RangeResult> &r) {
            const auto it = m_dirChecks.find(dirKey);
            if (it == m_dirChecks.end())
                return;
            if (r.ok() && r.value.header.revision < it->revision) {
                sendDirectoryCheck(dirKey); // read before the newest change below it: again
                return;
            }
            m_dirChecks.erase(it);
            if (r.ok())
                Q_EMIT directoryChecked(dirKey, !r.value.kvs.isEmpty());
        });
}

void KeyTreeLister::readRevision()
{
    if (m_revisionCall && !m_revisionCall->isFinished())
        return; // its answer serves this question too (a cancelled one is not yet deleted)
    if (const EtcdError error = refusal()) {
        QTimer::singleShot(0, this, [this, error] { Q_EMIT revisionRead(0, error); });
        return;
    }
    if (m_activeRevision > 0) {
        QTimer::singleShot(0, this, [this, r = m_activeRevision] { Q_EMIT revisionRead(r, {}); });
        return;
    }
    // A key inside the root level, which a user limited to that prefix may read.
    if (m_v2) {
        EtcdV2GetOptions options;
        options.quorum = true;
        // Any key tells the index: X-Etcd-Index on an answer, the error's index on a 404.
        m_revisionCall = m_client->v2()->get(
            m_rootLevel + "etcdscope-revision-probe", options, this,
            [this](const EtcdResult<EtcdV2Response> &r) {
                m_revisionCall = nullptr; // a slot may ask again
                const qint64 index = r.ok() ? r.value.etcdIndex : r.error.index();
                Q_EMIT revisionRead(std::max<qint64>(0, index), index > 0 ? EtcdError() : r.error);
            });
        return;
    }
    m_revisionCall = m_client->v3()->range(
        m_rootLevel.isEmpty() ? QByteArray(1, '\0') : m_rootLevel, {}, this,
        [this](const EtcdResult<EtcdV3RangeResult> &r) {
            m_revisionCall = nullptr; // a slot may ask again
            Q_EMIT revisionRead(r.ok() ? r.value.header.revision : 0, r.error);
        });
}
