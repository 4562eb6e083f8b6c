// Connection profiles and production guard rails: profiles survive a restart (a new store on the
// same settings file) without their password in that file, the connection dialog saves, tests
// and opens them, several windows at once, the production band and title, deletes and membership
// changes on production that reach etcd only after the name is typed, and the red warning of a
// connection that does not verify certificates.
#include "clustermodel.h"
#include "clusterpanel.h"
#include "connectiondialog.h"
#include "connections.h"
#include "deletedialog.h"
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "keyactions.h"
#include "keyspacepanel.h"
#include "keytreemodel.h"
#include "mainwindow.h"
#include "profilestore.h"
#include "secretstore.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

class TestProfiles : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void profilesSurviveRestartWithoutPassword();
    void recentAndRename();
    void noKeychainIsSaidInWords();
    void dialogSavesTestsAndConnects();
    void severalWindowsAtOnce();
    void productionBandAndTitle();
    void productionDeleteNeedsTypedKey();
    void productionMembershipNeedsTypedName();
    void insecureConnectionIsMarked();
    void credentialsWithoutAuthAreNoticed();

private:
    QString settingsFile() const { return m_dir.filePath(QStringLiteral("settings.ini")); }
    ConnectionProfile production(const QString &name) const;

    QTemporaryDir m_dir;
    EtcdServer m_etcd;
};

void TestProfiles::initTestCase()
{
    // The keychain of the machine is not the tests' business: behave as where none runs.
    qputenv("ETCDSCOPE_NO_KEYCHAIN", "1");
    QVERIFY(m_dir.isValid());
    QVERIFY2(m_etcd.start(), "etcd did not start");
}

ConnectionProfile TestProfiles::production(const QString &name) const
{
    ConnectionProfile p;
    p.name = name;
    p.endpoints = {m_etcd.clientUrl()};
    p.environment = ConnectionProfile::Environment::Production;
    p.readOnly = false; // the guard rails, not read-only, are what is tested
    return p;
}

void TestProfiles::profilesSurviveRestartWithoutPassword()
{
    const QString secret =
        QStringLiteral("s3cr3t-pa55word-%1").arg(QCoreApplication::applicationPid());
    {
        ProfileStore store(settingsFile());
        ConnectionProfile p = production(QStringLiteral("orders-prod"));
        p.api = EtcdClient::Api::V3;
        p.customEnvironment = QStringLiteral("unused");
        p.color = QColor(QStringLiteral("#123456"));
        p.readOnly = true;
        p.separator = QStringLiteral(":");
        p.rootPrefix = QStringLiteral("/orders/");
        p.caFile = QStringLiteral("/etc/etcd/ca.pem");
        p.certFile = QStringLiteral("/etc/etcd/client.pem");
        p.keyFile = QStringLiteral("/etc/etcd/client-key.pem");
        p.serverName = QStringLiteral("etcd.internal");
        p.user = QStringLiteral("ops");
        p.password = secret;
        p.keyPassphrase = secret + QStringLiteral("-key");
        QString why;
        QVERIFY2(store.save(p, {}, &why), qPrintable(why));
        ConnectionProfile dev;
        dev.name = QStringLiteral("local");
        dev.endpoints = {QStringLiteral("http://127.0.0.1:2379")};
        QVERIFY(store.save(dev));
        // A second profile with the same name (any case) is refused.
        dev.name = QStringLiteral("LOCAL");
        QVERIFY(!store.save(dev, {}, &why));
        QVERIFY(why.contains(QStringLiteral("exists")));
    }
    // "Restart": a new store on the same file.
    ProfileStore store(settingsFile());
    QCOMPARE(store.profiles().size(), 2);
    const std::optional<ConnectionProfile> p = store.profile(QStringLiteral("Orders-Prod"));
    QVERIFY(p);
    QCOMPARE(p->name, QStringLiteral("orders-prod"));
    QCOMPARE(p->endpoints, QStringList{m_etcd.clientUrl()});
    QCOMPARE(p->api, EtcdClient::Api::V3);
    QVERIFY(p->isProduction());
    QCOMPARE(p->color, QColor(QStringLiteral("#123456")));
    QVERIFY(p->readOnly);
    QCOMPARE(p->separator, QStringLiteral(":"));
    QCOMPARE(p->rootPrefix, QStringLiteral("/orders/"));
    QCOMPARE(p->caFile, QStringLiteral("/etc/etcd/ca.pem"));
    QCOMPARE(p->keyFile, QStringLiteral("/etc/etcd/client-key.pem"));
    QCOMPARE(p->serverName, QStringLiteral("etcd.internal"));
    QCOMPARE(p->user, QStringLiteral("ops"));
    QVERIFY(p->password.isEmpty());
    QVERIFY(p->keyPassphrase.isEmpty());

    QFile file(settingsFile());
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    QVERIFY(text.contains("orders-prod"));
    QVERIFY2(!text.contains(secret.toUtf8()), text.constData());
    QVERIFY(!text.contains("s3cr3t"));
}

