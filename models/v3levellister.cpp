#include "v3levellister.h"

#include "etcdcall.h"
#include "etcdv3client.h"

#include <QLoggingCategory>
#include <QTimer>

#include <algorithm>
#include <cctype>

Q_LOGGING_CATEGORY(lcTreeListing, "etcdscope.tree", QtWarningMsg)

namespace {

const QByteArray unbounded(1, '\0');

// Reads (probes and pages) all listers of this thread may put into requests in one event-loop
// turn. Opening 100 directories at once would otherwise encode 25,000 probes in one go (a
// quarter of a second); the rest leave on the next turns.
constexpr int maxOpsPerTurn = 1024;
thread_local int opsThisTurn = 0;
thread_local bool turnResetScheduled = false;

bool takeTurnBudget(int ops)
{
    if (!turnResetScheduled) {
        turnResetScheduled = true;
        QTimer::singleShot(0, [] {
            opsThisTurn = 0;
            turnResetScheduled = false;
        });
    }
    if (opsThisTurn >= maxOpsPerTurn)
        return false;
    opsThisTurn += ops;
    return true;
}

// Range ends compare as keys, except "\0" which stands for "no end".
bool endLess(const QByteArray &a, const QByteArray &b)
{
    if (a == unbounded)
        return false;
    if (b == unbounded)
        return true;
    return a < b;
}

struct ByteClass
{
    int first;
    int last;
};

// Names are mostly made of digits and letters: a byte's class is the run it belongs to.
ByteClass classOf(uchar b)
{
    if (b >= '0' && b <= '9')
        return {'0', '9'};
    if (b >= 'a' && b <= 'z')
        return {'a', 'z'};
    if (b >= 'A' && b <= 'Z')
        return {'A', 'Z'};
    return {b, b};
}

// Bytes after `b` worth splitting at: the rest of b's class one by one, then where each of the
// classes above it starts (a name after "d9" is more likely "e" than "d:").
void successors(uchar b, std::vector<int> &out)
{
    const ByteClass c = classOf(b);
    for (int x = b + 1; x <= c.last; ++x)
        out.push_back(x);
    if (c.last < 0xff)
        out.push_back(c.last + 1);
    for (int boundary : {int('0'), int('A'), int('a'), 0x7b, 0x80}) {
        if (boundary > c.last + 1)
            out.push_back(boundary);
    }
}

} // namespace

