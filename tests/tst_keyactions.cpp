// The key actions of the main window against a real etcd, in v2 and v3 modes: each flow fills
// its dialog in as a user would, accepts it, and checks what etcd holds and what the tree shows.
#include "createkeydialog.h"
#include "deletedialog.h"
#include "etcdclient.h"
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "etcdtransport.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "gotokeydialog.h"
#include "keyactions.h"
#include "keydetailpane.h"
#include "keyspacepanel.h"
#include "keytreemodel.h"
#include "leasedialog.h"
#include "mainwindow.h"
#include "ttldialog.h"
#include "valueeditor.h"

#include <QAction>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QTreeView>

#include <memory>

Q_DECLARE_METATYPE(EtcdClient::Api)

class TestKeyActions : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void createKey_data();
    void createKey();
    void createV3KeyWithLease();
    void createV2DirectoryWithTtl();
    void createInOrderKey();
    void setAndRemoveTtl();
    void attachAndDetachLease();
    void deleteKey_data();
    void deleteKey();
    void deleteV2DirectoryShowsCount();
    void deleteV3PrefixShowsCount();
    void readOnlyDisablesWrites_data();
    void readOnlyDisablesWrites();
    void goToKeyThroughUnloadedLevels_data();
    void goToKeyThroughUnloadedLevels();
    void filterNarrowsTree();
    void unsavedEditAsksBeforeSwitching();

private:
    std::unique_ptr<MainWindow> openWindow(EtcdClient::Api api, bool readOnly = false);
    static bool select(MainWindow &w, const QByteArray &key);
    static bool waitLoaded(MainWindow &w, const QByteArray &key);
    template<typename D> static D *dialogOf(MainWindow &w);
    static bool waitWrite(QSignalSpy &spy);
    EtcdResult<EtcdV3RangeResult> v3Get(MainWindow &w, const QByteArray &key);
    EtcdResult<EtcdV2Response> v2Get(MainWindow &w, const QByteArray &key, bool recursive = false);

    EtcdServer m_etcd;
};

void TestKeyActions::initTestCase()
{
    QVERIFY2(m_etcd.start(), "etcd did not start");
}

std::unique_ptr<MainWindow> TestKeyActions::openWindow(EtcdClient::Api api, bool readOnly)
{
    EtcdClient::Options options;
    options.endpoints = {m_etcd.clientUrl()};
    options.api = api;
    options.readOnly = readOnly;
    auto w = std::make_unique<MainWindow>(options);
    w->show();
    if (!QTest::qWaitFor([&] { return w->isConnected(); }, 10000))
        return nullptr;
    if (!QTest::qWaitFor([&] { return !w->keyModel()->isLoading(); }, 10000))
        return nullptr;
    return w;
}

// Makes `key` current through the model's reveal (loading levels as needed).
bool TestKeyActions::select(MainWindow &w, const QByteArray &key)
{
    QSignalSpy selected(w.keyActions(), &KeyActions::keySelected);
    w.keyActions()->selectKey(key);
    if (selected.isEmpty() && !selected.wait(10000))
        return false;
    return w.keyActions()->currentKey() == key;
}

// The pane shows `key` and its document finished loading it.
bool TestKeyActions::waitLoaded(MainWindow &w, const QByteArray &key)
{
    return QTest::qWaitFor(
        [&] {
            KeyDocument *doc = w.detailPane()->document();
            return doc && doc->key() == key && doc->isLoaded() && !doc->isBusy();
        },
        10000);
}

template<typename D> D *TestKeyActions::dialogOf(MainWindow &w)
{
    return qobject_cast<D *>(w.keyActions()->openDialog());
}

bool TestKeyActions::waitWrite(QSignalSpy &spy)
{
    if (spy.isEmpty() && !spy.wait(10000))
        return false;
    if (!spy.last().at(0).toBool())
        qWarning("write failed: %s", qPrintable(spy.last().at(1).toString()));
    return spy.last().at(0).toBool();
}

EtcdResult<EtcdV3RangeResult> TestKeyActions::v3Get(MainWindow &w, const QByteArray &key)
{
    return await<EtcdV3RangeResult>(
        [&](auto cb) { return w.client()->v3()->range(key, {}, this, cb); });
}

