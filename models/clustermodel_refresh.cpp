// ClusterModel's rounds: the member list through the connection, each member asked at its own
// client URLs, the end of a round (leader, lags, history), and membership changes.
#include "clustermodel.h"
#include "clustermodel_p.h"

#include "etcdtransport.h"
#include "etcdv2client.h"
#include "etcdv3client.h"

#include <QSet>

#include <algorithm>


namespace {

// The server behind the URL answered, even if with a refusal: it is up.
bool serverAnswered(const EtcdError &error)
{
    if (!error.isError())
        return true;
    switch (error.kind()) {
    case EtcdError::Kind::Etcd:
    case EtcdError::Kind::Http:
    case EtcdError::Kind::ReadOnly:
        return true;
    default:
        return false;
    }
}

} // namespace

void ClusterModel::onTick()
{
    if (m_active && !m_round)
        refresh();
}

bool ClusterModel::refresh()
{
    if (!m_client)
        return false;
    if (m_round) {
        // After a membership change: the running round may have listed the members before it.
        m_refreshAgain = true;
        return false;
    }
    startRound();
    return true;
}

void ClusterModel::startRound()
{
    m_finishedRound.reset();
    if (m_recreateClients) {
        m_recreateClients = false;
        for (EtcdClient *c : std::as_const(m_memberClients))
            c->deleteLater();
        m_memberClients.clear();
        m_memberClientUrls.clear();
    }
    m_round = std::make_unique<Round>();
    Round *round = m_round.get();
    Q_EMIT refreshStarted();

    // One step for the list; the members' own steps are added when it answers.
    ++round->pending;
    auto listed = [this](const QList<EtcdV3Member> &members, quint64 clusterId,
                                const EtcdError &error) {
        if (error) {
            m_listError = error;
            Q_EMIT listErrorChanged(error);
        } else {
            if (m_listError) {
                m_listError = {};
                Q_EMIT listErrorChanged(m_listError);
            }
            applyMemberList(members, clusterId);
        }
        // The members known so far are asked either way: the list may fail on a member that
        // lost its quorum while the others still answer.
        for (const ClusterMember &m : m_members)
            probeMember(m.id);
        stepDone();
    };
    if (servesV3()) {
        EtcdClient *client = m_client;
        m_client->v3()->memberList(
            &round->context, [this, listed, client](const EtcdResult<EtcdV3MemberListResult> &r) {
                // The endpoint that answered is current now; the header names its member.
                if (r.ok() && r.value.header.memberId != 0)
                    m_endpointMember.insert(client->transport()->currentEndpoint(),
                                            r.value.header.memberId);
                listed(r.value.members, r.value.header.clusterId, r.error);
            });
    } else {
        m_client->v2()->listMembers(
            &round->context, [listed](const EtcdResult<std::vector<EtcdV2Member>> &r) {
                QList<EtcdV3Member> members;
                for (const EtcdV2Member &v2 : r.value) {
                    EtcdV3Member m;
                    m.id = v2.id;
                    m.name = v2.name;
                    m.peerUrls = v2.peerURLs;
                    m.clientUrls = v2.clientURLs;
                    members << m;
                }
                listed(members, 0, r.error);
            });
    }

    if (servesV3()) {
        ++round->pending;
        m_client->v3()->alarm(EtcdV3AlarmAction::Get, 0, EtcdV3AlarmType::None, &round->context,
                              [this, round](const EtcdResult<EtcdV3AlarmResult> &r) {
                                  if (r.ok()) {
                                      round->alarmsRead = true;
                                      round->alarms = r.value.alarms;
                                  }
                                  stepDone();
                              });
    }
    if (servesV2()) {
        ++round->pending;
        m_client->v2()->storeStats(&round->context,
                                   [this](const EtcdResult<EtcdV2StoreStats> &r) {
                                       if (r.ok())
                                           m_storeStats = r.value;
                                       stepDone();
                                   });
    }
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
        for (int r = first; r <= row; ++r) {
            const quint64 id = m_members[std::size_t(r)].id;
            dropMemberClient(id);
            m_history.remove(id);
        }
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

bool ClusterModel::isMember(EtcdClient *client, quint64 id, quint64 answeredAs)
{
    if (answeredAs == 0 || answeredAs == id)
        return true;
    // A URL that answers as another member (a load balancer, a stale mapping): not asked for
    // this member again.
    const QString url = client->transport()->currentEndpoint();
    if (m_endpointMember.value(url) == id)
        m_endpointMember.remove(url);
    m_recreateClients = true;
    return false;
}

EtcdError ClusterModel::otherMember(EtcdClient *client, quint64 answeredAs)
{
    return EtcdError::protocol(
        tr("%1 answered as member %2, not as this one").arg(client->transport()->currentEndpoint(),
                                                            hexId(answeredAs)),
        client->transport()->currentEndpoint());
}

void ClusterModel::dropMemberClient(quint64 id)
{
    // Only between rounds or before a member is asked in one: its calls die with it.
    if (EtcdClient *c = m_memberClients.take(id))
        c->deleteLater();
    m_memberClientUrls.remove(id);
}

QStringList ClusterModel::probeUrls(const ClusterMember &member) const
{
    QStringList urls;
    for (auto it = m_endpointMember.cbegin(); it != m_endpointMember.cend(); ++it) {
        if (it.value() == member.id)
            urls << it.key();
    }
    urls.sort();
    for (const QString &url : member.clientUrls) {
        const QString normalized = EtcdTransport::normalizeEndpoint(url);
        if (!urls.contains(normalized))
            urls << normalized;
    }
    return urls;
}

EtcdClient *ClusterModel::memberClient(const ClusterMember &member, EtcdError *error)
{
    const QStringList urls = probeUrls(member);
    if (EtcdClient *c = m_memberClients.value(member.id)) {
        if (m_memberClientUrls.value(member.id) == urls)
            return c;
        dropMemberClient(member.id);
    }
    EtcdClient::Options options = m_client->options();
    options.endpoints = urls;
    options.timeoutMs = m_probeTimeoutMs;
    options.readOnly = true; // the panel only reads through a member's own connection
    auto *c = new EtcdClient(this);
    if (const EtcdError refused = c->configure(options)) {
        delete c;
        *error = refused;
        return nullptr;
    }
    const EtcdClient::ClusterInfo info = m_client->clusterInfo();
    if (info.v3Available)
        c->v3()->setApiPrefix(info.v3Prefix);
    // The connection's token serves every member; each renews its own when refused.
    c->transport()->setToken(m_client->transport()->token());
    m_memberClients.insert(member.id, c);
    m_memberClientUrls.insert(member.id, urls);
    return c;
}

void ClusterModel::probeMember(quint64 id)
{
    Round *round = m_round.get();
    const ClusterMember *member = memberById(id);
    if (!round || !member || member->notStarted() || round->memberPending.contains(id))
        return;
    EtcdError error;
    EtcdClient *client = memberClient(*member, &error);
    if (!client) {
        setMemberAnswer(id, [error](ClusterMember &m) {
            m.reach = ClusterMember::Reach::Unreachable;
            m.error = error;
        });
        return;
    }

    // One step of this member: records whether the server answered, and when the member's
    // last step is done, whether it is reachable.
    auto step = [this, round, id](const EtcdError &error) {
        if (serverAnswered(error))
            round->memberAnswered[id] = true;
        else if (!round->memberError.contains(id))
            round->memberError.insert(id, error);
        if (--round->memberPending[id] == 0) {
            const bool answered = round->memberAnswered.value(id);
            const EtcdError why = round->memberError.value(id);
            setMemberAnswer(id, [answered, why](ClusterMember &m) {
                if (answered) {
                    m.reach = ClusterMember::Reach::Reachable;
                    m.error = {};
                } else {
                    m.reach = ClusterMember::Reach::Unreachable;
                    m.error = why;
                    m.lag.reset();
                }
            });
        }
        stepDone();
    };
    auto begin = [round, id](int steps) {
        round->pending += steps;
        round->memberPending[id] += steps;
    };
    // Every answer shows at once (a member's row does not wait for the others).
    auto answered = [this, id, client] {
        const QString at = client->transport()->currentEndpoint();
        setMemberAnswer(id, [at](ClusterMember &m) {
            m.reach = ClusterMember::Reach::Reachable;
            m.error = {};
            m.lastAnswer = QDateTime::currentDateTime();
            m.answeredAt = at;
        });
    };

    begin(1);
    client->health(&round->context,
                   [this, id, step](const EtcdResult<EtcdClient::HealthInfo> &r) {
                       if (r.ok())
                           setMemberAnswer(id, [&r](ClusterMember &m) { m.health = r.value; });
                       step(r.error);
                   });

    if (servesV3()) {
        begin(1);
        client->v3()->status(&round->context, [this, round, id, step, answered,
                                               client](const EtcdResult<EtcdV3Status> &r) {
            if (r.ok() && !isMember(client, id, r.value.header.memberId)) {
                step(otherMember(client, r.value.header.memberId));
                return;
            }
            if (r.ok()) {
                round->statuses.insert(id, r.value);
                answered();
                setMemberAnswer(id, [&r](ClusterMember &m) {
                    m.status = r.value;
                    m.version = r.value.version;
                });
            }
            step(r.error);
        });
    } else {
        begin(1);
        client->version(&round->context, [this, id, step,
                                          answered](const EtcdResult<EtcdClient::VersionInfo> &r) {
            if (r.ok()) {
                answered();
                setMemberAnswer(id, [&r](ClusterMember &m) { m.version = r.value.serverVersion; });
            }
            step(r.error);
        });
    }

    if (servesV2()) {
        begin(1);
        client->v2()->selfStats(&round->context, [this, round, id, step, begin, answered,
                                                  client](const EtcdResult<EtcdV2SelfStats> &r) {
            if (r.ok() && !isMember(client, id, r.value.id)) {
                step(otherMember(client, r.value.id));
                return;
            }
            if (r.ok()) {
                round->selfStats.insert(id, r.value);
                answered();
                setMemberAnswer(id, [&r](ClusterMember &m) { m.selfStats = r.value; });
                // Only the leader has leader statistics (a follower answers 403).
                if (r.value.state == QLatin1String("StateLeader") && !round->leaderStatsAsked) {
                    round->leaderStatsAsked = true;
                    begin(1);
                    client->v2()->leaderStats(
                        &round->context,
                        [round, step](const EtcdResult<EtcdV2LeaderStats> &leader) {
                            if (leader.ok())
                                round->leaderStats = leader.value;
                            // A leader that lost its place in between says "not current
                            // leader": no statistics this round, not a failure.
                            step(leader.error.is(EtcdError::Condition::NotLeader)
                                     ? EtcdError()
                                     : leader.error);
                        });
                }
            }
            step(r.error);
        });
    }
}

void ClusterModel::setMemberAnswer(quint64 id, const std::function<void(ClusterMember &)> &change)
{
    const int row = rowOf(id);
    if (row < 0)
        return;
    change(m_members[std::size_t(row)]);
    emitRowChanged(row);
    Q_EMIT memberUpdated(id);
}

void ClusterModel::stepDone()
{
    if (!m_round || --m_round->pending > 0)
        return;
    finishRound();
}

void ClusterModel::finishRound()
{
    // Kept until the next round starts: this runs inside a handler of one of its calls, whose
    // context it owns.
    m_finishedRound = std::move(m_round);
    Round *round = m_finishedRound.get();
    if (round->alarmsRead)
        m_alarms = round->alarms;
    m_leaderStats = round->leaderStats;
    m_lastRefresh = QDateTime::currentDateTime();

    // Leader: what the member with the highest term says.
    quint64 term = 0;
    quint64 leader = 0;
    for (auto it = round->statuses.cbegin(); it != round->statuses.cend(); ++it) {
        if (it->raftTerm >= term && it->leader != 0) {
            term = it->raftTerm;
            leader = it->leader;
        }
    }
    if (leader == 0) {
        for (const EtcdV2SelfStats &s : std::as_const(round->selfStats)) {
            if (s.leaderId != 0)
                leader = s.leaderId;
        }
    }
    m_leaderId = leader;
    const auto leaderStatus = round->statuses.constFind(leader);

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
        const auto own = round->statuses.constFind(m.id);
        if (own != round->statuses.cend() && leaderStatus != round->statuses.cend()) {
            m.lag = std::max<qint64>(
                0, qint64(leaderStatus->raftIndex) - qint64(own->raftIndex));
        } else {
            m.lag.reset();
        }
    }

    const qint64 now = m_lastRefresh.toMSecsSinceEpoch();
    for (const ClusterMember &m : m_members) {
        const auto own = round->statuses.constFind(m.id);
        if (own == round->statuses.cend())
            continue;
        std::deque<Sample> &samples = m_history[m.id];
        samples.push_back(Sample{now, m.lag.value_or(0), own->dbSize});
        while (samples.size() > std::size_t(MaxSamplesPerMember))
            samples.pop_front();
    }

    ++m_roundsCompleted;
    emitAllChanged();
    Q_EMIT historyAppended();
    Q_EMIT refreshed();
    if (m_refreshAgain && m_client) {
        m_refreshAgain = false;
        QTimer::singleShot(0, this, [this] { refresh(); });
    }
}

