#pragma once

#include "etcdcall.h"
#include "etcderror.h"
#include "etcdv3types.h"

#include <QList>
#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>

class EtcdTransport;

// The etcd v3 API through its JSON gateway (POST /v3/...): KV, transactions, compaction, leases,
// cluster membership, maintenance and authentication. Stateless except for authentication: when
// the transport holds credentials the client gets a token before the first request and renews it
// once per call on "invalid auth token", with a single authenticate request in flight.
class EtcdV3Client : public QObject
{
    Q_OBJECT
public:
    template<typename T> using Callback = std::function<void(const EtcdResult<T> &)>;
    // A decoded-or-failed answer: error is set for transport failures and etcd's error bodies;
    // otherwise response is a 2xx answer whose body the caller decodes.
    using RawCallback = std::function<void(const EtcdHttpResponse &, const EtcdError &)>;

    explicit EtcdV3Client(EtcdTransport *transport, QObject *parent = nullptr);
    ~EtcdV3Client() override;

    EtcdTransport *transport() const { return m_transport; }
    // "/v3" (3.4+, the default) or "/v3beta" (3.3).
    void setApiPrefix(const QByteArray &prefix) { m_prefix = prefix; }
    QByteArray apiPrefix() const { return m_prefix; }

    // The range_end that makes [prefix, end) every key starting with prefix: the last byte + 1,
    // dropping trailing 0xff bytes first. A prefix that is empty or all 0xff gives "\0" (all keys
    // from key on).
    static QByteArray prefixRangeEnd(const QByteArray &prefix);

    // KV
    EtcdCall *range(const QByteArray &key, const EtcdV3RangeOptions &options, QObject *context,
                    Callback<EtcdV3RangeResult> callback);
    EtcdCall *put(const QByteArray &key, const QByteArray &value, const EtcdV3PutOptions &options,
                  QObject *context, Callback<EtcdV3PutResult> callback);
    EtcdCall *deleteRange(const QByteArray &key, const EtcdV3DeleteOptions &options,
                          QObject *context, Callback<EtcdV3DeleteResult> callback);
    EtcdCall *txn(const EtcdV3TxnRequest &request, QObject *context,
                  Callback<EtcdV3TxnResult> callback);
    // Drops history before `revision`; physical waits until the space is freed.
    EtcdCall *compact(qint64 revision, bool physical, QObject *context,
                      Callback<EtcdV3Header> callback);

    // Lease
    // id 0: etcd picks the ID.
    EtcdCall *leaseGrant(qint64 ttlSeconds, quint64 id, QObject *context,
                         Callback<EtcdV3LeaseGrantResult> callback);
    EtcdCall *leaseRevoke(quint64 id, QObject *context, Callback<EtcdV3Header> callback);
    // TTL -1 when the lease is gone (not an error, as etcd answers it).
    EtcdCall *leaseTimeToLive(quint64 id, bool withKeys, QObject *context,
                              Callback<EtcdV3LeaseTimeToLiveResult> callback);
    EtcdCall *leases(QObject *context, Callback<EtcdV3LeaseListResult> callback);
    // One renewal. A lease that is gone gives Condition::LeaseNotFound (etcd answers TTL 0).
    EtcdCall *leaseKeepAliveOnce(quint64 id, QObject *context,
                                 Callback<EtcdV3LeaseKeepAliveResult> callback);

    // Cluster
    EtcdCall *memberList(QObject *context, Callback<EtcdV3MemberListResult> callback);
    EtcdCall *memberAdd(const QStringList &peerUrls, bool isLearner, QObject *context,
                        Callback<EtcdV3MemberAddResult> callback);
    EtcdCall *memberRemove(quint64 id, QObject *context, Callback<EtcdV3MemberListResult> callback);
    EtcdCall *memberUpdate(quint64 id, const QStringList &peerUrls, QObject *context,
                           Callback<EtcdV3MemberListResult> callback);
    EtcdCall *memberPromote(quint64 id, QObject *context,
                            Callback<EtcdV3MemberListResult> callback);

    // Maintenance
    EtcdCall *status(QObject *context, Callback<EtcdV3Status> callback);
    // memberId 0 and alarm None with Get: every alarm of the cluster.
    EtcdCall *alarm(EtcdV3AlarmAction action, quint64 memberId, EtcdV3AlarmType alarm,
                    QObject *context, Callback<EtcdV3AlarmResult> callback);

    // Auth: only returns the token (does not store it on the transport). Wrong name or password
    // gives Condition::AuthFailed; a cluster without auth gives Condition::AuthNotEnabled.
    EtcdCall *authenticate(const QString &name, const QString &password, QObject *context,
                           Callback<EtcdV3AuthenticateResult> callback);

