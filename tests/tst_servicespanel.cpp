// The Services dock in the main window, on a real etcd with the demo registrar registering its
// servers: the dock comes to the front with the services and their alive instances counted in
// the header; selecting an instance selects its key in the key tree; the details show the
// lease's other keys; "Show as Services" on a plain directory marks it, and a new window on the
// same profile shows it again, until "Stop Showing as Services"; the Service Types dialog
// renames a type; the filter and "Show gone" hide rows.
#include "etcdfixture.h"
#include "keyactions.h"
#include "keyspacepanel.h"
#include "keytreemodel.h"
#include "mainwindow.h"
#include "registrarprocess.h"
#include "servicedirectorystore.h"
#include "servicemodel.h"
#include "servicespanel.h"
#include "servicetypesdialog.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDockWidget>
#include <QInputDialog>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

class TestServicesPanel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void listsServicesWithCounts();
    void selectingAnInstanceSelectsItsKey();
    void detailsShowTheLeasesOtherKeys();
    void showAsServicesIsKeptPerProfile();
    void stopShowingARecognisedDirectoryHidesIt();
    void showDirectoryDialogMarksIt();
    void serviceTypesDialogRenamesTheType();
    void filterNarrowsTheRows_data();
    void filterNarrowsTheRows();
    void showGoneToggle();
    void goneRetentionIsTheUsers();

private:
    ConnectionProfile profile(const QString &name) const;
    // A window connected, its services listed.
    // Connected, and the registrar's services listed (msg servers too unless hidden).
    static bool waitForServices(MainWindow &w, bool msgShown = true);
    static QAction *keyTreeMenuAction(MainWindow &w, const QByteArray &key, const char *name);
    static QAction *servicesMenuAction(MainWindow &w, const QByteArray &key, const char *name);
    static void closeMenus();

    QTemporaryDir m_settings;
    EtcdServer m_etcd;
    std::unique_ptr<RegistrarProcess> m_registrar;
};

void TestServicesPanel::initTestCase()
{
    // The user's settings and keychain are not the tests' business.
    qputenv("ETCDSCOPE_NO_KEYCHAIN", "1");
    QVERIFY(m_settings.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settings.path());
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settings.path());
    QCoreApplication::setOrganizationName(QStringLiteral("etcdscope-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_servicespanel"));
    // The demo's type names, as etcdscope-demo-registrar --install-type-names writes them: the
    // product has none of its own.
    ServiceTypeNames::saveDefaults({{QStringLiteral("0001"), QStringLiteral("login_server")},
                                    {QStringLiteral("0002"), QStringLiteral("msg_server")},
                                    {QStringLiteral("0003"), QStringLiteral("route_server")}});

    QVERIFY2(m_etcd.start(), "etcd did not start");
    // A plain directory: no leases, so not recognised by itself.
    for (const char *key :
         {"/config/db_url", "/config/cache_size", "/config/feature_flags", "/release"})
        QVERIFY(!m_etcd.etcdctl({"put", key, "value"}).isNull());

    // TTL 10 s: "late" and expiry stay far away on a slow machine; kill and start are immediate.
    m_registrar = std::make_unique<RegistrarProcess>();
    QVERIFY2(m_registrar->start(m_etcd.clientUrl(), {"--api", "v3", "--ttl", "10"}),
             qPrintable(m_registrar->lines().join(QLatin1Char('\n')) + m_registrar->errorOutput()));
}

void TestServicesPanel::cleanupTestCase()
{
    if (m_registrar)
        m_registrar->stop();
}

ConnectionProfile TestServicesPanel::profile(const QString &name) const
{
    ConnectionProfile p;
    p.name = name;
    p.endpoints = {m_etcd.clientUrl()};
    return p;
}

bool TestServicesPanel::waitForServices(MainWindow &w, bool msgShown)
{
    w.show();
    if (!QTest::qWaitFor([&] { return w.isConnected(); }, 10000))
        return false;
    const ServiceModel *model = w.serviceModel();
    return QTest::qWaitFor(
        [&] {
            const QList<QByteArray> dirs = model->serviceDirectories();
            return dirs.contains("/login_servers") && dirs.contains("/route_servers") &&
                   model->counts("/login_servers").alive == 3 &&
                   model->counts("/route_servers").alive == 2 &&
                   (!msgShown || model->counts("/msg_servers").alive == 2);
        },
        20000);
}

