#include "servicemodel.h"
#include "servicemodel_p.h"

#include "etcdclient.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "v3levellister.h"

#include <algorithm>

// Where the rows come from: starting, recognising service directories, listing them. What no
// event says (leases' keep-alives) and the tick are in servicemodel_leases.cpp.

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

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

void ServiceModel::start(EtcdClient *client, char separator, const QByteArray &rootPrefix)
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
    ++m_generation;
    m_tick.start();
    updateServiceSet(); // the marked ones
    if (m_autoDetect)
        discover();
    emitSummary();
}

void ServiceModel::stop()
{
    ++m_generation;
    m_tick.stop();
    m_client.clear();
    beginResetModel();
    m_services.clear();
    endResetModel();
    m_leases.clear();
    m_v2Checks.clear();
    m_checksInFlight = 0;
    m_recognised.clear();
    m_companions.clear();
    m_checked.clear();
    m_checking.clear();
    m_checkedAt.clear();
    emitSummary();
}

// ---- recognising services ---------------------------------------------------------------------

void ServiceModel::discover()
{
    if (!m_client)
        return;
    const quint64 generation = m_generation;
    if (!m_v2) {
        // Every key on a lease is on the lease list: the directories they are in are the
        // candidates, without reading the keyspace.
        m_client->v3()->leases(this, [this, generation](const EtcdResult<EtcdV3LeaseListResult> &r) {
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
                if (!m_leases.contains(id)) {
                    auto lease = std::make_shared<Lease>();
                    lease->id = id;
                    m_leases.insert(id, lease);
                }
            }
            tick(); // asks them, a few at a time
        });
        return;
    }
    // v2 has no lease list: look at the top two levels of the store.
    auto budget = std::make_shared<int>(maxV2DiscoveryDirs);
    // Each request holds the walk (the function) until it answered; the function itself only
    // refers to it weakly, so the walk is freed after its last answer.
    auto look = std::make_shared<std::function<void(const QByteArray &, int)>>();
    *look = [this, generation, budget, weak = std::weak_ptr(look)](const QByteArray &dir, int depth) {
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
            // The store's root is no service directory; a root prefix may be one.
            const QByteArray dir = r.value.node.key;
            if (!dir.isEmpty() && dir != "/" && expiring > 0 && expiring * 2 > keys &&
                underRoot(dir + m_separator)) {
                m_checked.insert(dir);
                m_checkedAt.insert(dir, nowMs());
                if (!m_recognised.contains(dir)) {
                    m_recognised.insert(dir);
                    updateServiceSet();
                }
            }
        });
    };
    (*look)(m_rootPrefix.endsWith(m_separator) ? m_rootPrefix.chopped(1) : m_rootPrefix, 0);
}

void ServiceModel::considerCandidate(const QByteArray &dir)
{
    if (!m_autoDetect || !m_client || dir.isEmpty() || !underRoot(dir + m_separator) ||
        m_recognised.contains(dir) || m_checking.contains(dir))
        return;
    if (m_checked.contains(dir) && m_checkedAt.value(dir) + recheckAfterMs > nowMs())
        return;
    m_checking.insert(dir);
    checkCandidate(dir);
}

