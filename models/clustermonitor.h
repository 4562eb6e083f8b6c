#pragma once

#include "etcderror.h"
#include "etcdv2types.h"
#include "etcdv3types.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

class EtcdClient;

// What /health said of a member. An unhealthy member's answer is a result, not an error.
struct ClusterMemberHealth
{
    bool healthy = false;
    QString reason; // 3.5+ explain an unhealthy answer; empty otherwise
};

// What one member answered in a round, as its answers arrive. Pieces left unset are not part of
// this answer: what was known of them stays.
struct ClusterMemberAnswer
{
    enum class Reach {
        Unchanged,
        Reachable,   // the member's server answered (even with a refusal)
        Unreachable, // none of its steps reached it (error says why)
    };
    Reach reach = Reach::Unchanged;
    EtcdError error;
    QString answeredAt; // not empty: the member answered at this URL just now
    std::optional<ClusterMemberHealth> health;
    std::optional<EtcdV3Status> status;
    std::optional<QString> version;
    std::optional<EtcdV2SelfStats> selfStats;
};

// What a round found, once every member answered or timed out.
struct ClusterRound
{
    QDateTime finishedAt;
    // The leader as the member with the highest raft term reports it (0: none known).
    quint64 leaderId = 0;
    // The v3 status of each member that answered in this round: lags compare these only.
    QHash<quint64, EtcdV3Status> statuses;
    std::optional<QList<EtcdV3Alarm>> alarms; // unset: could not be read in this round
    std::optional<EtcdV2LeaderStats> leaderStats;
    std::optional<EtcdV2StoreStats> storeStats; // unset: could not be read in this round
};

// Asks the cluster behind a connection about its members, on a timer while active, and changes
// its membership. It knows no rows: it emits what it found (ClusterModel turns that into rows).
//
// Each refresh (a "round") lists the members through the connection (with its failover), then
// asks every member at its own client URLs, each with its own short timeout, for /health, the v3
// status (version, database size, raft index, term, applied index, leader) and, where the cluster
// serves v2, /v2/stats/self (and /v2/stats/leader from the leader). A member's answers are emitted
// as they arrive: a slow or dead member delays nobody's but its own. When every member answered
// or timed out, the round ends with the leader it found. One round at a time; a tick that finds
// one running skips.
//
// Membership changes go through the connection (refused there when it is read-only) and start a
// round when they succeed.
class ClusterMonitor : public QObject
{
    Q_OBJECT
public:
    static constexpr int DefaultIntervalMs = 5000;
    static constexpr int DefaultProbeTimeoutMs = 3000;

    explicit ClusterMonitor(QObject *parent = nullptr);
    ~ClusterMonitor() override;

    // The connection whose cluster is asked, after its discovery succeeded (null: none). Drops
    // the running round and the members' own connections; refreshes at once when active.
    void setClient(EtcdClient *client);
    EtcdClient *client() const;
    bool servesV2() const;
    bool servesV3() const;
    // Learners need the v3 API; v2-only clusters add voters.
    bool canManageLearners() const { return servesV3(); }

    // Time between the starts of two rounds (at least 500 ms).
    void setInterval(int ms);
    int interval() const { return m_intervalMs; }
    // How long each member has to answer in a round.
    void setProbeTimeout(int ms);
    int probeTimeout() const { return m_probeTimeoutMs; }
    // Rounds run on the timer only while active (a panel shows them).
    void setActive(bool active);
    bool isActive() const { return m_active; }
    // Starts a round now unless one is running. Returns whether one started.
    bool refresh();
    bool isRefreshing() const { return m_round != nullptr; }

    // --- membership (through the connection; a success starts a round) ---------------------
    // `done` gets the error (none on success) and, for an add, the new member's ID.
    using Done = std::function<void(const EtcdError &error, quint64 newMemberId)>;
    void addMember(const QStringList &peerUrls, bool asLearner, QObject *context, Done done);
    void removeMember(quint64 id, QObject *context, Done done);
    void updateMember(quint64 id, const QStringList &peerUrls, QObject *context, Done done);
    void promoteMember(quint64 id, QObject *context, Done done);

Q_SIGNALS:
    // Another connection (or none): what was found before belongs to the old one.
    void clientChanged();
    void roundStarted();
    // The member list of this round, in etcd's order (emitted before any member is asked).
    void membersListed(const QList<EtcdV3Member> &members, quint64 clusterId);
    // The list could not be read (the members listed before are asked all the same); an empty
    // error after a failure: it was read again.
    void listErrorChanged(const EtcdError &error);
    void memberAnswered(quint64 id, const ClusterMemberAnswer &answer);
    void roundFinished(const ClusterRound &round);

private:
    struct Round;

    void onTick();
    void startRound();
    void onMembersListed(const QList<EtcdV3Member> &members, quint64 clusterId,
                         const EtcdError &error);
    void probeMember(const EtcdV3Member &member);
    // The member's own connection; null (and why) when its URLs cannot be used.
    EtcdClient *memberClient(const EtcdV3Member &member, EtcdError *error);
    QStringList probeUrls(const EtcdV3Member &member) const;
    void dropMemberClient(quint64 id);
    void dropMemberClients();
    bool isMember(EtcdClient *client, quint64 id, quint64 answeredAs);
    EtcdError otherMember(EtcdClient *client, quint64 answeredAs);
    void stepDone();
    void finishRound();
    // `done`, after asking for a round when the change succeeded.
    Done refreshingAfter(Done done);

    QPointer<EtcdClient> m_client;
    // The members of the last list that could be read, asked again when the list fails.
    QList<EtcdV3Member> m_members;
    // Each member's own connection, kept across rounds, with the URLs it was made for.
    QHash<quint64, EtcdClient *> m_memberClients;
    QHash<quint64, QStringList> m_memberClientUrls;
    // Which member answered at each of the connection's endpoints (the header of the member
    // list). A member is asked there first: the URLs members advertise may not be reachable
    // from this machine (a tunnel, NAT, container names) while the user's endpoints are.
    QHash<QString, quint64> m_endpointMember;
    bool m_recreateClients = false;
    bool m_listFailed = false;
    std::unique_ptr<Round> m_round;
    std::unique_ptr<Round> m_finishedRound;
    QTimer m_timer;
    int m_intervalMs = DefaultIntervalMs;
    int m_probeTimeoutMs = DefaultProbeTimeoutMs;
    bool m_active = false;
    bool m_refreshAgain = false;
};
