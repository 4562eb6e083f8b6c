#pragma once

#include "etcdcall.h"
#include "etcderror.h"
#include "etcdv2types.h"

#include <QObject>

#include <functional>
#include <optional>
#include <vector>

class EtcdTransport;

// etcd's v2 API over an EtcdTransport: the keys store (/v2/keys), membership (/v2/members) and
// statistics (/v2/stats). Every operation is asynchronous and returns the call's handle (keep it
// in a QPointer to cancel); the callback runs once, later, unless the call is cancelled or the
// context destroyed first. Requests use HTTP basic auth when the transport has credentials.
class EtcdV2Client : public QObject
{
    Q_OBJECT
public:
    template<typename T> using Callback = std::function<void(const EtcdResult<T> &)>;
    using KeysCallback = Callback<EtcdV2Response>;

    explicit EtcdV2Client(EtcdTransport *transport, QObject *parent = nullptr);

    EtcdTransport *transport() const { return m_transport; }

    // --- keys ---------------------------------------------------------------------------------
    // A key, or a directory with its children (all below it when recursive).
    EtcdCall *get(const QByteArray &key, const EtcdV2GetOptions &options, QObject *context,
                  KeysCallback callback);
    // One long-poll: answers at the first change at or after waitIndex. No timeout; cancel it to
    // stop. An answer with an empty action means the server ended the poll: poll again.
    // Condition::EventIndexCleared (401) means events were missed: re-read, then wait again from
    // the read's etcdIndex + 1.
    EtcdCall *wait(const QByteArray &key, const EtcdV2WaitOptions &options, QObject *context,
                   KeysCallback callback);

    // PUT with every option of the API (the value is not sent for refresh or dir).
    EtcdCall *set(const QByteArray &key, const QByteArray &value, const EtcdV2SetOptions &options,
                  QObject *context, KeysCallback callback);
    // prevExist=false: fails with KeyExists when the key is there.
    EtcdCall *create(const QByteArray &key, const QByteArray &value, std::optional<qint64> ttl,
                     QObject *context, KeysCallback callback);
    // prevExist=true: fails with KeyNotFound when the key is missing.
    EtcdCall *update(const QByteArray &key, const QByteArray &value, std::optional<qint64> ttl,
                     QObject *context, KeysCallback callback);
    // Renews a key's (or directory's) TTL without touching its value and without waking
    // watchers: refresh=true&prevExist=true&ttl=N.
    EtcdCall *refresh(const QByteArray &key, qint64 ttl, QObject *context, KeysCallback callback);
    // Makes an expiring key permanent, keeping its value: ttl=&prevExist=true&value=<value>.
    EtcdCall *removeTtl(const QByteArray &key, const QByteArray &value, QObject *context,
                        KeysCallback callback);
    // POST to a directory: creates <dir>/<20-digit index> (in-order keys).
    EtcdCall *createInOrder(const QByteArray &dirKey, const QByteArray &value,
                            std::optional<qint64> ttl, QObject *context, KeysCallback callback);
    // dir=true: creates a directory (fails with NotAFile when the key exists).
    EtcdCall *createDir(const QByteArray &key, std::optional<qint64> ttl, QObject *context,
                        KeysCallback callback);
    // dir=true&prevExist=true: sets a directory's TTL, or removes it when ttl is unset.
    EtcdCall *updateDirTtl(const QByteArray &key, std::optional<qint64> ttl, QObject *context,
                           KeysCallback callback);

    // DELETE with every option of the API.
    EtcdCall *remove(const QByteArray &key, const EtcdV2DeleteOptions &options, QObject *context,
                     KeysCallback callback);
    // A directory: empty unless recursive (else DirectoryNotEmpty).
    EtcdCall *removeDir(const QByteArray &key, bool recursive, QObject *context,
                        KeysCallback callback);

    // --- members ------------------------------------------------------------------------------
    EtcdCall *listMembers(QObject *context, Callback<std::vector<EtcdV2Member>> callback);
    // The new member has no name until it starts.
    EtcdCall *addMember(const QStringList &peerUrls, QObject *context,
                        Callback<EtcdV2Member> callback);
    // Unknown id: Condition::MemberNotFound.
    EtcdCall *removeMember(quint64 id, QObject *context, Callback<EtcdNothing> callback);
    EtcdCall *updateMember(quint64 id, const QStringList &peerUrls, QObject *context,
                           Callback<EtcdNothing> callback);

    // --- stats --------------------------------------------------------------------------------
    EtcdCall *selfStats(QObject *context, Callback<EtcdV2SelfStats> callback);
    // A follower answers HTTP 403: Kind::Etcd, httpStatus 403, message "not current leader".
    EtcdCall *leaderStats(QObject *context, Callback<EtcdV2LeaderStats> callback);
    EtcdCall *storeStats(QObject *context, Callback<EtcdV2StoreStats> callback);

    // --- encoding (public for tests and for the other layers) ---------------------------------
    // "/v2/keys" + the key with each segment percent-encoded ("/a b/%" -> "/v2/keys/a%20b/%25").
    static QByteArray keyPath(const QByteArray &key);
    // A form or query from name/value pairs, values percent-encoded.
    static QByteArray formEncode(const std::vector<std::pair<QByteArray, QByteArray>> &fields);

private:
    EtcdCall *sendKeys(const QByteArray &method, const QByteArray &key,
                       std::vector<std::pair<QByteArray, QByteArray>> fields, QString operation,
                       bool wait, QObject *context, KeysCallback callback);
    template<typename T>
    EtcdCall *sendJson(const QByteArray &method, const QByteArray &path, const QByteArray &body,
                       QString operation, QObject *context,
                       std::function<EtcdResult<T>(const EtcdHttpResponse &)> decode,
                       Callback<T> callback);

    EtcdTransport *m_transport;
};
