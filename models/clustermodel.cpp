#include "clustermodel.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <QLocale>
#include <QSet>

#include <algorithm>

ClusterModel::ClusterModel(ClusterMonitor *monitor, QObject *parent)
    : QAbstractTableModel(parent)
{
    connect(monitor, &ClusterMonitor::clientChanged, this, &ClusterModel::clear);
    connect(monitor, &ClusterMonitor::roundStarted, this, &ClusterModel::refreshStarted);
    connect(monitor, &ClusterMonitor::membersListed, this, &ClusterModel::applyMemberList);
    connect(monitor, &ClusterMonitor::listErrorChanged, this, [this](const EtcdError &error) {
        m_listError = error;
        Q_EMIT listErrorChanged(error);
    });
    connect(monitor, &ClusterMonitor::memberAnswered, this, &ClusterModel::applyAnswer);
    connect(monitor, &ClusterMonitor::roundFinished, this, &ClusterModel::applyRound);
}

ClusterModel::~ClusterModel() = default;

void ClusterModel::clear()
{
    beginResetModel();
    m_members.clear();
    m_history.clear();
    m_roundsCompleted = 0;
    m_leaderId = 0;
    m_clusterId = 0;
    m_listError = {};
    m_alarms.clear();
    m_storeStats.reset();
    m_leaderStats.reset();
    m_lastRefresh = {};
    endResetModel();
    Q_EMIT historyAppended();
}

void ClusterModel::applyMemberList(const QList<EtcdV3Member> &members, quint64 clusterId)
{
    if (clusterId != 0)
        m_clusterId = clusterId;
    QSet<quint64> listed;
    for (const EtcdV3Member &m : members)
        listed.insert(m.id);

    // Removed members go first, one range at a time from the bottom.
    for (int row = int(m_members.size()) - 1; row >= 0; --row) {
        if (listed.contains(m_members[std::size_t(row)].id))
            continue;
        int first = row;
        while (first > 0 && !listed.contains(m_members[std::size_t(first - 1)].id))
            --first;
        beginRemoveRows({}, first, row);
        for (int r = first; r <= row; ++r)
            m_history.remove(m_members[std::size_t(r)].id);
        m_members.erase(m_members.begin() + first, m_members.begin() + row + 1);
        endRemoveRows();
        row = first;
    }

    // Members in the order etcd lists them; new ones are appended.
    for (const EtcdV3Member &m : members) {
        const int row = rowOf(m.id);
        if (row < 0) {
            ClusterMember added;
            added.id = m.id;
            added.name = m.name;
            added.peerUrls = m.peerUrls;
            added.clientUrls = m.clientUrls;
            added.isLearner = m.isLearner;
            added.reach = added.notStarted() ? ClusterMember::Reach::NotStarted
                                             : ClusterMember::Reach::Unknown;
            const int at = int(m_members.size());
            beginInsertRows({}, at, at);
            m_members.push_back(std::move(added));
            endInsertRows();
            continue;
        }
        ClusterMember &known = m_members[std::size_t(row)];
        if (known.name == m.name && known.peerUrls == m.peerUrls &&
            known.clientUrls == m.clientUrls && known.isLearner == m.isLearner)
            continue;
        known.name = m.name;
        known.peerUrls = m.peerUrls;
        known.clientUrls = m.clientUrls;
        known.isLearner = m.isLearner;
        if (known.notStarted())
            known.reach = ClusterMember::Reach::NotStarted;
        else if (known.reach == ClusterMember::Reach::NotStarted)
            known.reach = ClusterMember::Reach::Unknown;
        emitRowChanged(row);
    }
}

void ClusterModel::applyAnswer(quint64 id, const ClusterMemberAnswer &answer)
{
    const int row = rowOf(id);
    if (row < 0)
        return;
    ClusterMember &m = m_members[std::size_t(row)];
    switch (answer.reach) {
    case ClusterMemberAnswer::Reach::Reachable:
        m.reach = ClusterMember::Reach::Reachable;
        m.error = {};
        break;
    case ClusterMemberAnswer::Reach::Unreachable:
        m.reach = ClusterMember::Reach::Unreachable;
        m.error = answer.error;
        m.lag.reset(); // a lag compares answers of one round
        break;
    case ClusterMemberAnswer::Reach::Unchanged:
        break;
    }
    if (!answer.answeredAt.isEmpty()) {
        m.lastAnswer = QDateTime::currentDateTime();
        m.answeredAt = answer.answeredAt;
    }
    if (answer.health)
        m.health = answer.health;
    if (answer.status)
        m.status = answer.status;
    if (answer.version)
        m.version = *answer.version;
    if (answer.selfStats)
        m.selfStats = answer.selfStats;
    emitRowChanged(row);
    Q_EMIT memberUpdated(id);
}

