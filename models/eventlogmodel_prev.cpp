// The event log's previous values, read on demand from etcd's history (v3).
#include "eventlogmodel.h"

#include "etcdv3client.h"

#include <algorithm>

bool EventLogModel::canLoadPrevValue(const EtcdWatchEvent &event) const
{
    using A = EtcdWatchEvent::Action;
    return m_client && m_api != EtcdClient::Api::V2 && !event.prevValue && event.revision > 1 &&
           (event.action == A::Update || event.action == A::Delete);
}

void EventLogModel::rememberValue(EtcdWatchEvent &event)
{
    using A = EtcdWatchEvent::Action;
    const auto it = m_lastValue.find(event.key);
    if (it != m_lastValue.end() && !event.prevValue && it->has_value() &&
        (event.action == A::Update || event.action == A::Delete))
        event.prevValue = **it;
    std::optional<QByteArray> after;
    if (!event.isDelete())
        after = event.value;
    if (it != m_lastValue.end()) {
        m_lastValueBytes -= it->has_value() ? (*it)->size() : 0;
        *it = after;
    } else {
        m_lastValue.insert(event.key, after);
        m_lastValueBytes += event.key.size();
    }
    m_lastValueBytes += after ? after->size() : 0;
    if (m_lastValue.size() > 100000 || m_lastValueBytes > m_maxBytes)
        forgetValues();
}

void EventLogModel::forgetValues()
{
    m_lastValue.clear();
    m_lastValueBytes = 0;
}

bool EventLogModel::isLoadingPrevValue(qint64 sequence) const
{
    return m_prevLoading.contains(sequence);
}

EventLogModel::RecordPtr EventLogModel::recordOfSequence(qint64 sequence) const
{
    // The ring's sequences are contiguous; a paused view may still show older rows.
    if (!m_ring.empty() && sequence >= m_ring.front()->sequence &&
        sequence <= m_ring.back()->sequence)
        return m_ring[std::size_t(sequence - m_ring.front()->sequence)];
    const int row = rowOfSequence(sequence);
    return row >= 0 ? m_rows[std::size_t(row)] : nullptr;
}

void EventLogModel::loadPrevValue(qint64 sequence)
{
    const RecordPtr record = recordOfSequence(sequence);
    if (!record || !canLoadPrevValue(record->event) || m_prevLoading.contains(sequence) ||
        m_prevErrors.contains(sequence))
        return;
    m_prevLoading.insert(sequence, true);
    const EtcdWatchEvent &event = record->event;
    EtcdV3RangeOptions options;
    options.revision = event.revision - 1;
    const qint64 at = options.revision;
    m_client->v3()->range(
        event.key, options, this, [this, sequence, at](const EtcdResult<EtcdV3RangeResult> &r) {
            m_prevLoading.remove(sequence);
            if (!r.ok()) {
                m_prevErrors.insert(
                    sequence, r.error.is(EtcdError::Condition::Compacted)
                                  ? tr("No longer in etcd's history (compacted after revision %1)")
                                        .arg(at)
                                  : tr("Could not be read: %1").arg(r.error.message()));
            } else if (r.value.kvs.isEmpty()) {
                // etcd does not keep a deleted key's tombstone as a value: it did not exist.
                m_prevErrors.insert(sequence, tr("None: the key did not exist at revision %1")
                                                  .arg(at));
            } else {
                setPrevValue(sequence, r.value.kvs.first().value);
            }
            Q_EMIT prevValueLoaded(sequence);
        });
}

void EventLogModel::setPrevValue(qint64 sequence, const QByteArray &value)
{
    const RecordPtr old = recordOfSequence(sequence);
    if (!old)
        return;
    auto updated = std::make_shared<Record>(*old);
    updated->event.prevValue = value;
    updated->bytes += value.size();
    const RecordPtr record = updated;
    // Records are shared and immutable: the ring and the rows get the new one.
    if (!m_ring.empty() && sequence >= m_ring.front()->sequence &&
        sequence <= m_ring.back()->sequence) {
        m_ring[std::size_t(sequence - m_ring.front()->sequence)] = record;
        m_bytes += value.size();
    }
    const int row = rowOfSequence(sequence);
    if (row >= 0) {
        m_rows[std::size_t(row)] = record;
        const QModelIndex cell = index(row, BeforeColumn);
        Q_EMIT dataChanged(cell, cell);
    }
}
