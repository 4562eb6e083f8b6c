#pragma once

// Helpers for the LiveTree ground-truth tests: a TCP proxy in front of etcd whose connections the
// test can cut (the only way to break a real watch stream on demand), a random writer, and a
// comparison of the loaded part of a KeyTreeModel with what etcd holds.
#include "etcdclient.h"
#include "etcdtesting.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "keytreelister.h"
#include "keytreemodel.h"
#include "naturalsort.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QMap>
#include <QPointer>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>

namespace livetreetesting {

// Forwards every connection to 127.0.0.1:targetPort. abortAll() cuts each connection in the
// middle (a watch stream mid-message, a listing mid-answer); while refusing, new connections are
// reset at once, as by an endpoint that is down.
class TcpProxy : public QObject
{
public:
    explicit TcpProxy(quint16 targetPort, QObject *parent = nullptr)
        : QObject(parent)
        , m_target(targetPort)
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] { onNewConnection(); });
    }

    ~TcpProxy() override
    {
        // The sockets go with their parents after the members: nothing may call back then.
        for (const PairPtr &p : std::as_const(m_pairs)) {
            if (p->client)
                p->client->disconnect(this);
            if (p->upstream)
                p->upstream->disconnect(this);
        }
    }

    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()); }
    int openConnections() const { return int(m_pairs.size()); }
    int acceptedCount() const { return m_accepted; }

    // Resets every connection open now (both sides); returns how many.
    int abortAll()
    {
        const auto pairs = m_pairs;
        for (const auto &p : pairs)
            close(p, true);
        return int(pairs.size());
    }
    void setRefusing(bool refusing)
    {
        m_refusing = refusing;
        if (refusing)
            abortAll();
    }

private:
    struct Pair
    {
        QPointer<QTcpSocket> client;
        QPointer<QTcpSocket> upstream;
        QByteArray buffered; // from the client before the upstream connection is up
        bool closed = false;
    };
    using PairPtr = std::shared_ptr<Pair>;

    void onNewConnection()
    {
        while (QTcpSocket *client = m_server.nextPendingConnection()) {
            if (m_refusing) {
                client->abort();
                client->deleteLater();
                continue;
            }
            ++m_accepted;
            auto pair = std::make_shared<Pair>();
            pair->client = client;
            auto *upstream = new QTcpSocket(this);
            pair->upstream = upstream;
            m_pairs << pair;
            connect(client, &QTcpSocket::readyRead, this, [pair] {
                if (!pair->client || pair->closed)
                    return;
                const QByteArray data = pair->client->readAll();
                if (pair->upstream && pair->upstream->state() == QAbstractSocket::ConnectedState)
                    pair->upstream->write(data);
                else
                    pair->buffered += data;
            });
            connect(upstream, &QTcpSocket::connected, this, [pair] {
                if (pair->closed || !pair->upstream || pair->buffered.isEmpty())
                    return;
                pair->upstream->write(pair->buffered);
                pair->buffered.clear();
            });
            connect(upstream, &QTcpSocket::readyRead, this, [pair] {
                if (pair->closed || !pair->upstream || !pair->client)
                    return;
                pair->client->write(pair->upstream->readAll());
            });
            // Either side closing closes the other: the server's close after the data it sent,
            // the client's at once.
            connect(upstream, &QTcpSocket::disconnected, this,
                    [this, pair] { close(pair, false); });
            connect(client, &QTcpSocket::disconnected, this, [this, pair] { close(pair, true); });
            connect(upstream, &QTcpSocket::errorOccurred, this,
                    [this, pair](QAbstractSocket::SocketError error) {
                        // Refused or reset: the client sees a reset too.
                        if (error != QAbstractSocket::RemoteHostClosedError)
                            close(pair, true);
                    });
            // Without it Nagle and delayed acks add 40 ms to each small answer passed on.
            client->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            connect(upstream, &QTcpSocket::connected, upstream,
                    [upstream] { upstream->setSocketOption(QAbstractSocket::LowDelayOption, 1); });
            upstream->connectToHost(QHostAddress::LocalHost, m_target);
        }
    }

    void close(const PairPtr &pair, bool hard)
    {
        if (pair->closed)
            return;
        pair->closed = true;
        m_pairs.removeOne(pair);
        QTcpSocket *client = pair->client;
        QTcpSocket *upstream = pair->upstream;
        if (upstream)
            upstream->disconnect(this);
        if (client)
            client->disconnect(this);
        if (client && upstream && !hard && upstream->bytesAvailable())
            client->write(upstream->readAll());
        if (upstream) {
            upstream->abort();
            upstream->deleteLater();
        }
        if (client) {
            if (hard) {
                client->abort();
                client->deleteLater();
            } else {
                // Written data goes out first, then the socket closes and goes.
                connect(client, &QTcpSocket::disconnected, client, &QObject::deleteLater);
                client->disconnectFromHost();
                if (client->state() == QAbstractSocket::UnconnectedState)
                    client->deleteLater();
            }
        }
    }

    QTcpServer m_server;
    quint16 m_target;
    bool m_refusing = false;
    int m_accepted = 0;
    QList<PairPtr> m_pairs;
};

