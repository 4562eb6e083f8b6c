#include "etcdwatchroute.h"

#include "etcdlog.h"
#include "etcdtransport.h"
#include "etcdv2pollwire.h"
#include "etcdv3grpcwire.h"
#include "etcdv3jsonwire.h"

namespace {

EtcdWatchRoute::WireFormat s_defaultFormat = EtcdWatchRoute::WireFormat::Auto;

bool isTokenError(const EtcdError &e)
{
    return e.kind() == EtcdError::Kind::Etcd &&
           (e.is(EtcdError::Condition::InvalidToken) || e.is(EtcdError::Condition::Unauthorized));
}

} // namespace

EtcdWatchRoute::EtcdWatchRoute(EtcdClient *client, EtcdWatchWire::Listener *listener)
    : m_client(client)
    , m_v2(std::make_unique<EtcdV2PollWire>(client, listener, nullptr))
    , m_grpc(std::make_unique<EtcdV3GrpcWire>(client, listener, nullptr))
    , m_json(std::make_unique<EtcdV3JsonWire>(client, listener, nullptr))
    , m_format(s_defaultFormat)
    , m_route(v3Route())
{
}

EtcdWatchRoute::~EtcdWatchRoute()
{
    close();
}

void EtcdWatchRoute::setDefaultFormat(WireFormat format)
{
    s_defaultFormat = format;
}

void EtcdWatchRoute::setFormat(WireFormat format)
{
    m_format = format;
    if (m_route != Route::V2Poll)
        m_route = v3Route();
}

void EtcdWatchRoute::startRun()
{
    close();
    const bool v2 = m_client && m_client->apiInUse() == EtcdClient::Api::V2;
    m_route = v2 ? Route::V2Poll : v3Route();
    m_grpc->startRun();
}

EtcdClient::Api EtcdWatchRoute::api() const
{
    return m_route == Route::V2Poll ? EtcdClient::Api::V2 : EtcdClient::Api::V3;
}

bool EtcdWatchRoute::usesGrpc() const
{
    return m_current ? m_current == m_grpc.get() : m_route == Route::Grpc;
}

void EtcdWatchRoute::open(const QByteArray &prefix, qint64 fromRevision, bool prevValues)
{
    close();
    switch (m_route) {
    case Route::V2Poll:
        m_current = m_v2.get();
        break;
    case Route::Grpc:
        m_current = m_grpc.get();
        break;
    case Route::JsonTrial:
    case Route::Json:
        m_current = m_json.get();
        break;
    }
    qCDebug(lcEtcdWatch) << "watch" << prefix << "from" << fromRevision << "over"
                         << m_current->metaObject()->className();
    m_current->open(prefix, fromRevision, prevValues);
}

void EtcdWatchRoute::close()
{
    if (EtcdWatchWire *wire = m_current) {
        m_current = nullptr;
        wire->close();
    }
}

void EtcdWatchRoute::created()
{
    if (m_route != Route::JsonTrial)
        return;
    // gRPC failed where the gateway works: this endpoint is behind something that does not
    // pass HTTP/2.
    qCInfo(lcEtcdWatch) << "watch uses the JSON gateway from now on";
    m_route = Route::Json;
}

EtcdWatchRoute::Next EtcdWatchRoute::ended(const EtcdError &error, bool tokenRenewed)
{
    const Route route = m_route;
    m_current = nullptr;
    // The gateway did not go live either: the next connection tries gRPC again.
    if (route == Route::JsonTrial)
        m_route = Route::Grpc;
    if (route == Route::Grpc && m_format == WireFormat::Auto && m_grpc->refusedByEndpoint(error)) {
        qCInfo(lcEtcdWatch) << "watch: gRPC stream refused at" << error.endpoint() << ":"
                            << error.toString() << "- trying the JSON gateway";
        m_route = Route::JsonTrial;
        return Next::OtherWire;
    }
    if (route != Route::V2Poll && isTokenError(error) && !tokenRenewed && m_client &&
        m_client->transport()->hasCredentials())
        return Next::RenewToken;
    return isFatal(error, tokenRenewed) ? Next::Fail : Next::Reconnect;
}

bool EtcdWatchRoute::isFatal(const EtcdError &e, bool tokenRenewed) const
{
    if (e.kind() == EtcdError::Kind::Tls || e.kind() == EtcdError::Kind::Cancelled)
        return true;
    if (e.is(EtcdError::Condition::PermissionDenied) || e.is(EtcdError::Condition::AuthFailed) ||
        e.is(EtcdError::Condition::ApiNotAvailable))
        return true;
    // v2 has no token to renew; v3 renewed it once for this connection and etcd still refuses.
    if (m_route == Route::V2Poll && e.is(EtcdError::Condition::Unauthorized))
        return true;
    return isTokenError(e) &&
           (tokenRenewed || !m_client || !m_client->transport()->hasCredentials());
}
