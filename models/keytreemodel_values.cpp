// KeyTreeModel: value previews, read in batches from the event loop.
#include "keytreemodel.h"
#include "keytreemodel_p.h"

#include "etcdclient.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "keynode.h"

#include <QTimer>

// ---- values -----------------------------------------------------------------------------------

void KeyTreeModel::scheduleValueLoad(const KeyNode *node) const
{
    if (node->has(KeyNode::ValueLoaded) || node->has(KeyNode::ValueQueued) ||
        !node->has(KeyNode::IsKey))
        return;
    // data() is const and never does I/O: it only notes the wish; the batch leaves from the
    // event loop.
    const_cast<KeyNode *>(node)->set(KeyNode::ValueQueued);
    m_valueWanted.push_back(fullKey(node));
    if (!m_valueLoadScheduled) {
        m_valueLoadScheduled = true;
        auto *self = const_cast<KeyTreeModel *>(this);
        QTimer::singleShot(0, self, [self] { self->loadPendingValues(); });
    }
}

void KeyTreeModel::loadValues(const QModelIndexList &indexes)
{
    for (const QModelIndex &idx : indexes) {
        if (idx.isValid() && idx.model() == this)
            scheduleValueLoad(nodeFromIndex(idx));
    }
    loadPendingValues();
}

void KeyTreeModel::loadPendingValues()
{
    m_valueLoadScheduled = false;
    std::vector<QByteArray> keys;
    keys.swap(m_valueWanted);
    if (!m_client || keys.empty())
        return;
    m_valueCalls.removeAll(nullptr);
    if (m_v2) {
        for (const QByteArray &key : keys) {
            ++m_valueRequests;
            m_valueCalls << m_client->v2()->get(
                key, {}, this, [this](const EtcdResult<EtcdV2Response> &r) {
                    if (r.ok() && !r.value.node.dir)
                        applyValue(KeyInfo::fromV2(r.value.node));
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
            txn.success << EtcdV3RequestOp::makeRange(keys[k], options);
        }
        ++m_valueRequests;
        m_valueCalls << m_client->v3()->txn(txn, this, [this](const EtcdResult<EtcdV3TxnResult> &r) {
            if (!r.ok())
                return;
            for (const EtcdV3ResponseOp &op : r.value.responses) {
                for (const EtcdV3KeyValue &kv : op.range.kvs)
                    applyValue(KeyInfo::fromV3(kv, true));
            }
        });
    }
}

void KeyTreeModel::applyValue(const KeyInfo &info)
{
    KeyNode *node = findNode(info.key);
    if (!node || !node->has(KeyNode::IsKey) || info.modRevision < node->modRevision)
        return;
    if (info.modRevision > node->modRevision)
        setMeta(node, info);
    setValue(node, info.value);
    if (isShown(node)) {
        const QModelIndex first = indexForNode(node, 0);
        if (first.isValid())
            Q_EMIT dataChanged(first, first.siblingAtColumn(ColumnCount - 1));
    }
}
