// The open key and the watch, against a real etcd in v2 and v3: a KeyDocument (and the
// KeyDetailPane over it) fed the events an EtcdWatcher received for changes the test made. A
// clean document follows the server; an edited one keeps the user's text and raises the banner,
// whose ways on (show difference and overwrite, reload after confirmation, create again, close)
// write only with compare-and-swap; replays and other keys are ignored; a v2 TTL expiry shows.
#include "conflictdialog.h"
#include "etcdclient.h"
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "etcdwatcher.h"
#include "keychangedbanner.h"
#include "keydetailpane.h"
#include "keydocument.h"
#include "valueeditor.h"
#include "watchtesting.h"

#include <QHash>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

#include <functional>

using Action = EtcdWatchEvent::Action;
using ServerState = KeyDocument::ServerState;

class TestKeyDocumentLive : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void api_data();

    void cleanDocumentFollows_data() { api_data(); }
    void cleanDocumentFollows();
    void replayedEventsIgnored_data() { api_data(); }
    void replayedEventsIgnored();
    void otherKeysIgnored_data() { api_data(); }
    void otherKeysIgnored();
    void v2DirectoryDeleteAbove();
    void eventDuringSaveWaitsForItsEnd_data() { api_data(); }
    void eventDuringSaveWaitsForItsEnd();

    void dirtyKeepsTextAndRaisesBanner_data() { api_data(); }
    void dirtyKeepsTextAndRaisesBanner();
    void showDifferenceOverwrite_data() { api_data(); }
    void showDifferenceOverwrite();
    void showDifferenceOverwriteComparesShownRevision_data() { api_data(); }
    void showDifferenceOverwriteComparesShownRevision();
    void showDifferenceReloadAndKeepEditing_data() { api_data(); }
    void showDifferenceReloadAndKeepEditing();
    void bannerReloadAsksFirst_data() { api_data(); }
    void bannerReloadAsksFirst();
    void plainSaveWhileBannerConflicts_data() { api_data(); }
    void plainSaveWhileBannerConflicts();
    void deletedAndCreatedAgain_data();
    void deletedAndCreatedAgain();
    void createAgainFailsWhenRecreated_data() { api_data(); }
    void createAgainFailsWhenRecreated();
    void deletedClose();
    void v2Expire();
    void liveWiringOwnSaveNoBanner_data() { api_data(); }
    void liveWiringOwnSaveNoBanner();
    void bannerAccessibleNames();

private:
    EtcdClient *client(bool v2) const { return v2 ? m_v2.get() : m_v3.get(); }
    // A key unique to the test function and data row.
    QByteArray testKey(const char *name = "k") const;
    qint64 currentRevision(bool v2);
    // Watches /live from the current revision + 1.
    void startWatch(bool v2);
    // The event the watcher delivered for the test's last write to `key` or, with `action`, the
    // next one of that action after the last event taken; an event with key empty on time-out.
    EtcdWatchEvent takeEvent(const QByteArray &key, std::optional<Action> action = std::nullopt);
    EtcdWatchEvent takeEventAt(const QByteArray &key, qint64 revision);
    // The first event from index `from` on that matches (waiting for it), which is then taken.
    EtcdWatchEvent takeFirst(qsizetype from,
                             const std::function<bool(const EtcdWatchEvent &)> &match);
    // Writes and returns the new revision (v2 modifiedIndex); 0 on failure.
    qint64 put(bool v2, const QByteArray &key, const QByteArray &value,
               std::optional<qint64> ttl = std::nullopt);
    qint64 remove(bool v2, const QByteArray &key, bool directory = false);
    std::optional<QByteArray> serverValue(bool v2, const QByteArray &key)
    {
        return readValue(client(v2), key);
    }
    bool loadDocument(KeyDocument &document, const QByteArray &key);
    bool showAndLoad(bool v2, const QByteArray &key);
    void typeAtEnd(const QString &text);
    // As a user editing: watches /live, writes "base" to `key`, shows it and types " mine" after
    // it (`edit` false: shows it unedited); false when a step failed.
    bool startEditing(bool v2, const QByteArray &key, bool edit = true);
    // Someone else writes `value` to `key` and the pane gets the watch's event of it; returns the
    // write's revision (0 on failure).
    qint64 changeOnServer(bool v2, const QByteArray &key, const QByteArray &value = "theirs");
    QString editorText() const { return m_pane->editor()->textEdit()->toPlainText(); }
    KeyChangedBanner *banner() const { return m_pane->changedBanner(); }
    static QString at(bool v2, qint64 revision);

    EtcdServer m_etcd;
    std::unique_ptr<EtcdClient> m_v2;
    std::unique_ptr<EtcdClient> m_v3;
    std::unique_ptr<KeyDetailPane> m_pane;
    std::unique_ptr<EtcdWatcher> m_watcher;
    std::unique_ptr<watchtesting::Recorder> m_recorder;
    qsizetype m_taken = 0;
    QHash<QByteArray, qint64> m_lastWrite;
};

