// The main window against a real etcd: it connects, shows the server version, the API in use
// and the top level of the key tree; selecting a row opens it in the detail pane; every panel
// and control has an accessible name; an unreachable endpoint gives a message and a Retry that
// works once the server is there.
#include "clusterinfopanel.h"
#include "connectionbanner.h"
#include "connectionsession.h"
#include "etcdfixture.h"
#include "etcdtransport.h"
#include "keyactions.h"
#include "keydetailpane.h"
#include "keyspacepanel.h"
#include "keytreemodel.h"
#include "livetree.h"
#include "mainwindow.h"
#include "valueeditor.h"

#include <QAbstractButton>
#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>
#include <QTreeView>

class TestMainWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void showsVersionApiAndTopLevel_data();
    void showsVersionApiAndTopLevel();
    void readOnlyIsShown();
    void unreachableEndpointShowsMessage();
    void retryConnectsOnceServerIsUp();
    void missingV2ApiIsExplained();
    void selectingARowShowsItInThePane();
    void everyControlHasAnAccessibleName();
    void keyMenuHoldsTheActions();
    void sessionStates_data();
    void sessionStates();

private:
    static QStringList names(MainWindow &w);
    static QString labelText(MainWindow &w, const char *objectName);
    EtcdClient::Options optionsFor(const QString &endpoint) const;

    EtcdServer m_etcd;
    QString m_version;
};

void TestMainWindow::initTestCase()
{
    QVERIFY2(m_etcd.start(), "etcd did not start");
    const QString version = m_etcd.etcdctl({QStringLiteral("version")});
    // "etcdctl version: 3.4.23\nAPI version: 3.4"
    m_version = version.section(QLatin1Char('\n'), 0, 0).section(QLatin1Char(' '), -1);
    QVERIFY(!m_version.isEmpty());

    for (const char *key : {"/login_servers/0001-0001", "/msg_servers/0002-0001", "/release notes"})
        QVERIFY(!m_etcd.etcdctl({"put", key, "{\"ip\":\"10.0.0.5\",\"port\":8008}"}).isNull());
    for (const char *key : {"/config/v2only", "/queue_v2/1"})
        QVERIFY(!m_etcd.etcdctlV2({"set", key, "x"}).isNull());
}

EtcdClient::Options TestMainWindow::optionsFor(const QString &endpoint) const
{
    EtcdClient::Options o;
    o.endpoints = {endpoint};
    return o;
}

QStringList TestMainWindow::names(MainWindow &w)
{
    QStringList out;
    const KeyTreeModel *model = w.keyModel();
    for (int r = 0; r < model->rowCount(); ++r)
        out << QString::fromUtf8(model->index(r, 0).data(KeyTreeModel::KeyRole).toByteArray());
    return out;
}

QString TestMainWindow::labelText(MainWindow &w, const char *objectName)
{
    auto *label = w.findChild<QLabel *>(QLatin1String(objectName));
    return label ? label->text() : QStringLiteral("<no label %1>").arg(QLatin1String(objectName));
}

void TestMainWindow::showsVersionApiAndTopLevel_data()
{
    QTest::addColumn<EtcdClient::Api>("api");
    QTest::addColumn<QString>("apiShown");
    QTest::addColumn<QStringList>("topLevel");

    const QStringList v3{"/login_servers", "/msg_servers", "/release notes"};
    const QStringList v2{"/config", "/queue_v2"};
    QTest::newRow("auto picks v3") << EtcdClient::Api::Auto << QStringLiteral("v3") << v3;
    QTest::newRow("v3") << EtcdClient::Api::V3 << QStringLiteral("v3") << v3;
    QTest::newRow("v2") << EtcdClient::Api::V2 << QStringLiteral("v2") << v2;
}

