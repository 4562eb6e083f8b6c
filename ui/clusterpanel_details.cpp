// The selected member's details in the cluster panel: everything the refresh learned about it.
#include "clusterpanel.h"

#include "clustermodel.h"
#include "errortext.h"

#include <QDialog>
#include <QLocale>
#include <QScrollBar>
#include <QTextBrowser>

namespace {

QString row(const QString &label, const QString &value)
{
    return QStringLiteral("<tr><td style='padding-right:8px;color:#555'>%1</td><td>%2</td></tr>")
        .arg(label.toHtmlEscaped(), value);
}

QString esc(const QString &text)
{
    return text.toHtmlEscaped();
}

QString sizeText(qint64 bytes)
{
    return esc(QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat));
}

QString ms(double value)
{
    return esc(QLocale().toString(value, 'f', 2) + QStringLiteral(" ms"));
}

QString rate(double value, const QString &unit)
{
    return esc(QLocale().toString(value, 'f', 1) + QLatin1Char(' ') + unit);
}

} // namespace

void ClusterPanel::updateDetails()
{
    const ClusterMember *m = selectedMember();
    if (!m) {
        m_detailsHtml.clear();
        m_details->setHtml(
            QStringLiteral("<p style='color:#777'>%1</p>")
                .arg(esc(m_model->rowCount() > 0 ? tr("Select a member to see its details.")
                                                 : tr("No members known yet."))));
        return;
    }
    QString html = QStringLiteral("<h4 style='margin:0'>%1</h4><table>")
                       .arg(esc(ClusterModel::memberLabel(*m)));
    html +=
        row(tr("Role"),
            esc(m_model->index(m_model->rowOf(m->id), ClusterModel::RoleColumn).data().toString()));
    html += row(tr("Peer URLs"), esc(m->peerUrls.join(QStringLiteral(", "))));
    html += row(tr("Client URLs"), m->clientUrls.isEmpty()
                                       ? esc(tr("none yet (not started)"))
                                       : esc(m->clientUrls.join(QStringLiteral(", "))));
    switch (m->reach) {
    case ClusterMember::Reach::Unreachable:
        html += row(tr("Reachable"), QStringLiteral("<b style='color:#b00020'>%1</b><br>%2")
                                         .arg(esc(tr("No")), esc(describeError(m->error))));
        break;
    case ClusterMember::Reach::Reachable:
        html += row(tr("Reachable"), esc(tr("Yes, at %1").arg(m->answeredAt)));
        break;
    case ClusterMember::Reach::NotStarted:
        html += row(tr("Reachable"), esc(tr("Not started: etcd on this member has not "
                                            "joined yet")));
        break;
    case ClusterMember::Reach::Unknown:
        html += row(tr("Reachable"), esc(tr("Asking…")));
        break;
    }
    if (m->lastAnswer.isValid())
        html += row(tr("Last answer"), esc(QLocale().toString(m->lastAnswer.time())));
    if (m->health)
        html += row(tr("/health"),
                    m->health->healthy
                        ? esc(tr("healthy"))
                        : QStringLiteral("<b style='color:#b00020'>%1</b>")
                              .arg(esc(m->health->reason.isEmpty()
                                           ? tr("unhealthy")
                                           : tr("unhealthy: %1").arg(m->health->reason))));
    if (!m->version.isEmpty())
        html += row(tr("Version"), esc(m->version));
    if (const auto &s = m->status) {
        html +=
            row(tr("Database"),
                tr("%1 allocated, %2 in use").arg(sizeText(s->dbSize), sizeText(s->dbSizeInUse)));
        html += row(tr("Raft"), esc(tr("term %1, index %2, applied %3")
                                        .arg(s->raftTerm)
                                        .arg(s->raftIndex)
                                        .arg(s->raftAppliedIndex)));
        const ClusterMember *leader = m_model->memberById(s->leader);
        html += row(tr("Leader it sees"),
                    esc(leader ? ClusterModel::memberLabel(*leader)
                               : (s->leader ? ClusterModel::hexId(s->leader) : tr("none"))));
        if (!s->errors.isEmpty())
            html += row(tr("Errors"), QStringLiteral("<b style='color:#b00020'>%1</b>")
                                          .arg(esc(s->errors.join(QStringLiteral("; ")))));
    }
    if (m->lag)
        html += row(tr("Lag"),
                    esc(*m->lag == 1 ? tr("1 raft entry behind the leader")
                                     : tr("%1 raft entries behind the leader").arg(*m->lag)));
    if (!m->alarms.isEmpty()) {
        QStringList names;
        for (EtcdV3AlarmType a : m->alarms)
            names << ClusterModel::alarmName(a);
        html += row(tr("Alarms"), QStringLiteral("<b style='color:#c62828'>%1</b>")
                                      .arg(esc(names.join(QStringLiteral(", ")))));
    }
    if (const auto &v2 = m->selfStats) {
        html += QStringLiteral("<tr><td colspan=2><b>%1</b></td></tr>")
                    .arg(esc(tr("v2 statistics (/v2/stats/self)")));
        html += row(tr("State"), esc(v2->state));
        if (v2->startTime.isValid())
            html += row(tr("Started"),
                        esc(QLocale().toString(v2->startTime.toLocalTime(), QLocale::ShortFormat)));
        if (!v2->leaderUptime.isEmpty())
            html += row(tr("Leader uptime"), esc(v2->leaderUptime));
        html += row(tr("Append requests"), esc(tr("%1 received, %2 sent")
                                                   .arg(v2->recvAppendRequestCnt)
                                                   .arg(v2->sendAppendRequestCnt)));
        if (v2->recvPkgRate > 0 || v2->recvBandwidthRate > 0)
            html += row(tr("Receiving"), rate(v2->recvPkgRate, tr("req/s")) + QStringLiteral(", ") +
                                             rate(v2->recvBandwidthRate, tr("B/s")));
        if (v2->sendPkgRate > 0 || v2->sendBandwidthRate > 0)
            html += row(tr("Sending"), rate(v2->sendPkgRate, tr("req/s")) + QStringLiteral(", ") +
                                           rate(v2->sendBandwidthRate, tr("B/s")));
    }
    if (const auto &f = m->followerStats) {
        html += QStringLiteral("<tr><td colspan=2><b>%1</b></td></tr>")
                    .arg(esc(tr("As the leader sees it (/v2/stats/leader)")));
        html += row(tr("Latency"),
                    tr("%1 now, %2 average, %3 – %4, σ %5")
                        .arg(ms(f->latencyCurrent), ms(f->latencyAverage), ms(f->latencyMinimum),
                             ms(f->latencyMaximum), ms(f->latencyStandardDeviation)));
        html += row(tr("Appends"),
                    esc(tr("%1 succeeded, %2 failed").arg(f->successCount).arg(f->failCount)));
    }
    html += QStringLiteral("</table>");
    if (html == m_detailsHtml)
        return;
    // Refreshed every few seconds: the reader's place stays.
    const int scrolled = m_details->verticalScrollBar()->value();
    m_detailsHtml = html;
    m_details->setHtml(html);
    m_details->verticalScrollBar()->setValue(scrolled);
}