void TestKeyDocumentLive::initTestCase()
{
    watchtesting::useWireFromEnvironment();
    qRegisterMetaType<KeySnapshot>();
    QVERIFY2(m_etcd.start(), "etcd did not start");
    m_v2 = discoveredClient({m_etcd.clientUrl()}, EtcdClient::Api::V2);
    m_v3 = discoveredClient({m_etcd.clientUrl()}, EtcdClient::Api::V3);
    QVERIFY(m_v2 && m_v3);
    QCOMPARE(m_v2->apiInUse(), EtcdClient::Api::V2);
}

void TestKeyDocumentLive::init()
{
    m_pane = std::make_unique<KeyDetailPane>();
    m_pane->resize(900, 700);
    m_pane->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_pane.get()));
}

void TestKeyDocumentLive::cleanup()
{
    m_pane.reset();
    m_recorder.reset();
    m_watcher.reset();
    m_taken = 0;
    m_lastWrite.clear();
}

void TestKeyDocumentLive::api_data()
{
    QTest::addColumn<bool>("v2");
    QTest::newRow("v2") << true;
    QTest::newRow("v3") << false;
}

QByteArray TestKeyDocumentLive::testKey(const char *name) const
{
    QByteArray key = "/live/" + QByteArray(QTest::currentTestFunction());
    if (QTest::currentDataTag())
        key += '-' + QByteArray(QTest::currentDataTag());
    return key + '/' + name;
}

qint64 TestKeyDocumentLive::currentRevision(bool v2)
{
    if (v2) {
        const auto r = run<EtcdV2Response>(
            [&](QObject *c, auto cb) { return m_v2->v2()->get("/", {}, c, cb); });
        return r.ok() ? r.value.etcdIndex : -1;
    }
    const auto r = run<EtcdV3RangeResult>(
        [&](QObject *c, auto cb) { return m_v3->v3()->range("/live", {}, c, cb); });
    return r.ok() ? r.value.header.revision : -1;
}

void TestKeyDocumentLive::startWatch(bool v2)
{
    m_watcher = std::make_unique<EtcdWatcher>(client(v2));
    m_recorder = std::make_unique<watchtesting::Recorder>(m_watcher.get());
    m_taken = 0;
    const qint64 revision = currentRevision(v2);
    QVERIFY(revision > 0);
    m_watcher->start(v2 ? QByteArray("/live") : QByteArray("/live/"), revision + 1);
}

EtcdWatchEvent TestKeyDocumentLive::takeEvent(const QByteArray &key, std::optional<Action> action)
{
    if (!action)
        return takeEventAt(key, m_lastWrite.value(key));
    return takeFirst(m_taken,
                     [&](const EtcdWatchEvent &e) { return e.key == key && e.action == *action; });
}

EtcdWatchEvent TestKeyDocumentLive::takeEventAt(const QByteArray &key, qint64 revision)
{
    return takeFirst(
        0, [&](const EtcdWatchEvent &e) { return e.key == key && e.revision == revision; });
}

EtcdWatchEvent
TestKeyDocumentLive::takeFirst(qsizetype from,
                               const std::function<bool(const EtcdWatchEvent &)> &match)
{
    qsizetype found = -1;
    QTest::qWaitFor(
        [&] {
            const auto &events = m_recorder->events;
            for (qsizetype i = from; i < events.size(); ++i) {
                if (match(events[i])) {
                    found = i;
                    return true;
                }
            }
            return false;
        },
        20000);
    if (found < 0)
        return {};
    m_taken = found + 1;
    return m_recorder->events[found];
}

qint64 TestKeyDocumentLive::put(bool v2, const QByteArray &key, const QByteArray &value,
                                std::optional<qint64> ttl)
{
    return m_lastWrite[key] = writeKey(client(v2), key, value, ttl);
}

