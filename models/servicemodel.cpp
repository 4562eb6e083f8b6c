#include "servicemodel.h"
#include "servicemodel_p.h"

#include "keydisplay.h"
#include "livetree.h"
#include "naturalsort.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <QLocale>

#include <algorithm>

// The rows and what they show; the events that change them. Where the rows come from (listings,
// lease answers, the tick) is in servicemodel_sync.cpp.

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

QColor stateColor(ServiceInstance::State state)
{
    switch (state) {
    case ServiceInstance::State::Alive:
        return QColor(0x2e, 0x7d, 0x32);
    case ServiceInstance::State::Late:
        return QColor(0xe6, 0x51, 0x00);
    case ServiceInstance::State::Gone:
        return QColor(0x75, 0x75, 0x75);
    }
    return {};
}

} // namespace

ServiceModel::ServiceModel(QObject *parent)
    : QAbstractItemModel(parent)
{
    m_tick.setInterval(500);
    connect(&m_tick, &QTimer::timeout, this, &ServiceModel::tick);
}

ServiceModel::~ServiceModel()
{
    m_tick.stop();
}

void ServiceModel::follow(LiveTree *live)
{
    if (m_live)
        m_live->disconnect(this);
    m_live = live;
    if (!live)
        return;
    connect(live, &LiveTree::eventsReceived, this, [this](const QList<EtcdWatchEvent> &events) {
        if (!isRunning())
            return;
        for (const EtcdWatchEvent &e : events)
            applyEvent(e);
        emitSummary();
    });
    // After a resynchronisation (history lost, a new run) the events in between are not coming:
    // read the services again.
    // (Resyncing, then Reconnecting while the watch starts again, then Live.)
    auto resynced = std::make_shared<bool>(false);
    connect(live, &LiveTree::stateChanged, this, [this, resynced](LiveTree::State state) {
        if (state == LiveTree::State::Resyncing)
            *resynced = true;
        if (state == LiveTree::State::Live && *resynced && isRunning()) {
            *resynced = false;
            for (const auto &s : m_services)
                listService(s.get());
        }
    });
}

// ---- services -----------------------------------------------------------------------------------

ServiceModel::Service *ServiceModel::service(const QByteArray &dir) const
{
    for (const auto &s : m_services) {
        if (s->dir == dir)
            return s.get();
    }
    return nullptr;
}

int ServiceModel::serviceRow(const Service *s) const
{
    for (size_t i = 0; i < m_services.size(); ++i) {
        if (m_services[i].get() == s)
            return int(i);
    }
    return -1;
}

bool ServiceModel::isServiceDirectory(const QByteArray &dir) const
{
    return m_marked.contains(dir) || (m_autoDetect && m_recognised.contains(dir) &&
                                      !m_hidden.contains(dir) && !m_companions.contains(dir));
}

void ServiceModel::setMarked(const QByteArray &dir, bool marked)
{
    if (dir.isEmpty() || marked == m_marked.contains(dir))
        return;
    if (marked) {
        m_marked.insert(dir);
        m_hidden.remove(dir);
    } else {
        m_marked.remove(dir);
    }
    updateServiceSet();
}

void ServiceModel::setHidden(const QByteArray &dir, bool hidden)
{
    if (dir.isEmpty() || hidden == m_hidden.contains(dir))
        return;
    if (hidden) {
        m_hidden.insert(dir);
        m_marked.remove(dir);
    } else {
        m_hidden.remove(dir);
    }
    updateServiceSet();
}

void ServiceModel::setMarkedDirectories(const QList<QByteArray> &dirs)
{
    m_marked = QSet<QByteArray>(dirs.begin(), dirs.end());
    m_marked.remove(QByteArray());
    updateServiceSet();
}

void ServiceModel::setHiddenDirectories(const QList<QByteArray> &dirs)
{
    m_hidden = QSet<QByteArray>(dirs.begin(), dirs.end());
    updateServiceSet();
}

void ServiceModel::setAutoDetect(bool on)
{
    if (m_autoDetect == on)
        return;
    m_autoDetect = on;
    if (on && isRunning())
        discover();
    updateServiceSet();
}