void TestMainWindow::showsVersionApiAndTopLevel()
{
    QFETCH(EtcdClient::Api, api);
    QFETCH(QString, apiShown);
    QFETCH(QStringList, topLevel);

    EtcdClient::Options options = optionsFor(m_etcd.clientUrl());
    options.api = api;
    MainWindow w(options);
    w.show();
    QTRY_VERIFY_WITH_TIMEOUT(w.isConnected(), 10000);
    QCOMPARE(w.clusterInfoPanel()->serverVersion(), m_version);
    QCOMPARE(w.clusterInfoPanel()->apiText(), apiShown);
    QCOMPARE(labelText(w, "endpointLabel"), m_etcd.clientUrl());
    QTRY_COMPARE_WITH_TIMEOUT(names(w), topLevel, 10000);
    QTRY_VERIFY(!w.keyModel()->isLoading());
    QTRY_VERIFY2(w.keyspacePanel()->statusText().contains(QString::number(topLevel.size())),
                 qPrintable(w.keyspacePanel()->statusText()));
    QCOMPARE(w.windowTitle(), QStringLiteral("etcdscope — %1").arg(m_etcd.clientUrl()));
    QVERIFY(labelText(w, "endpointStatus").contains(m_etcd.clientUrl()));
    QVERIFY(labelText(w, "apiStatus").contains(apiShown));
    QVERIFY(labelText(w, "apiStatus").contains(m_version));
    QVERIFY(!w.banner()->isVisible());
    QCOMPARE(w.findChild<QTreeView *>(QStringLiteral("keyView"))->model()->rowCount(),
             topLevel.size());
    // The watch is live, and says which wire it uses (v3: etcd's gRPC protocol).
    auto *watch = w.findChild<QLabel *>(QStringLiteral("watchStatus"));
    QVERIFY(watch);
    QTRY_VERIFY_WITH_TIMEOUT(watch->text().startsWith(QLatin1String("Live")), 10000);
    if (api != EtcdClient::Api::V2)
        QVERIFY2(watch->toolTip().contains(QLatin1String("gRPC protocol")),
                 qPrintable(watch->toolTip()));
}

void TestMainWindow::readOnlyIsShown()
{
    EtcdClient::Options options = optionsFor(m_etcd.clientUrl());
    options.readOnly = true;
    MainWindow w(options);
    w.show();
    QVERIFY(w.windowTitle().contains(QLatin1String("read-only")));
    QCOMPARE(labelText(w, "accessStatus"), QStringLiteral("Read-only"));
    QTRY_VERIFY_WITH_TIMEOUT(w.isConnected(), 10000);
    QCOMPARE(labelText(w, "accessLabel"), QStringLiteral("Read-only"));
    QVERIFY(w.client()->transport()->isReadOnly());
    QVERIFY(w.keyActions()->action(KeyActions::ReadOnly)->isChecked());
    QVERIFY(!w.keyActions()->action(KeyActions::NewKey)->isEnabled());
    QVERIFY(w.detailPane()->isReadOnly());
}

void TestMainWindow::unreachableEndpointShowsMessage()
{
    const QString dead = QStringLiteral("http://127.0.0.1:%1").arg(EtcdServer::freePort());
    MainWindow w(optionsFor(dead));
    w.show();
    QSignalSpy attempted(&w, &MainWindow::connectionAttempted);
    QTRY_VERIFY_WITH_TIMEOUT(w.banner()->isVisible(), 10000);
    QCOMPARE(attempted.count(), 1);
    QCOMPARE(attempted.first().first().toBool(), false);
    QVERIFY(!w.isConnected());
    const QString message = w.banner()->message();
    QVERIFY2(message.contains(QLatin1String("Could not connect to")), qPrintable(message));
    QVERIFY2(message.contains(dead), qPrintable(message));
    QVERIFY2(message.contains(QLatin1String("refused"), Qt::CaseInsensitive), qPrintable(message));
    auto *retry = w.findChild<QPushButton *>(QStringLiteral("retryButton"));
    QVERIFY(retry && retry->isVisible());
    QCOMPARE(w.keyModel()->rowCount(), 0);
    QVERIFY(!w.keyActions()->action(KeyActions::NewKey)->isEnabled());
    QCOMPARE(w.windowTitle(), QStringLiteral("etcdscope — %1").arg(dead));
    QCOMPARE(labelText(w, "endpointStatus"), QStringLiteral("Not connected"));
}

