#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

// Plain value types of etcd's v2 API (keys, members, stats), as EtcdV2Client returns them.

// A key or a directory of the v2 store. Keys are the full path as etcd spells it ("/a/b").
struct EtcdV2Node
{
    QByteArray key;
    QByteArray value; // empty for directories
    bool dir = false;
    qint64 createdIndex = 0;
    qint64 modifiedIndex = 0;
    std::optional<qint64> ttl;     // seconds left; unset when the node does not expire
    QDateTime expiration;          // UTC; invalid when the node does not expire
    std::vector<EtcdV2Node> nodes; // children of a listed directory (recursive: a whole subtree)
};

// The answer to one keys operation, with the store and raft positions etcd sent along.
struct EtcdV2Response
{
    // get, set, create, update, delete, expire, compareAndSwap, compareAndDelete.
    // Empty after a wait when the server ended the long-poll without an event (poll again).
    QString action;
    EtcdV2Node node;
    std::optional<EtcdV2Node> prevNode;
    qint64 etcdIndex = 0; // X-Etcd-Index: store index (on a wait: when the wait started)
    qint64 raftIndex = 0; // X-Raft-Index
    qint64 raftTerm = 0;  // X-Raft-Term
    QByteArray clusterId; // X-Etcd-Cluster-Id, hex as sent
    int httpStatus = 0;   // 201 for a created key, 200 otherwise
};

// Options of a read (GET /v2/keys/<key>).
struct EtcdV2GetOptions
{
    bool recursive = false; // the whole subtree of a directory
    bool sorted = false;    // children in key order (in-order keys in creation order)
    bool quorum = false;    // linearizable read through raft instead of the local member
};

// Options of a single long-poll (GET ?wait=true).
struct EtcdV2WaitOptions
{
    bool recursive = false;          // changes anywhere below a directory
    std::optional<qint64> waitIndex; // first index of interest; unset: the next change
};

// Options of a write (PUT /v2/keys/<key>). Sent as a form body.
struct EtcdV2SetOptions
{
    std::optional<qint64> ttl;     // ttl=N seconds
    bool clearTtl = false;         // "ttl=" (empty): removes the TTL; use with prevExist=true
    bool refresh = false;          // refresh=true: only the TTL is renewed, no value is sent
    bool dir = false;              // dir=true: create (or, with prevExist=true, update) a directory
    std::optional<bool> prevExist; // false: create only; true: update only
    std::optional<QByteArray> prevValue; // compare-and-swap on the current value
    std::optional<qint64> prevIndex;     // compare-and-swap on modifiedIndex (0 always passes)
};

// Options of a delete (DELETE /v2/keys/<key>). Sent in the query: etcd reads no DELETE body.
struct EtcdV2DeleteOptions
{
    bool dir = false;                    // the key is a directory (must be empty unless recursive)
    bool recursive = false;              // a directory with everything below it
    std::optional<QByteArray> prevValue; // compare-and-delete on the value
    std::optional<qint64> prevIndex;     // compare-and-delete on modifiedIndex
};

// A member as /v2/members lists it. IDs are sent in hex.
struct EtcdV2Member
{
    quint64 id = 0;
    QString name; // empty for a member that was added but has not started yet
    QStringList peerURLs;
    QStringList clientURLs;
};

// /v2/stats/self: what a member knows about itself.
struct EtcdV2SelfStats
{
    QString name;
    quint64 id = 0;
    QString state; // StateLeader, StateFollower, ...
    QDateTime startTime;
    quint64 leaderId = 0;
    QString leaderUptime;
    QDateTime leaderStartTime;
    qint64 recvAppendRequestCnt = 0;
    qint64 sendAppendRequestCnt = 0;
    double recvPkgRate = 0;
    double recvBandwidthRate = 0;
    double sendPkgRate = 0;
    double sendBandwidthRate = 0;
    QJsonObject raw;
};

// One follower in /v2/stats/leader. Latencies in milliseconds.
struct EtcdV2FollowerStats
{
    quint64 id = 0;
    qint64 successCount = 0;
    qint64 failCount = 0;
    double latencyCurrent = 0;
    double latencyAverage = 0;
    double latencyStandardDeviation = 0;
    double latencyMinimum = 0;
    double latencyMaximum = 0;
};

// /v2/stats/leader: only the leader answers it (a follower gives 403 "not current leader").
struct EtcdV2LeaderStats
{
    quint64 leaderId = 0;
    std::vector<EtcdV2FollowerStats> followers; // sorted by id
    QJsonObject raw;
};

// /v2/stats/store: operation counters of the v2 store.
struct EtcdV2StoreStats
{
    qint64 getsSuccess = 0;
    qint64 getsFail = 0;
    qint64 setsSuccess = 0;
    qint64 setsFail = 0;
    qint64 deleteSuccess = 0;
    qint64 deleteFail = 0;
    qint64 updateSuccess = 0;
    qint64 updateFail = 0;
    qint64 createSuccess = 0;
    qint64 createFail = 0;
    qint64 compareAndSwapSuccess = 0;
    qint64 compareAndSwapFail = 0;
    qint64 compareAndDeleteSuccess = 0;
    qint64 compareAndDeleteFail = 0;
    qint64 expireCount = 0;
    qint64 watchers = 0;
    QJsonObject raw;
};
