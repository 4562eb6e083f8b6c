#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QMetaType>

#include <optional>

// One change reported by a watch, the same for both APIs, so that the tree, the open editor, the
// event log and the services panel can take events without knowing where they came from.
struct EtcdWatchEvent
{
    enum class Action {
        Put,              // v3 PUT that created the key (version 1), v2 "create"
        Update,           // v3 PUT of an existing key, v2 "update"
        Set,              // v2 "set" (create or replace, etcd does not say which)
        CompareAndSwap,   // v2 "compareAndSwap"
        Delete,           // v3 DELETE, v2 "delete"
        CompareAndDelete, // v2 "compareAndDelete"
        Expire,           // v2 "expire" (a TTL ran out; v3 lease expiries arrive as Delete)
    };

    Action action = Action::Put;
    QByteArray key;
    QByteArray value;                    // after the change; empty for deletes
    std::optional<QByteArray> prevValue; // before it, when the server sent it (prev_kv, prevNode)
    bool isDir = false;                  // v2 directory
    qint64 revision = 0;       // v3 mod_revision of the change (header revision for deletes),
                               // v2 modifiedIndex
    qint64 createRevision = 0; // v3 create_revision, v2 createdIndex
    qint64 version = 0;        // v3 only; 0 for deletes
    quint64 lease = 0;         // v3 lease ID, 0: none
    qint64 ttl = -1;           // v2 seconds left, -1: does not expire
    QDateTime expiration;      // v2 UTC expiration
    QDateTime received;        // local time the event arrived (for the log)

    bool isDelete() const
    {
        return action == Action::Delete || action == Action::CompareAndDelete ||
               action == Action::Expire;
    }
};

Q_DECLARE_METATYPE(EtcdWatchEvent)
