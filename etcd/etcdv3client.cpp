#include "etcdv3client.h"

#include "etcdlog.h"
#include "etcdtransport.h"
#include "etcdv3json.h"

#include <QMetaObject>
#include <QThreadPool>

#include <algorithm>
#include <memory>

// The state one logical call keeps across its attempts. While `authenticating`, the call's HTTP
// request is the shared authenticate request and `request` waits to be sent after it.
struct EtcdV3Client::CallState
{
    EtcdHttpRequest request;
    RawCallback callback;
    bool authenticating = false;
    bool reauthUsed = false;        // the one re-authentication a call may trigger or wait for
    bool tokenlessWaitUsed = false; // sent before the first token existed, waited for it once
    QByteArray tokenAtSend;         // the token the last attempt went out with
    bool watchedAsCarrier = false;  // its finished() is connected to onCarrierFinished()
    int authRoundsAtSend = 0;       // m_authRounds when the last attempt went out
    bool answered = false;          // a decode off the thread delivered: the call only ends
    bool renewal = false;           // carries an authenticate for renewToken() and nothing else
};

namespace {

bool isAuthRetryable(const EtcdError &e)
{
    // "invalid auth token" (expired or bogus), "user name is empty" (no token while auth is on)
    // and "revision of auth store is old" all mean: get a new token and send again.
    return e.kind() == EtcdError::Kind::Etcd &&
           (e.is(EtcdError::Condition::InvalidToken) || e.is(EtcdError::Condition::Unauthorized));
}

bool isSuccess(int status)
{
    return status >= 200 && status < 300;
}

// Range answers of at least this size are decoded on a worker thread: a page of 16,384 keys is
// about 1-2 MB of JSON and takes 20-100 ms to decode, a stall the GUI thread should not have.
// Smaller ones are decoded in place, where a thread hop would cost more than it saves.
constexpr qsizetype kOffThreadDecodeBytes = 256 * 1024;

EtcdResult<EtcdV3RangeResult> decodeRangeAnswer(const EtcdHttpResponse &response)
{
    EtcdResult<EtcdV3RangeResult> result;
    result.error = EtcdV3Json::decodeRange(response.body, &result.value);
    if (result.error) {
        result.value = EtcdV3RangeResult{};
        result.error.setEndpoint(response.endpoint).setHttpStatus(response.status);
    }
    return result;
}

// The raw callback of range(). Its own type so that handle() can recognise a range answer (via
// std::function::target) and decode a big one off the thread; called directly, it decodes in
// place (errors, small answers, and answers after the client is gone).
struct RangeCallback
{
    std::shared_ptr<EtcdV3Client::Callback<EtcdV3RangeResult>> callback;

    void operator()(const EtcdHttpResponse &response, const EtcdError &error) const
    {
        EtcdResult<EtcdV3RangeResult> result;
        if (error)
            result.error = error;
        else
            result = decodeRangeAnswer(response);
        if (*callback)
            (*callback)(result);
    }
};

// Decodes a big 2xx range answer on QThreadPool::globalInstance() and delivers it on the call's
// thread. The call stays unfinished meanwhile (the handler returned false), so a caller can still
// cancel it; the result is dropped when the call was cancelled, timed out or its context died.
// After delivery the call is finished. Returns false when the answer is decoded in place.
bool decodeOffThread(EtcdCall *call, const EtcdHttpResponse &response, const RangeCallback &range,
                     std::function<void()> markAnswered)
{
    if (response.body.size() < kOffThreadDecodeBytes)
        return false;
    // Moved from the worker into the delivery, never shared between threads: everything in it
    // (the caller's callback included) is destroyed on the call's thread.
    struct Pending
    {
        QPointer<EtcdCall> call; // read on the call's thread only
        EtcdHttpResponse response;
        RangeCallback range;
        std::function<void()> markAnswered;
        EtcdResult<EtcdV3RangeResult> result;
    };
    auto pending = std::make_unique<Pending>();
    pending->call = call;
    pending->response = response;
    pending->range = range;
    pending->markAnswered = std::move(markAnswered);
    // The queued delivery needs a receiver in the call's thread that outlives the worker: the
    // call itself may be deleted meanwhile. The delivery holds the last reference.
    std::shared_ptr<QObject> receiver(new QObject, [](QObject *o) { o->deleteLater(); });
    // QThreadPool::start takes a std::function, which must be copyable: share the unique state.
    auto shared = std::make_shared<std::unique_ptr<Pending>>(std::move(pending));
    QThreadPool::globalInstance()->start([shared, receiver]() mutable {
        std::unique_ptr<Pending> p = std::move(*shared);
        p->result = decodeRangeAnswer(p->response);
        p->response = EtcdHttpResponse{};
        auto delivery = std::make_shared<std::unique_ptr<Pending>>(std::move(p));
        QObject *target = receiver.get();
        QMetaObject::invokeMethod(
            target,
            [delivery, receiver = std::move(receiver)] {
                Pending &d = **delivery;
                EtcdCall *c = d.call;
                if (!c || c->isFinished() || c->isCancelled())
                    return;
                d.markAnswered();
                if (*d.range.callback)
                    (*d.range.callback)(d.result);
                // End the call; its handler sees `answered` and only finishes it. The callback
                // may have cancelled it already.
                if (d.call && !d.call->isFinished())
                    d.call->fail(EtcdError());
            },
            Qt::QueuedConnection);
        shared.reset();
    });
    return true;
}

} // namespace

