// etcdscope-bench: issue 3's benchmark. Starts one etcd per data set, seeds it, measures
// etcdctl's dump of the same data as the baseline and the key tree against it, and prints the
// ratios beside their targets. Run through scripts/bench; it is not a test.

#include "benchcase.h"
#include "benchutil.h"
#include "benchwatch.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFile>

#include <cstdio>

int main(int argc, char **argv)
{
    // The model links Qt Gui (icons, fonts in data()); case w shows a QTreeView offscreen.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("etcdscope-bench"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Measures etcdscope's key tree against etcdctl on seeded etcds."));
    parser.addHelpOption();
    const QCommandLineOption casesOption(
        QStringLiteral("cases"),
        QStringLiteral("Data sets to run, e.g. \"ab\": a = 100 x 1,000 keys, b = 100,000 keys "
                       "in one directory, c = 100 x 100 x 100 keys, w = live watch storm "
                       "(issue 4)."),
        QStringLiteral("ids"), QStringLiteral("ab"));
    const QCommandLineOption millionOption(QStringLiteral("million"),
                                           QStringLiteral("Also run case c (1,000,000 keys)."));
    const QCommandLineOption markdownOption(
        QStringLiteral("markdown"), QStringLiteral("Also write the table as Markdown to <file>."),
        QStringLiteral("file"));
    const QCommandLineOption stormOption(
        QStringLiteral("storm-seconds"),
        QStringLiteral("Case w: how long the write storm lasts (default 60)."),
        QStringLiteral("seconds"), QStringLiteral("60"));
    parser.addOptions({casesOption, millionOption, markdownOption, stormOption});
    parser.process(app);

    QString cases = parser.value(casesOption);
    if (parser.isSet(millionOption) && !cases.contains(QLatin1Char('c')))
        cases += QLatin1Char('c');

    QList<BenchRow> rows;
    bool failed = false;
    for (const QChar id : std::as_const(cases)) {
        if (id == QLatin1Char('w')) {
            WatchBenchOptions options;
            options.stormSeconds = qMax(1, parser.value(stormOption).toInt());
            const QList<BenchRow> watchRows = runWatchBench(options);
            failed = failed || watchRows.isEmpty();
            rows << watchRows;
            continue;
        }
        if (id != QLatin1Char('a') && id != QLatin1Char('b') && id != QLatin1Char('c')) {
            std::fprintf(stderr, "unknown case %s\n", qPrintable(QString(id)));
            return 2;
        }
        const BenchDataset data = BenchDataset::byId(char(id.toLatin1()));
        BenchCase benchCase(data);
        if (!benchCase.setUp()) {
            failed = true;
            continue;
        }
        BenchRow seedRow;
        seedRow.what = QStringLiteral("(%1) seeding %2 keys (txn of 128 puts, 6 in flight)")
                           .arg(id)
                           .arg(data.count);
        seedRow.measured = formatMs(double(benchCase.seedMs()));
        seedRow.target = QStringLiteral("-");
        rows << seedRow << benchCase.run();
    }

    const QString table = formatTable(rows, false);
    std::printf("\n%s", qPrintable(table));
    std::fflush(stdout);
    if (parser.isSet(markdownOption)) {
        QFile f(parser.value(markdownOption));
        if (f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            f.write(formatTable(rows, true).toUtf8());
    }
    return failed ? 1 : 0;
}
