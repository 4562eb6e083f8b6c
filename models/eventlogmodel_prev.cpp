// The event log's previous values: the ones seen, and the ones read on demand from etcd's history
// (v3) by an EventPrevValueReader.
#include "eventlogmodel.h"

#include <algorithm>

bool EventLogModel::canLoadPrevValue(const EtcdWatchEvent &event) const
{
    using A = EtcdWatchEvent::Action;
    return m_prevReadable && m_api != EtcdApi::V2 && !event.prevValue && event.revision > 1 &&
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

void EventLogModel::setPrevValuesReadable(bool readable)
{
    m_prevReadable = readable;
    // Reads under way belong to the old connection (its calls may never answer).
    m_prevLoading.clear();
    m_prevErrors.clear();
    m_prevMissing.clear();
}

void EventLogModel::loadPrevValue(qint64 sequence)
{
    const RecordPtr record = recordOfSequence(sequence);
    if (!record || !canLoadPrevValue(record->event) || m_prevLoading.contains(sequence) ||
        m_prevErrors.contains(sequence) || m_prevMissing.contains(sequence))
        return;
    m_prevLoading.insert(sequence, true);
    Q_EMIT prevValueRequested(sequence, record->event.key, record->event.revision - 1);
}

void EventLogModel::setPrevValueResult(qint64 sequence,
                                       const EtcdResult<std::optional<QByteArray>> &result)
{
    if (!m_prevLoading.remove(sequence))
        return; // not asked (any more)
    if (!result.ok())
        m_prevErrors.insert(sequence, result.error);
    else if (!result.value)
        m_prevMissing.insert(sequence);
    else
        setPrevValue(sequence, *result.value);
    Q_EMIT prevValueLoaded(sequence);
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