// ---- membership -------------------------------------------------------------------------------

namespace {

EtcdError noConnection()
{
    return EtcdError::notConnected();
}

EtcdError learnersNeedV3()
{
    return EtcdError::v3Required(QStringLiteral("a learner"));
}

} // namespace

ClusterModel::Done ClusterModel::refreshingAfter(Done done)
{
    return [this, done = std::move(done)](const EtcdError &error, quint64 id) {
        if (!error)
            refresh();
        done(error, id);
    };
}

void ClusterModel::addMember(const QStringList &peerUrls, bool asLearner, QObject *context,
                             Done done)
{
    if (!m_client)
        return done(noConnection(), 0);
    if (asLearner && !servesV3())
        return done(learnersNeedV3(), 0);
    const Done finish = refreshingAfter(std::move(done));
    if (servesV3()) {
        m_client->v3()->memberAdd(peerUrls, asLearner, context,
                                  [finish](const EtcdResult<EtcdV3MemberAddResult> &r) {
                                      finish(r.error, r.value.member.id);
                                  });
    } else {
        m_client->v2()->addMember(peerUrls, context, [finish](const EtcdResult<EtcdV2Member> &r) {
            finish(r.error, r.value.id);
        });
    }
}

void ClusterModel::removeMember(quint64 id, QObject *context, Done done)
{
    if (!m_client)
        return done(noConnection(), 0);
    const Done finish = refreshingAfter(std::move(done));
    if (servesV3()) {
        m_client->v3()->memberRemove(
            id, context,
            [finish](const EtcdResult<EtcdV3MemberListResult> &r) { finish(r.error, 0); });
    } else {
        m_client->v2()->removeMember(
            id, context, [finish](const EtcdResult<EtcdNothing> &r) { finish(r.error, 0); });
    }
}

void ClusterModel::updateMember(quint64 id, const QStringList &peerUrls, QObject *context,
                                Done done)
{
    if (!m_client)
        return done(noConnection(), 0);
    const Done finish = refreshingAfter(std::move(done));
    if (servesV3()) {
        m_client->v3()->memberUpdate(
            id, peerUrls, context,
            [finish](const EtcdResult<EtcdV3MemberListResult> &r) { finish(r.error, 0); });
    } else {
        m_client->v2()->updateMember(
            id, peerUrls, context,
            [finish](const EtcdResult<EtcdNothing> &r) { finish(r.error, 0); });
    }
}

void ClusterModel::promoteMember(quint64 id, QObject *context, Done done)
{
    if (!m_client)
        return done(noConnection(), 0);
    if (!servesV3())
        return done(learnersNeedV3(), 0);
    const Done finish = refreshingAfter(std::move(done));
    m_client->v3()->memberPromote(
        id, context,
        [finish](const EtcdResult<EtcdV3MemberListResult> &r) { finish(r.error, 0); });
}
