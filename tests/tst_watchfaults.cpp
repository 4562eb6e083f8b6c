// EtcdWatcher against a fake server, for what a real etcd will not do on demand: stream lines
// split across TCP writes at awkward places, several messages in one write, a malformed line, an
// error object, a stream closed mid-way, an error answer instead of a stream, a token refused
// inside the stream while reads are refused too, and v2's empty 200 that ends a long-poll. Also
// the line splitter and the message decoder on their own.
#include "etcdclient.h"
#include "etcdtesting.h"
#include "etcdtransport.h"
#include "etcdv3client.h"
#include "etcdwatcher.h"
#include "etcdwatchjson.h"
#include "fakeserver.h"
#include "watchtesting.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace watchtesting;
using State = EtcdWatcher::State;

Q_DECLARE_METATYPE(EtcdError::Condition)

namespace {

QByteArray b64(const QByteArray &s)
{
    return s.toBase64();
}

// One watch message: `events` are (key, value, revision) puts; revision 0 header for none.
QByteArray message(qint64 headerRevision,
                   const QList<std::tuple<QByteArray, QByteArray, qint64>> &events = {},
                   const QByteArray &extra = {})
{
    QByteArray m = R"({"result":{"header":{"cluster_id":"1","member_id":"2","revision":")" +
                   QByteArray::number(headerRevision) + R"(","raft_term":"2"})";
    if (!events.isEmpty()) {
        m += R"(,"events":[)";
        for (qsizetype i = 0; i < events.size(); ++i) {
            const auto &[key, value, rev] = events[i];
            if (i)
                m += ',';
            m += R"({"kv":{"key":")" + b64(key) + R"(","create_revision":")" +
                 QByteArray::number(rev) + R"(","mod_revision":")" + QByteArray::number(rev) +
                 R"(","version":"1","value":")" + b64(value) + R"("}})";
        }
        m += ']';
    }
    m += extra + "}}\n";
    return m;
}

QByteArray created(qint64 revision)
{
    return message(revision, {}, R"(,"created":true)");
}

QByteArray streamHead()
{
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
           "Transfer-Encoding: chunked\r\n\r\n";
}

QByteArray chunk(const QByteArray &data)
{
    return QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n";
}

// The start_revision a watch request asked for; -1 when it is not a create_request.
qint64 startRevisionOf(const FakeServer::Request &r)
{
    const QJsonObject create =
        QJsonDocument::fromJson(r.body).object().value(QLatin1String("create_request")).toObject();
    if (create.isEmpty())
        return -1;
    return create.value(QLatin1String("start_revision")).toString().toLongLong();
}

// The streams the fake server holds open, in the order the watch requests arrived.
struct Streams : QObject
{
    explicit Streams(FakeServer *server)
    {
        server->setHandler([this](QTcpSocket *socket, const FakeServer::Request &r) {
            if (!r.target.startsWith("/v3/watch")) {
                socket->write(FakeServer::response(404, "404 page not found", "text/plain"));
                socket->disconnectFromHost();
                return;
            }
            socket->write(streamHead());
            sockets << socket;
            requests << r;
        });
    }
    void write(int i, const QByteArray &data)
    {
        sockets.at(i)->write(chunk(data));
        sockets.at(i)->flush();
    }
    QList<QPointer<QTcpSocket>> sockets;
    QList<FakeServer::Request> requests;
};

// A watcher on a client whose one endpoint is a fake server playing the gateway's streams, and
// a recorder of what the watcher says. The client is not discovered: apiInUse() is Auto, which
// the watcher takes as v3.
struct ScriptedWatch
{
    FakeServer server;
    Streams streams{&server};
    EtcdClient client;
    EtcdWatcher w{&client};
    Recorder rec{&w};

    // Listens, watches `prefix` from `revision` and waits for the first stream; with
    // quickRetries the watcher reconnects after 20 to 100 ms. False when a step failed.
    bool start(const QByteArray &prefix, qint64 revision, bool quickRetries = true)
    {
        if (!server.listen() || client.configure(clientOptions({server.url()})))
            return false;
        if (quickRetries)
            w.setBackoff(20, 100);
        w.start(prefix, revision);
        return QTest::qWaitFor([this] { return streams.sockets.size() == 1; }, 5000);
    }
};

} // namespace

