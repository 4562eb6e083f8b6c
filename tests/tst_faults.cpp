// Faults a real etcd will not produce on demand, through a fake server: refused connections,
// stalls, malformed, truncated, empty or wrongly shaped JSON, HTML error pages and dropped
// connections, for a v2 get, a v3 range and /version; and discovery of servers etcd 3.4 is not
// (3.3's /v3beta, an unhealthy member, a gateway behind auth); a stream answered with an error
// (decoded, the token renewed), and renewToken() shared by its callers.
#include "etcdclient.h"
#include "etcdtesting.h"
#include "etcdtransport.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "fakeserver.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

Q_DECLARE_METATYPE(EtcdError::Kind)
Q_DECLARE_METATYPE(EtcdError::Condition)

namespace {

enum class Op { V2Get, V3Range, Version };
enum class Fault {
    Refused,
    Stall,
    Malformed,
    Truncated,
    Html500,
    Dropped,
    Empty200,
    Array,
    WrongTypes,
    NotFoundPage,
};

// A port nobody listens on: connection refused.
QString deadEndpoint()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    const quint16 port = probe.serverPort();
    probe.close();
    return QStringLiteral("http://127.0.0.1:%1").arg(port);
}

// A valid answer of each operation, so that truncation cuts a body that would have decoded.
QByteArray validBody(Op op)
{
    switch (op) {
    case Op::V2Get:
        return R"({"action":"get","node":{"key":"/k","value":"v","modifiedIndex":4,)"
               R"("createdIndex":4}})";
    case Op::V3Range:
        return R"({"header":{"cluster_id":"1","member_id":"2","revision":"5","raft_term":"2"},)"
               R"("kvs":[{"key":"aw==","create_revision":"5","mod_revision":"5","version":"1",)"
               R"("value":"dg=="}],"count":"1"})";
    case Op::Version:
        return R"({"etcdserver":"3.4.23","etcdcluster":"3.4.0"})";
    }
    return {};
}

QByteArray wrongTypesBody(Op op)
{
    switch (op) {
    case Op::V2Get:
        return R"({"action":"get","node":"not an object"})";
    case Op::V3Range:
        return R"({"header":{"revision":"5"},"kvs":"not an array"})";
    case Op::Version:
        return R"({"etcdserver":3,"etcdcluster":true})";
    }
    return {};
}

// Routes requests by path (query left out); anything else gets Go's plain 404 page.
FakeServer::Handler routes(QHash<QByteArray, FakeServer::Handler> table)
{
    return [table](QTcpSocket *socket, const FakeServer::Request &request) {
        const QByteArray path = request.target.split('?').constFirst();
        const FakeServer::Handler h = table.value(path);
        if (h)
            h(socket, request);
        else
            FakeServer::answer(404, "404 page not found\n", "text/plain; charset=utf-8")(socket,
                                                                                         request);
    };
}

} // namespace

Q_DECLARE_METATYPE(Op)
Q_DECLARE_METATYPE(Fault)

class TestFaults : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void fault_data();
    void fault();
    void writeSentOnceOnDroppedConnection_data();
    void writeSentOnceOnDroppedConnection();
    void discoverV3beta();
    void discoverUnhealthy();
    void discoverGatewayBehindAuth();
    void discoverStalledTimesOut();
    void discoverHealthHtml500();
    void discoverNothingServed();
    void cancelDiscoveryMidway();
    void configureCancelsDiscovery();
    void clientDeletedInsideCallback();
    void streamErrorAnswerDecoded_data();
    void streamErrorAnswerDecoded();
    void streamRenewsTokenOnErrorAnswer();
    void renewTokenShared();

private:
};

