#pragma once

#include "etcderror.h"
#include "etcdv3types.h"

#include <QByteArray>
#include <QObject>
#include <QPointer>

#include <deque>
#include <functional>
#include <vector>

class EtcdCall;
class EtcdV3Client;

// One child of a listed v3 level. A name may be reported twice, once as a key and once as a
// directory ("/a" and "/a/b"), possibly in different batches: merge by name.
struct ListedChild
{
    QByteArray name;
    bool isKey = false;
    bool isDirectory = false;
    EtcdV3KeyValue kv; // isKey: revisions, version and lease (keys only: no value)
    // isDirectory: the first key seen below it (the full key): V3LevelLister::setHint() of the
    // directory's own listing.
    QByteArray hint;
};

// Lists the children of one v3 "directory" (the keys below a prefix, split on a separator) at
// a cost close to what the level holds, not what lies beneath it. Before etcd 3.7 a range with a
// limit still walks its whole [key, range_end) to count it, so the lister keeps each request's
// range close to what it returns, and works on several ranges at once:
// - the level starts as one interval read in pages of keys; a flat directory's rest is taken in
//   one page when the first one's count says it is small;
// - when a page is swallowed by one child's subtree (or a flat level is big), the rest of the
//   interval is split at names guessed from the last child's name ("d049": "d04:" "d05" ...
//   "d1" ... "e" ...; digits also two places deep), and the pieces are probed with limit 1, many
//   to a read-only transaction, several transactions in flight. A piece's answer gives its first
//   child and its count: a piece is done, split again after that child, or read in pages.
// - a guessed name ("d050") is probed only up to the key its subtree would start with if it were
//   built like the last child's ("d049/e000/k000" -> "d050/e000/k000"): when the guess is right
//   etcd walks one key instead of the whole subtree (the rest of it is that child's anyway).
//   Only when that comes back empty is the rest of the guessed subtree probed.
// The pieces are disjoint, so one round of probes walks the level at most once in all, and the
// level takes a few round trips instead of one per child.
class V3LevelLister : public QObject
{
    Q_OBJECT
public:
    // Takes the batch (it may be moved from).
    using ChildrenCallback = std::function<void(std::vector<ListedChild> &&)>;
    using FinishedCallback = std::function<void(const EtcdError &)>;

    // prefix: the level's keys start with it ("" for the whole keyspace). topLevel: a leading
    // separator belongs to the name ("/a/b" lists as "/a", not as an empty name).
    V3LevelLister(EtcdV3Client *client, const QByteArray &prefix, char separator, bool topLevel,
                  QObject *parent = nullptr);
    ~V3LevelLister() override;

    // A key believed to be in the level (ListedChild::hint from the parent's listing). When it
    // lies below a child directory, the listing splits around that child from the start instead
    // of reading a first page. Only a guide: a stale hint costs a request, never a wrong row.
    void setHint(const QByteArray &key) { m_hint = key; }
    // Reads the level as of this store revision (0, the default: the newest, each request at
    // its own).
    void setRevision(qint64 revision) { m_revision = revision; }
    // The highest store revision an answer came at (the pinned one when set).
    qint64 revision() const { return m_seenRevision; }
    // The lowest: every change after it is in the listing or came after it (a watch of the level
    // that starts at oldestRevision() + 1 misses nothing).
    qint64 oldestRevision() const { return m_oldestRevision; }

    // Children arrive in batches, each in key byte order (batches in any order); finished runs
    // once at the end (not after the lister is destroyed or cancelled).
    void start(ChildrenCallback children, FinishedCallback finished);
    void cancel();
    // HTTP requests sent (a transaction of probes is one).
    int requestCount() const { return m_requests; }

    // The name of the child of `prefix` that `key` belongs to; *isLeaf is true when the key is
    // that child itself.
    static QByteArray childName(const QByteArray &prefix, const QByteArray &key, char separator,
                                bool topLevel, bool *isLeaf);
    // The first key after every key below the directory `dirKey` + separator.
    static QByteArray afterSubtree(const QByteArray &dirKey, char separator);
    // Where to split [.., end of level) after the child `anchor` (sorted, unique, not clipped).
    // `likely`: the next numbers after a numbered anchor ("d050" after "d049"), worth probing
    // only up to their likely first key.
    struct SplitPoint
    {
        QByteArray key;
        bool likely = false;
    };
    static std::vector<SplitPoint> splitPoints(const QByteArray &prefix, const QByteArray &anchor);

    static constexpr qint64 firstPageSize = 32;
    static constexpr qint64 maxPageSize = 16384;
    // Pages up to this size travel in transactions with the probes; bigger ones on their own
    // (decoded off the GUI thread).
    static constexpr qint64 maxBatchedPage = 256;
    static constexpr int maxInFlight = 4;    // of QNetworkAccessManager's 6 connections per host
    static constexpr int maxOpsPerTxn = 128; // etcd's --max-txn-ops default

private:
    struct Interval
    {
        QByteArray lo;                // the next request starts here
        QByteArray hi;                // exclusive; "\0": unbounded
        qint64 limit = firstPageSize; // 1: a probe
        // A guessed child probed only up to its likely first key ([lo, hi) = [guess, that key]):
        // unless the answer shows the directory `guess`, [hi, guessEnd) is probed next.
        QByteArray guess;
        QByteArray guessEnd;
    };

    void send(); // sends what is open, as far as connections allow
    void pump(); // send(), and finishes when nothing is left
    void sendRange(const Interval &iv);
    void sendTxn(std::vector<Interval> ivs);
    EtcdV3RangeOptions optionsFor(const Interval &iv) const;
    void handle(const Interval &iv, const EtcdV3RangeResult &result, std::vector<ListedChild> &out);
    // anchorKey: the first key below the anchor directory ("" when the anchor is a leaf).
    void split(const QByteArray &anchor, const QByteArray &anchorKey, const QByteArray &lo,
               const QByteArray &hi);
    void pushGuess(const QByteArray &lo, const QByteArray &guess, const QByteArray &suffix,
                   const QByteArray &hi);
    void deliver(std::vector<ListedChild> &children);
    // Counts an answer in; true when it is to be read: the listing still runs and the answer is
    // no error (which finishes the listing).
    bool takeAnswer(const EtcdError &error);
    void finish(const EtcdError &error);

    QPointer<EtcdV3Client> m_client;
    std::vector<QPointer<EtcdCall>> m_calls;
    std::deque<Interval> m_open; // waiting to be sent
    QByteArray m_prefix;
    QByteArray m_start; // first key of the level; "\0" for the whole keyspace
    QByteArray m_end;   // end of the level; "\0": unbounded (the whole keyspace)
    QByteArray m_hint;
    qint64 m_revision = 0;
    qint64 m_seenRevision = 0;
    qint64 m_oldestRevision = 0;
    char m_separator;
    bool m_topLevel;
    bool m_running = false;
    int m_requests = 0;
    int m_inFlight = 0;
    bool m_sendScheduled = false; // send() goes on next turn (this turn's budget is spent)
    ChildrenCallback m_onChildren;
    FinishedCallback m_onFinished;
};