// Random writes over a small tree of names, so that keys collide: puts (new v3 directories,
// updates), deletes, prefix deletes, v3 transactions with compares and v3 leases of 1-2 s, v2
// create/update/compare-and-swap/compare-and-delete, TTL keys and TTL directories. Names:
//   <root><L1>/<L2>/k<n>, <root><L1>/k<n>, <root>k<n>, and (v3) <root><L1>, <root><L1>/<L2>
// as keys too (a key that is also a directory). Nothing it writes or deletes touches a name
// containing "keep": those rows must survive the whole run.
class RandomWriter : public QObject
{
public:
    RandomWriter(EtcdClient *client, const QByteArray &root, quint32 seed)
        : m_client(client)
        , m_root(root)
        , m_v2(client->apiInUse() == EtcdClient::Api::V2)
        , m_rng(seed)
    {
    }

    int inFlight() const { return m_inFlight; }
    qint64 succeeded() const { return m_ok; }
    // Waits until nothing is in flight.
    bool drain(int timeoutMs = 60000)
    {
        return QTest::qWaitFor([this] { return m_inFlight == 0; }, timeoutMs);
    }
    // Sends one random operation, waiting first until fewer than maxInFlight are under way.
    bool sendOne(int maxInFlight = 16)
    {
        if (!QTest::qWaitFor([&] { return m_inFlight < maxInFlight; }, 60000))
            return false;
        if (m_v2)
            sendV2();
        else
            sendV3();
        return true;
    }
    // "put 812/3 delete 300/0 ..." (succeeded/failed per kind).
    QString summary() const
    {
        QStringList parts;
        for (auto it = m_stats.begin(); it != m_stats.end(); ++it)
            parts << QStringLiteral("%1 %2/%3").arg(it.key()).arg(it->first).arg(it->second);
        return parts.join(QStringLiteral(", "));
    }

private:
    static QByteArray pick(QRandomGenerator &rng, std::initializer_list<const char *> names)
    {
        return QByteArray(*(names.begin() + rng.bounded(int(names.size()))));
    }
    QByteArray l1() { return pick(m_rng, {"a", "b", "c", "d"}); }
    QByteArray l2() { return pick(m_rng, {"x", "y", "z"}); }
    QByteArray leaf() { return "k" + QByteArray::number(m_rng.bounded(1, 6)); }
    QByteArray randomKey()
    {
        const int r = m_rng.bounded(100);
        // v3 only: directory names used as keys as well.
        const bool dirName = !m_v2 && m_rng.bounded(5) == 0;
        if (r < 15)
            return m_root + (dirName ? l1() : leaf());
        if (r < 55)
            return m_root + l1() + '/' + (dirName ? l2() : leaf());
        return m_root + l1() + '/' + l2() + '/' + leaf();
    }
    // Directories a prefix delete may take: never one holding a "keep" key (a/keep, b/x/keep).
    QByteArray randomDir()
    {
        if (m_rng.bounded(3) == 0)
            return m_root + pick(m_rng, {"c", "d"});
        return m_root + l1() + '/' + pick(m_rng, {"y", "z"});
    }
    QByteArray randomValue() { return "v" + QByteArray::number(m_rng.generate() % 100000); }

    // Counts an operation in flight; the returned function ends it.
    std::function<void(bool)> begin(const QString &kind)
    {
        ++m_inFlight;
        return [this, kind](bool ok) {
            --m_inFlight;
            ok ? ++m_ok : 0;
            auto &s = m_stats[kind];
            ok ? ++s.first : ++s.second;
        };
    }

