#pragma once

#include "clustermodel.h"

// What one round is waiting for. Its context object carries every call of the round: dropping
// the round (a new connection) cancels them all.
struct ClusterModel::Round
{
    QObject context;
    int pending = 0;
    // Members asked in this round, with what they answered in it.
    QHash<quint64, EtcdV3Status> statuses;
    QHash<quint64, EtcdV2SelfStats> selfStats;
    QHash<quint64, int> memberPending; // steps left per member
    QHash<quint64, bool> memberAnswered;
    QHash<quint64, EtcdError> memberError;
    bool leaderStatsAsked = false;
    std::optional<EtcdV2LeaderStats> leaderStats;
    bool alarmsRead = false;
    QList<EtcdV3Alarm> alarms;
};
