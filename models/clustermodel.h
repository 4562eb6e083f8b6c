#pragma once

#include "clustermonitor.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>

#include <deque>
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
    std::optional<ClusterMemberHealth> health;
    std::optional<EtcdV3Status> status;       // v3 Maintenance/Status
    QString version;                          // status.version, or /version where v3 is not served
    std::optional<EtcdV2SelfStats> selfStats; // /v2/stats/self (clusters serving v2)
    std::optional<EtcdV2FollowerStats>
        followerStats;             // this member in the leader's /v2/stats/leader
    QList<EtcdV3AlarmType> alarms; // raised on this member
    std::optional<qint64> lag;     // the leader's raft index minus this member's, same refresh
    bool isLeader = false;

    bool notStarted() const { return name.isEmpty() && clientUrls.isEmpty(); }
};

// The members of the cluster behind a connection, their health and statistics: a table model,
// one row per member, fed by a ClusterMonitor (which owns every request). A member's row changes
// as soon as the monitor reports its answers; when a round ends, the leader is marked, raft index
// lags are computed against the leader's answer of the same round, the trend history gets a
// sample, and refreshed() is emitted.
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

    // A day of samples at the monitor's default interval.
    static constexpr int MaxSamplesPerMember = 17280;

    // Shows what `monitor` finds, from its next round (or change of connection) on.
    explicit ClusterModel(ClusterMonitor *monitor, QObject *parent = nullptr);
    ~ClusterModel() override;

    // Rounds whose results the rows show since the last change of connection.
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
    QDateTime lastRefresh() const { return m_lastRefresh; }

    // Trend samples of a member, oldest first, one per round it answered in.
    const std::deque<Sample> &history(quint64 memberId) const;
    QList<quint64> historyMembers() const;

    // A short text for a member: "m2 (8e9e05c52164694d)", or the ID alone before it started.
    static QString memberLabel(const ClusterMember &member);
    static QString hexId(quint64 id) { return QString::number(id, 16); }
    static QString alarmName(EtcdV3AlarmType alarm);

Q_SIGNALS:
    void refreshStarted();
    // A round ended: every member answered or timed out.
    void refreshed();
    // A member's row changed outside a round's end (its own answers arrived).
    void memberUpdated(quint64 id);
    void historyAppended();
    void listErrorChanged(const EtcdError &error);

private:
    void clear();
    void applyMemberList(const QList<EtcdV3Member> &members, quint64 clusterId);
    void applyAnswer(quint64 id, const ClusterMemberAnswer &answer);
    void applyRound(const ClusterRound &round);
    void appendSamples(const ClusterRound &round);
    void emitRowChanged(int row);
    void emitAllChanged();

    std::vector<ClusterMember> m_members;
    QHash<quint64, std::deque<Sample>> m_history;
    int m_roundsCompleted = 0;
    quint64 m_leaderId = 0;
    quint64 m_clusterId = 0;
    EtcdError m_listError;
    QList<EtcdV3Alarm> m_alarms;
    std::optional<EtcdV2StoreStats> m_storeStats;
    std::optional<EtcdV2LeaderStats> m_leaderStats;
    QDateTime m_lastRefresh;
};
