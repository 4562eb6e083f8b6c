#pragma once

#include <QObject>
#include <QString>

#include <functional>
#include <optional>

// Passwords and passphrases in the system keychain (Secret Service, KWallet, macOS Keychain,
// Windows Credential Store) through QtKeychain, never in a file of ours. Every operation is
// asynchronous (the keychain may ask the user to unlock it). Where no keychain service runs the
// answer says so (`unavailable`) and why, and the caller asks for the secret at connect time.
class SecretStore : public QObject
{
    Q_OBJECT
public:
    struct Result
    {
        std::optional<QString> secret; // read: the secret, or none stored
        QString error;                 // what went wrong, in words; empty on success
        bool unavailable = false;      // no keychain service here
    };
    using Callback = std::function<void(const Result &)>;

    explicit SecretStore(QObject *parent = nullptr);

    // The keychain entry of a profile's password.
    static QString passwordKey(const QString &profileName);
    static QString passphraseKey(const QString &profileName);

    // `done` runs later, never after `context` is destroyed.
    void read(const QString &key, QObject *context, Callback done);
    void write(const QString &key, const QString &secret, QObject *context, Callback done);
    // Removing an entry that does not exist is a success.
    void remove(const QString &key, QObject *context, Callback done);

    // ETCDSCOPE_NO_KEYCHAIN=1 (tests, locked-down machines): behaves as if no keychain ran.
    static bool disabledByEnvironment();
};
