#pragma once

#include "etcderror.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>

class EtcdCall;
class EtcdV2Client;
class EtcdV3Client;

// One child of a listed level: its full key ("/config") and what it is. In v3 a name can be a
// key and a directory at once ("/a" and "/a/b" both exist).
struct KeyLevelEntry
{
    QByteArray key;
    bool isKey = false;
    bool isDirectory = false;

    friend bool operator==(const KeyLevelEntry &a, const KeyLevelEntry &b)
    {
        return a.key == b.key && a.isKey == b.isKey && a.isDirectory == b.isDirectory;
    }
};

// Lists one level of the keyspace without reading what lies below it (KCoreDirLister's role:
// no model, no widgets). v2 asks for the directory, non-recursive. v3 has no directories: the
// level is found by probing for the first key at or after a position (limit 1, keys only) and
// jumping over the whole subtree of each child found, so the cost is one small request per
// child, never a range over the whole keyspace.
class KeyLevelLister : public QObject
{
    Q_OBJECT
public:
    explicit KeyLevelLister(QObject *parent = nullptr);
    ~KeyLevelLister() override;

    // v2: the children of directory `dir` ("/" for the root). Hidden ("_") names are left out
    // by etcd itself.
    void listV2(EtcdV2Client *client, const QByteArray &dir);
    // v3: the children of `prefix` ("" for the top level, else a directory's key plus "/").
    // At the top level a leading "/" belongs to the child's name: "/a/b" gives "/a", "a/b"
    // gives "a".
    void listV3(EtcdV3Client *client, const QByteArray &prefix);
    void cancel();
    bool isBusy() const { return m_busy; }

    // The child a v3 key belongs to when listing `prefix`; *isLeaf is true when key is that
    // child itself. Public for tests.
    static QByteArray childOf(const QByteArray &prefix, const QByteArray &key, bool *isLeaf);

Q_SIGNALS:
    // Children as they are found, in batches, each batch in key order. v3 may report a name
    // again when it turns out to be a directory as well as a key: merge by key.
    void entriesFound(const QList<KeyLevelEntry> &entries);
    // The listing ended, completely or with an error; not emitted after cancel().
    void finished(const EtcdError &error);

private:
    void probeV3(quint64 generation);
    void flush();
    void finish(const EtcdError &error);

    // Entries are reported in batches so a level of thousands of children does not emit (and
    // the model insert) one row at a time.
    static constexpr int batchSize = 64;

    QPointer<EtcdCall> m_call;
    QPointer<EtcdV3Client> m_v3;
    QByteArray m_prefix;
    QByteArray m_next;     // v3: the next probe starts here
    QByteArray m_rangeEnd; // v3: the end of the listed level ("\0": the whole keyspace)
    QList<KeyLevelEntry> m_pending;
    quint64 m_generation = 0; // answers of an older listing are dropped
    bool m_busy = false;
};