void ServiceModel::setTypeNames(const ServiceTypeNames &names)
{
    m_typeNames = names;
    for (const auto &s : m_services) {
        for (const auto &inst : s->instances)
            inst->typeName = m_typeNames.nameFor(inst->id);
        if (!s->instances.empty()) {
            const QModelIndex parent = indexForService(s->dir);
            Q_EMIT dataChanged(index(0, TypeColumn, parent),
                               index(int(s->instances.size()) - 1, TypeColumn, parent));
        }
        serviceChanged(s.get());
    }
    emitSummary();
}

void ServiceModel::updateServiceSet()
{
    bool changed = false;
    // Removals first (from the bottom), then additions in name order.
    for (int row = int(m_services.size()) - 1; row >= 0; --row) {
        if (!isRunning() || !isServiceDirectory(m_services[size_t(row)]->dir)) {
            // Its instances leave their leases (a lease nobody else is on is not asked again).
            for (const auto &inst : m_services[size_t(row)]->instances) {
                if (auto lease = inst->lease ? m_leases.value(inst->lease) : nullptr)
                    lease->instances.remove(inst->key);
            }
            beginRemoveRows({}, row, row);
            m_services.erase(m_services.begin() + row);
            endRemoveRows();
            changed = true;
        }
    }
    if (isRunning()) {
        QSet<QByteArray> wanted = m_marked;
        if (m_autoDetect) {
            for (const QByteArray &dir : std::as_const(m_recognised)) {
                if (!m_hidden.contains(dir) && !m_companions.contains(dir))
                    wanted.insert(dir);
            }
        }
        QList<QByteArray> added;
        for (const QByteArray &dir : std::as_const(wanted)) {
            if (!service(dir) && underRoot(dir + m_separator))
                added.append(dir);
        }
        std::sort(added.begin(), added.end(), naturalLess);
        for (const QByteArray &dir : std::as_const(added)) {
            addService(dir, m_recognised.contains(dir));
            changed = true;
        }
    }
    // Leases none of the shown instances is on any more are not asked about again.
    for (auto it = m_leases.begin(); it != m_leases.end();) {
        if (it.value()->instances.isEmpty() && it.value()->lo != 0 && !it.value()->inFlight)
            it = m_leases.erase(it);
        else
            ++it;
    }
    if (changed) {
        Q_EMIT servicesChanged();
        emitSummary();
    }
}

void ServiceModel::reviewCompanions()
{
    // A directory recognised by its leases whose every live key shares its lease with an
    // instance of another shown service that has an address, while none of its own values is an
    // address, describes those instances (load, metadata); it is not a service of its own.
    QList<QByteArray> companions;
    for (const auto &s : m_services) {
        if (m_marked.contains(s->dir) || s->listing || s->instances.empty())
            continue;
        bool companion = true;
        bool any = false;
        for (const auto &inst : s->instances) {
            if (inst->state == ServiceInstance::State::Gone)
                continue;
            if (inst->address.parsed || !inst->lease || inst->leaseKeys.isEmpty()) {
                companion = false;
                break;
            }
            bool partnered = false;
            for (const QByteArray &other : std::as_const(inst->leaseKeys)) {
                const QByteArray dir = parentDir(other);
                const ServiceInstance *partner = dir != s->dir ? instance(other) : nullptr;
                if (partner && partner->address.parsed) {
                    partnered = true;
                    break;
                }
            }
            if (!partnered) {
                companion = false;
                break;
            }
            any = true;
        }
        if (companion && any)
            companions.append(s->dir);
    }
    if (companions.isEmpty())
        return;
    for (const QByteArray &dir : std::as_const(companions))
        m_companions.insert(dir);
    updateServiceSet();
}

void ServiceModel::addService(const QByteArray &dir, bool recognised)
{
    Q_UNUSED(recognised)
    auto s = std::make_unique<Service>();
    s->dir = dir;
    const auto pos = std::lower_bound(
        m_services.begin(), m_services.end(), dir,
        [](const std::unique_ptr<Service> &a, const QByteArray &d) { return naturalLess(a->dir, d); });
    const int row = int(pos - m_services.begin());
    beginInsertRows({}, row, row);
    Service *raw = s.get();
    m_services.insert(pos, std::move(s));
    endInsertRows();
    listService(raw);
}

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
            case ServiceInstance::State::Alive: ++c.alive; break;
            case ServiceInstance::State::Late: ++c.late; break;
            case ServiceInstance::State::Gone: ++c.gone; break;
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
    const qsizetype cut = dir.lastIndexOf(m_separator);
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

