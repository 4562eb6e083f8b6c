#include "eventlogmodel.h"

#include "keydisplay.h"

#include <QColor>
#include <QGuiApplication>
#include <QLocale>
#include <QPalette>

#include <algorithm>

namespace {

constexpr int ActionCount = int(EtcdWatchEvent::Action::Expire) + 1;
constexpr quint32 AllActions = (1u << ActionCount) - 1;

quint32 actionBit(EtcdWatchEvent::Action action)
{
    return 1u << int(action);
}

QString byteCount(qsizetype size)
{
    return size == 1 ? EventLogModel::tr("1 byte")
                     : EventLogModel::tr("%1 bytes").arg(QLocale().toString(size));
}

QColor actionColor(EtcdWatchEvent::Action action)
{
    // Two shades each, so that the words stay readable on a dark palette too. Changes of an
    // existing key keep the default colour: they are the common case and need no alarm.
    const bool dark = QGuiApplication::palette().color(QPalette::Base).lightness() < 128;
    switch (action) {
    case EtcdWatchEvent::Action::Put:
        return dark ? QColor(0x81, 0xc7, 0x84) : QColor(0x1b, 0x5e, 0x20);
    case EtcdWatchEvent::Action::Delete:
    case EtcdWatchEvent::Action::CompareAndDelete:
        return dark ? QColor(0xef, 0x9a, 0x9a) : QColor(0xb7, 0x1c, 0x1c);
    case EtcdWatchEvent::Action::Expire:
        return dark ? QColor(0xff, 0xcc, 0x80) : QColor(0xa0, 0x52, 0x00);
    case EtcdWatchEvent::Action::Update:
    case EtcdWatchEvent::Action::Set:
    case EtcdWatchEvent::Action::CompareAndSwap:
        break;
    }
    return {};
}

} // namespace

EventLogModel::EventLogModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_actionMask(AllActions)
{
}

EventLogModel::~EventLogModel() = default;

void EventLogModel::append(const QList<EtcdWatchEvent> &events)
{
    if (events.isEmpty())
        return;
    const QDateTime now = QDateTime::currentDateTime();
    for (const EtcdWatchEvent &event : events) {
        auto record = std::make_shared<Record>();
        record->event = event;
        if (m_api != EtcdApi::V2)
            rememberValue(record->event);
        if (!record->event.received.isValid())
            record->event.received = now;
        record->sequence = m_nextSequence++;
        const EtcdWatchEvent &e = record->event;
        record->bytes = e.key.size() + e.value.size() + (e.prevValue ? e.prevValue->size() : 0);
        m_bytes += record->bytes;
        if (m_paused && matches(event))
            ++m_pending;
        m_ring.push_back(std::move(record));
    }
    m_received += events.size();
    evict();
    if (!m_paused)
        showUpTo(m_nextSequence - 1);
    Q_EMIT countsChanged();
}

void EventLogModel::clear()
{
    beginResetModel();
    m_ring.clear();
    m_rows.clear();
    // Sequences keep growing so that an event is never confused with one from before the clear.
    m_shownUpTo = m_nextSequence - 1;
    m_received = 0;
    m_dropped = 0;
    m_bytes = 0;
    m_pending = 0;
    m_prevErrors.clear(); // (reads under way finish into nothing: their records are gone)
    m_prevMissing.clear();
    endResetModel();
    Q_EMIT countsChanged();
}

void EventLogModel::setCapacity(int capacity)
{
    capacity = std::max(1, capacity);
    if (capacity == m_capacity)
        return;
    m_capacity = capacity;
    evict();
    Q_EMIT countsChanged();
}

void EventLogModel::setMaxBytes(qint64 bytes)
{
    bytes = std::max<qint64>(0, bytes);
    if (bytes == m_maxBytes)
        return;
    m_maxBytes = bytes;
    evict();
    Q_EMIT countsChanged();
}

void EventLogModel::setApi(EtcdApi api)
{
    if (api == m_api)
        return;
    m_api = api;
    Q_EMIT headerDataChanged(Qt::Horizontal, RevisionColumn, RevisionColumn);
}

void EventLogModel::setKeyPrefix(const QByteArray &prefix)
{
    if (prefix == m_prefix)
        return;
    m_prefix = prefix;
    rebuild();
}

void EventLogModel::setActionShown(EtcdWatchEvent::Action action, bool shown)
{
    const quint32 mask =
        shown ? m_actionMask | actionBit(action) : m_actionMask & ~actionBit(action);
    if (mask == m_actionMask)
        return;
    m_actionMask = mask;
    rebuild();
}

