#pragma once

// Helpers shared by the tests of the client: run one asynchronous call to its end.
#include "etcdcall.h"
#include "etcdclient.h"
#include "etcderror.h"

#include <QPointer>
#include <QTest>

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
