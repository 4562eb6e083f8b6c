#include "connectiondialog.h"

#include "errortext.h"
#include "etcdclient.h"
#include "secretstore.h"

#include <QCheckBox>
#include <QColorDialog>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPainter>
#include <QPixmap>
#include <QPushButton>
#include <QRegularExpression>
#include <QSplitter>
#include <QToolButton>
#include <QVBoxLayout>

namespace {

QIcon colorIcon(const QColor &color)
{
    QPixmap pixmap(14, 14);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setBrush(color);
    p.setPen(color.darker(130));
    p.drawRoundedRect(QRectF(0.5, 0.5, 13, 13), 3, 3);
    return QIcon(pixmap);
}

} // namespace

ConnectionDialog::ConnectionDialog(ProfileStore *store, SecretStore *secrets, QWidget *parent)
    : QDialog(parent)
    , m_store(store)
    , m_secrets(secrets)
    , m_list(new QListWidget(this))
{
    setObjectName(QStringLiteral("connectionDialog"));
    setWindowTitle(tr("Connections — etcdscope"));
    setAccessibleName(windowTitle());
    buildForm();
    reloadList(m_store->lastUsed());
    if (m_list->count() == 0)
        newProfile();
    resize(820, 640);
}

ConnectionDialog::~ConnectionDialog()
{
    if (m_test)
        m_test->cancel();
}

QWidget *ConnectionDialog::fileRow(QLineEdit *edit, const QString &title)
{
    auto *row = new QWidget(this);
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    auto *browse = new QToolButton(row);
    browse->setText(QStringLiteral("…"));
    browse->setToolTip(tr("Choose the file"));
    browse->setAccessibleName(tr("Choose %1").arg(title));
    connect(browse, &QToolButton::clicked, this, [this, edit, title] {
        auto *d = new QFileDialog(this, title, edit->text());
        d->setAttribute(Qt::WA_DeleteOnClose);
        d->setFileMode(QFileDialog::ExistingFile);
        connect(d, &QFileDialog::fileSelected, edit, &QLineEdit::setText);
        d->open();
    });
    layout->addWidget(browse);
    return row;
}