void TestProfiles::recentAndRename()
{
    ProfileStore store(settingsFile());
    store.markUsed(QStringLiteral("local"));
    store.markUsed(QStringLiteral("orders-prod"));
    QCOMPARE(store.recent(), (QStringList{"orders-prod", "local"}));
    QCOMPARE(store.lastUsed(), QStringLiteral("orders-prod"));
    ConnectionProfile p = *store.profile(QStringLiteral("local"));
    p.name = QStringLiteral("laptop");
    QVERIFY(store.save(p, QStringLiteral("local")));
    QVERIFY(!store.profile(QStringLiteral("local")));
    QCOMPARE(store.recent(), (QStringList{"orders-prod", "laptop"}));
    QCOMPARE(store.uniqueName(QStringLiteral("laptop")), QStringLiteral("laptop (copy)"));
    p.name = QStringLiteral("laptop (copy)");
    QVERIFY(store.save(p));
    QCOMPARE(store.uniqueName(QStringLiteral("laptop")), QStringLiteral("laptop (copy 2)"));
    store.remove(QStringLiteral("laptop (copy)"));
    QCOMPARE(store.profiles().size(), 2);
}

void TestProfiles::noKeychainIsSaidInWords()
{
    SecretStore secrets;
    QObject context;
    const auto result = await<QString>([&](auto cb) {
        secrets.write(SecretStore::passwordKey(QStringLiteral("x")), QStringLiteral("pw"), &context,
                      [cb](const SecretStore::Result &r) {
                          cb(EtcdResult<QString>{r.unavailable ? r.error : QString(), {}});
                      });
    });
    QVERIFY(result.value.contains(QStringLiteral("keychain")));
}

void TestProfiles::dialogSavesTestsAndConnects()
{
    ProfileStore store(settingsFile());
    SecretStore secrets;
    ConnectionDialog dialog(&store, &secrets);
    dialog.show();
    dialog.newProfile();
    dialog.findChild<QLineEdit *>(QStringLiteral("nameEdit"))->setText(QStringLiteral("demo"));
    dialog.findChild<QLineEdit *>(QStringLiteral("endpointsEdit"))->setText(m_etcd.clientUrl());
    dialog.findChild<QLineEdit *>(QStringLiteral("userEdit"))->setText(QStringLiteral("alice"));
    dialog.findChild<QLineEdit *>(QStringLiteral("passwordEdit"))
        ->setText(QStringLiteral("alice-password-42"));
    // Production turns read-only on by default.
    auto *environment = dialog.findChild<QComboBox *>(QStringLiteral("environmentCombo"));
    environment->setCurrentIndex(
        environment->findData(int(ConnectionProfile::Environment::Production)));
    QVERIFY(dialog.findChild<QCheckBox *>(QStringLiteral("readOnlyCheck"))->isChecked());
    environment->setCurrentIndex(
        environment->findData(int(ConnectionProfile::Environment::Staging)));
    QVERIFY(!dialog.findChild<QCheckBox *>(QStringLiteral("readOnlyCheck"))->isChecked());

    QVERIFY(dialog.saveProfile());
    QVERIFY(store.profile(QStringLiteral("demo")));
    QCOMPARE(store.profile(QStringLiteral("demo"))->environment,
             ConnectionProfile::Environment::Staging);
    // No keychain here: the dialog says the password was not kept, and the file lacks it.
    auto *keychain = dialog.findChild<QLabel *>(QStringLiteral("keychainStatus"));
    QTRY_VERIFY_WITH_TIMEOUT(keychain->text().contains(QStringLiteral("not saved")), 5000);
    QFile file(settingsFile());
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(!file.readAll().contains("alice-password-42"));

    // Test: asks the cluster, says what it found (no auth on this etcd: credentials unused).
    dialog.findChild<QLineEdit *>(QStringLiteral("userEdit"))->clear();
    QSignalSpy tested(&dialog, &ConnectionDialog::testFinished);
    dialog.testConnection();
    QVERIFY(tested.wait(10000));
    QVERIFY2(tested.first().first().toBool(), qPrintable(dialog.statusText()));
    QVERIFY(dialog.statusText().contains(QStringLiteral("etcd 3.4")));
    // A wrong endpoint: the reason in words.
    dialog.findChild<QLineEdit *>(QStringLiteral("endpointsEdit"))
        ->setText(QStringLiteral("http://127.0.0.1:%1").arg(EtcdServer::freePort()));
    dialog.testConnection();
    QVERIFY(tested.wait(10000));
    QVERIFY(!tested.last().first().toBool());
    QVERIFY2(dialog.statusText().contains(QStringLiteral("Could not connect")),
             qPrintable(dialog.statusText()));

    // Connect: saved, marked recent, handed over with the form's settings.
    dialog.findChild<QLineEdit *>(QStringLiteral("endpointsEdit"))->setText(m_etcd.clientUrl());
    QSignalSpy connectSpy(&dialog, &ConnectionDialog::connectRequested);
    dialog.connectToProfile();
    QCOMPARE(connectSpy.size(), 1);
    const auto profile = connectSpy.first().first().value<ConnectionProfile>();
    QCOMPARE(profile.name, QStringLiteral("demo"));
    QCOMPARE(store.lastUsed(), QStringLiteral("demo"));
}

