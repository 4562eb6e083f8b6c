#pragma once

#include "etcdwatchwire.h"

#include <QPointer>
#include <QTimer>

class EtcdCall;
struct EtcdV2Response;
template<typename T> struct EtcdResult;

// The v2 watch: a loop of long-polls (GET ?wait=true&recursive=true&waitIndex=N) below a
// directory, each re-armed at the last index seen + 1. Watching from now, it first reads the
// store index, so that a break before the first event still resumes at the right place.
class EtcdV2PollWire : public EtcdWatchWire
{
    Q_OBJECT
public:
    EtcdV2PollWire(EtcdClient *client, Listener *listener, QObject *parent);

    void open(const QByteArray &prefix, qint64 fromRevision, bool prevValues) override;
    void close() override;
    void resumeAt(qint64 revision) override { m_next = qMax(m_next, revision); }
    // v2 has no "created" answer: a long-poll still open after this long counts as accepted
    // (an unreachable endpoint or a refused request answers sooner).
    void setLiveDelay(int ms) { m_liveDelayMs = ms; }

private:
    void readIndex();
    void poll();
    void onAnswer(const EtcdResult<EtcdV2Response> &r);
    void end(const EtcdError &error);

    QByteArray m_prefix;
    qint64 m_next = 0;   // the index the next poll waits for
    bool m_live = false; // this connection was reported created
    QPointer<EtcdCall> m_call;
    QTimer m_liveTimer;
    int m_liveDelayMs = 300;
};