void ConnectionDialog::buildForm()
{
    auto line = [this](const QString &objectName, const QString &accessible,
                       const QString &placeholder = {}) {
        auto *e = new QLineEdit(this);
        e->setObjectName(objectName);
        e->setAccessibleName(accessible);
        e->setPlaceholderText(placeholder);
        connect(e, &QLineEdit::textEdited, this, &ConnectionDialog::markModified);
        return e;
    };
    m_name = line(QStringLiteral("nameEdit"), tr("Profile name"), tr("orders-prod"));
    m_endpoints = line(QStringLiteral("endpointsEdit"), tr("Endpoints"),
                       QStringLiteral("https://10.0.0.1:2379, https://10.0.0.2:2379"));
    m_api = new QComboBox(this);
    m_api->setObjectName(QStringLiteral("apiCombo"));
    m_api->setAccessibleName(tr("API"));
    m_api->addItem(tr("Automatic (v3 when served)"), int(EtcdClient::Api::Auto));
    m_api->addItem(tr("v3"), int(EtcdClient::Api::V3));
    m_api->addItem(tr("v2 (etcd ≤ 3.5 with --enable-v2)"), int(EtcdClient::Api::V2));
    m_environment = new QComboBox(this);
    m_environment->setObjectName(QStringLiteral("environmentCombo"));
    m_environment->setAccessibleName(tr("Environment"));
    for (auto e :
         {ConnectionProfile::Environment::Development, ConnectionProfile::Environment::Staging,
          ConnectionProfile::Environment::Production, ConnectionProfile::Environment::Custom})
        m_environment->addItem(colorIcon(ConnectionProfile::defaultColor(e)),
                               ConnectionProfile::environmentName(e), int(e));
    m_customEnvironment =
        line(QStringLiteral("customEnvironmentEdit"), tr("Environment name"), tr("QA"));
    m_color = new QPushButton(tr("Colour…"), this);
    m_color->setObjectName(QStringLiteral("colorButton"));
    m_color->setAccessibleName(tr("Band colour"));
    connect(m_color, &QPushButton::clicked, this, [this] {
        auto *d = new QColorDialog(currentProfile().bandColor(), this);
        d->setAttribute(Qt::WA_DeleteOnClose);
        connect(d, &QColorDialog::colorSelected, this, [this](const QColor &c) {
            m_chosenColor = c;
            markModified();
            updateEnvironmentControls();
        });
        d->open();
    });
    m_readOnly = new QCheckBox(tr("&Read-only (never write; on by default for production)"), this);
    m_readOnly->setObjectName(QStringLiteral("readOnlyCheck"));
    m_separator = line(QStringLiteral("separatorEdit"), tr("Separator"), QStringLiteral("/"));
    m_separator->setMaxLength(1);
    m_rootPrefix = line(QStringLiteral("rootPrefixEdit"), tr("Root prefix"),
                        tr("/app/ (empty: the whole keyspace)"));
    m_caFile =
        line(QStringLiteral("caFileEdit"), tr("CA certificate file"), tr("system CAs when empty"));
    m_certFile = line(QStringLiteral("certFileEdit"), tr("Client certificate file"));
    m_keyFile = line(QStringLiteral("keyFileEdit"), tr("Client key file"));
    m_passphrase = line(QStringLiteral("passphraseEdit"), tr("Key passphrase"),
                        tr("only for an encrypted key"));
    m_passphrase->setEchoMode(QLineEdit::Password);
    m_serverName = line(QStringLiteral("serverNameEdit"), tr("Server name"),
                        tr("the endpoint's host when empty"));
    m_insecure = new QCheckBox(tr("Do &not verify the server's certificate (insecure)"), this);
    m_insecure->setObjectName(QStringLiteral("insecureCheck"));
    m_insecure->setStyleSheet(QStringLiteral("QCheckBox { color: #b71c1c; }"));
    m_insecure->setToolTip(tr("Anyone on the network path could pose as the cluster. The window "
                              "shows a red warning for as long as it is connected."));
    m_user = line(QStringLiteral("userEdit"), tr("User name"), tr("none (no authentication)"));
    m_password = line(QStringLiteral("passwordEdit"), tr("Password"));
    m_password->setEchoMode(QLineEdit::Password);
    m_remember = new QCheckBox(
        tr("Remember the password and the key passphrase in the system &keychain"), this);
    m_remember->setObjectName(QStringLiteral("rememberCheck"));
    m_keychainStatus = new QLabel(this);
    m_keychainStatus->setObjectName(QStringLiteral("keychainStatus"));
    m_keychainStatus->setWordWrap(true);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("connectionStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    for (QCheckBox *c : {m_readOnly, m_insecure, m_remember})
        connect(c, &QCheckBox::toggled, this, &ConnectionDialog::markModified);
    connect(m_api, &QComboBox::currentIndexChanged, this, &ConnectionDialog::markModified);
    connect(m_environment, &QComboBox::currentIndexChanged, this, [this] {
        if (m_loading)
            return;
        // Production starts read-only; the user may still turn it off, knowingly.
        const auto e = ConnectionProfile::Environment(m_environment->currentData().toInt());
        m_readOnly->setChecked(ConnectionProfile::defaultReadOnly(e));
        m_chosenColor = QColor();
        markModified();
        updateEnvironmentControls();
    });

    auto *form = new QFormLayout;
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("&Endpoints:"), m_endpoints);
    form->addRow(tr("&API:"), m_api);
    auto *envRow = new QHBoxLayout;
    envRow->addWidget(m_environment, 1);
    envRow->addWidget(m_customEnvironment, 1);
    envRow->addWidget(m_color);
    auto *envLabel = new QLabel(tr("En&vironment:"), this);
    envLabel->setBuddy(m_environment);
    form->addRow(envLabel, envRow);
    form->addRow(QString(), m_readOnly);
    form->addRow(tr("&Separator:"), m_separator);
    form->addRow(tr("Root &prefix:"), m_rootPrefix);

    auto *tls = new QGroupBox(tr("TLS"), this);
    auto *tlsForm = new QFormLayout(tls);
    tlsForm->addRow(tr("C&A file:"), fileRow(m_caFile, tr("CA certificate")));
    tlsForm->addRow(tr("Client ce&rtificate:"), fileRow(m_certFile, tr("client certificate")));
    tlsForm->addRow(tr("Client &key:"), fileRow(m_keyFile, tr("client key")));
    tlsForm->addRow(tr("Key pa&ssphrase:"), m_passphrase);
    tlsForm->addRow(tr("Server na&me:"), m_serverName);
    tlsForm->addRow(QString(), m_insecure);
    auto *auth = new QGroupBox(tr("Authentication"), this);
    auto *authForm = new QFormLayout(auth);
    authForm->addRow(tr("&User:"), m_user);
    authForm->addRow(tr("Pass&word:"), m_password);
    authForm->addRow(QString(), m_remember);
    authForm->addRow(QString(), m_keychainStatus);

    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->addLayout(form);
    rightLayout->addWidget(tls);
    rightLayout->addWidget(auth);
    rightLayout->addWidget(m_status);
    rightLayout->addStretch(1);

    m_list->setObjectName(QStringLiteral("profileList"));
    m_list->setAccessibleName(tr("Saved connections"));
    connect(m_list, &QListWidget::currentRowChanged, this, &ConnectionDialog::onSelectionChanged);
    connect(m_list, &QListWidget::itemDoubleClicked, this, &ConnectionDialog::connectToProfile);
    auto *listButtons = new QHBoxLayout;
    auto button = [this](const QString &text, const QString &name) {
        auto *b = new QPushButton(text, this);
        b->setObjectName(name);
        b->setAutoDefault(false);
        return b;
    };
    QPushButton *add = button(tr("Ne&w"), QStringLiteral("newButton"));
    QPushButton *dup = button(tr("D&uplicate"), QStringLiteral("duplicateButton"));
    QPushButton *del = button(tr("&Delete…"), QStringLiteral("deleteButton"));
    connect(add, &QPushButton::clicked, this, &ConnectionDialog::newProfile);
    connect(dup, &QPushButton::clicked, this, &ConnectionDialog::duplicateProfile);
    connect(del, &QPushButton::clicked, this, &ConnectionDialog::deleteProfile);
    listButtons->addWidget(add);
    listButtons->addWidget(dup);
    listButtons->addWidget(del);
    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(new QLabel(tr("Recently used first"), this));
    leftLayout->addWidget(m_list, 1);
    leftLayout->addLayout(listButtons);

    auto *splitter = new QSplitter(this);
    splitter->addWidget(left);
    splitter->addWidget(right);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({220, 600});

    auto *buttons = new QDialogButtonBox(this);
    m_testButton = buttons->addButton(tr("&Test"), QDialogButtonBox::ActionRole);
    m_testButton->setObjectName(QStringLiteral("testButton"));
    QPushButton *save = buttons->addButton(tr("&Save"), QDialogButtonBox::ApplyRole);
    save->setObjectName(QStringLiteral("saveButton"));
    m_connectButton = buttons->addButton(tr("&Connect"), QDialogButtonBox::AcceptRole);
    m_connectButton->setObjectName(QStringLiteral("connectButton"));
    m_connectButton->setDefault(true);
    QPushButton *close = buttons->addButton(QDialogButtonBox::Close);
    connect(m_testButton, &QPushButton::clicked, this, &ConnectionDialog::testConnection);
    connect(save, &QPushButton::clicked, this, &ConnectionDialog::saveProfile);
    connect(m_connectButton, &QPushButton::clicked, this, &ConnectionDialog::connectToProfile);
    connect(close, &QPushButton::clicked, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter, 1);
    layout->addWidget(buttons);
}