class TestWatchFaults : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    // These cases script the JSON gateway's stream (HTTP/1.1); tst_watchgrpc covers gRPC and
    // the way from it to JSON.
    void initTestCase() { EtcdWatcher::setDefaultWireFormat(EtcdWatcher::WireFormat::Json); }
    void splitter_data();
    void splitter();
    void decodeMessage();
    void decodeErrors_data();
    void decodeErrors();
    void encodeCreate();

    void linesSplitAcrossWrites();
    void severalMessagesInOneWrite();
    void malformedLineResumes();
    void closedStreamResumesAfterLastRevision();
    void transportFailoverMidStream();
    void errorObjectThenClose();
    void progressMovesResumePoint();
    void canceledForOtherReasonRetries();
    void v2EmptyAnswerPolledAgain();
    void streamErrorAnswer_data();
    void streamErrorAnswer();
    void tokenRefusedInStreamSharesRenewal();
};

// ---- pure parts ------------------------------------------------------------------------------

void TestWatchFaults::splitter_data()
{
    QTest::addColumn<int>("pieceSize");
    for (int n : {1, 2, 3, 7, 64, 100000})
        QTest::newRow(qPrintable(QString::number(n))) << n;
}

void TestWatchFaults::splitter()
{
    QFETCH(int, pieceSize);
    const QByteArray stream = "one\ntwo\r\n\n\nthree and more\nfour";
    EtcdLineSplitter s;
    QList<QByteArray> lines;
    for (qsizetype i = 0; i < stream.size(); i += pieceSize) {
        s.append(stream.mid(i, pieceSize));
        QByteArray line;
        while (s.next(&line))
            lines << line;
    }
    QCOMPARE(lines, (QList<QByteArray>{"one", "two", "three and more"}));
    QCOMPARE(s.pending(), 4);
    s.append("\n");
    QByteArray line;
    QVERIFY(s.next(&line));
    QCOMPARE(line, QByteArray("four"));
    QVERIFY(!s.next(&line));
    QCOMPARE(s.pending(), 0);
}

void TestWatchFaults::decodeMessage()
{
    EtcdV3WatchMessage m;
    const QByteArray line =
        R"({"result":{"header":{"revision":"9"},"watch_id":"3","fragment":false,"new_field":[1],)"
        R"("events":[{"type":"DELETE","kv":{"key":")" +
        b64("/a") +
        R"(","mod_revision":"9"},)"
        R"("prev_kv":{"key":")" +
        b64("/a") + R"(","value":")" + b64("old") +
        R"(",)"
        R"("create_revision":"4","mod_revision":"5","version":"2","lease":"77"}},)"
        R"({"kv":{"key":")" +
        b64("/b") +
        R"(","create_revision":"4","mod_revision":"9",)"
        R"("version":"3","value":")" +
        b64("new") + R"(","lease":"12"}}]}})";
    QVERIFY(!EtcdWatchJson::decodeV3Message(line, &m));
    QCOMPARE(m.header.revision, 9);
    QCOMPARE(m.watchId, 3);
    QCOMPARE(m.events.size(), 2);
    QCOMPARE(m.events[0].action, EtcdWatchEvent::Action::Delete);
    QCOMPARE(m.events[0].key, QByteArray("/a"));
    QCOMPARE(m.events[0].revision, 9);
    QCOMPARE(m.events[0].prevValue.value_or("none"), QByteArray("old"));
    QCOMPARE(m.events[1].action, EtcdWatchEvent::Action::Update);
    QCOMPARE(m.events[1].value, QByteArray("new"));
    QCOMPARE(m.events[1].version, 3);
    QCOMPARE(m.events[1].lease, 12u);
    QVERIFY(!m.events[1].prevValue);
    QVERIFY(!m.isProgress());

    QVERIFY(!EtcdWatchJson::decodeV3Message(
        R"({"result":{"header":{"raft_term":"2"},"canceled":true,"compact_revision":"4"}})", &m));
    QVERIFY(m.canceled);
    QCOMPARE(m.compactRevision, 4);

    QVERIFY(!EtcdWatchJson::decodeV3Message(R"({"result":{"header":{"revision":"12"}}})", &m));
    QVERIFY(m.isProgress());

    QVERIFY(!EtcdWatchJson::decodeV3Message(
        R"({"error":{"grpc_code":14,"http_code":503,"message":"etcdserver: no leader"}})", &m));
    QVERIFY(m.error);
    QCOMPARE(m.error.code(), 14);
    QCOMPARE(m.error.condition(), EtcdError::Condition::Unavailable);
    QVERIFY(!EtcdWatchJson::decodeV3Message(
        R"({"error":"etcdserver: invalid auth token","message":"etcdserver: invalid auth token","code":16})",
        &m));
    QCOMPARE(m.error.condition(), EtcdError::Condition::InvalidToken);
}

