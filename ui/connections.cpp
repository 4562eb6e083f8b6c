#include "connections.h"

#include "connectiondialog.h"
#include "mainwindow.h"
#include "passwordprompt.h"
#include "secretstore.h"

#include <QStatusBar>

Connections::Connections(const QString &settingsFile, QObject *parent)
    : QObject(parent)
    , m_store(settingsFile)
    , m_secrets(new SecretStore(this))
{
}

Connections::~Connections()
{
    for (const QPointer<MainWindow> &w : std::as_const(m_windows)) {
        if (w)
            w->disconnect(this);
    }
}

bool Connections::openProfile(const QString &name)
{
    const std::optional<ConnectionProfile> p = m_store.profile(name);
    if (!p)
        return false;
    openProfile(*p);
    return true;
}

void Connections::openProfile(const ConnectionProfile &profile)
{
    m_store.markUsed(profile.name);
    // The key's passphrase first (only for a key file, only when kept), then the password.
    if (!profile.keyFile.isEmpty() && profile.keyPassphrase.isEmpty() && profile.rememberPassword &&
        !profile.name.isEmpty()) {
        m_secrets->read(SecretStore::passphraseKey(profile.name), this,
                        [this, profile](const SecretStore::Result &r) {
                            ConnectionProfile p = profile;
                            // None kept: the key is not encrypted, or the connection says so.
                            p.keyPassphrase = r.secret.value_or(QString());
                            withPassword(p);
                        });
        return;
    }
    withPassword(profile);
}

void Connections::withPassword(const ConnectionProfile &profile)
{
    if (profile.user.isEmpty() || !profile.password.isEmpty()) {
        openWindow(profile);
        return;
    }
    auto ask = [this](ConnectionProfile p, const QString &why) {
        const std::optional<QString> password = askPassword(p.user, p.endpoints.value(0), why);
        if (!password)
            return;
        p.password = *password;
        openWindow(p);
    };
    if (!profile.rememberPassword) {
        ask(profile, tr("The profile %1 does not keep its password.").arg(profile.name));
        return;
    }
    m_secrets->read(
        SecretStore::passwordKey(profile.name), this,
        [this, profile, ask](const SecretStore::Result &r) {
            if (r.secret) {
                ConnectionProfile p = profile;
                p.password = *r.secret;
                openWindow(p);
                return;
            }
            ask(profile, r.unavailable
                             ? tr("The password of %1 cannot come from a keychain here: %2.")
                                   .arg(profile.name, r.error)
                         : r.error.isEmpty()
                             ? tr("No password of %1 is saved in the keychain.").arg(profile.name)
                             : tr("The keychain did not give the password of %1: %2.")
                                   .arg(profile.name, r.error));
        });
}

void Connections::openWindow(const ConnectionProfile &profile)
{
    auto *window = new MainWindow(profile);
    window->setAttribute(Qt::WA_DeleteOnClose);
    adopt(window);
    window->show();
}

void Connections::adopt(MainWindow *window)
{
    m_windows << window;
    connect(window, &MainWindow::connectDialogRequested, this, &Connections::showDialog);
    connect(window, &MainWindow::profileRequested, this,
            [this](const QString &name) { openProfile(name); });
}

ConnectionDialog *Connections::showDialog()
{
    if (m_dialog) {
        m_dialog->raise();
        m_dialog->activateWindow();
        return m_dialog;
    }
    m_dialog = new ConnectionDialog(&m_store, m_secrets);
    m_dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_dialog, &ConnectionDialog::connectRequested, this,
            qOverload<const ConnectionProfile &>(&Connections::openProfile));
    m_dialog->show();
    return m_dialog;
}

QList<MainWindow *> Connections::windows() const
{
    QList<MainWindow *> out;
    for (const QPointer<MainWindow> &w : m_windows) {
        if (w)
            out << w;
    }
    return out;
}
