// Issue 4's benchmark: a storm of watch events through EtcdWatcher into KeyTreeModel with a view
// attached. Each stage is timed on its own: the writer alone, the watch client alone (replaying
// the writer's events, no model), the model alone (applying those recorded events with the
// view shown), then everything together in a storm with the stall probe, the convergence after
// it and a 100,000-key prefix delete.

#include "benchwatch.h"

#include "etcdclient.h"
#include "etcdfixture.h"
#include "etcdv3client.h"
#include "etcdv3types.h"
#include "etcdwatcher.h"
#include "keyseeder.h"
#include "keytreelister.h"
#include "keytreemodel.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QHash>
#include <QPersistentModelIndex>
#include <QThread>
#include <QTreeView>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>

namespace {

constexpr int dirKeys = 10000;     // the expanded directory /w/d as seeded
constexpr int writerKeys = 20000;  // the writer's names in /w/d: the first pass creates 10,000
constexpr int deleteKeys = 100000; // /w/p, removed by one prefix delete at the end
constexpr int putsPerTxn = 100;

// One clock for both threads: the writer's last answer and the model's convergence.
qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

QByteArray dirKey(qint64 i)
{
    char buf[32];
    const int n = std::snprintf(buf, sizeof buf, "/w/d/k%05d", int(i));
    return QByteArray(buf, n);
}

QString rate(double eventsPerSecond)
{
    return QStringLiteral("%1 events/s").arg(qint64(eventsPerSecond));
}

// The writer, in a thread of its own with its own connection, the way another process would
// write: transactions of 100 puts over /w/d, `inFlight` at once, until its time is up. Key
// number seq * 7919 mod 20,000 spreads each transaction over the directory (7919 is prime, so
// each pass of 20,000 hits every name once: the first pass creates 10,000 keys, then updates).
class StormWriter : public QObject
{
public:
    StormWriter(QString url, int seconds, int inFlight, qint64 firstSeq)
        : m_url(std::move(url))
        , m_seconds(seconds)
        , m_maxInFlight(inFlight)
        , m_seq(firstSeq)
    {
    }

    // In the writer's thread.
    void begin()
    {
        m_client = connectTo(m_url, this);
        if (!m_client) {
            m_error = QStringLiteral("no connection");
            end();
            return;
        }
        m_firstSendNs = nowNs();
        m_deadlineNs = m_firstSendNs + qint64(m_seconds) * 1000000000LL;
        fill();
    }

    std::atomic<bool> done{false};
    // Read after `done`.
    qint64 events = 0;
    qint64 firstSendNs() const { return m_firstSendNs; }
    qint64 lastAnswerNs() const { return m_lastAnswerNs; }
    qint64 lastRevision() const { return m_lastRevision; }
    qint64 nextSeq() const { return m_seq; }
    QString error() const { return m_error; }
    double rate() const
    {
        return double(events) * 1e9 / double(qMax<qint64>(1, m_lastAnswerNs - m_firstSendNs));
    }

private:
    void fill()
    {
        while (m_error.isEmpty() && m_inFlight < m_maxInFlight && nowNs() < m_deadlineNs) {
            EtcdV3TxnRequest txn;
            txn.success.reserve(putsPerTxn);
            for (int i = 0; i < putsPerTxn; ++i, ++m_seq)
                txn.success.append(EtcdV3RequestOp::makePut(dirKey(m_seq * 7919 % writerKeys),
                                                            QByteArray::number(m_seq)));
            ++m_inFlight;
            m_client->v3()->txn(txn, this, [this](const EtcdResult<EtcdV3TxnResult> &r) {
                --m_inFlight;
                m_lastAnswerNs = nowNs();
                if (r.ok()) {
                    events += putsPerTxn;
                    m_lastRevision = qMax(m_lastRevision, r.value.header.revision);
                } else if (m_error.isEmpty()) {
                    m_error = r.error.toString();
                }
                fill();
                if (m_inFlight == 0)
                    end();
            });
        }
    }

    void end()
    {
        // Not from inside the client's callback: the client goes first, in its own thread.
        QMetaObject::invokeMethod(
            this,
            [this] {
                m_client.reset();
                done = true;
                thread()->quit();
            },
            Qt::QueuedConnection);
    }