qint64 TestKeyDocumentLive::remove(bool v2, const QByteArray &key, bool directory)
{
    if (v2) {
        EtcdV2DeleteOptions o;
        o.dir = directory;
        o.recursive = directory;
        const auto r = run<EtcdV2Response>(
            [&](QObject *c, auto cb) { return m_v2->v2()->remove(key, o, c, cb); });
        return m_lastWrite[key] = r.ok() ? r.value.node.modifiedIndex : 0;
    }
    const auto r = run<EtcdV3DeleteResult>(
        [&](QObject *c, auto cb) { return m_v3->v3()->deleteRange(key, {}, c, cb); });
    return m_lastWrite[key] = r.ok() && r.value.deleted == 1 ? r.value.header.revision : 0;
}

bool TestKeyDocumentLive::loadDocument(KeyDocument &document, const QByteArray &key)
{
    document.load(key);
    return QTest::qWaitFor([&] { return document.isLoaded() && !document.isBusy(); }, 20000);
}

bool TestKeyDocumentLive::showAndLoad(bool v2, const QByteArray &key)
{
    m_pane->setClient(client(v2));
    m_pane->showKey(key, false);
    return QTest::qWaitFor(
        [this] { return m_pane->document()->isLoaded() && !m_pane->document()->isBusy(); }, 20000);
}

void TestKeyDocumentLive::typeAtEnd(const QString &text)
{
    QPlainTextEdit *edit = m_pane->editor()->textEdit();
    edit->setFocus();
    edit->moveCursor(QTextCursor::End);
    QTest::keyClicks(edit, text);
}

bool TestKeyDocumentLive::startEditing(bool v2, const QByteArray &key, bool edit)
{
    startWatch(v2);
    if (QTest::currentTestFailed() || !put(v2, key, "base") || !showAndLoad(v2, key))
        return false;
    if (edit)
        typeAtEnd(QStringLiteral(" mine"));
    return true;
}

qint64 TestKeyDocumentLive::changeOnServer(bool v2, const QByteArray &key, const QByteArray &value)
{
    const qint64 revision = put(v2, key, value);
    if (revision)
        m_pane->applyWatchEvents({takeEvent(key)});
    return revision;
}

QString TestKeyDocumentLive::at(bool v2, qint64 revision)
{
    return (v2 ? QStringLiteral("index ") : QStringLiteral("revision ")) +
           QString::number(revision);
}

// ---- the document ------------------------------------------------------------------------------

void TestKeyDocumentLive::cleanDocumentFollows()
{
    QFETCH(bool, v2);
    startWatch(v2);
    const QByteArray key = testKey();
    QVERIFY(put(v2, key, "one"));
    QVERIFY(showAndLoad(v2, key));
    QCOMPARE(editorText(), QStringLiteral("one"));
    KeyDocument *document = m_pane->document();
    QSignalSpy updated(document, &KeyDocument::updatedFromServer);
    QSignalSpy state(document, &KeyDocument::serverStateChanged);

    const qint64 revision = put(v2, key, "two");
    QVERIFY(revision);
    const EtcdWatchEvent event = takeEvent(key);
    QCOMPARE(event.revision, revision);
    QCOMPARE(event.action, v2 ? Action::Set : Action::Update);
    m_pane->applyWatchEvents({event});

    QCOMPARE(updated.count(), 1);
    QCOMPARE(state.count(), 0); // it was in step and stays so
    QCOMPARE(document->snapshot().value, QByteArray("two"));
    QCOMPARE(document->snapshot().modIndex(), revision);
    QCOMPARE(document->seenRevision(), revision);
    QCOMPARE(document->serverState(), ServerState::InSync);
    QCOMPARE(editorText(), QStringLiteral("two"));
    QVERIFY(!m_pane->hasUnsavedChanges());
    QVERIFY(!banner()->isVisible());
    QCOMPARE(m_pane->statusText(),
             QStringLiteral("Updated from the server (%1).").arg(at(v2, revision)));
    // The next save compares against the revision taken in.
    typeAtEnd(QStringLiteral("!"));
    QSignalSpy saved(m_pane.get(), &KeyDetailPane::keySaved);
    m_pane->save();
    QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, 20000);
    QCOMPARE(serverValue(v2, key), QByteArray("two!"));
}