void ConnectionDialog::reloadList(const QString &select)
{
    m_loading = true;
    m_list->clear();
    // Recently used first, then the rest by name.
    QList<ConnectionProfile> all = m_store->profiles();
    const QStringList recent = m_store->recent();
    std::stable_sort(all.begin(), all.end(),
                     [&](const ConnectionProfile &a, const ConnectionProfile &b) {
                         auto rank = [&](const QString &n) {
                             for (int i = 0; i < recent.size(); ++i) {
                                 if (recent[i].compare(n, Qt::CaseInsensitive) == 0)
                                     return i;
                             }
                             return int(recent.size());
                         };
                         return rank(a.name) < rank(b.name);
                     });
    int row = -1;
    for (const ConnectionProfile &p : all) {
        auto *item = new QListWidgetItem(
            colorIcon(p.bandColor()),
            QStringLiteral("%1\n%2 · %3")
                .arg(p.name, p.environmentLabel(), p.endpoints.join(QStringLiteral(", "))),
            m_list);
        item->setData(Qt::UserRole, p.name);
        if (p.name.compare(select, Qt::CaseInsensitive) == 0)
            row = m_list->count() - 1;
    }
    m_loading = false;
    if (m_list->count() > 0)
        m_list->setCurrentRow(row >= 0 ? row : 0);
}

