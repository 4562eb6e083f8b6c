#pragma once

#include "etcderror.h"
#include "keyinfo.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>

#include <map>
#include <memory>
#include <vector>

class EtcdCall;
class EtcdClient;

// Every read of the keyspace a key tree makes (KDE's KCoreDirLister to the model's KDirModel):
// level listings (v2 directory reads, v3 through V3LevelLister), value previews in batches, a
// key read by path, checks of v3 directories, the store's revision. It knows no rows: it says
// what it found by signal, keyed by the level's prefix (the prefix of its children's keys: the
// root level's prefix is rootLevel(), a directory's is its key + the separator).
//
// It reads as of one revision (0: the newest); a lister at R lists every level and reads every
// value as etcd held them at R, so two listers (two connections, or one at two revisions) feed
// two models side by side. v2 keeps no history: a v2 lister at a revision refuses every read
// (EtcdError::Condition::HistoryUnsupported).
class KeyTreeLister : public QObject
{
    Q_OBJECT
public:
    explicit KeyTreeLister(QObject *parent = nullptr);
    ~KeyTreeLister() override;

    // What to read. The client (discovered: its apiInUse() decides v2 or v3), the separator, the
    // root prefix and the revision take effect at reset(); the client must outlive its use.
    void setClient(EtcdClient *client);
    EtcdClient *client() const;
    void setSeparator(char separator) { m_separator = separator; }
    char separator() const { return m_separator; }
    void setRootPrefix(const QByteArray &prefix) { m_rootPrefix = prefix; }
    QByteArray rootPrefix() const { return m_rootPrefix; }
    void setRevision(qint64 revision) { m_revision = std::max<qint64>(0, revision); }
    qint64 revision() const { return m_revision; }

    // Drops every read on its way (no answer of theirs comes) and takes the settings above.
    void reset();
    // Since the last reset(): whether there is a client to read from, its API, the separator
    // in use ('/' on v2) and the root level's prefix (v2: a directory path "/" or "/dir/").
    bool canRead() const;
    bool isV2() const { return m_v2; }
    char levelSeparator() const { return m_v2 ? '/' : m_activeSeparator; }
    QByteArray rootLevel() const { return m_rootLevel; }

    // Lists one level: levelListed in batches (each at most a slice, one per event-loop turn, so
    // that merging them never stalls the loop), then levelFinished. A second listing of the same
    // level replaces the first. hint: a v3 key believed to be below the level.
    void listLevel(const QByteArray &level, const QByteArray &hint = {});
    // Stops the listing of `level` and of every level below it (their rows went).
    void stopListings(const QByteArray &level);
    bool isListing() const { return !m_listings.empty(); }
    // Notes a key whose value (with its metadata) is wanted: read with the others wanted in the
    // same event-loop turn, in batches. Cheap enough for QAbstractItemModel::data().
    void wantValue(const QByteArray &key) const;
    // Sends the wanted reads now.
    void readWantedValues();
    // Reads one key by path (a v2 hidden name, which listings leave out): keyRead. A second read
    // replaces the first.
    void readKey(const QByteArray &key);
    // v3: whether anything is left below `dirKey` + separator, as of `revision` or later:
    // directoryChecked. While a check is on its way, a newer revision raises its bar (its answer
    // is asked again when read before it); raise only raises, never sends.
    void checkDirectory(const QByteArray &dirKey, qint64 revision);
    void raiseDirectoryCheck(const QByteArray &dirKey, qint64 revision);
    // The store's revision (v2: index) now, through raft, or the lister's own revision when set:
    // revisionRead. Reads asked while one is on its way share its answer.
    void readRevision();

    // Requests sent since construction (tests, benchmarks).
    qint64 listRequestCount() const;
    qint64 valueRequestCount() const { return m_valueRequests; }

    // Rows a level merges per event-loop turn: about 5-10 ms of inserts on this machine.
    static constexpr std::size_t sliceSize = 1000;

Q_SIGNALS:
    void levelListed(const QByteArray &level, const std::vector<KeyTreeEntry> &entries);
    // revision: the oldest store revision an answer came at (v2: the index read at): a watch
    // from revision + 1 misses no change to the level. 0 on error.
    void levelFinished(const QByteArray &level, qint64 revision, const EtcdError &error);
    void valuesRead(const QList<KeyInfo> &values);
    void keyRead(const QByteArray &key, const KeyInfo &info, const EtcdError &error);
    // A failed check says nothing (the row stays; a refresh or the next event tells).
    void directoryChecked(const QByteArray &dirKey, bool exists);
    void revisionRead(qint64 revision, const EtcdError &error);

private:
    struct Listing;
    struct DirCheck
    {
        QPointer<EtcdCall> call;
        qint64 revision = 0; // the answer must be at least this new
    };

    EtcdError refusal() const; // why nothing can be read now; none when it can
    void listV2(const QByteArray &level, Listing *l);
    void listV3(const QByteArray &level, const QByteArray &hint, Listing *l);
    Listing *current(const QByteArray &level, quint64 serial) const;
    void deliver(const QByteArray &level, quint64 serial);
    void finish(const QByteArray &level, quint64 serial, qint64 revision, const EtcdError &error);
    void sendDirectoryCheck(const QByteArray &dirKey);

    QPointer<EtcdClient> m_client;
    char m_separator = '/';
    QByteArray m_rootPrefix;
    qint64 m_revision = 0;
    // Taken at reset().
    bool m_open = false;
    bool m_v2 = false;
    char m_activeSeparator = '/';
    qint64 m_activeRevision = 0;
    QByteArray m_rootLevel;
    quint64 m_serial = 0; // of the last read sent: answers of a dropped one find no match

    std::map<QByteArray, std::unique_ptr<Listing>> m_listings; // by level, ordered for prefixes
    mutable std::vector<QByteArray> m_valueWanted;
    mutable bool m_valueScheduled = false;
    QList<QPointer<EtcdCall>> m_valueCalls;
    QPointer<EtcdCall> m_keyCall;
    QPointer<EtcdCall> m_revisionCall;
    QHash<QByteArray, DirCheck> m_dirChecks;
    qint64 m_listRequests = 0;
    qint64 m_valueRequests = 0;
};