void TestWatchFaults::decodeErrors_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QString>("names");
    QTest::newRow("not json") << QByteArray("{\"result\":{") << "not JSON";
    QTest::newRow("array") << QByteArray("[1]") << "not an object";
    QTest::newRow("neither") << QByteArray("{\"x\":1}") << "neither";
    QTest::newRow("revision") << QByteArray(R"({"result":{"header":{"revision":"x"}}})")
                              << "header.revision";
    QTest::newRow("events") << QByteArray(R"({"result":{"events":{}}})") << "events";
    QTest::newRow("base64") << QByteArray(R"({"result":{"events":[{"kv":{"key":"!!"}}]}})")
                            << "events[].kv.key";
    QTest::newRow("no key") << QByteArray(R"({"result":{"events":[{"kv":{}}]}})")
                            << "events[].kv.key";
    QTest::newRow("type") << QByteArray(R"({"result":{"events":[{"type":"EH","kv":{}}]}})")
                          << "events[].type";
    QTest::newRow("created") << QByteArray(R"({"result":{"created":"yes"}})") << "created";
}

void TestWatchFaults::decodeErrors()
{
    QFETCH(QByteArray, line);
    QFETCH(QString, names);
    EtcdV3WatchMessage m;
    const EtcdError e = EtcdWatchJson::decodeV3Message(line, &m);
    QCOMPARE(e.kind(), EtcdError::Kind::Protocol);
    QVERIFY2(e.message().contains(names), qPrintable(e.message()));
    QVERIFY(m.events.isEmpty());
}

void TestWatchFaults::encodeCreate()
{
    auto create = [](const QByteArray &prefix, qint64 rev) {
        return QJsonDocument::fromJson(EtcdWatchJson::encodeV3Create(prefix, rev))
            .object()
            .value(QLatin1String("create_request"))
            .toObject();
    };
    QJsonObject c = create("/a/", 7);
    QCOMPARE(c.value(QLatin1String("key")).toString(), QString::fromLatin1(b64("/a/")));
    QCOMPARE(c.value(QLatin1String("range_end")).toString(), QString::fromLatin1(b64("/a0")));
    QCOMPARE(c.value(QLatin1String("start_revision")).toString(), QStringLiteral("7"));
    QVERIFY(c.value(QLatin1String("prev_kv")).toBool());
    QVERIFY(c.value(QLatin1String("progress_notify")).toBool());
    c = create({}, 0);
    QCOMPARE(c.value(QLatin1String("key")).toString(), QStringLiteral("AA=="));
    QCOMPARE(c.value(QLatin1String("range_end")).toString(), QStringLiteral("AA=="));
    QVERIFY(!c.contains(QLatin1String("start_revision")));
}

// ---- against the fake server -----------------------------------------------------------------

void TestWatchFaults::linesSplitAcrossWrites()
{
    ScriptedWatch f;
    QVERIFY(f.start("/s/", 5, false));
    QCOMPARE(startRevisionOf(f.streams.requests[0]), 5);

    QByteArray all = created(4);
    for (int i = 0; i < 6; ++i)
        all += message(5 + i,
                       {{"/s/k" + QByteArray::number(i), "value-" + QByteArray::number(i), 5 + i}});
    // Cut inside the JSON, inside base64, right before and right after the newline.
    const QList<int> cuts{3, int(all.indexOf("L3Mv") + 2), int(all.indexOf('\n', 200)),
                          int(all.indexOf('\n', 200)) + 1, int(all.size()) - 5};
    int from = 0;
    for (int cut : cuts) {
        // Each piece is read before the next is written: wait for what it completes.
        const int complete = int(all.left(cut).count('\n'));
        f.streams.write(0, all.mid(from, cut - from));
        from = cut;
        QTRY_COMPARE(f.rec.events.size(), qMax(0, complete - 1));
    }
    f.streams.write(0, all.mid(from));
    QTRY_COMPARE(f.rec.events.size(), 6);
    for (int i = 0; i < 6; ++i) {
        QCOMPARE(f.rec.events[i].key, "/s/k" + QByteArray::number(i));
        QCOMPARE(f.rec.events[i].value, "value-" + QByteArray::number(i));
    }
    QCOMPARE(f.w.state(), State::Live);
    QCOMPARE(f.w.revision(), 10);
    QVERIFY(f.rec.interruptions.isEmpty());
}

