// KeyDetailPane and its ValueEditor as a user drives them (offscreen), against a real etcd in v2
// and v3: edit and save, the conflict dialog and its three ways on, invalid JSON refused with
// its position, binary values in hex saved byte for byte, a 1 MiB value, the TTL countdown and
// read-only mode.
#include "conflictdialog.h"
#include "etcdclient.h"
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "jsonhighlighter.h"
#include "keydetailpane.h"
#include "leasettlcache.h"
#include "valueeditor.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QTextBlock>
#include <QTextLayout>
#include <QTimer>

class TestKeyDetailPane : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void api_data();
    void emptyAndDirectory();
    void accessibleNames();
    void editAndSave_data() { api_data(); }
    void editAndSave();
    void conflictKeepOverwriteReload_data() { api_data(); }
    void conflictKeepOverwriteReload();
    void conflictOnDeletedKey();
    void invalidJsonRefused();
    void modeSwitchKeepsText();
    void binaryOpensInHexAndSavesSameBytes();
    void oddTextSurvivesEditing();
    void largeValueOpensQuickly();
    void jsonHighlighting();
    void ttlCountdown_data() { api_data(); }
    void ttlCountdown();
    void keptAliveLeaseKeepsCounting();
    void readOnly();
    void copyKey();

private:
    EtcdClient *client(bool v2) const { return v2 ? m_v2.get() : m_v3.get(); }
    bool put(bool v2, const QByteArray &key, const QByteArray &value,
             std::optional<qint64> ttl = std::nullopt);
    QByteArray serverValue(bool v2, const QByteArray &key);
    // Shows `key` and waits until its value is in the editor.
    bool showAndLoad(bool v2, const QByteArray &key);
    QPushButton *button(const QString &accessibleName) const;
    // Types at the end of the editor as a user would.
    void typeAtEnd(const QString &text);
    QString editorText() const;

    EtcdServer m_etcd;
    std::unique_ptr<EtcdClient> m_v2;
    std::unique_ptr<EtcdClient> m_v3;
    // The v3 connection's lease answers, which the pane's countdown asks (v2 has no leases).
    std::unique_ptr<LeaseTtlCache> m_leases;
    std::unique_ptr<KeyDetailPane> m_pane;
};

void TestKeyDetailPane::initTestCase()
{
    qRegisterMetaType<KeySnapshot>();
    QVERIFY2(m_etcd.start(), "etcd did not start");
    m_v2 = discoveredClient({m_etcd.clientUrl()}, EtcdClient::Api::V2);
    m_v3 = discoveredClient({m_etcd.clientUrl()}, EtcdClient::Api::V3);
    QVERIFY(m_v2 && m_v3);
    m_leases = std::make_unique<LeaseTtlCache>();
    m_leases->setClient(m_v3.get());
}

void TestKeyDetailPane::init()
{
    m_pane = std::make_unique<KeyDetailPane>();
    m_pane->setLeaseCache(m_leases.get());
    m_pane->resize(900, 700);
    m_pane->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_pane.get()));
}

void TestKeyDetailPane::cleanup()
{
    m_pane.reset();
}

void TestKeyDetailPane::api_data()
{
    QTest::addColumn<bool>("v2");
    QTest::newRow("v2") << true;
    QTest::newRow("v3") << false;
}

bool TestKeyDetailPane::put(bool v2, const QByteArray &key, const QByteArray &value,
                            std::optional<qint64> ttl)
{
    if (v2 || !ttl)
        return writeKey(client(v2), key, value, ttl) > 0;
    // v3: a lease of that TTL.
    const auto g = await<EtcdV3LeaseGrantResult>(
        [&](auto cb) { return m_v3->v3()->leaseGrant(*ttl, 0, this, cb); });
    return g.ok() && writeKey(m_v3.get(), key, value, std::nullopt, g.value.id) > 0;
}

QByteArray TestKeyDetailPane::serverValue(bool v2, const QByteArray &key)
{
    return readValue(client(v2), key).value_or(QByteArray());
}

bool TestKeyDetailPane::showAndLoad(bool v2, const QByteArray &key)
{
    m_pane->setClient(client(v2));
    m_pane->showKey(key, false);
    return QTest::qWaitFor(
        [this] { return m_pane->document()->isLoaded() && !m_pane->document()->isBusy(); }, 20000);
}

