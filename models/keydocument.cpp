#include "keydocument.h"

#include "etcdcall.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "keydocument_p.h"
#include "keyleaseclock.h"

#include <utility>

using namespace KeyDocumentDetail;

KeyDocument::KeyDocument(EtcdClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_leaseClock(new KeyLeaseClock(this))
{
    connect(m_leaseClock, &KeyLeaseClock::answered, this, &KeyDocument::onLeaseAnswered);
}

KeyDocument::~KeyDocument()
{
    if (m_call)
        m_call->cancel();
}

void KeyDocument::setLeaseCache(LeaseTtlCache *cache)
{
    m_leaseClock->setCache(cache);
    // A load waiting for the old cache's answer goes on without the TTL.
    if (m_leaseWait == LeaseWait::Load) {
        m_leaseWait = LeaseWait::None;
        setBusy(Operation::None);
        Q_EMIT loaded();
    }
    m_leaseWait = LeaseWait::None;
}

LeaseTtlCache *KeyDocument::leaseCache() const
{
    return m_leaseClock->cache();
}

bool KeyDocument::isV2() const
{
    return m_client && m_client->apiInUse() == EtcdClient::Api::V2;
}

void KeyDocument::setBusy(Operation operation)
{
    const bool was = isBusy();
    m_busy = operation;
    if (was != isBusy())
        Q_EMIT busyChanged(isBusy());
    if (!isBusy())
        scheduleDrain();
}

void KeyDocument::clear()
{
    ++m_generation;
    if (m_call)
        m_call->cancel();
    m_leaseClock->cancel();
    m_leaseWait = LeaseWait::None;
    m_key.clear();
    m_snapshot = {};
    m_conflict = {};
    m_hasConflict = false;
    m_pending.clear();
    m_seenRevision = 0;
    setServerState(ServerState::InSync, {}, false);
    setBusy(Operation::None);
}

void KeyDocument::reload()
{
    if (!m_key.isNull())
        load(m_key);
}

void KeyDocument::load(const QByteArray &key)
{
    const quint64 generation = ++m_generation;
    if (m_call)
        m_call->cancel();
    m_leaseClock->cancel();
    m_leaseWait = LeaseWait::None;
    if (key != m_key)
        m_pending.clear();
    m_key = key;
    m_seenRevision = 0;
    setServerState(ServerState::InSync, {}, false);
    m_snapshot = {};
    m_snapshot.key = key;
    m_snapshot.v2 = isV2();
    m_conflict = {};
    m_hasConflict = false;
    if (!m_client)
        return;
    setBusy(Operation::Load);

    if (isV2()) {
        EtcdV2GetOptions options;
        options.quorum = true; // linearizable: a save must compare against the newest index
        m_call = m_client->v2()->get(key, options, this,
                                     [this, generation](const EtcdResult<EtcdV2Response> &r) {
                                         if (generation != m_generation)
                                             return;
                                         setBusy(Operation::None);
                                         if (!r.ok()) {
                                             Q_EMIT loadFailed(r.error);
                                             return;
                                         }
                                         // Only the node itself: a directory's children are the
                                         // tree's business.
                                         EtcdV2Node node = r.value.node;
                                         node.nodes.clear();
                                         m_snapshot = KeySnapshot::fromV2(node, r.value.etcdIndex);
                                         noteSnapshot();
                                         Q_EMIT loaded();
                                     });
        return;
    }

    // A range of the exact key; not serializable, so linearizable.
    m_call = m_client->v3()->range(
        key, {}, this, [this, key, generation](const EtcdResult<EtcdV3RangeResult> &r) {
            if (generation != m_generation)
                return;
            if (!r.ok()) {
                setBusy(Operation::None);
                Q_EMIT loadFailed(r.error);
                return;
            }
            if (r.value.kvs.isEmpty()) {
                setBusy(Operation::None);
                Q_EMIT loadFailed(EtcdError::keyNotFound(key));
                return;
            }
            m_snapshot = KeySnapshot::fromV3(r.value.kvs.first(), r.value.header.revision);
            noteSnapshot();
            // Without the lease's TTL the key is still shown: the countdown says "unknown".
            if (m_snapshot.lease != 0 && m_leaseClock->ask(m_snapshot.lease, 1000)) {
                m_leaseWait = LeaseWait::Load;
                return;
            }
            setBusy(Operation::None);
            Q_EMIT loaded();
        });
}

void KeyDocument::rereadLease()
{
    if (isV2() || !m_snapshot.exists || m_snapshot.lease == 0 || m_leaseWait != LeaseWait::None)
        return;
    // The countdown ran out: only a new answer tells whether a keep-alive renewed it.
    if (m_leaseClock->ask(m_snapshot.lease, 0))
        m_leaseWait = LeaseWait::Reread;
}

void KeyDocument::onLeaseAnswered(quint64 lease)
{
    const LeaseWait wait = std::exchange(m_leaseWait, LeaseWait::None);
    if (wait == LeaseWait::Load) {
        if (lease == m_snapshot.lease)
            m_leaseClock->fill(&m_snapshot, false);
        setBusy(Operation::None);
        Q_EMIT loaded();
    } else if (wait == LeaseWait::Reread && lease == m_snapshot.lease) {
        if (m_leaseClock->fill(&m_snapshot, true))
            Q_EMIT leaseRead();
    }
}

bool KeyDocument::beginWrite(Operation operation)
{
    if (!m_client || isBusy())
        return false;
    if (operation == Operation::Save && !m_snapshot.exists)
        return false;
    setBusy(operation);
    return true;
}

bool KeyDocument::save(const QByteArray &value)
{
    if (m_snapshot.isDirectory || !beginWrite(Operation::Save))
        return false;
    if (isV2())
        casV2(Operation::Save, m_snapshot, value);
    else
        casV3(Operation::Save, m_snapshot, value);
    return true;
}

bool KeyDocument::overwrite(const QByteArray &value)
{
    if (!m_hasConflict || !m_client || isBusy())
        return false;
    setBusy(Operation::Save);
    if (isV2())
        casV2(Operation::Save, m_conflict, value);
    else
        casV3(Operation::Save, m_conflict, value);
    return true;
}

void KeyDocument::casV2(Operation operation, const KeySnapshot &against, const QByteArray &value)
{
    const quint64 generation = m_generation;
    EtcdV2SetOptions options;
    if (against.exists) {
        options.prevIndex = against.modifiedIndex;
        // A v2 set without ttl makes the key permanent: pass what is left so it keeps expiring
        // when it did (to the second).
        if (against.ttl)
            options.ttl = qMax<qint64>(1, against.secondsLeft().value_or(1));
    } else {
        options.prevExist = false; // the key was deleted: create it only if still absent
    }
    m_call = m_client->v2()->set(
        m_key, value, options, this,
        [this, operation, generation](const EtcdResult<EtcdV2Response> &r) {
            if (generation != m_generation)
                return;
            if (r.ok()) {
                finishWrite(operation, KeySnapshot::fromV2(r.value.node, r.value.etcdIndex));
                return;
            }
            if (r.error.is(EtcdError::Condition::CompareFailed) ||
                r.error.is(EtcdError::Condition::KeyNotFound) ||
                r.error.is(EtcdError::Condition::KeyExists)) {
                v2ConflictRead(operation, r.error);
                return;
            }
            failWrite(operation, r.error);
        });
}

void KeyDocument::v2ConflictRead(Operation operation, const EtcdError &error)
{
    Q_UNUSED(error)
    const quint64 generation = m_generation;
    EtcdV2GetOptions options;
    options.quorum = true;
    m_call = m_client->v2()->get(
        m_key, options, this, [this, operation, generation](const EtcdResult<EtcdV2Response> &r) {
            if (generation != m_generation)
                return;
            if (r.ok()) {
                EtcdV2Node node = r.value.node;
                node.nodes.clear();
                conflict(operation, KeySnapshot::fromV2(node, r.value.etcdIndex));
            } else if (r.error.is(EtcdError::Condition::KeyNotFound)) {
                conflict(operation, deletedSnapshot(m_key, true, r.error.index()));
            } else {
                failWrite(operation, r.error);
            }
        });
}

void KeyDocument::casV3(Operation operation, const KeySnapshot &against, const QByteArray &value)
{
    const quint64 generation = m_generation;
    EtcdV3PutOptions put;
    EtcdV3Compare compare;
    if (against.exists) {
        compare =
            EtcdV3Compare::modRevision(m_key, EtcdV3Compare::Result::Equal, against.modRevision);
        put.ignoreLease = true; // the key keeps its lease
    } else {
        compare = EtcdV3Compare::version(m_key, EtcdV3Compare::Result::Equal, 0);
    }
    m_call = m_client->v3()->txn(
        casTxn(compare, m_key, value, put), this,
        [this, operation, generation, against, value](const EtcdResult<EtcdV3TxnResult> &r) {
            if (generation != m_generation)
                return;
            if (endFailedCas(operation, r))
                return;
            // The compare held, so the key is `against` plus this one put.
            KeySnapshot now = against.exists ? against : deletedSnapshot(m_key, false, 0);
            now.key = m_key;
            now.value = value;
            now.exists = true;
            now.modRevision = r.value.header.revision;
            now.storeRevision = r.value.header.revision;
            if (!against.exists)
                now.createRevision = r.value.header.revision;
            now.version = against.exists ? against.version + 1 : 1;
            finishWrite(operation, now);
        });
}

void KeyDocument::finishWrite(Operation operation, const KeySnapshot &now)
{
    m_snapshot = now;
    m_conflict = {};
    m_hasConflict = false;
    noteSnapshot();
    // The write compared against the newest state known and won: nothing newer is pending.
    setServerState(ServerState::InSync, {}, false);
    setBusy(Operation::None);
    Q_EMIT saved(now);
    if (operation != Operation::Save)
        Q_EMIT metadataChanged(operation);
}

void KeyDocument::failWrite(Operation operation, const EtcdError &error)
{
    setBusy(Operation::None);
    if (operation == Operation::Save)
        Q_EMIT saveFailed(error);
    else
        Q_EMIT metadataChangeFailed(operation, error);
}

void KeyDocument::conflict(Operation operation, const KeySnapshot &current)
{
    setBusy(Operation::None);
    m_conflict = current;
    // A banner already shows the server's state: keep it as new as the conflict saw. (While in
    // sync the watch's own event raises it, so seenRevision() is not moved here.)
    if (m_serverState != ServerState::InSync && current.storeRevision > m_seenRevision) {
        m_seenRevision = current.storeRevision;
        setServerState(current.exists ? ServerState::Changed : ServerState::Deleted, current,
                       false);
    }
    if (operation == Operation::Save) {
        m_hasConflict = true;
        Q_EMIT saveConflict(current);
    } else {
        Q_EMIT metadataChangeFailed(operation, conflictError(current));
    }
}

bool KeyDocument::endFailedCas(Operation operation, const EtcdResult<EtcdV3TxnResult> &r)
{
    if (!r.ok())
        failWrite(operation, r.error);
    else if (!r.value.succeeded)
        conflict(operation, currentFromFailedTxn(m_key, r.value));
    else
        return false;
    return true;
}

EtcdError KeyDocument::conflictError(const KeySnapshot &current)
{
    return EtcdError::conflict(current.key, current.exists, current.modIndex());
}