void ClusterModel::applyRound(const ClusterRound &round)
{
    if (round.alarms)
        m_alarms = *round.alarms;
    if (round.storeStats)
        m_storeStats = round.storeStats;
    m_leaderStats = round.leaderStats;
    m_lastRefresh = round.finishedAt;
    m_leaderId = round.leaderId;
    const quint64 leader = round.leaderId;
    const auto leaderStatus = round.statuses.constFind(leader);

    for (ClusterMember &m : m_members) {
        m.isLeader = m.id == leader && leader != 0;
        m.alarms.clear();
        for (const EtcdV3Alarm &a : std::as_const(m_alarms)) {
            if (a.memberId == m.id)
                m.alarms << a.alarm;
        }
        m.followerStats.reset();
        if (m_leaderStats) {
            for (const EtcdV2FollowerStats &f : m_leaderStats->followers) {
                if (f.id == m.id)
                    m.followerStats = f;
            }
        }
        const auto own = round.statuses.constFind(m.id);
        if (own != round.statuses.cend() && leaderStatus != round.statuses.cend()) {
            m.lag = std::max<qint64>(0, qint64(leaderStatus->raftIndex) - qint64(own->raftIndex));
        } else {
            m.lag.reset();
        }
    }
    appendSamples(round);

    ++m_roundsCompleted;
    emitAllChanged();
    Q_EMIT historyAppended();
    Q_EMIT refreshed();
}

void ClusterModel::appendSamples(const ClusterRound &round)
{
    const qint64 now = round.finishedAt.toMSecsSinceEpoch();
    for (const ClusterMember &m : m_members) {
        const auto own = round.statuses.constFind(m.id);
        if (own == round.statuses.cend())
            continue;
        std::deque<Sample> &samples = m_history[m.id];
        samples.push_back(Sample{now, m.lag.value_or(0), own->dbSize});
        while (samples.size() > std::size_t(MaxSamplesPerMember))
            samples.pop_front();
    }
}

int ClusterModel::rowOf(quint64 id) const
{
    for (std::size_t i = 0; i < m_members.size(); ++i) {
        if (m_members[i].id == id)
            return int(i);
    }
    return -1;
}

const ClusterMember *ClusterModel::memberById(quint64 id) const
{
    const int row = rowOf(id);
    return row < 0 ? nullptr : &m_members[std::size_t(row)];
}

const std::deque<ClusterModel::Sample> &ClusterModel::history(quint64 memberId) const
{
    static const std::deque<Sample> none;
    const auto it = m_history.constFind(memberId);
    return it == m_history.cend() ? none : *it;
}

QList<quint64> ClusterModel::historyMembers() const
{
    QList<quint64> ids;
    for (const ClusterMember &m : m_members) {
        if (m_history.contains(m.id))
            ids << m.id;
    }
    return ids;
}

QString ClusterModel::memberLabel(const ClusterMember &member)
{
    if (member.name.isEmpty())
        return hexId(member.id);
    return QStringLiteral("%1 (%2)").arg(member.name, hexId(member.id));
}

QString ClusterModel::alarmName(EtcdV3AlarmType alarm)
{
    switch (alarm) {
    case EtcdV3AlarmType::NoSpace:
        return QStringLiteral("NOSPACE");
    case EtcdV3AlarmType::Corrupt:
        return QStringLiteral("CORRUPT");
    case EtcdV3AlarmType::None:
        break;
    }
    return QStringLiteral("NONE");
}

int ClusterModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_members.size());
}

int ClusterModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