void TestKeyDocumentLive::replayedEventsIgnored()
{
    QFETCH(bool, v2);
    startWatch(v2);
    const QByteArray key = testKey();
    QVERIFY(put(v2, key, "before load"));
    const EtcdWatchEvent beforeLoad = takeEvent(key);
    KeyDocument document(client(v2));
    QVERIFY(loadDocument(document, key));
    QSignalSpy updated(&document, &KeyDocument::updatedFromServer);
    QSignalSpy state(&document, &KeyDocument::serverStateChanged);

    // Older than the load: already in it, even for an edited document.
    document.setModified(true);
    document.applyEvents({beforeLoad});
    QCOMPARE(state.count(), 0);
    document.setModified(false);
    document.applyEvents({beforeLoad});
    QCOMPARE(updated.count(), 0);

    const EtcdWatchEvent two = takeEventAt(key, put(v2, key, "two"));
    const EtcdWatchEvent three = takeEventAt(key, put(v2, key, "three"));
    QCOMPARE(two.value, QByteArray("two"));
    document.applyEvents({two, three});
    QCOMPARE(updated.count(), 2);
    QCOMPARE(document.snapshot().value, QByteArray("three"));

    // A watch that resumes may deliver them again, in any mix.
    document.applyEvents({two});
    document.applyEvents({three, two, beforeLoad});
    QCOMPARE(updated.count(), 2);
    QCOMPARE(document.snapshot().value, QByteArray("three"));
    QCOMPARE(document.snapshot().modIndex(), three.revision);
    document.setModified(true);
    document.applyEvents({two, three});
    QCOMPARE(state.count(), 0);
    QCOMPARE(document.serverState(), ServerState::InSync);
}

void TestKeyDocumentLive::otherKeysIgnored()
{
    QFETCH(bool, v2);
    startWatch(v2);
    const QByteArray key = testKey("ab");
    QVERIFY(put(v2, key, "mine"));
    KeyDocument document(client(v2));
    QVERIFY(loadDocument(document, key));
    QSignalSpy updated(&document, &KeyDocument::updatedFromServer);
    QSignalSpy state(&document, &KeyDocument::serverStateChanged);

    // Keys that start with the open key, or that it starts with, are other keys.
    const QList<QByteArray> others = {testKey("a"), testKey("abc"), testKey("ab0"), testKey("b")};
    QList<EtcdWatchEvent> events;
    for (const QByteArray &other : others) {
        QVERIFY(put(v2, other, "x"));
        events << takeEvent(other);
        QVERIFY(remove(v2, other));
        events << takeEvent(other);
    }
    if (v2) {
        // v2 directories whose names extend the open key's or are a prefix of it, deleted
        // recursively: only a directory above the key (ending in '/') holds it.
        for (const QByteArray &dir : {testKey("abdir"), testKey("a")}) {
            QVERIFY(put(v2, dir + "/k", "x"));
            QVERIFY(remove(v2, dir, true));
            const EtcdWatchEvent dirDelete = takeEvent(dir);
            QVERIFY(dirDelete.isDir);
            events << dirDelete;
        }
    } else {
        // v3 has no directories: a key below the open one is another key.
        QVERIFY(put(v2, key + "/child", "x"));
        events << takeEvent(key + "/child");
        QVERIFY(remove(v2, key + "/child"));
        events << takeEvent(key + "/child");
    }
    for (const EtcdWatchEvent &event : events)
        QVERIFY2(!document.concerns(event), event.key.constData());
    document.applyEvents(events);
    document.setModified(true);
    document.applyEvents(events);
    QCOMPARE(updated.count(), 0);
    QCOMPARE(state.count(), 0);
    QCOMPARE(document.snapshot().value, QByteArray("mine"));
}

void TestKeyDocumentLive::v2DirectoryDeleteAbove()
{
    startWatch(true);
    const QByteArray key = testKey("dir/k");
    QVERIFY(put(true, key, "v"));
    KeyDocument document(m_v2.get());
    QVERIFY(loadDocument(document, key));
    QSignalSpy state(&document, &KeyDocument::serverStateChanged);
    const qint64 revision = remove(true, testKey("dir"), true);
    QVERIFY(revision);
    const EtcdWatchEvent event = takeEvent(testKey("dir"), Action::Delete);
    QVERIFY(event.isDir);
    QVERIFY(document.concerns(event));
    document.applyEvents({event});
    QCOMPARE(state.count(), 1);
    QCOMPARE(document.serverState(), ServerState::Deleted);
    QCOMPARE(document.serverSnapshot().storeRevision, revision);
    QVERIFY(!document.serverSnapshot().exists);
}