QPushButton *TestKeyDetailPane::button(const QString &accessibleName) const
{
    for (QPushButton *b : m_pane->findChildren<QPushButton *>()) {
        if (b->accessibleName() == accessibleName)
            return b;
    }
    return nullptr;
}

void TestKeyDetailPane::typeAtEnd(const QString &text)
{
    QPlainTextEdit *edit = m_pane->editor()->textEdit();
    edit->setFocus();
    edit->moveCursor(QTextCursor::End);
    QTest::keyClicks(edit, text);
}

QString TestKeyDetailPane::editorText() const
{
    return m_pane->editor()->textEdit()->toPlainText();
}

void TestKeyDetailPane::emptyAndDirectory()
{
    QVERIFY(!m_pane->hasUnsavedChanges());
    QVERIFY(m_pane->currentKey().isNull());
    auto *empty = m_pane->findChild<QLabel *>();
    QVERIFY(empty);
    QVERIFY(!m_pane->editor()->isVisibleTo(m_pane.get()));

    m_pane->setClient(m_v3.get());
    m_pane->showKey("/some/dir", true);
    QVERIFY(m_pane->isDirectoryShown());
    QVERIFY(!m_pane->editor()->isVisibleTo(m_pane.get()));
    const auto labels = m_pane->findChildren<QLabel *>();
    QVERIFY(std::any_of(labels.begin(), labels.end(), [](QLabel *l) {
        return l->accessibleName() == QLatin1String("Kind of node") &&
               l->text() == QLatin1String("directory");
    }));
    auto *keyEdit = m_pane->findChild<QLineEdit *>();
    QCOMPARE(keyEdit->text(), QStringLiteral("/some/dir"));
    QVERIFY(keyEdit->isReadOnly());
    m_pane->save(); // nothing to save for a directory
    m_pane->clear();
    QVERIFY(m_pane->currentKey().isNull());
}

void TestKeyDetailPane::accessibleNames()
{
    QVERIFY(put(false, "/pane/names", "v"));
    QVERIFY(showAndLoad(false, "/pane/names"));
    QVERIFY(!m_pane->accessibleName().isEmpty());
    const auto widgets = m_pane->findChildren<QWidget *>();
    for (QWidget *w : widgets) {
        const bool control = qobject_cast<QAbstractButton *>(w) || qobject_cast<QLineEdit *>(w) ||
                             qobject_cast<QComboBox *>(w) || qobject_cast<QPlainTextEdit *>(w);
        if (control && w->isVisibleTo(m_pane.get()) && !w->parent()->inherits("QComboBox")) {
            QVERIFY2(!w->accessibleName().isEmpty(),
                     qPrintable(QString::fromLatin1(w->metaObject()->className())));
        }
    }
}

void TestKeyDetailPane::editAndSave()
{
    QFETCH(bool, v2);
    const QByteArray key = "/pane/edit";
    QVERIFY(put(v2, key, "hello"));
    QVERIFY(showAndLoad(v2, key));
    QCOMPARE(editorText(), QStringLiteral("hello"));
    QPushButton *save = button(QStringLiteral("Save value"));
    QVERIFY(save);
    QVERIFY(!save->isEnabled()); // nothing changed yet
    QVERIFY(!m_pane->hasUnsavedChanges());

    typeAtEnd(QStringLiteral(" world"));
    QVERIFY(m_pane->hasUnsavedChanges());
    QVERIFY(save->isEnabled());
    QVERIFY(button(QStringLiteral("Revert value"))->isEnabled());

    QSignalSpy saved(m_pane.get(), &KeyDetailPane::keySaved);
    QSignalSpy changed(m_pane.get(), &KeyDetailPane::keyChanged);
    save->click();
    QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, 20000);
    QCOMPARE(saved.first().first().toByteArray(), key);
    QCOMPARE(serverValue(v2, key), QByteArray("hello world"));
    QVERIFY(!m_pane->hasUnsavedChanges());
    QVERIFY(!save->isEnabled());
    QVERIFY(m_pane->statusText().contains(QLatin1String("Saved")));
    QVERIFY(changed.count() >= 1);
    const auto snapshot = changed.last().first().value<KeySnapshot>();
    QCOMPARE(snapshot.value, QByteArray("hello world"));
    QCOMPARE(snapshot.key, key);
    QCOMPARE(snapshot.modIndex(), m_pane->document()->snapshot().modIndex());

    // Revert puts the loaded value back.
    typeAtEnd(QStringLiteral("!!"));
    button(QStringLiteral("Revert value"))->click();
    QCOMPARE(editorText(), QStringLiteral("hello world"));
    QVERIFY(!m_pane->hasUnsavedChanges());
}