    QString m_url;
    int m_seconds;
    int m_maxInFlight;
    qint64 m_seq;
    std::unique_ptr<EtcdClient> m_client;
    qint64 m_firstSendNs = 0;
    qint64 m_deadlineNs = 0;
    qint64 m_lastAnswerNs = 0;
    qint64 m_lastRevision = 0;
    int m_inFlight = 0;
    QString m_error;
};

// Runs a writer for `seconds` in its own thread while the main event loop keeps running.
std::unique_ptr<StormWriter> runWriter(const QString &url, int seconds, int inFlight,
                                       qint64 firstSeq)
{
    auto writer = std::make_unique<StormWriter>(url, seconds, inFlight, firstSeq);
    QThread thread;
    writer->moveToThread(&thread);
    thread.start();
    QMetaObject::invokeMethod(
        writer.get(), [w = writer.get()] { w->begin(); }, Qt::QueuedConnection);
    spinUntil([&] { return writer->done.load(); }, (seconds + 120) * 1000);
    thread.quit();
    thread.wait();
    if (!writer->done)
        benchLog(QStringLiteral("writer did not finish"));
    else if (!writer->error().isEmpty())
        benchLog(QStringLiteral("writer failed: ") + writer->error());
    return writer;
}

// Opens `dir` in the view and waits until it holds at least `rows` rows.
bool expand(QTreeView &view, KeyTreeModel &model, const QModelIndex &dir, int rows)
{
    view.expand(dir);
    const QPersistentModelIndex p(dir);
    return spinUntil(
        [&] {
            if (model.canFetchMore(p))
                model.fetchMore(p);
            return !model.isLoading(p) && !model.canFetchMore(p) && model.rowCount(p) >= rows;
        },
        600000);
}

BenchRow infoRow(const QString &what, const QString &measured)
{
    BenchRow row;
    row.what = what;
    row.measured = measured;
    row.target = QStringLiteral("(info)");
    return row;
}

BenchRow limitRow(const QString &what, double ms, double limitMs)
{
    BenchRow row;
    row.what = what;
    row.measured = formatMs(ms);
    row.target = QStringLiteral("< %1 ms").arg(limitMs);
    row.verdict = ms < limitMs ? BenchRow::Verdict::Pass : BenchRow::Verdict::Miss;
    return row;
}

// Rows of /w/d in the model against etcd's keys and revisions: the number that differ.
int mismatches(EtcdClient *client, KeyTreeModel &model, const QModelIndex &dir, QObject *context,
               int *etcdKeys)
{
    EtcdV3RangeOptions options;
    options.rangeEnd = EtcdV3Client::prefixRangeEnd("/w/d/");
    options.keysOnly = true;
    bool done = false;
    QHash<QByteArray, qint64> etcd;
    client->v3()->range("/w/d/", options, context, [&](const EtcdResult<EtcdV3RangeResult> &r) {
        for (const EtcdV3KeyValue &kv : r.value.kvs)
            etcd.insert(kv.key, kv.modRevision);
        done = true;
    });
    spinUntil([&done] { return done; }, 60000);
    *etcdKeys = int(etcd.size());
    int bad = 0;
    const int rows = model.rowCount(dir);
    for (int row = 0; row < rows; ++row) {
        const QModelIndex child = model.index(row, 0, dir);
        const QByteArray key = model.keyForIndex(child);
        const qint64 rev = model.data(child, KeyTreeModel::ModRevisionRole).toLongLong();
        if (etcd.value(key, -1) != rev)
            ++bad;
    }
    return bad + qAbs(int(etcd.size()) - rows);
}

} // namespace