void TestFaults::fault_data()
{
    QTest::addColumn<Op>("op");
    QTest::addColumn<Fault>("fault");
    QTest::addColumn<EtcdError::Kind>("kind");
    QTest::addColumn<int>("httpStatus");

    const std::pair<Op, const char *> ops[] = {
        {Op::V2Get, "v2 get"}, {Op::V3Range, "v3 range"}, {Op::Version, "version"}};
    const std::tuple<Fault, const char *, EtcdError::Kind, int> faults[] = {
        {Fault::Refused, "connection refused", EtcdError::Kind::Network, 0},
        {Fault::Stall, "stalled answer", EtcdError::Kind::Timeout, 0},
        {Fault::Malformed, "malformed JSON", EtcdError::Kind::Protocol, 200},
        {Fault::Truncated, "truncated body", EtcdError::Kind::Network, 0},
        {Fault::Html500, "HTML 500", EtcdError::Kind::Http, 500},
        {Fault::Dropped, "dropped connection", EtcdError::Kind::Network, 0},
        {Fault::Empty200, "empty 200", EtcdError::Kind::Protocol, 200},
        {Fault::Array, "JSON array", EtcdError::Kind::Protocol, 200},
        {Fault::WrongTypes, "JSON of wrong types", EtcdError::Kind::Protocol, 200},
        {Fault::NotFoundPage, "404 page not found", EtcdError::Kind::Http, 404},
    };
    for (const auto &[op, opName] : ops) {
        for (const auto &[fault, faultName, kind, status] : faults) {
            QTest::addRow("%s: %s", opName, faultName) << op << fault << kind << status;
        }
    }
}

void TestFaults::fault()
{
    QFETCH(Op, op);
    QFETCH(Fault, fault);
    QFETCH(EtcdError::Kind, kind);
    QFETCH(int, httpStatus);

    FakeServer fake;
    QVERIFY(fake.listen());
    switch (fault) {
    case Fault::Refused:
        break;
    case Fault::Stall:
        fake.setHandler(FakeServer::stall());
        break;
    case Fault::Malformed:
        fake.setHandler(FakeServer::answer(200, validBody(op).chopped(3) + ",,}"));
        break;
    case Fault::Truncated:
        fake.setHandler(FakeServer::truncated(validBody(op), int(validBody(op).size() / 2)));
        break;
    case Fault::Html500:
        fake.setHandler(FakeServer::answer(
            500,
            "<html><head><title>500 Internal Server Error</title></head><body><h1>Internal "
            "Server Error</h1></body></html>",
            "text/html"));
        break;
    case Fault::Dropped:
        fake.setHandler(FakeServer::dropConnection());
        break;
    case Fault::Empty200:
        fake.setHandler(FakeServer::answer(200, ""));
        break;
    case Fault::Array:
        fake.setHandler(FakeServer::answer(200, "[1,2,3]"));
        break;
    case Fault::WrongTypes:
        fake.setHandler(FakeServer::answer(200, wrongTypesBody(op)));
        break;
    case Fault::NotFoundPage:
        fake.setHandler(FakeServer::answer(404, "404 page not found\n", "text/plain"));
        break;
    }
    const QString endpoint = fault == Fault::Refused ? deadEndpoint() : fake.url();

    EtcdClient client;
    QVERIFY(!client.configure(clientOptions({endpoint})));
    bool called = false;
    EtcdError error;
    QPointer<EtcdCall> call;
    switch (op) {
    case Op::V2Get:
        call = client.v2()->get("/k", {}, this, [&](const EtcdResult<EtcdV2Response> &r) {
            called = true;
            error = r.error;
        });
        break;
    case Op::V3Range:
        call = client.v3()->range("k", {}, this, [&](const EtcdResult<EtcdV3RangeResult> &r) {
            called = true;
            error = r.error;
        });
        break;
    case Op::Version:
        call = client.version(this, [&](const EtcdResult<EtcdClient::VersionInfo> &r) {
            called = true;
            error = r.error;
        });
        break;
    }
    QVERIFY(call);
    call->setTimeout(300);
    QTRY_VERIFY_WITH_TIMEOUT(called, 5000);
    QVERIFY2(error.kind() == kind,
             qPrintable(QStringLiteral("expected %1, got %2")
                            .arg(EtcdError::kindName(kind), error.toString())));
    QCOMPARE(error.httpStatus(), httpStatus);
    QCOMPARE(error.endpoint(), endpoint);
    QVERIFY(!error.message().isEmpty());
    if (fault == Fault::NotFoundPage)
        QVERIFY(error.is(EtcdError::Condition::ApiNotAvailable));
    // A single endpoint: the transport does not retry. QNetworkAccessManager itself resends a
    // request once when the connection closes before any answer; harmless for reads.
    if (fault == Fault::Dropped)
        QVERIFY(fake.requests().size() >= 1 && fake.requests().size() <= 2);
    else if (fault != Fault::Refused)
        QCOMPARE(fake.requests().size(), 1);
    QTRY_VERIFY(call.isNull());
}