void TestKeyDetailPane::conflictKeepOverwriteReload()
{
    QFETCH(bool, v2);
    const QByteArray key = "/pane/conflict";
    QVERIFY(put(v2, key, "base"));
    QVERIFY(showAndLoad(v2, key));
    typeAtEnd(QStringLiteral(" mine"));
    QVERIFY(put(v2, key, "theirs"));

    // Save: the compare fails and the dialog shows both values.
    m_pane->save();
    QTRY_VERIFY_WITH_TIMEOUT(m_pane->conflictDialog() && m_pane->conflictDialog()->isVisible(),
                             20000);
    ConflictDialog *dialog = m_pane->conflictDialog();
    QCOMPARE(QApplication::activeModalWidget(), dialog);
    QCOMPARE(dialog->serverView()->toPlainText(), QStringLiteral("theirs"));
    QCOMPARE(dialog->mineView()->toPlainText(), QStringLiteral("base mine"));
    QVERIFY(m_pane->statusText().contains(QLatin1String("by another client")));

    // Keep editing: the dialog closes, the text stays, nothing was written.
    dialog->keepEditingButton()->click();
    QTRY_VERIFY(!m_pane->conflictDialog());
    QCOMPARE(editorText(), QStringLiteral("base mine"));
    QVERIFY(m_pane->hasUnsavedChanges());
    QCOMPARE(serverValue(v2, key), QByteArray("theirs"));

    // Saving again conflicts again (the pane still compares against what it loaded).
    m_pane->save();
    QTRY_VERIFY_WITH_TIMEOUT(m_pane->conflictDialog(), 20000);
    QSignalSpy saved(m_pane.get(), &KeyDetailPane::keySaved);
    m_pane->conflictDialog()->overwriteButton()->click();
    QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, 20000);
    QCOMPARE(serverValue(v2, key), QByteArray("base mine"));
    QVERIFY(!m_pane->hasUnsavedChanges());

    // Reload: asks first; Cancel keeps the text, Discard shows the server's value.
    typeAtEnd(QStringLiteral(" again"));
    QVERIFY(put(v2, key, "theirs 2"));
    m_pane->save();
    QTRY_VERIFY_WITH_TIMEOUT(m_pane->conflictDialog(), 20000);
    m_pane->conflictDialog()->reloadButton()->click();
    QTRY_VERIFY(m_pane->confirmationBox() && m_pane->confirmationBox()->isVisible());
    m_pane->confirmationBox()->button(QMessageBox::Cancel)->click();
    QTRY_VERIFY(!m_pane->confirmationBox());
    QCOMPARE(editorText(), QStringLiteral("base mine again"));
    QVERIFY(m_pane->hasUnsavedChanges());

    m_pane->save();
    QTRY_VERIFY_WITH_TIMEOUT(m_pane->conflictDialog(), 20000);
    m_pane->conflictDialog()->reloadButton()->click();
    QTRY_VERIFY(m_pane->confirmationBox());
    m_pane->confirmationBox()->button(QMessageBox::Discard)->click();
    QTRY_COMPARE_WITH_TIMEOUT(editorText(), QStringLiteral("theirs 2"), 20000);
    QTRY_VERIFY(!m_pane->hasUnsavedChanges());
    QCOMPARE(serverValue(v2, key), QByteArray("theirs 2"));
}