QList<BenchRow> runWatchBench(const WatchBenchOptions &options)
{
    QList<BenchRow> rows;
    QObject context;
    EtcdServer::Options serverOptions;
    serverOptions.name = QStringLiteral("bench-w");
    serverOptions.enableV2 = false;
    serverOptions.extraArgs << QStringLiteral("--quota-backend-bytes")
                            << QString::number(8LL * 1024 * 1024 * 1024);
    EtcdServer server(serverOptions);
    if (!server.start()) {
        benchLog(QStringLiteral("case w: etcd did not start"));
        return rows;
    }
    const QString url = server.clientUrl();
    auto client = connectTo(url, &context);
    if (!client)
        return rows;

    // Seed /w/d (10,000 keys) and /w/p (100,000).
    {
        KeySeeder seeder(client->v3());
        bool done = false;
        EtcdError error;
        QObject::connect(&seeder, &KeySeeder::finished, &context, [&](const EtcdError &e) {
            error = e;
            done = true;
        });
        seeder.start(dirKeys + deleteKeys, [](qint64 i) {
            if (i < dirKeys)
                return dirKey(i);
            char buf[32];
            const int n = std::snprintf(buf, sizeof buf, "/w/p/k%06d", int(i - dirKeys));
            return QByteArray(buf, n);
        });
        spinUntil([&done] { return done; }, 600000);
        if (!done || error) {
            benchLog(QStringLiteral("case w: seeding failed: ") + error.toString());
            return rows;
        }
        benchLog(QStringLiteral("case w: seeded %1 keys in %2")
                     .arg(dirKeys + deleteKeys)
                     .arg(formatMs(double(seeder.elapsedMs()))));
    }

    // The app's side: model, shown view, /w and /w/d expanded.
    KeyTreeModel model;
    model.lister()->setClient(client.get());
    QTreeView view;
    // As KeyspacePanel sets it: without it every dataChanged costs the view O(rows) per row.
    view.setUniformRowHeights(true);
    view.setModel(&model);
    view.resize(1000, 700);
    view.show();
    model.reload();
    if (!spinUntil([&] { return model.rowCount() == 1 && !model.isLoading(); }, 60000)) {
        benchLog(QStringLiteral("case w: root not listed"));
        return rows;
    }
    const QPersistentModelIndex w(model.index(0, 0));
    if (!expand(view, model, w, 2) || !model.indexForKey("/w/d").isValid() ||
        !expand(view, model, model.indexForKey("/w/d"), dirKeys)) {
        benchLog(QStringLiteral("case w: /w/d not listed"));
        return rows;
    }
    const QPersistentModelIndex d(model.indexForKey("/w/d"));
    settle(500);
    qint64 startRevision = 0;
    {
        bool done = false;
        client->v3()->range("/w/d/k00000", {}, &context,
                            [&](const EtcdResult<EtcdV3RangeResult> &r) {
                                startRevision = r.value.header.revision;
                                done = true;
                            });
        spinUntil([&done] { return done; }, 30000);
    }

    // (1) The writer alone.
    const int writerSeconds = qMin(options.writerSeconds, options.stormSeconds);
    auto alone = runWriter(url, writerSeconds, options.inFlight, 0);
    if (!alone->done || !alone->error().isEmpty())
        return rows;
    const double writerRate = alone->rate();
    benchLog(QStringLiteral("case w: writer alone: %1 events in %2 s, %3, revisions %4..%5")
                 .arg(alone->events)
                 .arg(writerSeconds)
                 .arg(rate(writerRate))
                 .arg(startRevision + 1)
                 .arg(alone->lastRevision()));
    rows << infoRow(QStringLiteral("(w) writer alone: txns of %1 puts, %2 in flight, %3 s")
                        .arg(putsPerTxn)
                        .arg(options.inFlight)
                        .arg(writerSeconds),
                    rate(writerRate));

    // (2) The watch client alone: those events replayed from history, model not connected.
    QList<QList<EtcdWatchEvent>> recorded;
    {
        EtcdWatcher watcher(client.get());
        watcher.setPrevValues(false); // as LiveTree watches
        qint64 received = 0;
        QObject::connect(&watcher, &EtcdWatcher::eventsReceived, &context,
                         [&](const QList<EtcdWatchEvent> &events) {
                             received += events.size();
                             recorded << events;
                         });
        QElapsedTimer timer;
        timer.start();
        watcher.start("/w/", startRevision + 1);
        const bool ok =
            spinUntil([&] { return watcher.revision() >= alone->lastRevision(); }, 600000);
        const double ms = double(timer.nsecsElapsed()) / 1e6;
        watcher.stop();
        if (!ok || received != alone->events) {
            benchLog(QStringLiteral("case w: watcher got %1 of %2 events")
                         .arg(received)
                         .arg(alone->events));
            return rows;
        }
        const double watchRate = double(received) * 1000.0 / ms;
        benchLog(QStringLiteral("case w: watcher replayed %1 events in %2 messages in %3: %4")
                     .arg(received)
                     .arg(recorded.size())
                     .arg(formatMs(ms), rate(watchRate)));
        BenchRow row = infoRow(
            QStringLiteral("(w) watch client receives + parses (replay of %1 events, no model)")
                .arg(received),
            rate(watchRate));
        row.baseline = rate(writerRate);
        row.ratio = watchRate / writerRate;
        rows << row;
    }

    // (3) The model alone: the recorded events applied with the view shown, as fast as it
    // goes: one application per stream message (the model's own pace would coalesce more), the
    // event loop (the view's layout and paint) served at least once a frame.
    {
        StallProbe probe;
        probe.start();
        const qint64 before = model.appliedEventCount();
        QElapsedTimer timer;
        QElapsedTimer frame;
        timer.start();
        frame.start();
        for (const QList<EtcdWatchEvent> &events : std::as_const(recorded)) {
            model.applyEvents(events);
            model.flushEvents();
            if (frame.elapsed() >= 16) {
                QCoreApplication::processEvents();
                frame.restart();
            }
        }
        QCoreApplication::processEvents();
        const double ms = double(timer.nsecsElapsed()) / 1e6;
        probe.stop();
        const qint64 applied = model.appliedEventCount() - before;
        const double applyRate = double(applied) * 1000.0 / ms;
        benchLog(QStringLiteral("case w: model applied %1 events in %2: %3; /w/d has %4 rows; "
                                "longest stall %5")
                     .arg(applied)
                     .arg(formatMs(ms), rate(applyRate))
                     .arg(model.rowCount(d))
                     .arg(formatMs(probe.longestGapMsExact())));
        BenchRow row;
        row.what = QStringLiteral("(w) model applies (view shown, /w/d expanded: %1 -> %2 rows)")
                       .arg(dirKeys)
                       .arg(model.rowCount(d));
        row.measured = rate(applyRate);
        row.baseline = rate(writerRate);
        row.ratio = applyRate / writerRate;
        row.target = QStringLiteral(">= 10x");
        row.verdict = row.ratio >= 10 ? BenchRow::Verdict::Pass : BenchRow::Verdict::Miss;
        rows << row;
        recorded.clear();
        settle(300);
    }

    // (4) The storm: writer, watch and model (at its own pace) together, stall probe running.
    EtcdWatcher watcher(client.get());
    watcher.setPrevValues(false); // as LiveTree watches
    QObject::connect(&watcher, &EtcdWatcher::eventsReceived, &model, &KeyTreeModel::applyEvents);
    // Times the model had taken everything the watch had delivered, and up to which revision.
    QList<QPair<qint64, qint64>> caughtUp;
    QObject::connect(&model, &KeyTreeModel::eventsApplied, &context, [&] {
        if (model.pendingEventCount() == 0)
            caughtUp << qMakePair(nowNs(), watcher.revision());
    });
    watcher.start("/w/", alone->lastRevision() + 1);
    if (!spinUntil([&] { return watcher.state() == EtcdWatcher::State::Live; }, 30000)) {
        benchLog(QStringLiteral("case w: watch not live"));
        return rows;
    }
    StallProbe probe;
    probe.start();
    const qint64 appliedBefore = model.appliedEventCount();
    auto storm = runWriter(url, options.stormSeconds, options.inFlight, alone->nextSeq());
    if (!storm->done || !storm->error().isEmpty())
        return rows;
    const qint64 target = storm->lastRevision();
    const bool converged =
        spinUntil([&] { return !caughtUp.isEmpty() && caughtUp.last().second >= target; }, 120000);
    probe.stop();
    double convergeMs = -1;
    for (const auto &c : std::as_const(caughtUp)) {
        if (c.second >= target) {
            convergeMs = double(c.first - storm->lastAnswerNs()) / 1e6;
            break;
        }
    }
    const double stormSec = double(storm->lastAnswerNs() - storm->firstSendNs()) / 1e9;
    const qint64 appliedStorm = model.appliedEventCount() - appliedBefore;
    benchLog(QStringLiteral("case w: storm %1 s: writer %2 events, %3; model took %4 events; "
                            "longest stall %5; converged %6 after the last write")
                 .arg(stormSec, 0, 'f', 1)
                 .arg(storm->events)
                 .arg(rate(storm->rate()))
                 .arg(appliedStorm)
                 .arg(formatMs(probe.longestGapMsExact()),
                      converged ? formatMs(convergeMs) : QStringLiteral("never")));
    benchLog(QStringLiteral("case w: the longest stall ran %1 on the GUI thread's CPU")
                 .arg(formatMs(probe.longestGapCpuMs())));
    if (!probe.longGaps().isEmpty())
        benchLog(QStringLiteral("case w: stalls of 30 ms or more: ") + probe.longGaps());
    rows << infoRow(QStringLiteral("(w) writer during the storm (%1 s; app in the same machine)")
                        .arg(options.stormSeconds),
                    rate(storm->rate()));
    rows << infoRow(QStringLiteral("(w) model took during the storm, at its own pace (%1 events)")
                        .arg(appliedStorm),
                    rate(double(appliedStorm) / stormSec));
    rows << limitRow(QStringLiteral("(w) longest event-loop stall during the %1 s storm")
                         .arg(options.stormSeconds),
                     probe.longestGapMsExact(), 33);
    BenchRow conv = limitRow(QStringLiteral("(w) convergence: last write answered -> model has "
                                            "every event"),
                             convergeMs, 100);
    if (!converged) {
        conv.measured = QStringLiteral("not within 120 s");
        conv.verdict = BenchRow::Verdict::Miss;
    }
    rows << conv;
    int etcdKeys = 0;
    const int bad = mismatches(client.get(), model, d, &context, &etcdKeys);
    rows << infoRow(
        QStringLiteral("(w) /w/d rows differing from etcd after convergence (of %1)").arg(etcdKeys),
        QString::number(bad));
    if (bad != 0)
        rows.last().verdict = BenchRow::Verdict::Miss;

    // (6) A 100,000-key prefix delete of the expanded /w/p.
    const QModelIndex pIndex = model.indexForKey("/w/p");
    if (!pIndex.isValid() || !expand(view, model, pIndex, deleteKeys)) {
        benchLog(QStringLiteral("case w: /w/p not listed"));
        return rows;
    }
    const QPersistentModelIndex p(pIndex);
    settle(1000);
    qint64 goneNs = 0;
    QObject::connect(&model, &QAbstractItemModel::rowsRemoved, &context, [&] {
        if (goneNs == 0 && (!p.isValid() || model.rowCount(p) == 0))
            goneNs = nowNs();
    });
    // When the delete's events reached the model's queue (all of them, in one or more batches).
    qint64 arrivedNs = 0;
    qint64 arrivedEvents = 0;
    QObject::connect(&watcher, &EtcdWatcher::eventsReceived, &context,
                     [&](const QList<EtcdWatchEvent> &events) {
                         for (const EtcdWatchEvent &e : events)
                             arrivedEvents += e.isDelete() && e.key.startsWith("/w/p/") ? 1 : 0;
                         if (arrivedNs == 0 && arrivedEvents >= deleteKeys)
                             arrivedNs = nowNs();
                     });
    probe.start();
    qint64 answerNs = 0;
    EtcdV3DeleteOptions del;
    del.rangeEnd = EtcdV3Client::prefixRangeEnd("/w/p/");
    qint64 deleted = 0;
    const qint64 sentNs = nowNs();
    client->v3()->deleteRange("/w/p/", del, &context, [&](const EtcdResult<EtcdV3DeleteResult> &r) {
        answerNs = nowNs();
        deleted = r.value.deleted;
    });
    const bool gone = spinUntil([&] { return answerNs != 0 && goneNs != 0; }, 60000);
    probe.stop();
    // Not gone in time: how long it was given, from sending.
    const qint64 endNs = goneNs != 0 ? goneNs : nowNs();
    const double fromAnswer = double(endNs - answerNs) / 1e6;
    const double fromSend = double(endNs - sentNs) / 1e6;
    benchLog(QStringLiteral("case w: prefix delete of %1 keys: answer after %2, rows gone %3 "
                            "after the answer (%4 after sending; the watch had delivered every "
                            "event %5 after sending); longest stall %6")
                 .arg(deleted)
                 .arg(formatMs(double(answerNs - sentNs) / 1e6), formatMs(fromAnswer),
                      formatMs(fromSend),
                      arrivedNs ? formatMs(double(arrivedNs - sentNs) / 1e6) : QStringLiteral("-"),
                      formatMs(probe.longestGapMsExact())));
    BenchRow delRow = limitRow(QStringLiteral("(w) prefix delete of %1 keys: answer -> rows gone "
                                              "(%2 from sending)")
                                   .arg(deleted)
                                   .arg(formatMs(fromSend)),
                               qMax(0.0, fromAnswer), 200);
    if (!gone) {
        delRow.measured = QStringLiteral("> %1 (%2 rows left)")
                              .arg(formatMs(fromAnswer))
                              .arg(p.isValid() ? model.rowCount(p) : 0);
        delRow.verdict = BenchRow::Verdict::Miss;
    }
    rows << delRow;
    rows << limitRow(QStringLiteral("(w) longest event-loop stall during the prefix delete"),
                     probe.longestGapMsExact(), 33);
    watcher.stop();
    return rows;
}
