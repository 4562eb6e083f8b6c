// EtcdV3Client: the lease operations.
#include "etcdv3client.h"

#include "etcdv3json.h"

EtcdCall *EtcdV3Client::leaseGrant(qint64 ttlSeconds, quint64 id, QObject *context,
                                   Callback<EtcdV3LeaseGrantResult> callback)
{
    return postDecoded<EtcdV3LeaseGrantResult>(
        "/lease/grant", EtcdV3Json::encodeLeaseGrant(ttlSeconds, id), EtcdHttpRequest::Kind::Write,
        QStringLiteral("v3 lease grant"), context, std::move(callback),
        EtcdV3Json::decodeLeaseGrant);
}

EtcdCall *EtcdV3Client::leaseRevoke(quint64 id, QObject *context, Callback<EtcdV3Header> callback)
{
    return postDecoded<EtcdV3Header>(leasePath("revoke"), EtcdV3Json::encodeLeaseId(id),
                                     EtcdHttpRequest::Kind::Write,
                                     QStringLiteral("v3 lease revoke"), context,
                                     std::move(callback), EtcdV3Json::decodeHeaderOnly);
}

EtcdCall *EtcdV3Client::leaseTimeToLive(quint64 id, bool withKeys, QObject *context,
                                        Callback<EtcdV3LeaseTimeToLiveResult> callback)
{
    return postDecoded<EtcdV3LeaseTimeToLiveResult>(
        leasePath("timetolive"), EtcdV3Json::encodeLeaseTimeToLive(id, withKeys),
        EtcdHttpRequest::Kind::Read, QStringLiteral("v3 lease time-to-live"), context,
        std::move(callback), EtcdV3Json::decodeLeaseTimeToLive);
}

EtcdCall *EtcdV3Client::leases(QObject *context, Callback<EtcdV3LeaseListResult> callback)
{
    return postDecoded<EtcdV3LeaseListResult>(
        leasePath("leases"), "{}", EtcdHttpRequest::Kind::Read, QStringLiteral("v3 lease list"),
        context, std::move(callback), EtcdV3Json::decodeLeaseList);
}

EtcdCall *EtcdV3Client::leaseKeepAliveOnce(quint64 id, QObject *context,
                                           Callback<EtcdV3LeaseKeepAliveResult> callback)
{
    // The gateway turns the body into a one-message stream and closes it after the answer.
    // etcd answers a lease that is gone with TTL 0 instead of an error: made one here.
    return postDecoded<EtcdV3LeaseKeepAliveResult>(
        "/lease/keepalive", EtcdV3Json::encodeLeaseId(id), EtcdHttpRequest::Kind::Write,
        QStringLiteral("v3 lease keep-alive"), context, std::move(callback),
        [id](const QByteArray &body, EtcdV3LeaseKeepAliveResult *out) {
            EtcdError e = EtcdV3Json::decodeLeaseKeepAlive(body, out);
            if (!e && out->ttl <= 0) {
                e = EtcdError(EtcdError::Kind::Etcd,
                              QStringLiteral("lease %1 not found (expired or revoked)")
                                  .arg(QString::number(id, 16)));
                e.setCode(5).setCondition(EtcdError::Condition::LeaseNotFound);
            }
            return e;
        });
}
