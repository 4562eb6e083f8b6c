#pragma once

#include <QString>

#include <memory>
#include <vector>

class KeyTreeModel;
struct KeyNode;

// What a KeyTreeModel shows while a text narrows it: the loaded rows whose name (or, with the
// separator in the text, full key) contains the text, case-insensitively, and their ancestors.
// Keeps each directory's visible list beside its children and turns a change of what is shown
// into the model's row signals. Levels loaded later follow the filter.
class KeyTreeFilter
{
public:
    explicit KeyTreeFilter(KeyTreeModel &model);

    bool active() const { return !m_text.isEmpty(); }
    const QString &text() const { return m_text; }
    // A layout change, not a reset: views keep their expanded rows and selection.
    void setText(const QString &text);

    // While active: new nodes go below `dir` (each sorted, none there yet), the shown ones as
    // rows.
    void insertChildren(KeyNode *dir, std::vector<std::unique_ptr<KeyNode>> &nodes);
    // While active: children first..last of `dir` are about to go; their rows go now.
    void removeChildren(KeyNode *dir, int first, int last);
    // After a removal: a directory left with nothing shown below it goes unless it matches.
    void hideIfEmpty(KeyNode *dir);

private:
    bool matches(const KeyNode *node) const;
    bool filterSubtree(KeyNode *node);
    void clear(KeyNode *node);
    void show(KeyNode *node);
    void hide(KeyNode *node);

    KeyTreeModel &m;
    QString m_text;
};
