#pragma once

#include "etcdclient.h"
#include "etcdv2types.h"
#include "etcdv3types.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QPointer>
#include <QTimer>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

// One member of the cluster as the cluster panel shows it: what the member list says about it,
// and what the member itself answered at its own client URL in the latest refresh.
struct ClusterMember
{
    enum class Reach {
        Unknown,     // not asked yet
        Reachable,   // answered the last refresh
        Unreachable, // did not (error says why)
        NotStarted,  // added to the cluster, never started: no name, no client URL
    };

    // From the member list.
    quint64 id = 0;
    QString name;
    QStringList peerUrls;
    QStringList clientUrls;
    bool isLearner = false;

    // From the member, asked at its own client URLs.
    Reach reach = Reach::Unknown;
    EtcdError error;      // why it is unreachable (or what it refused)
    QDateTime lastAnswer; // when it last answered
    QString answeredAt;   // the client URL that answered
    std::optional<EtcdClient::HealthInfo> health;
    std::optional<EtcdV3Status> status; // v3 Maintenance/Status
    QString version;                    // status.version, or /version where v3 is not served
    std::optional<EtcdV2SelfStats> selfStats;         // /v2/stats/self (clusters serving v2)
    std::optional<EtcdV2FollowerStats> followerStats; // this member in the leader's /v2/stats/leader
    QList<EtcdV3AlarmType> alarms;                    // raised on this member
    std::optional<qint64> lag; // the leader's raft index minus this member's, same refresh
    bool isLeader = false;

    bool notStarted() const { return name.isEmpty() && clientUrls.isEmpty(); }
};

