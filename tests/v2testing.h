#pragma once

// Helpers shared by the v2 client tests: run one asynchronous call to its end.
#include "etcdcall.h"
#include "etcderror.h"

#include <QPointer>
#include <QTest>

#include <memory>
#include <optional>

#define VERIFY_OK(r) QVERIFY2((r).ok(), qPrintable((r).error.toString()))

// Runs one call to its end: `start` gets the callback and returns the call. Waits on the event
// loop for the callback; on time-out the call is cancelled and a Timeout error returned.
template<typename T, typename Start> EtcdResult<T> await(Start start, int timeoutMs = 20000)
{
    auto done = std::make_shared<std::optional<EtcdResult<T>>>();
    QPointer<EtcdCall> call = start([done](const EtcdResult<T> &r) { *done = r; });
    if (!QTest::qWaitFor([&] { return done->has_value(); }, timeoutMs)) {
        if (call)
            call->cancel();
        return {T{},
                EtcdError(EtcdError::Kind::Timeout, QStringLiteral("the test waited in vain"))};
    }
    return **done;
}