EtcdResult<EtcdV2Response> TestKeyActions::v2Get(MainWindow &w, const QByteArray &key,
                                                 bool recursive)
{
    EtcdV2GetOptions options;
    options.recursive = recursive;
    options.sorted = true;
    return await<EtcdV2Response>(
        [&](auto cb) { return w.client()->v2()->get(key, options, this, cb); });
}

// ---- create ------------------------------------------------------------------------------------

void TestKeyActions::createKey_data()
{
    QTest::addColumn<EtcdClient::Api>("api");
    QTest::newRow("v2") << EtcdClient::Api::V2;
    QTest::newRow("v3") << EtcdClient::Api::V3;
}

void TestKeyActions::createKey()
{
    QFETCH(EtcdClient::Api, api);
    const bool v2 = api == EtcdClient::Api::V2;
    if (v2)
        QVERIFY(!m_etcd.etcdctlV2({"set", "/created/existing", "x"}).isNull());
    else
        QVERIFY(!m_etcd.etcdctl({"put", "/created/existing", "x"}).isNull());
    auto w = openWindow(api);
    QVERIFY(w);
    QVERIFY(select(*w, "/created/existing"));

    QSignalSpy written(w->keyActions(), &KeyActions::writeFinished);
    w->keyActions()->action(KeyActions::NewKey)->trigger();
    auto *dialog = dialogOf<CreateKeyDialog>(*w);
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    // Prefilled with the selected key's directory.
    QCOMPARE(dialog->findChild<QLineEdit *>(QStringLiteral("keyEdit"))->text(),
             QStringLiteral("/created/"));
    dialog->setKeyText(QStringLiteral("/created/new key"));
    dialog->findChild<QPlainTextEdit *>(QStringLiteral("valueEdit"))
        ->setPlainText(QStringLiteral("{\"a\": 1}"));
    QTest::mouseClick(dialog->createButton(), Qt::LeftButton);
    QVERIFY(waitWrite(written));

    if (v2) {
        const auto r = v2Get(*w, "/created/new key");
        VERIFY_OK(r);
        QCOMPARE(r.value.node.value, QByteArray("{\"a\": 1}"));
    } else {
        const auto r = v3Get(*w, "/created/new key");
        VERIFY_OK(r);
        QCOMPARE(r.value.kvs.size(), 1);
        QCOMPARE(r.value.kvs.first().value, QByteArray("{\"a\": 1}"));
    }
    // The tree has the row (no reload) and the new key is current and in the pane.
    QTRY_VERIFY(w->keyModel()->indexForKey("/created/new key").isValid());
    QTRY_COMPARE(w->keyActions()->currentKey(), QByteArray("/created/new key"));
    QTRY_COMPARE(w->detailPane()->currentKey(), QByteArray("/created/new key"));

    // Creating it again is refused: create-if-absent.
    w->keyActions()->action(KeyActions::NewKey)->trigger();
    dialog = dialogOf<CreateKeyDialog>(*w);
    QVERIFY(dialog);
    dialog->setKeyText(QStringLiteral("/created/new key"));
    dialog->setValue("other");
    written.clear();
    dialog->createButton()->click();
    QVERIFY(!written.isEmpty() || written.wait(10000));
    QVERIFY(!written.last().at(0).toBool());
    QVERIFY2(written.last().at(1).toString().contains(QLatin1String("already exists")),
             qPrintable(written.last().at(1).toString()));
    auto *box = dialogOf<QMessageBox>(*w);
    QVERIFY(box);
    box->close();
}