void TestKeyDetailPane::conflictOnDeletedKey()
{
    const QByteArray key = "/pane/deleted";
    QVERIFY(put(false, key, "here"));
    QVERIFY(showAndLoad(false, key));
    typeAtEnd(QStringLiteral("!"));
    QVERIFY(await<EtcdV3DeleteResult>([&](auto cb) {
                return m_v3->v3()->deleteRange(key, {}, this, cb);
            }).ok());
    m_pane->save();
    QTRY_VERIFY_WITH_TIMEOUT(m_pane->conflictDialog(), 20000);
    QVERIFY(!m_pane->conflictDialog()->serverView()->isEnabled());
    QVERIFY(ConflictDialog::describe(m_pane->conflictDialog()->server())
                .contains(QLatin1String("deleted")));
    QSignalSpy saved(m_pane.get(), &KeyDetailPane::keySaved);
    m_pane->conflictDialog()->overwriteButton()->click();
    QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, 20000);
    QCOMPARE(serverValue(false, key), QByteArray("here!"));
}

void TestKeyDetailPane::invalidJsonRefused()
{
    const QByteArray key = "/pane/json";
    QVERIFY(put(false, key, R"({"name":"app","replicas":3})"));
    QVERIFY(showAndLoad(false, key));
    QVERIFY(m_pane->editor()->setMode(ValueCodec::Mode::Json));
    QCOMPARE(editorText(), QStringLiteral("{\n    \"name\": \"app\",\n    \"replicas\": 3\n}"));
    QVERIFY(!m_pane->hasUnsavedChanges()); // a mode switch changes no bytes

    // Break it on line 3: a missing comma.
    QPlainTextEdit *edit = m_pane->editor()->textEdit();
    QTextCursor cursor(edit->document()->findBlockByNumber(2));
    cursor.movePosition(QTextCursor::EndOfBlock);
    edit->setTextCursor(cursor);
    QTest::keyClicks(edit, QStringLiteral(" \"x\": 1"));
    const QString broken = editorText();
    QVERIFY(m_pane->hasUnsavedChanges());

    m_pane->save();
    QVERIFY(!m_pane->document()->isBusy()); // refused before anything was sent
    QVERIFY2(m_pane->statusText().contains(QLatin1String("Invalid JSON at line 3, column")),
             qPrintable(m_pane->statusText()));
    QVERIFY(m_pane->editor()->message().contains(QLatin1String("line 3")));
    QCOMPARE(editorText(), broken);
    QCOMPARE(serverValue(false, key), QByteArray(R"({"name":"app","replicas":3})"));

    // Fixed, it saves as typed.
    const QTextBlock line3 = edit->document()->findBlockByNumber(2);
    cursor = QTextCursor(line3);
    cursor.setPosition(line3.position() + int(line3.text().indexOf(QLatin1String(" \"x\""))));
    cursor.insertText(QStringLiteral(","));
    QSignalSpy saved(m_pane.get(), &KeyDetailPane::keySaved);
    m_pane->save();
    QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, 20000);
    QCOMPARE(serverValue(false, key), editorText().toUtf8());
}

