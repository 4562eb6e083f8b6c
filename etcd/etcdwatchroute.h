#pragma once

#include "etcdclient.h"
#include "etcdwatchwire.h"

#include <QObject>

#include <memory>

class EtcdV2PollWire;
class EtcdV3GrpcWire;
class EtcdV3JsonWire;

// What carries the watch's next connection: owns the three wires, picks one by the API and
// the wire format, leaves gRPC for the JSON gateway where an endpoint does not serve it, and
// tells what an ended connection leads to (another wire, a new token, a retry, or giving up).
//
//   route       event                                          next route
//   (start)     v2 client / v3 Auto or Grpc / v3 Json          V2Poll / Grpc / Json
//   Grpc        ended, never answered in this run (Auto only)  JsonTrial (opened at once)
//   JsonTrial   created                                        Json (for the rest of the run)
//   JsonTrial   ended                                          Grpc
class EtcdWatchRoute
{
    Q_GADGET
public:
    // The v3 stream's wire. Auto tries gRPC first and falls back to the JSON gateway for good
    // when the endpoint answers gRPC with something else (a proxy that speaks only HTTP/1.1).
    enum class WireFormat { Auto, Grpc, Json };
    Q_ENUM(WireFormat)

    EtcdWatchRoute(EtcdClient *client, EtcdWatchWire::Listener *listener);
    ~EtcdWatchRoute();

    static void setDefaultFormat(WireFormat format);
    void setFormat(WireFormat format);
    WireFormat format() const { return m_format; }
    // A new run over the client's apiInUse(): gRPC first again (the endpoints may have changed).
    void startRun();
    EtcdClient::Api api() const;
    // True while the v3 stream in use (or the next one) goes over gRPC.
    bool usesGrpc() const;

    // Opens the next connection on the route's wire (closing the one open).
    void open(const QByteArray &prefix, qint64 fromRevision, bool prevValues);
    void close();
    // The wire with a connection open; null when none is.
    EtcdWatchWire *current() const { return m_current; }
    // The open wire was created: a JSON trial becomes the wire for good.
    void created();
    enum class Next {
        OtherWire,  // the next connection tries the JSON gateway, at once
        RenewToken, // etcd refused the token the connection went out with
        Fail,       // an error only the user can fix (permission, credentials, TLS)
        Reconnect,  // a break: the next connection after a backoff
    };
    // The open wire ended for `error`; `tokenRenewed`: the token was renewed for it already.
    Next ended(const EtcdError &error, bool tokenRenewed);
    bool isFatal(const EtcdError &error, bool tokenRenewed) const;

    EtcdV2PollWire &v2() { return *m_v2; }
    EtcdV3GrpcWire &grpc() { return *m_grpc; }
    const EtcdV3GrpcWire &grpc() const { return *m_grpc; }

private:
    enum class Route { V2Poll, Grpc, JsonTrial, Json };
    Route v3Route() const { return m_format == WireFormat::Json ? Route::Json : Route::Grpc; }

    QPointer<EtcdClient> m_client;
    std::unique_ptr<EtcdV2PollWire> m_v2;
    std::unique_ptr<EtcdV3GrpcWire> m_grpc;
    std::unique_ptr<EtcdV3JsonWire> m_json;
    EtcdWatchWire *m_current = nullptr;
    WireFormat m_format;
    Route m_route;
};
