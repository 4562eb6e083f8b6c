#include "v3levellister.h"

#include "etcdv3client.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcTreeListing, "etcdscope.tree", QtWarningMsg)

namespace {

const QByteArray unbounded(1, '\0');

// Range ends compare as keys, except "\0" which stands for "no end".
bool endLess(const QByteArray &a, const QByteArray &b)
{
    if (a == unbounded)
        return false;
    if (b == unbounded)
        return true;
    return a < b;
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
    m_cursor = prefix.isEmpty() ? unbounded : prefix;
    m_ends = {m_end};
}

V3LevelLister::~V3LevelLister()
{
    cancel();
}

void V3LevelLister::cancel()
{
    m_running = false;
    if (m_call)
        m_call->cancel();
    m_call = nullptr;
}

QByteArray V3LevelLister::childName(const QByteArray &prefix, const QByteArray &key,
                                    char separator, bool topLevel, bool *isLeaf)
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

void V3LevelLister::start(ChildrenCallback children, FinishedCallback finished)
{
    cancel();
    m_onChildren = std::move(children);
    m_onFinished = std::move(finished);
    m_running = true;
    request();
}

bool V3LevelLister::beyondEnd(const QByteArray &key) const
{
    return !endLess(key, m_end);
}

void V3LevelLister::request()
{
    if (!m_client) {
        finish(EtcdError(EtcdError::Kind::Cancelled, tr("The connection was closed.")));
        return;
    }
    // Skip range ends the cursor already passed (an empty narrow range moves the cursor).
    while (m_endIndex + 1 < m_ends.size() && !endLess(m_cursor, m_ends[m_endIndex]))
        ++m_endIndex;
    if (m_cursor != unbounded && beyondEnd(m_cursor)) {
        finish({});
        return;
    }
    EtcdV3RangeOptions options;
    options.rangeEnd = m_ends[m_endIndex];
    options.limit = m_pageSize;
    options.keysOnly = true;
    // Browsing may read from the local member; values shown for editing are read again.
    options.serializable = true;
    ++m_requests;
    qCDebug(lcTreeListing) << "range" << m_cursor << m_ends[m_endIndex] << "limit" << m_pageSize;
    m_call = m_client->range(m_cursor, options, this,
                             [this](const EtcdResult<EtcdV3RangeResult> &r) {
                                 m_call = nullptr;
                                 if (!m_running)
                                     return;
                                 if (!r.ok())
                                     finish(r.error);
                                 else
                                     onAnswer(r.value, m_pageSize);
                             });
}

void V3LevelLister::onAnswer(const EtcdV3RangeResult &result, qint64 limit)
{
    qCDebug(lcTreeListing) << "answer" << result.kvs.size() << "more" << result.more << "count"
                           << result.count;
    std::vector<ListedChild> found;
    qint64 wasted = 0; // keys of a directory's subtree beyond its first: read for nothing
    QByteArray lastKey;
    bool lastLeaf = true;
    for (const EtcdV3KeyValue &kv : result.kvs) {
        bool leaf = false;
        QByteArray name = childName(m_prefix, kv.key, m_separator, m_topLevel, &leaf);
        lastKey = kv.key;
        lastLeaf = leaf;
        // A subtree's keys are contiguous in key order.
        if (!leaf && !found.empty() && found.back().isDirectory && found.back().name == name) {
            ++wasted;
            continue;
        }
        ListedChild child;
        child.name = std::move(name);
        child.isKey = leaf;
        child.isDirectory = !leaf;
        if (leaf)
            child.kv = kv;
        found.push_back(std::move(child));
    }
    const QByteArray lastName = found.empty() ? QByteArray() : found.back().name;
    if (!found.empty()) {
        QPointer<V3LevelLister> self(this);
        m_onChildren(found);
        if (!self || !m_running)
            return;
    }

    const QByteArray currentEnd = m_ends[m_endIndex];
    if (result.kvs.isEmpty()) {
        // Nothing in [cursor, currentEnd): widen, or the level is done.
        if (currentEnd == m_end) {
            finish({});
            return;
        }
        m_cursor = currentEnd;
        ++m_endIndex;
        request();
        return;
    }

    const QByteArray afterLast =
        lastLeaf ? lastKey + QByteArray(1, '\0') : afterSubtree(m_prefix + lastName, m_separator);
    if (!result.more) {
        // [cursor, currentEnd) is exhausted.
        if (currentEnd == m_end) {
            finish({});
            return;
        }
        m_cursor = endLess(currentEnd, afterLast) ? afterLast : currentEnd;
    } else {
        m_cursor = afterLast;
    }

    const qint64 returned = result.kvs.size();
    if (lastLeaf) {
        if (limit == 1) {
            m_pageSize = firstPageSize;
        } else if (wasted == 0 && result.more) {
            // All leaves: the level looks flat, read it in fewer, larger pages. When what is
            // left is not much more, take it all at once.
            qint64 next = std::min(limit * 8, maxPageSize);
            const qint64 remaining = result.count - returned;
            if (remaining > 0 && remaining <= 2 * next)
                next = remaining;
            m_pageSize = next;
        }
        m_ends = {m_end};
        m_endIndex = 0;
    } else if (limit == 1 || wasted * 2 >= returned) {
        // The page was swallowed by a subtree: probe for single children from here on.
        m_pageSize = 1;
        computeNarrowEnds(lastName);
    } else {
        m_ends = {m_end};
        m_endIndex = 0;
    }
    // An unbounded cursor here means the last child's subtree runs to the end of the keyspace.
    if (m_cursor == unbounded || beyondEnd(m_cursor)) {
        finish({});
        return;
    }
    request();
}

void V3LevelLister::computeNarrowEnds(const QByteArray &anchorName)
{
    // After child "dir049": names "dir04:" and below first (whose bytes at the last position
    // are at most one higher), then the rest of "dir04", then "dir05" ... "dir0", ... the end.
    // Each step only when the narrower one came back empty, so a request rarely walks far past
    // the child it finds.
    auto clamp = [this](QByteArray e) { return endLess(e, m_end) ? e : m_end; };
    std::vector<QByteArray> ends;
    for (qsizetype i = anchorName.size() - 1; i >= 0; --i) {
        const QByteArray stem = m_prefix + anchorName.left(i);
        const uchar b = uchar(anchorName.at(i));
        // After a 9 the next name almost always carries ("dir049" -> "dir050"): trying ":"
        // and the rest of "dir04" first would cost two empty requests per carry.
        if (b == '9')
            continue;
        if (b < 0xfe)
            ends.push_back(clamp(stem + char(b + 2)));
        ends.push_back(stem.isEmpty() ? m_end : clamp(EtcdV3Client::prefixRangeEnd(stem)));
    }
    ends.push_back(m_end);
    m_ends.clear();
    for (QByteArray &e : ends) {
        if (!endLess(m_cursor, e))
            continue;
        if (!m_ends.empty() && !endLess(m_ends.back(), e))
            continue;
        m_ends.push_back(std::move(e));
    }
    if (m_ends.empty())
        m_ends.push_back(m_end);
    m_endIndex = 0;
}

void V3LevelLister::finish(const EtcdError &error)
{
    if (!m_running)
        return;
    m_running = false;
    m_call = nullptr;
    if (m_onFinished)
        m_onFinished(error);
}