void ConnectionDialog::selectProfile(const QString &name)
{
    for (int i = 0; i < m_list->count(); ++i) {
        if (m_list->item(i)->data(Qt::UserRole).toString().compare(name, Qt::CaseInsensitive) == 0)
            m_list->setCurrentRow(i);
    }
}

void ConnectionDialog::onSelectionChanged()
{
    if (m_loading || !m_list->currentItem())
        return;
    const std::optional<ConnectionProfile> p =
        m_store->profile(m_list->currentItem()->data(Qt::UserRole).toString());
    if (p)
        loadProfile(*p);
}

void ConnectionDialog::loadProfile(const ConnectionProfile &p)
{
    m_loading = true;
    m_loadedName = p.name;
    m_name->setText(p.name);
    m_endpoints->setText(p.endpoints.join(QStringLiteral(", ")));
    m_api->setCurrentIndex(m_api->findData(int(p.api)));
    m_environment->setCurrentIndex(m_environment->findData(int(p.environment)));
    m_customEnvironment->setText(p.customEnvironment);
    m_chosenColor = p.color;
    m_readOnly->setChecked(p.readOnly);
    m_separator->setText(p.separator);
    m_rootPrefix->setText(p.rootPrefix);
    m_caFile->setText(p.caFile);
    m_certFile->setText(p.certFile);
    m_keyFile->setText(p.keyFile);
    m_passphrase->setText(p.keyPassphrase);
    m_serverName->setText(p.serverName);
    m_insecure->setChecked(p.insecureSkipVerify);
    m_user->setText(p.user);
    m_password->setText(p.password);
    m_remember->setChecked(p.rememberPassword);
    m_keychainStatus->clear();
    m_loading = false;
    m_modified = false;
    updateEnvironmentControls();
    setStatus({});
    if (!p.name.isEmpty() && !p.keyFile.isEmpty() && p.rememberPassword &&
        p.keyPassphrase.isEmpty()) {
        const QString name = p.name;
        m_secrets->read(SecretStore::passphraseKey(name), this,
                        [this, name](const SecretStore::Result &r) {
                            if (m_loadedName == name && r.secret)
                                m_passphrase->setText(*r.secret);
                        });
    }
    if (!p.name.isEmpty() && !p.user.isEmpty() && p.rememberPassword && p.password.isEmpty()) {
        const QString name = p.name;
        m_keychainStatus->setText(tr("Reading the password from the keychain…"));
        m_secrets->read(
            SecretStore::passwordKey(name), this, [this, name](const SecretStore::Result &r) {
                if (m_loadedName != name)
                    return;
                if (r.secret) {
                    m_password->setText(*r.secret);
                    m_keychainStatus->setText(tr("Password from the keychain."));
                } else if (r.unavailable || !r.error.isEmpty()) {
                    m_keychainStatus->setText(
                        tr("No password from the keychain: %1. It will be asked "
                           "for when connecting.")
                            .arg(r.error));
                } else {
                    m_keychainStatus->setText(tr("No password saved: it will be asked for when "
                                                 "connecting."));
                }
            });
    }
}

