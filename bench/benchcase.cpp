#include "benchcase.h"

#include "etcdclient.h"
#include "etcdfixture.h"
#include "etcdv3client.h"
#include "etcdv3types.h"
#include "keyseeder.h"

#include <QElapsedTimer>

BenchCase::BenchCase(const BenchDataset &dataset, QObject *parent)
    : QObject(parent)
    , m_data(dataset)
{
}

BenchCase::~BenchCase() = default;

bool BenchCase::setUp()
{
    EtcdServer::Options options;
    options.name = QStringLiteral("bench-%1").arg(caseId());
    options.enableV2 = false;
    // (c) alone takes a few hundred MB of backend with its history; the default 2 GiB quota
    // would raise NOSPACE on the way.
    options.extraArgs << QStringLiteral("--quota-backend-bytes")
                      << QString::number(8LL * 1024 * 1024 * 1024);
    // Per-RPC handling time, to tell etcd's share of a listing from the client's.
    options.extraArgs << QStringLiteral("--metrics") << QStringLiteral("extensive");
    m_server = std::make_unique<EtcdServer>(options);
    if (!m_server->start()) {
        benchLog(QStringLiteral("case %1: etcd did not start").arg(caseId()));
        return false;
    }
    benchLog(QStringLiteral("case %1: etcd at %2, seeding %3 keys")
                 .arg(caseId())
                 .arg(m_server->clientUrl())
                 .arg(m_data.count));

    auto client = connectClient();
    if (!client)
        return false;
    KeySeeder seeder(client->v3());
    EtcdError error;
    bool done = false;
    connect(&seeder, &KeySeeder::finished, this, [&](const EtcdError &e) {
        error = e;
        done = true;
    });
    connect(&seeder, &KeySeeder::progressed, this, [this, &seeder](qint64 written, qint64 total) {
        if (written % qMax<qint64>(1, total / 10) < qMax<qint64>(1, total / 100))
            benchLog(
                QStringLiteral("case %1: %2 / %3 keys, %4 keys/s")
                    .arg(caseId())
                    .arg(written)
                    .arg(total)
                    .arg(qint64(double(written) * 1000.0 / qMax<qint64>(1, seeder.elapsedMs()))));
    });
    const BenchDataset data = m_data;
    seeder.start(m_data.count, [data](qint64 i) { return data.key(i); });
    spinUntil([&done] { return done; }, 3 * 3600 * 1000);
    if (!done || error) {
        benchLog(QStringLiteral("case %1: seeding failed: %2").arg(caseId(), error.toString()));
        return false;
    }
    m_seedMs = seeder.elapsedMs();
    benchLog(QStringLiteral("case %1: seeded %2 keys in %3")
                 .arg(caseId())
                 .arg(m_data.count)
                 .arg(formatMs(double(m_seedMs))));
    return true;
}

std::unique_ptr<EtcdClient> BenchCase::connectClient()
{
    return connectTo(m_server->clientUrl(), this);
}

QStringList BenchCase::etcdctlArgs(const QByteArray &prefix) const
{
    // etcdctl's default 5 s command timeout cuts a 1M-key dump short on a busy 2-core machine.
    return {QStringLiteral("--endpoints"),
            m_server->clientUrl(),
            QStringLiteral("--command-timeout=600s"),
            QStringLiteral("get"),
            QString::fromUtf8(prefix),
            QStringLiteral("--prefix"),
            QStringLiteral("--keys-only")};
}

qint64 BenchCase::baselineMs(const QByteArray &prefix)
{
    const qint64 ms = timeProgram(EtcdServer::etcdctlBinary(), etcdctlArgs(prefix), 3);
    benchLog(QStringLiteral("case %1: etcdctl get '%2' --prefix --keys-only: %3 (best of 3)")
                 .arg(caseId(), QString::fromUtf8(prefix), formatMs(double(ms))));
    return ms;
}

QList<BenchRow> BenchCase::run()
{
    QList<BenchRow> rows;
    // Whole keyspace ("" with --prefix is every key) and the data set's own prefix. In these
    // one-case etcds both hold the same keys; both are measured so the table says so.
    const qint64 wholeMs = baselineMs(QByteArray());
    const qint64 prefixMs = m_data.id == 'b' ? baselineMs(m_data.prefix) : wholeMs;
    if (wholeMs <= 0 || prefixMs <= 0)
        return rows;
    rows << measureTree(wholeMs, prefixMs);
    // After the tree: its one 100,000-key answer would leave the heap fragmented and skew the
    // tree's memory measurement.
    if (m_data.id == 'b')
        rows << measureClient(prefixMs);
    return rows;
}

QList<BenchRow> BenchCase::measureClient(qint64 prefixMs)
{
    auto client = connectClient();
    if (!client)
        return {};
    EtcdV3RangeOptions options;
    options.rangeEnd = EtcdV3Client::prefixRangeEnd(m_data.prefix);
    options.keysOnly = true;
    options.serializable = true;
    bool done = false;
    qint64 keys = -1;
    StallProbe probe;
    probe.start();
    QElapsedTimer timer;
    timer.start();
    client->v3()->range(m_data.prefix, options, this, [&](const EtcdResult<EtcdV3RangeResult> &r) {
        keys = r.ok() ? r.value.kvs.size() : -1;
        done = true;
    });
    spinUntil([&done] { return done; }, 600000);
    const qint64 ms = timer.elapsed();
    probe.stop();
    if (keys != m_data.count) {
        benchLog(
            QStringLiteral("case %1: the client's range returned %2 keys").arg(caseId()).arg(keys));
        return {};
    }
    benchLog(QStringLiteral("case %1: one keys-only range of %2 through EtcdV3Client: %3, "
                            "longest stall %4")
                 .arg(caseId(), QString::fromUtf8(m_data.prefix), formatMs(double(ms)),
                      formatMs(probe.longestGapMsExact())));
    BenchRow row;
    row.what =
        QStringLiteral("(%1) client floor: one unpaged keys-only range of %2, no model "
                       "(stall %3)")
            .arg(caseId(), QString::fromUtf8(m_data.prefix), formatMs(probe.longestGapMsExact()));
    row.measured = formatMs(double(ms));
    row.baseline = formatMs(double(prefixMs));
    row.ratio = double(ms) / double(prefixMs);
    row.target = QStringLiteral("(info)");
    row.requests = QStringLiteral("1 range");
    return {row};
}