bool EventLogModel::isActionShown(EtcdWatchEvent::Action action) const
{
    return m_actionMask & actionBit(action);
}

void EventLogModel::setAllActionsShown()
{
    if (m_actionMask == AllActions)
        return;
    m_actionMask = AllActions;
    rebuild();
}

bool EventLogModel::isFiltered() const
{
    return !m_prefix.isEmpty() || m_actionMask != AllActions;
}

void EventLogModel::setPaused(bool paused)
{
    if (paused == m_paused)
        return;
    m_paused = paused;
    if (!paused) {
        // Rows the ring let go of while the view was frozen go first, then what came meanwhile.
        removeRowsBefore(m_ring.empty() ? m_nextSequence : m_ring.front()->sequence);
        showUpTo(m_nextSequence - 1);
    }
    m_pending = 0;
    Q_EMIT countsChanged();
}

int EventLogModel::rowOfSequence(qint64 sequence) const
{
    const auto it =
        std::lower_bound(m_rows.begin(), m_rows.end(), sequence,
                         [](const RecordPtr &record, qint64 s) { return record->sequence < s; });
    if (it == m_rows.end() || (*it)->sequence != sequence)
        return -1;
    return int(it - m_rows.begin());
}

EtcdWatchEvent EventLogModel::eventAt(int row) const
{
    if (row < 0 || row >= int(m_rows.size()))
        return {};
    return m_rows[std::size_t(row)]->event;
}

QString EventLogModel::actionName(EtcdWatchEvent::Action action)
{
    switch (action) {
    case EtcdWatchEvent::Action::Put:
        return tr("created");
    case EtcdWatchEvent::Action::Update:
        return tr("updated");
    case EtcdWatchEvent::Action::Set:
        return tr("set");
    case EtcdWatchEvent::Action::CompareAndSwap:
        return tr("compare-and-swap");
    case EtcdWatchEvent::Action::Delete:
        return tr("deleted");
    case EtcdWatchEvent::Action::CompareAndDelete:
        return tr("compare-and-delete");
    case EtcdWatchEvent::Action::Expire:
        return tr("expired");
    }
    return {};
}

int EventLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int EventLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventLogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Record &record = *m_rows[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        return displayData(record, index.column());
    case Qt::ToolTipRole:
        return toolTipData(record, index.column());
    case Qt::ForegroundRole:
        if (index.column() == ActionColumn) {
            const QColor color = actionColor(record.event.action);
            if (color.isValid())
                return color;
        }
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == RevisionColumn)
            return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
        return {};
    case EventRole:
        return QVariant::fromValue(record.event);
    case SequenceRole:
        return record.sequence;
    case ActionRole:
        return int(record.event.action);
    case KeyRole:
        return record.event.key;
    default:
        return {};
    }
}

QVariant EventLogModel::displayData(const Record &record, int column) const
{
    const EtcdWatchEvent &event = record.event;
    switch (column) {
    case TimeColumn:
        return event.received.toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz"));
    case RevisionColumn:
        // As etcdctl prints it: no digit grouping, so it can be compared and copied.
        return QString::number(event.revision);
    case ActionColumn:
        return actionName(event.action);
    case KeyColumn:
        return displayKey(event.key);
    case BeforeColumn:
        return event.prevValue ? valuePreview(*event.prevValue, previewChars) : QString();
    case AfterColumn:
        if (event.isDelete())
            return QString();
        if (event.isDir)
            return tr("(directory)");
        return valuePreview(event.value, previewChars);
    default:
        return {};
    }
}

QVariant EventLogModel::toolTipData(const Record &record, int column) const
{
    const EtcdWatchEvent &event = record.event;
    switch (column) {
    case TimeColumn:
        return event.received.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
    case KeyColumn:
        return displayKey(event.key);
    case BeforeColumn:
        if (event.prevValue)
            return byteCount(event.prevValue->size());
        if (event.action != EtcdWatchEvent::Action::Put)
            return tr("The server did not send the value before this change");
        return {};
    case AfterColumn:
        if (event.isDelete() || event.isDir)
            return {};
        return byteCount(event.value.size());
    default:
        return {};
    }
}

