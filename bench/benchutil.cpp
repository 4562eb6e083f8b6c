#include "benchutil.h"

#include "etcdclient.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>

#include <cstdio>
#include <ctime>

#include <malloc.h>
#include <unistd.h>

bool spinUntil(const std::function<bool()> &pred, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    // A wake-up timer so the loop re-checks pred() and the deadline even when nothing happens.
    QTimer wake;
    wake.start(20);
    while (!pred()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents);
    }
    return true;
}

StallProbe::StallProbe(int intervalMs, QObject *parent)
    : QObject(parent)
{
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(intervalMs);
    connect(&m_timer, &QTimer::timeout, this, &StallProbe::onTick);
}

namespace {

qint64 threadCpuNs()
{
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return qint64(t.tv_sec) * 1000000000LL + t.tv_nsec;
}

} // namespace

void StallProbe::start()
{
    m_longestNs = 0;
    m_longestCpuNs = 0;
    m_longGaps.clear();
    m_clock.start();
    m_lastNs = 0;
    m_lastCpuNs = threadCpuNs();
    m_timer.start();
}

void StallProbe::stop()
{
    onTick(); // a stall that is still going on counts too
    m_timer.stop();
}

void StallProbe::onTick()
{
    const qint64 now = m_clock.nsecsElapsed();
    const qint64 cpu = threadCpuNs();
    const qint64 gap = now - m_lastNs;
    if (gap > m_longestNs) {
        m_longestNs = gap;
        m_longestCpuNs = cpu - m_lastCpuNs;
    }
    if (gap >= 30 * 1000000LL)
        m_longGaps << QStringLiteral("%1 s: %2 ms (cpu %3 ms)")
                          .arg(double(m_lastNs) / 1e9, 0, 'f', 2)
                          .arg(gap / 1000000)
                          .arg((cpu - m_lastCpuNs) / 1000000);
    m_lastNs = now;
    m_lastCpuNs = cpu;
}

void settle(int ms)
{
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < ms) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    }
}

