#include "clustermonitor.h"

#include "etcdclient.h"
#include "etcdtransport.h"
#include "etcdv2client.h"
#include "etcdv3client.h"

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

// Added to the cluster, never started: no name, no client URL, nothing to ask.
bool notStarted(const EtcdV3Member &member)
{
    return member.name.isEmpty() && member.clientUrls.isEmpty();
}

ClusterMemberAnswer reachable(const QString &at)
{
    ClusterMemberAnswer answer;
    answer.reach = ClusterMemberAnswer::Reach::Reachable;
    answer.answeredAt = at;
    return answer;
}

ClusterMemberAnswer unreachable(const EtcdError &why)
{
    ClusterMemberAnswer answer;
    answer.reach = ClusterMemberAnswer::Reach::Unreachable;
    answer.error = why;
    return answer;
}

} // namespace

// What one round is waiting for. Its context object carries every call of the round: dropping
// the round (a new connection) cancels them all.
struct ClusterMonitor::Round
{
    QObject context;
    int pending = 0;
    ClusterRound found;
    QHash<quint64, EtcdV2SelfStats> selfStats;
    QHash<quint64, int> memberPending; // steps left per member
    QHash<quint64, bool> memberAnswered;
    QHash<quint64, EtcdError> memberError;
    bool leaderStatsAsked = false;
};

ClusterMonitor::ClusterMonitor(QObject *parent)
    : QObject(parent)
{
    m_timer.setInterval(m_intervalMs);
    connect(&m_timer, &QTimer::timeout, this, &ClusterMonitor::onTick);
}

ClusterMonitor::~ClusterMonitor() = default;

void ClusterMonitor::setClient(EtcdClient *client)
{
    m_round.reset(); // cancels the calls of a running round
    m_finishedRound.reset();
    m_refreshAgain = false;
    m_client = client;
    m_members.clear();
    dropMemberClients();
    m_endpointMember.clear();
    m_recreateClients = false;
    m_listFailed = false;
    Q_EMIT clientChanged();
    if (m_active && m_client)
        refresh();
}

EtcdClient *ClusterMonitor::client() const
{
    return m_client;
}

void ClusterMonitor::setInterval(int ms)
{
    m_intervalMs = std::max(500, ms);
    m_timer.setInterval(m_intervalMs);
}

void ClusterMonitor::setProbeTimeout(int ms)
{
    m_probeTimeoutMs = std::max(100, ms);
    // Their calls belong to them: replaced when no round runs.
    m_recreateClients = true;
}

void ClusterMonitor::setActive(bool active)
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

bool ClusterMonitor::servesV3() const
{
    return m_client && m_client->clusterInfo().v3Available;
}

bool ClusterMonitor::servesV2() const
{
    return m_client && m_client->clusterInfo().v2Available;
}

void ClusterMonitor::onTick()
{
    if (m_active && !m_round)
        refresh();
}

bool ClusterMonitor::refresh()
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