void TestServicesPanel::closeMenus()
{
    for (QWidget *widget : QApplication::topLevelWidgets()) {
        if (auto *menu = qobject_cast<QMenu *>(widget); menu && menu->isVisible())
            menu->close();
    }
}

QAction *TestServicesPanel::keyTreeMenuAction(MainWindow &w, const QByteArray &key,
                                              const char *name)
{
    QTreeView *view = w.keyspacePanel()->view();
    const QModelIndex index = w.keyModel()->indexForKey(key);
    if (!index.isValid())
        return nullptr;
    view->scrollTo(index);
    Q_EMIT view->customContextMenuRequested(view->visualRect(index).center());
    auto *menu = view->findChild<QMenu *>(QStringLiteral("keyContextMenu"));
    return menu ? menu->findChild<QAction *>(QLatin1String(name)) : nullptr;
}

QAction *TestServicesPanel::servicesMenuAction(MainWindow &w, const QByteArray &key,
                                               const char *name)
{
    ServicesPanel *panel = w.servicesPanel();
    QTreeView *view = panel->view();
    QModelIndex index = w.serviceModel()->indexForKey(key);
    if (!index.isValid())
        index = w.serviceModel()->indexForService(key);
    if (!index.isValid())
        return nullptr;
    view->scrollTo(index);
    Q_EMIT view->customContextMenuRequested(view->visualRect(index).center());
    const auto menus = panel->findChildren<QMenu *>(QStringLiteral("servicesContextMenu"));
    for (QMenu *menu : menus) {
        if (menu->isVisible())
            return menu->findChild<QAction *>(QLatin1String(name));
    }
    return nullptr;
}

void TestServicesPanel::listsServicesWithCounts()
{
    MainWindow w(profile(QStringLiteral("counts")));
    QVERIFY(waitForServices(w));
    // The dock came to the front by itself: a new user sees the services at once.
    QTRY_VERIFY(w.servicesDock()->isVisible());
    QCOMPARE(w.servicesDock()->objectName(), QStringLiteral("servicesDock"));
    QVERIFY(w.findChild<QAction *>(QStringLiteral("servicesAction")));

    ServicesPanel *panel = w.servicesPanel();
    QTRY_VERIFY2(panel->headerText().contains(QStringLiteral("msg_server: 2 alive")),
                 qPrintable(panel->headerText()));
    QTRY_VERIFY2(panel->headerText().contains(QStringLiteral("route_server: 2 alive")),
                 qPrintable(panel->headerText()));
    // /load (the login servers' load reports, on their leases, no addresses) is not a service
    // of its own: its keys belong to the login servers' instances.
    QTRY_VERIFY2_WITH_TIMEOUT(
        panel->headerText().contains(QStringLiteral("login_server: 3 alive")) &&
            !panel->headerText().contains(QStringLiteral("/load")),
        qPrintable(panel->headerText()), 15000);

    // Services expanded, their instances visible, in the model's order.
    const ServiceModel *model = w.serviceModel();
    const QModelIndex login = model->indexForService("/login_servers");
    QVERIFY(panel->view()->isExpanded(login));
    QCOMPARE(model->rowCount(login), 3);
    for (int row = 0; row < 3; ++row) {
        const QModelIndex inst = model->index(row, 0, login);
        QCOMPARE(inst.data().toString(), QStringLiteral("0001-000%1").arg(row + 1));
        QVERIFY(panel->isRowShown(inst));
        QCOMPARE(inst.siblingAtColumn(ServiceModel::StateColumn).data().toString(),
                 ServiceModel::stateName(ServiceInstance::State::Alive));
        QCOMPARE(inst.siblingAtColumn(ServiceModel::AddressColumn).data().toString(),
                 QStringLiteral("10.0.0.%1:8008").arg(row + 1));
    }
}