// ---- instances --------------------------------------------------------------------------------

QByteArray ServiceModel::parentDir(const QByteArray &key) const
{
    const qsizetype cut = key.lastIndexOf(m_separator);
    return cut > 0 ? key.left(cut) : QByteArray();
}

bool ServiceModel::underRoot(const QByteArray &key) const
{
    return key.startsWith(m_rootPrefix);
}

const ServiceInstance *ServiceModel::instance(const QByteArray &key) const
{
    const Service *s = service(parentDir(key));
    return s ? s->byKey.value(key) : nullptr;
}

ServiceInstance *ServiceModel::upsert(Service *s, const QByteArray &key, bool *inserted)
{
    *inserted = false;
    if (ServiceInstance *inst = s->byKey.value(key))
        return inst;
    auto inst = std::make_unique<ServiceInstance>();
    inst->key = key;
    inst->id = key.mid(s->dir.size() + 1);
    inst->typeName = m_typeNames.nameFor(inst->id);
    const auto pos = std::lower_bound(s->instances.begin(), s->instances.end(), inst->id,
                                      [](const std::unique_ptr<ServiceInstance> &a,
                                         const QByteArray &id) { return naturalLess(a->id, id); });
    const int row = int(pos - s->instances.begin());
    beginInsertRows(index(serviceRow(s), 0), row, row);
    ServiceInstance *raw = inst.get();
    s->byKey.insert(key, raw);
    s->instances.insert(pos, std::move(inst));
    endInsertRows();
    *inserted = true;
    return raw;
}

void ServiceModel::setValue(ServiceInstance *inst, const QByteArray &value)
{
    if (inst->value == value && (inst->address.parsed || !value.isEmpty()))
        return;
    inst->value = value;
    inst->address = ServiceAddress::parse(value);
}

void ServiceModel::refreshed(ServiceInstance *inst, const QDateTime &at)
{
    if (inst->lastRefresh.isValid() && inst->state != ServiceInstance::State::Gone) {
        const qint64 gap = inst->lastRefresh.msecsTo(at);
        // Two writes of one heartbeat (a key and its twin) are not two heartbeats.
        if (gap < 100)
            return;
        inst->intervals.append(gap);
        while (inst->intervals.size() > 12)
            inst->intervals.removeFirst();
    }
    if (!inst->lastRefresh.isValid() || at > inst->lastRefresh)
        inst->lastRefresh = at;
}

void ServiceModel::setState(Service *s, ServiceInstance *inst, ServiceInstance::State state)
{
    if (inst->state == state)
        return;
    const bool back = inst->state == ServiceInstance::State::Gone;
    inst->state = state;
    if (state == ServiceInstance::State::Gone) {
        inst->wentAt = QDateTime::currentDateTimeUtc();
        inst->expiresAt = {};
    } else if (back) {
        ++inst->flaps;
        inst->wentAt = {};
        inst->registeredAt = QDateTime::currentDateTimeUtc();
    }
    instanceChanged(s, inst);
    serviceChanged(s);
    Q_EMIT instanceStateChanged(inst->key, state);
}

void ServiceModel::instanceChanged(Service *s, ServiceInstance *inst)
{
    const int row = s->rowOf(inst);
    if (row < 0)
        return;
    const QModelIndex parent = index(serviceRow(s), 0);
    Q_EMIT dataChanged(index(row, 0, parent), index(row, ColumnCount - 1, parent));
}