// The members of the cluster behind a connection, their health and statistics, refreshed on a
// timer while the panel that shows them is visible. A table model: one row per member.
//
// Each refresh (a "round") lists the members through the connection (with its failover), then
// asks every member at its own client URLs, each with its own short timeout, for /health, the v3
// status (version, database size, raft index, term, applied index, leader) and, where the cluster
// serves v2, /v2/stats/self (and /v2/stats/leader from the leader). A member's row changes as soon
// as its answers arrive: a slow or dead member delays nobody's row but its own. When every member
// answered or timed out, the round ends: the leader is marked, raft index lags are computed
// against the leader's answer of the same round, the trend history gets a sample, refreshed() is
// emitted. One round at a time; a tick that finds one running skips.
//
// Membership changes go through the connection (refused there when it is read-only) and start a
// round when they succeed.
class ClusterModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        NameColumn,
        IdColumn,
        RoleColumn,
        HealthColumn,
        VersionColumn,
        DbSizeColumn,
        DbInUseColumn,
        RaftTermColumn,
        RaftIndexColumn,
        AppliedIndexColumn,
        LagColumn,
        AlarmsColumn,
        PeerUrlsColumn,
        ClientUrlsColumn,
        ColumnCount
    };

    enum Role {
        MemberIdRole = Qt::UserRole + 1, // quint64
        ReachRole,                       // int: ClusterMember::Reach
        IsLeaderRole,                    // bool
        HasAlarmRole,                    // bool: NOSPACE or CORRUPT raised on the member
    };

    // One point of a member's trend lines.
    struct Sample
    {
        qint64 msecsSinceEpoch = 0;
        qint64 lag = 0;
        qint64 dbSize = 0;
    };

    static constexpr int DefaultIntervalMs = 5000;
    static constexpr int DefaultProbeTimeoutMs = 3000;
    static constexpr int MaxSamplesPerMember = 17280; // a day at the default interval

    explicit ClusterModel(QObject *parent = nullptr);
    ~ClusterModel() override;

    // The connection whose cluster is shown, after its discovery succeeded (null: none). Forgets
    // the rows, the history and the members' own connections; refreshes at once when active.
    void setClient(EtcdClient *client);
    EtcdClient *client() const { return m_client; }

    // Time between the starts of two rounds (at least 500 ms).
    void setInterval(int ms);
    int interval() const { return m_intervalMs; }
    // How long each member has to answer in a round.
    void setProbeTimeout(int ms);
    int probeTimeout() const { return m_probeTimeoutMs; }
    // Rounds run on the timer only while active (the panel is on screen).
    void setActive(bool active);
    bool isActive() const { return m_active; }
    // Starts a round now unless one is running. Returns whether one started.
    bool refresh();
    bool isRefreshing() const { return m_round != nullptr; }
    int roundsCompleted() const { return m_roundsCompleted; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    const ClusterMember &member(int row) const { return m_members.at(std::size_t(row)); }
    int rowOf(quint64 id) const;
    const ClusterMember *memberById(quint64 id) const;
    // The leader as the members with the highest raft term report it (0: none known).
    quint64 leaderId() const { return m_leaderId; }
    quint64 clusterId() const { return m_clusterId; }
    // Why the member list could not be read in the last round (the rows kept are the last known).
    EtcdError listError() const { return m_listError; }
    QList<EtcdV3Alarm> alarms() const { return m_alarms; }
    std::optional<EtcdV2StoreStats> storeStats() const { return m_storeStats; }
    std::optional<EtcdV2LeaderStats> leaderStats() const { return m_leaderStats; }
    bool servesV2() const;
    bool servesV3() const;
    QDateTime lastRefresh() const { return m_lastRefresh; }

    // Trend samples of a member, oldest first, one per round it answered in.
    const std::deque<Sample> &history(quint64 memberId) const;
    QList<quint64> historyMembers() const;

    // A short text for a member: "m2 (8e9e05c52164694d)", or the ID alone before it started.
    static QString memberLabel(const ClusterMember &member);
    static QString hexId(quint64 id) { return QString::number(id, 16); }
    static QString alarmName(EtcdV3AlarmType alarm);

    // --- membership (through the connection; a success starts a round) ---------------------
    // `done` gets the error (none on success) and, for an add, the new member's ID.
    using Done = std::function<void(const EtcdError &error, quint64 newMemberId)>;
    // Learners need the v3 API; v2-only clusters add voters.
    void addMember(const QStringList &peerUrls, bool asLearner, QObject *context, Done done);
    void removeMember(quint64 id, QObject *context, Done done);
    void updateMember(quint64 id, const QStringList &peerUrls, QObject *context, Done done);
    void promoteMember(quint64 id, QObject *context, Done done);
    bool canManageLearners() const { return servesV3(); }

Q_SIGNALS:
    void refreshStarted();
    // A round ended: every member answered or timed out.
    void refreshed();
    // A member's row changed outside a round's end (its own answers arrived).
    void memberUpdated(quint64 id);
    void historyAppended();
    void listErrorChanged(const EtcdError &error);

private:
    struct Round;
    struct Probe;

    void onTick();
    void startRound();
    void applyMemberList(const QList<EtcdV3Member> &members, quint64 clusterId);
    void probeMember(quint64 id);
    // The member's own connection; null (and why) when its URLs cannot be used.
    EtcdClient *memberClient(const ClusterMember &member, EtcdError *error);
    QStringList probeUrls(const ClusterMember &member) const;
    void dropMemberClient(quint64 id);
    bool isMember(EtcdClient *client, quint64 id, quint64 answeredAs);
    EtcdError otherMember(EtcdClient *client, quint64 answeredAs);
    void setMemberAnswer(quint64 id, const std::function<void(ClusterMember &)> &change);
    void stepDone();
    void finishRound();
    void computeLeaderAndLags();
    void appendHistory();
    // `done`, after asking for a round when the change succeeded.
    Done refreshingAfter(Done done);
    void emitRowChanged(int row);
    void emitAllChanged();

    QPointer<EtcdClient> m_client;
    std::vector<ClusterMember> m_members;
    // Each member's own connection, kept across rounds, with the URLs it was made for.
    QHash<quint64, EtcdClient *> m_memberClients;
    QHash<quint64, QStringList> m_memberClientUrls;
    // Which member answered at each of the connection's endpoints (the header of the member
    // list). A member is asked there first: the URLs members advertise may not be reachable
    // from this machine (a tunnel, NAT, container names) while the user's endpoints are.
    QHash<QString, quint64> m_endpointMember;
    bool m_recreateClients = false;
    QHash<quint64, std::deque<Sample>> m_history;
    std::unique_ptr<Round> m_round;
    std::unique_ptr<Round> m_finishedRound;
    QTimer m_timer;
    int m_intervalMs = DefaultIntervalMs;
    int m_probeTimeoutMs = DefaultProbeTimeoutMs;
    bool m_active = false;
    bool m_refreshAgain = false;
    int m_roundsCompleted = 0;
    quint64 m_leaderId = 0;
    quint64 m_clusterId = 0;
    EtcdError m_listError;
    QList<EtcdV3Alarm> m_alarms;
    std::optional<EtcdV2StoreStats> m_storeStats;
    std::optional<EtcdV2LeaderStats> m_leaderStats;
    QDateTime m_lastRefresh;
};
