#pragma once

#include "etcderror.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>

#include <functional>

class EtcdV3Client;

// Fills a real etcd fast through the project's own v3 client: transactions of up to 128 puts
// (etcd's limit per txn) with several of them in flight at once, so the gateway, raft and the
// WAL batch work instead of waiting on one round trip per key.
class KeySeeder : public QObject
{
    Q_OBJECT
public:
    // Key number i (0 <= i < count); keys are generated, never held in memory all at once.
    using KeyFunction = std::function<QByteArray(qint64 i)>;

    explicit KeySeeder(EtcdV3Client *client, QObject *parent = nullptr);

    // QNetworkAccessManager runs at most 6 requests per host at once; more would only queue.
    void setInFlight(int n) { m_maxInFlight = qMax(1, n); }
    void setPutsPerTxn(int n) { m_putsPerTxn = qBound(1, n, 128); }

    // Puts keys 0..count-1 with a short value (the key number). Emits finished once.
    void start(qint64 count, KeyFunction key);
    bool isRunning() const { return m_running; }
    qint64 written() const { return m_written; }
    qint64 elapsedMs() const { return m_timer.elapsed(); }

Q_SIGNALS:
    void progressed(qint64 written, qint64 total);
    void finished(const EtcdError &error);

private:
    void fill();
    void finish(const EtcdError &error);

    QPointer<EtcdV3Client> m_client;
    KeyFunction m_key;
    QElapsedTimer m_timer;
    qint64 m_count = 0;
    qint64 m_next = 0;    // the next key number to send
    qint64 m_written = 0; // keys whose txn succeeded
    int m_inFlight = 0;
    int m_maxInFlight = 6;
    int m_putsPerTxn = 128;
    qint64 m_lastProgress = 0;
    bool m_running = false;
};