void TestMainWindow::retryConnectsOnceServerIsUp()
{
    EtcdServer::Options serverOptions;
    serverOptions.clientPort = EtcdServer::freePort();
    EtcdServer later(serverOptions);
    const QString url = QStringLiteral("http://127.0.0.1:%1").arg(serverOptions.clientPort);

    MainWindow w(optionsFor(url));
    w.show();
    QTRY_VERIFY_WITH_TIMEOUT(w.banner()->isVisible(), 10000);

    QVERIFY2(later.start(), "the second etcd did not start");
    QTest::mouseClick(w.findChild<QPushButton *>(QStringLiteral("retryButton")), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(w.isConnected(), 10000);
    QVERIFY(!w.banner()->isVisible());
    QCOMPARE(w.clusterInfoPanel()->apiText(), QStringLiteral("v3"));
    QTRY_VERIFY(!w.keyModel()->isLoading());
    QTRY_COMPARE(w.keyspacePanel()->statusText(), QStringLiteral("The keyspace is empty."));
}

void TestMainWindow::missingV2ApiIsExplained()
{
    EtcdServer::Options serverOptions;
    serverOptions.enableV2 = false;
    EtcdServer noV2(serverOptions);
    QVERIFY2(noV2.start(), "etcd without v2 did not start");

    EtcdClient::Options options = optionsFor(noV2.clientUrl());
    options.api = EtcdClient::Api::V2;
    MainWindow w(options);
    w.show();
    QTRY_VERIFY_WITH_TIMEOUT(w.banner()->isVisible(), 10000);
    const QString message = w.banner()->message();
    QVERIFY2(message.contains(QLatin1String("v2")), qPrintable(message));
    QVERIFY(!w.isConnected());
}

void TestMainWindow::selectingARowShowsItInThePane()
{
    MainWindow w(optionsFor(m_etcd.clientUrl()));
    w.show();
    QTRY_VERIFY_WITH_TIMEOUT(w.isConnected(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(w.keyModel()->indexForKey("/release notes").isValid(), 10000);
    QTreeView *view = w.keyspacePanel()->view();
    view->setCurrentIndex(w.keyModel()->indexForKey("/release notes"));
    QCOMPARE(w.keyActions()->currentKey(), QByteArray("/release notes"));
    QCOMPARE(w.detailPane()->currentKey(), QByteArray("/release notes"));
    QTRY_COMPARE_WITH_TIMEOUT(w.detailPane()->editor()->textEdit()->toPlainText().remove(
                                  QRegularExpression(QStringLiteral("\\s"))),
                              QStringLiteral("{\"ip\":\"10.0.0.5\",\"port\":8008}"), 10000);

    // A directory shows as a directory; nothing selected clears the pane.
    view->setCurrentIndex(w.keyModel()->indexForKey("/login_servers"));
    QCOMPARE(w.detailPane()->currentKey(), QByteArray("/login_servers"));
    QVERIFY(w.detailPane()->isDirectoryShown());
    view->setCurrentIndex({});
    QCOMPARE(w.detailPane()->currentKey(), QByteArray());
}

void TestMainWindow::everyControlHasAnAccessibleName()
{
    MainWindow w(optionsFor(m_etcd.clientUrl()));
    w.show();
    QTRY_VERIFY_WITH_TIMEOUT(w.isConnected(), 10000);
    w.findChild<QWidget *>(QStringLiteral("clusterDock"))->show();
    QStringList missing;
    const auto widgets = w.findChildren<QWidget *>();
    for (QWidget *widget : widgets) {
        const bool control =
            qobject_cast<QAbstractButton *>(widget) || qobject_cast<QLineEdit *>(widget) ||
            qobject_cast<QPlainTextEdit *>(widget) || qobject_cast<QComboBox *>(widget) ||
            qobject_cast<QAbstractItemView *>(widget);
        // Qt's own parts (qt_* names, tool buttons the toolbar makes from named actions) are
        // named by their owner or their action.
        if (!control || widget->objectName().startsWith(QLatin1String("qt_")) ||
            widget->parent()->inherits("QToolBar") || widget->parent()->inherits("QLineEdit") ||
            widget->inherits("QComboBoxListView") || !widget->accessibleName().isEmpty())
            continue;
        if (auto *button = qobject_cast<QAbstractButton *>(widget);
            button && !button->text().isEmpty())
            continue; // a button is named by its text
        missing << QStringLiteral("%1 (%2)").arg(widget->objectName(),
                                                 QLatin1String(widget->metaObject()->className()));
    }
    QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QLatin1String(", "))));
    for (const char *name : {"keyspacePanel", "keyView", "filterEdit", "keyspaceStatus"})
        QVERIFY2(!w.findChild<QWidget *>(QLatin1String(name))->accessibleName().isEmpty(), name);
    QVERIFY(!w.detailPane()->accessibleName().isEmpty());
}