void TestServicesPanel::selectingAnInstanceSelectsItsKey()
{
    MainWindow w(profile(QStringLiteral("select")));
    QVERIFY(waitForServices(w));
    QSignalSpy activated(w.servicesPanel(), &ServicesPanel::keyActivated);
    for (const QByteArray &key :
         {QByteArray("/msg_servers/0002-0002"), QByteArray("/login_servers/0001-0003")}) {
        // As a click does: the row becomes current in the services tree.
        QVERIFY(w.servicesPanel()->selectKey(key));
        QCOMPARE(activated.last().at(0).toByteArray(), key);
        QTRY_COMPARE_WITH_TIMEOUT(w.keyActions()->currentKey(), key, 10000);
        QCOMPARE(w.keyspacePanel()->view()->currentIndex().siblingAtColumn(0),
                 w.keyModel()->indexForKey(key));
    }
    // A service row does not move the key tree; "Show in Tree" does.
    QVERIFY(w.servicesPanel()->selectKey("/route_servers"));
    QCOMPARE(w.keyActions()->currentKey(), QByteArray("/login_servers/0001-0003"));
    QAction *show = servicesMenuAction(w, "/route_servers", "showInTreeAction");
    QVERIFY(show);
    show->trigger();
    closeMenus();
    QTRY_COMPARE_WITH_TIMEOUT(w.keyActions()->currentKey(), QByteArray("/route_servers"), 10000);

    // A click on the current instance selects it in the key tree again.
    const QByteArray current = "/login_servers/0001-0003";
    QVERIFY(w.servicesPanel()->selectKey(current));
    QTRY_COMPARE_WITH_TIMEOUT(w.keyActions()->currentKey(), current, 10000);
    w.keyActions()->selectKey("/msg_servers");
    QTRY_COMPARE_WITH_TIMEOUT(w.keyActions()->currentKey(), QByteArray("/msg_servers"), 10000);
    QTreeView *view = w.servicesPanel()->view();
    const QRect rect = view->visualRect(w.serviceModel()->indexForKey(current));
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, rect.center());
    QTRY_COMPARE_WITH_TIMEOUT(w.keyActions()->currentKey(), current, 10000);
    // A click that changes the current row activates it once.
    const int before = int(activated.size());
    const QModelIndex other = w.serviceModel()->indexForKey("/login_servers/0001-0001");
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(other).center());
    QCOMPARE(int(activated.size()), before + 1);
    QCOMPARE(activated.last().at(0).toByteArray(), QByteArray("/login_servers/0001-0001"));

    // Copy Address from an instance's menu.
    QAction *copy = servicesMenuAction(w, "/msg_servers/0002-0001", "copyInstanceAddressAction");
    QVERIFY(copy);
    QVERIFY(copy->isEnabled());
    copy->trigger();
    closeMenus();
    QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("10.0.1.1:8100"));
}

void TestServicesPanel::detailsShowTheLeasesOtherKeys()
{
    MainWindow w(profile(QStringLiteral("details")));
    QVERIFY(waitForServices(w));
    const QByteArray key = "/login_servers/0001-0002";
    QVERIFY(w.servicesPanel()->selectKey(key));
    // The lease's keys come with the model's first look at the lease.
    QTRY_VERIFY2_WITH_TIMEOUT(w.servicesPanel()->detailsText().contains(
                                  QStringLiteral("Other keys on the lease: /load/0001-0002")),
                              qPrintable(w.servicesPanel()->detailsText()), 15000);
    const QString text = w.servicesPanel()->detailsText();
    const ServiceInstance *inst = w.serviceModel()->instance(key);
    QVERIFY(inst);
    QVERIFY2(text.contains(QStringLiteral("Key: /login_servers/0001-0002")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("Address: 10.0.0.2:8008 (read from JSON)")),
             qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("Type: login_server")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("State: alive")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("Granted TTL: 10 s")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("Lease: %1 (decimal %2)")
                               .arg(QString::number(inst->lease, 16))
                               .arg(inst->lease)),
             qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("\"ip\":\"10.0.0.2\"")), qPrintable(text));
    // Not a lease's other key: the instance itself.
    QVERIFY(!text.contains(QStringLiteral("lease: /login_servers/0001-0002")));

    // A service row: its directory and why it is shown.
    QVERIFY(w.servicesPanel()->selectKey("/msg_servers"));
    QVERIFY2(w.servicesPanel()->detailsText().contains(QStringLiteral("recognised automatically")),
             qPrintable(w.servicesPanel()->detailsText()));
}