EtcdV3Client::EtcdV3Client(EtcdTransport *transport, QObject *parent)
    : QObject(parent)
    , m_transport(transport)
{
}

EtcdV3Client::~EtcdV3Client() = default;

QByteArray EtcdV3Client::prefixRangeEnd(const QByteArray &prefix)
{
    QByteArray end = prefix;
    while (!end.isEmpty()) {
        const auto last = uchar(end.back());
        if (last < 0xff) {
            end.back() = char(last + 1);
            return end;
        }
        end.chop(1); // 0xff cannot be incremented: carry into the byte before
    }
    return QByteArray(1, '\0');
}

EtcdHttpRequest EtcdV3Client::makeRequest(const QByteArray &apiPath, const QByteArray &body,
                                          EtcdHttpRequest::Kind kind,
                                          const QString &operation) const
{
    EtcdHttpRequest req;
    req.method = "POST";
    req.path = m_prefix + apiPath;
    req.body = body;
    req.contentType = "application/json";
    req.kind = kind;
    req.auth = EtcdHttpRequest::Auth::Token;
    req.operation = operation;
    return req;
}

EtcdHttpRequest EtcdV3Client::authenticateRequest() const
{
    // A read for the transport: idempotent, allowed on a read-only connection, may fail over.
    EtcdHttpRequest req =
        makeRequest("/auth/authenticate",
                    EtcdV3Json::encodeAuthenticate(m_transport->user(), m_transport->password()),
                    EtcdHttpRequest::Kind::Read, QStringLiteral("v3 authenticate"));
    req.auth = EtcdHttpRequest::Auth::None;
    return req;
}

QByteArray EtcdV3Client::leasePath(const char *name) const
{
    // 3.3 (/v3beta) serves revoke, timetolive and leases only under /kv/lease/; 3.4+ serve both.
    if (m_prefix == "/v3beta")
        return QByteArray("/kv/lease/") + name;
    return QByteArray("/lease/") + name;
}

EtcdCall *EtcdV3Client::post(const QByteArray &apiPath, const QByteArray &body,
                             EtcdHttpRequest::Kind kind, const QString &operation, QObject *context,
                             RawCallback callback)
{
    return send(makeRequest(apiPath, body, kind, operation), context, std::move(callback), true);
}

EtcdCall *EtcdV3Client::postStream(const QByteArray &apiPath, const QByteArray &body,
                                   const QString &operation, QObject *context, RawCallback callback)
{
    EtcdHttpRequest request = makeRequest(apiPath, body, EtcdHttpRequest::Kind::Read, operation);
    request.streaming = true;
    EtcdCall *call = send(request, context, std::move(callback), true);
    // The call may carry the authenticate request first, which set the default timeout.
    call->setTimeout(0);
    return call;
}

EtcdCall *EtcdV3Client::postGrpcStream(const QByteArray &path, const QByteArray &body,
                                       const QString &operation, QObject *context,
                                       RawCallback callback, int connectionTag)
{
    EtcdCall *call =
        postGrpc(path, body, operation, context, std::move(callback), true, connectionTag);
    call->setTimeout(0);
    return call;
}

EtcdCall *EtcdV3Client::postGrpc(const QByteArray &path, const QByteArray &body,
                                 const QString &operation, QObject *context, RawCallback callback,
                                 bool streaming, int connectionTag, EtcdHttpRequest::Kind kind)
{
    EtcdHttpRequest request = makeRequest({}, body, kind, operation);
    request.path = path;
    request.contentType = "application/grpc";
    request.grpc = true;
    request.streaming = streaming;
    request.connectionTag = connectionTag;
    return send(request, context, std::move(callback), true);
}

