// KeyDocument's metadata operations (v2 TTL, v3 leases) and the creation of new keys: every one
// a compare-and-swap, like a save.
#include "keydocument.h"

#include "etcdcall.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "keydocument_p.h"

using namespace KeyDocumentDetail;

// ---- v2 TTL ------------------------------------------------------------------------------------

bool KeyDocument::setTtl(qint64 seconds)
{
    if (!isV2() || !m_snapshot.exists || seconds <= 0 || !beginWrite(Operation::SetTtl))
        return false;
    v2TtlWrite(Operation::SetTtl, seconds, false, false);
    return true;
}

bool KeyDocument::removeTtl()
{
    if (!isV2() || !m_snapshot.exists || !beginWrite(Operation::RemoveTtl))
        return false;
    v2TtlWrite(Operation::RemoveTtl, std::nullopt, true, false);
    return true;
}

bool KeyDocument::refreshTtl(qint64 seconds)
{
    if (!isV2() || !m_snapshot.exists || seconds <= 0 || !beginWrite(Operation::RefreshTtl))
        return false;
    v2TtlWrite(Operation::RefreshTtl, seconds, false, true);
    return true;
}

void KeyDocument::v2TtlWrite(Operation operation, std::optional<qint64> ttl, bool clear,
                             bool refresh)
{
    const quint64 generation = m_generation;
    EtcdV2SetOptions options;
    options.ttl = ttl;
    options.clearTtl = clear;
    options.refresh = refresh;
    options.prevExist = true;
    if (m_snapshot.isDirectory) {
        // etcd refuses compare-and-swap on a directory ("not a file").
        options.dir = true;
    } else {
        options.prevIndex = m_snapshot.modifiedIndex;
    }
    // The value written is the one the server holds (the compare proves it), never the edit.
    m_call = m_client->v2()->set(
        m_key, m_snapshot.value, options, this,
        [this, operation, generation](const EtcdResult<EtcdV2Response> &r) {
            if (generation != m_generation)
                return;
            if (r.ok()) {
                EtcdV2Node node = r.value.node;
                node.nodes.clear();
                finishWrite(operation, KeySnapshot::fromV2(node, r.value.etcdIndex));
            } else if (r.error.is(EtcdError::Condition::CompareFailed) ||
                       r.error.is(EtcdError::Condition::KeyNotFound)) {
                v2ConflictRead(operation, r.error);
            } else {
                failWrite(operation, r.error);
            }
        });
}

// ---- v3 leases ---------------------------------------------------------------------------------

bool KeyDocument::attachNewLease(qint64 seconds)
{
    if (isV2() || !m_snapshot.exists || seconds <= 0 || !beginWrite(Operation::AttachLease))
        return false;
    const quint64 generation = m_generation;
    m_call = m_client->v3()->leaseGrant(
        seconds, 0, this, [this, generation](const EtcdResult<EtcdV3LeaseGrantResult> &r) {
            if (generation != m_generation) {
                if (r.ok() && m_client)
                    m_client->v3()->leaseRevoke(r.value.id, this, nullptr);
                return;
            }
            if (!r.ok()) {
                failWrite(Operation::AttachLease, r.error);
                return;
            }
            v3LeasePut(Operation::AttachLease, r.value.id, r.value.ttl);
        });
    return true;
}

bool KeyDocument::detachLease()
{
    if (isV2() || !m_snapshot.exists || !beginWrite(Operation::DetachLease))
        return false;
    v3LeasePut(Operation::DetachLease, 0, 0);
    return true;
}

