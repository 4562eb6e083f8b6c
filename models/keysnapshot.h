#pragma once

#include "etcdwatchevent.h"

#include <QByteArray>
#include <QDateTime>
#include <QMetaType>

#include <optional>

struct EtcdV2Node;
struct EtcdV3KeyValue;

// One key as the server held it at one moment: its value and metadata in both API's terms.
// What a load, a save or a conflict saw; what the tree row is updated from.
struct KeySnapshot
{
    QByteArray key;
    QByteArray value;
    bool exists = false;      // false: the key was not there (deleted, expired, never created)
    bool v2 = false;          // which API's fields below are meaningful
    bool isDirectory = false; // v2 only

    // v2
    qint64 createdIndex = 0;
    qint64 modifiedIndex = 0;
    std::optional<qint64> ttl; // seconds left when read; unset: the key does not expire
    QDateTime expiration;      // UTC; invalid when the key does not expire

    // v3
    qint64 createRevision = 0;
    qint64 modRevision = 0;
    qint64 version = 0;
    quint64 lease = 0;              // 0: no lease
    std::optional<qint64> leaseTtl; // seconds left when read; unset: no lease or unknown
    qint64 leaseGrantedTtl = 0;

    // When the key expires by this machine's clock: the time the answer arrived plus the
    // seconds left (v2 ttl; v3: the earliest expiry the lease cache's answers allow), so a
    // server clock that is off does not skew the countdown. Invalid when the key does not
    // expire (or the lease TTL is unknown).
    QDateTime deadline;

    // The store position of the answer: v2 X-Etcd-Index, v3 header revision.
    qint64 storeRevision = 0;

    // The index a CAS compares against: v2 modifiedIndex, v3 mod_revision.
    qint64 modIndex() const { return v2 ? modifiedIndex : modRevision; }
    // The server's own expiration time (v2) or the deadline (v3); invalid when none.
    QDateTime expiresAt() const { return v2 && expiration.isValid() ? expiration : deadline; }
    // Seconds left at `now` (rounded up, 0 once expired); unset when the key does not expire.
    std::optional<qint64> secondsLeft(const QDateTime &now = QDateTime::currentDateTimeUtc()) const;

    static KeySnapshot fromV2(const EtcdV2Node &node, qint64 etcdIndex);
    static KeySnapshot fromV3(const EtcdV3KeyValue &kv, qint64 headerRevision);
    // The key after a watch event (exists false for a delete or expiry). A v3 lease's TTL is
    // not in the event: leaseTtl stays unset.
    static KeySnapshot fromEvent(const EtcdWatchEvent &event, bool v2);
};

Q_DECLARE_METATYPE(KeySnapshot)