void TestWatchFaults::severalMessagesInOneWrite()
{
    ScriptedWatch f;
    QVERIFY(f.start("/m/", 3, false));
    f.streams.write(0, created(2) + message(3, {{"/m/a", "1", 3}, {"/m/b", "2", 3}}) +
                           message(4, {{"/m/c", "3", 4}}) + message(6, {{"/m/d", "4", 6}}));
    QTRY_COMPARE(f.rec.events.size(), 4);
    QCOMPARE(f.rec.batches.size(), 3);
    QCOMPARE(f.rec.batches[0].size(), 2);
    QCOMPARE(f.rec.revisions, (QList<qint64>{3, 4, 6}));
    QVERIFY(f.rec.ordered());
}

void TestWatchFaults::malformedLineResumes()
{
    ScriptedWatch f;
    QVERIFY(f.start("/bad/", 10));
    f.streams.write(0, created(9) + message(10, {{"/bad/a", "1", 10}}) + "{\"result\":{oops}\n" +
                           message(11, {{"/bad/b", "2", 11}}));
    QTRY_COMPARE(f.rec.interruptions.size(), 1);
    QCOMPARE(f.rec.interruptions[0].kind(), EtcdError::Kind::Protocol);
    QVERIFY2(f.rec.interruptions[0].message().contains(QLatin1String("could not be read")),
             qPrintable(f.rec.interruptions[0].toString()));
    QCOMPARE(f.rec.events.size(), 1); // nothing after the bad line is taken from that stream
    QCOMPARE(f.rec.states.last(), State::Reconnecting);
    QCOMPARE(f.w.lastError().kind(), EtcdError::Kind::Protocol);

    // Resumed after the last revision seen; what comes again is not delivered twice.
    QTRY_COMPARE(f.streams.sockets.size(), 2);
    QCOMPARE(startRevisionOf(f.streams.requests[1]), 11);
    f.streams.write(1, created(11) + message(11, {{"/bad/a", "1", 10}, {"/bad/b", "2", 11}}));
    QTRY_COMPARE(f.rec.events.size(), 2);
    QCOMPARE(f.rec.events[1].key, QByteArray("/bad/b"));
    QCOMPARE(f.rec.events[1].revision, 11);
    QCOMPARE(f.w.state(), State::Live);
    QVERIFY(!f.w.lastError());
}

void TestWatchFaults::closedStreamResumesAfterLastRevision()
{
    ScriptedWatch f;
    QVERIFY(f.start("/c/", 5));
    f.streams.write(0,
                    created(4) + message(5, {{"/c/a", "1", 5}}) + message(7, {{"/c/b", "2", 7}}));
    QTRY_COMPARE(f.rec.events.size(), 2);
    // Half a message, then the connection closes.
    f.streams.write(0, message(8, {{"/c/x", "lost", 8}}).left(30));
    f.streams.sockets[0]->disconnectFromHost();
    QTRY_COMPARE(f.streams.sockets.size(), 2);
    QCOMPARE(startRevisionOf(f.streams.requests[1]), 8);
    QCOMPARE(f.rec.states.last(), State::Reconnecting);
    QCOMPARE(f.rec.interruptions.size(), 1);
    QCOMPARE(f.rec.interruptions[0].kind(), EtcdError::Kind::Network);

    // Closed again before it was even created: the next attempt waits longer, asks the same.
    f.streams.sockets[1]->disconnectFromHost();
    QTRY_COMPARE(f.streams.sockets.size(), 3);
    QCOMPARE(startRevisionOf(f.streams.requests[2]), 8);
    f.streams.write(2, created(8) + message(8, {{"/c/x", "found", 8}}));
    QTRY_COMPARE(f.rec.events.size(), 3);
    QCOMPARE(f.rec.events[2].value, QByteArray("found"));
    QCOMPARE(f.w.state(), State::Live);
    QCOMPARE(f.w.connectCount(), 3);

    // Stopped: the open stream is closed and nothing more arrives.
    f.w.stop();
    QTRY_VERIFY(!f.streams.sockets[2] ||
                f.streams.sockets[2]->state() != QAbstractSocket::ConnectedState);
    QCOMPARE(f.rec.events.size(), 3);
}

