#include "connectionprofile.h"

#include <QCoreApplication>

QString ConnectionProfile::environmentName(Environment environment)
{
    switch (environment) {
    case Environment::Development:
        return QCoreApplication::translate("ConnectionProfile", "Development");
    case Environment::Staging:
        return QCoreApplication::translate("ConnectionProfile", "Staging");
    case Environment::Production:
        return QCoreApplication::translate("ConnectionProfile", "Production");
    case Environment::Custom:
        break;
    }
    return QCoreApplication::translate("ConnectionProfile", "Custom");
}

QString ConnectionProfile::environmentLabel() const
{
    if (environment == Environment::Custom && !customEnvironment.trimmed().isEmpty())
        return customEnvironment.trimmed();
    return environmentName(environment);
}

QColor ConnectionProfile::defaultColor(Environment environment)
{
    switch (environment) {
    case Environment::Development:
        return QColor(0x2e, 0x7d, 0x32); // green
    case Environment::Staging:
        return QColor(0xef, 0x6c, 0x00); // orange
    case Environment::Production:
        return QColor(0xc6, 0x28, 0x28); // red
    case Environment::Custom:
        break;
    }
    return QColor(0x45, 0x5a, 0x64); // blue grey
}

EtcdClient::Options ConnectionProfile::clientOptions() const
{
    EtcdClient::Options o;
    o.endpoints = endpoints;
    o.api = api;
    o.user = user;
    o.password = password;
    o.caFile = caFile;
    o.certFile = certFile;
    o.keyFile = keyFile;
    o.keyPassphrase = keyPassphrase;
    o.serverName = serverName;
    o.insecureSkipVerify = insecureSkipVerify;
    o.readOnly = readOnly;
    return o;
}

ConnectionProfile ConnectionProfile::fromOptions(const EtcdClient::Options &options)
{
    ConnectionProfile p;
    p.endpoints = options.endpoints;
    p.api = options.api;
    p.user = options.user;
    p.password = options.password;
    p.caFile = options.caFile;
    p.certFile = options.certFile;
    p.keyFile = options.keyFile;
    p.keyPassphrase = options.keyPassphrase;
    p.serverName = options.serverName;
    p.insecureSkipVerify = options.insecureSkipVerify;
    p.readOnly = options.readOnly;
    return p;
}
