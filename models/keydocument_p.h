#pragma once

// Helpers shared by keydocument*.cpp and keysnapshot.cpp; not part of the API.
#include "keydocument.h"

#include "etcdv3types.h"

#include <QCoreApplication>

namespace KeyDocumentDetail {

inline QDateTime deadlineAfter(qint64 seconds)
{
    return QDateTime::currentDateTimeUtc().addSecs(seconds);
}

inline KeySnapshot deletedSnapshot(const QByteArray &key, bool v2, qint64 storeRevision)
{
    KeySnapshot s;
    s.key = key;
    s.v2 = v2;
    s.storeRevision = storeRevision;
    return s;
}

// The txn of a v3 compare-and-swap: `compare`, then the put, else a range of the key so a
// conflict gets the current value in the same round trip.
inline EtcdV3TxnRequest casTxn(const EtcdV3Compare &compare, const QByteArray &key,
                               const QByteArray &value, const EtcdV3PutOptions &put)
{
    EtcdV3TxnRequest txn;
    txn.compare.append(compare);
    txn.success.append(EtcdV3RequestOp::makePut(key, value, put));
    txn.failure.append(EtcdV3RequestOp::makeRange(key));
    return txn;
}

// What the failure branch of casTxn() read: the key now, or "deleted".
inline KeySnapshot currentFromFailedTxn(const QByteArray &key, const EtcdV3TxnResult &result)
{
    if (!result.responses.isEmpty() && !result.responses.first().range.kvs.isEmpty())
        return KeySnapshot::fromV3(result.responses.first().range.kvs.first(),
                                   result.header.revision);
    return deletedSnapshot(key, false, result.header.revision);
}

} // namespace KeyDocumentDetail