void ServiceModel::serviceChanged(Service *s)
{
    const int row = serviceRow(s);
    if (row >= 0)
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void ServiceModel::applyEvent(const EtcdWatchEvent &e)
{
    if (!underRoot(e.key))
        return;
    const QDateTime at = e.received.isValid() ? e.received.toUTC()
                                              : QDateTime::currentDateTimeUtc();
    if (e.isDir) {
        // v2: a directory deleted or expired takes every instance below it.
        if (!e.isDelete())
            return;
        for (const auto &s : m_services) {
            if (s->dir != e.key && !s->dir.startsWith(e.key + m_separator))
                continue;
            for (const auto &inst : s->instances) {
                if (inst->state != ServiceInstance::State::Gone && e.revision > inst->revision) {
                    inst->revision = e.revision;
                    setState(s.get(), inst.get(), ServiceInstance::State::Gone);
                }
            }
        }
        return;
    }
    const QByteArray dir = parentDir(e.key);
    Service *s = service(dir);
    if (!s) {
        if (!e.isDelete() && (e.lease != 0 || e.ttl >= 0))
            considerCandidate(dir);
        return;
    }
    if (e.isDelete()) {
        ServiceInstance *inst = s->byKey.value(e.key);
        if (!inst || e.revision <= inst->revision)
            return;
        inst->revision = e.revision;
        const quint64 oldLease = inst->lease;
        inst->lease = 0;
        trackLease(inst, oldLease);
        setState(s, inst, ServiceInstance::State::Gone);
        return;
    }
    bool inserted = false;
    ServiceInstance *inst = upsert(s, e.key, &inserted);
    if (!inserted && e.revision <= inst->revision)
        return; // the listing already showed this one, or newer
    const bool wasGone = inst->state == ServiceInstance::State::Gone;
    inst->revision = e.revision;
    setValue(inst, e.value);
    if (inserted || wasGone || e.version == 1) {
        inst->registeredAt = at;
        inst->intervals.clear();
        inst->renewalAges.clear();
        inst->lastRefresh = {};
    }
    if (e.ttl >= 0) {
        // v2: an event carries the TTL just set (the granted one) and the exact expiry.
        inst->grantedTtl = e.ttl;
        inst->expiresAt = e.expiration.isValid() ? e.expiration.toUTC() : at.addSecs(e.ttl);
    } else if (!e.lease) {
        inst->grantedTtl = -1;
        inst->expiresAt = {};
    }
    // A put is a heartbeat of whoever wrote it (a v3 lease's keep-alive is not an event; the
    // lease's answers say when it was renewed).
    refreshed(inst, at);
    if (wasGone)
        setState(s, inst, ServiceInstance::State::Alive);
    else if (inst->state == ServiceInstance::State::Late)
        setState(s, inst, ServiceInstance::State::Alive);
    const quint64 oldLease = inst->lease;
    inst->lease = e.lease;
    if (oldLease != e.lease || e.lease)
        trackLease(inst, oldLease);
    instanceChanged(s, inst);
    serviceChanged(s);
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
    const Service *s = service(parentDir(key));
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
    case ServiceInstance::State::Alive: return tr("alive");
    case ServiceInstance::State::Late: return tr("late");
    case ServiceInstance::State::Gone: return tr("gone");
    }
    return {};
}

QVariant ServiceModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn: return tr("Service / Instance");
    case TypeColumn: return tr("Type");
    case StateColumn: return tr("State");
    case AddressColumn: return tr("Address");
    case RemainingColumn: return tr("Expires in");
    case TtlColumn: return tr("TTL");
    case LeaseColumn: return tr("Lease");
    case RefreshColumn: return tr("Last heartbeat");
    case IntervalColumn: return tr("Interval");
    case FlapsColumn: return tr("Flaps");
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
        case KeyRole: return s->dir;
        case IsServiceRole: return true;
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
    case KeyRole: return inst->key;
    case StateRole: return int(inst->state);
    case IsServiceRole: return false;
    case Qt::ForegroundRole:
        if (gone)
            return QBrush(stateColor(ServiceInstance::State::Gone));
        if (index.column() == StateColumn)
            return QBrush(stateColor(inst->state));
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
            return keys.isEmpty() ? tr("Lease %1 (%2): no other key").arg(leaseHex(inst->lease)).arg(inst->lease)
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
    case NameColumn: return displayKey(inst->id);
    case TypeColumn: return inst->typeName;
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
    case TtlColumn: return inst->grantedTtl >= 0 ? secondsText(inst->grantedTtl) : QString();
    case LeaseColumn:
        if (!inst->lease)
            return QString();
        return inst->leaseKeys.isEmpty()
                   ? leaseHex(inst->lease)
                   : tr("%1 (+%n key(s))", nullptr, int(inst->leaseKeys.size()))
                         .arg(leaseHex(inst->lease));
    case RefreshColumn: return timeText(inst->lastRefresh);
    case IntervalColumn: {
        const qint64 ms = inst->usualIntervalMs();
        if (ms < 0)
            return QString();
        return inst->refreshSeenByCheck ? tr("≈%1").arg(intervalText(ms)) : intervalText(ms);
    }
    case FlapsColumn: return inst->flaps;
    }
    return {};
}