void ClusterMonitor::startRound()
{
    m_finishedRound.reset();
    if (m_recreateClients) {
        m_recreateClients = false;
        dropMemberClients();
    }
    m_round = std::make_unique<Round>();
    Round *round = m_round.get();
    Q_EMIT roundStarted();

    // One step for the list; the members' own steps are added when it answers.
    ++round->pending;
    if (servesV3()) {
        EtcdClient *client = m_client;
        m_client->v3()->memberList(
            &round->context, [this, client](const EtcdResult<EtcdV3MemberListResult> &r) {
                // The endpoint that answered is current now; the header names its member.
                if (r.ok() && r.value.header.memberId != 0)
                    m_endpointMember.insert(client->transport()->currentEndpoint(),
                                            r.value.header.memberId);
                onMembersListed(r.value.members, r.value.header.clusterId, r.error);
            });
    } else {
        m_client->v2()->listMembers(&round->context,
                                    [this](const EtcdResult<std::vector<EtcdV2Member>> &r) {
                                        QList<EtcdV3Member> members;
                                        for (const EtcdV2Member &v2 : r.value) {
                                            EtcdV3Member m;
                                            m.id = v2.id;
                                            m.name = v2.name;
                                            m.peerUrls = v2.peerURLs;
                                            m.clientUrls = v2.clientURLs;
                                            members << m;
                                        }
                                        onMembersListed(members, 0, r.error);
                                    });
    }

    if (servesV3()) {
        ++round->pending;
        m_client->v3()->alarm(EtcdV3AlarmAction::Get, 0, EtcdV3AlarmType::None, &round->context,
                              [this, round](const EtcdResult<EtcdV3AlarmResult> &r) {
                                  if (r.ok())
                                      round->found.alarms = r.value.alarms;
                                  stepDone();
                              });
    }
    if (servesV2()) {
        ++round->pending;
        m_client->v2()->storeStats(&round->context,
                                   [this, round](const EtcdResult<EtcdV2StoreStats> &r) {
                                       if (r.ok())
                                           round->found.storeStats = r.value;
                                       stepDone();
                                   });
    }
}

void ClusterMonitor::onMembersListed(const QList<EtcdV3Member> &members, quint64 clusterId,
                                     const EtcdError &error)
{
    if (error) {
        m_listFailed = true;
        Q_EMIT listErrorChanged(error);
    } else {
        if (m_listFailed) {
            m_listFailed = false;
            Q_EMIT listErrorChanged(EtcdError());
        }
        for (const EtcdV3Member &known : std::as_const(m_members)) {
            const bool listed =
                std::any_of(members.cbegin(), members.cend(),
                            [&](const EtcdV3Member &m) { return m.id == known.id; });
            if (!listed)
                dropMemberClient(known.id);
        }
        m_members = members;
        Q_EMIT membersListed(members, clusterId);
    }
    // The members known so far are asked either way: the list may fail on a member that lost
    // its quorum while the others still answer.
    for (const EtcdV3Member &m : std::as_const(m_members))
        probeMember(m);
    stepDone();
}

bool ClusterMonitor::isMember(EtcdClient *client, quint64 id, quint64 answeredAs)
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

EtcdError ClusterMonitor::otherMember(EtcdClient *client, quint64 answeredAs)
{
    return EtcdError::protocol(
        tr("%1 answered as member %2, not as this one")
            .arg(client->transport()->currentEndpoint(), QString::number(answeredAs, 16)),
        client->transport()->currentEndpoint());
}

void ClusterMonitor::dropMemberClient(quint64 id)
{
    // Only between rounds or before a member is asked in one: its calls die with it.
    if (EtcdClient *c = m_memberClients.take(id))
        c->deleteLater();
    m_memberClientUrls.remove(id);
}

void ClusterMonitor::dropMemberClients()
{
    for (EtcdClient *c : std::as_const(m_memberClients))
        c->deleteLater();
    m_memberClients.clear();
    m_memberClientUrls.clear();
}

QStringList ClusterMonitor::probeUrls(const EtcdV3Member &member) const
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

EtcdClient *ClusterMonitor::memberClient(const EtcdV3Member &member, EtcdError *error)
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
    options.readOnly = true; // the monitor only reads through a member's own connection
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

