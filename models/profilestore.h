#pragma once

#include "connectionprofile.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

class QSettings;

// The saved connection profiles, with QSettings in the platform's usual place (or a given file,
// for tests), and which were used last. Never writes a password or passphrase: those go to the
// keychain (SecretStore). Reads the settings afresh on every call, so that several windows share
// one view of them.
class ProfileStore
{
public:
    static constexpr int MaxRecent = 8;

    // Empty: QSettings' default for this application.
    explicit ProfileStore(QString settingsFile = {});

    // By name (case-insensitive).
    QList<ConnectionProfile> profiles() const;
    std::optional<ConnectionProfile> profile(const QString &name) const;
    // Adds `profile` (previousName empty) or replaces the profile called `previousName` (which
    // may be a rename). Fails (with why) on an empty name or a name another profile has.
    bool save(const ConnectionProfile &profile, const QString &previousName = {},
              QString *error = nullptr);
    void remove(const QString &name);
    // "prod (copy)", "prod (copy 2)", …: a name no profile has.
    QString uniqueName(const QString &base) const;

    // Most recent first.
    QStringList recent() const;
    void markUsed(const QString &name);
    QString lastUsed() const;

    QString fileName() const;

private:
    std::unique_ptr<QSettings> settings() const;
    void writeAll(const QList<ConnectionProfile> &profiles) const;

    QString m_file;
};
