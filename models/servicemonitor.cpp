#include "servicemonitor.h"

#include "etcdclient.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "leasettlcache.h"
#include "v3levellister.h"

#include <algorithm>
#include <functional>

// Recognising service directories and listing them. The lease questions are in
// servicemonitor_leases.cpp.

namespace {

// v3 keys per transaction when reading the values of a listed level (etcd's --max-txn-ops is 128).
constexpr int valuesPerTxn = 128;
// At most this many leases are asked about to find service directories at start.
constexpr int maxDiscoveryLeases = 512;
// v2 directories looked at (two levels from the root) to find service directories at start.
constexpr int maxV2DiscoveryDirs = 64;
// A candidate that was not a service is looked at again after this long, when an event
// suggests it again.
constexpr qint64 recheckAfterMs = 30000;

} // namespace

// A listing in flight; the newest of a directory is the only one whose answers count.
struct ServiceMonitor::Listing
{
    quint64 token = 0;
    std::unique_ptr<QObject> lister; // the level lister in flight (v3)
};

ServiceMonitor::ServiceMonitor(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<ServiceMonitor::Entry>();
    qRegisterMetaType<ServiceMonitor::LeaseFinding>();
    m_tick.setInterval(500);
    connect(&m_tick, &QTimer::timeout, this, &ServiceMonitor::scheduleChecks);
}

ServiceMonitor::~ServiceMonitor() = default;

QByteArray ServiceMonitor::parentDir(const QByteArray &key) const
{
    const qsizetype cut = key.lastIndexOf(m_separator);
    return cut > 0 ? key.left(cut) : QByteArray();
}

void ServiceMonitor::start(EtcdClient *client, char separator, const QByteArray &rootPrefix)
{
    stop();
    if (!client)
        return;
    m_client = client;
    m_v2 = client->apiInUse() == EtcdClient::Api::V2;
    m_separator = separator;
    m_rootPrefix = rootPrefix;
    // v2's root prefix is a directory ("/app" holds "/app/x", not "/apps/x").
    if (m_v2 && !m_rootPrefix.isEmpty() && m_rootPrefix != "/" && !m_rootPrefix.endsWith('/'))
        m_rootPrefix += '/';
    if (m_v2 && m_rootPrefix == "/")
        m_rootPrefix.clear();
    if (!m_cache) {
        m_ownCache = std::make_unique<LeaseTtlCache>();
        m_ownCache->setClient(client);
        m_cache = m_ownCache.get();
    }
    connect(m_cache, &LeaseTtlCache::leaseAnswered, this, &ServiceMonitor::onLeaseAnswered);
    ++m_generation;
    m_tick.start();
    Q_EMIT started();
    if (m_autoDetect)
        discover();
}

void ServiceMonitor::stop()
{
    ++m_generation;
    m_tick.stop();
    if (m_cache)
        m_cache->disconnect(this);
    if (m_ownCache) {
        m_cache.clear();
        m_ownCache.reset();
    }
    const bool wasRunning = isRunning();
    m_client.clear();
    m_recognised.clear();
    m_checked.clear();
    m_checking.clear();
    m_listings.clear();
    m_leases.clear();
    m_v2Rereads.clear();
    m_asking = 0;
    if (wasRunning)
        Q_EMIT stopped();
}

void ServiceMonitor::setAutoDetect(bool on)
{
    if (m_autoDetect == on)
        return;
    m_autoDetect = on;
    if (on && isRunning())
        discover();
}

// ---- recognising services ---------------------------------------------------------------------