EtcdCall *EtcdV3Client::send(const EtcdHttpRequest &request, QObject *context, RawCallback callback,
                             bool useToken, bool renewal)
{
    auto state = std::make_shared<CallState>();
    state->request = request;
    state->callback = std::move(callback);
    if (!useToken)
        state->request.auth = EtcdHttpRequest::Auth::None;

    // Authenticate before the first request: this call carries the authenticate request first.
    // A write on a read-only connection is left to the transport to refuse, without a token.
    const bool refusedAnyway =
        m_transport->isReadOnly() && request.kind == EtcdHttpRequest::Kind::Write;
    const bool carry =
        renewal || (useToken && !refusedAnyway && m_transport->hasCredentials() &&
                    m_transport->token().isEmpty() && !m_authNotEnabled && !m_authCarrier);
    state->authenticating = carry;
    state->renewal = renewal;
    state->tokenAtSend = m_transport->token();
    state->authRoundsAtSend = m_authRounds;

    QPointer<EtcdV3Client> self(this);
    EtcdCall *call = m_transport->send(
        carry ? authenticateRequest() : state->request, context,
        [self, state, useToken](EtcdCall *c, const EtcdHttpResponse &r, const EtcdError &e) {
            if (state->answered)
                return true; // decoded off the thread and delivered: only finishing the call
            if (self && useToken)
                return self->handle(c, state, r, e);
            // The client is gone (or this is the plain authenticate): no token logic.
            if (state->authenticating) {
                state->callback({}, EtcdError(EtcdError::Kind::Cancelled,
                                              QStringLiteral("the v3 client was destroyed")));
            } else if (e) {
                state->callback(r, e);
            } else if (isSuccess(r.status)) {
                state->callback(r, {});
            } else {
                state->callback(r, EtcdV3Json::decodeError(r));
            }
            return true;
        });
    if (carry) {
        ++m_authCount;
        m_authCarrier = call;
        state->watchedAsCarrier = true;
        connect(call, &EtcdCall::finished, this, [this, call] { onCarrierFinished(call); });
    }
    return call;
}

bool EtcdV3Client::handle(EtcdCall *call, const std::shared_ptr<CallState> &state,
                          const EtcdHttpResponse &response, const EtcdError &error)
{
    if (state->authenticating)
        return handleAuthAnswer(call, state, response, error);
    if (error) {
        state->callback(response, error);
        return true;
    }
    if (isSuccess(response.status)) {
        if (const auto *range = state->callback.target<RangeCallback>()) {
            if (decodeOffThread(call, response, *range, [state] { state->answered = true; }))
                return false;
        }
        state->callback(response, {});
        return true;
    }
    const EtcdError e = EtcdV3Json::decodeError(response);
    if (isAuthRetryable(e) && m_transport->hasCredentials()) {
        // An authentication etcd refused (wrong password) finished after this call went out:
        // its answer is this call's answer too; asking again would only repeat it.
        if (m_lastAuthError && m_authRounds > state->authRoundsAtSend && !m_authCarrier &&
            m_transport->token() == state->tokenAtSend) {
            state->callback({}, m_lastAuthError);
            return true;
        }
        // Sent without a token while the first authentication was on its way: just wait for it.
        if (m_authCarrier && state->tokenAtSend.isEmpty() && !state->tokenlessWaitUsed) {
            state->tokenlessWaitUsed = true;
            m_waiting.append({call, state});
            return false;
        }
        if (!state->reauthUsed) {
            state->reauthUsed = true;
            if (m_authCarrier) {
                m_waiting.append({call, state});
                return false;
            }
            const QByteArray current = m_transport->token();
            if (!current.isEmpty() && current != state->tokenAtSend) {
                // Another call renewed the token after this one went out.
                state->tokenAtSend = current;
                state->authRoundsAtSend = m_authRounds;
                call->resend();
                return false;
            }
            qCDebug(lcEtcdClient) << "v3:" << e.message() << "- authenticating again";
            becomeAuthCarrier(call, state);
            return false;
        }
    }
    state->callback(response, e);
    return true;
}

void EtcdV3Client::becomeAuthCarrier(EtcdCall *call, const std::shared_ptr<CallState> &state)
{
    state->authenticating = true;
    ++m_authCount;
    m_authCarrier = call;
    if (!std::exchange(state->watchedAsCarrier, true))
        connect(call, &EtcdCall::finished, this, [this, call] { onCarrierFinished(call); });
    call->mutableRequest() = authenticateRequest();
    call->resend();
}

