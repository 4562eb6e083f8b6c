#pragma once

#include "connectionprofile.h"
#include "profilestore.h"

#include <QObject>
#include <QPointer>

class ConnectionDialog;
class MainWindow;
class SecretStore;

// The application's connections: one window per open connection (several at once, each with its
// own tree, watch and panels), the connection dialog (also the start screen), the recent
// profiles. A profile's password comes from the keychain, or is asked for when there is none.
class Connections : public QObject
{
    Q_OBJECT
public:
    // settingsFile: as ProfileStore (empty: the platform's usual place).
    explicit Connections(const QString &settingsFile = {}, QObject *parent = nullptr);
    ~Connections() override;

    ProfileStore *store() { return &m_store; }
    SecretStore *secrets() const { return m_secrets; }

    // Opens a saved profile by name in a new window. False when there is no such profile.
    bool openProfile(const QString &name);
    // Opens `profile` in a new window once its password is known (typed, from the keychain, or
    // asked for).
    void openProfile(const ConnectionProfile &profile);
    // A window made elsewhere (the command line's) joins: its Connect and Recent work.
    void adopt(MainWindow *window);
    // The connection dialog, non-modal; one at a time.
    ConnectionDialog *showDialog();
    QList<MainWindow *> windows() const;

private:
    void withPassword(const ConnectionProfile &profile);
    void openWindow(const ConnectionProfile &profile);

    ProfileStore m_store;
    SecretStore *m_secrets;
    QPointer<ConnectionDialog> m_dialog;
    QList<QPointer<MainWindow>> m_windows;
};
