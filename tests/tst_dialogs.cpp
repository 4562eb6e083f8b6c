// The key dialogs on their own (no etcd): what they return once filled in, what they refuse,
// and the words of the delete confirmation.
#include "createkeydialog.h"
#include "deletedialog.h"
#include "gotokeydialog.h"
#include "keydisplay.h"
#include "keyinput.h"
#include "leasedialog.h"
#include "ttldialog.h"

#include <QCheckBox>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>

class TestDialogs : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void keyFromDisplayInvertsDisplayKey_data();
    void keyFromDisplayInvertsDisplayKey();
    void createKey();
    void createKeyNeedsAKey();
    void createDirectory();
    void createInOrderKey();
    void createV3LeaseTtl();
    void deleteKeyNamesIt();
    void deleteDirectoryWaitsForCount_data();
    void deleteDirectoryWaitsForCount();
    void deleteCountFailed();
    void ttlDialog();
    void leaseDialog();
    void goToKey();
    void everyControlHasAnAccessibleName();
};

void TestDialogs::keyFromDisplayInvertsDisplayKey_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::newRow("plain") << QByteArray("/config/app");
    QTest::newRow("utf-8") << QByteArray("/数据/ключ");
    QTest::newRow("binary") << QByteArray("/bin/\xff\xfe\x00z", 9);
    QTest::newRow("control") << QByteArray("/a\tb\n");
    QTest::newRow("backslash") << QByteArray("/a\\b");
    QTest::newRow("empty") << QByteArray();
}

void TestDialogs::keyFromDisplayInvertsDisplayKey()
{
    QFETCH(QByteArray, key);
    QCOMPARE(keyFromDisplay(displayKey(key)), key);
}

void TestDialogs::createKey()
{
    CreateKeyDialog d(CreateKeyDialog::Kind::Key, false, "/config/");
    QCOMPARE(d.findChild<QLineEdit *>(QStringLiteral("keyEdit"))->text(),
             QStringLiteral("/config/"));
    d.setKeyText(QStringLiteral("/config/app\\xff"));
    d.findChild<QPlainTextEdit *>(QStringLiteral("valueEdit"))->setPlainText(QStringLiteral("v1"));
    QCOMPARE(d.ttl(), std::nullopt);
    d.findChild<QCheckBox *>(QStringLiteral("expiresCheck"))->setChecked(true);
    d.findChild<QSpinBox *>(QStringLiteral("ttlSpin"))->setValue(90);

    QSignalSpy accepted(&d, &QDialog::accepted);
    d.open();
    QVERIFY(d.createButton()->isEnabled());
    d.createButton()->click();
    QCOMPARE(accepted.count(), 1);
    QCOMPARE(d.key(), QByteArray("/config/app\xff"));
    QCOMPARE(d.value(), QByteArray("v1"));
    QCOMPARE(d.ttl(), std::optional<qint64>(90));
}

void TestDialogs::createKeyNeedsAKey()
{
    CreateKeyDialog d(CreateKeyDialog::Kind::Key, true, {});
    QVERIFY(!d.createButton()->isEnabled());
    d.setKeyText(QStringLiteral("k"));
    QVERIFY(d.createButton()->isEnabled());
}

void TestDialogs::createDirectory()
{
    CreateKeyDialog d(CreateKeyDialog::Kind::Directory, false, "/");
    QVERIFY(!d.findChild<QPlainTextEdit *>(QStringLiteral("valueEdit")));
    d.setKeyText(QStringLiteral("/queue/"));
    QVERIFY(!d.createButton()->isEnabled());
    d.setKeyText(QStringLiteral("/queue"));
    d.setTtl(300);
    QVERIFY(d.createButton()->isEnabled());
    QCOMPARE(d.key(), QByteArray("/queue"));
    QCOMPARE(d.ttl(), std::optional<qint64>(300));
    QCOMPARE(d.value(), QByteArray());
}

void TestDialogs::createInOrderKey()
{
    CreateKeyDialog d(CreateKeyDialog::Kind::InOrderKey, false, "/jobs");
    QVERIFY(!d.findChild<QLineEdit *>(QStringLiteral("keyEdit")));
    d.setValue("job 1");
    QCOMPARE(d.key(), QByteArray("/jobs"));
    QCOMPARE(d.value(), QByteArray("job 1"));
    QVERIFY(d.createButton()->isEnabled());
}

void TestDialogs::createV3LeaseTtl()
{
    CreateKeyDialog d(CreateKeyDialog::Kind::Key, true, "/svc/");
    auto *check = d.findChild<QCheckBox *>(QStringLiteral("expiresCheck"));
    QVERIFY(check->text().contains(QLatin1String("lease")));
    QVERIFY(!d.findChild<QSpinBox *>(QStringLiteral("ttlSpin"))->isEnabled());
    check->setChecked(true);
    QVERIFY(d.findChild<QSpinBox *>(QStringLiteral("ttlSpin"))->isEnabled());
}

void TestDialogs::deleteKeyNamesIt()
{
    DeleteDialog d(DeleteDialog::Kind::Key, "/config/app");
    QVERIFY(d.text().contains(QLatin1String("/config/app")));
    QVERIFY(d.deleteButton()->isEnabled());
    QVERIFY(!d.isCounting());
}

