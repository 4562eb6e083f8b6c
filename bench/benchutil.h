#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <functional>
#include <memory>

class EtcdClient;

// Small tools the benchmark driver shares: waiting while the event loop runs, the UI stall
// probe, RSS, etcd's request counters and timing etcdctl.

// Runs the event loop until pred() holds or timeoutMs passed; true when pred() held. The driver
// waits this way (not with a blocking call) so that timers, replies and the stall probe keep
// being served exactly as they would in the app's event loop.
bool spinUntil(const std::function<bool()> &pred, int timeoutMs);
// Runs the event loop for `ms`: what a listing leaves for later (deferred deletes of replies,
// the model's return of freed memory after a big level) happens, as it would in the app.
void settle(int ms);
// A v3 client for `url`, configured (long timeouts: seeding and big listings take seconds) and
// discovered; null (and a line in the log) when that fails.
std::unique_ptr<EtcdClient> connectTo(const QString &url, QObject *context);

// Ticks every intervalMs on the event loop and remembers the largest gap between two ticks: the
// longest time the loop (the UI thread, in the app) was busy with something else.
class StallProbe : public QObject
{
    Q_OBJECT
public:
    explicit StallProbe(int intervalMs = 5, QObject *parent = nullptr);
    void start();
    void stop();
    qint64 longestGapMs() const { return m_longestNs / 1000000; }
    double longestGapMsExact() const { return double(m_longestNs) / 1e6; }
    // Every gap of at least 30 ms: "1.20 s: 85 ms (cpu 12 ms), ..." (when into the run, how
    // long, and how much of it this thread ran: the rest it waited for a core), to see which
    // part of a load stalls and whether the GUI thread worked or was kept off the CPU.
    QString longGaps() const { return m_longGaps.join(QStringLiteral(", ")); }
    // The GUI thread's CPU time during the longest gap.
    double longestGapCpuMs() const { return double(m_longestCpuNs) / 1e6; }

private:
    void onTick();

    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_lastNs = 0;
    qint64 m_lastCpuNs = 0;
    qint64 m_longestNs = 0;
    qint64 m_longestCpuNs = 0;
    QStringList m_longGaps;
};

// Resident set size of this process in bytes (/proc/self/statm).
qint64 residentBytes();
// Gives freed heap back to the kernel first: what the process keeps, not what it touched.
qint64 residentBytesTrimmed();

// Counters read from etcd's /metrics (Prometheus text), summed over labels: Range and Txn RPCs
// served (each gateway HTTP request is one RPC), the ranges the MVCC store ran and the time
// spent serving Range.
struct EtcdRequestCounters
{
    qint64 rangeRpcs = -1;
    qint64 txnRpcs = -1;
    qint64 mvccRanges = -1;
    // Seconds the server spent handling Range RPCs (etcd started with --metrics extensive): how
    // much of a listing's wall time is etcd walking its index, the rest being the client.
    double rangeSeconds = -1;
    bool isValid() const { return rangeRpcs >= 0; }
    EtcdRequestCounters operator-(const EtcdRequestCounters &o) const
    {
        return {rangeRpcs - o.rangeRpcs, txnRpcs - o.txnRpcs, mvccRanges - o.mvccRanges,
                rangeSeconds - o.rangeSeconds};
    }
};
EtcdRequestCounters readRequestCounters(const QString &clientUrl);

// Runs a program with stdout to /dev/null and returns its wall-clock time in ms (-1 when it
// failed); the best of `runs`.
qint64 timeProgram(const QString &program, const QStringList &args, int runs = 3);

// One line of the result table: a measurement, its baseline from the same run and the target
// as a ratio (or as an absolute limit when there is no baseline).
struct BenchRow
{
    QString what;
    QString measured;
    QString baseline;  // empty: the target is absolute
    double ratio = -1; // measured / baseline; -1 when there is none
    QString target;
    QString requests; // HTTP requests the measurement sent, where counted
    enum class Verdict { Pass, Miss, Info } verdict = Verdict::Info;
};

// Prints the rows as an aligned text table, or as a Markdown table for the README.
QString formatTable(const QList<BenchRow> &rows, bool markdown);

// Logs a progress line to stderr with the time since the benchmark started.
void benchLog(const QString &message);
// "1.234 s" or "12.3 ms".
QString formatMs(double ms);
QString formatBytes(double bytes);
