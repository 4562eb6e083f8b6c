// EtcdV3Json: etcd's error answers and their conditions.
#include "etcdv3json.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

namespace EtcdV3Json {

EtcdError::Condition conditionOf(int code, const QString &message)
{
    using C = EtcdError::Condition;
    const QString m = message.toLower();
    const auto has = [&m](const char *s) {
        return m.contains(QLatin1String(s));
    };
    switch (code) {
    case 3: // InvalidArgument
        if (has("authentication failed"))
            return C::AuthFailed;
        if (has("user name is empty") || has("user name not found"))
            return C::Unauthorized;
        if (has("request is too large") || has("larger than max"))
            return C::RequestTooLarge;
        if (has("revision of auth store is old"))
            return C::InvalidToken;
        return C::InvalidField;
    case 5: // NotFound
        if (has("lease"))
            return C::LeaseNotFound;
        if (has("member"))
            return C::MemberNotFound;
        return C::Other;
    case 7:
        return C::PermissionDenied;
    case 8: // ResourceExhausted: the NOSPACE alarm, or gRPC's own size limit
        if (has("larger than max") || has("too large") || has("message size"))
            return C::RequestTooLarge;
        if (has("too many requests"))
            return C::Unavailable;
        return C::NoSpace;
    case 9: // FailedPrecondition
        if (has("authentication is not enabled"))
            return C::AuthNotEnabled;
        // "can only promote a learner member" starts the learner-not-ready message too.
        if (has("in sync with leader"))
            return C::LearnerNotReady;
        if (has("can only promote a learner"))
            return C::NotALearner;
        if (has("too many learner"))
            return C::TooManyLearners;
        if (has("peer urls already exist") || has("peerurl exists"))
            return C::PeerUrlExists;
        if (has("member id already exist") || has("id exists"))
            return C::MemberExists;
        if (has("not enough started members"))
            return C::NotEnoughStartedMembers;
        if (has("learner"))
            return C::LearnerNotReady;
        return C::Other;
    case 11: // OutOfRange
        if (has("compacted"))
            return C::Compacted;
        if (has("future"))
            return C::FutureRevision;
        return C::Other;
    case 12: // Unimplemented: a call this server does not have (AuthStatus before 3.5)
        return C::ApiNotAvailable;
    case 14: // Unavailable
        if (has("unhealthy cluster"))
            return C::ClusterUnhealthy;
        return C::Unavailable;
    case 16: // Unauthenticated
        if (has("invalid auth token") || has("token"))
            return C::InvalidToken;
        return C::Unauthorized;
    default:
        return C::Other;
    }
}

EtcdError decodeError(const EtcdHttpResponse &response)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(response.body, &pe);
    QJsonObject o = doc.object();
    // The stream form nests the error: {"error":{"grpc_code":…,"message":…}}.
    if (o.value(QLatin1String("error")).isObject())
        o = o.value(QLatin1String("error")).toObject();
    const QJsonValue codeValue = o.contains(QLatin1String("code"))
                                     ? o.value(QLatin1String("code"))
                                     : o.value(QLatin1String("grpc_code"));
    const bool isEtcd = pe.error == QJsonParseError::NoError && doc.isObject() &&
                        codeValue.isDouble() &&
                        (o.value(QLatin1String("message")).isString() ||
                         o.value(QLatin1String("error")).isString());
    if (!isEtcd) {
        const QByteArray text = response.body.trimmed().left(200);
        // Go's "404 page not found" or the gateway's "Not Found": no such API at this path.
        const bool notFound = response.status == 404;
        EtcdError e(EtcdError::Kind::Http,
                    notFound ? QStringLiteral("this endpoint does not serve the etcd v3 API")
                             : QStringLiteral("unexpected HTTP status %1%2")
                                   .arg(response.status)
                                   .arg(text.isEmpty()
                                            ? QString()
                                            : QStringLiteral(": ") + QString::fromUtf8(text)));
        e.setHttpStatus(response.status).setEndpoint(response.endpoint);
        if (notFound)
            e.setCondition(EtcdError::Condition::ApiNotAvailable);
        return e;
    }
    const double d = codeValue.toDouble();
    const int code = (d >= 0 && d <= 1000) ? int(d) : -1;
    QString message = o.value(QLatin1String("message")).toString();
    if (message.isEmpty())
        message = o.value(QLatin1String("error")).toString();
    const EtcdError::Condition condition = conditionOf(code, message);
    QString text = message;
    QString cause;
    if (condition == EtcdError::Condition::RequestTooLarge) {
        // gRPC's own wording ("trying to send message larger than max") names no limit the user
        // can act on; say what happened and keep etcd's words as the cause.
        text = QStringLiteral("the request is larger than the server accepts "
                              "(etcd's --max-request-bytes, 1.5 MiB by default)");
        cause = message;
    }
    EtcdError e(EtcdError::Kind::Etcd, text);
    e.setCode(code).setHttpStatus(response.status).setEndpoint(response.endpoint);
    e.setCondition(condition);
    if (!cause.isEmpty())
        e.setCause(cause);
    return e;
}

} // namespace EtcdV3Json