void KeyDocument::v3LeasePut(Operation operation, quint64 lease, qint64 grantedTtl)
{
    const quint64 generation = m_generation;
    EtcdV3PutOptions put;
    put.lease = lease;
    put.ignoreValue = true; // only the lease changes; the compare proves the value is the one seen
    const EtcdV3Compare compare =
        EtcdV3Compare::modRevision(m_key, EtcdV3Compare::Result::Equal, m_snapshot.modRevision);
    m_call = m_client->v3()->txn(
        casTxn(compare, m_key, {}, put), this,
        [this, operation, generation, lease, grantedTtl](const EtcdResult<EtcdV3TxnResult> &r) {
            if (generation != m_generation)
                return;
            const bool ok = r.ok() && r.value.succeeded;
            if (!ok && lease != 0 && m_client) {
                // The new lease holds nothing: do not leave it behind.
                m_client->v3()->leaseRevoke(lease, this, nullptr);
            }
            if (endFailedCas(operation, r))
                return;
            KeySnapshot now = m_snapshot;
            now.modRevision = r.value.header.revision;
            now.storeRevision = r.value.header.revision;
            now.version += 1;
            now.lease = lease;
            now.leaseTtl.reset();
            now.leaseGrantedTtl = 0;
            now.deadline = {};
            if (lease != 0) {
                now.leaseTtl = grantedTtl;
                now.leaseGrantedTtl = grantedTtl;
                now.deadline = deadlineAfter(grantedTtl);
            }
            finishWrite(operation, now);
        });
}

// ---- create ------------------------------------------------------------------------------------

void KeyDocument::create(EtcdClient *client, const QByteArray &key, const QByteArray &value,
                         const KeyCreateOptions &options, QObject *context,
                         std::function<void(const EtcdResult<KeySnapshot> &)> callback)
{
    auto fail = [callback](const EtcdError &error) {
        EtcdResult<KeySnapshot> result;
        result.error = error;
        callback(result);
    };
    if (client->apiInUse() == EtcdClient::Api::V2) {
        client->v2()->create(key, value, options.ttl, context,
                             [callback, fail](const EtcdResult<EtcdV2Response> &r) {
                                 if (!r.ok()) {
                                     fail(r.error);
                                     return;
                                 }
                                 EtcdResult<KeySnapshot> result;
                                 result.value =
                                     KeySnapshot::fromV2(r.value.node, r.value.etcdIndex);
                                 callback(result);
                             });
        return;
    }

    QPointer<EtcdClient> guard(client);
    // Puts the key only when it has no version yet; a lease granted here is revoked again when
    // the key turned out to exist.
    auto createWithLease = [guard, key, value, context, callback, fail](quint64 lease, qint64 ttl,
                                                                        bool granted) {
        if (!guard)
            return;
        EtcdV3PutOptions put;
        put.lease = lease;
        const EtcdV3Compare compare = EtcdV3Compare::version(key, EtcdV3Compare::Result::Equal, 0);
        guard->v3()->txn(casTxn(compare, key, value, put), context,
                         [guard, key, value, lease, ttl, granted, context, callback,
                          fail](const EtcdResult<EtcdV3TxnResult> &r) {
                             const bool ok = r.ok() && r.value.succeeded;
                             if (!ok && granted && guard)
                                 guard->v3()->leaseRevoke(lease, context, nullptr);
                             if (!r.ok()) {
                                 fail(r.error);
                                 return;
                             }
                             if (!r.value.succeeded) {
                                 fail(EtcdError::keyExists(key));
                                 return;
                             }
                             EtcdResult<KeySnapshot> result;
                             KeySnapshot &s = result.value;
                             s.key = key;
                             s.value = value;
                             s.exists = true;
                             s.createRevision = s.modRevision = s.storeRevision =
                                 r.value.header.revision;
                             s.version = 1;
                             s.lease = lease;
                             if (ttl > 0) {
                                 s.leaseTtl = ttl;
                                 s.leaseGrantedTtl = ttl;
                                 s.deadline = deadlineAfter(ttl);
                             }
                             callback(result);
                         });
    };

    if (options.ttl) {
        client->v3()->leaseGrant(
            *options.ttl, 0, context,
            [createWithLease, fail](const EtcdResult<EtcdV3LeaseGrantResult> &r) {
                if (!r.ok()) {
                    fail(r.error);
                    return;
                }
                createWithLease(r.value.id, r.value.ttl, true);
            });
        return;
    }
    // Start from the event loop as every other path does: the callback never runs inside.
    QMetaObject::invokeMethod(
        context, [createWithLease, options] { createWithLease(options.lease, 0, false); },
        Qt::QueuedConnection);
}
