#pragma once

#include <QByteArray>
#include <QDateTime>

struct EtcdV2Node;
struct EtcdV3KeyValue;

// One key as the tree model takes it in (from a listing, an edit or, later, a watch event),
// independent of the API that produced it. v2 fills ttl/expiration and leaves lease at 0; v3
// fills lease and leaves ttl at -1.
struct KeyInfo
{
    QByteArray key;   // the full key
    QByteArray value; // meaningful only when valueLoaded
    bool valueLoaded = false;
    bool isDir = false;        // v2 directory (v3 has none: its directories are virtual)
    qint64 createRevision = 0; // v3 create_revision, v2 createdIndex
    qint64 modRevision = 0;    // v3 mod_revision, v2 modifiedIndex
    qint64 version = 0;        // v3 only
    quint64 lease = 0;         // v3 lease ID, 0: none
    qint64 ttl = -1;           // v2 seconds left when read, -1: does not expire
    QDateTime expiration;      // v2 UTC expiration, invalid when the key does not expire

    static KeyInfo fromV2(const EtcdV2Node &node);
    static KeyInfo fromV3(const EtcdV3KeyValue &kv, bool valueLoaded);
};

// One child of a listed level (KeyTreeLister), or a change (an edit, a watch event), before it
// becomes a row. A v3 name may come twice, once as a key and once as a directory ("/a" and
// "/a/b"), possibly in different batches: merge by name.
struct KeyTreeEntry
{
    QByteArray name;
    bool isKey = false;
    bool isDir = false;
    KeyInfo info;    // metadata of the key (isKey) or of the v2 directory
    QByteArray hint; // v3 directory: its first key seen, a guide for its own listing
};
