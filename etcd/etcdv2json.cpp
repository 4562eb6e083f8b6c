#include "etcdv2json.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

#include <algorithm>

namespace EtcdV2Json {

namespace {

bool isSuccess(int status)
{
    return status >= 200 && status < 300;
}

EtcdError::Condition conditionOf(int code)
{
    using C = EtcdError::Condition;
    switch (code) {
    case 100:
        return C::KeyNotFound;
    case 101:
        return C::CompareFailed;
    case 102:
        return C::NotAFile;
    case 104:
        return C::NotADirectory;
    case 105:
        return C::KeyExists;
    case 107:
        return C::RootReadOnly;
    case 108:
        return C::DirectoryNotEmpty;
    case 110:
        return C::Unauthorized;
    case 300:
    case 301:
        return C::Unavailable;
    case 400:
        return C::WatcherCleared;
    case 401:
        return C::EventIndexCleared;
    default:
        break;
    }
    if (code >= 200 && code < 300)
        return C::InvalidField;
    return C::Other;
}

// A short, printable excerpt of a body that is not JSON, for the error message.
QString excerpt(const QByteArray &body)
{
    QString text = QString::fromUtf8(body.left(200)).simplified();
    if (body.size() > 200)
        text += QStringLiteral("…");
    return text;
}

// A non-JSON page (HTML 500, Go's "404 page not found" when the API is off).
EtcdError httpError(const EtcdHttpResponse &response)
{
    QString message = QStringLiteral("unexpected HTTP status %1").arg(response.status);
    const QString text = excerpt(response.body);
    if (!text.isEmpty())
        message += QStringLiteral(": ") + text;
    EtcdError e(EtcdError::Kind::Http, message);
    e.setHttpStatus(response.status).setEndpoint(response.endpoint);
    if (response.status == 404)
        e.setCondition(EtcdError::Condition::ApiNotAvailable);
    return e;
}

bool parseObject(const QByteArray &body, QJsonObject *object, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = QStringLiteral("invalid JSON at offset %1: %2")
                     .arg(parseError.offset)
                     .arg(parseError.errorString());
        return false;
    }
    if (!doc.isObject()) {
        *error = QStringLiteral("expected a JSON object");
        return false;
    }
    *object = doc.object();
    return true;
}

template<typename T>
EtcdResult<T> protocolError(const EtcdHttpResponse &response, const QString &what)
{
    EtcdResult<T> result;
    result.error = EtcdError::protocol(what, response.endpoint);
    result.error.setHttpStatus(response.status);
    return result;
}

qint64 headerNumber(const EtcdHttpResponse &response, const QByteArray &name)
{
    return response.header(name).trimmed().toLongLong();
}

qint64 integer(const QJsonValue &value)
{
    return value.isString() ? value.toString().toLongLong() : value.toInteger();
}

QStringList stringList(const QJsonValue &value)
{
    QStringList list;
    const QJsonArray array = value.toArray();
    for (const QJsonValue &v : array)
        list << v.toString();
    return list;
}

bool decodeMemberObject(const QJsonObject &o, EtcdV2Member *member)
{
    if (!o.value(QLatin1String("id")).isString())
        return false;
    member->id = parseHexId(o.value(QLatin1String("id")).toString());
    member->name = o.value(QLatin1String("name")).toString();
    member->peerURLs = stringList(o.value(QLatin1String("peerURLs")));
    member->clientURLs = stringList(o.value(QLatin1String("clientURLs")));
    return true;
}

// Decodes a 2xx JSON object with `fill`, or turns the answer into its error.
template<typename T, typename Fill>
EtcdResult<T> decodeObject(const EtcdHttpResponse &response, bool memberCall, Fill fill)
{
    if (!isSuccess(response.status))
        return {T{}, decodeError(response, memberCall)};
    QJsonObject object;
    QString error;
    if (!parseObject(response.body, &object, &error))
        return protocolError<T>(response, error);
    EtcdResult<T> result;
    if (!fill(object, &result.value, &error))
        return protocolError<T>(response, error);
    return result;
}

// The v2 error body {"errorCode","message","cause","index"}.
EtcdError v2Error(const EtcdHttpResponse &response, const QJsonObject &o)
{
    const int code = int(integer(o.value(QLatin1String("errorCode"))));
    EtcdError e(EtcdError::Kind::Etcd, o.value(QLatin1String("message")).toString());
    e.setCode(code)
        .setCondition(conditionOf(code))
        .setHttpStatus(response.status)
        .setCause(o.value(QLatin1String("cause")).toString())
        .setIndex(integer(o.value(QLatin1String("index"))))
        .setEndpoint(response.endpoint);
    // Go refuses a form over 10 MB before etcd sees it: code 210, cause "http: POST too large".
    if (code == 210 && e.cause().contains(QLatin1String("too large"))) {
        e.setCondition(EtcdError::Condition::RequestTooLarge);
        e.setCause(QStringLiteral("the request is larger than the server accepts (a v2 form "
                                  "is limited to 10 MB): ") +
                   e.cause());
    }
    return e;
}

} // namespace