void TestKeyDocumentLive::eventDuringSaveWaitsForItsEnd()
{
    QFETCH(bool, v2);
    startWatch(v2);
    const QByteArray key = testKey();
    QVERIFY(put(v2, key, "base"));
    KeyDocument document(client(v2));
    QVERIFY(loadDocument(document, key));
    document.setModified(true);
    const qint64 theirs = put(v2, key, "theirs");
    const EtcdWatchEvent event = takeEvent(key);
    QCOMPARE(event.revision, theirs);

    // The save is under way when the event comes: it waits, the save conflicts, then the
    // event says the key changed while the user edits.
    QSignalSpy conflict(&document, &KeyDocument::saveConflict);
    QSignalSpy state(&document, &KeyDocument::serverStateChanged);
    QVERIFY(document.save("mine"));
    document.applyEvents({event});
    QCOMPARE(state.count(), 0);
    QVERIFY(conflict.wait(20000));
    QTRY_COMPARE(document.serverState(), ServerState::Changed);
    QCOMPARE(document.serverSnapshot().modIndex(), theirs);
    QCOMPARE(document.serverSnapshot().value, QByteArray("theirs"));
    QCOMPARE(serverValue(v2, key), QByteArray("theirs"));

    // The echo of one's own save is no change from the server, whenever it arrives.
    QVERIFY(document.overwriteServerChange("mine"));
    QSignalSpy saved(&document, &KeyDocument::saved);
    QVERIFY(saved.wait(20000));
    QCOMPARE(document.serverState(), ServerState::InSync);
    const EtcdWatchEvent echo = takeEventAt(key, document.snapshot().modIndex());
    QCOMPARE(echo.value, QByteArray("mine"));
    document.applyEvents({echo});
    QCOMPARE(document.serverState(), ServerState::InSync);
    QCOMPARE(serverValue(v2, key), QByteArray("mine"));
}

// ---- the pane and its banner -------------------------------------------------------------------

void TestKeyDocumentLive::dirtyKeepsTextAndRaisesBanner()
{
    QFETCH(bool, v2);
    const QByteArray key = testKey("app");
    QVERIFY(startEditing(v2, key, false));
    const qint64 loadedAt = m_lastWrite.value(key);
    QVERIFY(!banner()->isVisible());
    typeAtEnd(QStringLiteral(" mine"));

    const qint64 revision = changeOnServer(v2, key);
    QCOMPARE(editorText(), QStringLiteral("base mine"));
    QVERIFY(m_pane->hasUnsavedChanges());
    QVERIFY(banner()->isVisible());
    QCOMPARE(banner()->kind(), KeyChangedBanner::Kind::Changed);
    QCOMPARE(banner()->message(),
             QStringLiteral("Key %1 was changed on the server at %2 while you were editing.")
                 .arg(QString::fromUtf8(key), at(v2, revision)));
    QVERIFY(banner()->showDifferenceButton()->isVisible());
    QVERIFY(banner()->reloadButton()->isVisible());
    QVERIFY(!banner()->recreateButton()->isVisible());
    KeyDocument *document = m_pane->document();
    QCOMPARE(document->serverState(), ServerState::Changed);
    QCOMPARE(document->snapshot().modIndex(), loadedAt); // the edit's base is unchanged
    QCOMPARE(document->serverSnapshot().modIndex(), revision);

    // A further change moves the banner on; the text stays.
    const qint64 again = changeOnServer(v2, key, "theirs again");
    QVERIFY(banner()->message().contains(at(v2, again)));
    QCOMPARE(editorText(), QStringLiteral("base mine"));
    QCOMPARE(document->serverSnapshot().value, QByteArray("theirs again"));
}

void TestKeyDocumentLive::showDifferenceOverwrite()
{
    QFETCH(bool, v2);
    const QByteArray key = testKey();
    QVERIFY(startEditing(v2, key));
    const qint64 revision = changeOnServer(v2, key);
    QVERIFY(banner()->isVisible());

    banner()->showDifferenceButton()->click();
    QTRY_VERIFY(m_pane->conflictDialog() && m_pane->conflictDialog()->isVisible());
    ConflictDialog *dialog = m_pane->conflictDialog();
    QCOMPARE(dialog->serverView()->toPlainText(), QStringLiteral("theirs"));
    QCOMPARE(dialog->mineView()->toPlainText(), QStringLiteral("base mine"));
    QCOMPARE(dialog->server().modIndex(), revision);

    QSignalSpy saved(m_pane.get(), &KeyDetailPane::keySaved);
    dialog->overwriteButton()->click();
    QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, 20000);
    // A compare against the loaded revision would have failed: it compared against the new one.
    QCOMPARE(serverValue(v2, key), QByteArray("base mine"));
    QVERIFY(m_pane->document()->snapshot().modIndex() > revision);
    QVERIFY(!m_pane->hasUnsavedChanges());
    QVERIFY(!banner()->isVisible());
    QCOMPARE(m_pane->document()->serverState(), ServerState::InSync);
}

