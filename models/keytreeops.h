#pragma once

#include "etcdwatchevent.h"
#include "keyinfo.h"

#include <QByteArray>

#include <memory>
#include <unordered_map>
#include <vector>

class KeyTreeModel;
struct KeyNode;

// Turns changes (a frame of watch events, an edit) into the fewest row changes of a
// KeyTreeModel: where each change lands, which rows go (v3 directories with their last key),
// which subtrees are built new, then one removal per range, one insert per run and grouped
// dataChanged. Lives for one application (it holds pointers into the rows).
class KeyTreeOps
{
public:
    explicit KeyTreeOps(KeyTreeModel &model);

    // Watch events in order; highlighted; a level being listed holds the events on its path.
    void applyEvents(const std::vector<EtcdWatchEvent> &events);
    // Edits: applied whatever the revisions say, inside a level being listed too, and not
    // highlighted (the user made them).
    void applyPut(const KeyInfo &info);
    void applyDelete(const QByteArray &key);
    void applyDeletePrefix(const QByteArray &prefix);
    // v3 directories exist only through the keys below them: an empty listed one goes, and
    // its parents left empty with it.
    void pruneIfEmpty(KeyNode *dir);

private:
    // One change to make: the newest event for its key in a run, or an edit.
    struct Op
    {
        QByteArray key;
        KeyInfo info;        // puts
        qint64 revision = 0; // of the change (v3 header revision for deletes)
        bool remove = false;
        bool edit = false;
        const EtcdWatchEvent *event = nullptr;
    };
    struct Inserts
    {
        QByteArray prefix; // of the directory's children
        std::vector<const Op *> ops;
    };

    void applyRun(const std::vector<EtcdWatchEvent> &events, std::size_t first, std::size_t last);
    void resolve(Op &op);
    void apply(bool highlight);
    std::vector<std::unique_ptr<KeyNode>> buildNodes(const QByteArray &prefix,
                                                     std::vector<const Op *> &ops, bool topLevel,
                                                     bool complete, bool highlight);
    void removeGrouped(std::vector<KeyNode *> &nodes);
    void deletePrefixIn(KeyNode *dir, const QByteArray &dirPrefix, const QByteArray &prefix);
    KeyTreeEntry entryFor(const QByteArray &name, const KeyInfo &info) const;

    KeyTreeModel &m;
    const bool m_v2;
    const char m_sep;
    // What resolving decided, applied afterwards in as few signals as possible.
    std::vector<KeyNode *> m_changed;  // rows whose data changed
    std::vector<KeyNode *> m_removals; // rows that go with their subtrees
    std::vector<KeyNode *> m_emptied;  // v3 rows that lost their key: may go if nothing is below
    std::vector<KeyNode *> m_insertOrder;
    std::unordered_map<KeyNode *, Inserts> m_inserts; // new names below listed directories
    std::vector<QByteArray> m_highlighted;
};