void TestServicesPanel::showAsServicesIsKeptPerProfile()
{
    const QString name = QStringLiteral("persisted");
    {
        MainWindow w(profile(name));
        QVERIFY(waitForServices(w));
        QVERIFY(!w.serviceModel()->isServiceDirectory("/config"));
        QTRY_VERIFY_WITH_TIMEOUT(w.keyModel()->indexForKey("/config").isValid(), 10000);
        QAction *show = keyTreeMenuAction(w, "/config", "showAsServicesAction");
        QVERIFY(show);
        QVERIFY(show->isCheckable());
        QVERIFY(!show->isChecked());
        show->trigger();
        closeMenus();
        QTRY_VERIFY_WITH_TIMEOUT(w.serviceModel()->serviceDirectories().contains("/config"), 10000);
        const QModelIndex config = w.serviceModel()->indexForService("/config");
        QTRY_COMPARE_WITH_TIMEOUT(w.serviceModel()->rowCount(config), 3, 10000);
        QVERIFY(w.servicesPanel()->isRowShown(config));
        QVERIFY(w.servicesPanel()->view()->isExpanded(config));
        QTRY_VERIFY2(w.servicesPanel()->headerText().contains(QStringLiteral("config: 3 alive")),
                     qPrintable(w.servicesPanel()->headerText()));
        // Leaf keys get no such entry.
        QVERIFY(!keyTreeMenuAction(w, "/release", "showAsServicesAction"));
        closeMenus();
    }
    QVERIFY(ServiceDirectoryStore(name).marked().contains("/config"));
    // Another profile does not show it.
    QVERIFY(ServiceDirectoryStore(QStringLiteral("other")).marked().isEmpty());
    {
        MainWindow w(profile(name));
        QVERIFY(waitForServices(w));
        QTRY_VERIFY_WITH_TIMEOUT(w.serviceModel()->serviceDirectories().contains("/config"), 10000);
        // And the key tree's entry is checked now; the panel's menu stops showing it.
        QTRY_VERIFY_WITH_TIMEOUT(w.keyModel()->indexForKey("/config").isValid(), 10000);
        QAction *show = keyTreeMenuAction(w, "/config", "showAsServicesAction");
        QVERIFY(show);
        QVERIFY(show->isChecked());
        closeMenus();
        QAction *stop = servicesMenuAction(w, "/config", "stopShowingServicesAction");
        QVERIFY(stop);
        stop->trigger();
        closeMenus();
        QTRY_VERIFY(!w.serviceModel()->serviceDirectories().contains("/config"));
        QVERIFY(!w.serviceModel()->indexForService("/config").isValid());
    }
    QVERIFY(!ServiceDirectoryStore(name).marked().contains("/config"));
    {
        MainWindow w(profile(name));
        QVERIFY(waitForServices(w));
        QVERIFY(!w.serviceModel()->serviceDirectories().contains("/config"));
    }

    // A connection from the command line is kept under its endpoints.
    EtcdClient::Options options;
    options.endpoints = {m_etcd.clientUrl()};
    QCOMPARE(ServiceDirectoryStore::profileKey(ConnectionProfile::fromOptions(options)),
             m_etcd.clientUrl());
    {
        MainWindow w(options);
        QVERIFY(waitForServices(w));
        w.servicesPanel()->setShownAsServices("/config", true);
    }
    QCOMPARE(ServiceDirectoryStore(m_etcd.clientUrl()).marked(), QList<QByteArray>{"/config"});
    {
        MainWindow w(options);
        QVERIFY(waitForServices(w));
        QTRY_VERIFY_WITH_TIMEOUT(w.serviceModel()->serviceDirectories().contains("/config"), 10000);
        w.servicesPanel()->setShownAsServices("/config", false);
    }
    QVERIFY(ServiceDirectoryStore(m_etcd.clientUrl()).marked().isEmpty());

    // Keys are bytes: one that is not UTF-8 comes back as it went in.
    const ServiceDirectoryStore store(QStringLiteral("bytes"));
    const QList<QByteArray> marked{QByteArray("/a"), QByteArray("/b\xff\x01")};
    store.save(marked, {QByteArray("/hidden")});
    QCOMPARE(store.marked(), marked);
    QCOMPARE(store.hidden(), QList<QByteArray>{"/hidden"});
    store.save({}, {});
    QVERIFY(store.marked().isEmpty());
    QVERIFY(store.hidden().isEmpty());
}