ConnectionProfile ConnectionDialog::currentProfile() const
{
    ConnectionProfile p;
    p.name = m_name->text().trimmed();
    for (const QString &e : m_endpoints->text().split(QRegularExpression(QStringLiteral("[,\\s]+")),
                                                      Qt::SkipEmptyParts))
        p.endpoints << e;
    p.api = EtcdClient::Api(m_api->currentData().toInt());
    p.environment = ConnectionProfile::Environment(m_environment->currentData().toInt());
    p.customEnvironment = m_customEnvironment->text().trimmed();
    p.color = m_chosenColor;
    p.readOnly = m_readOnly->isChecked();
    p.separator = m_separator->text().isEmpty() ? QStringLiteral("/") : m_separator->text();
    p.rootPrefix = m_rootPrefix->text();
    p.caFile = m_caFile->text().trimmed();
    p.certFile = m_certFile->text().trimmed();
    p.keyFile = m_keyFile->text().trimmed();
    p.keyPassphrase = m_passphrase->text();
    p.serverName = m_serverName->text().trimmed();
    p.insecureSkipVerify = m_insecure->isChecked();
    p.user = m_user->text().trimmed();
    p.password = m_password->text();
    p.rememberPassword = m_remember->isChecked();
    return p;
}

void ConnectionDialog::updateEnvironmentControls()
{
    const ConnectionProfile p = currentProfile();
    m_customEnvironment->setVisible(p.environment == ConnectionProfile::Environment::Custom);
    m_color->setIcon(colorIcon(p.bandColor()));
}

void ConnectionDialog::markModified()
{
    if (!m_loading)
        m_modified = true;
}

void ConnectionDialog::setStatus(const QString &text, bool error)
{
    m_status->setStyleSheet(error ? QStringLiteral("color: #b00020") : QString());
    m_status->setText(text);
}

QString ConnectionDialog::statusText() const
{
    return m_status->text();
}

QString ConnectionDialog::validate(const ConnectionProfile &p) const
{
    if (p.name.isEmpty())
        return tr("Give the profile a name.");
    if (p.endpoints.isEmpty())
        return tr("Give at least one endpoint, such as https://10.0.0.1:2379.");
    EtcdClient probe;
    if (const EtcdError e = probe.configure(p.clientOptions()))
        return describeError(e);
    return {};
}

void ConnectionDialog::newProfile()
{
    ConnectionProfile p;
    p.endpoints = {QStringLiteral("http://127.0.0.1:2379")};
    loadProfile(p);
    m_list->clearSelection();
    m_name->setFocus();
    m_modified = true;
    setStatus(tr("A new connection: name it, then Save or Connect."));
}

void ConnectionDialog::duplicateProfile()
{
    ConnectionProfile p = currentProfile();
    const QString source = p.name;
    p.name = m_store->uniqueName(p.name.isEmpty() ? tr("connection") : p.name);
    QString why;
    if (!m_store->save(p, {}, &why)) {
        setStatus(why, true);
        return;
    }
    reloadList(p.name);
    // The copy has no password in the keychain yet; the one typed stays in the form.
    m_password->setText(p.password);
    m_passphrase->setText(p.keyPassphrase);
    setStatus(tr("Duplicated %1 as %2.").arg(source, p.name));
    if (p.rememberPassword && !p.password.isEmpty())
        saveProfile();
}

void ConnectionDialog::deleteProfile()
{
    const QString name = m_loadedName;
    if (name.isEmpty())
        return;
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Delete Connection"),
                                tr("Delete the saved connection %1? The cluster is not "
                                   "touched; its password is removed from the keychain.")
                                    .arg(name),
                                QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("deleteProfileBox"));
    QPushButton *ok = box->addButton(tr("Delete %1").arg(name), QMessageBox::DestructiveRole);
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::buttonClicked, this, [this, ok, name](QAbstractButton *b) {
        if (b != ok)
            return;
        m_store->remove(name);
        m_secrets->remove(SecretStore::passwordKey(name), this, [](const SecretStore::Result &) {});
        reloadList({});
        if (m_list->count() == 0)
            newProfile();
        setStatus(tr("Deleted %1.").arg(name));
    });
    box->open();
}

