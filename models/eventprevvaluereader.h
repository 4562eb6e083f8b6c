#pragma once

#include <QObject>
#include <QPointer>

class EtcdClient;
class EventLogModel;

// Reads, from etcd's history, the values that the events of an EventLogModel had before them,
// when the model asks for one (the live watch runs without prev_kv): the value of the key at the
// revision before the event. The model never calls the network; this does, on one connection.
class EventPrevValueReader : public QObject
{
    Q_OBJECT
public:
    explicit EventPrevValueReader(EventLogModel *model, QObject *parent = nullptr);

    // The connection to read from (discovered; v2 has no history: nothing is read). Null: none.
    void setClient(EtcdClient *client);

private:
    void read(qint64 sequence, const QByteArray &key, qint64 revision);

    EventLogModel *m_model;
    QPointer<EtcdClient> m_client;
    quint32 m_generation = 0; // answers from an earlier connection are dropped
};
