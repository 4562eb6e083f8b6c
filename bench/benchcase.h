#pragma once

#include "benchdata.h"
#include "benchutil.h"

#include <QObject>

#include <memory>

class EtcdClient;
class EtcdServer;

// One case of the benchmark: its own etcd (free loopback ports, temporary data dir), seeded
// with one data set, then the etcdctl baselines and the model measurements of the same run.
class BenchCase : public QObject
{
    Q_OBJECT
public:
    explicit BenchCase(const BenchDataset &dataset, QObject *parent = nullptr);
    ~BenchCase() override;

    // Starts etcd and fills it; false (with a message on stderr) when either fails.
    bool setUp();
    // Every measurement of this case, as rows of the result table.
    QList<BenchRow> run();
    qint64 seedMs() const { return m_seedMs; }
    QString caseId() const { return QString(QLatin1Char(m_data.id)); }

private:
    // A new, discovered connection: what the app has after "connect", before the tree loads.
    std::unique_ptr<EtcdClient> connectClient();
    QStringList etcdctlArgs(const QByteArray &prefix) const;

    // etcdctl get <prefix> --prefix --keys-only > /dev/null, best of 3, in ms.
    qint64 baselineMs(const QByteArray &prefix);

    // The client alone, without a model: one keys-only range over the data set's prefix, the
    // floor any listing through the gateway and the JSON decoder pays.
    QList<BenchRow> measureClient(qint64 prefixMs);
    // KeyTreeModel (benchtree.cpp).
    QList<BenchRow> measureTree(qint64 wholeMs, qint64 prefixMs);

    BenchDataset m_data;
    std::unique_ptr<EtcdServer> m_server;
    qint64 m_seedMs = -1;
};