bool EtcdV3Client::handleAuthAnswer(EtcdCall *call, const std::shared_ptr<CallState> &state,
                                    const EtcdHttpResponse &response, const EtcdError &error)
{
    state->authenticating = false;
    if (m_authCarrier == call)
        m_authCarrier = nullptr;
    ++m_authRounds;

    EtcdError e = error;
    EtcdV3AuthenticateResult auth;
    if (!e) {
        if (isSuccess(response.status)) {
            e = EtcdV3Json::decodeAuthenticate(response.body, &auth);
            if (e)
                e.setEndpoint(response.endpoint).setHttpStatus(response.status);
        } else {
            e = EtcdV3Json::decodeError(response);
        }
    }

    if (!e || e.is(EtcdError::Condition::AuthNotEnabled)) {
        m_lastAuthError = {};
        const bool wasOff = m_authNotEnabled.isError();
        m_authNotEnabled = e;
        if (e) {
            // Credentials for a cluster without auth: etcdctl goes on without a token too.
            if (!wasOff)
                Q_EMIT authFoundDisabled();
        } else {
            m_transport->setToken(auth.token);
            Q_EMIT tokenRenewed();
        }
        resumeWaiting();
        if (state->renewal) {
            state->callback({}, {});
            return true;
        }
        state->tokenAtSend = m_transport->token();
        state->authRoundsAtSend = m_authRounds;
        call->mutableRequest() = state->request;
        call->resend();
        return false;
    }

    if (e.kind() == EtcdError::Kind::Timeout || e.kind() == EtcdError::Kind::Cancelled) {
        // This call ran out of time; the others may still have theirs: one of them carries on.
        // renewToken() callers have no time of their own: they learn it went wrong.
        onCarrierFinished(nullptr);
        if (!m_authCarrier)
            notifyRenewals(e);
    } else {
        if (e.kind() == EtcdError::Kind::Etcd)
            m_lastAuthError = e;
        failWaiting(e);
    }
    state->callback({}, e);
    return true;
}

void EtcdV3Client::resumeWaiting()
{
    notifyRenewals({});
    const auto waiting = std::exchange(m_waiting, {});
    for (const auto &[call, state] : waiting) {
        if (!call || call->isFinished())
            continue;
        state->tokenAtSend = m_transport->token();
        state->authRoundsAtSend = m_authRounds;
        call->resend();
    }
}

void EtcdV3Client::failWaiting(const EtcdError &error)
{
    notifyRenewals(error);
    const auto waiting = std::exchange(m_waiting, {});
    for (const auto &entry : waiting) {
        if (entry.first && !entry.first->isFinished())
            entry.first->fail(error);
    }
}

void EtcdV3Client::onCarrierFinished(EtcdCall *call)
{
    if (call && m_authCarrier != call)
        return;
    // The carrier was cancelled (or timed out) before its authenticate answer: hand the
    // authentication to the first call still waiting, so none waits forever.
    m_authCarrier = nullptr;
    while (!m_waiting.isEmpty()) {
        const auto [next, state] = m_waiting.takeFirst();
        if (next && !next->isFinished()) {
            becomeAuthCarrier(next, state);
            return;
        }
    }
    // A cancelled carrier and no call left to take over: renewToken() callers still want a
    // token. (After a time-out, handleAuthAnswer() tells them instead.)
    if (call && !m_renewals.isEmpty())
        startRenewal();
}

void EtcdV3Client::renewToken(QObject *context, std::function<void(const EtcdError &)> done,
                              const QByteArray &refusedToken)
{
    QPointer<QObject> guard(context);
    auto notify = [guard, guarded = context != nullptr,
                   done = std::move(done)](const EtcdError &error) {
        if (done && (guard || !guarded))
            done(error);
    };
    const QByteArray current = m_transport->token();
    const bool renewedSince =
        !refusedToken.isEmpty() && !current.isEmpty() && current != refusedToken;
    if (!m_transport->hasCredentials() || (renewedSince && !m_authCarrier)) {
        EtcdError error;
        if (!m_transport->hasCredentials()) {
            error = EtcdError(EtcdError::Kind::Etcd,
                              QStringLiteral("no user name and password to authenticate with"));
            error.setCondition(EtcdError::Condition::Unauthorized);
        }
        // Never from inside this function.
        QMetaObject::invokeMethod(
            this, [notify = std::move(notify), error] { notify(error); }, Qt::QueuedConnection);
        return;
    }
    m_renewals.append(std::move(notify));
    if (!m_authCarrier)
        startRenewal();
}

void EtcdV3Client::startRenewal()
{
    qCDebug(lcEtcdClient) << "v3: token refused in a stream - authenticating again";
    // No context: a caller that goes away does not cancel the others' renewal. (Not the client
    // either: its destroyed() would cancel the call into a half-destroyed client.) The call ends
    // by itself, at the latest after the transport's timeout. Nothing is sent after it (renewal).
    RawCallback nothing = [](const EtcdHttpResponse &, const EtcdError &) {
    };
    send({}, nullptr, std::move(nothing), true, true);
}

