#include "etcdv3jsonwire.h"

#include "etcdclient.h"
#include "etcdhttp.h"
#include "etcdv3client.h"

EtcdCall *EtcdV3JsonWire::send(const QByteArray &body, Finished finished)
{
    return m_client->v3()->postStream("/watch", body, QStringLiteral("v3 watch"), this,
                                      std::move(finished));
}

QByteArray EtcdV3JsonWire::createBody(qint64 fromRevision) const
{
    return EtcdWatchJson::encodeV3Create(m_prefix, fromRevision, m_prevValues);
}

bool EtcdV3JsonWire::nextMessage(EtcdV3WatchMessage *message, EtcdError *error)
{
    QByteArray line;
    if (!m_lines.next(&line))
        return false;
    *error = EtcdWatchJson::decodeV3Message(line, message);
    return !*error;
}

EtcdError EtcdV3JsonWire::endError(const EtcdHttpResponse &response, const EtcdError &error)
{
    if (error)
        return error;
    return EtcdError::network(tr("the server ended the watch stream"), response.endpoint);
}
