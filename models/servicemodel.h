#pragma once

#include "etcderror.h"
#include "etcdwatchevent.h"
#include "serviceinstance.h"
#include "servicemonitor.h"
#include "serviceselection.h"

#include <QAbstractItemModel>
#include <QHash>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <memory>
#include <vector>

class LiveTree;

// Services that register themselves with heartbeats, the way Consul's UI shows them: one row per
// service directory, its instances as children, each with its address, its TTL or lease counting
// down, its heartbeat and a state (alive, late, gone).
//
// Service directories are the ones the user marks (setMarked) plus those the monitor recognises
// (directories whose keys mostly carry a TTL or a lease; see ServiceMonitor). The user can also
// hide a recognised one (setHidden).
//
// The model asks nothing itself: its monitor() lists the service directories and asks what no
// event says (a v3 lease renewed by keep-alive, a v2 key renewed with refresh=true); the model
// turns those findings into instances. Everything else comes from the live tree's watch
// (follow()): puts refresh an instance, deletes and expiries make it gone, a re-registration
// brings it back and counts a flap.
//
// Rows: services in name order, instances in natural order of their IDs. Columns below.
class ServiceModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column {
        NameColumn,      // service: its directory; instance: its ID
        TypeColumn,      // service type name
        StateColumn,     // service: "3 alive, 1 late"; instance: alive / late / gone
        AddressColumn,   // host:port, or the raw value when not understood
        RemainingColumn, // TTL or lease remaining, counting down
        TtlColumn,       // granted TTL
        LeaseColumn,     // lease ID (hex) and how many other keys share it
        RefreshColumn,   // last heartbeat
        IntervalColumn,  // usual heartbeat interval
        FlapsColumn,     // times gone and back
        ColumnCount
    };
    enum Role {
        KeyRole = Qt::UserRole + 1, // QByteArray: the instance's key, or the service directory
        StateRole,                  // int(ServiceInstance::State); instances only
        IsServiceRole,              // bool
    };

    struct Counts
    {
        int alive = 0;
        int late = 0;
        int gone = 0;
    };

    explicit ServiceModel(QObject *parent = nullptr);
    ~ServiceModel() override;

    // Follows `live`'s events (and re-reads the services after it resynchronised).
    void follow(LiveTree *live);
    // What asks etcd for the model: monitor()->start(client, separator, rootPrefix) shows the
    // services of a connection, monitor()->stop() none.
    ServiceMonitor *monitor() const { return m_monitor; }
    bool isRunning() const { return m_monitor->isRunning(); }

    // Marked directories (full keys, no trailing separator: "/login_servers") are services
    // whatever their children carry; hidden ones are not, even when recognised.
    void setMarked(const QByteArray &dir, bool marked);
    void setHidden(const QByteArray &dir, bool hidden);
    QList<QByteArray> markedDirectories() const { return m_selection.marked(); }
    QList<QByteArray> hiddenDirectories() const { return m_selection.hidden(); }
    void setMarkedDirectories(const QList<QByteArray> &dirs);
    void setHiddenDirectories(const QList<QByteArray> &dirs);
    bool isMarked(const QByteArray &dir) const { return m_selection.isMarked(dir); }
    // Shown as a service now: marked, or recognised and neither hidden nor a companion (a
    // directory whose keys only share the leases of another service's instances, without
    // addresses of their own: "/load/0001-0001" beside "/login_servers/0001-0001").
    bool isServiceDirectory(const QByteArray &dir) const;
    bool isRecognised(const QByteArray &dir) const { return m_monitor->recognised().contains(dir); }
    bool isCompanion(const QByteArray &dir) const { return m_selection.isCompanion(dir); }
    char separator() const { return m_monitor->separator(); }
    void setAutoDetect(bool on);
    bool autoDetect() const { return m_monitor->autoDetect(); }

    void setTypeNames(const ServiceTypeNames &names);
    const ServiceTypeNames &typeNames() const { return m_typeNames; }
    // How long a gone instance stays (greyed). Default 10 minutes.
    void setGoneRetentionMs(qint64 ms) { m_goneRetentionMs = ms; }
    qint64 goneRetentionMs() const { return m_goneRetentionMs; }

    // Lookup.
    const ServiceInstance *instance(const QModelIndex &index) const;
    const ServiceInstance *instance(const QByteArray &key) const;
    QModelIndex indexForKey(const QByteArray &key, int column = 0) const;
    QModelIndex indexForService(const QByteArray &dir, int column = 0) const;
    QList<QByteArray> serviceDirectories() const; // as shown, in row order
    Counts counts(const QByteArray &dir) const;
    // The service's name in the header: the type name its instances share, else its last
    // segment ("login_servers").
    QString serviceName(const QByteArray &dir) const;
    // "login_server: 3 alive, 1 late · msg_server: 2 alive"; "No services found" when none.
    QString summary() const;

    // QAbstractItemModel
    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    static QString stateName(ServiceInstance::State state);

Q_SIGNALS:
    void summaryChanged(const QString &summary);
    // A directory became a service or stopped being one (marked, recognised, hidden).
    void servicesChanged();
    // An instance changed state (for the panel's log and tests).
    void instanceStateChanged(const QByteArray &key, ServiceInstance::State state);
    // A listing or lookup failed (the rest goes on).
    void errorOccurred(const EtcdError &error);

private:
    struct Service;

    // services
    Service *service(const QByteArray &dir) const;
    int serviceRow(const Service *s) const;
    void addService(const QByteArray &dir);
    void listService(Service *s);
    void updateServiceSet();
    void reviewCompanions();
    void onStarted();
    void onStopped();
    // instances
    void applyEvent(const EtcdWatchEvent &e);
    ServiceInstance *upsert(Service *s, const QByteArray &key, bool *inserted);
    void setState(Service *s, ServiceInstance *inst, ServiceInstance::State state);
    void instanceChanged(Service *s, ServiceInstance *inst);
    void serviceChanged(Service *s);
    void trackLease(ServiceInstance *inst, quint64 oldLease);
    // the monitor's findings (servicemodel_sync.cpp)
    void onEntriesListed(const QByteArray &dir, const QList<ServiceMonitor::Entry> &entries);
    void onListingFinished(const QByteArray &dir, qint64 revision, const QList<QByteArray> &seen,
                           bool complete);
    void onLeaseChecked(const ServiceMonitor::LeaseFinding &f);
    void onV2KeyReread(const QByteArray &key, bool exists, const QDateTime &expiration);
    void tick();
    void emitSummary();

    ServiceMonitor *m_monitor; // a child
    QPointer<LiveTree> m_live;
    ServiceSelection m_selection; // marked, hidden, companions
    ServiceTypeNames m_typeNames;
    qint64 m_goneRetentionMs = 10 * 60 * 1000;
    std::vector<std::unique_ptr<Service>> m_services;  // in row order
    QHash<quint64, QSet<QByteArray>> m_leaseInstances; // the instances on each v3 lease
    QTimer m_tick; // countdowns, late detection, v2 re-reads, pruning
    QString m_lastSummary;
};