void TestDialogs::deleteDirectoryWaitsForCount_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<qint64>("count");
    QTest::addColumn<bool>("atLeast");
    QTest::addColumn<QString>("expected");
    const QString many = QLocale().toString(qint64(12000));
    QTest::newRow("v2 dir") << int(DeleteDialog::Kind::Directory) << qint64(3) << false
                            << QStringLiteral("3 keys");
    QTest::newRow("one") << int(DeleteDialog::Kind::Directory) << qint64(1) << false
                         << QStringLiteral("1 key");
    QTest::newRow("prefix") << int(DeleteDialog::Kind::Prefix) << qint64(12000) << false
                            << QStringLiteral("%1 keys").arg(many);
    QTest::newRow("capped") << int(DeleteDialog::Kind::Directory) << qint64(12000) << true
                            << QStringLiteral("more than %1 keys").arg(many);
    QTest::newRow("key and prefix")
        << int(DeleteDialog::Kind::KeyAndPrefix) << qint64(2) << false << QStringLiteral("2 keys");
}

void TestDialogs::deleteDirectoryWaitsForCount()
{
    QFETCH(int, kind);
    QFETCH(qint64, count);
    QFETCH(bool, atLeast);
    QFETCH(QString, expected);
    DeleteDialog d(DeleteDialog::Kind(kind), "/queue", "/queue/");
    QVERIFY(d.isCounting());
    QVERIFY(!d.deleteButton()->isEnabled());
    QVERIFY(d.text().contains(QLatin1String("Counting")));
    d.setCount(count, atLeast);
    QVERIFY(d.deleteButton()->isEnabled());
    QVERIFY2(d.text().contains(expected), qPrintable(d.text()));
    QVERIFY2(d.text().contains(QLatin1String("/queue")), qPrintable(d.text()));
}

void TestDialogs::deleteCountFailed()
{
    DeleteDialog d(DeleteDialog::Kind::Prefix, "/big", "/big/");
    d.setCountFailed(QStringLiteral("timed out"));
    QVERIFY(d.deleteButton()->isEnabled());
    QVERIFY(d.text().contains(QLatin1String("could not count")));
    QVERIFY(d.text().contains(QLatin1String("timed out")));
}

void TestDialogs::ttlDialog()
{
    TtlDialog set(TtlDialog::Mode::Set, "/a", std::nullopt);
    QCOMPARE(set.ttl(), 60);
    set.setTtl(5);
    QCOMPARE(set.ttl(), 5);
    TtlDialog refresh(TtlDialog::Mode::Refresh, "/a", 42);
    QCOMPARE(refresh.ttl(), 42);
    QVERIFY(refresh.windowTitle().contains(QLatin1String("Refresh")));
}

void TestDialogs::leaseDialog()
{
    LeaseDialog none("/a", 0);
    QCOMPARE(none.choice(), LeaseDialog::Choice::AttachNew);
    QVERIFY(!none.findChild<QWidget *>(QStringLiteral("detachLease"))->isEnabled());

    LeaseDialog with("/a", 0x1234);
    QCOMPARE(with.choice(), LeaseDialog::Choice::Keep);
    QVERIFY(!with.findChild<QSpinBox *>(QStringLiteral("leaseTtlSpin"))->isEnabled());
    with.setChoice(LeaseDialog::Choice::AttachNew);
    QVERIFY(with.findChild<QSpinBox *>(QStringLiteral("leaseTtlSpin"))->isEnabled());
    with.setTtl(30);
    QCOMPARE(with.ttl(), 30);
    with.setChoice(LeaseDialog::Choice::Detach);
    QCOMPARE(with.choice(), LeaseDialog::Choice::Detach);
}

void TestDialogs::goToKey()
{
    GoToKeyDialog d("/a/\xff");
    QCOMPARE(d.keyEdit()->text(), QStringLiteral("/a/\\xff"));
    QCOMPARE(d.key(), QByteArray("/a/\xff"));
    d.setKeyText({});
    QVERIFY(!d.goButton()->isEnabled());
    d.setKeyText(QStringLiteral("/b"));
    QVERIFY(d.goButton()->isEnabled());
    QCOMPARE(d.key(), QByteArray("/b"));
}

void TestDialogs::everyControlHasAnAccessibleName()
{
    CreateKeyDialog create(CreateKeyDialog::Kind::Key, true, "/");
    DeleteDialog remove(DeleteDialog::Kind::Prefix, "/a", "/a/");
    TtlDialog ttl(TtlDialog::Mode::Set, "/a", 3);
    LeaseDialog lease("/a", 7);
    GoToKeyDialog go("/a");
    for (QDialog *d : std::initializer_list<QDialog *>{&create, &remove, &ttl, &lease, &go}) {
        QVERIFY2(!d->accessibleName().isEmpty(), qPrintable(d->objectName()));
        const auto controls = d->findChildren<QWidget *>();
        for (QWidget *w : controls) {
            const bool control = qobject_cast<QLineEdit *>(w) || qobject_cast<QSpinBox *>(w) ||
                                 qobject_cast<QCheckBox *>(w) || qobject_cast<QPlainTextEdit *>(w);
            // Qt's own parts of a control (a spin box's line edit) are named by the control.
            if (control && !w->objectName().startsWith(QLatin1String("qt_")))
                QVERIFY2(!w->accessibleName().isEmpty(),
                         qPrintable(d->objectName() + QLatin1Char('/') + w->objectName()));
        }
    }
}

QTEST_MAIN(TestDialogs)
#include "tst_dialogs.moc"