void TestServicesPanel::stopShowingARecognisedDirectoryHidesIt()
{
    const QString name = QStringLiteral("hidden");
    {
        MainWindow w(profile(name));
        QVERIFY(waitForServices(w));
        QTRY_VERIFY_WITH_TIMEOUT(w.serviceModel()->serviceDirectories().contains("/msg_servers"),
                                 15000);
        QAction *stop = servicesMenuAction(w, "/msg_servers", "stopShowingServicesAction");
        QVERIFY(stop);
        stop->trigger();
        closeMenus();
        QTRY_VERIFY(!w.serviceModel()->serviceDirectories().contains("/msg_servers"));
        QVERIFY(!w.servicesPanel()->headerText().contains(QStringLiteral("/msg_servers")));
    }
    QCOMPARE(ServiceDirectoryStore(name).hidden(), QList<QByteArray>{"/msg_servers"});
    {
        MainWindow w(profile(name));
        QVERIFY(waitForServices(w, false));
        QVERIFY(!w.serviceModel()->isServiceDirectory("/msg_servers"));
        // Shown again from the key tree.
        QTRY_VERIFY_WITH_TIMEOUT(w.keyModel()->indexForKey("/msg_servers").isValid(), 10000);
        QAction *show = keyTreeMenuAction(w, "/msg_servers", "showAsServicesAction");
        QVERIFY(show);
        QVERIFY(!show->isChecked());
        show->trigger();
        closeMenus();
        QTRY_VERIFY_WITH_TIMEOUT(w.serviceModel()->serviceDirectories().contains("/msg_servers"),
                                 10000);
    }
    QVERIFY(ServiceDirectoryStore(name).hidden().isEmpty());
}

void TestServicesPanel::showDirectoryDialogMarksIt()
{
    MainWindow w(profile(QStringLiteral("dialog")));
    QVERIFY(waitForServices(w));
    w.servicesPanel()->action(ServicesPanel::ShowDirectory)->trigger();
    auto *dialog = qobject_cast<QInputDialog *>(w.servicesPanel()->openDialog());
    QVERIFY(dialog);
    QCOMPARE(dialog->objectName(), QStringLiteral("showDirectoryDialog"));
    // A trailing separator names the same directory.
    dialog->setTextValue(QStringLiteral("/config/"));
    dialog->accept();
    QTRY_VERIFY_WITH_TIMEOUT(w.serviceModel()->serviceDirectories().contains("/config"), 10000);
    QVERIFY(w.serviceModel()->isMarked("/config"));
    QCOMPARE(ServiceDirectoryStore(QStringLiteral("dialog")).marked(),
             QList<QByteArray>{"/config"});
    w.servicesPanel()->setShownAsServices("/config", false);
    QVERIFY(ServiceDirectoryStore(QStringLiteral("dialog")).marked().isEmpty());
}

