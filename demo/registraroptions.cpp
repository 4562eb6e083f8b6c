// The registrar's command line.
#include "registraroptions.h"

#include <QCommandLineParser>
#include <QCoreApplication>

namespace {

RegistrarOptions failure(const QString &why)
{
    RegistrarOptions o;
    o.action = RegistrarOptions::Action::Error;
    o.text = why;
    return o;
}

bool parsePositive(const QString &text, int min, int max, int *out)
{
    bool ok = false;
    const int value = text.toInt(&ok);
    if (!ok || value < min || value > max)
        return false;
    *out = value;
    return true;
}

} // namespace

bool RegistrarOptions::parseServices(const QString &spec, QList<ServiceCount> *out, QString *error)
{
    out->clear();
    for (const QString &part : spec.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString name = part.section(QLatin1Char('='), 0, 0).trimmed();
        const QString count = part.section(QLatin1Char('='), 1).trimmed();
        ServiceCount entry;
        if (name == QLatin1String("login"))
            entry.service = Service::Login;
        else if (name == QLatin1String("msg"))
            entry.service = Service::Msg;
        else if (name == QLatin1String("route"))
            entry.service = Service::Route;
        else {
            *error = QStringLiteral("unknown service \"%1\" in --services (login, msg, route)")
                         .arg(name);
            return false;
        }
        // The instance number is the last byte of its IP address: 1..254.
        if (!parsePositive(count, 0, 254, &entry.count)) {
            *error = QStringLiteral("--services: \"%1\" needs a count from 0 to 254").arg(part);
            return false;
        }
        for (const ServiceCount &seen : *out) {
            if (seen.service == entry.service) {
                *error = QStringLiteral("--services names %1 twice").arg(name);
                return false;
            }
        }
        out->append(entry);
    }
    return true;
}

RegistrarOptions RegistrarOptions::parse(const QStringList &args, const QProcessEnvironment &env)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Plays the backend of an IM service registering its servers in etcd, for etcdscope's "
        "demo and tests: login, msg and route servers put their addresses under "
        "/login_servers/, /msg_servers/ and /route_servers/ with leases (v3) and TTLs (v2) and "
        "keep them alive with heartbeats. The first msg server watches /login_servers/ and "
        "prints the login servers it sees.\n\n"
        "Commands on stdin, one per line: stop ID (heartbeats stop, the key expires), start ID "
        "(register again now), kill ID (revoke the lease and delete the v2 key now), quit "
        "(remove every registration and exit). Each is answered \"ok <command>\" or "
        "\"error <command>: reason\"."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption endpoints(
        QStringLiteral("endpoints"),
        QStringLiteral("etcd client URLs, comma separated (default: $ETCDCTL_ENDPOINTS)."),
        QStringLiteral("urls"));
    const QCommandLineOption api(
        QStringLiteral("api"),
        QStringLiteral("v2, v3 or both (the default): both registers in v3 and, where the "
                       "cluster serves it, in the separate v2 store too."),
        QStringLiteral("api"), QStringLiteral("both"));
    const QCommandLineOption prefix(
        QStringLiteral("prefix"),
        QStringLiteral("Put before every key, e.g. /test42 (default: none)."),
        QStringLiteral("prefix"));
    const QCommandLineOption ttl(QStringLiteral("ttl"),
                                 QStringLiteral("Lease and TTL length in seconds (default 3)."),
                                 QStringLiteral("seconds"), QStringLiteral("3"));
    const QCommandLineOption interval(
        QStringLiteral("interval"),
        QStringLiteral("Heartbeat period in milliseconds (default 1000)."), QStringLiteral("ms"),
        QStringLiteral("1000"));
    const QCommandLineOption noChaos(
        QStringLiteral("no-chaos"),
        QStringLiteral("No automatic failures (by default login 0001-0003 dies for ~15 s every "
                       "~45 s and route 0003-0002 runs late every ~20 s)."));
    const QCommandLineOption services(
        QStringLiteral("services"),
        QStringLiteral("How many instances of each service (default login=3,msg=2,route=2)."),
        QStringLiteral("spec"), QStringLiteral("login=3,msg=2,route=2"));
    const QCommandLineOption installTypeNames(
        QStringLiteral("install-type-names"),
        QStringLiteral("Write the demo backend's service type names (0001 login_server ... 0008 "
                       "msfs) into etcdscope's settings as its default type names, and exit "
                       "(scripts/run does this before opening etcdscope)."));
    parser.addOptions({endpoints, api, prefix, ttl, interval, noChaos, services, installTypeNames});

    RegistrarOptions o;
    if (!parser.parse(args))
        return failure(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        o.action = Action::Help;
        o.text = parser.helpText();
        return o;
    }
    if (parser.isSet(QStringLiteral("version"))) {
        o.action = Action::Version;
        o.text = QCoreApplication::applicationName() + QLatin1Char(' ') +
                 QCoreApplication::applicationVersion() + QLatin1Char('\n');
        return o;
    }
    if (!parser.positionalArguments().isEmpty())
        return failure(QStringLiteral("unexpected argument \"%1\"")
                           .arg(parser.positionalArguments().constFirst()));
    if (parser.isSet(installTypeNames)) {
        o.action = Action::InstallTypeNames;
        return o;
    }

    const QString urls = parser.isSet(endpoints) ? parser.value(endpoints)
                                                 : env.value(QStringLiteral("ETCDCTL_ENDPOINTS"));
    for (const QString &url : urls.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        if (!url.trimmed().isEmpty())
            o.endpoints << url.trimmed();
    }
    if (o.endpoints.isEmpty())
        return failure(QStringLiteral("--endpoints is required (or set ETCDCTL_ENDPOINTS)"));

    const QString apiName = parser.value(api).toLower();
    if (apiName == QLatin1String("v2"))
        o.api = Api::V2;
    else if (apiName == QLatin1String("v3"))
        o.api = Api::V3;
    else if (apiName == QLatin1String("both"))
        o.api = Api::Both;
    else
        return failure(
            QStringLiteral("--api must be v2, v3 or both, not \"%1\"").arg(parser.value(api)));

    // One leading slash, no trailing one: "/test42" + "/login_servers/..." reads as a path.
    QString p = parser.value(prefix).trimmed();
    while (p.endsWith(QLatin1Char('/')))
        p.chop(1);
    if (!p.isEmpty() && !p.startsWith(QLatin1Char('/')))
        p.prepend(QLatin1Char('/'));
    o.prefix = p.toUtf8();

    // etcd grants at least ~2 s whatever is asked; a day is plenty for a demo.
    if (!parsePositive(parser.value(ttl), 1, 86400, &o.ttl))
        return failure(QStringLiteral("--ttl must be a number of seconds from 1 to 86400"));
    if (!parsePositive(parser.value(interval), 50, 3600000, &o.intervalMs))
        return failure(QStringLiteral("--interval must be milliseconds from 50 to 3600000"));
    o.chaos = !parser.isSet(noChaos);

    QString error;
    if (!parseServices(parser.value(services), &o.services, &error))
        return failure(error);
    return o;
}
