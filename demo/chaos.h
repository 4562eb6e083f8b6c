#pragma once

#include <QObject>
#include <QPointer>
#include <QTimer>

class DemoServer;

// The demo's misbehaving servers, so that a browser has something to show: one login server
// dies now and then (its heartbeats stop, its key expires, it comes back with a new lease), and
// one route server runs late (skips heartbeats for a while, but its longer TTL keeps it alive).
// Timings have jitter so that the two do not fall into step.
class Chaos : public QObject
{
    Q_OBJECT
public:
    // Either may be null (the services spec has no such instance): that part does nothing.
    Chaos(DemoServer *dying, DemoServer *late, QObject *parent = nullptr);

    void start();

    // The TTL the late server needs to survive a pause: its heartbeat stops for ~4.5 s.
    static int lateTtl(int ttl) { return qMax(ttl, 8); }

private:
    void die();
    void comeBack();
    void runLate();
    void onTime();
    static int jittered(int ms, int jitterMs);

    QPointer<DemoServer> m_dying;
    QPointer<DemoServer> m_late;
    QTimer m_dieTimer;
    QTimer m_lateTimer;
    bool m_dead = false; // the dying server is down because of us (not a stop command)
};