void TestKeyDocumentLive::showDifferenceOverwriteComparesShownRevision()
{
    QFETCH(bool, v2);
    const QByteArray key = testKey();
    QVERIFY(startEditing(v2, key));
    QVERIFY(changeOnServer(v2, key));
    banner()->showDifferenceButton()->click();
    QTRY_VERIFY(m_pane->conflictDialog());

    // Changed again while the user compares (and the watch says so): the overwrite still
    // compares against what the dialog showed, fails, and the conflict shows the newest value.
    const qint64 newest = changeOnServer(v2, key, "theirs later");
    QPointer<ConflictDialog> first = m_pane->conflictDialog();
    QSignalSpy conflict(m_pane->document(), &KeyDocument::saveConflict);
    first->overwriteButton()->click();
    QVERIFY(conflict.wait(20000));
    QTRY_VERIFY(m_pane->conflictDialog() && m_pane->conflictDialog() != first);
    QCOMPARE(m_pane->conflictDialog()->serverView()->toPlainText(), QStringLiteral("theirs later"));
    QCOMPARE(m_pane->conflictDialog()->server().modIndex(), newest);
    QCOMPARE(serverValue(v2, key), QByteArray("theirs later"));
    QCOMPARE(editorText(), QStringLiteral("base mine"));
}

void TestKeyDocumentLive::showDifferenceReloadAndKeepEditing()
{
    QFETCH(bool, v2);
    const QByteArray key = testKey();
    QVERIFY(startEditing(v2, key));
    QVERIFY(changeOnServer(v2, key));

    // Keep editing: nothing changes, the banner stays.
    banner()->showDifferenceButton()->click();
    QTRY_VERIFY(m_pane->conflictDialog());
    m_pane->conflictDialog()->keepEditingButton()->click();
    QTRY_VERIFY(!m_pane->conflictDialog());
    QCOMPARE(editorText(), QStringLiteral("base mine"));
    QVERIFY(banner()->isVisible());

    // Reload in the dialog is the explicit choice: the server's value replaces the text.
    banner()->showDifferenceButton()->click();
    QTRY_VERIFY(m_pane->conflictDialog());
    m_pane->conflictDialog()->reloadButton()->click();
    QTRY_COMPARE_WITH_TIMEOUT(editorText(), QStringLiteral("theirs"), 20000);
    QTRY_VERIFY(!m_pane->document()->isBusy());
    QVERIFY(!m_pane->hasUnsavedChanges());
    QVERIFY(!banner()->isVisible());
    QCOMPARE(serverValue(v2, key), QByteArray("theirs"));
}

void TestKeyDocumentLive::bannerReloadAsksFirst()
{
    QFETCH(bool, v2);
    const QByteArray key = testKey();
    QVERIFY(startEditing(v2, key));
    QVERIFY(changeOnServer(v2, key));

    banner()->reloadButton()->click();
    QTRY_VERIFY(m_pane->confirmationBox() && m_pane->confirmationBox()->isVisible());
    m_pane->confirmationBox()->button(QMessageBox::Cancel)->click();
    QTRY_VERIFY(!m_pane->confirmationBox());
    QCOMPARE(editorText(), QStringLiteral("base mine"));
    QVERIFY(banner()->isVisible());
    QVERIFY(!m_pane->document()->isBusy()); // nothing was read

    banner()->reloadButton()->click();
    QTRY_VERIFY(m_pane->confirmationBox());
    m_pane->confirmationBox()->button(QMessageBox::Discard)->click();
    QTRY_COMPARE_WITH_TIMEOUT(editorText(), QStringLiteral("theirs"), 20000);
    QVERIFY(!m_pane->hasUnsavedChanges());
    QTRY_VERIFY(!banner()->isVisible());
}

void TestKeyDocumentLive::plainSaveWhileBannerConflicts()
{
    QFETCH(bool, v2);
    const QByteArray key = testKey();
    QVERIFY(startEditing(v2, key));
    const qint64 revision = changeOnServer(v2, key);
    QVERIFY(banner()->isVisible());

    QSignalSpy saved(m_pane.get(), &KeyDetailPane::keySaved);
    m_pane->save();
    QTRY_VERIFY_WITH_TIMEOUT(m_pane->conflictDialog() && m_pane->conflictDialog()->isVisible(),
                             20000);
    QCOMPARE(m_pane->conflictDialog()->server().modIndex(), revision);
    QVERIFY(m_pane->statusText().startsWith(QLatin1String("Not saved.")));
    QCOMPARE(saved.count(), 0);
    QCOMPARE(serverValue(v2, key), QByteArray("theirs"));
    QCOMPARE(editorText(), QStringLiteral("base mine"));
    QVERIFY(banner()->isVisible());
}