V3LevelLister::V3LevelLister(EtcdV3Client *client, const QByteArray &prefix, char separator,
                             bool topLevel, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_prefix(prefix)
    , m_separator(separator)
    , m_topLevel(topLevel)
{
    // The empty key is not a valid range start: "\0" is the first key there can be.
    m_end = prefix.isEmpty() ? unbounded : EtcdV3Client::prefixRangeEnd(prefix);
    m_start = prefix.isEmpty() ? unbounded : prefix;
}

V3LevelLister::~V3LevelLister()
{
    cancel();
}

void V3LevelLister::cancel()
{
    m_running = false;
    m_open.clear();
    for (const QPointer<EtcdCall> &call : m_calls) {
        if (call)
            call->cancel();
    }
    m_calls.clear();
    m_inFlight = 0;
}

QByteArray V3LevelLister::childName(const QByteArray &prefix, const QByteArray &key, char separator,
                                    bool topLevel, bool *isLeaf)
{
    const QByteArray rel = key.mid(prefix.size());
    const qsizetype from = topLevel && rel.startsWith(separator) ? 1 : 0;
    const qsizetype sep = rel.indexOf(separator, from);
    *isLeaf = sep < 0;
    return *isLeaf ? rel : rel.left(sep);
}

QByteArray V3LevelLister::afterSubtree(const QByteArray &dirKey, char separator)
{
    return EtcdV3Client::prefixRangeEnd(dirKey + separator);
}

std::vector<V3LevelLister::SplitPoint> V3LevelLister::splitPoints(const QByteArray &prefix,
                                                                  const QByteArray &anchor)
{
    const qsizetype n = anchor.size();
    // Every place of a short name; of a long one (a UUID) the first three and the last four:
    // the first split the rest of the level coarsely, the last find the anchor's neighbours.
    std::vector<SplitPoint> points;
    std::vector<int> next;
    for (qsizetype i = 0; i < n; ++i) {
        if (n > 10 && i >= 3 && i < n - 4)
            continue;
        const QByteArray stem = prefix + anchor.left(i);
        const uchar b = uchar(anchor.at(i));
        const bool digit = classOf(b).first == '0';
        next.clear();
        successors(b, next);
        for (int c : next)
            points.push_back({stem + char(c), i == n - 1 && digit && c <= '9'});
    }
    // Numbered names ("d049", "0001-0002"): the next hundred, so that each piece holds about one
    // child instead of ten.
    if (n >= 2) {
        const uchar tens = uchar(anchor.at(n - 2));
        const uchar ones = uchar(anchor.at(n - 1));
        if (classOf(tens).first == '0' && classOf(ones).first == '0') {
            const QByteArray stem = prefix + anchor.left(n - 2);
            for (int t = tens + 1; t <= '9'; ++t) {
                for (int o = '0'; o <= '9'; ++o)
                    points.push_back({stem + char(t) + char(o), true});
            }
        }
    }
    std::sort(points.begin(), points.end(), [](const SplitPoint &a, const SplitPoint &b) {
        return a.key < b.key || (a.key == b.key && a.likely > b.likely);
    });
    points.erase(
        std::unique(points.begin(), points.end(),
                    [](const SplitPoint &a, const SplitPoint &b) { return a.key == b.key; }),
        points.end());
    return points;
}

void V3LevelLister::start(ChildrenCallback children, FinishedCallback finished)
{
    cancel();
    m_onChildren = std::move(children);
    m_onFinished = std::move(finished);
    m_running = true;
    m_seenRevision = m_revision;
    m_oldestRevision = m_revision;
    bool hintLeaf = true;
    const QByteArray anchor = m_hint.size() > m_prefix.size() && m_hint.startsWith(m_prefix)
                                  ? childName(m_prefix, m_hint, m_separator, m_topLevel, &hintLeaf)
                                  : QByteArray();
    // Only a numbered directory's neighbours are worth guessing; a level of other names starts
    // with a page like an unhinted one.
    const bool numbered = !anchor.isEmpty() && std::isdigit(uchar(anchor.back()));
    if (numbered && !hintLeaf) {
        // The hinted child is a guess like the others, probed from the start of the level up to
        // the hinted key; the rest of the level is split around it, all in the first round.
        const QByteArray after = afterSubtree(m_prefix + anchor, m_separator);
        pushGuess(m_start, anchor, m_hint.mid(m_prefix.size() + anchor.size()),
                  endLess(after, m_end) ? after : m_end);
        if (endLess(after, m_end))
            split(anchor, m_hint, after, m_end);
    } else {
        m_open.push_back({m_start, m_end, firstPageSize});
    }
    pump();
}

EtcdV3RangeOptions V3LevelLister::optionsFor(const Interval &iv) const
{
    EtcdV3RangeOptions options;
    options.rangeEnd = iv.hi;
    options.limit = iv.limit;
    options.keysOnly = true;
    options.revision = m_revision;
    // Browsing may read from the local member; values shown for editing are read again.
    options.serializable = true;
    return options;
}

void V3LevelLister::send()
{
    if (!m_running)
        return;
    if (!m_client) {
        finish(EtcdError(EtcdError::Kind::Cancelled, tr("The connection was closed.")));
        return;
    }
    m_calls.erase(std::remove_if(m_calls.begin(), m_calls.end(),
                                 [](const QPointer<EtcdCall> &c) { return c.isNull(); }),
                  m_calls.end());
    while (m_running && m_inFlight < maxInFlight && !m_open.empty()) {
        if (!takeTurnBudget(1)) {
            if (!m_sendScheduled) {
                m_sendScheduled = true;
                QTimer::singleShot(0, this, [this] {
                    m_sendScheduled = false;
                    pump();
                });
            }
            return;
        }
        if (m_open.front().limit > maxBatchedPage) {
            const Interval iv = m_open.front();
            m_open.pop_front();
            sendRange(iv);
            continue;
        }
        // Probes and small pages: spread over the free connections, many to a transaction.
        const auto batchable = std::count_if(m_open.begin(), m_open.end(), [](const Interval &i) {
            return i.limit <= maxBatchedPage;
        });
        const int free = maxInFlight - m_inFlight;
        const qsizetype per = std::clamp<qsizetype>((batchable + free - 1) / free, 1, maxOpsPerTxn);
        std::vector<Interval> batch;
        for (auto it = m_open.begin(); it != m_open.end() && qsizetype(batch.size()) < per;) {
            if (it->limit <= maxBatchedPage) {
                batch.push_back(std::move(*it));
                it = m_open.erase(it);
            } else {
                ++it;
            }
        }
        takeTurnBudget(int(batch.size()) - 1);
        if (batch.size() == 1)
            sendRange(batch.front());
        else
            sendTxn(std::move(batch));
    }
}

void V3LevelLister::pump()
{
    send();
    if (m_running && m_inFlight == 0 && m_open.empty())
        finish({});
}

void V3LevelLister::sendRange(const Interval &iv)
{
    ++m_requests;
    ++m_inFlight;
    qCDebug(lcTreeListing) << "range" << iv.lo << iv.hi << "limit" << iv.limit;
    m_calls.push_back(m_client->range(
        iv.lo, optionsFor(iv), this, [this, iv](const EtcdResult<EtcdV3RangeResult> &r) {
            if (!takeAnswer(r.error))
                return;
            qCDebug(lcTreeListing) << "range answer" << r.value.kvs.size();
            std::vector<ListedChild> found;
            handle(iv, r.value, found);
            deliver(found);
        }));
}

void V3LevelLister::sendTxn(std::vector<Interval> ivs)
{
    ++m_requests;
    ++m_inFlight;
    qCDebug(lcTreeListing) << "txn of" << ivs.size() << "from" << ivs.front().lo;
    EtcdV3TxnRequest request;
    request.success.reserve(qsizetype(ivs.size()));
    for (const Interval &iv : ivs)
        request.success.push_back(EtcdV3RequestOp::makeRange(iv.lo, optionsFor(iv)));
    m_calls.push_back(m_client->txn(
        request, this, [this, ivs = std::move(ivs)](const EtcdResult<EtcdV3TxnResult> &r) {
            if (!takeAnswer(r.error))
                return;
            if (r.value.responses.size() != qsizetype(ivs.size())) {
                finish(EtcdError(EtcdError::Kind::Protocol,
                                 tr("etcd answered %1 of %2 reads in a transaction.")
                                     .arg(r.value.responses.size())
                                     .arg(ivs.size())));
                return;
            }
            qCDebug(lcTreeListing) << "txn answer" << ivs.size();
            std::vector<ListedChild> found;
            for (std::size_t i = 0; i < ivs.size(); ++i)
                handle(ivs[i], r.value.responses[qsizetype(i)].range, found);
            deliver(found);
        }));
}

void V3LevelLister::handle(const Interval &iv, const EtcdV3RangeResult &result,
                           std::vector<ListedChild> &out)
{
    m_seenRevision = std::max(m_seenRevision, result.header.revision);
    if (result.header.revision > 0 &&
        (m_oldestRevision == 0 || result.header.revision < m_oldestRevision))
        m_oldestRevision = result.header.revision;
    const std::size_t firstOfPage = out.size();
    qint64 wasted = 0; // keys of a directory's subtree beyond its first: read for nothing
    bool lastLeaf = true;
    QByteArray lastName;
    for (const EtcdV3KeyValue &kv : result.kvs) {
        bool leaf = false;
        QByteArray name = childName(m_prefix, kv.key, m_separator, m_topLevel, &leaf);
        lastLeaf = leaf;
        // A subtree's keys are contiguous in key order.
        if (!leaf && out.size() > firstOfPage && out.back().isDirectory &&
            out.back().name == name) {
            ++wasted;
            continue;
        }
        ListedChild child;
        child.name = std::move(name);
        child.isKey = leaf;
        child.isDirectory = !leaf;
        if (leaf)
            child.kv = kv;
        else
            child.hint = kv.key;
        lastName = child.name;
        out.push_back(std::move(child));
    }
    if (!iv.guess.isEmpty()) {
        // The guessed directory was not where its likely first key would be: probe the rest of
        // where its subtree would be.
        const bool seen =
            std::any_of(out.begin() + std::ptrdiff_t(firstOfPage), out.end(),
                        [&](const ListedChild &c) { return c.isDirectory && c.name == iv.guess; });
        if (!seen && endLess(iv.hi, iv.guessEnd))
            m_open.push_back({iv.hi, iv.guessEnd, 1});
    }
    if (result.kvs.isEmpty())
        return;
    if (!lastLeaf)
        lastName = out.back().name;
    const QByteArray lastDirKey = lastLeaf ? QByteArray() : out.back().hint;
    if (!result.more)
        return; // [lo, hi) is exhausted
    const QByteArray afterLast = lastLeaf ? result.kvs.constLast().key + QByteArray(1, '\0')
                                          : afterSubtree(m_prefix + lastName, m_separator);
    // An unbounded "after" means the last child's subtree runs to the end of the keyspace.
    if (!endLess(afterLast, iv.hi))
        return;

    const qint64 returned = result.kvs.size();
    const qint64 remaining = result.count - returned; // in [afterLast, hi), roughly
    if (lastLeaf) {
        if (wasted == 0 && remaining > maxPageSize) {
            // A big flat level: pieces read side by side. A piece that is itself big is read in
            // pages (its names may not vary where the split points are).
            if (iv.limit > 1)
                split(lastName, {}, afterLast, iv.hi);
            else
                m_open.push_back({afterLast, iv.hi, maxPageSize});
            return;
        }
        // All leaves so far: the rest in one page (at most maxPageSize keys, of which some may
        // be a directory's subtree). Mixed with directories: pages as before.
        const qint64 next = wasted == 0 ? std::max<qint64>(remaining, 1)
                                        : (iv.limit == 1 ? firstPageSize : iv.limit);
        m_open.push_back({afterLast, iv.hi, next});
    } else if (remaining <= maxBatchedPage) {
        // Little left in this piece: all of it at once (some of it subtrees, read for nothing)
        // beats a round trip per child.
        m_open.push_back({afterLast, iv.hi, std::max<qint64>(remaining, 1)});
    } else if (iv.limit == 1 || wasted * 2 >= returned) {
        // The page was swallowed by a subtree: probe for the other children, side by side.
        split(lastName, lastDirKey, afterLast, iv.hi);
    } else {
        m_open.push_back({afterLast, iv.hi, iv.limit});
    }
}

void V3LevelLister::split(const QByteArray &anchor, const QByteArray &anchorKey,
                          const QByteArray &lo, const QByteArray &hi)
{
    // The anchor's first key below it, relative to the anchor ("/e000/k000"): where a sibling
    // built the same way starts its subtree.
    QByteArray suffix = anchorKey.mid(m_prefix.size() + anchor.size());
    if (!anchorKey.startsWith(m_prefix + anchor) || !suffix.startsWith(m_separator))
        suffix.clear();
    QByteArray from = lo;
    bool fromIsGuess = false; // `from` is a likely name
    auto push = [&](const QByteArray &end) {
        if (fromIsGuess)
            pushGuess(from, from.mid(m_prefix.size()), suffix, end);
        else
            m_open.push_back({from, end, 1});
    };
    for (SplitPoint &p : splitPoints(m_prefix, anchor)) {
        if (!(from < p.key))
            continue;
        if (!endLess(p.key, hi))
            break;
        push(p.key);
        from = std::move(p.key);
        fromIsGuess = p.likely;
    }
    push(hi);
}

void V3LevelLister::pushGuess(const QByteArray &lo, const QByteArray &guess,
                              const QByteArray &suffix, const QByteArray &hi)
{
    const QByteArray dirKey = m_prefix + guess;
    const QByteArray after = afterSubtree(dirKey, m_separator);
    // Just after the key the guessed directory's subtree likely starts with.
    const QByteArray likelyEnd = dirKey + suffix + QByteArray(1, '\0');
    if (suffix.isEmpty() || !(lo < likelyEnd) || !endLess(likelyEnd, after) ||
        !endLess(likelyEnd, hi)) {
        m_open.push_back({lo, hi, 1});
        return;
    }
    m_open.push_back({lo, likelyEnd, 1, guess, endLess(after, hi) ? after : hi});
    if (endLess(after, hi))
        m_open.push_back({after, hi, 1});
}

void V3LevelLister::deliver(std::vector<ListedChild> &children)
{
    // The next requests leave before the model takes this batch in, so that the server works
    // while the event loop does.
    send();
    if (!m_running)
        return;
    if (!children.empty()) {
        // Pieces answer in any order; within a batch, key byte order.
        auto byName = [](const ListedChild &a, const ListedChild &b) {
            return a.name < b.name;
        };
        if (!std::is_sorted(children.begin(), children.end(), byName))
            std::stable_sort(children.begin(), children.end(), byName);
        QPointer<V3LevelLister> self(this);
        m_onChildren(std::move(children));
        if (!self || !m_running)
            return;
    }
    pump();
}

bool V3LevelLister::takeAnswer(const EtcdError &error)
{
    --m_inFlight;
    if (!m_running)
        return false;
    if (error) {
        finish(error);
        return false;
    }
    return true;
}

void V3LevelLister::finish(const EtcdError &error)
{
    if (!m_running)
        return;
    cancel();
    if (m_onFinished)
        m_onFinished(error);
}