namespace {

QString sizeText(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

QString roleText(const ClusterMember &m)
{
    if (m.notStarted())
        return m.isLearner ? ClusterModel::tr("Not started (learner)")
                           : ClusterModel::tr("Not started");
    if (m.isLearner)
        return ClusterModel::tr("Learner");
    if (m.reach == ClusterMember::Reach::Unreachable)
        return ClusterModel::tr("Voter");
    if (m.isLeader)
        return ClusterModel::tr("Leader");
    return ClusterModel::tr("Follower");
}

QString healthText(const ClusterMember &m)
{
    switch (m.reach) {
    case ClusterMember::Reach::NotStarted:
        return ClusterModel::tr("Not started");
    case ClusterMember::Reach::Unknown:
        return ClusterModel::tr("Asking…");
    case ClusterMember::Reach::Unreachable:
        return ClusterModel::tr("Unreachable: %1").arg(m.error.message());
    case ClusterMember::Reach::Reachable:
        break;
    }
    if (!m.health)
        return ClusterModel::tr("Reachable");
    if (m.health->healthy)
        return ClusterModel::tr("Healthy");
    return m.health->reason.isEmpty() ? ClusterModel::tr("Unhealthy")
                                      : ClusterModel::tr("Unhealthy: %1").arg(m.health->reason);
}

} // namespace

QVariant ClusterModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount)
        return {};
    const ClusterMember &m = m_members[std::size_t(index.row())];
    const bool stale = m.reach == ClusterMember::Reach::Unreachable;

    switch (role) {
    case MemberIdRole:
        return QVariant::fromValue(m.id);
    case ReachRole:
        return int(m.reach);
    case IsLeaderRole:
        return m.isLeader;
    case HasAlarmRole:
        return !m.alarms.isEmpty();
    case Qt::TextAlignmentRole:
        switch (index.column()) {
        case DbSizeColumn:
        case DbInUseColumn:
        case RaftTermColumn:
        case RaftIndexColumn:
        case AppliedIndexColumn:
        case LagColumn:
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return {};
        }
    case Qt::FontRole:
        if ((index.column() == NameColumn || index.column() == RoleColumn) && m.isLeader) {
            QFont f;
            f.setBold(true);
            return f;
        }
        if (index.column() == AlarmsColumn && !m.alarms.isEmpty()) {
            QFont f;
            f.setBold(true);
            return f;
        }
        return {};
    case Qt::ForegroundRole:
        if (index.column() == HealthColumn) {
            if (m.reach == ClusterMember::Reach::Unreachable || (m.health && !m.health->healthy))
                return QBrush(QColor(0xb0, 0x00, 0x20));
            if (m.health && m.health->healthy)
                return QBrush(QColor(0x1b, 0x7a, 0x2e));
            return {};
        }
        if (index.column() == AlarmsColumn && !m.alarms.isEmpty())
            return QBrush(Qt::white);
        // Values of an unreachable member are its last known ones.
        if (stale && index.column() >= VersionColumn && index.column() <= LagColumn)
            return QBrush(QColor(0x88, 0x88, 0x88));
        if (m.notStarted())
            return QBrush(QColor(0x88, 0x88, 0x88));
        return {};
    case Qt::BackgroundRole:
        if (index.column() == AlarmsColumn && !m.alarms.isEmpty())
            return QBrush(QColor(0xc6, 0x28, 0x28));
        return {};
    case Qt::ToolTipRole:
        if (index.column() == HealthColumn && m.reach == ClusterMember::Reach::Unreachable)
            return m.error.toString();
        if (stale && index.column() >= VersionColumn && index.column() <= LagColumn &&
            m.lastAnswer.isValid())
            return tr("Last answered at %1").arg(QLocale().toString(m.lastAnswer.time()));
        if (index.column() == LagColumn)
            return tr("How many raft entries this member is behind the leader, both asked in "
                      "the same refresh");
        if (index.column() == AlarmsColumn && !m.alarms.isEmpty())
            return tr("An alarm is raised on this member. NOSPACE: the cluster accepts only "
                      "reads and deletes until space is freed (compact, defragment) and the "
                      "alarm is disarmed. CORRUPT: the member's data differs from the others'.");
        return data(index, Qt::DisplayRole);
    case Qt::DisplayRole:
        break;
    default:
        return {};
    }

    switch (Column(index.column())) {
    case NameColumn:
        return m.name.isEmpty() ? tr("(unnamed)") : m.name;
    case IdColumn:
        return hexId(m.id);
    case RoleColumn:
        return roleText(m);
    case HealthColumn:
        return healthText(m);
    case VersionColumn:
        return m.version;
    case DbSizeColumn:
        return m.status ? sizeText(m.status->dbSize) : QString();
    case DbInUseColumn:
        return m.status ? sizeText(m.status->dbSizeInUse) : QString();
    case RaftTermColumn:
        return m.status ? QString::number(m.status->raftTerm) : QString();
    case RaftIndexColumn:
        return m.status ? QString::number(m.status->raftIndex) : QString();
    case AppliedIndexColumn:
        return m.status ? QString::number(m.status->raftAppliedIndex) : QString();
    case LagColumn:
        return m.lag ? QString::number(*m.lag) : QString();
    case AlarmsColumn: {
        QStringList names;
        for (EtcdV3AlarmType a : m.alarms)
            names << alarmName(a);
        return names.join(QStringLiteral(", "));
    }
    case PeerUrlsColumn:
        return m.peerUrls.join(QStringLiteral(", "));
    case ClientUrlsColumn:
        return m.clientUrls.join(QStringLiteral(", "));
    case ColumnCount:
        break;
    }
    return {};
}

QVariant ClusterModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case NameColumn:
        return tr("Name");
    case IdColumn:
        return tr("ID");
    case RoleColumn:
        return tr("Role");
    case HealthColumn:
        return tr("Health");
    case VersionColumn:
        return tr("Version");
    case DbSizeColumn:
        return tr("DB size");
    case DbInUseColumn:
        return tr("In use");
    case RaftTermColumn:
        return tr("Term");
    case RaftIndexColumn:
        return tr("Raft index");
    case AppliedIndexColumn:
        return tr("Applied");
    case LagColumn:
        return tr("Lag");
    case AlarmsColumn:
        return tr("Alarms");
    case PeerUrlsColumn:
        return tr("Peer URLs");
    case ClientUrlsColumn:
        return tr("Client URLs");
    case ColumnCount:
        break;
    }
    return {};
}

void ClusterModel::emitRowChanged(int row)
{
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void ClusterModel::emitAllChanged()
{
    if (!m_members.empty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}