void TestKeyDetailPane::modeSwitchKeepsText()
{
    ValueEditor *editor = m_pane->editor();
    editor->setValue(R"({"a": 1})");
    // A JSON object opens as JSON; the test edits it as text.
    QCOMPARE(editor->mode(), ValueCodec::Mode::Json);
    QVERIFY(editor->setMode(ValueCodec::Mode::Text));
    QCOMPARE(editor->textEdit()->toPlainText(), QStringLiteral(R"({"a": 1})"));
    editor->textEdit()->setFocus();
    editor->textEdit()->moveCursor(QTextCursor::End);
    QTest::keyClicks(editor->textEdit(), QStringLiteral(","));
    QVERIFY(editor->isModified());
    // Text to JSON: the text is not valid JSON, the switch is refused and nothing is lost.
    QString error;
    QVERIFY(!editor->setMode(ValueCodec::Mode::Json, &error));
    QVERIFY(error.contains(QLatin1String("Invalid JSON at line 1")));
    QCOMPARE(editor->mode(), ValueCodec::Mode::Text);
    QCOMPARE(editor->textEdit()->toPlainText(), QStringLiteral("{\"a\": 1},"));
    QCOMPARE(editor->modeSelector()->currentText(), QStringLiteral("Text"));
    QVERIFY(!editor->message().isEmpty());

    // Text to hex and back carries the edit.
    QVERIFY(editor->setMode(ValueCodec::Mode::Hex));
    QVERIFY(editor->isModified());
    QVERIFY(editor->textEdit()->toPlainText().startsWith(QLatin1String("00000000: 7b 22 61")));
    // A broken hex text cannot be switched away from.
    editor->textEdit()->moveCursor(QTextCursor::Start);
    QTest::keyClicks(editor->textEdit(), QStringLiteral("zz "));
    const QString brokenHex = editor->textEdit()->toPlainText();
    QVERIFY(!editor->setMode(ValueCodec::Mode::Base64, &error));
    QVERIFY(error.contains(QLatin1String("Invalid hex at line 1")));
    QCOMPARE(editor->textEdit()->toPlainText(), brokenHex);
    QVERIFY(!editor->value().ok());

    // The combo box does the same as setMode and shows the refusal.
    editor->setValue("plain");
    const int jsonIndex = editor->modeSelector()->findText(QStringLiteral("JSON"));
    editor->modeSelector()->setCurrentIndex(jsonIndex);
    Q_EMIT editor->modeSelector()->activated(jsonIndex);
    QCOMPARE(editor->mode(), ValueCodec::Mode::Text);
    QCOMPARE(editor->modeSelector()->currentText(), QStringLiteral("Text"));
    QVERIFY(editor->message().contains(QLatin1String("JSON")));
}

void TestKeyDetailPane::binaryOpensInHexAndSavesSameBytes()
{
    const QByteArray key = "/pane/binary";
    QByteArray value;
    for (int i = 255; i >= 0; --i)
        value += char(i);
    QVERIFY(put(false, key, value));
    QVERIFY(showAndLoad(false, key));
    ValueEditor *editor = m_pane->editor();
    QCOMPARE(editor->mode(), ValueCodec::Mode::Hex);
    QVERIFY(editorText().startsWith(QLatin1String("00000000: ff fe fd")));
    QVERIFY(!editor->setMode(ValueCodec::Mode::Text)); // not UTF-8: text would change bytes
    QCOMPARE(editor->mode(), ValueCodec::Mode::Hex);
    QVERIFY(editor->setMode(ValueCodec::Mode::Base64));
    QVERIFY(!m_pane->hasUnsavedChanges());
    QCOMPARE(editor->value().bytes, value);

    // An edit that changes no byte (a space in base64) saves exactly the same bytes.
    typeAtEnd(QStringLiteral(" "));
    QVERIFY(m_pane->hasUnsavedChanges());
    QCOMPARE(editor->value().bytes, value);
    QSignalSpy saved(m_pane.get(), &KeyDetailPane::keySaved);
    m_pane->save();
    QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, 20000);
    QCOMPARE(serverValue(false, key), value);
    QVERIFY(m_pane->document()->snapshot().modRevision > 0);
}

void TestKeyDetailPane::oddTextSurvivesEditing()
{
    // Carriage returns, non-breaking spaces, tabs and a byte order mark are the user's bytes:
    // QPlainTextEdit::toPlainText() would turn a non-breaking space into a plain one.
    const QByteArray key = "/pane/odd";
    const QByteArray value("\xef\xbb\xbf"
                           "a\r\nb\xc2\xa0"
                           "c\td\r\n");
    QVERIFY(put(false, key, value));
    QVERIFY(showAndLoad(false, key));
    QCOMPARE(m_pane->editor()->mode(), ValueCodec::Mode::Text);
    typeAtEnd(QStringLiteral("!"));
    QSignalSpy saved(m_pane.get(), &KeyDetailPane::keySaved);
    m_pane->save();
    QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, 20000);
    QCOMPARE(serverValue(false, key), value + "!");

    // Line ends a text editor would unify open in hex instead.
    m_pane->editor()->setValue("lone\rcarriage return");
    QCOMPARE(m_pane->editor()->mode(), ValueCodec::Mode::Hex);
    m_pane->editor()->setValue("mixed\r\nline\nends");
    QCOMPARE(m_pane->editor()->mode(), ValueCodec::Mode::Hex);
}

