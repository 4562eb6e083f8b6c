#pragma once

#include "etcdapi.h"
#include "etcderror.h"
#include "etcdwatchevent.h"

#include <QAbstractTableModel>
#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSet>

#include <deque>
#include <memory>
#include <optional>

// The event log: every watch event received, newest at the bottom, in a ring of the last
// `capacity()` events, filtered by key prefix and action inside the model, with pause and resume.
//
// Newest at the bottom, as in tail -f, journalctl and Wireshark: a log reads top to bottom in the
// order things happened, the view follows the tail while the user is at the bottom and stays put
// when they scrolled up to read. Eviction then removes rows at the top, away from the tail.
//
// Memory is bounded: the ring holds at most capacity() events and maxBytes() of keys and values
// (10,000 values of 1.5 MiB would otherwise be 15 GiB); while paused, the rows on screen are kept
// as they were (at most as much again) even if the ring has let them go.
// Every append is one row removal (evicted rows, at the top) and one insertion (at the bottom),
// whatever the batch size: a burst is never one signal per event.
class EventLogModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        TimeColumn,
        RevisionColumn,
        ActionColumn,
        KeyColumn,
        BeforeColumn,
        AfterColumn,
        ColumnCount
    };

    enum Role {
        EventRole = Qt::UserRole + 1, // EtcdWatchEvent: the whole event, full key and values
        SequenceRole,                 // qint64: the event's place in the log, stable across filters
        ActionRole,                   // int: EtcdWatchEvent::Action
        KeyRole,                      // QByteArray: the full key
    };

    static constexpr int DefaultCapacity = 10000;
    static constexpr qint64 DefaultMaxBytes = 64 * 1024 * 1024;

    explicit EventLogModel(QObject *parent = nullptr);
    ~EventLogModel() override;

    // Records the events in order. A `received` time left invalid is stamped with now.
    void append(const QList<EtcdWatchEvent> &events);
    // Removes every event and resets the counters. Pause and filter stay as they are.
    void clear();

    // At least 1. Lowering it drops the oldest events at once.
    void setCapacity(int capacity);
    int capacity() const { return m_capacity; }
    // The most key and value bytes the ring keeps; the oldest go first when more arrive. The
    // newest event is always kept, however large.
    void setMaxBytes(qint64 bytes);
    qint64 maxBytes() const { return m_maxBytes; }
    qint64 keptBytes() const { return m_bytes; }

    // The API the events come from: the second column says "Index" for v2, "Revision" otherwise.
    void setApi(EtcdApi api);
    EtcdApi api() const { return m_api; }

    // Filter: a row shows when its key starts with the prefix (bytes; empty: every key) and its
    // action is shown. Changing either rebuilds the rows (a model reset). While paused the
    // rebuild covers the events up to the pause, and rows the ring has let go of are gone.
    void setKeyPrefix(const QByteArray &prefix);
    QByteArray keyPrefix() const { return m_prefix; }
    void setActionShown(EtcdWatchEvent::Action action, bool shown);
    bool isActionShown(EtcdWatchEvent::Action action) const;
    void setAllActionsShown();
    bool isFiltered() const;

    // While paused, events are still recorded (and counted) but the rows do not change.
    // Resuming shows what came meanwhile in one insertion.
    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }

    // Counters since construction or the last clear().
    qint64 receivedCount() const { return m_received; }  // every event appended
    qint64 droppedCount() const { return m_dropped; }    // evicted from the ring by a cap
    int keptCount() const { return int(m_ring.size()); } // in the ring now
    // Events that match the filter and will show on resume (0 when not paused).
    int pendingCount() const { return m_pending; }

    // v3 watches run without prev_kv (see EtcdWatcher::setPrevValues): the value a key had before
    // an update or delete is read on demand, from etcd's history at the event's revision - 1,
    // when the user looks at the event. The model asks for it (prevValueRequested) and an
    // EventPrevValueReader on the connection answers (setPrevValueResult); the reader says
    // whether values can be read at all (none attached, or v2: no).
    void setPrevValuesReadable(bool readable);
    // True when the event has no previous value yet and one can be read: a v3 update or delete.
    bool canLoadPrevValue(const EtcdWatchEvent &event) const;
    // Asks for it for the event with this sequence (once); prevValueLoaded follows. The value
    // becomes the event's prevValue (in the row, eventAt() and EventRole).
    void loadPrevValue(qint64 sequence);
    bool isLoadingPrevValue(qint64 sequence) const;
    // The answer to prevValueRequested: the value, none (the key did not exist at that revision),
    // or why it could not be read.
    void setPrevValueResult(qint64 sequence, const EtcdResult<std::optional<QByteArray>> &result);
    // Why the previous value could not be read (Condition::Compacted: no longer in etcd's
    // history); none when it was read or the key did not exist.
    EtcdError prevValueError(qint64 sequence) const { return m_prevErrors.value(sequence); }
    // The key did not exist at the revision before the event (etcd keeps no tombstone values).
    bool prevValueMissing(qint64 sequence) const { return m_prevMissing.contains(sequence); }

    // v3 events without a previous value get the value the log last saw for their key, when it
    // saw every event of the key since (the watch is gap-free while it runs). Call this when the
    // events stop being one unbroken sequence (a resync after lost history, a new watch):
    // until a key changes again, its previous value is read on demand instead.
    void forgetValues();

    // The row showing the event with this sequence number, or -1. O(log rows).
    int rowOfSequence(qint64 sequence) const;
    EtcdWatchEvent eventAt(int row) const;

    // The action in words: created, updated, set, compare-and-swap, deleted, …
    static QString actionName(EtcdWatchEvent::Action action);
    // Characters of a value shown in the value columns (valuePreview()).
    static constexpr int previewChars = 80;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

