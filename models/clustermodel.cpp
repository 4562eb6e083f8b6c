#include "clustermodel.h"
#include "clustermodel_p.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <QLocale>

#include <algorithm>


ClusterModel::ClusterModel(QObject *parent)
    : QAbstractTableModel(parent)
{
    m_timer.setInterval(m_intervalMs);
    connect(&m_timer, &QTimer::timeout, this, &ClusterModel::onTick);
}

ClusterModel::~ClusterModel() = default;

void ClusterModel::setClient(EtcdClient *client)
{
    m_round.reset(); // cancels the calls of a running round
    m_finishedRound.reset();
    m_refreshAgain = false;
    beginResetModel();
    m_client = client;
    m_members.clear();
    for (EtcdClient *c : std::as_const(m_memberClients))
        c->deleteLater();
    m_memberClients.clear();
    m_memberClientUrls.clear();
    m_endpointMember.clear();
    m_recreateClients = false;
    m_history.clear();
    m_leaderId = 0;
    m_clusterId = 0;
    m_listError = {};
    m_alarms.clear();
    m_storeStats.reset();
    m_leaderStats.reset();
    m_lastRefresh = {};
    endResetModel();
    Q_EMIT historyAppended();
    if (m_active && m_client)
        refresh();
}

void ClusterModel::setInterval(int ms)
{
    m_intervalMs = std::max(500, ms);
    m_timer.setInterval(m_intervalMs);
}

void ClusterModel::setProbeTimeout(int ms)
{
    m_probeTimeoutMs = std::max(100, ms);
    // Their calls belong to them: replaced when no round runs.
    m_recreateClients = true;
}

void ClusterModel::setActive(bool active)
{
    if (m_active == active)
        return;
    m_active = active;
    if (active) {
        m_timer.start();
        refresh();
    } else {
        m_timer.stop();
    }
}

bool ClusterModel::servesV3() const
{
    return m_client && m_client->clusterInfo().v3Available;
}

bool ClusterModel::servesV2() const
{
    return m_client && m_client->clusterInfo().v2Available;
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
    return m.health->reason.isEmpty()
               ? ClusterModel::tr("Unhealthy")
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
            if (m.reach == ClusterMember::Reach::Unreachable ||
                (m.health && !m.health->healthy))
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
