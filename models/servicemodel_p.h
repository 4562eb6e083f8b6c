#pragma once

#include "servicemodel.h"

#include <QPointer>

#include <memory>
#include <vector>

// One service directory and its instances (in natural order of their IDs).
struct ServiceModel::Service
{
    QByteArray dir;
    std::vector<std::unique_ptr<ServiceInstance>> instances;
    QHash<QByteArray, ServiceInstance *> byKey;
    bool listing = false;
    quint64 listToken = 0; // answers of an older listing are dropped
    std::unique_ptr<QObject> lister; // the level lister in flight (v3)

    int rowOf(const ServiceInstance *inst) const
    {
        for (size_t i = 0; i < instances.size(); ++i) {
            if (instances[i].get() == inst)
                return int(i);
        }
        return -1;
    }
};

// A v3 lease some instance is on: what its time to live said, and when to ask again.
//
// etcd answers a lease's remaining TTL in whole seconds, rounded down, measured at some moment
// between the question (sent) and the answer (t): the lease expires in
// [sent + ttl, t + ttl + 1). Answers narrow that interval while
// nobody renews the lease; a keep-alive moves the expiry later, and an answer whose lower bound
// is past the interval's upper bound proves a renewal happened in between. Never a false one:
// while the holder is silent every answer falls inside the interval.
struct ServiceModel::Lease
{
    quint64 id = 0;
    qint64 granted = -1;
    qint64 lo = 0; // expiry bounds, ms since the epoch; 0: no answer yet
    qint64 hi = 0;
    qint64 nextCheck = 0; // ms since the epoch; 0: as soon as possible
    qint64 answeredAt = 0; // when the last answer came, ms since the epoch
    bool inFlight = false;
    QList<QByteArray> keys;      // every key on the lease, from the last answer
    QSet<QByteArray> instances;  // keys of the instances on it
};
