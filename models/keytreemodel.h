#pragma once

#include "etcdclient.h"
#include "etcderror.h"
#include "etcdv3types.h"
#include "etcdwatchevent.h"
#include "keyinfo.h"

#include <QAbstractItemModel>
#include <QElapsedTimer>
#include <QHash>
#include <QIcon>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <deque>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

class EtcdCall;
struct KeyNode;

// The keyspace of one connection as a lazy tree: one level is listed when a view asks for it
// (canFetchMore/fetchMore), rows arrive as the answers do, and single keys can be put or removed
// in place (after an edit now, from the live watch later). v2 shows etcd's directories; v3 splits
// keys on a separator byte into virtual directories, and a name can be a key and a directory at
// once. data(), rowCount(), hasChildren() never do I/O: value previews are fetched in batches
// from the event loop after a row was first asked for them.
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

    // Values larger than this are not kept in the tree (the preview says "large value"); the
    // editor reads them itself.
    static constexpr int maxKeptValueSize = 64 * 1024;
    // Characters of the first line shown in the value column.
    static constexpr int previewLength = 200;

    explicit KeyTreeModel(QObject *parent = nullptr);
    ~KeyTreeModel() override;

    // The connection to browse; its apiInUse() (V2 or V3, after discovery) decides how levels
    // are listed. Does not reload: call reload() when ready. The client must outlive its use.
    void setClient(EtcdClient *client);
    EtcdClient *client() const { return m_client; }
    bool isV2() const { return m_v2; }
    // v3: the byte that splits keys into directories (default '/'). Takes effect at reload().
    void setSeparator(char separator);
    char separator() const { return m_separator; }
    // v2: whether "_" names are shown. etcd leaves them out of directory listings, so only the
    // hidden keys the model learns of by path (revealKey, applyPut) can be shown at all.
    void setShowHidden(bool show);
    bool showHidden() const { return m_showHidden; }
    // Browse the keys below this prefix only ("" or "/" for everything). Takes effect at
    // reload(). v3: a raw byte prefix; v2: a directory path.
    void setRootPrefix(const QByteArray &prefix);
    QByteArray rootPrefix() const { return m_rootPrefix; }
    // The store revision (v2: index) the root level was read at, once it is listed (0 before):
    // a watch from revision + 1 misses no change to anything listed since.
    qint64 rootListingRevision() const { return m_rootRevision; }
    void setIcons(const QIcon &directory, const QIcon &key);

    // Forgets every row and lists the top level again.
    void reload();
    // Lists one directory again (invalid index: the top level) and merges the answer: rows that
    // still exist keep their place (and their loaded children), vanished rows are removed,
    // new rows inserted, changed ones updated. Never a model reset.
    void refresh(const QModelIndex &dir = {});
    bool isLoading(const QModelIndex &dir = {}) const;

    // The row of a key, if its level is loaded (invalid otherwise). O(depth × log(siblings)).
    QModelIndex indexForKey(const QByteArray &key) const;
    QByteArray keyForIndex(const QModelIndex &index) const;
    // Lists the levels down to `key` as needed, then emits keyRevealed(index of the key's row)
    // or revealFailed (the key does not exist, or a listing failed). A key the listing cannot
    // show (a v2 hidden name while showHidden is on) is read by path and added.
    void revealKey(const QByteArray &key);

    // Narrows the loaded tree to rows whose name or full key contains `text` (case-insensitive),
    // plus their ancestors. Empty: everything. Levels loaded later are filtered as they arrive.
    void setFilterText(const QString &text);
    QString filterText() const { return m_filterText; }

    // Incremental updates, only inside levels already listed (elsewhere nothing is created: the
    // level will be listed when opened). applyPut creates v3 virtual directories as needed.
    void applyPut(const KeyInfo &key);
    void applyDelete(const QByteArray &key);
    // Removes every key starting with prefix (a v2 directory: pass its key plus "/" or the key
    // itself with isDir semantics handled by applyDelete).
    void applyDeletePrefix(const QByteArray &prefix);

    // Live updates from a watch (keytreemodel_events.cpp). Events are queued and applied at most
    // once per applyInterval (a frame, 16 ms by default): the first event after a quiet frame
    // is applied on the next event-loop turn, a burst waits for the frame to end, so a view
    // repaints once per frame whatever the rate. Only the loaded part of the tree changes:
    // under a level not listed nothing is created (it is listed fresh when opened). Rows are
    // inserted and removed in contiguous ranges per directory and changed rows get one
    // dataChanged per directory; never a reset. Events are applied in order and are
    // idempotent against what the tree shows (a put no newer than the row, a delete older than
    // the row or of a missing key, change nothing), so a watch may replay history. Events on
    // the path through a level being listed wait until it is in (the listing may be older).
    // A big run of deletes at one revision (a prefix delete) is held back while more of it
    // arrives, then applied at once: one removal per directory. After a delete below a v3
    // directory row not listed, etcd is asked whether anything is left below it.
    void applyEvents(const QList<EtcdWatchEvent> &events);
    // Applies what is queued now, nothing held back (tests, benchmarks; resync() does it).
    void flushEvents();
    // Queued plus waiting for a listing.
    int pendingEventCount() const;
    void setApplyInterval(int ms);
    int applyInterval() const { return m_applyInterval; }
    // Rows changed by an event keep Qt::BackgroundRole (and HighlightedRole) this long.
    void setHighlightDuration(int ms);
    int highlightDuration() const { return m_highlightDuration; }
    // Events applied so far (after coalescing; for benchmarks and tests).
    qint64 appliedEventCount() const { return m_appliedEvents; }
    // After a broken watch lost history (v3 compaction, v2 401): lists every loaded level
    // again and merges the answers into the rows in place (as refresh() does), then calls done
    // with the store revision (v2: index) read just before the re-read began; the watch
    // restarts at revision + 1. revision 0: the re-read failed (resyncFailed says why). A
    // second resync replaces the first (whose done is not called).
    void resync(std::function<void(qint64 revision)> done);
    bool isResyncing() const { return bool(m_resync); }

    // Reads the values of these rows (leaves) now, in one batch, instead of waiting for a view
    // to ask for them. For the editor and for tests.
    void loadValues(const QModelIndexList &indexes);

    // Diagnostics for tests and benchmarks: requests sent for listings and value batches, and
    // the nodes held.
    qint64 listRequestCount() const;
    qint64 valueRequestCount() const { return m_valueRequests; }
    qint64 nodeCount() const { return m_nodeCount; }

    // The text shown for a name segment: "(empty)" for an empty one, else displayKey().
    static QString displayName(const QByteArray &name);

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
    QHash<int, QByteArray> roleNames() const override;

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
    struct EventOp;
    struct OpSink;
    // The remaining TTL of one v3 lease, as last read.
    struct LeaseState
    {
        qint64 ttl = -1;       // seconds left when read; -1: gone (or not read yet)
        qint64 readAt = -1;    // m_clock ms of the read; -1: never read
        bool pending = false;  // a leaseTimeToLive is on its way
        bool stale = false;    // an event for the lease came: read again when next shown
    };
    // A v3 directory row not listed whose last key may have been deleted: is it still there?
    struct DirCheck
    {
        QPointer<EtcdCall> call;
        qint64 lastEventRevision = 0; // newest event below it since the check was sent
    };
    struct ResyncState
    {
        std::function<void(qint64)> done;
        QPointer<EtcdCall> probe;
        qint64 revision = 0;
        QSet<QByteArray> pending; // full keys of the levels being listed again
        bool rootPending = false;
        bool started = false;
        EtcdError error;
    };
    struct Listing;
    struct Reveal;
    struct Entry;

    static std::unique_ptr<KeyNode> makeRoot();
    std::unique_ptr<KeyNode> newNode(const QByteArray &name);

    // Structure. "Shown" children are all children, or the visible ones while filtering.
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
    static QString valuePreview(const QByteArray &value);

    // Listing.
    void startListing(KeyNode *dir, bool refresh);
    void listV2(KeyNode *dir, quint32 generation);
    void finishListing(KeyNode *dir, quint32 generation, const EtcdError &error);
    bool isCurrent(KeyNode *dir, quint32 generation) const;
    void dropListing(KeyNode *dir);
    void dropAllListings();
    void notifyLoading(KeyNode *dir);

    // Merging and removing.
    void mergeEntries(KeyNode *dir, const std::vector<Entry> &entries);
    bool applyEntry(KeyNode *node, const Entry &entry);
    Entry entryFor(const QByteArray &name, const KeyInfo &info) const;
    void setMeta(KeyNode *node, const KeyInfo &info);
    static void setValue(KeyNode *node, const QByteArray &value);
    static void clearKey(KeyNode *node);
    void notifyChanged(const std::vector<KeyNode *> &nodes);
    void insertNodes(KeyNode *dir, std::vector<std::unique_ptr<KeyNode>> &nodes);
    template<typename T>
    void insertSorted(const QModelIndex &parent, bool notify, std::vector<T> &list,
                      std::vector<T> &items);
    void removeChildren(KeyNode *dir, int first, int last);
    void removeChildrenWhere(KeyNode *dir, const std::function<bool(KeyNode *)> &pred);
    void removeNode(KeyNode *node);
    void dropUnseenChildren(KeyNode *dir);
    void pruneIfEmpty(KeyNode *dir);
    void deletePrefixIn(KeyNode *dir, const QByteArray &dirPrefix, const QByteArray &prefix);
    void removeHidden(KeyNode *dir);

    // Values.
    void scheduleValueLoad(const KeyNode *node) const;
    void loadPendingValues();
    void applyValue(const KeyInfo &info);

    // Watch events (keytreemodel_events.cpp).
    void setUpLiveUpdates();
    void scheduleApply();
    void applyQueued(bool all);
    void applyRun(const std::vector<EtcdWatchEvent> &events, std::size_t first,
                  std::size_t last, bool highlight);
    void resolveOp(EventOp &op, OpSink &sink);
    void applyOps(OpSink &sink, bool highlight);
    std::vector<std::unique_ptr<KeyNode>> buildNodes(const QByteArray &prefix,
                                                     std::vector<const EventOp *> &ops,
                                                     bool topLevel, bool complete,
                                                     bool highlight,
                                                     std::vector<QByteArray> *built);
    void removeGrouped(std::vector<KeyNode *> &nodes);
    void onLevelSettled();
    // Grouped dataChanged, directory checks, highlight, countdown, leases and resync
    // (keytreemodel_live.cpp).
    void notifyChangedGrouped(std::vector<KeyNode *> &nodes, int firstColumn, int lastColumn,
                              const QList<int> &roles);
    void checkDir(const QByteArray &dirKey, qint64 revision);
    void onDirChecked(const QByteArray &dirKey, const EtcdResult<EtcdV3RangeResult> &r);
    QVariant liveData(const KeyNode *n, int column, int role) const;
    qint64 secondsLeft(const KeyNode *n) const;
    bool hasCountdown(const KeyNode *n) const;
    void highlight(const std::vector<QByteArray> &keys);
    void expireHighlights();
    void tickCountdown();
    void loadLeases();
    void startResync();
    void continueResync();
    void finishResync();

    // Go to key.
    void continueReveal();
    void revealHidden(KeyNode *dir, const QByteArray &path);
    void finishReveal(const EtcdError &error);

    // Filter.
    bool matchesFilter(const KeyNode *node) const;
    bool filterSubtree(KeyNode *node);
    void clearFilter(KeyNode *node);
    void showNode(KeyNode *node);
    void hideNode(KeyNode *node);

    QPointer<EtcdClient> m_client;
    char m_separator = '/';
    bool m_showHidden = false;
    QByteArray m_rootPrefix;
    qint64 m_rootRevision = 0;
    // What the current tree was loaded with (reload() takes the settings above).
    bool m_v2 = false;
    bool m_reloaded = false; // nothing is listed before the first reload()
    char m_activeSeparator = '/';
    QByteArray m_activePrefix;
    QString m_filterText;
    bool m_filterOnKey = false;
    QIcon m_directoryIcon;
    QIcon m_keyIcon;

    std::unique_ptr<KeyNode> m_root;
    std::unordered_map<KeyNode *, std::unique_ptr<Listing>> m_listings;
    std::unique_ptr<Reveal> m_reveal;

    // Keys of leaves whose values a view asked for, loaded from the event loop (data() is const
    // and never does I/O; it only notes the wish).
    mutable std::vector<QByteArray> m_valueWanted;
    mutable bool m_valueLoadScheduled = false;
    QList<QPointer<EtcdCall>> m_valueCalls;

    qint64 m_listRequests = 0;
    qint64 m_valueRequests = 0;
    qint64 m_nodeCount = 0;

    // Watch events: queued, applied once per frame; held while a level on their path is
    // being listed (re-queued when it settles).
    std::vector<EtcdWatchEvent> m_queued;
    std::vector<EtcdWatchEvent> m_held;
    QSet<QByteArray> m_heldKeys; // keys in m_held: their newer events wait behind them
    QTimer m_applyTimer;
    QElapsedTimer m_sinceApply;
    int m_applyInterval = 16;
    bool m_arrivedSinceApply = false; // events came since the last apply
    qint64 m_holdingSince = -1;       // m_clock ms a big tail run was first held back
    qint64 m_appliedEvents = 0;
    QElapsedTimer m_clock;            // monotonic ms for expiries and countdowns
    QHash<QByteArray, DirCheck> m_dirChecks;
    quint32 m_resets = 0;             // model resets so far (answers from before are dropped)
    // Highlight: the flag lives in the node; keys and expiry here (no pointers that could
    // dangle when a listing frees a node).
    int m_highlightDuration = 2000;
    std::deque<std::pair<qint64, QByteArray>> m_highlightQueue; // by expiry
    QHash<QByteArray, qint64> m_highlightUntil;
    QTimer m_highlightTimer;
    // Countdown: the parents of TTL rows a view painted since the last tick (data() notes
    // them), so ticks reach the rows on screen only.
    mutable QSet<QByteArray> m_countdownDirs;
    mutable bool m_countdownRoot = false;
    mutable QTimer m_countdownTimer;
    mutable QHash<quint64, LeaseState> m_leases;
    mutable std::vector<quint64> m_leasesWanted;
    mutable bool m_leaseLoadScheduled = false;
    std::unique_ptr<ResyncState> m_resync;
};