void TestProfiles::severalWindowsAtOnce()
{
    Connections connections(settingsFile());
    ConnectionProfile a;
    a.name = QStringLiteral("first");
    a.endpoints = {m_etcd.clientUrl()};
    ConnectionProfile b = a;
    b.name = QStringLiteral("second");
    b.environment = ConnectionProfile::Environment::Staging;
    QVERIFY(connections.store()->save(a));
    QVERIFY(connections.store()->save(b));
    QVERIFY(connections.openProfile(QStringLiteral("first")));
    QVERIFY(connections.openProfile(QStringLiteral("second")));
    QVERIFY(!connections.openProfile(QStringLiteral("no such profile")));
    QTRY_COMPARE_WITH_TIMEOUT(connections.windows().size(), 2, 5000);
    for (MainWindow *w : connections.windows())
        QTRY_VERIFY_WITH_TIMEOUT(w->isConnected(), 10000);
    QVERIFY(connections.windows().at(0)->windowTitle().startsWith(QStringLiteral("first")));
    QVERIFY(connections.windows().at(1)->windowTitle().startsWith(QStringLiteral("second")));
    // Each has its own connection, tree and watch.
    QVERIFY(connections.windows().at(0)->client() != connections.windows().at(1)->client());
    QVERIFY(connections.windows().at(1)->environmentBandText().contains(QStringLiteral("Staging")));
    QCOMPARE(connections.store()->recent().mid(0, 2), (QStringList{"second", "first"}));
    for (MainWindow *w : connections.windows())
        w->close();
    QTRY_COMPARE_WITH_TIMEOUT(connections.windows().size(), 0, 5000);
}

void TestProfiles::productionBandAndTitle()
{
    MainWindow w(production(QStringLiteral("orders-prod")));
    w.show();
    QTRY_VERIFY_WITH_TIMEOUT(w.isConnected(), 10000);
    QVERIFY(w.environmentBandText().startsWith(QStringLiteral("PRODUCTION · ORDERS-PROD")));
    QVERIFY(w.windowTitle().contains(QStringLiteral("orders-prod [PRODUCTION]")));
    QVERIFY(!w.isInsecureWarningShown());
}

