#include "servicemodel.h"
#include "servicemodel_p.h"

#include "keydisplay.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <QLocale>

// What the rows show: counts, names, the header's summary, and the QAbstractItemModel side.

namespace {

QString secondsText(qint64 s)
{
    if (s < 120)
        return ServiceModel::tr("%n s", nullptr, int(s));
    if (s < 7200)
        return ServiceModel::tr("%1 min %2 s").arg(s / 60).arg(s % 60);
    return ServiceModel::tr("%1 h %2 min").arg(s / 3600).arg(s % 3600 / 60);
}

QString intervalText(qint64 ms)
{
    if (ms < 10000)
        return ServiceModel::tr("%1 s").arg(QLocale().toString(ms / 1000.0, 'f', 1));
    return secondsText((ms + 500) / 1000);
}

QString timeText(const QDateTime &t)
{
    return t.isValid() ? t.toLocalTime().toString(QStringLiteral("HH:mm:ss")) : QString();
}

QString leaseHex(quint64 id)
{
    return QString::number(id, 16);
}

} // namespace

QList<QByteArray> ServiceModel::serviceDirectories() const
{
    QList<QByteArray> dirs;
    for (const auto &s : m_services)
        dirs.append(s->dir);
    return dirs;
}

ServiceModel::Counts ServiceModel::counts(const QByteArray &dir) const
{
    Counts c;
    if (const Service *s = service(dir)) {
        for (const auto &inst : s->instances) {
            switch (inst->state) {
            case ServiceInstance::State::Alive:
                ++c.alive;
                break;
            case ServiceInstance::State::Late:
                ++c.late;
                break;
            case ServiceInstance::State::Gone:
                ++c.gone;
                break;
            }
        }
    }
    return c;
}

QString ServiceModel::serviceName(const QByteArray &dir) const
{
    const Service *s = service(dir);
    QString shared;
    bool uniform = s && !s->instances.empty();
    if (s) {
        for (const auto &inst : s->instances) {
            if (inst->typeName.isEmpty() || (!shared.isEmpty() && inst->typeName != shared)) {
                uniform = false;
                break;
            }
            shared = inst->typeName;
        }
    }
    if (uniform)
        return shared;
    const qsizetype cut = dir.lastIndexOf(separator());
    return displayKey(cut >= 0 && cut + 1 < dir.size() ? dir.mid(cut + 1) : dir);
}

static QString countsText(const ServiceModel::Counts &c)
{
    QStringList parts;
    parts << ServiceModel::tr("%1 alive").arg(c.alive);
    if (c.late)
        parts << ServiceModel::tr("%1 late").arg(c.late);
    if (c.gone)
        parts << ServiceModel::tr("%1 gone").arg(c.gone);
    return parts.join(QStringLiteral(", "));
}

QString ServiceModel::summary() const
{
    if (m_services.empty())
        return isRunning() ? tr("No services found") : QString();
    QStringList parts;
    for (const auto &s : m_services)
        parts << tr("%1: %2").arg(serviceName(s->dir), countsText(counts(s->dir)));
    return parts.join(QStringLiteral(" · "));
}

void ServiceModel::emitSummary()
{
    const QString text = summary();
    if (text == m_lastSummary)
        return;
    m_lastSummary = text;
    Q_EMIT summaryChanged(text);
}

// ---- QAbstractItemModel -----------------------------------------------------------------------

QModelIndex ServiceModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount)
        return {};
    if (!parent.isValid())
        return row < int(m_services.size()) ? createIndex(row, column, nullptr) : QModelIndex();
    if (parent.internalPointer() || parent.row() >= int(m_services.size()))
        return {};
    Service *s = m_services[size_t(parent.row())].get();
    return row < int(s->instances.size()) ? createIndex(row, column, s) : QModelIndex();
}

QModelIndex ServiceModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || !child.internalPointer())
        return {};
    const int row = serviceRow(static_cast<Service *>(child.internalPointer()));
    return row >= 0 ? createIndex(row, 0, nullptr) : QModelIndex();
}

int ServiceModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_services.size());
    if (parent.internalPointer() || parent.column() != 0 || parent.row() >= int(m_services.size()))
        return 0;
    return int(m_services[size_t(parent.row())]->instances.size());
}

int ServiceModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

const ServiceInstance *ServiceModel::instance(const QModelIndex &index) const
{
    if (!index.isValid() || index.model() != this || !index.internalPointer())
        return nullptr;
    const auto *s = static_cast<const Service *>(index.internalPointer());
    return index.row() < int(s->instances.size()) ? s->instances[size_t(index.row())].get()
                                                  : nullptr;
}

QModelIndex ServiceModel::indexForKey(const QByteArray &key, int column) const
{
    const Service *s = service(m_monitor->parentDir(key));
    if (!s)
        return {};
    const ServiceInstance *inst = s->byKey.value(key);
    const int row = inst ? s->rowOf(inst) : -1;
    return row >= 0 ? index(row, column, index(serviceRow(s), 0)) : QModelIndex();
}

QModelIndex ServiceModel::indexForService(const QByteArray &dir, int column) const
{
    const Service *s = service(dir);
    return s ? index(serviceRow(s), column) : QModelIndex();
}

