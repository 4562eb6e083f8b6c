// etcdscope-demo-registrar: plays a backend whose servers register themselves in etcd, for the
// demo (scripts/run) and the tests. Parses the command line, asks the cluster what it serves,
// then hands over to the Registrar.
#include "console.h"
#include "etcdclient.h"
#include "etcdlog.h"
#include "registrar.h"
#include "registraroptions.h"
#include "typenames.h"

#include <QCoreApplication>
#include <QLoggingCategory>

#include <cstdio>
#include <memory>

int main(int argc, char **argv)
{
    Console::holdStdin(); // before Qt opens any file
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("etcdscope-demo-registrar"));
    QCoreApplication::setApplicationVersion(QStringLiteral(ETCDSCOPE_VERSION));
    // The client library logs every reconnect at info level; the registrar says what matters in
    // its own lines. QT_LOGGING_RULES still wins over this.
    QLoggingCategory::setFilterRules(QStringLiteral("etcdscope.*.info=false"));
    etcdInstallQtNoiseFilter();

    const RegistrarOptions options =
        RegistrarOptions::parse(app.arguments(), QProcessEnvironment::systemEnvironment());
    switch (options.action) {
    case RegistrarOptions::Action::Help:
    case RegistrarOptions::Action::Version:
        std::fputs(options.text.toLocal8Bit().constData(), stdout);
        return 0;
    case RegistrarOptions::Action::Error:
        Console::warn(options.text);
        return 2;
    case RegistrarOptions::Action::InstallTypeNames:
        if (!installDemoTypeNames()) {
            Console::warn(QStringLiteral("could not write etcdscope's settings"));
            return 1;
        }
        return 0;
    case RegistrarOptions::Action::Run:
        break;
    }

    EtcdClient client;
    EtcdClient::Options clientOptions;
    clientOptions.endpoints = options.endpoints;
    // The watch of the msg server follows the client's API: v2 only when v2 alone is asked for.
    clientOptions.api = options.api == RegistrarOptions::Api::V2   ? EtcdClient::Api::V2
                        : options.api == RegistrarOptions::Api::V3 ? EtcdClient::Api::V3
                                                                   : EtcdClient::Api::Auto;
    if (const EtcdError error = client.configure(clientOptions)) {
        Console::warn(error.toString());
        return 2;
    }

    // Declared after the client, so destroyed before it: the instances' calls end first.
    std::unique_ptr<Registrar> registrar;
    std::unique_ptr<StdinReader> input;
    const QString where = options.endpoints.join(QLatin1Char(','));
    client.discover(&app, [&](const EtcdResult<EtcdClient::ClusterInfo> &r) {
        if (!r.ok()) {
            if (r.error.is(EtcdError::Condition::ApiNotAvailable))
                Console::warn(QStringLiteral("etcd at %1 does not serve the API asked for: %2")
                                  .arg(where, r.error.toString()));
            else
                Console::warn(
                    QStringLiteral("cannot reach etcd at %1: %2").arg(where, r.error.toString()));
            QCoreApplication::exit(1);
            return;
        }
        const EtcdClient::ClusterInfo &info = r.value;
        // etcd 3.4 keeps v2 and v3 in separate stores: "both" registers in each one it serves.
        const bool v3 = options.api != RegistrarOptions::Api::V2 && info.v3Available;
        const bool v2 = options.api != RegistrarOptions::Api::V3 && info.v2Available;
        if (!v3 && !v2) {
            Console::warn(QStringLiteral("etcd at %1 serves neither v2 nor v3").arg(where));
            QCoreApplication::exit(1);
            return;
        }
        if (!info.healthy)
            Console::warn(QStringLiteral("etcd at %1 says it is not healthy (%2); registering "
                                         "anyway")
                              .arg(info.endpoint, info.healthReason.isEmpty()
                                                      ? QStringLiteral("no reason given")
                                                      : info.healthReason));

        registrar = std::make_unique<Registrar>(&client, options, v3, v2);
        QStringList apis;
        if (v3)
            apis << QStringLiteral("v3");
        if (v2)
            apis << QStringLiteral("v2");
        Console::say(QStringLiteral("etcd %1 at %2: registering %3 instances in %4, ttl %5 s, "
                                    "heartbeat every %6 ms%7")
                         .arg(info.serverVersion, info.endpoint)
                         .arg(registrar->instanceCount())
                         .arg(apis.join(QStringLiteral(" and ")))
                         .arg(options.ttl)
                         .arg(options.intervalMs)
                         .arg(options.chaos ? QStringLiteral(", with chaos")
                                            : QStringLiteral(", no chaos")));
        QObject::connect(registrar.get(), &Registrar::finished, &app,
                         [](int code) { QCoreApplication::exit(code); });
        // Commands are read only now: what was typed meanwhile waits in the pipe.
        input = std::make_unique<StdinReader>();
        QObject::connect(input.get(), &StdinReader::lineRead, registrar.get(), &Registrar::command);
        registrar->start();
    });
    return QCoreApplication::exec();
}