void TestProfiles::productionDeleteNeedsTypedKey()
{
    QVERIFY(
        !m_etcd.etcdctl({QStringLiteral("put"), QStringLiteral("/guard/key"), QStringLiteral("v")})
             .isNull());
    MainWindow w(production(QStringLiteral("orders-prod")));
    w.show();
    QTRY_VERIFY_WITH_TIMEOUT(w.isConnected(), 10000);
    KeyTreeModel *model = w.keyModel();
    QTRY_VERIFY_WITH_TIMEOUT(model->indexForKey("/guard").isValid(), 10000);
    QModelIndex dir = model->indexForKey("/guard");
    model->fetchMore(dir);
    QTRY_VERIFY_WITH_TIMEOUT(model->indexForKey("/guard/key").isValid(), 10000);
    w.keyspacePanel()->view()->setCurrentIndex(model->indexForKey("/guard/key"));
    w.keyActions()->action(KeyActions::Delete)->trigger();
    auto *dialog = qobject_cast<DeleteDialog *>(w.keyActions()->openDialog());
    QVERIFY(dialog);
    QCOMPARE(dialog->expectedTyping(), QStringLiteral("/guard/key"));
    auto *typed = dialog->findChild<QLineEdit *>(QStringLiteral("typedConfirmation"));
    QVERIFY(typed);
    // Not typed, or typed wrong: Delete stays off, nothing reaches etcd.
    QVERIFY(!dialog->deleteButton()->isEnabled());
    dialog->deleteButton()->click();
    typed->setText(QStringLiteral("/guard/ke"));
    QVERIFY(!dialog->deleteButton()->isEnabled());
    dialog->deleteButton()->click();
    QTest::qWait(0);
    QCOMPARE(m_etcd
                 .etcdctl({QStringLiteral("get"), QStringLiteral("/guard/key"),
                           QStringLiteral("--print-value-only")})
                 .trimmed(),
             QStringLiteral("v"));
    // Typed: deleted.
    typed->setText(QStringLiteral("/guard/key"));
    QVERIFY(dialog->deleteButton()->isEnabled());
    dialog->deleteButton()->click();
    QTRY_VERIFY_WITH_TIMEOUT(
        m_etcd.etcdctl({QStringLiteral("get"), QStringLiteral("/guard/key")}).trimmed().isEmpty(),
        10000);
}

void TestProfiles::productionMembershipNeedsTypedName()
{
    MainWindow w(production(QStringLiteral("orders-prod")));
    w.show();
    QTRY_VERIFY_WITH_TIMEOUT(w.isConnected(), 10000);
    w.clusterDock()->toggleViewAction()->trigger();
    ClusterPanel *panel = w.clusterPanel();
    QTRY_VERIFY_WITH_TIMEOUT(panel->model()->roundsCompleted() > 0, 10000);
    const quint64 id = panel->model()->member(0).id;
    panel->selectMember(id);
    panel->action(ClusterPanel::RemoveMember)->trigger();
    QDialog *dialog = panel->openDialog();
    QVERIFY(dialog);
    QCOMPARE(dialog->objectName(), QStringLiteral("removeConfirmBox"));
    auto *typed = dialog->findChild<QLineEdit *>(QStringLiteral("typedConfirmation"));
    QVERIFY(typed);
    auto *confirm = dialog->findChild<QPushButton *>(QStringLiteral("confirmButton"));
    QVERIFY(!confirm->isEnabled());
    typed->setText(m_etcd.name() + QLatin1Char('x'));
    QVERIFY(!confirm->isEnabled());
    typed->setText(m_etcd.name());
    QVERIFY(confirm->isEnabled());
    dialog->reject(); // the only member is not removed
    // Adding asks for the profile's name.
    panel->action(ClusterPanel::AddMember)->trigger();
    auto *add = panel->openDialog();
    auto *addTyped = add->findChild<QLineEdit *>(QStringLiteral("typedConfirmation"));
    QVERIFY(addTyped);
    add->findChild<QLineEdit *>(QStringLiteral("peerUrlsEdit"))
        ->setText(QStringLiteral("http://127.0.0.1:1"));
    QPushButton *ok = add->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
    QVERIFY(!ok->isEnabled());
    addTyped->setText(QStringLiteral("orders-prod"));
    QVERIFY(ok->isEnabled());
    add->reject();
}

void TestProfiles::insecureConnectionIsMarked()
{
    ConnectionProfile p;
    p.name = QStringLiteral("lab");
    p.endpoints = {m_etcd.clientUrl()};
    p.insecureSkipVerify = true;
    MainWindow w(p);
    w.show();
    QTRY_VERIFY_WITH_TIMEOUT(w.isConnected(), 10000);
    QVERIFY(w.isInsecureWarningShown());
    QVERIFY(w.windowTitle().contains(QStringLiteral("NOT verified")));
}

void TestProfiles::credentialsWithoutAuthAreNoticed()
{
    EtcdClient::Options o = clientOptions({m_etcd.clientUrl()});
    o.user = QStringLiteral("alice");
    o.password = QStringLiteral("pw");
    MainWindow w(o);
    w.show();
    QTRY_VERIFY_WITH_TIMEOUT(w.isConnected(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(w.authNotice().contains(QStringLiteral("authentication turned off")),
                             10000);
}

QTEST_MAIN(TestProfiles)
#include "tst_profiles.moc"
