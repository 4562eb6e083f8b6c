#include "eventprevvaluereader.h"

#include "etcdclient.h"
#include "etcdv3client.h"
#include "eventlogmodel.h"

EventPrevValueReader::EventPrevValueReader(EventLogModel *model, QObject *parent)
    : QObject(parent)
    , m_model(model)
{
    connect(model, &EventLogModel::prevValueRequested, this, &EventPrevValueReader::read);
}

void EventPrevValueReader::setClient(EtcdClient *client)
{
    m_client = client;
    ++m_generation;
    m_model->setPrevValuesReadable(client && client->apiInUse() != EtcdApi::V2);
}

void EventPrevValueReader::read(qint64 sequence, const QByteArray &key, qint64 revision)
{
    if (!m_client)
        return;
    EtcdV3RangeOptions options;
    options.revision = revision;
    const quint32 generation = m_generation;
    m_client->v3()->range(key, options, this,
                          [this, sequence, generation](const EtcdResult<EtcdV3RangeResult> &r) {
                              if (generation != m_generation)
                                  return;
                              EtcdResult<std::optional<QByteArray>> result;
                              result.error = r.error;
                              // etcd keeps no tombstone as a value: none means it did not exist.
                              if (r.ok() && !r.value.kvs.isEmpty())
                                  result.value = r.value.kvs.first().value;
                              m_model->setPrevValueResult(sequence, result);
                          });
}