void TestFaults::writeSentOnceOnDroppedConnection_data()
{
    QTest::addColumn<QString>("op");
    QTest::newRow("v2 set (PUT)") << QStringLiteral("v2 set");
    QTest::newRow("v3 put (POST)") << QStringLiteral("v3 put");
    QTest::newRow("v2 delete (DELETE)") << QStringLiteral("v2 delete");
}

void TestFaults::writeSentOnceOnDroppedConnection()
{
    // The server read the write and dropped the connection: it may have applied it, so the
    // write must not be sent again, by the transport nor by QNetworkAccessManager.
    QFETCH(QString, op);
    FakeServer fake;
    QVERIFY(fake.listen());
    fake.setHandler(FakeServer::dropConnection());
    EtcdClient client;
    QVERIFY(!client.configure(clientOptions({fake.url()})));
    bool called = false;
    EtcdError error;
    const auto v2Done = [&](const EtcdResult<EtcdV2Response> &r) {
        called = true;
        error = r.error;
    };
    if (op == QLatin1String("v3 put")) {
        client.v3()->put("k", "v", {}, this, [&](const EtcdResult<EtcdV3PutResult> &r) {
            called = true;
            error = r.error;
        });
    } else if (op == QLatin1String("v2 set")) {
        client.v2()->set("/k", "v", {}, this, v2Done);
    } else {
        client.v2()->remove("/k", {}, this, v2Done);
    }
    QTRY_VERIFY(called);
    QCOMPARE(error.kind(), EtcdError::Kind::Network);
    // Qt 6.4's HTTP channel resends any request (POST and PUT included) once when the
    // connection closes before an answer, unless its body cannot be read a second time: the
    // transport sends writes from a one-shot body.
    QCOMPARE(fake.requests().size(), 1);
}

void TestFaults::discoverV3beta()
{
    // etcd 3.3: the gateway under /v3beta only, v2 on.
    FakeServer fake;
    QVERIFY(fake.listen());
    fake.setHandler(routes({
        {"/version", FakeServer::answer(200, R"({"etcdserver":"3.3.25","etcdcluster":"3.3.0"})")},
        {"/health", FakeServer::answer(200, R"({"health":"true"})")},
        {"/v3beta/maintenance/status", FakeServer::answer(200, R"({"version":"3.3.25"})")},
        {"/v2/members", FakeServer::answer(200, R"({"members":[]})")},
    }));
    EtcdClient client;
    QVERIFY(!client.configure(clientOptions({fake.url()})));
    const auto r = discover(client);
    QVERIFY2(r.ok(), qPrintable(r.error.toString()));
    QCOMPARE(r.value.serverVersion, QStringLiteral("3.3.25"));
    QCOMPARE(r.value.v3Prefix, QByteArray("/v3beta"));
    QVERIFY(r.value.v2Available);
    QCOMPARE(r.value.api, EtcdClient::Api::V3);
    QCOMPARE(client.v3()->apiPrefix(), QByteArray("/v3beta"));
    // The probes sent what the gateway expects.
    bool sawProbe = false;
    for (const FakeServer::Request &req : fake.requests()) {
        if (req.target == "/v3beta/maintenance/status") {
            sawProbe = true;
            QCOMPARE(req.method, QByteArray("POST"));
            QCOMPARE(req.body, QByteArray("{}"));
        }
    }
    QVERIFY(sawProbe);
}

void TestFaults::discoverUnhealthy()
{
    // A 503 health is the member's verdict: a result, not an error.
    FakeServer fake;
    QVERIFY(fake.listen());
    QHash<QByteArray, FakeServer::Handler> table{
        {"/version", FakeServer::answer(200, validBody(Op::Version))},
        {"/health", FakeServer::answer(503, R"({"health":"false","reason":"RAFT NO LEADER"})")},
        {"/v3/maintenance/status", FakeServer::answer(200, "{}")},
    };
    fake.setHandler(routes(table));
    EtcdClient client;
    QVERIFY(!client.configure(clientOptions({fake.url()})));
    const auto r = discover(client);
    QVERIFY2(r.ok(), qPrintable(r.error.toString()));
    QVERIFY(!r.value.healthy);
    QCOMPARE(r.value.healthReason, QStringLiteral("RAFT NO LEADER"));
    QVERIFY(!r.value.v2Available);
    QCOMPARE(r.value.api, EtcdClient::Api::V3);
}

