#pragma once

#include <QByteArray>
#include <QMetaType>
#include <QString>
#include <QStringList>

// A typed error from any layer of the client: transport, HTTP, etcd itself or decoding.
// Below ui/ an error is data; ui/ decides how to show it.
class EtcdError
{
public:
    enum class Kind {
        None,      // no error
        Network,   // connection refused, reset, host not found, ...
        Timeout,   // the call's timeout ran out
        Tls,       // TLS handshake or certificate verification failed
        Http,      // an HTTP status the API does not explain (HTML 500, 404 of a missing API)
        Etcd,      // etcd answered with an error of its own (code() holds it)
        Protocol,  // the answer could not be decoded (malformed or truncated JSON)
        Cancelled, // the caller cancelled the call
        ReadOnly,  // a write refused by a read-only connection, before it was sent
    };

    // What went wrong, independent of the API version that said it.
    enum class Condition {
        None,
        Other,
        KeyNotFound,          // v2 100
        CompareFailed,        // v2 101
        NotAFile,             // v2 102
        NotADirectory,        // v2 104
        KeyExists,            // v2 105
        RootReadOnly,         // v2 107
        DirectoryNotEmpty,    // v2 108
        Unauthorized,         // v2 110, v3 unauthenticated (no token while auth on)
        InvalidField,         // v2 2xx, v3 invalid argument
        WatcherCleared,       // v2 400
        EventIndexCleared,    // v2 401
        Compacted,            // v3 code 11, "required revision has been compacted"
        FutureRevision,       // v3 code 11, "required revision is a future revision"
        LeaseNotFound,        // v3 code 5
        MemberNotFound,       // v3 code 5, v2 404 on a member
        InvalidToken,         // v3 code 16, "invalid auth token"
        AuthFailed,           // wrong user name or password
        AuthNotEnabled,       // authenticate while auth is off
        PermissionDenied,     // v3 code 7
        RequestTooLarge,      // over --max-request-bytes
        NoSpace,              // v3 code 8, NOSPACE alarm
        Unavailable,          // v3 code 14, no leader, v2 300/301
        LearnerNotReady,      // v3 code 9, learner not in sync with the leader
        ApiNotAvailable,      // the endpoint does not serve this API (404 page not found)
        NotLeader,            // a follower asked what only the leader knows (v2 stats leader, 403)
        Unreachable,          // no server answered at the endpoint (connection refused, no host)
        CertificateUntrusted, // TLS: the server's certificate could not be verified
        ClusterUnhealthy,     // v3 code 14: a membership change while members are not all up
        PeerUrlExists,        // v3 code 9, v2 409: a member already uses the peer URL
        MemberExists,         // v3 code 9, v2 409: a member with that ID is in the cluster
        TooManyLearners,      // v3 code 9: the cluster has as many learners as allowed
        NotEnoughStartedMembers, // v3 code 9: the change would leave too few started members
        NotALearner,             // v3 code 9: promote of a member that votes already
        NotConnected,            // made by the client: there is no connection to ask
        V3Required,              // made by the client: the operation exists in the v3 API only
        HistoryUnsupported,      // a read at a past revision of an API without history (v2)
    };

    EtcdError() = default;
    EtcdError(Kind kind, QString message);

    static EtcdError none() { return {}; }
    static EtcdError network(QString message, QString endpoint = {});
    static EtcdError timeout(int ms, QString endpoint = {});
    static EtcdError protocol(QString message, QString endpoint = {});
    static EtcdError cancelled();
    static EtcdError readOnly(QString what);
    static EtcdError notConnected();
    // The operation (`what`, for logs) exists in the v3 API only; the connection uses v2.
    static EtcdError v3Required(QString what);
    // A read found no such key (v3 answers an empty range, not an error).
    static EtcdError keyNotFound(const QByteArray &key);
    // A create's compare (version == 0) found the key there.
    static EtcdError keyExists(const QByteArray &key);
    // A compare the client made found the key changed since it was read: changed at
    // `revision` (v3 mod revision, v2 modifiedIndex), CompareFailed; or deleted, KeyNotFound.
    // isConflict() tells it from etcd's own answer.
    static EtcdError conflict(const QByteArray &key, bool exists, qint64 revision);

    bool isError() const { return m_kind != Kind::None; }
    explicit operator bool() const { return isError(); }

    Kind kind() const { return m_kind; }
    Condition condition() const { return m_condition; }
    // etcd's own code: the v2 errorCode or the v3 gRPC code; 0 when there is none.
    int code() const { return m_code; }
    int httpStatus() const { return m_httpStatus; }
    QString message() const { return m_message; }
    QString cause() const { return m_cause; }
    QString endpoint() const { return m_endpoint; }
    // v2: the store index the error happened at; 0 when unknown.
    qint64 index() const { return m_index; }
    // TLS: one line per certificate problem (reason, subject, issuer, validity).
    QStringList details() const { return m_details; }
    // Made by conflict(): the key changed or went since the client read it.
    bool isConflict() const { return m_conflict; }
    // conflict(): the revision (v3) or index (v2) the key was changed at; 0 when unknown.
    qint64 revision() const { return m_revision; }

    EtcdError &setCondition(Condition c)
    {
        m_condition = c;
        return *this;
    }
    EtcdError &setCode(int code)
    {
        m_code = code;
        return *this;
    }
    EtcdError &setHttpStatus(int status)
    {
        m_httpStatus = status;
        return *this;
    }
    EtcdError &setCause(QString cause)
    {
        m_cause = std::move(cause);
        return *this;
    }
    EtcdError &setEndpoint(QString endpoint)
    {
        m_endpoint = std::move(endpoint);
        return *this;
    }
    EtcdError &setIndex(qint64 index)
    {
        m_index = index;
        return *this;
    }
    EtcdError &setDetails(QStringList details)
    {
        m_details = std::move(details);
        return *this;
    }

    bool is(Condition c) const { return m_condition == c; }

    // One line for logs and status bars: "etcd error 100 (Key not found): /a [at http://…]".
    QString toString() const;
    static QString kindName(Kind kind);

private:
    Kind m_kind = Kind::None;
    Condition m_condition = Condition::None;
    int m_code = 0;
    int m_httpStatus = 0;
    qint64 m_index = 0;
    qint64 m_revision = 0;
    bool m_conflict = false;
    QString m_message;
    QString m_cause;
    QString m_endpoint;
    QStringList m_details;
};

Q_DECLARE_METATYPE(EtcdError)

// The value of a call, or the error that took its place.
template<typename T> struct EtcdResult
{
    T value{};
    EtcdError error;

    bool ok() const { return !error.isError(); }
};

struct EtcdNothing
{
};