void TestServicesPanel::serviceTypesDialogRenamesTheType()
{
    MainWindow w(profile(QStringLiteral("types")));
    QVERIFY(waitForServices(w));
    const ServiceModel *model = w.serviceModel();
    const QByteArray key = "/msg_servers/0002-0001";
    QCOMPARE(model->indexForKey(key, ServiceModel::TypeColumn).data().toString(),
             QStringLiteral("msg_server"));

    ServicesPanel *panel = w.servicesPanel();
    panel->action(ServicesPanel::ServiceTypes)->trigger();
    auto *dialog = qobject_cast<ServiceTypesDialog *>(panel->openDialog());
    QVERIFY(dialog);
    QTableWidget *table = dialog->table();
    int row = -1;
    for (int r = 0; r < table->rowCount(); ++r) {
        if (table->item(r, 0)->text() == QLatin1String("0002"))
            row = r;
    }
    QVERIFY(row >= 0);
    table->item(row, 1)->setText(QStringLiteral("chat_server"));
    // A code given twice is refused until fixed.
    dialog->addRow(QStringLiteral("0002"), QStringLiteral("again"));
    QVERIFY(!dialog->okButton()->isEnabled());
    table->item(table->rowCount() - 1, 0)->setText(QStringLiteral("0042"));
    QVERIFY(dialog->okButton()->isEnabled());
    dialog->okButton()->click();

    QTRY_COMPARE(model->indexForKey(key, ServiceModel::TypeColumn).data().toString(),
                 QStringLiteral("chat_server"));
    QTRY_VERIFY2(panel->headerText().contains(QStringLiteral("chat_server: 2 alive")),
                 qPrintable(panel->headerText()));
    // Saved: a new window names them so too.
    QCOMPARE(ServiceTypeNames::load().nameFor("0002-0001"), QStringLiteral("chat_server"));
    QCOMPARE(ServiceTypeNames::load().nameFor("0042-1"), QStringLiteral("again"));
    {
        MainWindow second(profile(QStringLiteral("types")));
        QVERIFY(waitForServices(second));
        QTRY_COMPARE(
            second.serviceModel()->indexForKey(key, ServiceModel::TypeColumn).data().toString(),
            QStringLiteral("chat_server"));
    }

    // Restore defaults puts msg_server back.
    panel->action(ServicesPanel::ServiceTypes)->trigger();
    dialog = qobject_cast<ServiceTypesDialog *>(panel->openDialog());
    QVERIFY(dialog);
    dialog->defaultsButton()->click();
    QCOMPARE(dialog->typeNames().entries(), ServiceTypeNames::defaults());
    dialog->okButton()->click();
    QTRY_COMPARE(model->indexForKey(key, ServiceModel::TypeColumn).data().toString(),
                 QStringLiteral("msg_server"));
    QCOMPARE(ServiceTypeNames::load().nameFor("0002-0001"), QStringLiteral("msg_server"));
}

void TestServicesPanel::filterNarrowsTheRows_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QList<QByteArray>>("shown");
    QTest::addColumn<QList<QByteArray>>("hidden");

    QTest::newRow("by ID") << QStringLiteral("0001-0002")
                           << QList<QByteArray>{"/login_servers/0001-0002"}
                           << QList<QByteArray>{"/login_servers/0001-0001", "/msg_servers",
                                                "/msg_servers/0002-0001"};
    QTest::newRow("by address") << QStringLiteral("10.0.1.2")
                                << QList<QByteArray>{"/msg_servers/0002-0002"}
                                << QList<QByteArray>{"/msg_servers/0002-0001", "/login_servers",
                                                     "/route_servers"};
    QTest::newRow("by type") << QStringLiteral("ROUTE_server")
                             << QList<QByteArray>{"/route_servers/0003-0001",
                                                  "/route_servers/0003-0002"}
                             << QList<QByteArray>{"/login_servers", "/msg_servers/0002-0001"};
    QTest::newRow("nothing") << QStringLiteral("no such thing") << QList<QByteArray>{}
                             << QList<QByteArray>{"/login_servers", "/msg_servers",
                                                  "/route_servers"};
}

