#pragma once

#include "etcderror.h"
#include "etcdv2types.h"
#include "etcdv3types.h"
#include "etcdwatchevent.h"

#include <QByteArray>
#include <QList>
#include <QString>

// The wire side of the watch: splitting the v3 stream into its JSON lines, decoding one v3
// watch message, and turning a v2 long-poll answer into an event. Pure functions and a plain
// buffer, tested by feeding bytes directly.

// One message of the v3 watch stream (`{"result":{…}}`), or the error object the gateway writes
// instead when the stream fails (`{"error":{…}}`, or etcd's `{"error","message","code"}`).
struct EtcdV3WatchMessage
{
    EtcdV3Header header;
    qint64 watchId = 0;
    bool created = false;
    bool canceled = false;
    qint64 compactRevision = 0; // canceled because the start revision was compacted
    QString cancelReason;       // canceled for another reason ("… permission denied")
    QList<EtcdWatchEvent> events;
    EtcdError error; // set for an error object: the stream ends after it

    // Progress notification: nothing happened in the watched range up to header.revision.
    bool isProgress() const { return !created && !canceled && events.isEmpty() && !error; }
};

// Cuts a byte stream into lines ('\n'); a line split across chunks is kept until its end
// arrives. Amortised O(bytes): each byte is scanned once and the buffer is compacted once per
// append, not once per line.
class EtcdLineSplitter
{
public:
    void append(const QByteArray &chunk);
    // The next complete line without its '\n' (and '\r'); empty lines are skipped. False when no
    // complete line is buffered.
    bool next(QByteArray *line);
    void clear();
    // Bytes of an incomplete line waiting for the rest.
    qsizetype pending() const { return m_buffer.size() - m_start; }

private:
    QByteArray m_buffer;
    qsizetype m_start = 0;   // first byte not yet returned
    qsizetype m_scanned = 0; // bytes from m_start already known to hold no '\n'
};

namespace EtcdWatchJson {

// The body of POST /v3/watch: a create_request over every key starting with `prefix` (the whole
// keyspace when it is empty), from `startRevision` (0: from now), with progress_notify, and
// prev_kv when `prevKv`.
QByteArray encodeV3Create(const QByteArray &prefix, qint64 startRevision, bool prevKv = true);

// One line of the stream. Unknown fields are ignored (newer servers add some); a line that is
// not JSON, or a known field of the wrong type, gives a Kind::Protocol error naming it. Events
// get the action Put (version 1), Update or Delete; `received` is left for the caller.
EtcdError decodeV3Message(const QByteArray &line, EtcdV3WatchMessage *out);

// The v2 action names as events: set, create, update, delete, expire, compareAndSwap,
// compareAndDelete. False for anything else (an empty action: the poll ended without one).
bool decodeV2Action(const QString &action, EtcdWatchEvent::Action *out);

// A v2 long-poll answer with an action as an event (revision = node.modifiedIndex).
bool fromV2(const EtcdV2Response &response, EtcdWatchEvent *out);

// True for the cancel reasons that a new token fixes: "invalid auth token", "user name is
// empty" (no token sent), "revision of auth store is old".
bool isTokenCancelReason(const QString &reason);
bool isPermissionCancelReason(const QString &reason);

} // namespace EtcdWatchJson
