#include "keynode.h"

#include "naturalsort.h"

#include <algorithm>

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
    const auto it = std::lower_bound(list.begin(), list.end(), name,
                                     [](const KeyNode *n, const QByteArray &v) {
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
