#include "profilestore.h"

#include <QCoreApplication>
#include <QSettings>

#include <algorithm>

namespace {

const QString profilesArray = QStringLiteral("profiles");
const QString recentKey = QStringLiteral("recentProfiles");

QString apiKey(EtcdClient::Api api)
{
    switch (api) {
    case EtcdClient::Api::V2:
        return QStringLiteral("v2");
    case EtcdClient::Api::V3:
        return QStringLiteral("v3");
    case EtcdClient::Api::Auto:
        break;
    }
    return QStringLiteral("auto");
}

EtcdClient::Api apiFromKey(const QString &key)
{
    if (key == QLatin1String("v2"))
        return EtcdClient::Api::V2;
    if (key == QLatin1String("v3"))
        return EtcdClient::Api::V3;
    return EtcdClient::Api::Auto;
}

QString environmentKey(ConnectionProfile::Environment e)
{
    switch (e) {
    case ConnectionProfile::Environment::Development:
        return QStringLiteral("development");
    case ConnectionProfile::Environment::Staging:
        return QStringLiteral("staging");
    case ConnectionProfile::Environment::Production:
        return QStringLiteral("production");
    case ConnectionProfile::Environment::Custom:
        break;
    }
    return QStringLiteral("custom");
}

ConnectionProfile::Environment environmentFromKey(const QString &key)
{
    if (key == QLatin1String("staging"))
        return ConnectionProfile::Environment::Staging;
    if (key == QLatin1String("production"))
        return ConnectionProfile::Environment::Production;
    if (key == QLatin1String("custom"))
        return ConnectionProfile::Environment::Custom;
    return ConnectionProfile::Environment::Development;
}

bool sameName(const QString &a, const QString &b)
{
    return a.compare(b, Qt::CaseInsensitive) == 0;
}

} // namespace

ProfileStore::ProfileStore(QString settingsFile)
    : m_file(std::move(settingsFile))
{
}

std::unique_ptr<QSettings> ProfileStore::settings() const
{
    if (m_file.isEmpty())
        return std::make_unique<QSettings>();
    return std::make_unique<QSettings>(m_file, QSettings::IniFormat);
}

QString ProfileStore::fileName() const
{
    return settings()->fileName();
}

QList<ConnectionProfile> ProfileStore::profiles() const
{
    auto s = settings();
    QList<ConnectionProfile> out;
    const int n = s->beginReadArray(profilesArray);
    for (int i = 0; i < n; ++i) {
        s->setArrayIndex(i);
        ConnectionProfile p;
        p.name = s->value(QStringLiteral("name")).toString();
        if (p.name.isEmpty())
            continue;
        p.endpoints = s->value(QStringLiteral("endpoints")).toStringList();
        p.api = apiFromKey(s->value(QStringLiteral("api")).toString());
        p.environment = environmentFromKey(s->value(QStringLiteral("environment")).toString());
        p.customEnvironment = s->value(QStringLiteral("customEnvironment")).toString();
        p.color = QColor(s->value(QStringLiteral("color")).toString());
        p.readOnly =
            s->value(QStringLiteral("readOnly"), ConnectionProfile::defaultReadOnly(p.environment))
                .toBool();
        p.separator = s->value(QStringLiteral("separator"), QStringLiteral("/")).toString();
        p.rootPrefix = s->value(QStringLiteral("rootPrefix")).toString();
        p.caFile = s->value(QStringLiteral("caFile")).toString();
        p.certFile = s->value(QStringLiteral("certFile")).toString();
        p.keyFile = s->value(QStringLiteral("keyFile")).toString();
        p.serverName = s->value(QStringLiteral("serverName")).toString();
        p.insecureSkipVerify = s->value(QStringLiteral("insecureSkipVerify")).toBool();
        p.user = s->value(QStringLiteral("user")).toString();
        p.rememberPassword = s->value(QStringLiteral("rememberPassword"), true).toBool();
        out << p;
    }
    s->endArray();
    std::sort(out.begin(), out.end(), [](const ConnectionProfile &a, const ConnectionProfile &b) {
        return a.name.compare(b.name, Qt::CaseInsensitive) < 0;
    });
    return out;
}

std::optional<ConnectionProfile> ProfileStore::profile(const QString &name) const
{
    for (const ConnectionProfile &p : profiles()) {
        if (sameName(p.name, name))
            return p;
    }
    return std::nullopt;
}