void TestKeyDocumentLive::deletedAndCreatedAgain_data()
{
    QTest::addColumn<bool>("v2");
    QTest::addColumn<bool>("edited");
    QTest::newRow("v2 edited") << true << true;
    QTest::newRow("v3 edited") << false << true;
    QTest::newRow("v2 clean") << true << false;
    QTest::newRow("v3 clean") << false << false;
}

void TestKeyDocumentLive::deletedAndCreatedAgain()
{
    QFETCH(bool, v2);
    QFETCH(bool, edited);
    const QByteArray key = testKey();
    QVERIFY(startEditing(v2, key, edited));
    const QString text = editorText();

    const qint64 revision = remove(v2, key);
    QVERIFY(revision);
    m_pane->applyWatchEvents({takeEvent(key, Action::Delete)});
    QVERIFY(banner()->isVisible());
    QCOMPARE(banner()->kind(), KeyChangedBanner::Kind::Deleted);
    QCOMPARE(banner()->message(),
             QStringLiteral("This key was deleted on the server at %1.").arg(at(v2, revision)));
    QVERIFY(banner()->recreateButton()->isVisible());
    QVERIFY(banner()->closeButton()->isVisible());
    QVERIFY(!banner()->showDifferenceButton()->isVisible());
    QCOMPARE(editorText(), text);
    QCOMPARE(m_pane->document()->serverState(), ServerState::Deleted);

    QSignalSpy saved(m_pane.get(), &KeyDetailPane::keySaved);
    banner()->recreateButton()->click();
    QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, 20000);
    QCOMPARE(serverValue(v2, key), text.toUtf8());
    QVERIFY(!banner()->isVisible());
    QVERIFY(!m_pane->hasUnsavedChanges());
    const qint64 created = m_pane->document()->snapshot().modIndex();
    QVERIFY(created > revision);
    if (!v2)
        QCOMPARE(m_pane->document()->snapshot().createRevision, created);

    // Its echo changes nothing.
    m_pane->applyWatchEvents({takeEventAt(key, created)});
    QVERIFY(!banner()->isVisible());
    QCOMPARE(editorText(), text);
}

void TestKeyDocumentLive::createAgainFailsWhenRecreated()
{
    QFETCH(bool, v2);
    const QByteArray key = testKey();
    QVERIFY(startEditing(v2, key));
    QVERIFY(remove(v2, key));
    m_pane->applyWatchEvents({takeEvent(key, Action::Delete)});
    QCOMPARE(banner()->kind(), KeyChangedBanner::Kind::Deleted);

    // Someone creates it before the watch tells: the create-only write fails and the
    // conflict shows their value; nothing is overwritten.
    const qint64 theirs = put(v2, key, "theirs");
    QSignalSpy conflict(m_pane->document(), &KeyDocument::saveConflict);
    banner()->recreateButton()->click();
    QVERIFY(conflict.wait(20000));
    QTRY_VERIFY(m_pane->conflictDialog() && m_pane->conflictDialog()->isVisible());
    QCOMPARE(m_pane->conflictDialog()->serverView()->toPlainText(), QStringLiteral("theirs"));
    QCOMPARE(serverValue(v2, key), QByteArray("theirs"));
    QCOMPARE(editorText(), QStringLiteral("base mine"));
    QVERIFY(m_pane->hasUnsavedChanges());
    // The banner now says what the conflict saw.
    QCOMPARE(banner()->kind(), KeyChangedBanner::Kind::Changed);
    QVERIFY(banner()->message().contains(at(v2, theirs)));
}

