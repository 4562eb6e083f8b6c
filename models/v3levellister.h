#pragma once

#include "etcderror.h"
#include "etcdv3types.h"

#include <QByteArray>
#include <QObject>
#include <QPointer>

#include <functional>
#include <vector>

class EtcdCall;
class EtcdV3Client;

// One child of a listed v3 level. A name may be reported twice, once as a key and once as a
// directory ("/a" and "/a/b"): merge by name.
struct ListedChild
{
    QByteArray name;
    bool isKey = false;
    bool isDirectory = false;
    EtcdV3KeyValue kv; // isKey: revisions, version and lease (keys only: no value)
};

// Lists the children of one v3 "directory" (the keys below a prefix, split on a separator) at
// a cost close to what the level holds, not what lies beneath it. Before etcd 3.7 a range with a
// limit still walks its whole [key, range_end) to count it, so the lister keeps each request's
// range close to what it returns:
// - pages of keys over [cursor, end of level) whose size grows (x8) while they come back all
//   leaves, so a flat directory of 100k keys takes a handful of requests;
// - when a page is swallowed by one child's subtree, probes of one key (limit 1) that skip each
//   directory child's subtree, each first over a narrow range after the previous child (names
//   that share all but its last byte and whose next byte is at most one higher), widened only
//   when it comes back empty; a leaf found that way switches back to pages.
class V3LevelLister : public QObject
{
    Q_OBJECT
public:
    using ChildrenCallback = std::function<void(const std::vector<ListedChild> &)>;
    using FinishedCallback = std::function<void(const EtcdError &)>;

    // prefix: the level's keys start with it ("" for the whole keyspace). topLevel: a leading
    // separator belongs to the name ("/a/b" lists as "/a", not as an empty name).
    V3LevelLister(EtcdV3Client *client, const QByteArray &prefix, char separator, bool topLevel,
                  QObject *parent = nullptr);
    ~V3LevelLister() override;

    // Children arrive in batches, each in key byte order; finished runs once at the end (not
    // after the lister is destroyed or cancelled).
    void start(ChildrenCallback children, FinishedCallback finished);
    void cancel();
    int requestCount() const { return m_requests; }

    // The name of the child of `prefix` that `key` belongs to; *isLeaf is true when the key is
    // that child itself.
    static QByteArray childName(const QByteArray &prefix, const QByteArray &key, char separator,
                                bool topLevel, bool *isLeaf);
    // The first key after every key below the directory `dirKey` + separator.
    static QByteArray afterSubtree(const QByteArray &dirKey, char separator);

    static constexpr qint64 firstPageSize = 32;
    static constexpr qint64 maxPageSize = 16384;

private:
    void request();
    void onAnswer(const EtcdV3RangeResult &result, qint64 limit);
    void computeNarrowEnds(const QByteArray &anchorName);
    bool beyondEnd(const QByteArray &key) const;
    void finish(const EtcdError &error);

    QPointer<EtcdV3Client> m_client;
    QPointer<EtcdCall> m_call;
    QByteArray m_prefix;
    QByteArray m_end;    // end of the level; "\0": unbounded (the whole keyspace)
    QByteArray m_cursor; // the next request starts here
    // Range ends to try in turn, narrowest first, the last one m_end.
    std::vector<QByteArray> m_ends;
    std::size_t m_endIndex = 0;
    qint64 m_pageSize = firstPageSize;
    char m_separator;
    bool m_topLevel;
    bool m_running = false;
    int m_requests = 0;
    ChildrenCallback m_onChildren;
    FinishedCallback m_onFinished;
};
