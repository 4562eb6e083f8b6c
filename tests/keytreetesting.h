#pragma once

// Helpers shared by the KeyTreeModel tests: a discovered client, bulk writes, loading the whole
// tree and describing it, and what etcd itself holds.
#include "etcdclient.h"
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "etcdtransport.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "keydisplay.h"
#include "keytreelister.h"
#include "keytreemodel.h"
#include "naturalsort.h"

#include <QRegularExpression>
#include <QTest>

#include <functional>
#include <memory>

namespace keytreetesting {

// A client for `server` speaking `api`, discovered, with 30 s for each request (these tests
// write thousands of keys at a time).
inline std::unique_ptr<EtcdClient> makeClient(EtcdServer *server, EtcdClient::Api api)
{
    EtcdClient::Options options = clientOptions({server->clientUrl()});
    options.api = api;
    options.timeoutMs = 30000;
    return discoveredClient(options);
}

// v3 puts, 128 per transaction (etcd's limit per txn).
inline bool putAll(EtcdV3Client *v3, const QList<QByteArray> &keys, const QByteArray &value = "v")
{
    int pending = 0;
    bool ok = true;
    QObject context;
    for (qsizetype i = 0; i < keys.size(); i += 128) {
        EtcdV3TxnRequest txn;
        for (qsizetype k = i; k < std::min(keys.size(), i + 128); ++k)
            txn.success << EtcdV3RequestOp::makePut(keys[k], value);
        ++pending;
        v3->txn(txn, &context, [&](const EtcdResult<EtcdV3TxnResult> &r) {
            --pending;
            ok = ok && r.ok();
        });
        // A few transactions in flight at a time.
        if (pending >= 4 && !QTest::qWaitFor([&] { return pending < 4; }, 30000))
            return false;
    }
    return QTest::qWaitFor([&] { return pending == 0; }, 60000) && ok;
}

inline bool put(EtcdV3Client *v3, const QByteArray &key, const QByteArray &value)
{
    return putAll(v3, {key}, value);
}

inline bool removeKey(EtcdV3Client *v3, const QByteArray &key)
{
    bool done = false;
    bool ok = false;
    QObject context;
    v3->deleteRange(key, {}, &context, [&](const EtcdResult<EtcdV3DeleteResult> &r) {
        done = true;
        ok = r.ok();
    });
    return QTest::qWaitFor([&] { return done; }, 20000) && ok;
}

// Every key below prefix, as etcd holds them.
inline QList<QByteArray> keysBelow(EtcdV3Client *v3, const QByteArray &prefix)
{
    QList<QByteArray> keys;
    bool done = false;
    QObject context;
    EtcdV3RangeOptions options;
    options.rangeEnd =
        prefix.isEmpty() ? QByteArray(1, '\0') : EtcdV3Client::prefixRangeEnd(prefix);
    options.keysOnly = true;
    v3->range(prefix.isEmpty() ? QByteArray(1, '\0') : prefix, options, &context,
              [&](const EtcdResult<EtcdV3RangeResult> &r) {
                  done = true;
                  for (const EtcdV3KeyValue &kv : r.value.kvs)
                      keys << kv.key;
              });
    QTest::qWaitFor([&] { return done; }, 30000);
    return keys;
}

// The tree etcd's keys make under the model's rules, written independently of the model: one
// line per node, "key|K" (a key), "key|D" (a directory), "key|KD" (both). At the top level a
// leading separator belongs to the name.
inline QStringList expectedTree(const QList<QByteArray> &keys, const QByteArray &prefix, char sep)
{
    QMap<QByteArray, QPair<bool, bool>> nodes;
    for (const QByteArray &key : keys) {
        const QByteArray rel = key.mid(prefix.size());
        for (qsizetype i = 0; i < rel.size(); ++i) {
            if (rel.at(i) == sep && i > 0)
                nodes[key.left(prefix.size() + i)].second = true;
        }
        nodes[key].first = true;
    }
    QStringList out;
    for (auto it = nodes.begin(); it != nodes.end(); ++it)
        out << QString::fromLatin1(it.key().toHex()) + QLatin1Char('|') +
                   (it.value().first ? QStringLiteral("K") : QString()) +
                   (it.value().second ? QStringLiteral("D") : QString());
    out.sort();
    return out;
}

// Reloads the model (its lister set up by the caller) and waits until the top level is loaded.
inline bool reloadTopLevel(KeyTreeModel &model, int timeoutMs = 30000)
{
    bool topLoaded = false;
    QObject context;
    QObject::connect(&model, &KeyTreeModel::levelLoaded, &context,
                     [&](const QModelIndex &dir) { topLoaded = topLoaded || !dir.isValid(); });
    model.reload();
    return QTest::qWaitFor([&] { return topLoaded; }, timeoutMs);
}

// Fetches every level below parent; true when nothing is left to list or loading.
inline bool fetchPass(KeyTreeModel &model, const QModelIndex &parent)
{
    bool done = true;
    if (model.canFetchMore(parent)) {
        model.fetchMore(parent);
        done = false;
    }
    if (model.isLoading(parent))
        done = false;
    for (int r = 0; r < model.rowCount(parent); ++r) {
        const QModelIndex child = model.index(r, 0, parent);
        if (model.hasChildren(child) && !fetchPass(model, child))
            done = false;
    }
    return done;
}

// The keys of the levels being listed now ("(root)" for the top level), for failure messages.
inline QStringList loadingLevels(const KeyTreeModel &model, const QModelIndex &parent = {})
{
    QStringList out;
    if (model.isLoading(parent))
        out << (parent.isValid() ? displayKey(parent.data(KeyTreeModel::KeyRole).toByteArray())
                                 : QStringLiteral("(root)"));
    for (int r = 0; r < model.rowCount(parent); ++r)
        out << loadingLevels(model, model.index(r, 0, parent));
    return out;
}

inline bool loadAll(KeyTreeModel &model, int timeoutMs = 60000)
{
    return QTest::qWaitFor([&] { return fetchPass(model, {}); }, timeoutMs);
}

// The loaded tree in the form of expectedTree(); also checks siblings are in natural order.
inline void describe(const KeyTreeModel &model, const QModelIndex &parent, QStringList *out,
                     bool *sorted)
{
    QByteArray previous;
    for (int r = 0; r < model.rowCount(parent); ++r) {
        const QModelIndex idx = model.index(r, 0, parent);
        const QByteArray key = idx.data(KeyTreeModel::KeyRole).toByteArray();
        const bool isKey = idx.data(KeyTreeModel::IsKeyRole).toBool();
        const bool isDir = model.rowCount(idx) > 0;
        *out << QString::fromLatin1(key.toHex()) + QLatin1Char('|') +
                    (isKey ? QStringLiteral("K") : QString()) +
                    (isDir ? QStringLiteral("D") : QString());
        if (r > 0 && naturalCompare(previous, key) >= 0)
            *sorted = false;
        previous = key;
        describe(model, idx, out, sorted);
    }
}

inline QStringList describe(const KeyTreeModel &model, bool *sorted = nullptr)
{
    QStringList out;
    bool ok = true;
    describe(model, {}, &out, &ok);
    if (sorted)
        *sorted = ok;
    out.sort();
    return out;
}

// Names of the rows below parent, as shown.
inline QStringList names(const KeyTreeModel &model, const QModelIndex &parent = {})
{
    QStringList out;
    for (int r = 0; r < model.rowCount(parent); ++r)
        out << model.index(r, 0, parent).data().toString();
    return out;
}

// gRPC Range calls etcd served so far (the gateway turns each /v3/kv/range into one).
inline qint64 rangeRequestsServed(EtcdTransport *transport)
{
    QByteArray body;
    bool done = false;
    QObject context;
    EtcdHttpRequest req;
    req.path = "/metrics";
    transport->send(req, &context, [&](EtcdCall *, const EtcdHttpResponse &r, const EtcdError &) {
        body = r.body;
        done = true;
        return true;
    });
    if (!QTest::qWaitFor([&] { return done; }, 10000))
        return -1;
    static const QRegularExpression re(QStringLiteral(
        R"re(grpc_server_handled_total\{grpc_code="OK",grpc_method="Range",[^}]*\} (\d+))re"));
    const QRegularExpressionMatch m = re.match(QString::fromUtf8(body));
    return m.hasMatch() ? m.captured(1).toLongLong() : -1;
}

} // namespace keytreetesting
