#pragma once

#include "etcdclient.h"
#include "etcderror.h"
#include "etcdwatchevent.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>

// One way of carrying the watch (v2 long-polls, the v3 gRPC stream, the v3 JSON stream): opens
// one connection from a revision and tells its listener what it decoded. It never reconnects
// and never decides what an error means; EtcdWatcher does both, the same way for every wire.
class EtcdWatchWire : public QObject
{
    Q_OBJECT
public:
    // What a wire reports about the connection it has open. Each call may close, reopen or
    // destroy the wire (a consumer's slot may stop or restart the watch): a wire checks
    // isCurrent() after every call before it goes on.
    class Listener
    {
    public:
        // The server accepted the watch: v3 created it at `revision`; v2's long-poll stayed
        // open (revision 0).
        virtual void wireCreated(qint64 revision) = 0;
        // One stream message's or poll answer's events, in revision order.
        virtual void wireEvents(QList<EtcdWatchEvent> events) = 0;
        // Nothing changed in the watched range up to `revision`.
        virtual void wireProgressed(qint64 revision) = 0;
        // The history from the revision asked for is gone (compacted up to `compactRevision`).
        // The wire is closed.
        virtual void wireHistoryLost(qint64 compactRevision) = 0;
        // The connection ended for `error` (always set). The wire is closed.
        virtual void wireEnded(const EtcdError &error) = 0;

    protected:
        ~Listener() = default;
    };

    EtcdWatchWire(EtcdClient *client, Listener *listener, QObject *parent)
        : QObject(parent)
        , m_client(client)
        , m_listener(listener)
    {
    }

    // Opens a connection watching `prefix` from `fromRevision` (0: from now), with each
    // event's previous value when `prevValues` (v3). Closes the one open before.
    virtual void open(const QByteArray &prefix, qint64 fromRevision, bool prevValues) = 0;
    // Cancels the connection; nothing more of it is reported.
    virtual void close() = 0;
    // Every revision below `revision` was delivered: what the wire asks for again by itself (a
    // stream the transport resends to the next endpoint, v2's next poll) starts there.
    virtual void resumeAt(qint64 revision) = 0;
    // True when `error`, which ended the last connection, says that the endpoint does not
    // serve this wire at all (rather than that the server is down or refused the watch).
    virtual bool refusedByEndpoint(const EtcdError &error) const
    {
        Q_UNUSED(error);
        return false;
    }
    // The auth token the last connection went out with: a refusal of it asks for a new one.
    QByteArray tokenSent() const { return m_tokenSent; }

protected:
    // A new connection (or none): reports of the older one are dropped from now on.
    quint64 nextGeneration() { return ++m_generation; }
    static bool isCurrent(const QPointer<EtcdWatchWire> &self, quint64 generation)
    {
        return self && self->m_generation == generation;
    }

    QPointer<EtcdClient> m_client;
    Listener *m_listener;
    QByteArray m_tokenSent;
    quint64 m_generation = 0;
};