    void sendV3()
    {
        EtcdV3Client *v3 = m_client->v3();
        const int r = m_rng.bounded(100);
        if (r < 40) {
            auto end = begin(QStringLiteral("put"));
            v3->put(randomKey(), randomValue(), {}, this,
                    [end](const EtcdResult<EtcdV3PutResult> &res) { end(res.ok()); });
        } else if (r < 57) {
            auto end = begin(QStringLiteral("delete"));
            v3->deleteRange(randomKey(), {}, this,
                            [end](const EtcdResult<EtcdV3DeleteResult> &res) { end(res.ok()); });
        } else if (r < 60) {
            auto end = begin(QStringLiteral("prefix delete"));
            // With the separator (the directory's keys) or without (the key of the same name
            // as well).
            QByteArray prefix = randomDir();
            if (m_rng.bounded(2) == 0)
                prefix += '/';
            EtcdV3DeleteOptions options;
            options.rangeEnd = EtcdV3Client::prefixRangeEnd(prefix);
            v3->deleteRange(prefix, options, this,
                            [end](const EtcdResult<EtcdV3DeleteResult> &res) { end(res.ok()); });
        } else if (r < 85) {
            auto end = begin(QStringLiteral("txn"));
            EtcdV3TxnRequest txn;
            if (m_rng.bounded(2) == 0)
                txn.compare << EtcdV3Compare::version(randomKey(), EtcdV3Compare::Result::Greater,
                                                      0);
            txn.success = randomOps(m_rng.bounded(2, 7));
            if (!txn.compare.isEmpty())
                txn.failure = randomOps(m_rng.bounded(1, 4));
            v3->txn(txn, this, [end](const EtcdResult<EtcdV3TxnResult> &res) { end(res.ok()); });
        } else {
            // A lease of 1-2 s (etcd may raise it to its minimum) with 1-3 keys on it.
            auto end = begin(QStringLiteral("lease"));
            const int keys = m_rng.bounded(1, 4);
            QList<QByteArray> names;
            for (int i = 0; i < keys; ++i) {
                const QByteArray key = randomKey();
                if (!names.contains(key))
                    names << key;
            }
            const QByteArray value = randomValue();
            v3->leaseGrant(
                m_rng.bounded(1, 3), 0, this,
                [this, end, names, value](const EtcdResult<EtcdV3LeaseGrantResult> &res) {
                    if (!res.ok())
                        return end(false);
                    EtcdV3TxnRequest txn;
                    EtcdV3PutOptions options;
                    options.lease = res.value.id;
                    for (const QByteArray &k : names)
                        txn.success << EtcdV3RequestOp::makePut(k, value, options);
                    m_client->v3()->txn(
                        txn, this, [end](const EtcdResult<EtcdV3TxnResult> &t) { end(t.ok()); });
                });
        }
    }

    // Puts and deletes of distinct keys (etcd refuses a key twice in one transaction).
    QList<EtcdV3RequestOp> randomOps(int count)
    {
        QList<EtcdV3RequestOp> ops;
        QSet<QByteArray> used;
        for (int i = 0; i < count; ++i) {
            const QByteArray key = randomKey();
            if (used.contains(key))
                continue;
            used.insert(key);
            if (m_rng.bounded(3) == 0)
                ops << EtcdV3RequestOp::makeDelete(key);
            else
                ops << EtcdV3RequestOp::makePut(key, randomValue());
        }
        return ops;
    }

