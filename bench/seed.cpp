// etcdscope-seed: fills an etcd that already runs with one of the benchmark's data sets, for
// trying the app on a big keyspace by hand (scripts/run's etcd, for example).

#include "benchdata.h"
#include "benchutil.h"
#include "etcdclient.h"
#include "etcdv3client.h"
#include "keyseeder.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("etcdscope-seed"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Puts a benchmark data set into a running etcd: a = /a/dNNN/kNNNN (100 x 1,000), "
        "b = /b/kNNNNNN (100,000), c = /c/dNNN/eNNN/kNNN (1,000,000)."));
    parser.addHelpOption();
    const QCommandLineOption endpointsOption(
        QStringLiteral("endpoints"), QStringLiteral("etcd client URLs, comma separated."),
        QStringLiteral("urls"), QStringLiteral("http://127.0.0.1:2379"));
    const QCommandLineOption caseOption(QStringLiteral("case"),
                                        QStringLiteral("The data set: a, b or c."),
                                        QStringLiteral("id"), QStringLiteral("a"));
    parser.addOptions({endpointsOption, caseOption});
    parser.process(app);

    const QString id = parser.value(caseOption);
    if (id.size() != 1 || !QStringLiteral("abc").contains(id)) {
        std::fprintf(stderr, "--case must be a, b or c\n");
        return 2;
    }
    const BenchDataset data = BenchDataset::byId(char(id.at(0).toLatin1()));

    EtcdClient client;
    EtcdClient::Options options;
    options.endpoints = parser.value(endpointsOption).split(QLatin1Char(','));
    options.api = EtcdClient::Api::V3;
    options.timeoutMs = 120000;
    if (EtcdError e = client.configure(options)) {
        std::fprintf(stderr, "%s\n", qPrintable(e.toString()));
        return 1;
    }
    KeySeeder seeder(client.v3());
    int rc = 0;
    QObject::connect(&seeder, &KeySeeder::progressed, &app, [](qint64 written, qint64 total) {
        std::fprintf(stderr, "\r%lld / %lld", qlonglong(written), qlonglong(total));
    });
    QObject::connect(&seeder, &KeySeeder::finished, &app, [&](const EtcdError &error) {
        std::fprintf(stderr, "\n");
        if (error) {
            std::fprintf(stderr, "seeding failed: %s\n", qPrintable(error.toString()));
            rc = 1;
        } else {
            std::printf("%lld keys in %s\n", qlonglong(data.count),
                        qPrintable(formatMs(double(seeder.elapsedMs()))));
        }
        QCoreApplication::exit(rc);
    });
    client.discover(&app, [&](const EtcdResult<EtcdClient::ClusterInfo> &r) {
        if (!r.ok()) {
            std::fprintf(stderr, "cannot reach etcd: %s\n", qPrintable(r.error.toString()));
            QCoreApplication::exit(1);
            return;
        }
        seeder.start(data.count, [data](qint64 i) { return data.key(i); });
    });
    return QCoreApplication::exec();
}
