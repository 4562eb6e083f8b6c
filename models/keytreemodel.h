#pragma once

#include "etcderror.h"
#include "etcdwatchevent.h"
#include "keyinfo.h"

#include <QAbstractItemModel>
#include <QPointer>

#include <functional>
#include <memory>
#include <vector>

struct KeyNode;
class KeyTreeCountdown;
class KeyTreeEventQueue;
class KeyTreeFilter;
class KeyTreeHighlight;
class KeyTreeLister;
class KeyTreeListing;
class KeyTreeResync;
class KeyTreeReveal;
class LeaseTtlCache;

// The keyspace of one connection as a lazy tree (KDirModel to KeyTreeLister's KCoreDirLister):
// a level is listed when a view asks for it (canFetchMore/fetchMore), rows arrive as the
// lister's batches do, and edits and watch events change rows in place. v2 shows etcd's
// directories; v3 splits keys on a separator byte into virtual directories, and a name can be a
// key and a directory at once. data(), rowCount(), hasChildren() never do I/O; the model never
// talks to etcd: every read goes through its lister.
class KeyTreeModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column { NameColumn, ValueColumn, TtlColumn, RevisionColumn, VersionColumn, ColumnCount };
    enum Role {
        KeyRole = Qt::UserRole + 1, // QByteArray: the full key
        IsDirectoryRole,            // bool: has (or may have) children
        IsKeyRole,                  // bool: holds a value itself
        ValueRole,                  // QByteArray: the value, when loaded and small enough
        ValueLoadedRole,            // bool
        LeaseRole,                  // quint64: v3 lease ID, 0 for none
        TtlRole,                    // qint64: v2 seconds left when read; invalid when none
        ExpirationRole,             // QDateTime: v2 expiration (UTC); invalid when none
        CreateRevisionRole,         // qint64: v3 create_revision, v2 createdIndex
        ModRevisionRole,            // qint64: v3 mod_revision, v2 modifiedIndex
        VersionRole,                // qint64: v3 version
        LoadingRole,                // bool: the level is being listed
        ChildCountRole,             // int: children once listed, -1 before
        HiddenRole,                 // bool: a v2 "_" name (etcd leaves them out of listings)
        LargeValueRole,             // bool: the value is too large to be kept for the preview
        EmptyNameRole,              // bool: the name segment is empty ("/a//b")
        HighlightedRole,            // bool: changed by a watch event a moment ago
        TtlLeftRole,                // qint64: seconds left now (v2 TTL, v3 lease once its TTL
                                    // is known); invalid when none or not known yet
    };

    // Values larger than this are not kept in the tree (the preview says "large value").
    static constexpr int maxKeptValueSize = 64 * 1024;
    // Characters of the first line shown in the value column.
    static constexpr int previewLength = 200;

    explicit KeyTreeModel(QObject *parent = nullptr);
    ~KeyTreeModel() override;

    // What the tree reads through: its own lister unless another is set (not owned). The
    // lister's client, separator, root prefix and revision take effect at reload().
    KeyTreeLister *lister() const;
    void setLister(KeyTreeLister *lister);
    // v3 lease TTLs for the TTL column (not owned; none: leases show without a countdown).
    void setLeaseCache(LeaseTtlCache *cache);
    LeaseTtlCache *leaseCache() const;
    // What the current tree was loaded with (reload()).
    bool isV2() const;
    char separator() const;
    QByteArray rootPrefix() const;
    // v2: whether "_" names are shown (only those learnt by path: revealKey, applyPut).
    void setShowHidden(bool show);
    bool showHidden() const;
    // The store revision (v2: index) the root level was read at, once listed (0 before).
    qint64 rootListingRevision() const;

    // Forgets every row and lists the top level again.
    void reload();
    // Lists one directory again (invalid index: the top level) and merges the answer in place:
    // rows that still exist keep their place and children. Never a model reset.
    void refresh(const QModelIndex &dir = {});
    bool isLoading(const QModelIndex &dir = {}) const;

    // The row of a key, if its level is loaded. O(depth × log(siblings)).
    QModelIndex indexForKey(const QByteArray &key) const;
    QByteArray keyForIndex(const QModelIndex &index) const;
    // Lists the levels down to `key` as needed, then keyRevealed or revealFailed. A v2 hidden
    // name (while showHidden is on) is read by path and added.
    void revealKey(const QByteArray &key);

    // Narrows the loaded tree to rows whose name (or, with the separator in it, full key)
    // contains `text`, case-insensitively, plus their ancestors. Levels loaded later follow.
    void setFilterText(const QString &text);
    QString filterText() const;

    // Edits, applied at once and in place (only inside levels already listed).
    void applyPut(const KeyInfo &key);
    void applyDelete(const QByteArray &key);
    void applyDeletePrefix(const QByteArray &prefix);

    // Watch events (KeyTreeOps), paced by KeyTreeEventQueue: about one apply per
    // frame, rows inserted and removed in contiguous ranges per directory, never a reset.
    // Idempotent against the rows (a put no newer than the row, a delete older than it, change
    // nothing), so a watch may replay history. After a delete below a v3 directory row not
    // listed, the lister asks whether anything is left below it.
    void applyEvents(const QList<EtcdWatchEvent> &events);
    void flushEvents();
    int pendingEventCount() const;
    qint64 appliedEventCount() const;
    // Rows changed by an event keep Qt::BackgroundRole (and HighlightedRole) this long.
    void setHighlightDuration(int ms);
    // After a broken watch lost history: lists every loaded level again, merging in place, then
    // done(the revision read before the re-read; 0: failed, resyncFailed says why). A second
    // resync replaces the first (whose done is not called).
    void resync(std::function<void(qint64 revision)> done);
    bool isResyncing() const { return bool(m_resync); }

    // Reads the values of these rows now, in one batch (the editor, tests).
    void loadValues(const QModelIndexList &indexes);
    // Diagnostics: rows held (O(rows)).
    qint64 nodeCount() const;

    // QAbstractItemModel
    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    bool hasChildren(const QModelIndex &parent = {}) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

