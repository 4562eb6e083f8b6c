#pragma once

#include "etcderror.h"

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <memory>
#include <optional>

class EtcdClient;
class LeaseTtlCache;

// Everything the services view asks etcd, and when (KCoreDirLister's role beside ServiceModel's
// KDirModel): it recognises service directories, lists them, asks about the v3 leases their
// instances are on and reads again v2 keys renewed without an event. It knows no rows; it emits
// what it found and ServiceModel turns that into instances.
//
// Recognising: a directory is a service directory when more than half of the keys in it carry a
// TTL (v2) or a lease (v3). Candidates come from v3's lease list (the keys on each lease), from a
// shallow walk of the top of a v2 store, and from the model (every watch event that puts a key
// with a TTL or a lease); each candidate's level is listed once (again after a while when an
// event suggests it again).
//
// Leases: a keep-alive changes no key, so each lease some instance is on is asked about through
// the connection's LeaseTtlCache when first seen and then a quarter of its TTL apart (give or
// take a tenth), or sooner when the model wants to know before an instance would turn late. At
// most 4 of these questions are out at once and 40 leave a second: a registry of thousands of
// instances must not turn the view into a load on the cluster.
class ServiceMonitor : public QObject
{
    Q_OBJECT
public:
    // One key of a service directory as a listing found it.
    struct Entry
    {
        QByteArray key;
        QByteArray value;
        qint64 revision = 0;       // v3 mod revision, v2 modifiedIndex
        quint64 lease = 0;         // v3: 0 when none
        std::optional<qint64> ttl; // v2: seconds left when read; unset when it does not expire
        QDateTime expiration;      // v2, UTC
    };

    // What an answer about a lease says for the instances on it.
    struct LeaseFinding
    {
        quint64 id = 0;
        bool gone = false;      // expired or revoked: its keys' deletes are on their way
        qint64 grantedTtl = 0;  // seconds
        QDateTime expiresAt;    // the middle of what the answers allow
        QList<QByteArray> keys; // every key on the lease
        bool renewed = false;   // proves a renewal since the previous answer
        QDateTime renewedAt;    // the last renewal, to about a second
        // Time the lease has certainly gone without a renewal when the answer came, ms (-1:
        // this answer cannot tell).
        qint64 idleMs = -1;
        qint64 renewalAgeMs = -1; // renewed: how long before the answer it was
    };

    explicit ServiceMonitor(QObject *parent = nullptr);
    ~ServiceMonitor() override;

    // The connection's shared cache of lease answers. Without one, start() makes one of its own
    // on the client.
    void setLeaseCache(LeaseTtlCache *cache);
    LeaseTtlCache *leaseCache() const;

    // Starts on a discovered client (restarts when running): started() follows, then the
    // recognising. separator splits v3 keys into directories; rootPrefix limits where services
    // are looked for (the tree's root prefix).
    void start(EtcdClient *client, char separator = '/', const QByteArray &rootPrefix = {});
    void stop();
    bool isRunning() const { return !m_client.isNull(); }
    bool isV2() const { return m_v2; }
    char separator() const { return m_separator; }
    bool underRoot(const QByteArray &key) const { return key.startsWith(m_rootPrefix); }
    QByteArray parentDir(const QByteArray &key) const;

    // Whether directories are recognised by themselves; turning it on while running looks again.
    void setAutoDetect(bool on);
    bool autoDetect() const { return m_autoDetect; }
    const QSet<QByteArray> &recognised() const { return m_recognised; }
    // A put with a TTL or a lease in `dir`: looked at unless recognised or looked at lately.
    void considerCandidate(const QByteArray &dir);

    // Lists a service directory (again): entriesListed batches, then listingFinished. A newer
    // listing of the same directory drops the older one's answers.
    void listService(const QByteArray &dir);

    // An instance is on the lease now (a new one, or another key put with it): asked about soon.
    void watchLease(quint64 id);
    // No instance is on it any more: not asked about again.
    void unwatchLease(quint64 id);
    // Asked about again no later than atMs (ms since the epoch; at least a second after the last
    // answer).
    void checkLeaseBy(quint64 id, qint64 atMs);
    // The last answer about a watched lease; null before the first.
    const LeaseFinding *leaseFinding(quint64 id) const;

    // v2: reads a key again that should have expired by now and did not (renewed with
    // refresh=true, which wakes no watcher). One read per key at a time.
    void rereadV2Key(const QByteArray &key);

Q_SIGNALS:
    void started();
    void stopped();
    void directoryRecognised(const QByteArray &dir);
    void entriesListed(const QByteArray &dir, const QList<ServiceMonitor::Entry> &entries);
    // complete: every key of the level came, at `revision` or later; otherwise the listing
    // failed (errorOccurred said why, unless the directory was simply not there).
    void listingFinished(const QByteArray &dir, qint64 revision, const QList<QByteArray> &seen,
                         bool complete);
    void leaseChecked(const ServiceMonitor::LeaseFinding &finding);
    // exists false: the key is not there any more; else its expiration now.
    void v2KeyReread(const QByteArray &key, bool exists, const QDateTime &expiration);
    // A listing or lookup failed (the rest goes on).
    void errorOccurred(const EtcdError &error);

private:
    struct Lease;
    struct Listing;

    void discover();
    void checkCandidate(const QByteArray &dir);
    void concludeCandidate(const QByteArray &dir, int keys, int expiring);
    void listV2(const QByteArray &dir, quint64 token);
    void listV3(const QByteArray &dir, quint64 token);
    void finishListing(const QByteArray &dir, quint64 token, qint64 revision,
                       const QList<QByteArray> &seen, const EtcdError &error);
    bool isCurrent(const QByteArray &dir, quint64 token) const;
    // A lease of the lease list at start: asked about once, for the keys on it.
    void addDiscoveryLease(quint64 id);
    void scheduleChecks();
    void askLease(quint64 id);
    void onLeaseAnswered(quint64 id);

    QPointer<EtcdClient> m_client;
    QPointer<LeaseTtlCache> m_cache;
    std::unique_ptr<LeaseTtlCache> m_ownCache; // when no shared one was given
    bool m_v2 = false;
    char m_separator = '/';
    QByteArray m_rootPrefix;
    quint64 m_generation = 0; // bumped by start()/stop(): older answers are dropped
    bool m_autoDetect = true;
    QSet<QByteArray> m_recognised;
    QHash<QByteArray, qint64> m_checked; // candidates looked at, and when (ms since the epoch)
    QSet<QByteArray> m_checking;         // candidates being listed
    QHash<QByteArray, std::shared_ptr<Listing>> m_listings;
    QHash<quint64, std::shared_ptr<Lease>> m_leases;
    QSet<QByteArray> m_v2Rereads;
    int m_asking = 0;         // lease questions out
    qint64 m_budgetStart = 0; // lease questions sent in the second from here
    int m_budgetUsed = 0;
    QTimer m_tick; // due lease questions
};

Q_DECLARE_METATYPE(ServiceMonitor::Entry)
Q_DECLARE_METATYPE(ServiceMonitor::LeaseFinding)
