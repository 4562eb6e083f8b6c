#pragma once

#include <QByteArray>
#include <QList>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

// The kinds of service the demo backend runs, each with its own key directory, zone number and
// address format (three formats on purpose: a browser has to cope with all of them).
enum class Service { Login, Msg, Route };

// What the registrar's command line asks for.
struct RegistrarOptions
{
    enum class Api { V2, V3, Both };
    enum class Action { Run, Help, Version, InstallTypeNames, Error };

    struct ServiceCount
    {
        Service service = Service::Login;
        int count = 0;
    };

    QStringList endpoints;
    Api api = Api::Both;
    QByteArray prefix; // "" or "/test42": put before every key
    int ttl = 3;       // seconds
    int intervalMs = 1000;
    bool chaos = true;
    QList<ServiceCount> services;

    Action action = Action::Run;
    QString text; // the help or version text, or what is wrong with the command line

    // Options first, then ETCDCTL_ENDPOINTS for a missing --endpoints. args[0] is the program.
    static RegistrarOptions parse(const QStringList &args, const QProcessEnvironment &env);
    // "login=3,msg=2,route=2" into counts; false (and why in *error) for anything else.
    static bool parseServices(const QString &spec, QList<ServiceCount> *out, QString *error);
};
