#pragma once

#include "keyinfo.h"
#include "naturalsort.h"

#include <QByteArray>

#include <cstddef>
#include <memory>
#include <vector>

struct KeyNode;

// What only a directory (or a name that may turn out to be one) carries, allocated apart so a
// leaf pays one pointer for it.
struct KeyDir
{
    // Every loaded child, in natural order of names (naturalCompare), names unique.
    std::vector<std::unique_ptr<KeyNode>> children;
    // While a filter is on: the children shown, in the same order. Unused (empty) otherwise.
    std::vector<KeyNode *> visible;
    // v3: the first key below this directory seen while listing the parent; this level's
    // listing starts around it (V3LevelLister::setHint).
    QByteArray listHint;
};

// One row of the key tree: a name segment, not the full key (computed by walking up), with the
// metadata of the key when the name is a key too. Plain struct, no QObject: a loaded key costs
// sizeof(KeyNode) (88 bytes) + its name + one pointer in its parent, plus its value only once a
// preview asked for it.
struct KeyNode
{
    enum Flag : quint16 {
        IsKey = 0x1,          // the full key holds a value
        IsDir = 0x2,          // has children, or may have (v2 directory, v3 prefix)
        Populated = 0x4,      // the level was listed (children are complete)
        Loading = 0x8,        // a listing is on its way
        ValueLoaded = 0x10,   // `value` holds the value (or LargeValue says why it does not)
        LargeValue = 0x20,    // the value exceeds KeyTreeModel::maxKeptValueSize: not kept
        Hidden = 0x40,        // v2 "_" name
        SeenKey = 0x80,       // during a refresh: the listing reported this name as a key
        SeenDir = 0x100,      // during a refresh: ... as a directory
        Visible = 0x200,      // with a filter on: shown (matches, or an ancestor of a match)
        ValueQueued = 0x400,  // a value load was asked for
        Failed = 0x800,       // the last listing of this directory failed
        Refreshing = 0x1000,  // the listing on its way diffs against the rows there
        Highlighted = 0x2000, // changed by a watch event a moment ago (expiry: KeyTreeModel)
    };

    KeyNode *parent = nullptr;
    QByteArray name;
    std::unique_ptr<KeyDir> dir;       // set for directories only
    std::unique_ptr<QByteArray> value; // set once loaded (and small enough)
    qint64 createRevision = 0;         // v3 create_revision, v2 createdIndex
    qint64 modRevision = 0;            // v3 mod_revision, v2 modifiedIndex
    qint64 version = 0;                // v3 version
    quint64 leaseOrExpiry = 0;         // v3 lease ID; v2 expiration in ms since the epoch
    qint32 ttl = -1;                   // v2 seconds left when read; -1: none
    quint16 flags = 0;

    // From a pool of slabs (keynode.cpp).
    static void *operator new(std::size_t size);
    static void operator delete(void *p, std::size_t size);

    bool has(Flag f) const { return flags & f; }
    void set(Flag f, bool on = true) { flags = on ? quint16(flags | f) : quint16(flags & ~f); }

    // The directory part, created on first use.
    KeyDir &ensureDir();
    // Position of a child by name, O(log n): the index of the child when found (*found true),
    // else where it would be inserted.
    static std::size_t lowerBound(const std::vector<std::unique_ptr<KeyNode>> &list,
                                  const QByteArray &name, bool *found);
    static std::size_t lowerBound(const std::vector<KeyNode *> &list, const QByteArray &name,
                                  bool *found);
    KeyNode *child(const QByteArray &name) const;
    // Nodes in this subtree, this one included.
    qint64 subtreeSize() const;

    // Values larger than this are not kept (the preview says "large value").
    static constexpr int maxKeptValueSize = 64 * 1024;
    // A new row; a v2 "_" name is hidden.
    static std::unique_ptr<KeyNode> create(const QByteArray &name, bool v2);
    // Takes what a listing, an edit or an event says about this name; true when the row's data
    // changed. Marks it seen (SeenKey, SeenDir) for a refresh.
    bool take(const KeyTreeEntry &entry, bool v2);
    void setMeta(const KeyInfo &info, bool v2);
    void setValue(const QByteArray &value);
    // No longer a key (a v3 directory may stay).
    void clearKey();
};

// Inserts `items` (sorted by natural order, none already in `list`) into the sorted `list` of
// nodes; per run of items that land between the same two, before(first, last) and after()
// around the insertion (a model's beginInsertRows and endInsertRows).
template<typename T, typename Before, typename After>
void insertSortedRuns(std::vector<T> &list, std::vector<T> &items, Before before, After after)
{
    std::size_t i = 0;
    while (i < items.size()) {
        bool found = false;
        const std::size_t pos = KeyNode::lowerBound(list, items[i]->name, &found);
        std::size_t j = i + 1;
        while (j < items.size() &&
               (pos == list.size() || naturalLess(items[j]->name, list[pos]->name)))
            ++j;
        before(int(pos), int(pos + (j - i) - 1));
        list.insert(list.begin() + std::ptrdiff_t(pos), std::make_move_iterator(items.begin() + i),
                    std::make_move_iterator(items.begin() + j));
        after();
        i = j;
    }
}