void TestKeyDetailPane::largeValueOpensQuickly()
{
    // 1 MiB of text in lines, and 1 MiB of binary (a 5 MiB hex dump). "Quickly" is judged
    // loosely here (sanitizer builds on a shared machine); bench/ holds the real timing.
    QByteArray text;
    for (int line = 0; text.size() < 1024 * 1024; ++line)
        text += "{\"line\": " + QByteArray::number(line) + ", \"payload\": \"abcdefghij\"}\n";
    text.truncate(1024 * 1024);
    QByteArray binary(1024 * 1024, '\0');
    for (int i = 0; i < binary.size(); ++i)
        binary[i] = char((i * 7919) & 0xff);
    ValueEditor *editor = m_pane->editor();
    for (const QByteArray &value : {text, binary}) {
        QElapsedTimer timer;
        timer.start();
        editor->setValue(value);
        QCoreApplication::processEvents(); // the first layout and paint
        const qint64 ms = timer.elapsed();
        qInfo("1 MiB %s opened in %lld ms", value == text ? "text" : "binary (hex)", ms);
        QVERIFY2(ms < 5000, qPrintable(QString::number(ms)));
        QCOMPARE(editor->value().bytes, value);
        QVERIFY(!editor->isHighlighting());
    }

    // Through the pane and the server: open, edit, save.
    const QByteArray key = "/pane/large";
    QVERIFY(put(false, key, text));
    QVERIFY(showAndLoad(false, key));
    QCOMPARE(editor->value().bytes, text);
    typeAtEnd(QStringLiteral("end"));
    QSignalSpy saved(m_pane.get(), &KeyDetailPane::keySaved);
    m_pane->save();
    QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, 30000);
    QCOMPARE(serverValue(false, key), text + "end");
}

void TestKeyDetailPane::jsonHighlighting()
{
    ValueEditor *editor = m_pane->editor();
    editor->setValue(R"({"key": "text", "n": -1.5e3, "ok": true})");
    QCOMPARE(editor->mode(), ValueCodec::Mode::Json); // a JSON object opens as JSON
    QVERIFY(editor->setMode(ValueCodec::Mode::Text));
    QVERIFY(!editor->isHighlighting()); // only in JSON mode
    QVERIFY(editor->setMode(ValueCodec::Mode::Json));
    QVERIFY(editor->isHighlighting());
    auto *highlighter = editor->findChild<JsonHighlighter *>();
    QVERIFY(highlighter);
    // Line 2 is `    "key": "text",`.
    const QTextBlock block = editor->textEdit()->document()->findBlockByNumber(1);
    auto formatAt = [&block](int position) {
        for (const QTextLayout::FormatRange &range : block.layout()->formats()) {
            if (position >= range.start && position < range.start + range.length)
                return range.format;
        }
        return QTextCharFormat();
    };
    // The highlighter colours on the next turn of the event loop.
    QTRY_COMPARE(formatAt(5).foreground(), highlighter->keyFormat().foreground());
    QCOMPARE(formatAt(12).foreground(), highlighter->stringFormat().foreground());
    const QTextBlock numberLine = editor->textEdit()->document()->findBlockByNumber(2);
    const int numberAt = int(numberLine.text().indexOf(QLatin1String("-1.5e3")));
    const auto numberFormats = numberLine.layout()->formats();
    QVERIFY(std::any_of(numberFormats.begin(), numberFormats.end(), [&](const auto &r) {
        return r.start == numberAt && r.length == 6 &&
               r.format.foreground() == highlighter->numberFormat().foreground();
    }));

    // The user's choice of JSON carries over to the next value that is JSON.
    editor->modeSelector()->setCurrentIndex(editor->modeSelector()->findText("JSON"));
    Q_EMIT editor->modeSelector()->activated(editor->modeSelector()->currentIndex());
    QByteArray big = "[";
    while (big.size() < ValueEditor::highlightLimit + 1000)
        big += "1234567890,";
    big += "0]";
    editor->setValue(big);
    QCOMPARE(editor->mode(), ValueCodec::Mode::Json);
    QVERIFY(!editor->isHighlighting()); // too large to colour on the GUI thread
    editor->setValue("not json");
    QCOMPARE(editor->mode(), ValueCodec::Mode::Text);
}