QDateTime parseTime(const QString &text)
{
    // Qt reads at most milliseconds; etcd writes nanoseconds. Cut the fraction to three digits.
    QString t = text.trimmed();
    const int dot = int(t.indexOf(QLatin1Char('.')));
    if (dot > 0) {
        int end = dot + 1;
        while (end < t.size() && t.at(end).isDigit())
            ++end;
        if (end - dot - 1 > 3)
            t.remove(dot + 4, end - dot - 4);
    }
    QDateTime dt = QDateTime::fromString(t, Qt::ISODateWithMs);
    return dt.isValid() ? dt.toUTC() : QDateTime();
}

quint64 parseHexId(const QString &text)
{
    bool ok = false;
    const quint64 id = text.toULongLong(&ok, 16);
    return ok ? id : 0;
}

QString hexId(quint64 id)
{
    return QString::number(id, 16);
}

EtcdError decodeError(const EtcdHttpResponse &response, bool memberCall)
{
    QJsonObject o;
    QString parseError;
    if (!parseObject(response.body, &o, &parseError))
        return httpError(response);
    // The auth layer answers the members and stats calls with the keys' error body too.
    if (o.contains(QLatin1String("errorCode")))
        return v2Error(response, o);
    if (!o.contains(QLatin1String("message")))
        return httpError(response);
    EtcdError e(EtcdError::Kind::Etcd, o.value(QLatin1String("message")).toString());
    e.setHttpStatus(response.status).setEndpoint(response.endpoint);
    // 410: the member was removed before ("Member permanently removed").
    if ((response.status == 404 || response.status == 410) && memberCall)
        e.setCondition(EtcdError::Condition::MemberNotFound);
    // 409 on an add or update: etcd's membership errors, "membership: peerURL exists" and
    // "membership: ID exists".
    else if (response.status == 409 && memberCall && e.message().contains(QLatin1String("peerURL")))
        e.setCondition(EtcdError::Condition::PeerUrlExists);
    else if (response.status == 409 && memberCall &&
             e.message().contains(QLatin1String("ID exist")))
        e.setCondition(EtcdError::Condition::MemberExists);
    else if (response.status == 401)
        e.setCondition(EtcdError::Condition::Unauthorized);
    else if (response.status == 403 && e.message().contains(QLatin1String("not current leader")))
        e.setCondition(EtcdError::Condition::NotLeader);
    else if (response.status == 503)
        e.setCondition(EtcdError::Condition::Unavailable);
    return e;
}

bool decodeNode(const QJsonObject &o, EtcdV2Node *node, QString *error)
{
    const QJsonValue key = o.value(QLatin1String("key"));
    // The root directory is the one node sent without a key.
    if (!key.isUndefined() && !key.isString()) {
        *error = QStringLiteral("node key is not a string");
        return false;
    }
    node->key = key.toString().toUtf8();
    node->value = o.value(QLatin1String("value")).toString().toUtf8();
    node->dir = o.value(QLatin1String("dir")).toBool();
    node->createdIndex = integer(o.value(QLatin1String("createdIndex")));
    node->modifiedIndex = integer(o.value(QLatin1String("modifiedIndex")));
    const QJsonValue ttl = o.value(QLatin1String("ttl"));
    if (ttl.isDouble())
        node->ttl = ttl.toInteger();
    node->expiration = parseTime(o.value(QLatin1String("expiration")).toString());
    const QJsonValue children = o.value(QLatin1String("nodes"));
    if (children.isUndefined() || children.isNull())
        return true;
    if (!children.isArray()) {
        *error = QStringLiteral("node %1: nodes is not an array").arg(key.toString());
        return false;
    }
    const QJsonArray array = children.toArray();
    node->nodes.reserve(std::size_t(array.size()));
    for (const QJsonValue &child : array) {
        if (!child.isObject()) {
            *error = QStringLiteral("node %1: a child is not an object").arg(key.toString());
            return false;
        }
        EtcdV2Node c;
        if (!decodeNode(child.toObject(), &c, error))
            return false;
        node->nodes.push_back(std::move(c));
    }
    return true;
}

