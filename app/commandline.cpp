#include "commandline.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QUrl>

#ifndef ETCDSCOPE_VERSION
#define ETCDSCOPE_VERSION "0.0.0"
#endif

namespace {

CommandLine failure(const QString &message)
{
    CommandLine result;
    result.action = CommandLine::Action::Error;
    result.text = message + QLatin1Char('\n') +
                  CommandLine::tr("Try 'etcdscope --help' for the list of options.");
    return result;
}

// The flag's value when it was given, else the environment's (an empty variable counts as
// unset, as in etcdctl), else nothing.
QString flagOrEnv(const QCommandLineParser &parser, const QString &flag,
                  const QProcessEnvironment &env, const QString &variable)
{
    if (parser.isSet(flag))
        return parser.value(flag);
    return env.value(variable);
}

// "host:port" gets a scheme the way etcdctl picks one: https when TLS options are given.
QString withScheme(const QString &endpoint, bool tls)
{
    if (endpoint.contains(QLatin1String("://")))
        return endpoint;
    return (tls ? QLatin1String("https://") : QLatin1String("http://")) + endpoint;
}

QString checkReadable(const QString &path, const QString &flag)
{
    if (path.isEmpty())
        return {};
    const QFileInfo info(path);
    if (!info.exists())
        return CommandLine::tr("The file given to %1 does not exist: %2").arg(flag, path);
    if (!info.isFile() || !info.isReadable())
        return CommandLine::tr("The file given to %1 cannot be read: %2").arg(flag, path);
    return {};
}

} // namespace

