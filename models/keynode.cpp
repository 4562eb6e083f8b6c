#include "keynode.h"

#include "naturalsort.h"

#include <algorithm>

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