void ProfileStore::writeAll(const QList<ConnectionProfile> &profiles) const
{
    auto s = settings();
    s->remove(profilesArray);
    s->beginWriteArray(profilesArray, int(profiles.size()));
    for (int i = 0; i < profiles.size(); ++i) {
        const ConnectionProfile &p = profiles[i];
        s->setArrayIndex(i);
        s->setValue(QStringLiteral("name"), p.name);
        s->setValue(QStringLiteral("endpoints"), p.endpoints);
        s->setValue(QStringLiteral("api"), apiKey(p.api));
        s->setValue(QStringLiteral("environment"), environmentKey(p.environment));
        s->setValue(QStringLiteral("customEnvironment"), p.customEnvironment);
        s->setValue(QStringLiteral("color"), p.color.isValid() ? p.color.name() : QString());
        s->setValue(QStringLiteral("readOnly"), p.readOnly);
        s->setValue(QStringLiteral("separator"), p.separator);
        s->setValue(QStringLiteral("rootPrefix"), p.rootPrefix);
        s->setValue(QStringLiteral("caFile"), p.caFile);
        s->setValue(QStringLiteral("certFile"), p.certFile);
        s->setValue(QStringLiteral("keyFile"), p.keyFile);
        s->setValue(QStringLiteral("serverName"), p.serverName);
        s->setValue(QStringLiteral("insecureSkipVerify"), p.insecureSkipVerify);
        s->setValue(QStringLiteral("user"), p.user);
        s->setValue(QStringLiteral("rememberPassword"), p.rememberPassword);
        // No password, no passphrase: they belong in the keychain.
    }
    s->endArray();
    s->sync();
}

bool ProfileStore::save(const ConnectionProfile &profile, const QString &previousName,
                        QString *error)
{
    const QString name = profile.name.trimmed();
    if (name.isEmpty()) {
        if (error)
            *error = QCoreApplication::translate("ProfileStore", "A profile needs a name.");
        return false;
    }
    QList<ConnectionProfile> all = profiles();
    // A new profile (no previous name) may not take an existing one's name.
    const QString replaced = previousName;
    for (const ConnectionProfile &p : all) {
        if (sameName(p.name, name) && (replaced.isEmpty() || !sameName(p.name, replaced))) {
            if (error)
                *error = QCoreApplication::translate("ProfileStore",
                                                     "A profile named \"%1\" exists already.")
                             .arg(p.name);
            return false;
        }
    }
    if (!replaced.isEmpty())
        all.erase(
            std::remove_if(all.begin(), all.end(),
                           [&](const ConnectionProfile &p) { return sameName(p.name, replaced); }),
            all.end());
    ConnectionProfile stored = profile;
    stored.name = name;
    stored.password.clear();
    stored.keyPassphrase.clear();
    all << stored;
    writeAll(all);
    if (!previousName.isEmpty() && !sameName(previousName, name)) {
        QStringList r = recent();
        for (QString &entry : r) {
            if (sameName(entry, previousName))
                entry = name;
        }
        settings()->setValue(recentKey, r);
    }
    return true;
}

void ProfileStore::remove(const QString &name)
{
    QList<ConnectionProfile> all = profiles();
    all.erase(std::remove_if(all.begin(), all.end(),
                             [&](const ConnectionProfile &p) { return sameName(p.name, name); }),
              all.end());
    writeAll(all);
    QStringList r = recent();
    r.erase(std::remove_if(r.begin(), r.end(), [&](const QString &e) { return sameName(e, name); }),
            r.end());
    settings()->setValue(recentKey, r);
}

QString ProfileStore::uniqueName(const QString &base) const
{
    const QList<ConnectionProfile> all = profiles();
    auto taken = [&](const QString &n) {
        return std::any_of(all.begin(), all.end(),
                           [&](const ConnectionProfile &p) { return sameName(p.name, n); });
    };
    QString candidate = QCoreApplication::translate("ProfileStore", "%1 (copy)").arg(base);
    for (int i = 2; taken(candidate); ++i)
        candidate = QCoreApplication::translate("ProfileStore", "%1 (copy %2)").arg(base).arg(i);
    return candidate;
}

QStringList ProfileStore::recent() const
{
    return settings()->value(recentKey).toStringList();
}

void ProfileStore::markUsed(const QString &name)
{
    QStringList r = recent();
    r.erase(std::remove_if(r.begin(), r.end(), [&](const QString &e) { return sameName(e, name); }),
            r.end());
    r.prepend(name);
    while (r.size() > MaxRecent)
        r.removeLast();
    settings()->setValue(recentKey, r);
}

QString ProfileStore::lastUsed() const
{
    const QList<ConnectionProfile> all = profiles();
    for (const QString &name : recent()) {
        for (const ConnectionProfile &p : all) {
            if (sameName(p.name, name))
                return p.name;
        }
    }
    return {};
}
