#pragma once

#include "etcdv3streamwire.h"

// The v3 watch over etcd's JSON gateway: POST /v3/watch, answered with one JSON watch response
// per line. It works through anything that passes HTTP/1.1, at about 0.1 ms of etcd's CPU per
// event (see EtcdV3GrpcWire).
class EtcdV3JsonWire : public EtcdV3StreamWire
{
    Q_OBJECT
public:
    using EtcdV3StreamWire::EtcdV3StreamWire;

protected:
    EtcdCall *send(const QByteArray &body, Finished finished) override;
    QByteArray createBody(qint64 fromRevision) const override;
    void appendBytes(const QByteArray &chunk) override { m_lines.append(chunk); }
    void clearBytes() override { m_lines.clear(); }
    bool nextMessage(EtcdV3WatchMessage *message, EtcdError *error) override;
    EtcdError endError(const EtcdHttpResponse &response, const EtcdError &error) override;

private:
    EtcdLineSplitter m_lines;
};