    // The building block of every operation, public for the other v3 parts (watch): POSTs `body`
    // to apiPrefix() + apiPath with the token logic above, maps error answers to EtcdError.
    // kind decides failover; operation names it in logs ("v3 put").
    EtcdCall *post(const QByteArray &apiPath, const QByteArray &body, EtcdHttpRequest::Kind kind,
                   const QString &operation, QObject *context, RawCallback callback);
    // post() for a server stream (the watch): a read (fails over on connection failure) without
    // a timeout; each chunk of a 2xx body arrives through the call's dataArrived(), and the
    // callback runs once when the stream ends (with what was left unread, or the error).
    EtcdCall *postStream(const QByteArray &apiPath, const QByteArray &body,
                         const QString &operation, QObject *context, RawCallback callback);
    // postStream() for a gRPC server stream at `path` ("/etcdserverpb.Watch/Watch"), over
    // HTTP/2 with the same token and failover; `body` is the framed protobuf request. A 2xx
    // answer reaches the callback even when it carries a gRPC error status in its headers.
    EtcdCall *postGrpcStream(const QByteArray &path, const QByteArray &body,
                             const QString &operation, QObject *context, RawCallback callback,
                             int connectionTag = 0);
    // A unary gRPC call (with the default timeout, sent as its grpc-timeout), on the same HTTP/2
    // connection as the streams to that endpoint with the same `connectionTag`
    // (EtcdHttpRequest); `kind` decides failover. (`streaming`: for postGrpcStream.)
    // EtcdGrpcCall builds on it.
    EtcdCall *postGrpc(const QByteArray &path, const QByteArray &body, const QString &operation,
                       QObject *context, RawCallback callback, bool streaming = false,
                       int connectionTag = 0,
                       EtcdHttpRequest::Kind kind = EtcdHttpRequest::Kind::Read);

    // Gets a new token now, for a refusal the client cannot see by itself: etcd cancels a watch
    // inside its 200 stream ("invalid auth token"). Shares the single authenticate in flight with
    // the calls that renew on an error answer, and counts in authenticationCount().
    // `refusedToken` is the token etcd refused (EtcdCall::tokenSent()): when the transport holds
    // another one already, renewed since, nothing is sent. `done` runs later, never inside this
    // function nor after `context` is destroyed: no error once a token is stored (or etcd said
    // auth is off), else why not.
    void renewToken(QObject *context, std::function<void(const EtcdError &)> done,
                    const QByteArray &refusedToken = {});

    // How many authenticate requests the client sent by itself (for tests and diagnostics).
    int authenticationCount() const { return m_authCount; }
    // Credentials were given but etcd said authentication is off (Condition::AuthNotEnabled,
    // from the endpoint that said it): calls go on without a token. None otherwise.
    EtcdError authNotEnabled() const { return m_authNotEnabled; }

Q_SIGNALS:
    // The client obtained a new token on its own.
    void tokenRenewed();
    // An authentication found the cluster with authentication off (authNotEnabled()).
    void authFoundDisabled();

private:
    struct CallState;
    template<typename T>
    EtcdCall *postDecoded(const QByteArray &apiPath, const QByteArray &body,
                          EtcdHttpRequest::Kind kind, const QString &operation, QObject *context,
                          Callback<T> callback,
                          std::function<EtcdError(const QByteArray &, T *)> decode);

    // renewal: the call only carries an authenticate request (renewToken()), nothing after it.
    EtcdCall *send(const EtcdHttpRequest &request, QObject *context, RawCallback callback,
                   bool useToken, bool renewal = false);
    void startRenewal();
    void notifyRenewals(const EtcdError &error);
    bool handle(EtcdCall *call, const std::shared_ptr<CallState> &state,
                const EtcdHttpResponse &response, const EtcdError &error);
    bool handleAuthAnswer(EtcdCall *call, const std::shared_ptr<CallState> &state,
                          const EtcdHttpResponse &response, const EtcdError &error);
    void becomeAuthCarrier(EtcdCall *call, const std::shared_ptr<CallState> &state);
    void resumeWaiting();
    void failWaiting(const EtcdError &error);
    void onCarrierFinished(EtcdCall *call);
    EtcdHttpRequest makeRequest(const QByteArray &apiPath, const QByteArray &body,
                                EtcdHttpRequest::Kind kind, const QString &operation) const;
    EtcdHttpRequest authenticateRequest() const;
    QByteArray leasePath(const char *name) const;

    EtcdTransport *m_transport;
    QByteArray m_prefix = "/v3";
    // The call whose request is currently the shared authenticate; others wait for it.
    QPointer<EtcdCall> m_authCarrier;
    QList<QPair<QPointer<EtcdCall>, std::shared_ptr<CallState>>> m_waiting;
    // renewToken() callers waiting for the authentication in flight.
    QList<std::function<void(const EtcdError &)>> m_renewals;
    EtcdError m_authNotEnabled; // the cluster said auth is off: send without a token
    int m_authCount = 0;
    // Authentications answered so far, and how the last one that etcd refused ended: a call
    // refused while an authentication was on its way takes that answer instead of asking again.
    int m_authRounds = 0;
    EtcdError m_lastAuthError;
};

template<typename T>
EtcdCall *EtcdV3Client::postDecoded(const QByteArray &apiPath, const QByteArray &body,
                                    EtcdHttpRequest::Kind kind, const QString &operation,
                                    QObject *context, Callback<T> callback,
                                    std::function<EtcdError(const QByteArray &, T *)> decode)
{
    return post(
        apiPath, body, kind, operation, context,
        [callback = std::move(callback),
         decode = std::move(decode)](const EtcdHttpResponse &response, const EtcdError &error) {
            EtcdResult<T> result;
            if (error) {
                result.error = error;
            } else {
                result.error = decode(response.body, &result.value);
                if (result.error) {
                    result.value = T{};
                    result.error.setEndpoint(response.endpoint).setHttpStatus(response.status);
                }
            }
            if (callback)
                callback(result);
        });
}