void TestKeyActions::createV3KeyWithLease()
{
    auto w = openWindow(EtcdClient::Api::V3);
    QVERIFY(w);
    QSignalSpy written(w->keyActions(), &KeyActions::writeFinished);
    w->keyActions()->action(KeyActions::NewKey)->trigger();
    auto *dialog = dialogOf<CreateKeyDialog>(*w);
    QVERIFY(dialog);
    dialog->setKeyText(QStringLiteral("/leased/k"));
    dialog->setValue("v");
    dialog->setTtl(600);
    dialog->createButton()->click();
    QVERIFY(waitWrite(written));
    const auto r = v3Get(*w, "/leased/k");
    VERIFY_OK(r);
    QCOMPARE(r.value.kvs.size(), 1);
    QVERIFY(r.value.kvs.first().lease != 0);
    QTRY_COMPARE(w->keyActions()->currentKey(), QByteArray("/leased/k"));
}

void TestKeyActions::createV2DirectoryWithTtl()
{
    auto w = openWindow(EtcdClient::Api::V2);
    QVERIFY(w);
    QSignalSpy written(w->keyActions(), &KeyActions::writeFinished);
    QVERIFY(w->keyActions()->action(KeyActions::NewDirectory)->isEnabled());
    w->keyActions()->action(KeyActions::NewDirectory)->trigger();
    auto *dialog = dialogOf<CreateKeyDialog>(*w);
    QVERIFY(dialog);
    QCOMPARE(dialog->kind(), CreateKeyDialog::Kind::Directory);
    dialog->setKeyText(QStringLiteral("/expiring-dir"));
    dialog->setTtl(300);
    dialog->createButton()->click();
    QVERIFY(waitWrite(written));

    const auto r = v2Get(*w, "/expiring-dir");
    VERIFY_OK(r);
    QVERIFY(r.value.node.dir);
    QVERIFY(r.value.node.ttl.has_value());
    QVERIFY(*r.value.node.ttl > 0 && *r.value.node.ttl <= 300);
    const QModelIndex row = w->keyModel()->indexForKey("/expiring-dir");
    QVERIFY(row.isValid());
    QVERIFY(row.data(KeyTreeModel::IsDirectoryRole).toBool());
}

void TestKeyActions::createInOrderKey()
{
    QVERIFY(!m_etcd.etcdctlV2({"mkdir", "/jobs"}).isNull());
    auto w = openWindow(EtcdClient::Api::V2);
    QVERIFY(w);
    QVERIFY(select(*w, "/jobs"));
    QTRY_VERIFY(w->keyActions()->action(KeyActions::NewInOrderKey)->isEnabled());
    QSignalSpy written(w->keyActions(), &KeyActions::writeFinished);
    w->keyActions()->action(KeyActions::NewInOrderKey)->trigger();
    auto *dialog = dialogOf<CreateKeyDialog>(*w);
    QVERIFY(dialog);
    QCOMPARE(dialog->key(), QByteArray("/jobs"));
    dialog->setValue("first job");
    dialog->createButton()->click();
    QVERIFY(waitWrite(written));

    const auto r = v2Get(*w, "/jobs");
    VERIFY_OK(r);
    QCOMPARE(r.value.node.nodes.size(), std::size_t(1));
    const EtcdV2Node &job = r.value.node.nodes.front();
    QCOMPARE(job.value, QByteArray("first job"));
    // etcd names it with the 20-digit creation index.
    QCOMPARE(job.key.size(), qsizetype(QByteArray("/jobs/").size() + 20));
    QTRY_COMPARE(w->keyActions()->currentKey(), job.key);
}

// ---- TTL and lease -----------------------------------------------------------------------------