Q_SIGNALS:
    // Any counter, the pause state or the filter changed.
    void countsChanged();
    // loadPrevValue(): read the value `key` had at `revision` (for the event `sequence`).
    void prevValueRequested(qint64 sequence, const QByteArray &key, qint64 revision);
    // loadPrevValue() for this event finished: the value is in the event, or prevValueError()
    // and prevValueMissing() say why not.
    void prevValueLoaded(qint64 sequence);

private:
    struct Record
    {
        EtcdWatchEvent event;
        qint64 sequence = 0;
        qint64 bytes = 0; // key and values, for the byte cap
    };
    using RecordPtr = std::shared_ptr<const Record>;

    bool matches(const EtcdWatchEvent &event) const;
    RecordPtr recordOfSequence(qint64 sequence) const;
    void setPrevValue(qint64 sequence, const QByteArray &value);
    std::size_t ringIndexAfter(qint64 sequence) const;
    void evict();
    void removeRowsBefore(qint64 sequence);
    void showUpTo(qint64 sequence);
    void rebuild();
    int countPending() const;
    QVariant displayData(const Record &record, int column) const;
    QVariant toolTipData(const Record &record, int column) const;

    std::deque<RecordPtr> m_ring; // oldest first; sequences contiguous
    std::deque<RecordPtr> m_rows; // what the view shows; sequences increasing
    qint64 m_nextSequence = 1;
    qint64 m_shownUpTo = 0; // last sequence considered for the rows (frozen while paused)
    qint64 m_received = 0;
    qint64 m_dropped = 0;
    qint64 m_bytes = 0;
    qint64 m_maxBytes = DefaultMaxBytes;
    int m_pending = 0;
    int m_capacity = DefaultCapacity;
    QByteArray m_prefix;
    quint32 m_actionMask;
    bool m_paused = false;
    EtcdApi m_api = EtcdApi::V3;
    bool m_prevReadable = false;
    // Per key, the value after the newest event seen (none: deleted). Bounded: cleared when it
    // holds more than 100,000 keys or maxBytes() of values (then values are read on demand).
    QHash<QByteArray, std::optional<QByteArray>> m_lastValue;
    qint64 m_lastValueBytes = 0;
    void rememberValue(EtcdWatchEvent &event);
    QHash<qint64, bool> m_prevLoading; // sequences whose previous value is being read
    QHash<qint64, EtcdError> m_prevErrors;
    QSet<qint64> m_prevMissing;
};