QString ServiceModel::stateName(ServiceInstance::State state)
{
    switch (state) {
    case ServiceInstance::State::Alive:
        return tr("alive");
    case ServiceInstance::State::Late:
        return tr("late");
    case ServiceInstance::State::Gone:
        return tr("gone");
    }
    return {};
}

QVariant ServiceModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Service / Instance");
    case TypeColumn:
        return tr("Type");
    case StateColumn:
        return tr("State");
    case AddressColumn:
        return tr("Address");
    case RemainingColumn:
        return tr("Expires in");
    case TtlColumn:
        return tr("TTL");
    case LeaseColumn:
        return tr("Lease");
    case RefreshColumn:
        return tr("Last heartbeat");
    case IntervalColumn:
        return tr("Interval");
    case FlapsColumn:
        return tr("Flaps");
    }
    return {};
}

QVariant ServiceModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this)
        return {};
    if (!index.internalPointer()) {
        if (index.row() >= int(m_services.size()))
            return {};
        const Service *s = m_services[size_t(index.row())].get();
        switch (role) {
        case KeyRole:
            return s->dir;
        case IsServiceRole:
            return true;
        case Qt::FontRole: {
            QFont f;
            f.setBold(index.column() == NameColumn);
            return f;
        }
        case Qt::ToolTipRole:
            return m_marked.contains(s->dir)
                       ? tr("%1: shown as services because you marked it").arg(displayKey(s->dir))
                       : tr("%1: recognised as services (most keys in it carry a TTL or a lease)")
                             .arg(displayKey(s->dir));
        case Qt::DisplayRole:
            if (index.column() == NameColumn)
                return displayKey(s->dir);
            if (index.column() == TypeColumn)
                return serviceName(s->dir);
            if (index.column() == StateColumn)
                return s->listing && s->instances.empty() ? tr("listing…")
                                                          : countsText(counts(s->dir));
            return {};
        }
        return {};
    }
    const ServiceInstance *inst = instance(index);
    if (!inst)
        return {};
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const bool gone = inst->state == ServiceInstance::State::Gone;
    switch (role) {
    case KeyRole:
        return inst->key;
    case StateRole:
        return int(inst->state);
    case IsServiceRole:
        return false;
    case Qt::ForegroundRole:
        if (gone)
            return QBrush(ServiceInstance::stateColour(ServiceInstance::State::Gone));
        if (index.column() == StateColumn)
            return QBrush(ServiceInstance::stateColour(inst->state));
        return {};
    case Qt::FontRole:
        if (gone) {
            QFont f;
            f.setItalic(true);
            return f;
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == AddressColumn)
            return QString::fromUtf8(inst->value.left(2000));
        if (index.column() == LeaseColumn && inst->lease) {
            QStringList keys;
            for (const QByteArray &k : inst->leaseKeys)
                keys << displayKey(k);
            return keys.isEmpty() ? tr("Lease %1 (%2): no other key")
                                        .arg(leaseHex(inst->lease))
                                        .arg(inst->lease)
                                  : tr("Lease %1 (%2), also on it:\n%3")
                                        .arg(leaseHex(inst->lease))
                                        .arg(inst->lease)
                                        .arg(keys.join(QLatin1Char('\n')));
        }
        return displayKey(inst->key);
    case Qt::DisplayRole:
        break;
    default:
        return {};
    }
    switch (index.column()) {
    case NameColumn:
        return displayKey(inst->id);
    case TypeColumn:
        return inst->typeName;
    case StateColumn:
        if (gone)
            return tr("gone %1").arg(timeText(inst->wentAt));
        if (inst->state == ServiceInstance::State::Late && inst->lastRefresh.isValid())
            return tr("late (%1 since heartbeat)").arg(secondsText(inst->lastRefresh.secsTo(now)));
        return stateName(inst->state);
    case AddressColumn:
        if (inst->address.parsed)
            return inst->address.text();
        return QString::fromUtf8(inst->value.left(200)).simplified();
    case RemainingColumn: {
        if (gone)
            return QString();
        const qint64 s = inst->remainingSeconds(now);
        if (s < 0)
            return inst->lease ? tr("…") : tr("no TTL");
        return s == 0 ? tr("expiring") : secondsText(s);
    }
    case TtlColumn:
        return inst->grantedTtl >= 0 ? secondsText(inst->grantedTtl) : QString();
    case LeaseColumn:
        if (!inst->lease)
            return QString();
        return inst->leaseKeys.isEmpty()
                   ? leaseHex(inst->lease)
                   : tr("%1 (+%n key(s))", nullptr, int(inst->leaseKeys.size()))
                         .arg(leaseHex(inst->lease));
    case RefreshColumn:
        return timeText(inst->lastRefresh);
    case IntervalColumn: {
        const qint64 ms = inst->usualIntervalMs();
        if (ms < 0)
            return QString();
        return inst->refreshSeenByCheck ? tr("≈%1").arg(intervalText(ms)) : intervalText(ms);
    }
    case FlapsColumn:
        return inst->flaps;
    }
    return {};
}