void TestKeyDetailPane::ttlCountdown()
{
    QFETCH(bool, v2);
    const QByteArray key = "/pane/ttl";
    QVERIFY(put(v2, key, "soon gone", 4));
    QVERIFY(showAndLoad(v2, key));
    const QString first = m_pane->ttlText();
    QVERIFY2(first.endsWith(QLatin1String(" s")), qPrintable(first));
    // It counts down by itself, then says "expired".
    QTRY_VERIFY_WITH_TIMEOUT(m_pane->ttlText() != first, 3000);
    QTRY_COMPARE_WITH_TIMEOUT(m_pane->ttlText(), QStringLiteral("expired"), 8000);

    QVERIFY(put(v2, "/pane/ttl-long", "v", 3700));
    QVERIFY(showAndLoad(v2, "/pane/ttl-long"));
    QVERIFY2(m_pane->ttlText().startsWith(QLatin1String("1 h 01 min")),
             qPrintable(m_pane->ttlText()));
    QVERIFY(put(v2, "/pane/no-ttl", "v"));
    QVERIFY(showAndLoad(v2, "/pane/no-ttl"));
    QCOMPARE(m_pane->ttlText(), QStringLiteral("no TTL"));
}

void TestKeyDetailPane::keptAliveLeaseKeepsCounting()
{
    // Keep-alives change no key: when the countdown runs out the pane asks the lease again and
    // goes on counting instead of saying "expired" for a live key.
    const auto grant = await<EtcdV3LeaseGrantResult>(
        [&](auto cb) { return m_v3->v3()->leaseGrant(2, 0, this, cb); });
    VERIFY_OK(grant);
    const quint64 lease = grant.value.id;
    EtcdV3PutOptions o;
    o.lease = lease;
    VERIFY_OK(await<EtcdV3PutResult>(
        [&](auto cb) { return m_v3->v3()->put("/pane/kept", "alive", o, this, cb); }));
    QTimer keepAlive;
    connect(&keepAlive, &QTimer::timeout, this,
            [&] { m_v3->v3()->leaseKeepAliveOnce(lease, this, [](const auto &) {}); });
    keepAlive.start(500);
    QVERIFY(showAndLoad(false, "/pane/kept"));
    QSignalSpy reread(m_pane->document(), &KeyDocument::leaseRead);
    QTRY_VERIFY_WITH_TIMEOUT(reread.count() >= 2, 8000);
    QVERIFY2(m_pane->ttlText() != QStringLiteral("expired"), qPrintable(m_pane->ttlText()));
    QTRY_VERIFY_WITH_TIMEOUT(m_pane->ttlText().endsWith(QLatin1String(" s")), 3000);
    // Revoked: the next look finds it gone.
    keepAlive.stop();
    VERIFY_OK(
        await<EtcdV3Header>([&](auto cb) { return m_v3->v3()->leaseRevoke(lease, this, cb); }));
    QTRY_COMPARE_WITH_TIMEOUT(m_pane->ttlText(), QStringLiteral("expired"), 5000);
}

void TestKeyDetailPane::readOnly()
{
    const QByteArray key = "/pane/readonly";
    QVERIFY(put(false, key, "fixed"));
    m_pane->setReadOnly(true);
    QVERIFY(showAndLoad(false, key));
    QVERIFY(m_pane->editor()->textEdit()->isReadOnly());
    typeAtEnd(QStringLiteral("typed"));
    QCOMPARE(editorText(), QStringLiteral("fixed"));
    QVERIFY(!button(QStringLiteral("Save value"))->isEnabled());
    m_pane->save();
    QVERIFY(m_pane->statusText().contains(QLatin1String("read-only")));
    QCOMPARE(serverValue(false, key), QByteArray("fixed"));
    m_pane->setReadOnly(false);
    QVERIFY(!m_pane->editor()->textEdit()->isReadOnly());
}

void TestKeyDetailPane::copyKey()
{
    QVERIFY(put(false, "/pane/copy me", "v"));
    QVERIFY(showAndLoad(false, "/pane/copy me"));
    button(QStringLiteral("Copy key"))->click();
    QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("/pane/copy me"));
}

QTEST_MAIN(TestKeyDetailPane)
#include "tst_keydetailpane.moc"