Q_SIGNALS:
    void levelLoadingStarted(const QModelIndex &dir);
    void levelLoaded(const QModelIndex &dir);
    void levelFailed(const QModelIndex &dir, const EtcdError &error);
    void keyRevealed(const QModelIndex &index);
    void revealFailed(const QByteArray &key, const EtcdError &error);
    // A batch of watch events went into the tree (count: events taken, including no-ops).
    void eventsApplied(int count);
    void resyncFailed(const EtcdError &error);

private:
    // The classes that turn one kind of change into rows, each with the model's structure below.
    friend class KeyTreeCountdown; // the TTL column
    friend class KeyTreeFilter;    // what a filter text shows
    friend class KeyTreeHighlight; // rows changed a moment ago
    friend class KeyTreeListing;   // the lister's answers
    friend class KeyTreeOps;       // edits and watch events
    friend class KeyTreeResync;    // every loaded level read again
    friend class KeyTreeReveal;    // go to key

    // Structure (keytreemodel.cpp). "Shown" children: all, or the visible ones while filtering.
    bool filtering() const;
    int shownCount(const KeyNode *node) const;
    KeyNode *shownChild(const KeyNode *node, int row) const;
    int rowOf(const KeyNode *node) const; // O(log siblings)
    bool isShown(const KeyNode *node) const;
    KeyNode *nodeFromIndex(const QModelIndex &index) const;
    QModelIndex indexForNode(const KeyNode *node, int column = 0) const;
    char sep() const;
    QByteArray fullKey(const KeyNode *node) const; // O(depth)
    QByteArray childPrefix(const KeyNode *dir) const;
    QByteArray nameOf(const KeyNode *dir, const QByteArray &prefix, const QByteArray &key,
                      bool *isLeaf) const;
    KeyNode *findNode(const QByteArray &key) const;
    KeyNode *findLevel(const QByteArray &prefix) const;

    // Rows in and out, as few signals as possible (keytreemodel_rows.cpp).
    void notifyChanged(const std::vector<KeyNode *> &nodes, const QList<int> &roles = {},
                       int firstColumn = 0, int lastColumn = ColumnCount - 1);
    void insertNodes(KeyNode *dir, std::vector<std::unique_ptr<KeyNode>> &nodes);
    void removeChildren(KeyNode *dir, int first, int last);
    void removeChildrenWhere(KeyNode *dir, const std::function<bool(KeyNode *)> &pred);
    void removeNode(KeyNode *node);
    void onLevelSettled(const QModelIndex &dir, const EtcdError &error);

    QPointer<KeyTreeLister> m_lister;
    std::unique_ptr<KeyNode> m_root;
    std::unique_ptr<KeyTreeFilter> m_filter;
    std::unique_ptr<KeyTreeReveal> m_reveal;
    std::unique_ptr<KeyTreeResync> m_resync;
    KeyTreeListing *m_listing;
    KeyTreeEventQueue *m_events;
    KeyTreeHighlight *m_highlight;
    KeyTreeCountdown *m_countdown;
};