EtcdResult<EtcdV2Response> decodeKeysResponse(const EtcdHttpResponse &response, bool wait)
{
    if (!isSuccess(response.status))
        return {{}, decodeError(response)};
    EtcdResult<EtcdV2Response> result;
    EtcdV2Response &r = result.value;
    r.httpStatus = response.status;
    r.etcdIndex = headerNumber(response, "x-etcd-index");
    r.raftIndex = headerNumber(response, "x-raft-index");
    r.raftTerm = headerNumber(response, "x-raft-term");
    r.clusterId = response.header("x-etcd-cluster-id");
    if (wait && response.body.trimmed().isEmpty())
        return result; // the server ended the long-poll without an event
    QJsonObject o;
    QString error;
    if (!parseObject(response.body, &o, &error))
        return protocolError<EtcdV2Response>(response, error);
    const QJsonValue action = o.value(QLatin1String("action"));
    const QJsonValue node = o.value(QLatin1String("node"));
    if (!action.isString() || !node.isObject())
        return protocolError<EtcdV2Response>(response,
                                             QStringLiteral("no action or node in the answer"));
    r.action = action.toString();
    if (!decodeNode(node.toObject(), &r.node, &error))
        return protocolError<EtcdV2Response>(response, error);
    const QJsonValue prev = o.value(QLatin1String("prevNode"));
    if (prev.isObject()) {
        EtcdV2Node p;
        if (!decodeNode(prev.toObject(), &p, &error))
            return protocolError<EtcdV2Response>(response, error);
        r.prevNode = std::move(p);
    }
    return result;
}

EtcdResult<std::vector<EtcdV2Member>> decodeMembers(const EtcdHttpResponse &response)
{
    using Members = std::vector<EtcdV2Member>;
    return decodeObject<Members>(
        response, true, [](const QJsonObject &o, Members *members, QString *error) {
            const QJsonValue list = o.value(QLatin1String("members"));
            if (!list.isArray()) {
                *error = QStringLiteral("no members array in the answer");
                return false;
            }
            const QJsonArray array = list.toArray();
            for (const QJsonValue &v : array) {
                EtcdV2Member m;
                if (!v.isObject() || !decodeMemberObject(v.toObject(), &m)) {
                    *error = QStringLiteral("a member without an id");
                    return false;
                }
                members->push_back(std::move(m));
            }
            return true;
        });
}

EtcdResult<EtcdV2Member> decodeMember(const EtcdHttpResponse &response)
{
    return decodeObject<EtcdV2Member>(response, true,
                                      [](const QJsonObject &o, EtcdV2Member *m, QString *error) {
                                          if (decodeMemberObject(o, m))
                                              return true;
                                          *error = QStringLiteral("the member has no id");
                                          return false;
                                      });
}

EtcdResult<EtcdNothing> decodeNothing(const EtcdHttpResponse &response, bool memberCall)
{
    if (!isSuccess(response.status))
        return {{}, decodeError(response, memberCall)};
    return {};
}