void TestKeyActions::setAndRemoveTtl()
{
    QVERIFY(!m_etcd.etcdctlV2({"set", "/ttl/k", "kept value"}).isNull());
    auto w = openWindow(EtcdClient::Api::V2);
    QVERIFY(w);
    QVERIFY(select(*w, "/ttl/k"));
    QVERIFY(waitLoaded(*w, "/ttl/k"));
    QVERIFY(!w->keyActions()->action(KeyActions::RemoveTtl)->isEnabled());

    QSignalSpy written(w->keyActions(), &KeyActions::writeFinished);
    w->keyActions()->action(KeyActions::SetTtl)->trigger();
    auto *dialog = dialogOf<TtlDialog>(*w);
    QVERIFY(dialog);
    dialog->setTtl(120);
    dialog->okButton()->click();
    QVERIFY(waitWrite(written));
    auto r = v2Get(*w, "/ttl/k");
    VERIFY_OK(r);
    QVERIFY(r.value.node.ttl.has_value());
    QVERIFY(*r.value.node.ttl <= 120 && *r.value.node.ttl > 100);
    QCOMPARE(r.value.node.value, QByteArray("kept value"));
    // The tree row learned the TTL (no reload): Remove TTL becomes possible.
    QTRY_VERIFY(w->keyModel()->indexForKey("/ttl/k").data(KeyTreeModel::TtlRole).isValid());
    QTRY_VERIFY(w->keyActions()->action(KeyActions::RemoveTtl)->isEnabled());

    QVERIFY(waitLoaded(*w, "/ttl/k"));
    written.clear();
    w->keyActions()->action(KeyActions::RemoveTtl)->trigger();
    QVERIFY(waitWrite(written));
    r = v2Get(*w, "/ttl/k");
    VERIFY_OK(r);
    QVERIFY(!r.value.node.ttl.has_value());
    QCOMPARE(r.value.node.value, QByteArray("kept value"));
    QTRY_VERIFY(!w->keyModel()->indexForKey("/ttl/k").data(KeyTreeModel::TtlRole).isValid());
}

void TestKeyActions::attachAndDetachLease()
{
    QVERIFY(!m_etcd.etcdctl({"put", "/lease/k", "kept"}).isNull());
    auto w = openWindow(EtcdClient::Api::V3);
    QVERIFY(w);
    QVERIFY(select(*w, "/lease/k"));
    QVERIFY(waitLoaded(*w, "/lease/k"));
    QVERIFY(w->keyActions()->action(KeyActions::Lease)->isEnabled());

    QSignalSpy written(w->keyActions(), &KeyActions::writeFinished);
    w->keyActions()->action(KeyActions::Lease)->trigger();
    auto *dialog = dialogOf<LeaseDialog>(*w);
    QVERIFY(dialog);
    dialog->setChoice(LeaseDialog::Choice::AttachNew);
    dialog->setTtl(500);
    dialog->okButton()->click();
    QVERIFY(waitWrite(written));
    auto r = v3Get(*w, "/lease/k");
    VERIFY_OK(r);
    const quint64 lease = r.value.kvs.value(0).lease;
    QVERIFY(lease != 0);
    QCOMPARE(r.value.kvs.value(0).value, QByteArray("kept"));
    QTRY_COMPARE(w->keyModel()->indexForKey("/lease/k").data(KeyTreeModel::LeaseRole).toULongLong(),
                 lease);

    QVERIFY(waitLoaded(*w, "/lease/k"));
    written.clear();
    w->keyActions()->action(KeyActions::Lease)->trigger();
    dialog = dialogOf<LeaseDialog>(*w);
    QVERIFY(dialog);
    QCOMPARE(dialog->choice(), LeaseDialog::Choice::Keep);
    dialog->setChoice(LeaseDialog::Choice::Detach);
    dialog->okButton()->click();
    QVERIFY(waitWrite(written));
    r = v3Get(*w, "/lease/k");
    VERIFY_OK(r);
    QCOMPARE(r.value.kvs.value(0).lease, quint64(0));
    QCOMPARE(r.value.kvs.value(0).value, QByteArray("kept"));
}

// ---- delete ------------------------------------------------------------------------------------

void TestKeyActions::deleteKey_data()
{
    createKey_data();
}

void TestKeyActions::deleteKey()
{
    QFETCH(EtcdClient::Api, api);
    const bool v2 = api == EtcdClient::Api::V2;
    for (const char *key : {"/del/a", "/del/b"}) {
        if (v2)
            QVERIFY(!m_etcd.etcdctlV2({"set", key, "x"}).isNull());
        else
            QVERIFY(!m_etcd.etcdctl({"put", key, "x"}).isNull());
    }
    auto w = openWindow(api);
    QVERIFY(w);
    QVERIFY(select(*w, "/del/a"));

    QSignalSpy written(w->keyActions(), &KeyActions::writeFinished);
    w->keyActions()->action(KeyActions::Delete)->trigger();
    auto *dialog = dialogOf<DeleteDialog>(*w);
    QVERIFY(dialog);
    QCOMPARE(dialog->kind(), DeleteDialog::Kind::Key);
    QVERIFY2(dialog->text().contains(QLatin1String("/del/a")), qPrintable(dialog->text()));
    dialog->deleteButton()->click();
    QVERIFY(waitWrite(written));

    if (v2)
        QVERIFY(v2Get(*w, "/del/a").error.is(EtcdError::Condition::KeyNotFound));
    else
        QCOMPARE(v3Get(*w, "/del/a").value.kvs.size(), 0);
    QVERIFY(!w->keyModel()->indexForKey("/del/a").isValid());
    QVERIFY(w->keyModel()->indexForKey("/del/b").isValid());
}