void ServiceModel::checkCandidate(const QByteArray &dir)
{
    const quint64 generation = m_generation;
    auto conclude = [this, dir](int keys, int expiring) {
        m_checking.remove(dir);
        m_checked.insert(dir);
        m_checkedAt.insert(dir, nowMs());
        if (expiring > 0 && expiring * 2 > keys && !m_recognised.contains(dir)) {
            m_recognised.insert(dir);
            updateServiceSet();
        }
    };
    if (m_v2) {
        m_client->v2()->get(dir, {}, this,
                            [this, generation, conclude](const EtcdResult<EtcdV2Response> &r) {
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
            conclude(keys, expiring);
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
        [this, generation, conclude, counts, lister](const EtcdError &) {
            lister->deleteLater();
            if (generation == m_generation)
                conclude(counts->first, counts->second);
        });
}

// ---- listing a service ------------------------------------------------------------------------

void ServiceModel::listService(Service *s)
{
    if (!m_client)
        return;
    s->listing = true;
    const quint64 token = ++s->listToken;
    const quint64 generation = m_generation;
    const QByteArray dir = s->dir;
    // The service may be gone (unmarked) by the time an answer comes: find it again by name.
    auto current = [this, generation, dir, token]() -> Service * {
        if (generation != m_generation)
            return nullptr;
        Service *s = service(dir);
        return s && s->listToken == token ? s : nullptr;
    };
    auto finish = [this, current](qint64 revision, const QList<QByteArray> &seen,
                                  const EtcdError &error) {
        Service *s = current();
        if (!s)
            return;
        s->listing = false;
        if (s->lister) // finish may run inside the lister's own callback
            s->lister.release()->deleteLater();
        if (error.isError() && !error.is(EtcdError::Condition::KeyNotFound)) {
            Q_EMIT errorOccurred(error);
        } else {
            // Instances the listing did not see and no event newer than it showed went meanwhile.
            const QSet<QByteArray> present(seen.begin(), seen.end());
            for (const auto &inst : s->instances) {
                if (!present.contains(inst->key) && inst->revision < revision &&
                    inst->state != ServiceInstance::State::Gone)
                    setState(s, inst.get(), ServiceInstance::State::Gone);
            }
        }
        serviceChanged(s);
        emitSummary();
    };
    if (m_v2) {
        EtcdV2GetOptions o;
        o.sorted = true;
        m_client->v2()->get(dir, o, this, [this, current, finish](const EtcdResult<EtcdV2Response> &r) {
            Service *s = current();
            if (!s)
                return;
            QList<QByteArray> seen;
            for (const EtcdV2Node &n : r.value.node.nodes) {
                if (n.dir)
                    continue;
                seen.append(n.key);
                bool inserted = false;
                ServiceInstance *inst = upsert(s, n.key, &inserted);
                if (!inserted && n.modifiedIndex <= inst->revision)
                    continue;
                inst->revision = n.modifiedIndex;
                setValue(inst, n.value);
                if (n.ttl) {
                    // A listing says what is left, not what was granted: the next heartbeat
                    // event tells.
                    if (inst->grantedTtl < *n.ttl)
                        inst->grantedTtl = *n.ttl;
                    inst->expiresAt = n.expiration.toUTC();
                }
                if (inst->state == ServiceInstance::State::Gone)
                    setState(s, inst, ServiceInstance::State::Alive);
                instanceChanged(s, inst);
            }
            finish(r.value.etcdIndex, seen, r.error);
        });
        return;
    }
    auto *lister = new V3LevelLister(m_client->v3(), dir + m_separator, m_separator, false);
    s->lister.reset(lister);
    auto keys = std::make_shared<QList<QByteArray>>();
    lister->start(
        [keys](std::vector<ListedChild> &&children) {
            for (const ListedChild &c : children) {
                if (c.isKey)
                    keys->append(c.kv.key);
            }
        },
        [this, current, finish, keys, lister](const EtcdError &error) {
            if (!current())
                return;
            if (error.isError() || keys->isEmpty()) {
                finish(error.isError() ? 0 : lister->revision(), {}, error);
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
                m_client->v3()->txn(txn, this, [this, current, finish, pending, seen, oldest,
                                                done](const EtcdResult<EtcdV3TxnResult> &r) {
                    Service *s = current();
                    if (!s || *done)
                        return;
                    if (r.ok()) {
                        const qint64 rev = r.value.header.revision;
                        *oldest = *oldest == 0 ? rev : std::min(*oldest, rev);
                        for (const EtcdV3ResponseOp &op : r.value.responses) {
                            for (const EtcdV3KeyValue &kv : op.range.kvs) {
                                applyListed(s, kv);
                                seen->append(kv.key);
                            }
                        }
                    }
                    if (--*pending == 0 || !r.ok()) {
                        *done = true;
                        finish(r.ok() ? *oldest : 0, *seen, r.error);
                    }
                });
            }
        });
}

void ServiceModel::applyListed(Service *s, const EtcdV3KeyValue &kv)
{
    bool inserted = false;
    ServiceInstance *inst = upsert(s, kv.key, &inserted);
    if (!inserted && kv.modRevision <= inst->revision)
        return;
    inst->revision = kv.modRevision;
    setValue(inst, kv.value);
    if (inst->state == ServiceInstance::State::Gone)
        setState(s, inst, ServiceInstance::State::Alive);
    const quint64 oldLease = inst->lease;
    inst->lease = kv.lease;
    if (!kv.lease) {
        inst->grantedTtl = -1;
        inst->expiresAt = {};
    }
    trackLease(inst, oldLease);
    instanceChanged(s, inst);
}