qint64 residentBytes()
{
    QFile f(QStringLiteral("/proc/self/statm"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> fields = f.readAll().simplified().split(' ');
    if (fields.size() < 2)
        return -1;
    return fields.at(1).toLongLong() * sysconf(_SC_PAGESIZE);
}

qint64 residentBytesTrimmed()
{
    malloc_trim(0);
    return residentBytes();
}

EtcdRequestCounters readRequestCounters(const QString &clientUrl)
{
    QNetworkAccessManager nam;
    QNetworkRequest request(QUrl(clientUrl + QStringLiteral("/metrics")));
    request.setTransferTimeout(10000);
    QNetworkReply *reply = nam.get(request);
    bool done = false;
    QObject::connect(reply, &QNetworkReply::finished, reply, [&done] { done = true; });
    spinUntil([&done] { return done; }, 15000);
    const QByteArray body = done ? reply->readAll() : QByteArray();
    reply->deleteLater();
    EtcdRequestCounters c;
    if (body.isEmpty())
        return c;
    c = {0, 0, 0, 0};
    for (const QByteArray &line : body.split('\n')) {
        if (line.startsWith('#'))
            continue;
        const qsizetype space = line.lastIndexOf(' ');
        if (space < 0)
            continue;
        const double exact = line.mid(space + 1).toDouble();
        const qint64 value = qint64(exact);
        if (line.startsWith("grpc_server_handled_total{")) {
            if (line.contains("grpc_method=\"Range\"") && line.contains("etcdserverpb.KV"))
                c.rangeRpcs += value;
            else if (line.contains("grpc_method=\"Txn\"") && line.contains("etcdserverpb.KV"))
                c.txnRpcs += value;
        } else if (line.startsWith("grpc_server_handling_seconds_sum{") &&
                   line.contains("grpc_method=\"Range\"")) {
            c.rangeSeconds += exact;
        } else if (line.startsWith("etcd_mvcc_range_total ")) {
            c.mvccRanges += value;
        }
    }
    return c;
}

qint64 timeProgram(const QString &program, const QStringList &args, int runs)
{
    qint64 best = -1;
    for (int i = 0; i < runs; ++i) {
        QProcess p;
        p.setStandardOutputFile(QProcess::nullDevice());
        p.setProcessChannelMode(QProcess::SeparateChannels);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("ETCDCTL_API"), QStringLiteral("3"));
        p.setProcessEnvironment(env);
        bool ended = false;
        QObject::connect(&p, &QProcess::finished, &p, [&ended] { ended = true; });
        QObject::connect(&p, &QProcess::errorOccurred, &p, [&ended](QProcess::ProcessError e) {
            if (e == QProcess::FailedToStart)
                ended = true;
        });
        QElapsedTimer timer;
        timer.start();
        p.start(program, args);
        spinUntil([&ended] { return ended; }, 600000);
        const qint64 ms = timer.elapsed();
        if (!ended || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
            qWarning().noquote() << program << args.join(QLatin1Char(' '))
                                 << "failed:" << p.readAllStandardError().trimmed();
            return -1;
        }
        best = best < 0 ? ms : qMin(best, ms);
    }
    return best;
}

QString formatTable(const QList<BenchRow> &rows, bool markdown)
{
    const QStringList header{QStringLiteral("case"),     QStringLiteral("measured"),
                             QStringLiteral("baseline"), QStringLiteral("ratio"),
                             QStringLiteral("target"),   QStringLiteral("result"),
                             QStringLiteral("requests")};
    QList<QStringList> cells{header};
    for (const BenchRow &r : rows) {
        const QString ratio =
            r.ratio < 0 ? QStringLiteral("-") : QStringLiteral("%1x").arg(r.ratio, 0, 'f', 3);
        const QString verdict = r.verdict == BenchRow::Verdict::Pass   ? QStringLiteral("PASS")
                                : r.verdict == BenchRow::Verdict::Miss ? QStringLiteral("MISS")
                                                                       : QStringLiteral("info");
        cells << QStringList{
            r.what,   r.measured, r.baseline.isEmpty() ? QStringLiteral("-") : r.baseline, ratio,
            r.target, verdict,    r.requests.isEmpty() ? QStringLiteral("-") : r.requests};
    }
    QString out;
    if (markdown) {
        for (int i = 0; i < cells.size(); ++i) {
            out += QStringLiteral("| ") + cells.at(i).join(QStringLiteral(" | ")) +
                   QStringLiteral(" |\n");
            if (i == 0)
                out += QStringLiteral("|---|---:|---:|---:|---|---|---|\n");
        }
        return out;
    }
    QList<int> widths(header.size(), 0);
    for (const QStringList &row : cells)
        for (int c = 0; c < row.size(); ++c)
            widths[c] = qMax(widths[c], int(row.at(c).size()));
    for (int i = 0; i < cells.size(); ++i) {
        QStringList padded;
        for (int c = 0; c < cells.at(i).size(); ++c)
            padded << (c == 0 || c == 6 ? cells.at(i).at(c).leftJustified(widths[c])
                                        : cells.at(i).at(c).rightJustified(widths[c]));
        out += padded.join(QStringLiteral("  ")) + QLatin1Char('\n');
        if (i == 0) {
            int total = 0;
            for (int w : widths)
                total += w + 2;
            out += QString(total - 2, QLatin1Char('-')) + QLatin1Char('\n');
        }
    }
    return out;
}

void benchLog(const QString &message)
{
    static QElapsedTimer clock;
    if (!clock.isValid())
        clock.start();
    std::fprintf(stderr, "[%7.1f s] %s\n", double(clock.elapsed()) / 1000.0, qPrintable(message));
    std::fflush(stderr);
}

QString formatMs(double ms)
{
    if (ms >= 1000)
        return QStringLiteral("%1 s").arg(ms / 1000.0, 0, 'f', 3);
    return QStringLiteral("%1 ms").arg(ms, 0, 'f', 1);
}

QString formatBytes(double bytes)
{
    if (bytes >= 1024 * 1024)
        return QStringLiteral("%1 MiB").arg(bytes / 1024 / 1024, 0, 'f', 1);
    return QStringLiteral("%1 B").arg(bytes, 0, 'f', 0);
}

std::unique_ptr<EtcdClient> connectTo(const QString &url, QObject *context)
{
    auto client = std::make_unique<EtcdClient>();
    EtcdClient::Options options;
    options.endpoints = QStringList{url};
    options.api = EtcdClient::Api::V3;
    options.timeoutMs = 120000;
    if (EtcdError e = client->configure(options)) {
        benchLog(QStringLiteral("configure failed: ") + e.toString());
        return nullptr;
    }
    bool done = false;
    EtcdError error;
    client->discover(context, [&](const EtcdResult<EtcdClient::ClusterInfo> &r) {
        error = r.error;
        done = true;
    });
    spinUntil([&done] { return done; }, 30000);
    if (!done || error) {
        benchLog(QStringLiteral("discovery failed: ") + error.toString());
        return nullptr;
    }
    return client;
}