void TestWatchFaults::transportFailoverMidStream()
{
    // Two endpoints: a stream broken mid-line is sent again to the second one by the transport
    // itself (a read), asking for what was not seen yet; the half line of the first is dropped.
    FakeServer first;
    FakeServer second;
    QVERIFY(first.listen());
    QVERIFY(second.listen());
    Streams a(&first);
    Streams b(&second);
    auto client = std::make_unique<EtcdClient>();
    QVERIFY(!client->configure(clientOptions({first.url(), second.url()})));
    EtcdWatcher w(client.get());
    Recorder rec(&w);
    w.start("/f/", 5);
    QTRY_COMPARE(a.sockets.size(), 1);
    a.write(0, created(4) + message(5, {{"/f/a", "1", 5}}) + message(6, {{"/f/b", "2", 6}}) +
                   message(7, {{"/f/c", "lost", 7}}).left(40));
    QTRY_COMPARE(rec.events.size(), 2);
    a.sockets[0]->abort();
    QTRY_COMPARE(b.sockets.size(), 1);
    QCOMPARE(startRevisionOf(b.requests[0]), 7);
    b.write(0, created(6) + message(7, {{"/f/c", "3", 7}}));
    QTRY_COMPARE(rec.events.size(), 3);
    QCOMPARE(rec.events[2].value, QByteArray("3"));
    QVERIFY(rec.interruptions.isEmpty());
    QCOMPARE(w.connectCount(), 1);
    QCOMPARE(w.state(), State::Live);
}

void TestWatchFaults::errorObjectThenClose()
{
    ScriptedWatch f;
    QVERIFY(f.start("/e/", 3));
    f.streams.write(0, created(2) + message(3, {{"/e/a", "1", 3}}) +
                           R"({"error":{"grpc_code":14,"http_code":503,"message":"etcdserver: )"
                           R"(no leader","http_status":"Service Unavailable"}})"
                           "\n");
    f.streams.write(0, {}); // the last chunk: the stream ends
    QTRY_COMPARE(f.rec.interruptions.size(), 1);
    QCOMPARE(f.rec.interruptions[0].condition(), EtcdError::Condition::Unavailable);
    QVERIFY(f.rec.interruptions[0].message().contains(QLatin1String("no leader")));
    QTRY_COMPARE(f.streams.sockets.size(), 2);
    QCOMPARE(startRevisionOf(f.streams.requests[1]), 4);
}

void TestWatchFaults::progressMovesResumePoint()
{
    ScriptedWatch f;
    QVERIFY(f.start("/p/", 3));
    f.streams.write(0, created(2) + message(50));
    QTRY_COMPARE(f.w.revision(), 50);
    QCOMPARE(f.rec.revisions, (QList<qint64>{50}));
    QVERIFY(f.rec.events.isEmpty());
    f.streams.sockets[0]->abort();
    QTRY_COMPARE(f.streams.sockets.size(), 2);
    QCOMPARE(startRevisionOf(f.streams.requests[1]), 51);
}

void TestWatchFaults::canceledForOtherReasonRetries()
{
    ScriptedWatch f;
    QVERIFY(f.start("/o/", 3));
    f.streams.write(0, message(2, {}, R"(,"created":true,"canceled":true,"cancel_reason":"busy")"));
    QTRY_COMPARE(f.streams.sockets.size(), 2);
    QCOMPARE(f.rec.interruptions.first().message(), QStringLiteral("busy"));
    QVERIFY(f.rec.failures.isEmpty());
    // Permission denied is for the user: no retry.
    f.streams.write(1, message(2, {},
                               R"(,"created":true,"canceled":true,)"
                               R"("cancel_reason":"etcdserver: permission denied")"));
    QTRY_COMPARE(f.rec.failures.size(), 1);
    QCOMPARE(f.rec.failures[0].condition(), EtcdError::Condition::PermissionDenied);
    QCOMPARE(f.w.state(), State::Failed);
    QVERIFY(!QTest::qWaitFor([&] { return f.streams.sockets.size() > 2; }, 300));
}

