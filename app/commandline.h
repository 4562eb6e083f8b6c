#pragma once

#include "etcdclient.h"

#include <QCoreApplication>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

// etcdscope's command line, in etcdctl's spelling (plus endpoint URLs as arguments, which is how
// a desktop launcher passes them): what to connect to and how, or the text to print instead
// (help, version, a usage error). Parsing has no side effects so tests can drive it.
struct CommandLine
{
    Q_DECLARE_TR_FUNCTIONS(CommandLine)

public:
    enum class Action {
        Run,     // open the window with `options`
        Help,    // print `text` to stdout, exit 0
        Version, // print `text` to stdout, exit 0
        Error,   // print `text` to stderr, exit 2
    };

    Action action = Action::Run;
    EtcdClient::Options options;
    // --user NAME without a password and no --password: ask for it, as etcdctl does.
    bool passwordMissing = false;
    // --profile NAME: open this saved profile (options then holds only --read-only).
    QString profile;
    // Endpoints came from --endpoints, URL arguments or ETCDCTL_ENDPOINTS. Otherwise the last
    // profile used reopens (or the connection dialog shows) instead of the default endpoint.
    bool endpointsGiven = false;
    QString text;

    int exitCode() const { return action == Action::Error ? 2 : 0; }

    // As etcdctl: without a scheme, so it becomes https:// when TLS options are given.
    static constexpr const char *defaultEndpoint = "127.0.0.1:2379";

    // args[0] is the program name. Flags win over the environment (ETCDCTL_ENDPOINTS,
    // ETCDCTL_USER, ETCDCTL_PASSWORD, ETCDCTL_CACERT, ETCDCTL_CERT, ETCDCTL_KEY), as in etcdctl;
    // --insecure-skip-tls-verify and --tls-server-name are flags only.
    static CommandLine parse(const QStringList &args, const QProcessEnvironment &env);
};
