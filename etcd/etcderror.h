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
        KeyNotFound,       // v2 100
        CompareFailed,     // v2 101
        NotAFile,          // v2 102
        NotADirectory,     // v2 104
        KeyExists,         // v2 105
        RootReadOnly,      // v2 107
        DirectoryNotEmpty, // v2 108
        Unauthorized,      // v2 110, v3 unauthenticated (no token while auth on)
        InvalidField,      // v2 2xx, v3 invalid argument
        WatcherCleared,    // v2 400
        EventIndexCleared, // v2 401
        Compacted,         // v3 code 11, "required revision has been compacted"
        FutureRevision,    // v3 code 11, "required revision is a future revision"
        LeaseNotFound,     // v3 code 5
        MemberNotFound,    // v3 code 5, v2 404 on a member
        InvalidToken,      // v3 code 16, "invalid auth token"
        AuthFailed,        // wrong user name or password
        AuthNotEnabled,    // authenticate while auth is off
        PermissionDenied,  // v3 code 7
        RequestTooLarge,   // over --max-request-bytes
        NoSpace,           // v3 code 8, NOSPACE alarm
        Unavailable,       // v3 code 14, no leader, v2 300/301
        LearnerNotReady,   // v3 code 9, learner not in sync with the leader
        ApiNotAvailable,   // the endpoint does not serve this API (404 page not found)
    NotLeader,         // a follower asked what only the leader knows (v2 stats leader, 403)
        Unreachable,       // no server answered at the endpoint (connection refused, no host)
        HistoryUnsupported, // a read at a past revision of an API without history (v2)
    };

    EtcdError() = default;
    EtcdError(Kind kind, QString message);

    static EtcdError none() { return {}; }
    static EtcdError network(QString message, QString endpoint = {});
    static EtcdError timeout(int ms, QString endpoint = {});
    static EtcdError protocol(QString message, QString endpoint = {});
    static EtcdError cancelled();
    static EtcdError readOnly(QString what);

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

    EtcdError &setCondition(Condition c) { m_condition = c; return *this; }
    EtcdError &setCode(int code) { m_code = code; return *this; }
    EtcdError &setHttpStatus(int status) { m_httpStatus = status; return *this; }
    EtcdError &setCause(QString cause) { m_cause = std::move(cause); return *this; }
    EtcdError &setEndpoint(QString endpoint) { m_endpoint = std::move(endpoint); return *this; }
    EtcdError &setIndex(qint64 index) { m_index = index; return *this; }
    EtcdError &setDetails(QStringList details) { m_details = std::move(details); return *this; }

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
    QString m_message;
    QString m_cause;
    QString m_endpoint;
    QStringList m_details;
};

Q_DECLARE_METATYPE(EtcdError)

// The value of a call, or the error that took its place.
template<typename T>
struct EtcdResult
{
    T value{};
    EtcdError error;

    bool ok() const { return !error.isError(); }
};

struct EtcdNothing
{};
