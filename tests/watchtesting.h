#pragma once

// Helpers shared by the EtcdWatcher tests: the wire to watch over and a recorder of everything a
// watcher says.
#include "etcdclient.h"
#include "etcdtesting.h"
#include "etcdwatcher.h"

#include <QObject>
#include <QTest>

#include <memory>

namespace watchtesting {

// A gRPC message in its 5-byte envelope (compressed flag, big-endian length), built by hand so
// that tests check the client's framing rather than reuse it.
inline QByteArray frame(const QByteArray &message, char flag = 0)
{
    QByteArray f(5, '\0');
    f[0] = flag;
    const quint32 n = quint32(message.size());
    f[1] = char(n >> 24);
    f[2] = char(n >> 16);
    f[3] = char(n >> 8);
    f[4] = char(n);
    return f + message;
}

// Makes the watchers of this test take the wire ETCDSCOPE_WATCH_WIRE names (auto, grpc, json;
// Auto when unset): CTest runs tst_watchv3 and tst_keydocumentlive again with "json".
inline void useWireFromEnvironment()
{
    const QByteArray wire = qgetenv("ETCDSCOPE_WATCH_WIRE").trimmed().toLower();
    EtcdWatcher::setDefaultWireFormat(wire == "json"   ? EtcdWatcher::WireFormat::Json
                                      : wire == "grpc" ? EtcdWatcher::WireFormat::Grpc
                                                       : EtcdWatcher::WireFormat::Auto);
}

// Everything a watcher emits, in order.
struct Recorder : QObject
{
    explicit Recorder(EtcdWatcher *w)
    {
        connect(w, &EtcdWatcher::eventsReceived, this, [this](const QList<EtcdWatchEvent> &b) {
            events += b;
            batches << b;
        });
        connect(w, &EtcdWatcher::stateChanged, this, [this](EtcdWatcher::State s) { states << s; });
        connect(w, &EtcdWatcher::revisionChanged, this, [this](qint64 r) { revisions << r; });
        connect(w, &EtcdWatcher::historyLost, this, [this](qint64 r) { lost << r; });
        connect(w, &EtcdWatcher::failed, this, [this](const EtcdError &e) { failures << e; });
        connect(w, &EtcdWatcher::interrupted, this,
                [this](const EtcdError &e) { interruptions << e; });
    }

    QList<QByteArray> keys() const
    {
        QList<QByteArray> out;
        for (const EtcdWatchEvent &e : events)
            out << e.key;
        return out;
    }
    // True when revisions strictly grow between batches and never go back inside one.
    bool ordered() const
    {
        qint64 last = 0;
        for (const EtcdWatchEvent &e : events) {
            if (e.revision < last)
                return false;
            last = e.revision;
        }
        for (qsizetype i = 1; i < batches.size(); ++i) {
            if (batches[i].first().revision <= batches[i - 1].last().revision)
                return false;
        }
        return true;
    }
    bool hasKey(const QByteArray &key) const { return keys().contains(key); }

    QList<EtcdWatchEvent> events;
    QList<QList<EtcdWatchEvent>> batches;
    QList<EtcdWatcher::State> states;
    QList<qint64> revisions;
    QList<qint64> lost;
    QList<EtcdError> failures;
    QList<EtcdError> interruptions;
};

} // namespace watchtesting