bool ConnectionDialog::saveProfile()
{
    const ConnectionProfile p = currentProfile();
    const QString problem = validate(p);
    if (!problem.isEmpty()) {
        setStatus(problem, true);
        return false;
    }
    QString why;
    if (!m_store->save(p, m_loadedName, &why)) {
        setStatus(why, true);
        return false;
    }
    if (!m_loadedName.isEmpty() && m_loadedName != p.name)
        m_secrets->remove(SecretStore::passwordKey(m_loadedName), this,
                          [](const SecretStore::Result &) {});
    m_loadedName = p.name;
    m_modified = false;
    reloadList(p.name);
    m_password->setText(p.password);
    m_passphrase->setText(p.keyPassphrase);
    setStatus(tr("Saved %1.").arg(p.name));
    if (!p.user.isEmpty() && p.rememberPassword && !p.password.isEmpty()) {
        m_keychainStatus->setText(tr("Saving the password in the keychain…"));
        m_secrets->write(SecretStore::passwordKey(p.name), p.password, this,
                         [this](const SecretStore::Result &r) {
                             m_keychainStatus->setText(
                                 r.error.isEmpty()
                                     ? tr("The password is in the system keychain.")
                                     : tr("The password was not saved: %1. It will be asked "
                                          "for when connecting.")
                                           .arg(r.error));
                         });
    } else if (!p.rememberPassword) {
        m_secrets->remove(SecretStore::passwordKey(p.name), this,
                          [](const SecretStore::Result &) {});
    }
    if (p.rememberPassword && !p.keyPassphrase.isEmpty())
        m_secrets->write(SecretStore::passphraseKey(p.name), p.keyPassphrase, this,
                         [](const SecretStore::Result &) {});
    else
        m_secrets->remove(SecretStore::passphraseKey(p.name), this,
                          [](const SecretStore::Result &) {});
    Q_EMIT saved(p.name);
    return true;
}

void ConnectionDialog::testConnection()
{
    const ConnectionProfile p = currentProfile();
    if (p.endpoints.isEmpty()) {
        setStatus(tr("Give at least one endpoint."), true);
        return;
    }
    if (m_test)
        m_test->cancel();
    delete m_testClient;
    m_testClient = new EtcdClient(this);
    EtcdClient::Options options = p.clientOptions();
    options.readOnly = true; // a test never writes
    if (const EtcdError e = m_testClient->configure(options)) {
        setStatus(describeError(e), true);
        Q_EMIT testFinished(false);
        return;
    }
    setStatus(tr("Testing %1…").arg(p.endpoints.join(QStringLiteral(", "))));
    m_testButton->setEnabled(false);
    m_test = m_testClient->discover(this, [this](const EtcdResult<EtcdClient::ClusterInfo> &r) {
        m_testButton->setEnabled(true);
        if (!r.ok()) {
            setStatus(describeError(r.error), true);
            Q_EMIT testFinished(false);
            return;
        }
        const EtcdClient::ClusterInfo &info = r.value;
        setStatus(tr("Connected to %1: etcd %2, %3, API %4 in use.")
                      .arg(info.endpoint, info.serverVersion,
                           info.healthy ? tr("healthy") : tr("unhealthy"),
                           EtcdClient::apiName(info.api)));
        Q_EMIT testFinished(true);
    });
}

void ConnectionDialog::connectToProfile()
{
    // A connection is always a saved profile: the window names it, Recent lists it.
    if ((m_modified || m_loadedName.isEmpty()) && !saveProfile())
        return;
    ConnectionProfile p = currentProfile();
    m_store->markUsed(p.name);
    Q_EMIT connectRequested(p);
    accept();
}