CommandLine CommandLine::parse(const QStringList &args, const QProcessEnvironment &env)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("etcdscope browses the keys of an etcd cluster (v2 and v3 keyspaces)."));
    // Not addHelpOption(): its --help-all lists Qt's own options, which are not accepted here
    // because the command line is parsed before QApplication exists.
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  tr("Show this help and exit."));
    parser.addOption(help);
    const QCommandLineOption version(QStringLiteral("version"), tr("Show the version and exit."));
    parser.addOption(version);
    parser.addOptions({
        {QStringLiteral("endpoints"),
         tr("Comma-separated etcd client URLs (default http://127.0.0.1:2379; environment "
            "ETCDCTL_ENDPOINTS). A HOST:PORT without scheme uses https when TLS options are "
            "given."),
         tr("URL[,URL...]")},
        {QStringLiteral("api"), tr("The API to browse: auto (v3 when served), v2 or v3."),
         tr("auto|v2|v3"), QStringLiteral("auto")},
        {QStringLiteral("user"),
         tr("User name, with the password after a colon; asked for when missing (environment "
            "ETCDCTL_USER)."),
         tr("NAME[:PASSWORD]")},
        {QStringLiteral("password"),
         tr("Password for --user, which is then taken whole as the user name."), tr("PASSWORD")},
        {QStringLiteral("cacert"),
         tr("Verify the servers' certificates with this CA bundle (environment ETCDCTL_CACERT)."),
         tr("FILE")},
        {QStringLiteral("cert"), tr("Client certificate for TLS (environment ETCDCTL_CERT)."),
         tr("FILE")},
        {QStringLiteral("key"), tr("Key of the client certificate (environment ETCDCTL_KEY)."),
         tr("FILE")},
        {QStringLiteral("tls-server-name"),
         tr("Check the servers' certificates against this name instead of the endpoints' host "
            "(an endpoint given as an IP address, a tunnel)."),
         tr("NAME")},
        {QStringLiteral("insecure-skip-tls-verify"),
         tr("Do not verify the servers' certificates at all. Dangerous: anyone between you and "
            "the cluster can read and change what is sent. Only this flag turns verification "
            "off, never the environment.")},
        {QStringLiteral("read-only"), tr("Never write to the cluster.")},
        {QStringLiteral("profile"),
         tr("Open this saved connection profile (File → Connect… makes them). Not with "
            "--endpoints or the other connection options."),
         tr("NAME")},
    });
    // What a desktop launcher passes (Exec=etcdscope %U): the URLs as arguments.
    parser.addPositionalArgument(
        QStringLiteral("URL"),
        tr("etcd client URLs to connect to, as --endpoints takes them; instead of --endpoints."),
        tr("[URL...]"));

    if (!parser.parse(args))
        return failure(parser.errorText());

    CommandLine result;
    if (parser.isSet(help)) {
        result.action = Action::Help;
        // helpText()'s first line names whatever binary runs (a test, or "<executable_name>"
        // before QApplication exists).
        QString text = parser.helpText();
        text = QStringLiteral("Usage: etcdscope [options] [URL...]") + text.mid(text.indexOf('\n'));
        result.text = text;
        return result;
    }
    if (parser.isSet(version)) {
        result.action = Action::Version;
        result.text = QStringLiteral("etcdscope %1\n").arg(QLatin1String(ETCDSCOPE_VERSION));
        return result;
    }
    const QStringList urls = parser.positionalArguments();
    if (!urls.isEmpty() && parser.isSet(QStringLiteral("endpoints")))
        return failure(tr("Give the endpoints either as arguments or with --endpoints, not both "
                          "(arguments: %1).")
                           .arg(urls.join(QLatin1Char(' '))));
    if (!urls.isEmpty() && parser.isSet(QStringLiteral("profile")))
        return failure(tr("--profile and endpoint arguments do not go together: the profile says "
                          "how to connect (arguments: %1).")
                           .arg(urls.join(QLatin1Char(' '))));
    for (const QString &url : urls) {
        if (url.trimmed().isEmpty())
            return failure(tr("An endpoint argument is empty: give a URL."));
    }

    EtcdClient::Options &o = result.options;

    if (parser.isSet(QStringLiteral("profile"))) {
        result.profile = parser.value(QStringLiteral("profile")).trimmed();
        if (result.profile.isEmpty())
            return failure(tr("--profile is empty: give the name of a saved profile."));
        for (const char *flag : {"endpoints", "api", "user", "password", "cacert", "cert", "key",
                                 "tls-server-name", "insecure-skip-tls-verify"}) {
            if (parser.isSet(QLatin1String(flag)))
                return failure(tr("--profile and --%1 do not go together: the profile says how "
                                  "to connect.")
                                   .arg(QLatin1String(flag)));
        }
        o.readOnly = parser.isSet(QStringLiteral("read-only"));
        return result;
    }

    const QString api = parser.value(QStringLiteral("api")).trimmed().toLower();
    if (api == QLatin1String("auto"))
        o.api = EtcdClient::Api::Auto;
    else if (api == QLatin1String("v2"))
        o.api = EtcdClient::Api::V2;
    else if (api == QLatin1String("v3"))
        o.api = EtcdClient::Api::V3;
    else
        return failure(
            tr("Unknown API \"%1\": use auto, v2 or v3.").arg(parser.value(QStringLiteral("api"))));

    o.caFile = flagOrEnv(parser, QStringLiteral("cacert"), env, QStringLiteral("ETCDCTL_CACERT"));
    o.certFile = flagOrEnv(parser, QStringLiteral("cert"), env, QStringLiteral("ETCDCTL_CERT"));
    o.keyFile = flagOrEnv(parser, QStringLiteral("key"), env, QStringLiteral("ETCDCTL_KEY"));
    if (o.certFile.isEmpty() != o.keyFile.isEmpty())
        return failure(tr("--cert and --key must be given together."));
    for (const auto &[path, flag] : {std::pair{o.caFile, QStringLiteral("--cacert")},
                                     std::pair{o.certFile, QStringLiteral("--cert")},
                                     std::pair{o.keyFile, QStringLiteral("--key")}}) {
        const QString problem = checkReadable(path, flag);
        if (!problem.isEmpty())
            return failure(problem);
    }
    if (parser.isSet(QStringLiteral("tls-server-name"))) {
        o.serverName = parser.value(QStringLiteral("tls-server-name")).trimmed();
        if (o.serverName.isEmpty())
            return failure(tr("--tls-server-name is empty: give the name the servers' "
                              "certificates carry."));
        if (o.serverName.contains(QLatin1Char('/')) || o.serverName.contains(QLatin1Char(' ')))
            return failure(tr("--tls-server-name \"%1\" is not a host name (give it without "
                              "scheme, port or path).")
                               .arg(o.serverName));
    }
    // Not ETCDCTL_INSECURE_SKIP_TLS_VERIFY: turning verification off is never implicit.
    o.insecureSkipVerify = parser.isSet(QStringLiteral("insecure-skip-tls-verify"));
    const bool tls = !o.caFile.isEmpty() || !o.certFile.isEmpty() || !o.serverName.isEmpty() ||
                     o.insecureSkipVerify;

    // Arguments are the same list as --endpoints, and win over the environment as it does.
    QString endpoints = !urls.isEmpty() ? urls.join(QLatin1Char(','))
                                        : flagOrEnv(parser, QStringLiteral("endpoints"), env,
                                                    QStringLiteral("ETCDCTL_ENDPOINTS"));
    const bool flagOrArgs = parser.isSet(QStringLiteral("endpoints")) || !urls.isEmpty();
    result.endpointsGiven = flagOrArgs || !endpoints.isEmpty();
    if (!flagOrArgs && endpoints.isEmpty())
        endpoints = QLatin1String(defaultEndpoint);
    const QStringList parts = endpoints.split(QLatin1Char(','));
    for (const QString &part : parts) {
        const QString trimmed = part.trimmed();
        if (trimmed.isEmpty())
            return failure(endpoints.trimmed().isEmpty()
                               ? tr("--endpoints is empty: give at least one URL.")
                               : tr("--endpoints \"%1\" contains an empty entry.").arg(endpoints));
        const QString full = withScheme(trimmed, tls);
        const QUrl url(full, QUrl::StrictMode);
        const QString scheme = url.scheme().toLower();
        if (!url.isValid() || url.host().isEmpty() ||
            (scheme != QLatin1String("http") && scheme != QLatin1String("https"))) {
            return failure(
                tr("\"%1\" is not an etcd endpoint: use http://HOST:PORT or https://HOST:PORT.")
                    .arg(trimmed));
        }
        if (!url.path().isEmpty() && url.path() != QLatin1String("/"))
            return failure(tr("Endpoint \"%1\" must not have a path.").arg(trimmed));
        o.endpoints << full;
    }

    // etcdctl: without --password, "--user name:secret" splits at the first colon and a bare
    // name prompts; with --password, --user is the whole name.
    const QString user =
        flagOrEnv(parser, QStringLiteral("user"), env, QStringLiteral("ETCDCTL_USER"));
    const QString password =
        flagOrEnv(parser, QStringLiteral("password"), env, QStringLiteral("ETCDCTL_PASSWORD"));
    if (user.isEmpty()) {
        if (parser.isSet(QStringLiteral("password")))
            return failure(tr("--password needs --user."));
    } else if (!password.isEmpty() || parser.isSet(QStringLiteral("password"))) {
        o.user = user;
        o.password = password;
    } else {
        const qsizetype colon = user.indexOf(QLatin1Char(':'));
        o.user = colon < 0 ? user : user.left(colon);
        if (colon < 0)
            result.passwordMissing = true;
        else
            o.password = user.mid(colon + 1);
    }
    if (!user.isEmpty() && o.user.isEmpty())
        return failure(tr("--user has an empty user name."));

    o.readOnly = parser.isSet(QStringLiteral("read-only"));
    return result;
}