void ServiceMonitor::discover()
{
    if (!m_client)
        return;
    const quint64 generation = m_generation;
    if (!m_v2) {
        // Every key on a lease is on the lease list: the directories they are in are the
        // candidates, without reading the keyspace.
        m_client->v3()->leases(this,
                               [this, generation](const EtcdResult<EtcdV3LeaseListResult> &r) {
                                   if (generation != m_generation)
                                       return;
                                   if (!r.ok()) {
                                       Q_EMIT errorOccurred(r.error);
                                       return;
                                   }
                                   int n = 0;
                                   for (quint64 id : r.value.leases) {
                                       if (++n > maxDiscoveryLeases)
                                           break;
                                       addDiscoveryLease(id);
                                   }
                                   scheduleChecks(); // asks them, a few at a time
                               });
        return;
    }
    // v2 has no lease list: look at the top two levels of the store.
    auto budget = std::make_shared<int>(maxV2DiscoveryDirs);
    // Each request holds the walk (the function) until it answered; the function itself only
    // refers to it weakly, so the walk is freed after its last answer.
    auto look = std::make_shared<std::function<void(const QByteArray &, int)>>();
    *look = [this, generation, budget, weak = std::weak_ptr(look)](const QByteArray &dir,
                                                                   int depth) {
        auto walk = weak.lock();
        if (!walk || --*budget < 0 || !m_client)
            return;
        EtcdV2GetOptions o;
        o.sorted = true;
        m_client->v2()->get(dir.isEmpty() ? QByteArray("/") : dir, o, this,
                            [this, generation, depth, walk](const EtcdResult<EtcdV2Response> &r) {
                                if (generation != m_generation || !r.ok())
                                    return;
                                int keys = 0;
                                int expiring = 0;
                                for (const EtcdV2Node &n : r.value.node.nodes) {
                                    if (n.dir) {
                                        if (depth < 2)
                                            (*walk)(n.key, depth + 1);
                                        continue;
                                    }
                                    ++keys;
                                    if (n.ttl)
                                        ++expiring;
                                }
                                // The store's root is no service directory; a root prefix may be
                                // one.
                                const QByteArray dir = r.value.node.key;
                                if (!dir.isEmpty() && dir != "/" && underRoot(dir + m_separator))
                                    concludeCandidate(dir, keys, expiring);
                            });
    };
    (*look)(m_rootPrefix.endsWith(m_separator) ? m_rootPrefix.chopped(1) : m_rootPrefix, 0);
}

void ServiceMonitor::considerCandidate(const QByteArray &dir)
{
    if (!m_autoDetect || !m_client || dir.isEmpty() || !underRoot(dir + m_separator) ||
        m_recognised.contains(dir) || m_checking.contains(dir))
        return;
    const auto checked = m_checked.constFind(dir);
    if (checked != m_checked.cend() && *checked + recheckAfterMs > LeaseTtlCache::nowMs())
        return;
    m_checking.insert(dir);
    checkCandidate(dir);
}

void ServiceMonitor::concludeCandidate(const QByteArray &dir, int keys, int expiring)
{
    m_checking.remove(dir);
    m_checked.insert(dir, LeaseTtlCache::nowMs());
    if (expiring > 0 && expiring * 2 > keys && !m_recognised.contains(dir)) {
        m_recognised.insert(dir);
        Q_EMIT directoryRecognised(dir);
    }
}

void ServiceMonitor::checkCandidate(const QByteArray &dir)
{
    const quint64 generation = m_generation;
    if (m_v2) {
        m_client->v2()->get(dir, {}, this,
                            [this, generation, dir](const EtcdResult<EtcdV2Response> &r) {
                                if (generation != m_generation)
                                    return;
                                int keys = 0;
                                int expiring = 0;
                                for (const EtcdV2Node &n : r.value.node.nodes) {
                                    if (!n.dir) {
                                        ++keys;
                                        expiring += n.ttl ? 1 : 0;
                                    }
                                }
                                concludeCandidate(dir, keys, expiring);
                            });
        return;
    }
    // The level alone (its keys, not what lies below them), keys only: the cost of the level.
    auto *lister = new V3LevelLister(m_client->v3(), dir + m_separator, m_separator, false, this);
    auto counts = std::make_shared<std::pair<int, int>>(0, 0);
    lister->start(
        [counts](std::vector<ListedChild> &&children) {
            for (const ListedChild &c : children) {
                if (c.isKey) {
                    ++counts->first;
                    counts->second += c.kv.lease ? 1 : 0;
                }
            }
        },
        [this, generation, dir, counts, lister](const EtcdError &) {
            lister->deleteLater();
            if (generation == m_generation)
                concludeCandidate(dir, counts->first, counts->second);
        });
}

// ---- listing a service ------------------------------------------------------------------------

void ServiceMonitor::listService(const QByteArray &dir)
{
    if (!m_client)
        return;
    auto &listing = m_listings[dir];
    const quint64 token = listing ? listing->token + 1 : 1;
    // The older listing's lister goes with it (its callbacks with it).
    listing = std::make_shared<Listing>();
    listing->token = token;
    if (m_v2)
        listV2(dir, token);
    else
        listV3(dir, token);
}

bool ServiceMonitor::isCurrent(const QByteArray &dir, quint64 token) const
{
    const auto listing = m_listings.value(dir);
    return listing && listing->token == token;
}

void ServiceMonitor::finishListing(const QByteArray &dir, quint64 token, qint64 revision,
                                   const QList<QByteArray> &seen, const EtcdError &error)
{
    if (!isCurrent(dir, token))
        return;
    // finish may run inside the lister's own callback: it goes later.
    if (auto listing = m_listings.take(dir); listing->lister)
        listing->lister.release()->deleteLater();
    const bool complete = !error.isError() || error.is(EtcdError::Condition::KeyNotFound);
    if (!complete)
        Q_EMIT errorOccurred(error);
    Q_EMIT listingFinished(dir, complete ? revision : 0, complete ? seen : QList<QByteArray>(),
                           complete);
}

