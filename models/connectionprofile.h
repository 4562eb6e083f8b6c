#pragma once

#include "etcdclient.h"

#include <QColor>
#include <QString>
#include <QStringList>

// A saved connection: where the cluster is, how to reach it, how careful to be with it. Secrets
// (the password, a private key's passphrase) live in the system keychain (SecretStore), never
// in the settings file; they are carried here only in memory.
struct ConnectionProfile
{
    enum class Environment { Development, Staging, Production, Custom };

    QString name;
    QStringList endpoints;
    EtcdClient::Api api = EtcdClient::Api::Auto;
    Environment environment = Environment::Development;
    QString customEnvironment; // the label when environment is Custom
    QColor color;              // invalid: the environment's default
    bool readOnly = false;
    QString separator = QStringLiteral("/");
    QString rootPrefix;
    // TLS
    QString caFile;
    QString certFile;
    QString keyFile;
    QString serverName;
    bool insecureSkipVerify = false;
    // Authentication
    QString user;
    bool rememberPassword = true; // in the keychain
    // In memory only.
    QString password;
    QString keyPassphrase;

    bool isProduction() const { return environment == Environment::Production; }
    QColor bandColor() const { return color.isValid() ? color : defaultColor(environment); }
    QString environmentLabel() const;
    EtcdClient::Options clientOptions() const;

    static QColor defaultColor(Environment environment);
    static QString environmentName(Environment environment);
    // Read-only is on by default for production.
    static bool defaultReadOnly(Environment environment)
    {
        return environment == Environment::Production;
    }
    // A profile made from a command line (--endpoints, TLS files, --user): not saved.
    static ConnectionProfile fromOptions(const EtcdClient::Options &options);
};
Q_DECLARE_METATYPE(ConnectionProfile)