void TestKeyActions::deleteV2DirectoryShowsCount()
{
    for (const char *key : {"/deldir/a", "/deldir/sub/b", "/deldir/sub/c"})
        QVERIFY(!m_etcd.etcdctlV2({"set", key, "x"}).isNull());
    QVERIFY(!m_etcd.etcdctlV2({"set", "/deldir-other", "stays"}).isNull());
    auto w = openWindow(EtcdClient::Api::V2);
    QVERIFY(w);
    QVERIFY(select(*w, "/deldir"));

    QSignalSpy written(w->keyActions(), &KeyActions::writeFinished);
    w->keyActions()->action(KeyActions::Delete)->trigger();
    auto *dialog = dialogOf<DeleteDialog>(*w);
    QVERIFY(dialog);
    QCOMPARE(dialog->kind(), DeleteDialog::Kind::Directory);
    QTRY_VERIFY(!dialog->isCounting());
    QVERIFY2(dialog->text().contains(QLatin1String("3 keys")), qPrintable(dialog->text()));
    QVERIFY(dialog->text().contains(QLatin1String("/deldir")));
    dialog->deleteButton()->click();
    QVERIFY(waitWrite(written));

    QVERIFY(v2Get(*w, "/deldir").error.is(EtcdError::Condition::KeyNotFound));
    VERIFY_OK(v2Get(*w, "/deldir-other"));
    QVERIFY(!w->keyModel()->indexForKey("/deldir").isValid());
    QVERIFY(w->keyModel()->indexForKey("/deldir-other").isValid());
}

void TestKeyActions::deleteV3PrefixShowsCount()
{
    for (const char *key : {"/delpre/a", "/delpre/b/c", "/delpre/b/d", "/delpre2"})
        QVERIFY(!m_etcd.etcdctl({"put", key, "x"}).isNull());
    auto w = openWindow(EtcdClient::Api::V3);
    QVERIFY(w);
    QVERIFY(select(*w, "/delpre"));

    QSignalSpy written(w->keyActions(), &KeyActions::writeFinished);
    w->keyActions()->action(KeyActions::Delete)->trigger();
    auto *dialog = dialogOf<DeleteDialog>(*w);
    QVERIFY(dialog);
    QCOMPARE(dialog->kind(), DeleteDialog::Kind::Prefix);
    QVERIFY(!dialog->deleteButton()->isEnabled());
    QTRY_VERIFY(!dialog->isCounting());
    QVERIFY2(dialog->text().contains(QLatin1String("3 keys")), qPrintable(dialog->text()));
    QVERIFY(dialog->text().contains(QLatin1String("/delpre/")));
    dialog->deleteButton()->click();
    QVERIFY(waitWrite(written));

    const QString left = m_etcd.etcdctl({"get", "/delpre/", "--prefix", "--keys-only"});
    QVERIFY(!left.isNull());
    QCOMPARE(left.trimmed(), QString());
    QCOMPARE(v3Get(*w, "/delpre2").value.kvs.size(), 1);
    QTRY_VERIFY(!w->keyModel()->indexForKey("/delpre").isValid());
    QVERIFY(w->keyModel()->indexForKey("/delpre2").isValid());
}

// ---- read-only, go to, filter ------------------------------------------------------------------

void TestKeyActions::readOnlyDisablesWrites_data()
{
    createKey_data();
}