void TestMainWindow::keyMenuHoldsTheActions()
{
    MainWindow w(optionsFor(m_etcd.clientUrl()));
    auto *menu = w.menuBar()->findChild<QMenu *>(QStringLiteral("keyMenu"));
    QVERIFY(menu);
    const QList<QAction *> actions = menu->actions();
    for (KeyActions::Id id : {KeyActions::NewKey, KeyActions::Delete, KeyActions::Save,
                              KeyActions::GoToKey, KeyActions::Refresh, KeyActions::CopyKey})
        QVERIFY(actions.contains(w.keyActions()->action(id)));
    QCOMPARE(w.keyActions()->action(KeyActions::Save)->shortcut(), QKeySequence::Save);
    QCOMPARE(w.keyActions()->action(KeyActions::Refresh)->shortcut(), QKeySequence(Qt::Key_F5));
    QCOMPARE(w.keyActions()->action(KeyActions::Edit)->shortcut(), QKeySequence(Qt::Key_F2));
    QCOMPARE(w.keyActions()->action(KeyActions::GoToKey)->shortcut(),
             QKeySequence(QStringLiteral("Ctrl+L")));
    QCOMPARE(w.keyspacePanel()->filterAction()->shortcut(), QKeySequence::Find);
}

void TestMainWindow::sessionStates_data()
{
    QTest::addColumn<QString>("endpoint");
    QTest::addColumn<QString>("caFile");
    QTest::addColumn<ConnectionSession::State>("state");
    QTest::addColumn<int>("step"); // of a failure
    const QString dead = QStringLiteral("http://127.0.0.1:%1").arg(EtcdServer::freePort());
    QTest::newRow("reachable") << m_etcd.clientUrl() << QString()
                               << ConnectionSession::State::Connected << -1;
    QTest::newRow("unreachable") << dead << QString() << ConnectionSession::State::Failed
                                 << int(ConnectionSession::Step::Discover);
    QTest::newRow("CA file missing")
        << m_etcd.clientUrl() << QStringLiteral("/nonexistent/ca.pem")
        << ConnectionSession::State::Failed << int(ConnectionSession::Step::Configure);
}

void TestMainWindow::sessionStates()
{
    QFETCH(QString, endpoint);
    QFETCH(QString, caFile);
    QFETCH(ConnectionSession::State, state);
    QFETCH(int, step);
    EtcdClient::Options options = optionsFor(endpoint);
    options.caFile = caFile;
    ConnectionSession session(ConnectionProfile::fromOptions(options));
    QSignalSpy connecting(&session, &ConnectionSession::connecting);
    QSignalSpy connected(&session, &ConnectionSession::connected);
    QSignalSpy failed(&session, &ConnectionSession::failed);
    session.connectToCluster();
    QCOMPARE(connecting.count(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(connected.count() + failed.count() == 1, 10000);
    QCOMPARE(session.state(), state);
    if (state == ConnectionSession::State::Connected) {
        QCOMPARE(connected.first().first().value<EtcdClient::ClusterInfo>().api,
                 EtcdClient::Api::V3);
        QVERIFY(!session.lastError());
        // The models follow the connection: the tree lists and the watch goes live.
        QTRY_VERIFY_WITH_TIMEOUT(session.liveTree()->state() == LiveTree::State::Live, 10000);
        QVERIFY(session.keyModel()->rowCount() > 0);
        QVERIFY(!session.authNotEnabled());
    } else {
        QCOMPARE(failed.first().first().value<ConnectionSession::Step>(),
                 ConnectionSession::Step(step));
        QVERIFY(session.lastError());
        QCOMPARE(session.liveTree()->state(), LiveTree::State::Stopped);
    }
    // The read-only toggle is the session's: a reconnect applies it again.
    QSignalSpy readOnly(&session, &ConnectionSession::readOnlyChanged);
    session.setReadOnly(true);
    session.setReadOnly(true);
    QCOMPARE(readOnly.count(), 1);
    QVERIFY(session.options().readOnly);
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