void ServiceMonitor::listV2(const QByteArray &dir, quint64 token)
{
    EtcdV2GetOptions o;
    o.sorted = true;
    const quint64 generation = m_generation;
    m_client->v2()->get(dir, o, this,
                        [this, generation, dir, token](const EtcdResult<EtcdV2Response> &r) {
                            if (generation != m_generation || !isCurrent(dir, token))
                                return;
                            QList<Entry> entries;
                            QList<QByteArray> seen;
                            for (const EtcdV2Node &n : r.value.node.nodes) {
                                if (n.dir)
                                    continue;
                                Entry e;
                                e.key = n.key;
                                e.value = n.value;
                                e.revision = n.modifiedIndex;
                                e.ttl = n.ttl;
                                e.expiration = n.expiration.toUTC();
                                seen.append(n.key);
                                entries.append(std::move(e));
                            }
                            if (!entries.isEmpty())
                                Q_EMIT entriesListed(dir, entries);
                            finishListing(dir, token, r.value.etcdIndex, seen, r.error);
                        });
}

void ServiceMonitor::listV3(const QByteArray &dir, quint64 token)
{
    const quint64 generation = m_generation;
    auto *lister = new V3LevelLister(m_client->v3(), dir + m_separator, m_separator, false);
    m_listings.value(dir)->lister.reset(lister);
    auto keys = std::make_shared<QList<QByteArray>>();
    lister->start(
        [keys](std::vector<ListedChild> &&children) {
            for (const ListedChild &c : children) {
                if (c.isKey)
                    keys->append(c.kv.key);
            }
        },
        [this, generation, dir, token, keys, lister](const EtcdError &error) {
            if (generation != m_generation || !isCurrent(dir, token))
                return;
            if (error.isError() || keys->isEmpty()) {
                finishListing(dir, token, error.isError() ? 0 : lister->revision(), {}, error);
                return;
            }
            // The values, many keys to a transaction; all answers at one revision each.
            auto pending = std::make_shared<int>(0);
            auto seen = std::make_shared<QList<QByteArray>>();
            auto oldest = std::make_shared<qint64>(0);
            auto done = std::make_shared<bool>(false);
            for (qsizetype from = 0; from < keys->size(); from += valuesPerTxn) {
                EtcdV3TxnRequest txn;
                for (qsizetype i = from; i < std::min(keys->size(), from + valuesPerTxn); ++i)
                    txn.success.append(EtcdV3RequestOp::makeRange(keys->at(i)));
                ++*pending;
                m_client->v3()->txn(
                    txn, this,
                    [this, generation, dir, token, pending, seen, oldest,
                     done](const EtcdResult<EtcdV3TxnResult> &r) {
                        if (generation != m_generation || !isCurrent(dir, token) || *done)
                            return;
                        if (r.ok()) {
                            const qint64 rev = r.value.header.revision;
                            *oldest = *oldest == 0 ? rev : std::min(*oldest, rev);
                            QList<Entry> entries;
                            for (const EtcdV3ResponseOp &op : r.value.responses) {
                                for (const EtcdV3KeyValue &kv : op.range.kvs) {
                                    Entry e;
                                    e.key = kv.key;
                                    e.value = kv.value;
                                    e.revision = kv.modRevision;
                                    e.lease = kv.lease;
                                    seen->append(kv.key);
                                    entries.append(std::move(e));
                                }
                            }
                            if (!entries.isEmpty())
                                Q_EMIT entriesListed(dir, entries);
                        }
                        if (--*pending == 0 || !r.ok()) {
                            *done = true;
                            finishListing(dir, token, r.ok() ? *oldest : 0, *seen, r.error);
                        }
                    });
            }
        });
}

// ---- v2 keys renewed without an event ---------------------------------------------------------

void ServiceMonitor::rereadV2Key(const QByteArray &key)
{
    if (!m_client || !m_v2 || m_v2Rereads.contains(key))
        return;
    m_v2Rereads.insert(key);
    const quint64 generation = m_generation;
    m_client->v2()->get(key, {}, this,
                        [this, generation, key](const EtcdResult<EtcdV2Response> &r) {
                            if (generation != m_generation)
                                return;
                            m_v2Rereads.remove(key);
                            if (r.error.is(EtcdError::Condition::KeyNotFound))
                                Q_EMIT v2KeyReread(key, false, {});
                            else if (r.ok())
                                Q_EMIT v2KeyReread(key, true, r.value.node.expiration.toUTC());
                        });
}
