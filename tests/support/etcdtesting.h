#pragma once

// Helpers shared by the tests of the client: run one asynchronous call to its end, and a client
// that has discovered its cluster.
#include "etcdcall.h"
#include "etcdclient.h"
#include "etcderror.h"
#include "etcdv2client.h"
#include "etcdv3client.h"

#include <QDebug>
#include <QPointer>
#include <QTest>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>

// Checks that a result (any EtcdResult<T>, or anything with ok() and error) succeeded. The
// argument is evaluated once: VERIFY_OK(put(...)) sends one write.
#define VERIFY_OK(expr)                                                                            \
    do {                                                                                           \
        const auto &verifyOkResult_ = (expr);                                                      \
        QVERIFY2(verifyOkResult_.ok(), qPrintable(verifyOkResult_.error.toString()));              \
    } while (false)

// Runs one call to its end: `start` gets the callback and returns the call (or nothing). Waits
// on the event loop for the callback; on time-out the call is cancelled and a Timeout error
// returned.
template<typename T, typename Start> EtcdResult<T> await(Start start, int timeoutMs = 20000)
{
    auto done = std::make_shared<std::optional<EtcdResult<T>>>();
    auto callback = [done](const EtcdResult<T> &r) {
        *done = r;
    };
    QPointer<EtcdCall> call;
    if constexpr (std::is_void_v<decltype(start(callback))>)
        start(callback);
    else
        call = start(callback);
    if (!QTest::qWaitFor([&] { return done->has_value(); }, timeoutMs)) {
        if (call)
            call->cancel();
        return {T{},
                EtcdError(EtcdError::Kind::Timeout, QStringLiteral("the test waited in vain"))};
    }
    return **done;
}

// The same with a context object for the call that dies with this function:
// `start(QObject *context, callback)`.
template<typename T, typename Start> EtcdResult<T> run(Start start, int timeoutMs = 20000)
{
    QObject context;
    return await<T>([&](auto callback) { return start(&context, callback); }, timeoutMs);
}

// Client options with only endpoints set.
inline EtcdClient::Options clientOptions(const QStringList &endpoints)
{
    EtcdClient::Options o;
    o.endpoints = endpoints;
    return o;
}

// Asks what `client` reaches (EtcdClient::discover, with the client as the context) and waits
// for the answer; a Timeout error when none came.
inline EtcdResult<EtcdClient::ClusterInfo> discover(EtcdClient &client, int timeoutMs = 20000)
{
    return await<EtcdClient::ClusterInfo>([&](auto cb) { client.discover(&client, cb); },
                                          timeoutMs);
}

// A client configured with `options` and discovered (so apiInUse() is set); null, with a warning
// saying why, when either failed.
inline std::unique_ptr<EtcdClient> discoveredClient(const EtcdClient::Options &options)
{
    auto client = std::make_unique<EtcdClient>();
    if (const EtcdError error = client->configure(options)) {
        qWarning() << "configure failed:" << error.toString();
        return nullptr;
    }
    // Discovery may try each endpoint in turn, each for up to the request time-out.
    const auto r = discover(*client, std::max(20000, 2 * options.timeoutMs));
    if (!r.ok()) {
        qWarning() << "discovery failed:" << r.error.toString();
        return nullptr;
    }
    return client;
}

// The same for `endpoints` speaking `api`, optionally as `user`, with 15 s for each request.
inline std::unique_ptr<EtcdClient> discoveredClient(const QStringList &endpoints,
                                                    EtcdClient::Api api = EtcdClient::Api::Auto,
                                                    const QString &user = {},
                                                    const QString &password = {})
{
    EtcdClient::Options options = clientOptions(endpoints);
    options.api = api;
    options.user = user;
    options.password = password;
    options.timeoutMs = 15000;
    return discoveredClient(options);
}

// Writes `value` to `key` through the API `client` discovered: in v2 with `ttl` (seconds), in v3
// on `lease` (0: none). Returns the write's revision (v2: modifiedIndex); 0 when it failed.
inline qint64 writeKey(EtcdClient *client, const QByteArray &key, const QByteArray &value,
                       std::optional<qint64> ttl = std::nullopt, quint64 lease = 0)
{
    if (client->apiInUse() == EtcdClient::Api::V2) {
        EtcdV2SetOptions o;
        o.ttl = ttl;
        const auto r = run<EtcdV2Response>(
            [&](QObject *c, auto cb) { return client->v2()->set(key, value, o, c, cb); });
        return r.ok() ? r.value.node.modifiedIndex : 0;
    }
    EtcdV3PutOptions o;
    o.lease = lease;
    const auto r = run<EtcdV3PutResult>(
        [&](QObject *c, auto cb) { return client->v3()->put(key, value, o, c, cb); });
    return r.ok() ? r.value.header.revision : 0;
}

// The value of `key` read through the API `client` discovered (v2: a quorum read); nothing when
// the key is not there or the read failed.
inline std::optional<QByteArray> readValue(EtcdClient *client, const QByteArray &key)
{
    if (client->apiInUse() == EtcdClient::Api::V2) {
        EtcdV2GetOptions o;
        o.quorum = true;
        const auto r = run<EtcdV2Response>(
            [&](QObject *c, auto cb) { return client->v2()->get(key, o, c, cb); });
        if (!r.ok())
            return std::nullopt;
        return r.value.node.value;
    }
    const auto r = run<EtcdV3RangeResult>(
        [&](QObject *c, auto cb) { return client->v3()->range(key, {}, c, cb); });
    if (!r.ok() || r.value.kvs.isEmpty())
        return std::nullopt;
    return r.value.kvs.first().value;
}

// A client on `endpoints`, configured but not discovered: apiInUse() is Auto, which a watcher
// takes as v3 (so a fake server need not play discovery); null when the options are refused.
inline std::unique_ptr<EtcdClient> configuredClient(const QStringList &endpoints)
{
    auto client = std::make_unique<EtcdClient>();
    if (client->configure(clientOptions(endpoints)))
        return nullptr;
    return client;
}

// Sets each of `keys` to "v" with v2 sets, `inFlight` at a time so that none waits in the queue
// long enough to time out (a key may come more than once: each set is an event of its own).
// True when all of them ended within timeoutMs and none failed.
inline bool setAll(EtcdV2Client *v2, const QList<QByteArray> &keys, int inFlight = 16,
                   int timeoutMs = 180000)
{
    qsizetype next = 0;
    qsizetype done = 0;
    bool ok = true;
    QObject context;
    std::function<void()> send = [&] {
        v2->set(keys[next++], "v", {}, &context, [&](const EtcdResult<EtcdV2Response> &r) {
            ++done;
            ok = ok && r.ok();
            if (next < keys.size())
                send();
        });
    };
    for (int i = 0; i < inFlight && next < keys.size(); ++i)
        send();
    return QTest::qWaitFor([&] { return done == keys.size(); }, timeoutMs) && ok;
}
