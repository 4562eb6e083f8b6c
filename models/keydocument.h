#pragma once

#include "etcdclient.h"
#include "etcderror.h"
#include "etcdwatchevent.h"
#include "keysnapshot.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QPointer>

#include <functional>
#include <optional>

class EtcdCall;
struct EtcdV3TxnResult;
class KeyLeaseClock;
class LeaseTtlCache;

// How a new key is created (KeyDocument::create).
struct KeyCreateOptions
{
    // v2: the key's TTL. v3: a new lease with this TTL is granted and attached.
    std::optional<qint64> ttl;
    // v3: attach this existing lease instead (ignored when ttl is set).
    quint64 lease = 0;
};

// One key being viewed and edited: loads it linearizably, keeps what the server held, and saves
// with compare-and-swap only (v2 prevIndex, v3 txn on mod_revision that keeps the lease). A
// failed compare is not an error but a conflict that carries the server's current value. The
// document never holds or drops the user's text: the caller passes the bytes to save.
// One operation at a time: a new load() cancels the one in flight; the write operations return
// false (and do nothing) while another operation runs or when nothing is loaded.
//
// Live: applyEvents() takes the watch's events. While the user has not edited (setModified),
// a change of the key is taken silently (updatedFromServer). While the user edits, it is only
// recorded (serverState() Changed, serverSnapshot()): snapshot() keeps the revision the edit
// started from, so a plain save() still fails its compare and goes through saveConflict; only
// overwriteServerChange() compares against the revision the watch reported. A delete or expiry
// gives serverState() Deleted either way; recreate() then creates the key only if still absent.
class KeyDocument : public QObject
{
    Q_OBJECT
public:
    enum class Operation {
        None,
        Load,
        Save,        // save() and overwrite()
        SetTtl,      // v2
        RemoveTtl,   // v2
        RefreshTtl,  // v2
        AttachLease, // v3: a new lease
        DetachLease, // v3
    };
    Q_ENUM(Operation)

    // The server's copy of the key against snapshot(), as the watch reported it.
    enum class ServerState {
        InSync,  // nothing newer seen, or seen and taken (the user had not edited)
        Changed, // changed while the user edited: serverSnapshot() holds the new state
        Deleted, // deleted or expired on the server: serverSnapshot().exists is false
    };
    Q_ENUM(ServerState)

    explicit KeyDocument(EtcdClient *client, QObject *parent = nullptr);
    ~KeyDocument() override;

    EtcdClient *client() const { return m_client; }
    // The connection's cache of lease answers: a v3 lease's time left is asked of it. Without
    // one a leased key shows no countdown (its TTL is unknown).
    void setLeaseCache(LeaseTtlCache *cache);
    LeaseTtlCache *leaseCache() const;
    bool isV2() const;
    QByteArray key() const { return m_key; }
    // What the server held at the last load or successful write.
    const KeySnapshot &snapshot() const { return m_snapshot; }
    bool isLoaded() const { return m_snapshot.exists; }
    // What the last conflict saw; overwrite() compares against it.
    const KeySnapshot &conflictSnapshot() const { return m_conflict; }
    bool hasConflict() const { return m_hasConflict; }
    Operation busyWith() const { return m_busy; }
    bool isBusy() const { return m_busy != Operation::None; }

    // Reads `key` linearizably (v3 range of the exact key, v2 GET quorum=true), then the lease's
    // TTL when it has one (from the lease cache: an answer up to a second old is reused). Cancels
    // whatever was in flight. A missing key gives loadFailed with Condition::KeyNotFound.
    void load(const QByteArray &key);
    void reload();
    // v3: asks the lease cache for the lease's TTL again (a keep-alive renews a lease without an
    // event), at most one question out; leaseRead() follows with snapshot() updated (gone: no
    // time left). Nothing without a lease cache.
    void rereadLease();
    // Forgets the key; cancels what is in flight.
    void clear();

    // Compare-and-swap of the value against snapshot().modIndex(). v2 passes the seconds left
    // so the key keeps its expiration (a v2 set without ttl would remove it); v3 keeps the
    // lease (ignore_lease). On success snapshot() holds the new metadata and saved() follows.
    bool save(const QByteArray &value);
    // After saveConflict: a new compare-and-swap against conflictSnapshot(). When the conflict
    // said the key was deleted, the key is created again (only if it is still absent), without
    // TTL or lease.
    bool overwrite(const QByteArray &value);

    // v2 TTL operations, each a compare-and-swap on the modifiedIndex seen (the value written is
    // the one seen, so the user's pending edit is untouched). Refresh renews the TTL without
    // changing the value or waking watchers.
    bool setTtl(qint64 seconds);
    bool removeTtl();
    bool refreshTtl(qint64 seconds);
    // v3 lease operations, compare-and-swap on the mod_revision seen (the value is kept with
    // ignore_value). attachNewLease grants a lease of `seconds` and puts the key with it (the
    // lease is revoked again when the compare fails); detachLease puts it with lease 0. Keeping
    // the lease is what save() does.
    bool attachNewLease(qint64 seconds);
    bool detachLease();

