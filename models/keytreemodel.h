#pragma once

#include "etcdclient.h"
#include "etcderror.h"
#include "keyinfo.h"

#include <QAbstractItemModel>
#include <QIcon>
#include <QPointer>

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

private:
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
};