EtcdResult<EtcdV2SelfStats> decodeSelfStats(const EtcdHttpResponse &response)
{
    return decodeObject<EtcdV2SelfStats>(
        response, false, [](const QJsonObject &o, EtcdV2SelfStats *s, QString *) {
            s->raw = o;
            s->name = o.value(QLatin1String("name")).toString();
            s->id = parseHexId(o.value(QLatin1String("id")).toString());
            s->state = o.value(QLatin1String("state")).toString();
            s->startTime = parseTime(o.value(QLatin1String("startTime")).toString());
            const QJsonObject leader = o.value(QLatin1String("leaderInfo")).toObject();
            s->leaderId = parseHexId(leader.value(QLatin1String("leader")).toString());
            s->leaderUptime = leader.value(QLatin1String("uptime")).toString();
            s->leaderStartTime = parseTime(leader.value(QLatin1String("startTime")).toString());
            s->recvAppendRequestCnt = integer(o.value(QLatin1String("recvAppendRequestCnt")));
            s->sendAppendRequestCnt = integer(o.value(QLatin1String("sendAppendRequestCnt")));
            s->recvPkgRate = o.value(QLatin1String("recvPkgRate")).toDouble();
            s->recvBandwidthRate = o.value(QLatin1String("recvBandwidthRate")).toDouble();
            s->sendPkgRate = o.value(QLatin1String("sendPkgRate")).toDouble();
            s->sendBandwidthRate = o.value(QLatin1String("sendBandwidthRate")).toDouble();
            return true;
        });
}

EtcdResult<EtcdV2LeaderStats> decodeLeaderStats(const EtcdHttpResponse &response)
{
    return decodeObject<EtcdV2LeaderStats>(
        response, false, [](const QJsonObject &o, EtcdV2LeaderStats *s, QString *error) {
            s->raw = o;
            s->leaderId = parseHexId(o.value(QLatin1String("leader")).toString());
            const QJsonValue followers = o.value(QLatin1String("followers"));
            if (!followers.isUndefined() && !followers.isObject()) {
                *error = QStringLiteral("followers is not an object");
                return false;
            }
            const QJsonObject map = followers.toObject();
            for (auto it = map.begin(); it != map.end(); ++it) {
                const QJsonObject f = it.value().toObject();
                const QJsonObject latency = f.value(QLatin1String("latency")).toObject();
                const QJsonObject counts = f.value(QLatin1String("counts")).toObject();
                EtcdV2FollowerStats fs;
                fs.id = parseHexId(it.key());
                fs.successCount = integer(counts.value(QLatin1String("success")));
                fs.failCount = integer(counts.value(QLatin1String("fail")));
                fs.latencyCurrent = latency.value(QLatin1String("current")).toDouble();
                fs.latencyAverage = latency.value(QLatin1String("average")).toDouble();
                fs.latencyStandardDeviation =
                    latency.value(QLatin1String("standardDeviation")).toDouble();
                fs.latencyMinimum = latency.value(QLatin1String("minimum")).toDouble();
                fs.latencyMaximum = latency.value(QLatin1String("maximum")).toDouble();
                s->followers.push_back(fs);
            }
            std::sort(s->followers.begin(), s->followers.end(),
                      [](const EtcdV2FollowerStats &a, const EtcdV2FollowerStats &b) {
                          return a.id < b.id;
                      });
            return true;
        });
}

EtcdResult<EtcdV2StoreStats> decodeStoreStats(const EtcdHttpResponse &response)
{
    return decodeObject<EtcdV2StoreStats>(
        response, false, [](const QJsonObject &o, EtcdV2StoreStats *s, QString *) {
            s->raw = o;
            auto n = [&o](const char *name) {
                return integer(o.value(QLatin1String(name)));
            };
            s->getsSuccess = n("getsSuccess");
            s->getsFail = n("getsFail");
            s->setsSuccess = n("setsSuccess");
            s->setsFail = n("setsFail");
            s->deleteSuccess = n("deleteSuccess");
            s->deleteFail = n("deleteFail");
            s->updateSuccess = n("updateSuccess");
            s->updateFail = n("updateFail");
            s->createSuccess = n("createSuccess");
            s->createFail = n("createFail");
            s->compareAndSwapSuccess = n("compareAndSwapSuccess");
            s->compareAndSwapFail = n("compareAndSwapFail");
            s->compareAndDeleteSuccess = n("compareAndDeleteSuccess");
            s->compareAndDeleteFail = n("compareAndDeleteFail");
            s->expireCount = n("expireCount");
            s->watchers = n("watchers");
            return true;
        });
}

} // namespace EtcdV2Json