void TestKeyActions::readOnlyDisablesWrites()
{
    QFETCH(EtcdClient::Api, api);
    QVERIFY(!m_etcd.etcdctl({"put", "/ro/k", "x"}).isNull());
    QVERIFY(!m_etcd.etcdctlV2({"set", "/ro/k", "x"}).isNull());
    auto w = openWindow(api);
    QVERIFY(w);
    QVERIFY(select(*w, "/ro/k"));
    KeyActions *actions = w->keyActions();
    QVERIFY(actions->action(KeyActions::NewKey)->isEnabled());
    QVERIFY(actions->action(KeyActions::Delete)->isEnabled());

    actions->action(KeyActions::ReadOnly)->trigger();
    QVERIFY(w->isReadOnly());
    QVERIFY(w->windowTitle().endsWith(QLatin1String("[read-only]")));
    QVERIFY(w->client()->transport()->isReadOnly());
    QVERIFY(w->detailPane()->isReadOnly());
    for (KeyActions::Id id :
         {KeyActions::NewKey, KeyActions::NewDirectory, KeyActions::NewInOrderKey, KeyActions::Edit,
          KeyActions::Save, KeyActions::SetTtl, KeyActions::RemoveTtl, KeyActions::RefreshTtl,
          KeyActions::Lease, KeyActions::Delete})
        QVERIFY2(!actions->action(id)->isEnabled(), qPrintable(actions->action(id)->objectName()));
    QVERIFY(actions->action(KeyActions::Refresh)->isEnabled());
    QVERIFY(actions->action(KeyActions::CopyKey)->isEnabled());

    // Triggering a write anyway opens nothing; the client refuses a write by itself.
    actions->action(KeyActions::Delete)->trigger();
    QVERIFY(!actions->openDialog());
    if (api == EtcdClient::Api::V3) {
        const auto put = await<EtcdV3PutResult>(
            [&](auto cb) { return w->client()->v3()->put("/ro/k", "y", {}, this, cb); });
        QCOMPARE(put.error.kind(), EtcdError::Kind::ReadOnly);
    } else {
        const auto put = await<EtcdV2Response>(
            [&](auto cb) { return w->client()->v2()->set("/ro/k", "y", {}, this, cb); });
        QCOMPARE(put.error.kind(), EtcdError::Kind::ReadOnly);
    }

    actions->action(KeyActions::ReadOnly)->trigger();
    QVERIFY(!w->isReadOnly());
    QVERIFY(!w->client()->transport()->isReadOnly());
    QVERIFY(actions->action(KeyActions::Delete)->isEnabled());
    QVERIFY(!w->windowTitle().contains(QLatin1String("read-only")));
}

void TestKeyActions::goToKeyThroughUnloadedLevels_data()
{
    createKey_data();
}

void TestKeyActions::goToKeyThroughUnloadedLevels()
{
    QFETCH(EtcdClient::Api, api);
    const QByteArray key = "/deep/l1/l2/l3/leaf";
    if (api == EtcdClient::Api::V2)
        QVERIFY(!m_etcd.etcdctlV2({"set", QString::fromUtf8(key), "found"}).isNull());
    else
        QVERIFY(!m_etcd.etcdctl({"put", QString::fromUtf8(key), "found"}).isNull());
    auto w = openWindow(api);
    QVERIFY(w);
    QVERIFY(!w->keyModel()->indexForKey("/deep/l1").isValid());

    QSignalSpy selected(w->keyActions(), &KeyActions::keySelected);
    w->keyActions()->action(KeyActions::GoToKey)->trigger();
    auto *dialog = dialogOf<GoToKeyDialog>(*w);
    QVERIFY(dialog);
    dialog->setKeyText(QString::fromUtf8(key));
    dialog->goButton()->click();
    QVERIFY(!selected.isEmpty() || selected.wait(10000));
    QCOMPARE(w->keyActions()->currentKey(), key);
    const QModelIndex row = w->keyModel()->indexForKey(key);
    QVERIFY(row.isValid());
    QVERIFY(w->keyspacePanel()->view()->isExpanded(row.parent()));
    QTRY_COMPARE(w->detailPane()->currentKey(), key);

    // A key that does not exist is said so.
    QSignalSpy failed(w->keyActions(), &KeyActions::selectFailed);
    w->keyActions()->action(KeyActions::GoToKey)->trigger();
    dialog = dialogOf<GoToKeyDialog>(*w);
    QVERIFY(dialog);
    dialog->setKeyText(QStringLiteral("/deep/l1/missing"));
    dialog->goButton()->click();
    // The model may answer at once when the levels are loaded.
    QVERIFY(!failed.isEmpty() || failed.wait(10000));
    QVERIFY2(failed.last().at(1).toString().contains(QLatin1String("/deep/l1/missing")),
             qPrintable(failed.last().at(1).toString()));
}