void EtcdV3Client::notifyRenewals(const EtcdError &error)
{
    // Taken first: a callback may ask for the next renewal.
    const auto renewals = std::exchange(m_renewals, {});
    for (const auto &notify : renewals)
        notify(error);
}

// ---- KV ---------------------------------------------------------------------------------------

EtcdCall *EtcdV3Client::range(const QByteArray &key, const EtcdV3RangeOptions &options,
                              QObject *context, Callback<EtcdV3RangeResult> callback)
{
    // Not postDecoded: handle() decodes big answers off the thread (RangeCallback).
    RangeCallback raw{std::make_shared<Callback<EtcdV3RangeResult>>(std::move(callback))};
    return post("/kv/range", EtcdV3Json::encodeRange(key, options), EtcdHttpRequest::Kind::Read,
                QStringLiteral("v3 range"), context, std::move(raw));
}

EtcdCall *EtcdV3Client::put(const QByteArray &key, const QByteArray &value,
                            const EtcdV3PutOptions &options, QObject *context,
                            Callback<EtcdV3PutResult> callback)
{
    return postDecoded<EtcdV3PutResult>("/kv/put", EtcdV3Json::encodePut(key, value, options),
                                        EtcdHttpRequest::Kind::Write, QStringLiteral("v3 put"),
                                        context, std::move(callback), EtcdV3Json::decodePut);
}

EtcdCall *EtcdV3Client::deleteRange(const QByteArray &key, const EtcdV3DeleteOptions &options,
                                    QObject *context, Callback<EtcdV3DeleteResult> callback)
{
    return postDecoded<EtcdV3DeleteResult>(
        "/kv/deleterange", EtcdV3Json::encodeDeleteRange(key, options),
        EtcdHttpRequest::Kind::Write, QStringLiteral("v3 delete"), context, std::move(callback),
        EtcdV3Json::decodeDeleteRange);
}

EtcdCall *EtcdV3Client::txn(const EtcdV3TxnRequest &request, QObject *context,
                            Callback<EtcdV3TxnResult> callback)
{
    // A transaction of ranges only changes nothing: a read for failover and read-only mode (the
    // key tree batches its probes of a level this way).
    auto readsOnly = [](const QList<EtcdV3RequestOp> &ops) {
        return std::all_of(ops.begin(), ops.end(), [](const EtcdV3RequestOp &op) {
            return op.type == EtcdV3RequestOp::Type::Range;
        });
    };
    const bool read = readsOnly(request.success) && readsOnly(request.failure);
    return postDecoded<EtcdV3TxnResult>(
        "/kv/txn", EtcdV3Json::encodeTxn(request),
        read ? EtcdHttpRequest::Kind::Read : EtcdHttpRequest::Kind::Write,
        read ? QStringLiteral("v3 txn (reads)") : QStringLiteral("v3 txn"), context,
        std::move(callback), EtcdV3Json::decodeTxn);
}

EtcdCall *EtcdV3Client::compact(qint64 revision, bool physical, QObject *context,
                                Callback<EtcdV3Header> callback)
{
    return postDecoded<EtcdV3Header>("/kv/compaction",
                                     EtcdV3Json::encodeCompaction(revision, physical),
                                     EtcdHttpRequest::Kind::Write, QStringLiteral("v3 compaction"),
                                     context, std::move(callback), EtcdV3Json::decodeHeaderOnly);
}

// ---- Auth -------------------------------------------------------------------------------------

EtcdCall *EtcdV3Client::authenticate(const QString &name, const QString &password, QObject *context,
                                     Callback<EtcdV3AuthenticateResult> callback)
{
    // A read for the transport (see authenticateRequest()); never carries a token.
    EtcdHttpRequest req =
        makeRequest("/auth/authenticate", EtcdV3Json::encodeAuthenticate(name, password),
                    EtcdHttpRequest::Kind::Read, QStringLiteral("v3 authenticate"));
    return send(
        req, context,
        [callback = std::move(callback)](const EtcdHttpResponse &r, const EtcdError &e) {
            EtcdResult<EtcdV3AuthenticateResult> result;
            result.error = e;
            if (!e) {
                result.error = EtcdV3Json::decodeAuthenticate(r.body, &result.value);
                if (result.error)
                    result.error.setEndpoint(r.endpoint).setHttpStatus(r.status);
            }
            if (callback)
                callback(result);
        },
        false);
}
