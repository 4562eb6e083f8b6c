#pragma once

#include <QByteArray>
#include <QColor>
#include <QDateTime>
#include <QList>
#include <QPair>
#include <QString>

#include <optional>

// Where a registered instance listens, as read from its value. Three shapes are understood:
// JSON with "ip" / "host" / "address" (or "addr") and "port" (also nested one level, e.g.
// {"endpoint":{"ip":..,"port":..}}), "host:port" text ("[::1]:80" for IPv6), and "key=value"
// lines (ip/host/address and port; also "key: value"). Anything else is not an error: the raw
// value is shown instead.
struct ServiceAddress
{
    QString host;
    int port = -1;       // -1: none given
    bool parsed = false; // host (and maybe port) were found
    QString format;      // "json", "host:port", "key=value"; empty when not parsed

    // "10.0.0.5:8008", "[::1]:80", "10.0.0.5" (no port); empty when not parsed.
    QString text() const;

    static ServiceAddress parse(const QByteArray &value);
};

// Service type names by instance ID: "0001-0002" is a login_server when its leading number
// "0001" maps to "login_server". The mapping is the user's (editable, saved in the settings).
// The product names no type by itself (an instance shows its code alone): the defaults are
// whatever the settings hold under services/defaultTypeNames, which a site's administrator, or
// the demo (etcdscope-demo-registrar --install-type-names), writes.
class ServiceTypeNames
{
public:
    using Entry = QPair<QString, QString>; // code ("0001"), name ("login_server")

    ServiceTypeNames() = default; // no names
    explicit ServiceTypeNames(const QList<Entry> &entries)
        : m_entries(entries)
    {
    }

    // QSettings, services/defaultTypeNames (empty when none was written).
    static QList<Entry> defaults();
    static void saveDefaults(const QList<Entry> &entries);
    QList<Entry> entries() const { return m_entries; }

    // The name for an instance ID: its leading code (the digits before the first '-', '_' or
    // '.'; or the whole ID when it is only a code) looked up in the mapping; empty when the ID
    // does not follow the pattern or the code is not mapped.
    QString nameFor(const QByteArray &id) const;

    // QSettings, group "services": the user's mapping, or the defaults when none was saved.
    static ServiceTypeNames load();
    void save() const;

private:
    QList<Entry> m_entries;
};

// One registered instance: the key <service dir>/<id>, what its value says, and its heartbeat
// as the watch (and, for v3 leases, the lease's time to live) showed it.
struct ServiceInstance
{
    enum class State {
        Alive, // refreshed on time
        Late,  // not refreshed for longer than its usual interval (still there)
        Gone,  // expired or deleted; kept greyed for a while (ServiceModel::goneRetentionMs)
    };

    QByteArray key; // full key
    QByteArray id;  // the last segment
    QByteArray value;
    ServiceAddress address;
    QString typeName; // from ServiceTypeNames; empty when the ID follows no known pattern
    State state = State::Alive;

    qint64 revision = 0;    // v3 mod revision, v2 modifiedIndex of the value shown
    qint64 grantedTtl = -1; // seconds; -1: unknown or none
    // When the key (v2) or its lease (v3) will expire, as last learnt; invalid: no TTL/lease.
    QDateTime expiresAt;
    quint64 lease = 0;
    QList<QByteArray> leaseKeys; // other keys on the same lease (v3 timetolive with keys)
    QDateTime lastRefresh;       // the last heartbeat seen (v3 keep-alive: to about a second)
    QList<qint64> intervals;     // the last heartbeat gaps seen, ms (newest last)
    // v3 keep-alives: how long before each lease answer that proved a renewal it was renewed,
    // ms (to the second: the middle of it). Half the usual interval on average.
    QList<qint64> renewalAges;
    QDateTime wentAt;                // when it went (Gone)
    QDateTime registeredAt;          // when it (last) appeared
    int flaps = 0;                   // times it went and came back
    bool refreshSeenByCheck = false; // its heartbeats are not events (v3 keep-alive, v2 refresh)

    // The usual heartbeat interval, ms: the median of the gaps seen; -1 before two heartbeats.
    // Keep-alives of a lease are seen only in answers about it, a check period apart: renewals
    // sparser than that are timed one by one, denser ones from their ages (to about a second).
    qint64 usualIntervalMs() const;
    // The colour of a state, the same in the tree, the panel's header and its details: green
    // alive, orange late, grey gone.
    static QColor stateColour(State state);
    // How often a v3 lease is asked about: a quarter of its TTL, at least a second apart (etcd
    // counts the TTL in whole seconds), at most 30 s.
    static qint64 leaseCheckPeriodMs(qint64 grantedTtl);
    // Seconds until expiresAt (0 when past); -1 without one.
    qint64 remainingSeconds(const QDateTime &now) const;

    // Takes a value (its address is parsed again).
    void setValue(const QByteArray &newValue);
    // Moves to `to`: going notes when, coming back from gone counts a flap. False when already
    // there.
    bool moveTo(State to);
    // A heartbeat seen at `at` (a put, a renewal a lease answer proved): its gap to the last one
    // counts towards the usual interval.
    void heartbeat(const QDateTime &at);
    // What a v3 lease answer says for this instance: TTL, expiry, the other keys on the lease,
    // and a renewal (when it proved one) as a heartbeat.
    void applyLeaseAnswer(qint64 granted, const QDateTime &expires, const QList<QByteArray> &keys,
                          bool renewed, const QDateTime &renewedAt, qint64 renewalAgeMs);
    // How long without a heartbeat makes it late: clearly longer than the usual interval
    // (before two heartbeats were seen: a third of the TTL, when clients renew by default); -1
    // when nothing tells. ttl: the granted TTL to assume, seconds.
    qint64 lateAfterMs(qint64 ttl) const;
    // Late by its heartbeats at `now` (one on a v3 lease is judged by the lease's answers).
    bool overdueAt(const QDateTime &now) const;
};
