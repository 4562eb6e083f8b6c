#pragma once

#include "etcderror.h"
#include "etcdhttp.h"
#include "etcdv2types.h"

#include <QJsonObject>

#include <vector>

// Decoding of etcd's v2 answers into the types of etcdv2types.h. Pure functions on an
// EtcdHttpResponse, so they are tested by feeding bodies directly. Never crash on any input.
namespace EtcdV2Json {

// The error a non-2xx answer stands for:
// - the v2 error body {"errorCode","message","cause","index"}: Kind::Etcd with its Condition;
// - the {"message":"…"} of /v2/members and /v2/stats: Kind::Etcd with the HTTP status
//   (memberCall: a 404 or 410 means Condition::MemberNotFound);
// - a page that is not JSON (HTML 500, Go's "404 page not found" when v2 is off): Kind::Http,
//   a plain 404 with Condition::ApiNotAvailable.
EtcdError decodeError(const EtcdHttpResponse &response, bool memberCall = false);

// A keys answer (any status): a response on 2xx, the error otherwise.
// wait: a 200 with an empty body is the server ending the long-poll (empty action).
EtcdResult<EtcdV2Response> decodeKeysResponse(const EtcdHttpResponse &response, bool wait = false);
bool decodeNode(const QJsonObject &object, EtcdV2Node *node, QString *error);

EtcdResult<std::vector<EtcdV2Member>> decodeMembers(const EtcdHttpResponse &response);
EtcdResult<EtcdV2Member> decodeMember(const EtcdHttpResponse &response);
EtcdResult<EtcdNothing> decodeNothing(const EtcdHttpResponse &response, bool memberCall);
EtcdResult<EtcdV2SelfStats> decodeSelfStats(const EtcdHttpResponse &response);
EtcdResult<EtcdV2LeaderStats> decodeLeaderStats(const EtcdHttpResponse &response);
EtcdResult<EtcdV2StoreStats> decodeStoreStats(const EtcdHttpResponse &response);

// etcd's RFC 3339 times with nanoseconds ("2024-01-02T03:04:05.123456789+01:00"), as UTC.
QDateTime parseTime(const QString &text);
// A member id in hex ("8e9e05c52164694d"); 0 when it is not one.
quint64 parseHexId(const QString &text);
QString hexId(quint64 id);

} // namespace EtcdV2Json
