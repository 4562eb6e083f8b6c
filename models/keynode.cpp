#include "keynode.h"

#include "naturalsort.h"

#include <algorithm>
#include <climits>

// Nodes come from slabs of 1,024: no allocator header or rounding per node (88 bytes, not 96),
// and a level's nodes lie together instead of between the names and the replies' buffers,
// whose freed space would otherwise stay in the resident set. Freed nodes are kept for reuse,
// per thread (a model lives on one). Sanitizer builds use the plain allocator, so that
// AddressSanitizer still sees every use after free.
#if defined(__SANITIZE_ADDRESS__)
#define ETCDSCOPE_NODE_POOL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ETCDSCOPE_NODE_POOL 0
#endif
#endif
#ifndef ETCDSCOPE_NODE_POOL
#define ETCDSCOPE_NODE_POOL 1
#endif

#if ETCDSCOPE_NODE_POOL
namespace {

class NodePool
{
public:
    void *take()
    {
        if (!m_free)
            grow();
        void *p = m_free;
        m_free = *static_cast<void **>(p);
        return p;
    }
    void give(void *p)
    {
        *static_cast<void **>(p) = m_free;
        m_free = p;
    }

private:
    static constexpr std::size_t slabNodes = 1024;
    void grow()
    {
        // Never returned: the slabs are reused by the next listing (and end with the process).
        auto *slab = static_cast<char *>(::operator new(slabNodes * sizeof(KeyNode)));
        for (std::size_t i = slabNodes; i-- > 0;)
            give(slab + i * sizeof(KeyNode));
    }
    void *m_free = nullptr;
};

NodePool &pool()
{
    static thread_local NodePool p;
    return p;
}

} // namespace

void *KeyNode::operator new(std::size_t size)
{
    return size == sizeof(KeyNode) ? pool().take() : ::operator new(size);
}

void KeyNode::operator delete(void *p, std::size_t size)
{
    if (size == sizeof(KeyNode))
        pool().give(p);
    else
        ::operator delete(p);
}
#else
void *KeyNode::operator new(std::size_t size)
{
    return ::operator new(size);
}

void KeyNode::operator delete(void *p, std::size_t)
{
    ::operator delete(p);
}
#endif

KeyDir &KeyNode::ensureDir()
{
    if (!dir)
        dir = std::make_unique<KeyDir>();
    return *dir;
}

std::size_t KeyNode::lowerBound(const std::vector<std::unique_ptr<KeyNode>> &list,
                                const QByteArray &name, bool *found)
{
    const auto it = std::lower_bound(list.begin(), list.end(), name,
                                     [](const std::unique_ptr<KeyNode> &n, const QByteArray &v) {
                                         return naturalCompare(n->name, v) < 0;
                                     });
    *found = it != list.end() && (*it)->name == name;
    return std::size_t(it - list.begin());
}

std::size_t KeyNode::lowerBound(const std::vector<KeyNode *> &list, const QByteArray &name,
                                bool *found)
{
    const auto it =
        std::lower_bound(list.begin(), list.end(), name, [](const KeyNode *n, const QByteArray &v) {
            return naturalCompare(n->name, v) < 0;
        });
    *found = it != list.end() && (*it)->name == name;
    return std::size_t(it - list.begin());
}

KeyNode *KeyNode::child(const QByteArray &name) const
{
    if (!dir)
        return nullptr;
    bool found = false;
    const std::size_t i = lowerBound(dir->children, name, &found);
    return found ? dir->children[i].get() : nullptr;
}

qint64 KeyNode::subtreeSize() const
{
    qint64 n = 1;
    if (dir) {
        for (const auto &c : dir->children)
            n += c->subtreeSize();
    }
    return n;
}

std::unique_ptr<KeyNode> KeyNode::create(const QByteArray &name, bool v2)
{
    auto node = std::make_unique<KeyNode>();
    node->name = name;
    if (v2 && name.startsWith('_'))
        node->set(Hidden);
    return node;
}

namespace {

bool infoDiffers(const KeyNode *n, const KeyInfo &info, bool v2)
{
    const quint64 leaseOrExpiry =
        v2 ? quint64(info.expiration.isValid() ? info.expiration.toMSecsSinceEpoch() : 0)
           : info.lease;
    return n->modRevision != info.modRevision || n->createRevision != info.createRevision ||
           n->version != info.version || n->leaseOrExpiry != leaseOrExpiry ||
           n->ttl != (info.ttl < 0 ? -1 : qint32(info.ttl));
}

} // namespace

bool KeyNode::take(const KeyTreeEntry &e, bool v2)
{
    bool changed = false;
    if (e.isKey) {
        set(SeenKey);
        if (!has(IsKey)) {
            set(IsKey);
            changed = true;
        }
        if (infoDiffers(this, e.info, v2)) {
            // A newer revision: the value loaded for the old one is stale.
            if (modRevision != e.info.modRevision && !e.info.valueLoaded) {
                value.reset();
                set(ValueLoaded, false);
                set(LargeValue, false);
                set(ValueQueued, false);
            }
            setMeta(e.info, v2);
            changed = true;
        }
        if (e.info.valueLoaded && (!has(ValueLoaded) || !value || *value != e.info.value)) {
            setValue(e.info.value);
            changed = true;
        }
    }
    if (e.isDir) {
        set(SeenDir);
        if (!has(IsDir)) {
            set(IsDir);
            ensureDir();
            changed = true;
        }
        if (!e.hint.isEmpty() && !has(Populated))
            ensureDir().listHint = e.hint;
        if (v2 && infoDiffers(this, e.info, true)) {
            setMeta(e.info, v2);
            changed = true;
        }
    }
    return changed;
}

void KeyNode::setMeta(const KeyInfo &info, bool v2)
{
    createRevision = info.createRevision;
    modRevision = info.modRevision;
    version = info.version;
    if (v2) {
        leaseOrExpiry =
            quint64(info.expiration.isValid() ? info.expiration.toMSecsSinceEpoch() : 0);
        ttl = info.ttl < 0 ? -1 : qint32(std::min<qint64>(info.ttl, INT_MAX));
    } else {
        leaseOrExpiry = info.lease;
        ttl = -1;
    }
}

void KeyNode::setValue(const QByteArray &v)
{
    if (v.size() > maxKeptValueSize) {
        value.reset();
        set(LargeValue);
    } else {
        value = std::make_unique<QByteArray>(v);
        set(LargeValue, false);
    }
    set(ValueLoaded);
    set(ValueQueued, false);
}

void KeyNode::clearKey()
{
    set(IsKey, false);
    set(ValueLoaded, false);
    set(LargeValue, false);
    set(ValueQueued, false);
    value.reset();
    createRevision = modRevision = version = 0;
    leaseOrExpiry = 0;
    ttl = -1;
}
