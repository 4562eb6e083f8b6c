#include "servicemodel.h"
#include "servicemodel_p.h"

#include "etcdclient.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "v3levellister.h"

#include <QRandomGenerator>

#include <algorithm>

// Where the rows come from: recognising service directories, listing them, asking leases what
// no event says, and the tick that counts down, notices late heartbeats and forgets the gone.

namespace {

// v3 keys per transaction when reading the values of a listed level (etcd's --max-txn-ops is 128).
constexpr int valuesPerTxn = 128;
// Lease answers in flight at once, in all: a registry of thousands of instances must not turn
// the model into a load on the cluster.
constexpr int maxLeaseChecks = 4;
// ... and at most this many a second.
constexpr int maxLeaseChecksPerSecond = 40;
// At most this many leases are asked about to find service directories at start.
constexpr int maxDiscoveryLeases = 512;
// v2 directories looked at (two levels from the root) to find service directories at start.
constexpr int maxV2DiscoveryDirs = 64;
// A candidate that was not a service is looked at again after this long, when an event
// suggests it again.
constexpr qint64 recheckAfterMs = 30000;

// Late: no heartbeat for clearly longer than the usual interval.
qint64 lateAfterMs(qint64 usualMs)
{
    return std::max(usualMs * 3 / 2, usualMs + 500);
}

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
    auto look = std::make_shared<std::function<void(const QByteArray &, int)>>();
    *look = [this, generation, budget, weak = std::weak_ptr(look)](const QByteArray &dir, int depth) {
        if (--*budget < 0 || !m_client)
            return;
        EtcdV2GetOptions o;
        o.sorted = true;
        m_client->v2()->get(dir.isEmpty() ? QByteArray("/") : dir, o, this,
                            [this, generation, depth, weak](const EtcdResult<EtcdV2Response> &r) {
            if (generation != m_generation || !r.ok())
                return;
            int keys = 0;
            int expiring = 0;
            for (const EtcdV2Node &n : r.value.node.nodes) {
                if (n.dir) {
                    if (depth < 2)
                        if (auto f = weak.lock())
                            (*f)(n.key, depth + 1);
                    continue;
                }
                ++keys;
                if (n.ttl)
                    ++expiring;
            }
            const QByteArray dir = r.value.node.key;
            if (depth > 0 && expiring > 0 && expiring * 2 > keys && underRoot(dir + m_separator)) {
                m_checked.insert(dir);
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

// ---- leases -----------------------------------------------------------------------------------

void ServiceModel::trackLease(ServiceInstance *inst, quint64 oldLease)
{
    if (oldLease && oldLease != inst->lease) {
        if (auto old = m_leases.value(oldLease)) {
            old->instances.remove(inst->key);
            if (old->instances.isEmpty() && !old->inFlight)
                m_leases.remove(oldLease);
        }
        inst->leaseKeys.clear();
    }
    if (!inst->lease)
        return;
    auto &lease = m_leases[inst->lease];
    if (!lease) {
        lease = std::make_shared<Lease>();
        lease->id = inst->lease;
    }
    const bool isNew = !lease->instances.contains(inst->key);
    lease->instances.insert(inst->key);
    if (lease->lo != 0) {
        inst->grantedTtl = lease->granted;
        inst->expiresAt = QDateTime::fromMSecsSinceEpoch((lease->lo + lease->hi) / 2, Qt::UTC);
        inst->leaseKeys = lease->keys;
        inst->leaseKeys.removeAll(inst->key);
    }
    // A new instance on it (a key put with it since the last answer): the keys changed.
    if (isNew && !lease->inFlight)
        lease->nextCheck = 0;
}

void ServiceModel::checkLease(quint64 id)
{
    auto lease = m_leases.value(id);
    if (!lease || lease->inFlight || !m_client)
        return;
    lease->inFlight = true;
    ++m_checksInFlight;
    const quint64 generation = m_generation;
    m_client->v3()->leaseTimeToLive(
        id, true, this,
        [this, generation, id, lease](const EtcdResult<EtcdV3LeaseTimeToLiveResult> &r) {
            if (generation != m_generation)
                return;
            lease->inFlight = false;
            --m_checksInFlight;
            if (!r.ok()) {
                lease->nextCheck = nowMs() + 5000;
                return;
            }
            onLeaseAnswer(id, r.value.ttl, r.value.grantedTtl, r.value.keys, QDateTime());
            // The next due lease without waiting for the tick (within the budget).
            scheduleChecks(QDateTime::currentDateTimeUtc());
        });
}

void ServiceModel::onLeaseAnswer(quint64 id, qint64 ttl, qint64 granted,
                                 const QList<QByteArray> &keys, const QDateTime &)
{
    auto lease = m_leases.value(id);
    if (!lease)
        return;
    const qint64 t = nowMs();
    for (const QByteArray &k : keys)
        considerCandidate(parentDir(k));
    if (ttl < 0) {
        // Expired or revoked: its keys' deletes are on their way; say it now.
        const QSet<QByteArray> instances = lease->instances;
        m_leases.remove(id);
        for (const QByteArray &key : instances) {
            Service *s = service(parentDir(key));
            ServiceInstance *inst = s ? s->byKey.value(key) : nullptr;
            if (inst && inst->lease == id && inst->state != ServiceInstance::State::Gone)
                setState(s, inst, ServiceInstance::State::Gone);
        }
        emitSummary();
        return;
    }
    const qint64 newLo = t + ttl * 1000;
    const qint64 newHi = newLo + 1000;
    const bool first = lease->lo == 0;
    // Renewed for sure: the expiry now lies past every expiry possible before.
    const bool renewed = !first && newLo >= lease->hi;
    if (first || renewed) {
        lease->lo = newLo;
        lease->hi = newHi;
    } else {
        lease->lo = std::max(lease->lo, newLo);
        lease->hi = std::min(lease->hi, newHi);
    }
    lease->granted = granted;
    lease->keys = keys;
    lease->answeredAt = t;
    // When it was renewed, as well as a second's resolution allows.
    const QDateTime renewedAt =
        QDateTime::fromMSecsSinceEpoch(std::min(t, newLo + 500 - granted * 1000), Qt::UTC);
    for (const QByteArray &key : std::as_const(lease->instances)) {
        Service *s = service(parentDir(key));
        ServiceInstance *inst = s ? s->byKey.value(key) : nullptr;
        if (!inst || inst->lease != id)
            continue;
        inst->grantedTtl = granted;
        inst->expiresAt =
            QDateTime::fromMSecsSinceEpoch((lease->lo + lease->hi) / 2, Qt::UTC);
        inst->leaseKeys = keys;
        inst->leaseKeys.removeAll(inst->key);
        inst->refreshSeenByCheck = true;
        if (!inst->lastRefresh.isValid())
            inst->lastRefresh = renewedAt;
        else if (renewed)
            refreshed(inst, renewedAt);
        if (renewed) {
            inst->renewalAges.append(std::max<qint64>(0, (granted - ttl) * 1000 - 500));
            while (inst->renewalAges.size() > 12)
                inst->renewalAges.removeFirst();
        }
        // Late when the lease has certainly not been renewed for clearly longer than usual:
        // `ttl` left means at least granted - ttl - 1 seconds since the last renewal. (A
        // healthy lease never looks late: the second's uncertainty is counted in its favour.)
        qint64 usual = inst->usualIntervalMs();
        if (usual < 0)
            usual = granted * 1000 / 3;
        const bool late = !renewed && (granted - ttl - 1) * 1000 > lateAfterMs(usual);
        if (late && inst->state == ServiceInstance::State::Alive)
            setState(s, inst, ServiceInstance::State::Late);
        else if (!late && inst->state == ServiceInstance::State::Late)
            setState(s, inst, ServiceInstance::State::Alive);
        instanceChanged(s, inst);
    }
    if (lease->instances.isEmpty()) {
        // Asked about only to find services: done with it.
        m_leases.remove(id);
        return;
    }
    if (!keys.isEmpty())
        reviewCompanions();
    // (It may have taken this lease's instances away.)
    if (!m_leases.contains(id))
        return;
    // Next: a check period on (give or take a tenth, so that the answers do not keep one phase
    // against the renewals), or sooner, when an instance would turn late without a renewal.
    const qint64 period = ServiceInstance::leaseCheckPeriodMs(granted);
    qint64 next = t + period - period / 10 + QRandomGenerator::global()->bounded(period / 5 + 1);
    for (const QByteArray &key : std::as_const(lease->instances)) {
        const ServiceInstance *inst = instance(key);
        if (!inst || inst->lease != id || !inst->lastRefresh.isValid() ||
            inst->state != ServiceInstance::State::Alive)
            continue;
        qint64 usual = inst->usualIntervalMs();
        if (usual < 0)
            usual = granted * 1000 / 3;
        next = std::min(next, inst->lastRefresh.toMSecsSinceEpoch() + lateAfterMs(usual) + 1000);
    }
    lease->nextCheck = std::max(next, t + 1000);
}

// ---- v2 keys renewed without an event ---------------------------------------------------------

void ServiceModel::checkV2Key(const QByteArray &key)
{
    if (!m_client || m_v2Checks.contains(key))
        return;
    m_v2Checks.insert(key, QDateTime::currentDateTimeUtc());
    const quint64 generation = m_generation;
    m_client->v2()->get(key, {}, this, [this, generation, key](const EtcdResult<EtcdV2Response> &r) {
        if (generation != m_generation)
            return;
        m_v2Checks.remove(key);
        Service *s = service(parentDir(key));
        ServiceInstance *inst = s ? s->byKey.value(key) : nullptr;
        if (!inst || inst->state == ServiceInstance::State::Gone)
            return;
        if (r.error.is(EtcdError::Condition::KeyNotFound)) {
            setState(s, inst, ServiceInstance::State::Gone);
        } else if (r.ok() && r.value.node.expiration.isValid() &&
                   r.value.node.expiration > inst->expiresAt) {
            // Renewed with refresh=true, which wakes no watcher.
            const QDateTime expiry = r.value.node.expiration.toUTC();
            inst->refreshSeenByCheck = true;
            if (inst->grantedTtl > 0)
                refreshed(inst, std::min(expiry.addSecs(-inst->grantedTtl),
                                         QDateTime::currentDateTimeUtc()));
            inst->expiresAt = expiry;
            if (inst->state == ServiceInstance::State::Late)
                setState(s, inst, ServiceInstance::State::Alive);
            instanceChanged(s, inst);
        }
        emitSummary();
    });
}

// ---- the tick ---------------------------------------------------------------------------------

void ServiceModel::tick()
{
    if (!m_client)
        return;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    scheduleChecks(now);
    for (const auto &sp : m_services) {
        Service *s = sp.get();
        for (size_t i = 0; i < s->instances.size();) {
            ServiceInstance *inst = s->instances[i].get();
            if (inst->state == ServiceInstance::State::Gone) {
                if (inst->wentAt.isValid() && inst->wentAt.msecsTo(now) > m_goneRetentionMs) {
                    const QModelIndex parent = index(serviceRow(s), 0);
                    beginRemoveRows(parent, int(i), int(i));
                    s->byKey.remove(inst->key);
                    s->instances.erase(s->instances.begin() + qsizetype(i));
                    endRemoveRows();
                    serviceChanged(s);
                    continue;
                }
                ++i;
                continue;
            }
            // Late: no heartbeat for clearly longer than the usual interval (before two were
            // seen: a third of the TTL, when clients renew by default).
            qint64 expected = inst->usualIntervalMs();
            if (expected < 0 && inst->grantedTtl > 0)
                expected = inst->grantedTtl * 1000 / 3;
            // (Instances on a v3 lease are judged at each answer about it: onLeaseAnswer.)
            if (expected > 0 && inst->lastRefresh.isValid() && !inst->lease) {
                qint64 limit = lateAfterMs(expected);
                // v2 refresh=true: renewals are seen when it is read, once it should have
                // expired; allow for that read.
                if (inst->refreshSeenByCheck)
                    limit += 2000;
                if (inst->lastRefresh.msecsTo(now) > limit)
                    setState(s, inst, ServiceInstance::State::Late);
            }
            // A v2 key past its expiry with no expire event: renewed without an event?
            if (m_v2 && inst->expiresAt.isValid() && inst->expiresAt.msecsTo(now) > 1500)
                checkV2Key(inst->key);
            ++i;
        }
        // The countdowns and the "late for" texts move every tick.
        if (!s->instances.empty()) {
            const QModelIndex parent = index(serviceRow(s), 0);
            Q_EMIT dataChanged(index(0, StateColumn, parent),
                               index(int(s->instances.size()) - 1, RemainingColumn, parent),
                               {Qt::DisplayRole});
        }
    }
    emitSummary();
}

void ServiceModel::scheduleChecks(const QDateTime &now)
{
    if (m_v2)
        return;
    const qint64 t = now.toMSecsSinceEpoch();
    QList<std::shared_ptr<Lease>> due;
    for (const auto &lease : std::as_const(m_leases)) {
        if (!lease->inFlight && lease->nextCheck <= t)
            due.append(lease);
    }
    std::sort(due.begin(), due.end(), [](const auto &a, const auto &b) {
        return a->nextCheck < b->nextCheck;
    });
    if (t - m_budgetStart >= 1000) {
        m_budgetStart = t;
        m_budgetUsed = 0;
    }
    for (const auto &lease : std::as_const(due)) {
        if (m_checksInFlight >= maxLeaseChecks || m_budgetUsed >= maxLeaseChecksPerSecond)
            break;
        ++m_budgetUsed;
        checkLease(lease->id);
    }
}