void TestFaults::discoverGatewayBehindAuth()
{
    // 401 and 403 come from a gateway that is there but wants credentials.
    FakeServer fake;
    QVERIFY(fake.listen());
    fake.setHandler(routes({
        {"/version", FakeServer::answer(200, validBody(Op::Version))},
        {"/health", FakeServer::answer(200, R"({"health":"true"})")},
        {"/v3/maintenance/status",
         FakeServer::answer(401, R"({"error":"etcdserver: user name is empty","code":3})")},
        {"/v2/members", FakeServer::answer(401, R"({"message":"Insufficient credentials"})")},
    }));
    EtcdClient client;
    QVERIFY(!client.configure(clientOptions({fake.url()})));
    const auto r = discover(client);
    QVERIFY2(r.ok(), qPrintable(r.error.toString()));
    QVERIFY(r.value.v3Available);
    QCOMPARE(r.value.v3Prefix, QByteArray("/v3"));
    QVERIFY(r.value.v2Available);
}

void TestFaults::discoverStalledTimesOut()
{
    FakeServer fake;
    QVERIFY(fake.listen());
    fake.setHandler(FakeServer::stall());
    EtcdClient client;
    EtcdClient::Options options;
    options.endpoints = {fake.url()};
    options.timeoutMs = 300;
    QVERIFY(!client.configure(options));
    const auto r = discover(client);
    QCOMPARE(r.error.kind(), EtcdError::Kind::Timeout);
    QCOMPARE(r.error.endpoint(), fake.url());
    QCOMPARE(fake.requests().size(), 1); // nothing more was asked of a server that did not answer
}

void TestFaults::discoverHealthHtml500()
{
    FakeServer fake;
    QVERIFY(fake.listen());
    fake.setHandler(routes({
        {"/version", FakeServer::answer(200, validBody(Op::Version))},
        {"/health", FakeServer::answer(500, "<html><body>oops</body></html>", "text/html")},
        {"/v3/maintenance/status", FakeServer::answer(200, "{}")},
    }));
    EtcdClient client;
    QVERIFY(!client.configure(clientOptions({fake.url()})));
    const auto r = discover(client);
    QCOMPARE(r.error.kind(), EtcdError::Kind::Http);
    QCOMPARE(r.error.httpStatus(), 500);
    QCOMPARE(r.error.cause(), QStringLiteral("oops"));
    QCOMPARE(r.value.serverVersion, QStringLiteral("3.4.23")); // what was found is kept
    QCOMPARE(client.apiInUse(), EtcdClient::Api::Auto);
}

void TestFaults::discoverNothingServed()
{
    FakeServer fake;
    QVERIFY(fake.listen());
    fake.setHandler(routes({
        {"/version", FakeServer::answer(200, validBody(Op::Version))},
        {"/health", FakeServer::answer(200, R"({"health":"true"})")},
    }));
    EtcdClient client;
    QVERIFY(!client.configure(clientOptions({fake.url()})));
    const auto r = discover(client);
    QCOMPARE(r.error.kind(), EtcdError::Kind::Http);
    QVERIFY(r.error.is(EtcdError::Condition::ApiNotAvailable));
    QVERIFY(!r.value.v2Available);
    QVERIFY(!r.value.v3Available);
    QVERIFY(r.value.v3Prefix.isEmpty());
}

void TestFaults::cancelDiscoveryMidway()
{
    // /version answers, everything after it stalls: cancel while the probes are in flight.
    FakeServer fake;
    QVERIFY(fake.listen());
    fake.setHandler(routes({
        {"/version", FakeServer::answer(200, validBody(Op::Version))},
        {"/health", FakeServer::stall()},
        {"/v3/maintenance/status", FakeServer::stall()},
        {"/v2/members", FakeServer::stall()},
    }));
    EtcdClient client;
    QVERIFY(!client.configure(clientOptions({fake.url()})));
    bool called = false;
    QPointer<EtcdDiscovery> d =
        client.discover(this, [&](const EtcdResult<EtcdClient::ClusterInfo> &) { called = true; });
    QTRY_COMPARE(fake.requests().size(), 4);
    QSignalSpy finished(d.data(), &EtcdDiscovery::finished);
    d->cancel();
    QCOMPARE(finished.count(), 1);
    QTRY_VERIFY(d.isNull());
    // Its calls are cancelled with it.
    QTRY_VERIFY(client.transport()->findChildren<EtcdCall *>().isEmpty());
    QVERIFY(!called);
}

