#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

// Plain value types of the etcd v3 API as the JSON gateway speaks it. Keys and values are raw
// bytes; revisions are qint64; lease and member IDs are quint64 (member IDs use all 64 bits).
// Every field is optional on the wire (defaults are left out), so every member has a default.

// The header every v3 answer carries.
struct EtcdV3Header
{
    quint64 clusterId = 0;
    quint64 memberId = 0;
    qint64 revision = 0; // the store revision when the request was applied
    quint64 raftTerm = 0;
};

struct EtcdV3KeyValue
{
    QByteArray key;
    QByteArray value;
    qint64 createRevision = 0;
    qint64 modRevision = 0;
    qint64 version = 0; // 1 on creation, +1 per change; 0 means "deleted" in watch events
    quint64 lease = 0;  // 0: no lease
};

// ---- KV ---------------------------------------------------------------------------------------

struct EtcdV3RangeOptions
{
    enum class SortOrder { None, Ascend, Descend };
    enum class SortTarget { Key, Version, Create, Mod, Value };

    // Empty: only `key`. A prefix: EtcdV3Client::prefixRangeEnd(prefix). "\0": every key >= key.
    QByteArray rangeEnd;
    qint64 limit = 0;    // 0: no limit
    qint64 revision = 0; // 0: the newest; else the store as it was at that revision
    SortOrder sortOrder = SortOrder::None;
    SortTarget sortTarget = SortTarget::Key;
    bool serializable = false; // answered by the local member, may be stale
    bool keysOnly = false;
    bool countOnly = false;
    qint64 minModRevision = 0; // 0: no filter
    qint64 maxModRevision = 0;
    qint64 minCreateRevision = 0;
    qint64 maxCreateRevision = 0;
};

struct EtcdV3RangeResult
{
    EtcdV3Header header;
    QList<EtcdV3KeyValue> kvs;
    bool more = false; // more keys in the range than `limit` returned
    qint64 count = 0;  // keys in the whole range (before limit)
};

struct EtcdV3PutOptions
{
    quint64 lease = 0; // 0: no lease (the key loses its lease unless ignoreLease)
    bool prevKv = false;
    bool ignoreValue = false; // keep the current value (only the lease changes)
    bool ignoreLease = false; // keep the current lease
};

struct EtcdV3PutResult
{
    EtcdV3Header header;
    std::optional<EtcdV3KeyValue> prevKv; // with prevKv, when the key existed
};

struct EtcdV3DeleteOptions
{
    QByteArray rangeEnd; // as in EtcdV3RangeOptions
    bool prevKv = false;
};

struct EtcdV3DeleteResult
{
    EtcdV3Header header;
    qint64 deleted = 0;
    QList<EtcdV3KeyValue> prevKvs;
};

// One condition of a transaction: target(key) result operand.
struct EtcdV3Compare
{
    enum class Target { Version, Create, Mod, Value, Lease };
    enum class Result { Equal, Greater, Less, NotEqual };

    QByteArray key;
    QByteArray rangeEnd; // optional: compare every key in [key, rangeEnd)
    Target target = Target::Version;
    Result result = Result::Equal;
    qint64 number = 0; // version, create revision, mod revision or lease ID
    QByteArray value;  // for Target::Value

    static EtcdV3Compare valueIs(const QByteArray &key, Result r, const QByteArray &value);
    static EtcdV3Compare version(const QByteArray &key, Result r, qint64 version);
    static EtcdV3Compare createRevision(const QByteArray &key, Result r, qint64 revision);
    static EtcdV3Compare modRevision(const QByteArray &key, Result r, qint64 revision);
    static EtcdV3Compare lease(const QByteArray &key, Result r, quint64 lease);
};

// One operation of a transaction branch.
struct EtcdV3RequestOp
{
    enum class Type { Range, Put, DeleteRange };

    Type type = Type::Range;
    QByteArray key;
    QByteArray value; // Put
    EtcdV3RangeOptions range;
    EtcdV3PutOptions put;
    EtcdV3DeleteOptions deleteRange;

    static EtcdV3RequestOp makeRange(const QByteArray &key, const EtcdV3RangeOptions &o = {});
    static EtcdV3RequestOp makePut(const QByteArray &key, const QByteArray &value,
                                   const EtcdV3PutOptions &o = {});
    static EtcdV3RequestOp makeDelete(const QByteArray &key, const EtcdV3DeleteOptions &o = {});
};

// The answer to one operation, in the order of the branch that ran.
struct EtcdV3ResponseOp
{
    EtcdV3RequestOp::Type type = EtcdV3RequestOp::Type::Range;
    EtcdV3RangeResult range;
    EtcdV3PutResult put;
    EtcdV3DeleteResult deleteRange;
};

struct EtcdV3TxnRequest
{
    QList<EtcdV3Compare> compare;
    QList<EtcdV3RequestOp> success;
    QList<EtcdV3RequestOp> failure;
};

struct EtcdV3TxnResult
{
    EtcdV3Header header;
    bool succeeded = false; // false: every compare did not hold and `failure` ran
    QList<EtcdV3ResponseOp> responses;
};

// ---- Lease ------------------------------------------------------------------------------------

struct EtcdV3LeaseGrantResult
{
    EtcdV3Header header;
    quint64 id = 0;
    qint64 ttl = 0; // seconds granted
};

struct EtcdV3LeaseTimeToLiveResult
{
    EtcdV3Header header;
    quint64 id = 0;
    qint64 ttl = 0;        // seconds left; -1 when the lease expired or never existed
    qint64 grantedTtl = 0; // seconds at grant or last keep-alive
    QList<QByteArray> keys;
};

struct EtcdV3LeaseListResult
{
    EtcdV3Header header;
    QList<quint64> leases;
};

struct EtcdV3LeaseKeepAliveResult
{
    EtcdV3Header header;
    quint64 id = 0;
    qint64 ttl = 0; // the renewed TTL in seconds
};

// ---- Cluster ----------------------------------------------------------------------------------

struct EtcdV3Member
{
    quint64 id = 0;
    QString name; // empty for a member added but not started yet
    QStringList peerUrls;
    QStringList clientUrls;
    bool isLearner = false;
};

struct EtcdV3MemberListResult
{
    EtcdV3Header header;
    QList<EtcdV3Member> members;
};

struct EtcdV3MemberAddResult
{
    EtcdV3Header header;
    EtcdV3Member member; // the added member
    QList<EtcdV3Member> members;
};

// ---- Maintenance ------------------------------------------------------------------------------

struct EtcdV3Status
{
    EtcdV3Header header;
    QString version;
    qint64 dbSize = 0;      // bytes allocated by the backend
    qint64 dbSizeInUse = 0; // bytes in use (3.4+)
    quint64 leader = 0;     // member ID of the leader
    quint64 raftIndex = 0;
    quint64 raftTerm = 0;
    quint64 raftAppliedIndex = 0;
    QStringList errors;
    bool isLearner = false;
};

enum class EtcdV3AlarmType { None, NoSpace, Corrupt };
enum class EtcdV3AlarmAction { Get, Activate, Deactivate };

struct EtcdV3Alarm
{
    quint64 memberId = 0;
    EtcdV3AlarmType alarm = EtcdV3AlarmType::None;
};

struct EtcdV3AlarmResult
{
    EtcdV3Header header;
    QList<EtcdV3Alarm> alarms;
};

// ---- Auth -------------------------------------------------------------------------------------

struct EtcdV3AuthenticateResult
{
    EtcdV3Header header;
    QByteArray token; // sent raw as the Authorization header
};
