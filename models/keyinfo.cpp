#include "keyinfo.h"

#include "etcdv2types.h"
#include "etcdv3types.h"

KeyInfo KeyInfo::fromV2(const EtcdV2Node &node)
{
    KeyInfo info;
    info.key = node.key;
    info.isDir = node.dir;
    info.value = node.value;
    info.valueLoaded = !node.dir;
    info.createRevision = node.createdIndex;
    info.modRevision = node.modifiedIndex;
    info.ttl = node.ttl.value_or(-1);
    info.expiration = node.expiration;
    return info;
}

KeyInfo KeyInfo::fromV3(const EtcdV3KeyValue &kv, bool valueLoaded)
{
    KeyInfo info;
    info.key = kv.key;
    info.value = kv.value;
    info.valueLoaded = valueLoaded;
    info.createRevision = kv.createRevision;
    info.modRevision = kv.modRevision;
    info.version = kv.version;
    info.lease = kv.lease;
    return info;
}