    // Creates a key only when it does not exist: v2 prevExist=false, v3 txn VERSION == 0 (a
    // lease is granted first when options.ttl is set). A key that exists fails with
    // Condition::KeyExists. The callback runs once, later, never after `context` is destroyed.
    static void create(EtcdClient *client, const QByteArray &key, const QByteArray &value,
                       const KeyCreateOptions &options, QObject *context,
                       std::function<void(const EtcdResult<KeySnapshot> &)> callback);

    // An error that says a compare failed because `current` changed (for metadata operations
    // whose conflict is reported as an error).
    static EtcdError conflictError(const KeySnapshot &current);

    // ---- live (keydocument_live.cpp) ----

    // Whether the user's text differs from snapshot().value; the editor says so (the document
    // never sees the text). A modified document never takes a server change by itself.
    void setModified(bool modified) { m_modified = modified; }
    bool isModified() const { return m_modified; }

    // Takes watch events in revision order. Only events of this key count: the exact key, or
    // (v2) a delete or expiry of a directory above it. Events at or below seenRevision() are
    // dropped (a watch may replay); events arriving during an operation wait for its end (the
    // echo of one's own save is then at or below the saved revision).
    void applyEvents(const QList<EtcdWatchEvent> &events);
    bool concerns(const EtcdWatchEvent &event) const;
    // The newest revision (v2: index) of the key this document knows of.
    qint64 seenRevision() const { return m_seenRevision; }

    ServerState serverState() const { return m_serverState; }
    // What the watch last reported for the key (Changed, Deleted); empty while InSync.
    const KeySnapshot &serverSnapshot() const { return m_server; }
    // Deleted because a v2 TTL ran out (v3 lease expiries look like deletes).
    bool expiredOnServer() const { return m_serverExpired; }

    // Changed or Deleted: a compare-and-swap of `value` against serverSnapshot() (the revision
    // the watch reported; when deleted, created only if still absent). A failed compare gives
    // saveConflict as save() does.
    bool overwriteServerChange(const QByteArray &value);
    // The same against `shown`, the copy of serverSnapshot() the user compared with (the key
    // may have changed again since: then the compare fails).
    bool overwriteServerChange(const QByteArray &value, const KeySnapshot &shown);
    // Deleted only: overwriteServerChange(), the create-only write (v2 prevExist=false, v3 txn
    // on version 0).
    bool recreate(const QByteArray &value);

Q_SIGNALS:
    void loaded();
    void loadFailed(const EtcdError &error);
    // A write succeeded; snapshot() holds the new state (also passed along).
    void saved(const KeySnapshot &snapshot);
    // The compare failed: `current` is what the server holds now (exists false: deleted).
    void saveConflict(const KeySnapshot &current);
    void saveFailed(const EtcdError &error);
    // A v2 TTL or v3 lease operation succeeded (snapshot() updated, saved() is emitted too) or
    // failed; a failed compare gives Condition::CompareFailed (or KeyNotFound when deleted).
    void metadataChanged(KeyDocument::Operation operation);
    void metadataChangeFailed(KeyDocument::Operation operation, const EtcdError &error);
    void busyChanged(bool busy);
    // The user had not edited and the key changed on the server: snapshot() now holds it.
    void updatedFromServer(const KeySnapshot &snapshot);
    // serverState() or serverSnapshot() changed (a newer revision of the same state too).
    void serverStateChanged(KeyDocument::ServerState state);
    // rereadLease() answered.
    void leaseRead();

private:
    bool beginWrite(Operation operation);
    void setBusy(Operation operation);
    void finishWrite(Operation operation, const KeySnapshot &now);
    void failWrite(Operation operation, const EtcdError &error);
    void conflict(Operation operation, const KeySnapshot &current);
    // Ends the write when its compare-and-swap transaction failed (an error) or lost (a conflict
    // with what the transaction read instead); true when it did.
    bool endFailedCas(Operation operation, const EtcdResult<EtcdV3TxnResult> &r);
    void casV2(Operation operation, const KeySnapshot &against, const QByteArray &value);
    void casV3(Operation operation, const KeySnapshot &against, const QByteArray &value);
    void v2ConflictRead(Operation operation, const EtcdError &error);
    void v2TtlWrite(Operation operation, std::optional<qint64> ttl, bool clear, bool refresh);
    void v3LeasePut(Operation operation, quint64 lease, qint64 grantedTtl);
    void onLeaseAnswered(quint64 lease);
    // live
    void applyEvent(const EtcdWatchEvent &event);
    void setServerState(ServerState state, const KeySnapshot &server, bool expired);
    void noteSnapshot();
    void scheduleDrain();
    void drainPending();

    QPointer<EtcdClient> m_client;
    QPointer<EtcdCall> m_call;
    KeyLeaseClock *m_leaseClock; // a child
    // What the lease clock's answer is for: the load waits for it; a re-read says leaseRead().
    enum class LeaseWait { None, Load, Reread } m_leaseWait = LeaseWait::None;
    QByteArray m_key;
    KeySnapshot m_snapshot;
    KeySnapshot m_conflict;
    bool m_hasConflict = false;
    Operation m_busy = Operation::None;
    quint64 m_generation = 0; // answers for an older load or key are dropped

    // live
    bool m_modified = false;
    qint64 m_seenRevision = 0;
    ServerState m_serverState = ServerState::InSync;
    KeySnapshot m_server;
    bool m_serverExpired = false;
    QList<EtcdWatchEvent> m_pending; // arrived during an operation
    bool m_drainQueued = false;
};