void TestWatchFaults::v2EmptyAnswerPolledAgain()
{
    // Enough of discovery for a v2-only cluster, then long-polls scripted one by one.
    FakeServer server;
    QVERIFY(server.listen());
    QList<QPointer<QTcpSocket>> polls;
    QList<QByteArray> pollTargets;
    server.setHandler([&](QTcpSocket *socket, const FakeServer::Request &r) {
        if (r.target.startsWith("/v2/keys/")) {
            polls << socket;
            pollTargets << r.target;
            return;
        }
        QByteArray body = "404 page not found";
        int status = 404;
        if (r.target == "/version") {
            status = 200;
            body = R"({"etcdserver":"3.4.23","etcdcluster":"3.4.0"})";
        } else if (r.target == "/health") {
            status = 200;
            body = R"({"health":"true"})";
        } else if (r.target == "/v2/members") {
            status = 200;
            body = R"({"members":[]})";
        }
        socket->write(FakeServer::response(status, body));
        socket->disconnectFromHost();
    });
    auto client = discoveredClient({server.url()}, EtcdClient::Api::Auto);
    QVERIFY(client);
    QCOMPARE(client->apiInUse(), EtcdClient::Api::V2);

    EtcdWatcher w(client.get());
    w.setV2LiveDelay(50);
    Recorder rec(&w);
    w.start("/dir", 20);
    QCOMPARE(w.api(), EtcdClient::Api::V2);
    QTRY_COMPARE(polls.size(), 1);
    QVERIFY2(pollTargets[0].contains("wait=true") && pollTargets[0].contains("recursive=true") &&
                 pollTargets[0].contains("waitIndex=20"),
             pollTargets[0].constData());
    QTRY_COMPARE(w.state(), State::Live);

    // The server ends the poll without an event: polled again at the same index.
    polls[0]->write(FakeServer::response(200, {}, "application/json", {"X-Etcd-Index: 25"}));
    polls[0]->disconnectFromHost();
    QTRY_COMPARE(polls.size(), 2);
    QVERIFY(pollTargets[1].contains("waitIndex=20"));
    QVERIFY(rec.events.isEmpty());

    polls[1]->write(FakeServer::response(
        200,
        R"({"action":"compareAndSwap","node":{"key":"/dir/a","value":"new","modifiedIndex":22,)"
        R"("createdIndex":21},"prevNode":{"key":"/dir/a","value":"old","modifiedIndex":21,)"
        R"("createdIndex":21}})",
        "application/json", {"X-Etcd-Index: 25"}));
    polls[1]->disconnectFromHost();
    QTRY_COMPARE(rec.events.size(), 1);
    QCOMPARE(rec.events[0].action, EtcdWatchEvent::Action::CompareAndSwap);
    QCOMPARE(rec.events[0].prevValue.value_or("none"), QByteArray("old"));
    QTRY_COMPARE(polls.size(), 3);
    QVERIFY(pollTargets[2].contains("waitIndex=23"));
    QCOMPARE(w.revision(), 22);
}

void TestWatchFaults::streamErrorAnswer_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<EtcdError::Condition>("condition");
    QTest::addColumn<bool>("fatal");
    QTest::newRow("403 permission")
        << 403
        << QByteArray(R"({"error":"etcdserver: permission denied","code":7,)"
                      R"("message":"etcdserver: permission denied"})")
        << EtcdError::Condition::PermissionDenied << true;
    QTest::newRow("401 no user") << 401
                                 << QByteArray(
                                        R"({"error":"etcdserver: user name is empty","code":16,)"
                                        R"("message":"etcdserver: user name is empty"})")
                                 << EtcdError::Condition::Unauthorized << true;
    QTest::newRow("500 other") << 500
                               << QByteArray(R"({"error":"etcdserver: request timed out","code":2,)"
                                             R"("message":"etcdserver: request timed out"})")
                               << EtcdError::Condition::Other << false;
}