QVariant EventLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || (role != Qt::DisplayRole && role != Qt::ToolTipRole))
        return {};
    const bool v2 = m_api == EtcdApi::V2;
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case TimeColumn:
            return tr("When etcdscope received the event (local time)");
        case RevisionColumn:
            return v2 ? tr("The etcd index of the change") : tr("The revision of the change");
        case BeforeColumn:
            return tr("The value before the change, cut; select the row for all of it");
        case AfterColumn:
            return tr("The value after the change, cut; select the row for all of it");
        default:
            return {};
        }
    }
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case RevisionColumn:
        return v2 ? tr("Index") : tr("Revision");
    case ActionColumn:
        return tr("Action");
    case KeyColumn:
        return tr("Key");
    case BeforeColumn:
        return tr("Before");
    case AfterColumn:
        return tr("After");
    default:
        return {};
    }
}

QHash<int, QByteArray> EventLogModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractTableModel::roleNames();
    names.insert(EventRole, "event");
    names.insert(SequenceRole, "sequence");
    names.insert(ActionRole, "action");
    names.insert(KeyRole, "key");
    return names;
}

bool EventLogModel::matches(const EtcdWatchEvent &event) const
{
    return (m_actionMask & actionBit(event.action)) && event.key.startsWith(m_prefix);
}

// Index in the ring of the first event after `sequence`. O(1): ring sequences are contiguous.
std::size_t EventLogModel::ringIndexAfter(qint64 sequence) const
{
    if (m_ring.empty())
        return 0;
    const qint64 index = sequence + 1 - m_ring.front()->sequence;
    return std::size_t(std::clamp<qint64>(index, 0, qint64(m_ring.size())));
}

void EventLogModel::evict()
{
    // How many leave: enough for the count cap, then more while over the byte cap (keeping at
    // least the newest event). O(events evicted).
    std::size_t excess =
        m_ring.size() > std::size_t(m_capacity) ? m_ring.size() - std::size_t(m_capacity) : 0;
    qint64 bytes = m_bytes;
    for (std::size_t i = 0; i < excess; ++i)
        bytes -= m_ring[i]->bytes;
    while (bytes > m_maxBytes && excess + 1 < m_ring.size())
        bytes -= m_ring[excess++]->bytes;
    if (excess == 0)
        return;
    if (m_paused) {
        for (std::size_t i = 0; i < excess; ++i) {
            const Record &record = *m_ring[i];
            if (record.sequence > m_shownUpTo && matches(record.event))
                --m_pending;
        }
    }
    // A deque drops its front in O(excess), without moving what stays.
    m_ring.erase(m_ring.begin(), m_ring.begin() + std::ptrdiff_t(excess));
    m_bytes = bytes;
    m_dropped += qint64(excess);
    // While paused the rows on screen stay, even those the ring no longer holds.
    if (!m_paused)
        removeRowsBefore(m_ring.front()->sequence);
}

// Removes the rows (all at the top) of events older than `sequence`, in one removal.
void EventLogModel::removeRowsBefore(qint64 sequence)
{
    const auto end =
        std::lower_bound(m_rows.begin(), m_rows.end(), sequence,
                         [](const RecordPtr &record, qint64 s) { return record->sequence < s; });
    const auto count = int(end - m_rows.begin());
    if (count == 0)
        return;
    beginRemoveRows(QModelIndex(), 0, count - 1);
    m_rows.erase(m_rows.begin(), end);
    endRemoveRows();
}

// Appends, in one insertion, the rows of the recorded events after m_shownUpTo up to `sequence`.
void EventLogModel::showUpTo(qint64 sequence)
{
    std::vector<RecordPtr> added;
    for (std::size_t i = ringIndexAfter(m_shownUpTo); i < m_ring.size(); ++i) {
        const RecordPtr &record = m_ring[i];
        if (record->sequence > sequence)
            break;
        if (matches(record->event))
            added.push_back(record);
    }
    m_shownUpTo = std::max(m_shownUpTo, sequence);
    if (added.empty())
        return;
    const int first = int(m_rows.size());
    beginInsertRows(QModelIndex(), first, first + int(added.size()) - 1);
    m_rows.insert(m_rows.end(), std::make_move_iterator(added.begin()),
                  std::make_move_iterator(added.end()));
    endInsertRows();
}

void EventLogModel::rebuild()
{
    beginResetModel();
    m_rows.clear();
    for (const RecordPtr &record : m_ring) {
        if (record->sequence > m_shownUpTo)
            break;
        if (matches(record->event))
            m_rows.push_back(record);
    }
    endResetModel();
    m_pending = m_paused ? countPending() : 0;
    Q_EMIT countsChanged();
}

int EventLogModel::countPending() const
{
    int count = 0;
    for (std::size_t i = ringIndexAfter(m_shownUpTo); i < m_ring.size(); ++i) {
        if (matches(m_ring[i]->event))
            ++count;
    }
    return count;
}
