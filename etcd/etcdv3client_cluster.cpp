// EtcdV3Client: cluster membership and maintenance.
#include "etcdv3client.h"

#include "etcdv3json.h"

EtcdCall *EtcdV3Client::memberList(QObject *context, Callback<EtcdV3MemberListResult> callback)
{
    return postDecoded<EtcdV3MemberListResult>(
        "/cluster/member/list", "{}", EtcdHttpRequest::Kind::Read, QStringLiteral("v3 member list"),
        context, std::move(callback), EtcdV3Json::decodeMemberList);
}

EtcdCall *EtcdV3Client::memberAdd(const QStringList &peerUrls, bool isLearner, QObject *context,
                                  Callback<EtcdV3MemberAddResult> callback)
{
    return postDecoded<EtcdV3MemberAddResult>(
        "/cluster/member/add", EtcdV3Json::encodeMemberAdd(peerUrls, isLearner),
        EtcdHttpRequest::Kind::Write, QStringLiteral("v3 member add"), context, std::move(callback),
        EtcdV3Json::decodeMemberAdd);
}

EtcdCall *EtcdV3Client::memberRemove(quint64 id, QObject *context,
                                     Callback<EtcdV3MemberListResult> callback)
{
    return postDecoded<EtcdV3MemberListResult>(
        "/cluster/member/remove", EtcdV3Json::encodeMemberId(id), EtcdHttpRequest::Kind::Write,
        QStringLiteral("v3 member remove"), context, std::move(callback),
        EtcdV3Json::decodeMemberList);
}

EtcdCall *EtcdV3Client::memberUpdate(quint64 id, const QStringList &peerUrls, QObject *context,
                                     Callback<EtcdV3MemberListResult> callback)
{
    return postDecoded<EtcdV3MemberListResult>(
        "/cluster/member/update", EtcdV3Json::encodeMemberUpdate(id, peerUrls),
        EtcdHttpRequest::Kind::Write, QStringLiteral("v3 member update"), context,
        std::move(callback), EtcdV3Json::decodeMemberList);
}

EtcdCall *EtcdV3Client::memberPromote(quint64 id, QObject *context,
                                      Callback<EtcdV3MemberListResult> callback)
{
    return postDecoded<EtcdV3MemberListResult>(
        "/cluster/member/promote", EtcdV3Json::encodeMemberId(id), EtcdHttpRequest::Kind::Write,
        QStringLiteral("v3 member promote"), context, std::move(callback),
        EtcdV3Json::decodeMemberList);
}

EtcdCall *EtcdV3Client::status(QObject *context, Callback<EtcdV3Status> callback)
{
    return postDecoded<EtcdV3Status>("/maintenance/status", "{}", EtcdHttpRequest::Kind::Read,
                                     QStringLiteral("v3 status"), context, std::move(callback),
                                     EtcdV3Json::decodeStatus);
}

EtcdCall *EtcdV3Client::alarm(EtcdV3AlarmAction action, quint64 memberId, EtcdV3AlarmType alarm,
                              QObject *context, Callback<EtcdV3AlarmResult> callback)
{
    // Listing alarms changes nothing: a read that may fail over; (de)activating is a write.
    const auto kind = action == EtcdV3AlarmAction::Get ? EtcdHttpRequest::Kind::Read
                                                       : EtcdHttpRequest::Kind::Write;
    return postDecoded<EtcdV3AlarmResult>(
        "/maintenance/alarm", EtcdV3Json::encodeAlarm(action, memberId, alarm), kind,
        QStringLiteral("v3 alarm"), context, std::move(callback), EtcdV3Json::decodeAlarm);
}