void ClusterMonitor::probeMember(const EtcdV3Member &member)
{
    Round *round = m_round.get();
    const quint64 id = member.id;
    if (!round || notStarted(member) || round->memberPending.contains(id))
        return;
    EtcdError error;
    EtcdClient *client = memberClient(member, &error);
    if (!client) {
        Q_EMIT memberAnswered(id, unreachable(error));
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
            if (round->memberAnswered.value(id))
                Q_EMIT memberAnswered(id, reachable(QString()));
            else
                Q_EMIT memberAnswered(id, unreachable(round->memberError.value(id)));
        }
        stepDone();
    };
    auto begin = [round, id](int steps) {
        round->pending += steps;
        round->memberPending[id] += steps;
    };
    // Every answer is emitted at once (a member does not wait for the others).
    auto answered = [client] {
        return reachable(client->transport()->currentEndpoint());
    };

    begin(1);
    client->health(&round->context, [this, id, step](const EtcdResult<EtcdClient::HealthInfo> &r) {
        if (r.ok()) {
            ClusterMemberAnswer answer;
            answer.health = ClusterMemberHealth{r.value.healthy, r.value.reason};
            Q_EMIT memberAnswered(id, answer);
        }
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
                round->found.statuses.insert(id, r.value);
                ClusterMemberAnswer answer = answered();
                answer.status = r.value;
                answer.version = r.value.version;
                Q_EMIT memberAnswered(id, answer);
            }
            step(r.error);
        });
    } else {
        begin(1);
        client->version(&round->context,
                        [this, id, step, answered](const EtcdResult<EtcdClient::VersionInfo> &r) {
                            if (r.ok()) {
                                ClusterMemberAnswer answer = answered();
                                answer.version = r.value.serverVersion;
                                Q_EMIT memberAnswered(id, answer);
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
                ClusterMemberAnswer answer = answered();
                answer.selfStats = r.value;
                Q_EMIT memberAnswered(id, answer);
                // Only the leader has leader statistics (a follower answers 403).
                if (r.value.state == QLatin1String("StateLeader") && !round->leaderStatsAsked) {
                    round->leaderStatsAsked = true;
                    begin(1);
                    client->v2()->leaderStats(
                        &round->context,
                        [round, step](const EtcdResult<EtcdV2LeaderStats> &leader) {
                            if (leader.ok())
                                round->found.leaderStats = leader.value;
                            // A leader that lost its place in between says "not current
                            // leader": no statistics this round, not a failure.
                            step(leader.error.is(EtcdError::Condition::NotLeader) ? EtcdError()
                                                                                  : leader.error);
                        });
                }
            }
            step(r.error);
        });
    }
}

void ClusterMonitor::stepDone()
{
    if (!m_round || --m_round->pending > 0)
        return;
    finishRound();
}

void ClusterMonitor::finishRound()
{
    // Kept until the next round starts: this runs inside a handler of one of its calls, whose
    // context it owns.
    m_finishedRound = std::move(m_round);
    Round *round = m_finishedRound.get();
    ClusterRound &found = round->found;
    found.finishedAt = QDateTime::currentDateTime();

    // Leader: what the member with the highest term says.
    quint64 term = 0;
    for (auto it = found.statuses.cbegin(); it != found.statuses.cend(); ++it) {
        if (it->raftTerm >= term && it->leader != 0) {
            term = it->raftTerm;
            found.leaderId = it->leader;
        }
    }
    if (found.leaderId == 0) {
        for (const EtcdV2SelfStats &s : std::as_const(round->selfStats)) {
            if (s.leaderId != 0)
                found.leaderId = s.leaderId;
        }
    }

    Q_EMIT roundFinished(found);
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

ClusterMonitor::Done ClusterMonitor::refreshingAfter(Done done)
{
    return [this, done = std::move(done)](const EtcdError &error, quint64 id) {
        if (!error)
            refresh();
        done(error, id);
    };
}

void ClusterMonitor::addMember(const QStringList &peerUrls, bool asLearner, QObject *context,
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

void ClusterMonitor::removeMember(quint64 id, QObject *context, Done done)
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

void ClusterMonitor::updateMember(quint64 id, const QStringList &peerUrls, QObject *context,
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

void ClusterMonitor::promoteMember(quint64 id, QObject *context, Done done)
{
    if (!m_client)
        return done(noConnection(), 0);
    if (!servesV3())
        return done(learnersNeedV3(), 0);
    const Done finish = refreshingAfter(std::move(done));
    m_client->v3()->memberPromote(
        id, context, [finish](const EtcdResult<EtcdV3MemberListResult> &r) { finish(r.error, 0); });
}