void TestFaults::configureCancelsDiscovery()
{
    FakeServer fake;
    QVERIFY(fake.listen());
    fake.setHandler(FakeServer::stall());
    EtcdClient client;
    QVERIFY(!client.configure(clientOptions({fake.url()})));
    bool called = false;
    QPointer<EtcdDiscovery> d =
        client.discover(this, [&](const EtcdResult<EtcdClient::ClusterInfo> &) { called = true; });
    QTRY_COMPARE(fake.requests().size(), 1);
    QVERIFY(!client.configure(clientOptions({deadEndpoint()})));
    QTRY_VERIFY(d.isNull());
    QTRY_VERIFY(client.transport()->findChildren<EtcdCall *>().isEmpty());
    QVERIFY(!called);
}

void TestFaults::clientDeletedInsideCallback()
{
    // A window that drops its connection when discovery fails must not crash.
    QPointer<EtcdClient> client = new EtcdClient;
    QVERIFY(!client->configure(clientOptions({deadEndpoint()})));
    bool called = false;
    client->discover(this, [&](const EtcdResult<EtcdClient::ClusterInfo> &r) {
        called = true;
        QCOMPARE(r.error.kind(), EtcdError::Kind::Network);
        delete client.data();
    });
    QTRY_VERIFY(called);
    QVERIFY(client.isNull());
}

void TestFaults::streamErrorAnswerDecoded_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<EtcdError::Condition>("condition");
    QTest::addColumn<int>("code");
    auto body = [](int code, const char *message) {
        return QByteArray(R"({"error":")") + message + R"(","code":)" + QByteArray::number(code) +
               R"(,"message":")" + message + R"("})";
    };
    QTest::newRow("401 no user") << 401 << body(16, "etcdserver: user name is empty")
                                 << EtcdError::Condition::Unauthorized << 16;
    QTest::newRow("403 permission") << 403 << body(7, "etcdserver: permission denied")
                                    << EtcdError::Condition::PermissionDenied << 7;
    QTest::newRow("500 unknown") << 500 << body(2, "etcdserver: request timed out")
                                 << EtcdError::Condition::Other << 2;
}

void TestFaults::streamErrorAnswerDecoded()
{
    // A stream refused with an error answer: the body is etcd's error, not a stream chunk, and
    // reaches the callback whole to be decoded like any answer.
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(EtcdError::Condition, condition);
    QFETCH(int, code);
    FakeServer fake;
    QVERIFY(fake.listen());
    fake.setHandler(FakeServer::answer(status, body));
    EtcdClient client;
    QVERIFY(!client.configure(clientOptions({fake.url()})));
    bool called = false;
    EtcdHttpResponse response;
    EtcdError error;
    QPointer<EtcdCall> call =
        client.v3()->postStream("/watch", "{}", QStringLiteral("v3 watch"), this,
                                [&](const EtcdHttpResponse &r, const EtcdError &e) {
                                    called = true;
                                    response = r;
                                    error = e;
                                });
    QByteArray streamed;
    connect(call, &EtcdCall::dataArrived, this, [&](const QByteArray &c) { streamed += c; });
    QTRY_VERIFY(called);
    QCOMPARE(error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(error.condition(), condition);
    QCOMPARE(error.code(), code);
    QCOMPARE(error.httpStatus(), status);
    QCOMPARE(error.endpoint(), fake.url());
    QVERIFY2(error.message().startsWith(QLatin1String("etcdserver: ")),
             qPrintable(error.toString()));
    QVERIFY(streamed.isEmpty());
    QCOMPARE(response.body, body);
    QCOMPARE(fake.requests().size(), 1);
}

void TestFaults::streamRenewsTokenOnErrorAnswer()
{
    // A stream refused with "invalid auth token" (an error answer, as for any call): the client
    // renews the token once and opens the stream again with it.
    FakeServer fake;
    QVERIFY(fake.listen());
    QList<QByteArray> watchTokens;
    fake.setHandler([&](QTcpSocket *socket, const FakeServer::Request &r) {
        if (r.target == "/v3/auth/authenticate") {
            socket->write(
                FakeServer::response(200, R"({"header":{"revision":"3"},"token":"fresh.2"})"));
            socket->disconnectFromHost();
            return;
        }
        watchTokens << r.header("authorization");
        if (r.header("authorization") != "fresh.2") {
            socket->write(
                FakeServer::response(401, R"({"error":"etcdserver: invalid auth token","code":16,)"
                                          R"("message":"etcdserver: invalid auth token"})"));
            socket->disconnectFromHost();
            return;
        }
        const QByteArray line = R"({"result":{"header":{"revision":"3"},"created":true}})"
                                "\n";
        socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n" +
                      QByteArray::number(line.size(), 16) + "\r\n" + line + "\r\n");
    });
    EtcdClient::Options options = clientOptions({fake.url()});
    options.user = QStringLiteral("root");
    options.password = QStringLiteral("pw");
    EtcdClient client;
    QVERIFY(!client.configure(options));
    client.transport()->setToken("stale.1");
    bool called = false;
    QPointer<EtcdCall> call = client.v3()->postStream(
        "/watch", "{}", QStringLiteral("v3 watch"), this,
        [&](const EtcdHttpResponse &, const EtcdError &) { called = true; });
    QByteArray streamed;
    connect(call, &EtcdCall::dataArrived, this, [&](const QByteArray &c) { streamed += c; });
    QTRY_VERIFY(streamed.contains("\"created\":true"));
    QCOMPARE(watchTokens, (QList<QByteArray>{"stale.1", "fresh.2"}));
    QCOMPARE(client.v3()->authenticationCount(), 1);
    QCOMPARE(client.transport()->token(), QByteArray("fresh.2"));
    QVERIFY(!called);
    call->cancel();
}

