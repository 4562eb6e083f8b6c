#include "servicemodel.h"
#include "servicemodel_p.h"

#include "livetree.h"
#include "naturalsort.h"

#include <algorithm>

// The services and their instances, and the events that change them. What the rows show is in
// servicemodel_data.cpp; the monitor's findings (listings, lease answers) and the tick in
// servicemodel_sync.cpp.

ServiceModel::ServiceModel(QObject *parent)
    : QAbstractItemModel(parent)
    , m_monitor(new ServiceMonitor(this))
{
    m_tick.setInterval(500);
    connect(&m_tick, &QTimer::timeout, this, &ServiceModel::tick);
    connect(m_monitor, &ServiceMonitor::started, this, &ServiceModel::onStarted);
    connect(m_monitor, &ServiceMonitor::stopped, this, &ServiceModel::onStopped);
    connect(m_monitor, &ServiceMonitor::directoryRecognised, this, &ServiceModel::updateServiceSet);
    connect(m_monitor, &ServiceMonitor::entriesListed, this, &ServiceModel::onEntriesListed);
    connect(m_monitor, &ServiceMonitor::listingFinished, this, &ServiceModel::onListingFinished);
    connect(m_monitor, &ServiceMonitor::leaseChecked, this, &ServiceModel::onLeaseChecked);
    connect(m_monitor, &ServiceMonitor::v2KeyReread, this, &ServiceModel::onV2KeyReread);
    connect(m_monitor, &ServiceMonitor::errorOccurred, this, &ServiceModel::errorOccurred);
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
    return m_selection.isShown(dir, m_monitor->recognised(), autoDetect());
}

void ServiceModel::setMarked(const QByteArray &dir, bool marked)
{
    if (m_selection.setMarked(dir, marked))
        updateServiceSet();
}

void ServiceModel::setHidden(const QByteArray &dir, bool hidden)
{
    if (m_selection.setHidden(dir, hidden))
        updateServiceSet();
}

void ServiceModel::setMarkedDirectories(const QList<QByteArray> &dirs)
{
    m_selection.setMarked(dirs);
    updateServiceSet();
}

void ServiceModel::setHiddenDirectories(const QList<QByteArray> &dirs)
{
    m_selection.setHidden(dirs);
    updateServiceSet();
}

void ServiceModel::setAutoDetect(bool on)
{
    if (autoDetect() == on)
        return;
    m_monitor->setAutoDetect(on);
    updateServiceSet();
}

void ServiceModel::onStarted()
{
    m_tick.start();
    updateServiceSet(); // the marked ones
    emitSummary();
}

void ServiceModel::onStopped()
{
    m_tick.stop();
    beginResetModel();
    m_services.clear();
    endResetModel();
    m_leaseInstances.clear();
    m_selection.clearCompanions();
    emitSummary();
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
                const quint64 lease = inst->lease;
                inst->lease = 0;
                trackLease(inst.get(), lease);
            }
            beginRemoveRows({}, row, row);
            m_services.erase(m_services.begin() + row);
            endRemoveRows();
            changed = true;
        }
    }
    if (isRunning()) {
        const QSet<QByteArray> wanted = m_selection.shown(m_monitor->recognised(), autoDetect());
        QList<QByteArray> added;
        for (const QByteArray &dir : std::as_const(wanted)) {
            if (!service(dir) && m_monitor->underRoot(dir + separator()))
                added.append(dir);
        }
        std::sort(added.begin(), added.end(), naturalLess);
        for (const QByteArray &dir : std::as_const(added)) {
            addService(dir);
            changed = true;
        }
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
        if (m_selection.isMarked(s->dir) || s->listing || s->instances.empty())
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
                const QByteArray dir = m_monitor->parentDir(other);
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
        m_selection.addCompanion(dir);
    updateServiceSet();
}

void ServiceModel::addService(const QByteArray &dir)
{
    auto s = std::make_unique<Service>();
    s->dir = dir;
    const auto pos = std::lower_bound(m_services.begin(), m_services.end(), dir,
                                      [](const std::unique_ptr<Service> &a, const QByteArray &d) {
                                          return naturalLess(a->dir, d);
                                      });
    const int row = int(pos - m_services.begin());
    beginInsertRows({}, row, row);
    Service *raw = s.get();
    m_services.insert(pos, std::move(s));
    endInsertRows();
    listService(raw);
}

void ServiceModel::listService(Service *s)
{
    s->listing = true;
    m_monitor->listService(s->dir);
}

// ---- instances --------------------------------------------------------------------------------

const ServiceInstance *ServiceModel::instance(const QByteArray &key) const
{
    const Service *s = service(m_monitor->parentDir(key));
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

void ServiceModel::setState(Service *s, ServiceInstance *inst, ServiceInstance::State state)
{
    if (!inst->moveTo(state))
        return;
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
    if (!m_monitor->underRoot(e.key))
        return;
    const QDateTime at =
        e.received.isValid() ? e.received.toUTC() : QDateTime::currentDateTimeUtc();
    if (e.isDir) {
        // v2: a directory deleted or expired takes every instance below it.
        if (!e.isDelete())
            return;
        for (const auto &s : m_services) {
            if (s->dir != e.key && !s->dir.startsWith(e.key + separator()))
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
    const QByteArray dir = m_monitor->parentDir(e.key);
    Service *s = service(dir);
    if (!s) {
        if (!e.isDelete() && (e.lease != 0 || e.ttl >= 0))
            m_monitor->considerCandidate(dir);
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
    inst->setValue(e.value);
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
    inst->heartbeat(at);
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
