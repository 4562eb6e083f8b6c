#pragma once

#include "etcderror.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>

#include <deque>

class EtcdCall;
class EtcdClient;

// What etcd last said about each v3 lease of one connection (LeaseTimeToLive), shared by the key
// tree, the detail pane and the services view so that their questions about one lease become one
// request: an answer younger than the asker's limit is reused, one question per lease is in
// flight, and at most maxInFlight() in all (the rest wait in order).
//
// etcd answers whole seconds (truncated), measured somewhere between the question leaving and the
// answer coming, so an answer only bounds the expiry: [sent + ttl s, received + ttl s + 1 s).
// Answers narrow those bounds while nobody renews; a renewal (keep-alive) is counted only when an
// answer's lower bound passes the previous upper bound, so a slow answer never passes for one.
class LeaseTtlCache : public QObject
{
    Q_OBJECT
public:
    struct Info
    {
        quint64 id = 0;
        bool known = false;     // answered at least once
        bool gone = false;      // etcd said TTL -1: expired, revoked, or never existed
        qint64 grantedTtl = 0;  // seconds
        qint64 expiresLo = 0;   // epoch ms: expires no earlier than this ...
        qint64 expiresHi = 0;   // ... and before this (unless renewed after the answer)
        QList<QByteArray> keys; // the attached keys of the last answer asked with keys
        bool keysKnown = false;
        qint64 answeredAt = 0; // epoch ms of the last answer
        qint64 renewedAt = 0;  // epoch ms estimate of the last proven renewal (0: none seen)
        int renewals = 0;      // proven renewals since first known
        EtcdError error;       // why the last question failed (none after a good answer)

        // Seconds left at nowMs (the middle of the bounds, rounded up, at least 0); -1 when
        // unknown or gone.
        qint64 secondsLeft(qint64 nowMs) const;
    };

    explicit LeaseTtlCache(QObject *parent = nullptr);
    ~LeaseTtlCache() override;

    // The connection to ask (v3 only: with a v2 connection, or none, nothing is asked). Forgets
    // every answer.
    void setClient(EtcdClient *client);
    // Asks etcd about the lease unless an answer younger than maxAgeMs is there (0: always ask)
    // or a question is already on its way (withKeys then goes into the next one).
    void request(quint64 id, bool withKeys = false, int maxAgeMs = 1000);
    // An event touched the lease (a key put or deleted with it): the next request goes out.
    void invalidate(quint64 id);
    // Null when never asked about.
    const Info *info(quint64 id) const;
    bool isPending(quint64 id) const;
    void clear();
    void setMaxInFlight(int n);
    int maxInFlight() const { return m_maxInFlight; }
    // Requests sent so far (tests, diagnostics).
    qint64 requestCount() const { return m_requests; }

    static qint64 nowMs();

Q_SIGNALS:
    void leaseAnswered(quint64 id); // info(id) changed: an answer or a failure came
    void leaseRenewed(quint64 id);  // this answer proves a renewal since the previous one
    void leaseGone(quint64 id);     // etcd says the lease no longer exists

private:
    struct Entry
    {
        Info info;
        bool pending = false; // queued or in flight
        bool inFlight = false;
        bool withKeys = false; // the queued (or next) question asks for the keys
        bool again = false;    // asked again while in flight (invalidated or wants keys)
        bool stale = false;    // invalidated: the next request goes out whatever its age
    };

    void pump();
    void send(quint64 id);
    void onAnswer(quint64 id, qint64 sentMs, bool withKeys, const EtcdError &error, qint64 ttl,
                  qint64 granted, const QList<QByteArray> &keys);

    QPointer<EtcdClient> m_client;
    QHash<quint64, Entry> m_entries;
    std::deque<quint64> m_queue;
    int m_inFlight = 0;
    int m_maxInFlight = 4;
    qint64 m_requests = 0;
    quint32 m_generation = 0; // bumped by setClient()/clear(): older answers are dropped
};