void TestFaults::renewTokenShared()
{
    // renewToken(): one authenticate for every caller; it goes on when the caller that started
    // it goes away; nothing is sent when the refused token was renewed since; a client destroyed
    // meanwhile calls nobody back.
    FakeServer fake;
    QVERIFY(fake.listen());
    QList<QPointer<QTcpSocket>> authentications;
    fake.setHandler([&](QTcpSocket *socket, const FakeServer::Request &r) {
        if (r.target == "/v3/auth/authenticate")
            authentications << socket; // answered when the test says so
    });
    EtcdClient::Options options = clientOptions({fake.url()});
    options.user = QStringLiteral("root");
    options.password = QStringLiteral("pw");
    QPointer<EtcdClient> client = new EtcdClient;
    QVERIFY(!client->configure(options));
    client->transport()->setToken("stale.1");

    auto first = std::make_unique<QObject>();
    int firstCalled = 0;
    QList<EtcdError> answers;
    const std::function<void(const EtcdError &)> record = [&](const EtcdError &e) {
        answers << e;
    };
    const std::function<void(const EtcdError &)> countFirst = [&](const EtcdError &) {
        ++firstCalled;
    };
    client->v3()->renewToken(first.get(), countFirst, "stale.1");
    client->v3()->renewToken(this, record, "stale.1");
    client->v3()->renewToken(this, record);
    QVERIFY(answers.isEmpty()); // never inside renewToken()
    QTRY_COMPARE(authentications.size(), 1);
    first.reset();
    QVERIFY(!QTest::qWaitFor([&] { return fake.requests().size() > 1; }, 200));
    QCOMPARE(client->v3()->authenticationCount(), 1);
    authentications[0]->write(
        FakeServer::response(200, R"({"header":{"revision":"3"},"token":"fresh.2"})"));
    authentications[0]->disconnectFromHost();
    QTRY_COMPARE(answers.size(), 2);
    QVERIFY(!answers[0] && !answers[1]);
    QCOMPARE(firstCalled, 0);
    QCOMPARE(client->transport()->token(), QByteArray("fresh.2"));

    // Refused with the old token, renewed since: nothing to send.
    client->v3()->renewToken(this, record, "stale.1");
    QTRY_COMPARE(answers.size(), 3);
    QVERIFY(!answers[2]);
    QCOMPARE(fake.requests().size(), 1);
    QCOMPARE(client->v3()->authenticationCount(), 1);

    // Refused with the current token: renewed again; the client goes away meanwhile.
    client->v3()->renewToken(this, record, "fresh.2");
    QTRY_COMPARE(authentications.size(), 2);
    QCOMPARE(client->v3()->authenticationCount(), 2);
    delete client.data();
    QVERIFY(!QTest::qWaitFor([&] { return answers.size() > 3; }, 200));
}

QTEST_MAIN(TestFaults)
#include "tst_faults.moc"
