#pragma once

#include "connectionprofile.h"
#include "profilestore.h"

#include <QDialog>
#include <QPointer>

class EtcdClient;
class EtcdDiscovery;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class SecretStore;

// The connections: saved profiles on the left (the recently used first), the selected one's
// settings on the right, and New, Duplicate, Delete, Test, Save and Connect. Passwords go to
// the system keychain (never to the settings file); where there is none, the dialog says so and
// the password is asked for when connecting. Also the start screen when nothing else says what
// to open.
class ConnectionDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ConnectionDialog(ProfileStore *store, SecretStore *secrets, QWidget *parent = nullptr);
    ~ConnectionDialog() override;

    void selectProfile(const QString &name);
    // The form as a profile (the password as typed).
    ConnectionProfile currentProfile() const;
    QString statusText() const;
    bool isModified() const { return m_modified; }

public Q_SLOTS:
    void newProfile();
    void duplicateProfile();
    void deleteProfile();
    // Saves the form; the password to the keychain when asked to. Returns false (and says why)
    // when the form cannot be saved.
    bool saveProfile();
    void testConnection();
    void connectToProfile();

Q_SIGNALS:
    // Connect: open this profile (password included) in a window.
    void connectRequested(const ConnectionProfile &profile);
    // A Test ended; ok or not, statusText() says what was found.
    void testFinished(bool ok);
    void saved(const QString &name);

private:
    void buildForm();
    void reloadList(const QString &select);
    void loadProfile(const ConnectionProfile &profile);
    void onSelectionChanged();
    void markModified();
    void setStatus(const QString &text, bool error = false);
    void updateEnvironmentControls();
    QString validate(const ConnectionProfile &p) const;
    QWidget *fileRow(QLineEdit *edit, const QString &title);

    ProfileStore *m_store;
    SecretStore *m_secrets;
    QListWidget *m_list;
    QLineEdit *m_name;
    QLineEdit *m_endpoints;
    QComboBox *m_api;
    QComboBox *m_environment;
    QLineEdit *m_customEnvironment;
    QPushButton *m_color;
    QColor m_chosenColor;
    QCheckBox *m_readOnly;
    QLineEdit *m_separator;
    QLineEdit *m_rootPrefix;
    QLineEdit *m_caFile;
    QLineEdit *m_certFile;
    QLineEdit *m_keyFile;
    QLineEdit *m_passphrase;
    QLineEdit *m_serverName;
    QCheckBox *m_insecure;
    QLineEdit *m_user;
    QLineEdit *m_password;
    QCheckBox *m_remember;
    QLabel *m_keychainStatus;
    QLabel *m_status;
    QPushButton *m_testButton;
    QPushButton *m_connectButton;
    QString m_loadedName; // the saved profile the form shows ("" for a new one)
    bool m_modified = false;
    bool m_loading = false;
    EtcdClient *m_testClient = nullptr;
    QPointer<EtcdDiscovery> m_test;
};