void TestWatchFaults::streamErrorAnswer()
{
    // The watch request answered with etcd's error instead of a stream: decoded, and the watcher
    // gives up on what only the user can fix and retries the rest.
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(EtcdError::Condition, condition);
    QFETCH(bool, fatal);
    FakeServer server;
    QVERIFY(server.listen());
    server.setHandler(FakeServer::answer(status, body));
    auto client = configuredClient({server.url()});
    EtcdWatcher w(client.get());
    w.setBackoff(20, 100);
    Recorder rec(&w);
    w.start("/err/", 3);
    QTRY_VERIFY(!rec.failures.isEmpty() || !rec.interruptions.isEmpty());
    const EtcdError e = fatal ? rec.failures.value(0) : rec.interruptions.value(0);
    QCOMPARE(e.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(e.condition(), condition);
    QCOMPARE(e.httpStatus(), status);
    QVERIFY2(e.message().startsWith(QLatin1String("etcdserver: ")), qPrintable(e.toString()));
    QCOMPARE(w.state(), fatal ? State::Failed : State::Reconnecting);
    if (!fatal)
        QTRY_VERIFY(server.requests().size() >= 2);
    QVERIFY(rec.events.isEmpty());
}

void TestWatchFaults::tokenRefusedInStreamSharesRenewal()
{
    // A watch refused inside its 200 stream and reads refused with an error answer, all for the
    // same stale token: one authenticate request renews it for all of them.
    FakeServer server;
    QVERIFY(server.listen());
    QList<QPointer<QTcpSocket>> authentications;
    QList<QByteArray> watchTokens;
    const QByteArray refused = R"({"error":"etcdserver: invalid auth token","code":16,)"
                               R"("message":"etcdserver: invalid auth token"})";
    server.setHandler([&](QTcpSocket *socket, const FakeServer::Request &r) {
        const QByteArray token = r.header("authorization");
        if (r.target == "/v3/auth/authenticate") {
            authentications << socket; // answered when the test says so
        } else if (r.target == "/v3/watch") {
            watchTokens << token;
            socket->write(streamHead());
            if (token == "fresh.2") {
                socket->write(chunk(created(7)));
            } else {
                socket->write(
                    chunk(message(7, {},
                                  R"(,"created":true,"canceled":true,)"
                                  R"("cancel_reason":"etcdserver: invalid auth token")")));
            }
        } else if (token == "fresh.2") {
            socket->write(FakeServer::response(200, R"({"header":{"revision":"7"},"count":"0"})"));
            socket->disconnectFromHost();
        } else {
            socket->write(FakeServer::response(401, refused));
            socket->disconnectFromHost();
        }
    });
    EtcdClient::Options options = clientOptions({server.url()});
    options.user = QStringLiteral("root");
    options.password = QStringLiteral("pw");
    EtcdClient client;
    QVERIFY(!client.configure(options));
    client.transport()->setToken("stale.1");

    EtcdWatcher w(&client);
    w.setBackoff(20, 100);
    Recorder rec(&w);
    w.start("/tok/", 7);
    QObject context;
    QList<EtcdResult<EtcdV3RangeResult>> reads;
    for (int i = 0; i < 3; ++i) {
        client.v3()->range("/tok/k", {}, &context,
                           [&](const EtcdResult<EtcdV3RangeResult> &r) { reads << r; });
    }
    // Everyone was refused and waits for the one authentication under way.
    QTRY_COMPARE(watchTokens.size(), 1);
    QTRY_COMPARE(authentications.size(), 1);
    QTRY_COMPARE(server.requests().size(), 5); // the watch, three reads, one authenticate
    QVERIFY(!QTest::qWaitFor([&] { return server.requests().size() > 5; }, 300));
    QCOMPARE(client.v3()->authenticationCount(), 1);
    QVERIFY(reads.isEmpty());
    QCOMPARE(w.state(), State::Connecting);

    authentications[0]->write(
        FakeServer::response(200, R"({"header":{"revision":"7"},"token":"fresh.2"})"));
    authentications[0]->disconnectFromHost();
    QTRY_COMPARE(reads.size(), 3);
    for (const auto &r : reads)
        VERIFY_OK(r);
    QTRY_COMPARE(w.state(), State::Live);
    QCOMPARE(watchTokens, (QList<QByteArray>{"stale.1", "fresh.2"}));
    QCOMPARE(authentications.size(), 1);
    QCOMPARE(client.v3()->authenticationCount(), 1);
    QVERIFY(rec.failures.isEmpty());
}

QTEST_MAIN(TestWatchFaults)
#include "tst_watchfaults.moc"