void TestKeyActions::filterNarrowsTree()
{
    for (const char *key : {"/filter/alpha-one", "/filter/alpha-two", "/filter/beta"})
        QVERIFY(!m_etcd.etcdctl({"put", key, "x"}).isNull());
    auto w = openWindow(EtcdClient::Api::V3);
    QVERIFY(w);
    QVERIFY(select(*w, "/filter/beta"));
    const QModelIndex dir = w->keyModel()->indexForKey("/filter");
    QCOMPARE(w->keyModel()->rowCount(dir), 3);
    const int topRows = w->keyModel()->rowCount();
    QVERIFY(topRows > 1);

    QLineEdit *filter = w->keyspacePanel()->filterEdit();
    w->keyspacePanel()->filterAction()->trigger();
    QTest::keyClicks(filter, QStringLiteral("ALPHA"));
    QTRY_COMPARE(w->keyModel()->filterText(), QStringLiteral("ALPHA"));
    QTRY_COMPARE(w->keyModel()->rowCount(), 1);
    const QModelIndex filtered = w->keyModel()->indexForKey("/filter");
    QCOMPARE(w->keyModel()->rowCount(filtered), 2);

    filter->clear();
    w->keyspacePanel()->applyFilterNow();
    QTRY_COMPARE(w->keyModel()->rowCount(), topRows);
}

void TestKeyActions::unsavedEditAsksBeforeSwitching()
{
    for (const char *key : {"/edit/a", "/edit/b"})
        QVERIFY(!m_etcd.etcdctl({"put", key, "original"}).isNull());
    auto w = openWindow(EtcdClient::Api::V3);
    QVERIFY(w);
    QVERIFY(select(*w, "/edit/a"));
    QVERIFY(waitLoaded(*w, "/edit/a"));
    w->keyActions()->action(KeyActions::Edit)->trigger();
    QPlainTextEdit *text = w->detailPane()->editor()->textEdit();
    text->selectAll();
    QTest::keyClicks(text, QStringLiteral("changed"));
    QTRY_VERIFY(w->detailPane()->hasUnsavedChanges());

    // Cancel keeps the edit and the selection.
    w->keyspacePanel()->view()->setCurrentIndex(w->keyModel()->indexForKey("/edit/b"));
    auto *box = dialogOf<QMessageBox>(*w);
    QVERIFY(box);
    QCOMPARE(w->keyActions()->currentKey(), QByteArray("/edit/a"));
    box->button(QMessageBox::Cancel)->click();
    QCOMPARE(w->detailPane()->currentKey(), QByteArray("/edit/a"));
    QVERIFY(w->detailPane()->hasUnsavedChanges());

    // Save writes the edit, then opens the other key.
    w->keyspacePanel()->view()->setCurrentIndex(w->keyModel()->indexForKey("/edit/b"));
    box = dialogOf<QMessageBox>(*w);
    QVERIFY(box);
    box->button(QMessageBox::Save)->click();
    QTRY_COMPARE_WITH_TIMEOUT(w->detailPane()->currentKey(), QByteArray("/edit/b"), 10000);
    QCOMPARE(w->keyActions()->currentKey(), QByteArray("/edit/b"));
    QCOMPARE(v3Get(*w, "/edit/a").value.kvs.value(0).value, QByteArray("changed"));
}

QTEST_MAIN(TestKeyActions)
#include "tst_keyactions.moc"
