#include "keylevellister.h"

#include "etcdv2client.h"
#include "etcdv3client.h"

KeyLevelLister::KeyLevelLister(QObject *parent)
    : QObject(parent)
{
}

KeyLevelLister::~KeyLevelLister()
{
    cancel();
}

void KeyLevelLister::cancel()
{
    ++m_generation;
    if (m_call)
        m_call->cancel();
    m_call = nullptr;
    m_pending.clear();
    m_busy = false;
}

QByteArray KeyLevelLister::childOf(const QByteArray &prefix, const QByteArray &key, bool *isLeaf)
{
    qsizetype from = prefix.size();
    if (prefix.isEmpty() && key.startsWith('/'))
        from = 1;
    const qsizetype slash = key.indexOf('/', from);
    *isLeaf = slash < 0;
    return *isLeaf ? key : key.left(slash);
}

void KeyLevelLister::listV2(EtcdV2Client *client, const QByteArray &dir)
{
    cancel();
    m_busy = true;
    const quint64 generation = m_generation;
    EtcdV2GetOptions options;
    options.sorted = true;
    m_call =
        client->get(dir, options, this, [this, generation](const EtcdResult<EtcdV2Response> &r) {
            if (generation != m_generation)
                return;
            if (!r.ok()) {
                finish(r.error);
                return;
            }
            for (const EtcdV2Node &node : r.value.node.nodes) {
                m_pending.append({node.key, !node.dir, node.dir});
                if (m_pending.size() >= batchSize)
                    flush();
            }
            finish({});
        });
}

void KeyLevelLister::listV3(EtcdV3Client *client, const QByteArray &prefix)
{
    cancel();
    m_busy = true;
    m_v3 = client;
    m_prefix = prefix;
    // The empty key is not a valid range start: "\0" is the first key there can be.
    m_next = prefix.isEmpty() ? QByteArray(1, '\0') : prefix;
    m_rangeEnd = prefix.isEmpty() ? QByteArray(1, '\0') : EtcdV3Client::prefixRangeEnd(prefix);
    probeV3(m_generation);
}

void KeyLevelLister::probeV3(quint64 generation)
{
    if (!m_v3) {
        finish(EtcdError(EtcdError::Kind::Cancelled, tr("The connection was closed.")));
        return;
    }
    EtcdV3RangeOptions options;
    options.rangeEnd = m_rangeEnd;
    options.limit = 1;
    options.keysOnly = true;
    // Browsing probes may come from the local member; values shown for editing are read again.
    options.serializable = true;
    m_call = m_v3->range(
        m_next, options, this, [this, generation](const EtcdResult<EtcdV3RangeResult> &r) {
            if (generation != m_generation)
                return;
            if (!r.ok()) {
                finish(r.error);
                return;
            }
            if (r.value.kvs.isEmpty()) {
                finish({});
                return;
            }
            const QByteArray key = r.value.kvs.first().key;
            bool leaf = false;
            const QByteArray child = childOf(m_prefix, key, &leaf);
            m_pending.append({child, leaf, !leaf});
            // A leaf: the next key after it. A directory: past every key below child + "/". Both
            // are strictly greater than `key`, so the walk always ends.
            m_next = leaf ? key + QByteArray(1, '\0')
                          : EtcdV3Client::prefixRangeEnd(child + QByteArray(1, '/'));
            if (m_pending.size() >= batchSize)
                flush();
            const bool pastEnd = m_rangeEnd != QByteArray(1, '\0') && m_next >= m_rangeEnd;
            if (pastEnd)
                finish({});
            else
                probeV3(generation);
        });
}

void KeyLevelLister::flush()
{
    if (m_pending.isEmpty())
        return;
    QList<KeyLevelEntry> batch;
    batch.swap(m_pending);
    std::sort(batch.begin(), batch.end(),
              [](const KeyLevelEntry &a, const KeyLevelEntry &b) { return a.key < b.key; });
    Q_EMIT entriesFound(batch);
}

void KeyLevelLister::finish(const EtcdError &error)
{
    const quint64 generation = m_generation;
    flush();
    if (generation != m_generation) // a slot restarted or cancelled the listing
        return;
    m_busy = false;
    m_call = nullptr;
    Q_EMIT finished(error);
}
