#pragma once

#include "etcderror.h"
#include "keyinfo.h"

#include <QObject>

#include <vector>

class KeyTreeLister;
class KeyTreeModel;
struct KeyNode;

// The lister's answers turned into a KeyTreeModel's rows: a level's batches merged in as they
// come (a refresh keeps the rows that still exist, with their place and children, and drops
// the rest once the level is in), value batches, and the answers to "is anything left below
// this v3 directory". Asks the lister for levels and values; knows nothing of watch events.
class KeyTreeListing : public QObject
{
    Q_OBJECT
public:
    explicit KeyTreeListing(KeyTreeModel &model);

    // Takes the answers of this lister from now on (and no longer those of the last one).
    void follow(KeyTreeLister *lister);
    // Lists the children of `dir` (refresh: merged into the rows it has).
    void start(KeyNode *dir, bool refresh);
    // Merges a batch of a level into `dir`'s rows.
    void merge(KeyNode *dir, const std::vector<KeyTreeEntry> &entries);
    // A view showed the row's value column: read it with the next batch.
    void wantValue(const KeyNode *node) const;
    // v2: whether "_" names are shown (etcd leaves them out of listings; only those learnt by
    // path are). Turned off, their rows go.
    void setShowHidden(bool show);
    bool showHidden() const { return m_showHidden; }
    // The store revision the top level was read at (0 before; reset() forgets it).
    qint64 rootRevision() const { return m_rootRevision; }
    void reset() { m_rootRevision = 0; }

private:
    void onLevelListed(const QByteArray &level, const std::vector<KeyTreeEntry> &entries);
    void onLevelFinished(const QByteArray &level, qint64 revision, const EtcdError &error);
    void onValuesRead(const QList<KeyInfo> &values);
    void onDirectoryChecked(const QByteArray &dirKey, bool exists);
    // The rows a refresh did not see again go; a row no longer a key or a directory changes.
    void dropUnseenChildren(KeyNode *dir);
    void removeHidden(KeyNode *dir);

    KeyTreeModel &m;
    qint64 m_rootRevision = 0;
    bool m_showHidden = false;
};