    void sendV2()
    {
        EtcdV2Client *v2 = m_client->v2();
        const int r = m_rng.bounded(100);
        const QByteArray key = randomKey();
        auto remember = [this, key](const EtcdResult<EtcdV2Response> &res) {
            if (res.ok())
                m_lastValue.insert(key, res.value.node.value);
        };
        auto finish = [remember](std::function<void(bool)> end) {
            return [remember, end](const EtcdResult<EtcdV2Response> &res) {
                remember(res);
                end(res.ok());
            };
        };
        if (r < 35) {
            v2->set(key, randomValue(), {}, this, finish(begin(QStringLiteral("set"))));
        } else if (r < 42) {
            v2->create(key, randomValue(), {}, this, finish(begin(QStringLiteral("create"))));
        } else if (r < 50) {
            v2->update(key, randomValue(), {}, this, finish(begin(QStringLiteral("update"))));
        } else if (r < 57) {
            // Compare-and-swap on the value this writer last saw (fails when it changed since).
            EtcdV2SetOptions options;
            options.prevValue = m_lastValue.value(key, "none");
            v2->set(key, randomValue(), options, this, finish(begin(QStringLiteral("cas"))));
        } else if (r < 72) {
            auto end = begin(QStringLiteral("delete"));
            v2->remove(key, {}, this,
                       [end](const EtcdResult<EtcdV2Response> &res) { end(res.ok()); });
        } else if (r < 77) {
            auto end = begin(QStringLiteral("cad"));
            EtcdV2DeleteOptions options;
            options.prevValue = m_lastValue.value(key, "none");
            v2->remove(key, options, this,
                       [end](const EtcdResult<EtcdV2Response> &res) { end(res.ok()); });
        } else if (r < 80) {
            auto end = begin(QStringLiteral("prefix delete"));
            v2->removeDir(randomDir(), true, this,
                          [end](const EtcdResult<EtcdV2Response> &res) { end(res.ok()); });
        } else if (r < 82) {
            // An empty directory, sometimes expiring with whatever is put below it meanwhile.
            auto end = begin(QStringLiteral("mkdir"));
            std::optional<qint64> ttl;
            if (m_rng.bounded(2) == 0)
                ttl = m_rng.bounded(1, 3);
            v2->createDir(randomDir(), ttl, this,
                          [end](const EtcdResult<EtcdV2Response> &res) { end(res.ok()); });
        } else {
            EtcdV2SetOptions options;
            options.ttl = m_rng.bounded(1, 3);
            v2->set(key, randomValue(), options, this, finish(begin(QStringLiteral("ttl"))));
        }
    }

    EtcdClient *m_client;
    QByteArray m_root;
    bool m_v2;
    QRandomGenerator m_rng;
    int m_inFlight = 0;
    qint64 m_ok = 0;
    QMap<QString, QPair<int, int>> m_stats;
    QHash<QByteArray, QByteArray> m_lastValue;
};

// What etcd holds for one row: a key (with its metadata), a directory, or both (v3).
struct Row
{
    bool isKey = false;
    bool isDir = false;
    qint64 createRevision = 0;
    qint64 modRevision = 0;
    qint64 version = 0; // v3
    QByteArray value;
};
// Full key of a level's directory ("" for the browsed root) -> its children by full key.
using Levels = QMap<QByteArray, QMap<QByteArray, Row>>;

// The levels etcd's v3 keys below root make: children of "<dir>/" for every directory.
inline Levels v3Levels(const QList<EtcdV3KeyValue> &kvs, const QByteArray &root)
{
    Levels levels;
    levels[QByteArray()]; // the root level exists even when empty
    for (const EtcdV3KeyValue &kv : kvs) {
        QByteArray parent;
        QByteArray prefix = root;
        for (;;) {
            const QByteArray rel = kv.key.mid(prefix.size());
            const qsizetype slash = rel.indexOf('/', 1);
            Row &row = levels[parent][prefix + (slash < 0 ? rel : rel.left(slash))];
            if (slash < 0) {
                row.isKey = true;
                row.createRevision = kv.createRevision;
                row.modRevision = kv.modRevision;
                row.version = kv.version;
                row.value = kv.value;
                break;
            }
            row.isDir = true;
            parent = prefix + rel.left(slash);
            prefix = parent + '/';
        }
    }
    return levels;
}

// The levels of a v2 directory read recursively.
inline void v2Levels(const EtcdV2Node &dir, const QByteArray &levelKey, Levels *levels)
{
    QMap<QByteArray, Row> &level = (*levels)[levelKey];
    for (const EtcdV2Node &child : dir.nodes) {
        Row &row = level[child.key];
        row.isKey = !child.dir;
        row.isDir = child.dir;
        row.createRevision = child.createdIndex;
        row.modRevision = child.modifiedIndex;
        row.value = child.value;
        if (child.dir)
            v2Levels(child, child.key, levels);
    }
}

