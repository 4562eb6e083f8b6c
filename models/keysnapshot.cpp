#include "keysnapshot.h"

#include "etcdv2types.h"
#include "etcdv3types.h"
#include "keydocument_p.h"

using namespace KeyDocumentDetail;

std::optional<qint64> KeySnapshot::secondsLeft(const QDateTime &now) const
{
    const QDateTime end = deadline.isValid() ? deadline : expiresAt();
    if (!end.isValid())
        return std::nullopt;
    const qint64 ms = now.msecsTo(end);
    if (ms <= 0)
        return 0;
    return (ms + 999) / 1000;
}

KeySnapshot KeySnapshot::fromV2(const EtcdV2Node &node, qint64 etcdIndex)
{
    KeySnapshot s;
    s.key = node.key;
    s.value = node.value;
    s.exists = true;
    s.v2 = true;
    s.isDirectory = node.dir;
    s.createdIndex = node.createdIndex;
    s.modifiedIndex = node.modifiedIndex;
    s.ttl = node.ttl;
    s.expiration = node.expiration;
    if (node.ttl)
        s.deadline = deadlineAfter(*node.ttl);
    s.storeRevision = etcdIndex;
    return s;
}

KeySnapshot KeySnapshot::fromV3(const EtcdV3KeyValue &kv, qint64 headerRevision)
{
    KeySnapshot s;
    s.key = kv.key;
    s.value = kv.value;
    s.exists = true;
    s.createRevision = kv.createRevision;
    s.modRevision = kv.modRevision;
    s.version = kv.version;
    s.lease = kv.lease;
    s.storeRevision = headerRevision;
    return s;
}

KeySnapshot KeySnapshot::fromEvent(const EtcdWatchEvent &event, bool v2)
{
    KeySnapshot s;
    s.key = event.key;
    s.v2 = v2;
    s.storeRevision = event.revision;
    if (event.isDelete())
        return s;
    s.value = event.value;
    s.exists = true;
    if (v2) {
        s.isDirectory = event.isDir;
        s.createdIndex = event.createRevision;
        s.modifiedIndex = event.revision;
        if (event.ttl >= 0) {
            s.ttl = event.ttl;
            s.expiration = event.expiration;
            // Counted from when the event arrived, as a load counts from its answer.
            const QDateTime from =
                event.received.isValid() ? event.received : QDateTime::currentDateTimeUtc();
            s.deadline = from.toUTC().addSecs(event.ttl);
        }
    } else {
        s.createRevision = event.createRevision;
        s.modRevision = event.revision;
        s.version = event.version;
        s.lease = event.lease;
    }
    return s;
}