void TestKeyDocumentLive::deletedClose()
{
    const QByteArray key = testKey();
    QVERIFY(startEditing(false, key));
    QVERIFY(remove(false, key));
    m_pane->applyWatchEvents({takeEvent(key, Action::Delete)});
    QSignalSpy closed(m_pane.get(), &KeyDetailPane::keyClosed);

    // Close asks first: the text would be lost.
    banner()->closeButton()->click();
    QTRY_VERIFY(m_pane->confirmationBox() && m_pane->confirmationBox()->isVisible());
    m_pane->confirmationBox()->button(QMessageBox::Cancel)->click();
    QTRY_VERIFY(!m_pane->confirmationBox());
    QCOMPARE(editorText(), QStringLiteral("base mine"));
    QCOMPARE(closed.count(), 0);

    banner()->closeButton()->click();
    QTRY_VERIFY(m_pane->confirmationBox());
    m_pane->confirmationBox()->button(QMessageBox::Discard)->click();
    QTRY_COMPARE(closed.count(), 1);
    QCOMPARE(closed.first().first().toByteArray(), key);
    QVERIFY(m_pane->currentKey().isNull());
    QVERIFY(!banner()->isVisibleTo(m_pane.get()));
    QCOMPARE(serverValue(false, key), std::nullopt);
}

void TestKeyDocumentLive::v2Expire()
{
    startWatch(true);
    const QByteArray key = testKey();
    QVERIFY(put(true, key, "short-lived", 1));
    QVERIFY(showAndLoad(true, key));
    typeAtEnd(QStringLiteral(" edit"));
    const EtcdWatchEvent expired = takeEvent(key, Action::Expire);
    QVERIFY2(!expired.key.isEmpty(), "no expire event");
    m_pane->applyWatchEvents({expired});
    QCOMPARE(banner()->kind(), KeyChangedBanner::Kind::Deleted);
    QVERIFY(m_pane->document()->expiredOnServer());
    QCOMPARE(banner()->message(),
             QStringLiteral("This key expired on the server at index %1.").arg(expired.revision));
    QCOMPARE(editorText(), QStringLiteral("short-lived edit"));

    // Created again (without a TTL), with the user's text.
    QSignalSpy saved(m_pane.get(), &KeyDetailPane::keySaved);
    banner()->recreateButton()->click();
    QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, 20000);
    QCOMPARE(serverValue(true, key), QByteArray("short-lived edit"));
    QVERIFY(!banner()->isVisible());
}

void TestKeyDocumentLive::liveWiringOwnSaveNoBanner()
{
    QFETCH(bool, v2);
    const QByteArray key = testKey();
    QVERIFY(startEditing(v2, key, false));
    // As MainWindow wires it: every batch goes to the pane.
    connect(m_watcher.get(), &EtcdWatcher::eventsReceived, m_pane.get(),
            &KeyDetailPane::applyWatchEvents);

    typeAtEnd(QStringLiteral(" mine"));
    QSignalSpy saved(m_pane.get(), &KeyDetailPane::keySaved);
    m_pane->save();
    QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, 20000);
    const qint64 savedAt = m_pane->document()->snapshot().modIndex();
    QTRY_VERIFY_WITH_TIMEOUT(m_watcher->revision() >= savedAt, 20000);
    QVERIFY(!banner()->isVisible());
    QCOMPARE(m_pane->document()->serverState(), ServerState::InSync);

    // Someone else's change shows up by itself: taken in, as nothing is edited.
    const qint64 theirs = put(v2, key, "theirs");
    QTRY_COMPARE_WITH_TIMEOUT(editorText(), QStringLiteral("theirs"), 20000);
    QCOMPARE(m_pane->document()->snapshot().modIndex(), theirs);
    QVERIFY(!banner()->isVisible());

    // And with an edit, the banner.
    typeAtEnd(QStringLiteral("!"));
    const qint64 again = put(v2, key, "theirs again");
    QTRY_VERIFY_WITH_TIMEOUT(banner()->isVisible(), 20000);
    QVERIFY(banner()->message().contains(at(v2, again)));
    QCOMPARE(editorText(), QStringLiteral("theirs!"));
}

void TestKeyDocumentLive::bannerAccessibleNames()
{
    const QByteArray key = testKey();
    QVERIFY(startEditing(false, key, false));
    typeAtEnd(QStringLiteral("!"));
    QVERIFY(changeOnServer(false, key));
    QVERIFY(!banner()->accessibleName().isEmpty());
    const auto buttons = banner()->findChildren<QPushButton *>();
    QCOMPARE(buttons.size(), 4);
    for (QPushButton *b : buttons) {
        QVERIFY(!b->accessibleName().isEmpty());
        QVERIFY(!b->text().isEmpty());
    }
    // Read-only: nothing that writes is offered.
    m_pane->setReadOnly(true);
    QVERIFY(!banner()->recreateButton()->isEnabled());
}

QTEST_MAIN(TestKeyDocumentLive)
#include "tst_keydocumentlive.moc"