// Compares every level the model has listed with etcd's; returns the differences (empty: equal)
// and counts what it compared. Keys: kind, create and mod revision (v2 index), version, the
// value when the row holds one. v3 directory rows only exist through keys, so "is a directory"
// of a listed level is "has rows"; of a level not listed, what the row says.
inline QStringList compareLevels(const KeyTreeModel &model, const Levels &etcd, int *levelsCompared,
                                 int *rowsCompared)
{
    QStringList diffs;
    const bool v2 = model.isV2();
    std::function<void(const QModelIndex &, const QByteArray &)> walk;
    walk = [&](const QModelIndex &parent, const QByteArray &levelKey) {
        ++*levelsCompared;
        const QMap<QByteArray, Row> expected = etcd.value(levelKey);
        QMap<QByteArray, Row> shown;
        QByteArray previous;
        QList<QPair<QModelIndex, QByteArray>> listedChildren;
        for (int r = 0; r < model.rowCount(parent); ++r) {
            const QModelIndex idx = model.index(r, 0, parent);
            const QByteArray key = idx.data(KeyTreeModel::KeyRole).toByteArray();
            if (r > 0 && naturalCompare(previous, key) >= 0)
                diffs << QStringLiteral("out of order: %1 after %2")
                             .arg(QString::fromUtf8(key), QString::fromUtf8(previous));
            previous = key;
            const bool listed = idx.data(KeyTreeModel::ChildCountRole).toInt() >= 0;
            Row row;
            row.isKey = idx.data(KeyTreeModel::IsKeyRole).toBool();
            row.isDir = listed && !v2 ? model.rowCount(idx) > 0
                                      : idx.data(KeyTreeModel::IsDirectoryRole).toBool();
            if (row.isKey || v2) {
                row.createRevision = idx.data(KeyTreeModel::CreateRevisionRole).toLongLong();
                row.modRevision = idx.data(KeyTreeModel::ModRevisionRole).toLongLong();
                row.version = v2 ? 0 : idx.data(KeyTreeModel::VersionRole).toLongLong();
            }
            if (row.isKey && idx.data(KeyTreeModel::ValueLoadedRole).toBool())
                row.value = idx.data(KeyTreeModel::ValueRole).toByteArray();
            else
                row.value = "(not loaded)";
            if (shown.contains(key))
                diffs << QStringLiteral("row twice: %1").arg(QString::fromUtf8(key));
            shown.insert(key, row);
            if (listed)
                listedChildren << qMakePair(idx, key);
        }
        auto describeRow = [v2](const Row &r) {
            return QStringLiteral("%1%2 create %3 mod %4%5")
                .arg(r.isKey ? QStringLiteral("K") : QString(),
                     r.isDir ? QStringLiteral("D") : QString())
                .arg(r.createRevision)
                .arg(r.modRevision)
                .arg(v2 ? QString() : QStringLiteral(" version %1").arg(r.version));
        };
        for (auto it = expected.begin(); it != expected.end(); ++it) {
            const QString key = QString::fromUtf8(it.key());
            if (!shown.contains(it.key())) {
                diffs << QStringLiteral("missing row %1 (etcd: %2)").arg(key, describeRow(*it));
                continue;
            }
            ++*rowsCompared;
            Row e = *it;
            const Row s = shown.value(it.key());
            if (!e.isKey && !v2)
                e.createRevision = e.modRevision = e.version = 0;
            if (s.value != "(not loaded)" && e.value != s.value)
                diffs << QStringLiteral("value of %1: model %2, etcd %3")
                             .arg(key, QString::fromUtf8(s.value), QString::fromUtf8(e.value));
            if (e.isKey != s.isKey || e.isDir != s.isDir || e.createRevision != s.createRevision ||
                e.modRevision != s.modRevision || e.version != s.version)
                diffs << QStringLiteral("row %1: model %2, etcd %3")
                             .arg(key, describeRow(s), describeRow(e));
        }
        for (auto it = shown.begin(); it != shown.end(); ++it) {
            if (!expected.contains(it.key()))
                diffs << QStringLiteral("extra row %1 (model: %2)")
                             .arg(QString::fromUtf8(it.key()), describeRow(*it));
        }
        for (const auto &[idx, key] : std::as_const(listedChildren))
            walk(idx, key);
    };
    walk({}, {});
    return diffs;
}

} // namespace livetreetesting
