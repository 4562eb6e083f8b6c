#pragma once

#include "etcderror.h"
#include "etcdhttp.h"
#include "etcdv3types.h"

#include <QByteArray>

// Encoding of v3 gateway requests and decoding of its answers. The gateway writes 64-bit integers
// as decimal strings, bytes as base64 and leaves every field at its default out, so every field
// is read as optional. Decoders never crash: a body that is not what it should be gives a
// Kind::Protocol error naming the field.
namespace EtcdV3Json {

// ---- requests
QByteArray encodeRange(const QByteArray &key, const EtcdV3RangeOptions &options);
QByteArray encodePut(const QByteArray &key, const QByteArray &value,
                     const EtcdV3PutOptions &options);
QByteArray encodeDeleteRange(const QByteArray &key, const EtcdV3DeleteOptions &options);
QByteArray encodeTxn(const EtcdV3TxnRequest &request);
QByteArray encodeCompaction(qint64 revision, bool physical);
QByteArray encodeLeaseGrant(qint64 ttl, quint64 id);
QByteArray encodeLeaseId(quint64 id); // revoke, keep-alive
QByteArray encodeLeaseTimeToLive(quint64 id, bool keys);
QByteArray encodeMemberAdd(const QStringList &peerUrls, bool isLearner);
QByteArray encodeMemberId(quint64 id); // remove, promote
QByteArray encodeMemberUpdate(quint64 id, const QStringList &peerUrls);
QByteArray encodeAlarm(EtcdV3AlarmAction action, quint64 memberId, EtcdV3AlarmType alarm);
QByteArray encodeAuthenticate(const QString &name, const QString &password);

// ---- answers (the 2xx body); an error of Kind::Protocol when the body is not valid
// The range answer is the hot path (up to 100 MB for a big listing): kept in this one function
// so a streaming parser can replace it.
EtcdError decodeRange(const QByteArray &body, EtcdV3RangeResult *out);
// decodeRange's fast path (simdjson) for the answer as etcd writes it; false when the body is
// anything else (decodeRange then checks it field by field). Public for tests.
bool decodeRangeFast(const QByteArray &body, EtcdV3RangeResult *out);
EtcdError decodePut(const QByteArray &body, EtcdV3PutResult *out);
EtcdError decodeDeleteRange(const QByteArray &body, EtcdV3DeleteResult *out);
EtcdError decodeTxn(const QByteArray &body, EtcdV3TxnResult *out);
EtcdError decodeHeaderOnly(const QByteArray &body, EtcdV3Header *out);
EtcdError decodeLeaseGrant(const QByteArray &body, EtcdV3LeaseGrantResult *out);
EtcdError decodeLeaseTimeToLive(const QByteArray &body, EtcdV3LeaseTimeToLiveResult *out);
EtcdError decodeLeaseList(const QByteArray &body, EtcdV3LeaseListResult *out);
// The keep-alive stream's first message, `{"result":{…}}` (or `{"error":{…}}`).
EtcdError decodeLeaseKeepAlive(const QByteArray &body, EtcdV3LeaseKeepAliveResult *out);
EtcdError decodeMemberList(const QByteArray &body, EtcdV3MemberListResult *out);
EtcdError decodeMemberAdd(const QByteArray &body, EtcdV3MemberAddResult *out);
EtcdError decodeStatus(const QByteArray &body, EtcdV3Status *out);
EtcdError decodeAlarm(const QByteArray &body, EtcdV3AlarmResult *out);
EtcdError decodeAuthenticate(const QByteArray &body, EtcdV3AuthenticateResult *out);

// A non-2xx answer as an error: etcd's `{"error","message","code"}` (3.4/3.5) or
// `{"code","message"}` (3.6) as Kind::Etcd with the gRPC code and a Condition; anything else as
// Kind::Http (the plain "404 page not found" as Condition::ApiNotAvailable).
EtcdError decodeError(const EtcdHttpResponse &response);
// The Condition of a v3 gRPC code and its message.
EtcdError::Condition conditionOf(int grpcCode, const QString &message);

// Used by the decoders above; public for tests and the watch.
bool decodeUInt64(const QByteArray &text, quint64 *out);
bool decodeInt64(const QByteArray &text, qint64 *out);

} // namespace EtcdV3Json