void TestServicesPanel::filterNarrowsTheRows()
{
    QFETCH(QString, filter);
    QFETCH(QList<QByteArray>, shown);
    QFETCH(QList<QByteArray>, hidden);

    MainWindow w(profile(QStringLiteral("filter")));
    QVERIFY(waitForServices(w));
    ServicesPanel *panel = w.servicesPanel();
    const ServiceModel *model = w.serviceModel();
    const auto indexOf = [&](const QByteArray &key) {
        const QModelIndex index = model->indexForKey(key);
        return index.isValid() ? index : model->indexForService(key);
    };
    // waitForServices() waits for the registrar's servers; every row checked must be there too.
    // (/load is never one: its keys ride on the login servers' leases, a companion, as
    // listsServicesWithCounts checks.)
    for (const QByteArray &key : shown + hidden)
        QTRY_VERIFY2_WITH_TIMEOUT(indexOf(key).isValid(), key.constData(), 15000);
    QTest::keyClicks(panel->filterEdit(), filter);
    for (const QByteArray &key : shown)
        QVERIFY2(panel->isRowShown(indexOf(key)), key.constData());
    for (const QByteArray &key : hidden) {
        QVERIFY2(indexOf(key).isValid(), key.constData());
        QVERIFY2(!panel->isRowShown(indexOf(key)), key.constData());
    }
    panel->filterEdit()->clear();
    for (const QByteArray &key : shown + hidden)
        QVERIFY2(panel->isRowShown(indexOf(key)), key.constData());
}

void TestServicesPanel::showGoneToggle()
{
    MainWindow w(profile(QStringLiteral("gone")));
    QVERIFY(waitForServices(w));
    ServicesPanel *panel = w.servicesPanel();
    const ServiceModel *model = w.serviceModel();
    const QByteArray key = "/route_servers/0003-0001";
    QVERIFY(panel->action(ServicesPanel::ShowGone)->isChecked());

    // Revoked: gone at once, greyed but shown.
    QVERIFY(m_registrar->command(QStringLiteral("kill 0003-0001")));
    QTRY_COMPARE_WITH_TIMEOUT(model->indexForKey(key).data(ServiceModel::StateRole).toInt(),
                              int(ServiceInstance::State::Gone), 10000);
    QTRY_VERIFY(panel->isRowShown(model->indexForKey(key)));
    QTRY_VERIFY2(panel->headerText().contains(QStringLiteral("route_server: 1 alive, 1 gone")),
                 qPrintable(panel->headerText()));
    QVERIFY(model->indexForKey(key).data(Qt::FontRole).value<QFont>().italic());

    // Hidden while "Show gone" is off; the alive one stays.
    panel->action(ServicesPanel::ShowGone)->trigger();
    QVERIFY(!panel->isRowShown(model->indexForKey(key)));
    QVERIFY(panel->isRowShown(model->indexForKey("/route_servers/0003-0002")));
    // Back: shown as soon as it registers again, with the toggle still off.
    QVERIFY(m_registrar->command(QStringLiteral("start 0003-0001")));
    QTRY_COMPARE_WITH_TIMEOUT(model->indexForKey(key).data(ServiceModel::StateRole).toInt(),
                              int(ServiceInstance::State::Alive), 10000);
    QTRY_VERIFY(panel->isRowShown(model->indexForKey(key)));
    panel->action(ServicesPanel::ShowGone)->trigger();
    QVERIFY(panel->action(ServicesPanel::ShowGone)->isChecked());
    QVERIFY(panel->isRowShown(model->indexForKey(key)));
}

void TestServicesPanel::goneRetentionIsTheUsers()
{
    {
        MainWindow w(profile(QStringLiteral("retention")));
        auto *box =
            w.servicesPanel()->findChild<QSpinBox *>(QStringLiteral("servicesGoneRetention"));
        QVERIFY(box);
        QCOMPARE(box->value(), 10);
        QCOMPARE(w.serviceModel()->goneRetentionMs(), qint64(10 * 60 * 1000));
        box->setValue(3);
        QCOMPARE(w.serviceModel()->goneRetentionMs(), qint64(3 * 60 * 1000));
    }
    MainWindow w(profile(QStringLiteral("retention")));
    QCOMPARE(w.serviceModel()->goneRetentionMs(), qint64(3 * 60 * 1000));
    w.servicesPanel()->findChild<QSpinBox *>(QStringLiteral("servicesGoneRetention"))->setValue(10);
}

QTEST_MAIN(TestServicesPanel)
#include "tst_servicespanel.moc"
