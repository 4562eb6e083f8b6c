// EtcdV2Client without etcd: the decoding of every kind of answer (bodies fed directly), and the
// requests it puts on the wire (method, path, query, form body, headers) seen by a fake server.
#include "etcdtesting.h"
#include "etcdtransport.h"
#include "etcdv2client.h"
#include "etcdv2json.h"
#include "fakeserver.h"

#include <QTest>

using KeysResult = EtcdResult<EtcdV2Response>;
using Cond = EtcdError::Condition;

Q_DECLARE_METATYPE(EtcdError::Kind)
Q_DECLARE_METATYPE(EtcdError::Condition)

class TestV2Json : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void decode_data();
    void decode();
    void decodeNodeTree();
    void decodeMembersAndStats();
    void parseTime_data();
    void parseTime();
    void keyPath_data();
    void keyPath();
    void requests_data();
    void requests();
    void protocolErrors_data();
    void protocolErrors();
};

void TestV2Json::decode_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("wait");
    QTest::addColumn<EtcdError::Kind>("kind");
    QTest::addColumn<EtcdError::Condition>("condition");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("action");

    using K = EtcdError::Kind;
    auto err = [](int code) {
        return QByteArray(R"({"errorCode":)") + QByteArray::number(code) +
               R"(,"message":"m","cause":"/c","index":7})";
    };
    QTest::newRow("set") << 201
                         << QByteArray(R"({"action":"set","node":{"key":"/a","value":"1",)"
                                       R"("modifiedIndex":4,"createdIndex":4}})")
                         << false << K::None << Cond::None << 0 << "set";
    QTest::newRow("wait ended empty")
        << 200 << QByteArray() << true << K::None << Cond::None << 0 << "";
    QTest::newRow("empty body, not a wait")
        << 200 << QByteArray() << false << K::Protocol << Cond::Other << 0 << "";
    QTest::newRow("truncated") << 200 << QByteArray(R"({"action":"get","node":{"key":"/a","va)")
                               << false << K::Protocol << Cond::Other << 0 << "";
    QTest::newRow("malformed") << 200 << QByteArray("{action:get}") << false << K::Protocol
                               << Cond::Other << 0 << "";
    QTest::newRow("array") << 200 << QByteArray("[1,2]") << false << K::Protocol << Cond::Other << 0
                           << "";
    QTest::newRow("no node") << 200 << QByteArray(R"({"action":"get"})") << false << K::Protocol
                             << Cond::Other << 0 << "";
    QTest::newRow("nodes not an array")
        << 200 << QByteArray(R"({"action":"get","node":{"key":"/d","dir":true,"nodes":5}})")
        << false << K::Protocol << Cond::Other << 0 << "";
    QTest::newRow("child not an object")
        << 200 << QByteArray(R"({"action":"get","node":{"key":"/d","dir":true,"nodes":[1]}})")
        << false << K::Protocol << Cond::Other << 0 << "";
    QTest::newRow("key not a string") << 200 << QByteArray(R"({"action":"get","node":{"key":[]}})")
                                      << false << K::Protocol << Cond::Other << 0 << "";
    QTest::newRow("100") << 404 << err(100) << false << K::Etcd << Cond::KeyNotFound << 100 << "";
    QTest::newRow("101") << 412 << err(101) << false << K::Etcd << Cond::CompareFailed << 101 << "";
    QTest::newRow("102") << 403 << err(102) << false << K::Etcd << Cond::NotAFile << 102 << "";
    QTest::newRow("104") << 400 << err(104) << false << K::Etcd << Cond::NotADirectory << 104 << "";
    QTest::newRow("105") << 412 << err(105) << false << K::Etcd << Cond::KeyExists << 105 << "";
    QTest::newRow("107") << 400 << err(107) << false << K::Etcd << Cond::RootReadOnly << 107 << "";
    QTest::newRow("108") << 403 << err(108) << false << K::Etcd << Cond::DirectoryNotEmpty << 108
                         << "";
    QTest::newRow("110") << 401 << err(110) << false << K::Etcd << Cond::Unauthorized << 110 << "";
    QTest::newRow("202") << 400 << err(202) << false << K::Etcd << Cond::InvalidField << 202 << "";
    QTest::newRow("211") << 400 << err(211) << false << K::Etcd << Cond::InvalidField << 211 << "";
    QTest::newRow("300") << 500 << err(300) << false << K::Etcd << Cond::Unavailable << 300 << "";
    QTest::newRow("301") << 500 << err(301) << false << K::Etcd << Cond::Unavailable << 301 << "";
    QTest::newRow("400") << 400 << err(400) << false << K::Etcd << Cond::WatcherCleared << 400
                         << "";
    QTest::newRow("401") << 400 << err(401) << false << K::Etcd << Cond::EventIndexCleared << 401
                         << "";
    QTest::newRow("unknown code") << 400 << err(999) << false << K::Etcd << Cond::Other << 999
                                  << "";
    QTest::newRow("404 page not found") << 404 << QByteArray("404 page not found\n") << false
                                        << K::Http << Cond::ApiNotAvailable << 0 << "";
    QTest::newRow("html 500") << 500 << QByteArray("<html><body>oops</body></html>") << false
                              << K::Http << Cond::Other << 0 << "";
    QTest::newRow("message only") << 403 << QByteArray(R"({"message":"not current leader"})")
                                  << false << K::Etcd << Cond::NotLeader << 0 << "";
    QTest::newRow("json without message")
        << 500 << QByteArray(R"({"x":1})") << false << K::Http << Cond::Other << 0 << "";
}

void TestV2Json::decode()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(bool, wait);
    QFETCH(EtcdError::Kind, kind);
    QFETCH(EtcdError::Condition, condition);
    QFETCH(int, code);
    QFETCH(QString, action);

    EtcdHttpResponse response;
    response.status = status;
    response.body = body;
    response.endpoint = QStringLiteral("http://127.0.0.1:1");
    response.headers.insert("x-etcd-index", "12");
    response.headers.insert("x-raft-index", "34");
    response.headers.insert("x-raft-term", "5");
    response.headers.insert("x-etcd-cluster-id", "cdf818194e3a8c32");
    const KeysResult r = EtcdV2Json::decodeKeysResponse(response, wait);
    QCOMPARE(r.error.kind(), kind);
    QCOMPARE(r.error.condition(), condition);
    QCOMPARE(r.error.code(), code);
    if (r.ok()) {
        QCOMPARE(r.value.action, action);
        QCOMPARE(r.value.etcdIndex, 12);
        QCOMPARE(r.value.raftIndex, 34);
        QCOMPARE(r.value.raftTerm, 5);
        QCOMPARE(r.value.clusterId, QByteArray("cdf818194e3a8c32"));
        QCOMPARE(r.value.httpStatus, status);
    } else {
        QCOMPARE(r.error.httpStatus(), status);
        QCOMPARE(r.error.endpoint(), response.endpoint);
        QVERIFY(!r.error.message().isEmpty());
    }
    if (kind == EtcdError::Kind::Etcd && code) {
        QCOMPARE(r.error.cause(), QStringLiteral("/c"));
        QCOMPARE(r.error.index(), 7);
        QCOMPARE(r.error.message(), QStringLiteral("m"));
    }
}

void TestV2Json::decodeNodeTree()
{
    EtcdHttpResponse response;
    response.status = 200;
    response.body = R"({"action":"get","node":{"key":"/d","dir":true,"nodes":[
        {"key":"/d/a","value":"x\u00e9","expiration":"2026-01-02T03:04:05.123456789+01:00",
         "ttl":99,"modifiedIndex":9,"createdIndex":8},
        {"key":"/d/s","dir":true,"nodes":[{"key":"/d/s/b","value":"","modifiedIndex":3,
         "createdIndex":3}],"modifiedIndex":2,"createdIndex":2}],
        "modifiedIndex":1,"createdIndex":1},
        "prevNode":{"key":"/d","dir":true,"modifiedIndex":1,"createdIndex":1}})";
    const KeysResult r = EtcdV2Json::decodeKeysResponse(response);
    VERIFY_OK(r);
    const EtcdV2Node &d = r.value.node;
    QCOMPARE(d.key, QByteArray("/d"));
    QVERIFY(d.dir);
    QVERIFY(!d.ttl);
    QVERIFY(!d.expiration.isValid());
    QCOMPARE(d.nodes.size(), std::size_t(2));
    const EtcdV2Node &a = d.nodes[0];
    QCOMPARE(a.value, QByteArray("x\xc3\xa9"));
    QCOMPARE(a.ttl, std::optional<qint64>(99));
    QCOMPARE(a.createdIndex, 8);
    QCOMPARE(a.modifiedIndex, 9);
    QCOMPARE(a.expiration, QDateTime(QDate(2026, 1, 2), QTime(2, 4, 5, 123), Qt::UTC));
    QCOMPARE(a.expiration.timeSpec(), Qt::UTC);
    QCOMPARE(d.nodes[1].nodes.size(), std::size_t(1));
    QCOMPARE(d.nodes[1].nodes[0].key, QByteArray("/d/s/b"));
    QVERIFY(r.value.prevNode);
    QCOMPARE(r.value.prevNode->key, QByteArray("/d"));
}

void TestV2Json::keyPath_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QByteArray>("path");
    QTest::newRow("root") << QByteArray("/") << QByteArray("/v2/keys/");
    QTest::newRow("empty") << QByteArray() << QByteArray("/v2/keys/");
    QTest::newRow("plain") << QByteArray("/a/b") << QByteArray("/v2/keys/a/b");
    QTest::newRow("no slash") << QByteArray("a") << QByteArray("/v2/keys/a");
    QTest::newRow("trailing and double") << QByteArray("//a//b/") << QByteArray("/v2/keys/a/b");
    QTest::newRow("awkward") << QByteArray("/a b/%/?/#/+/~-._")
                             << QByteArray("/v2/keys/a%20b/%25/%3F/%23/%2B/~-._");
    QTest::newRow("utf8") << QByteArray("/\xc3\xa9") << QByteArray("/v2/keys/%C3%A9");
}

void TestV2Json::keyPath()
{
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, path);
    QCOMPARE(EtcdV2Client::keyPath(key), path);
}

void TestV2Json::decodeMembersAndStats()
{
    EtcdHttpResponse r;
    r.status = 200;
    r.body = R"({"members":[{"id":"8e9e05c52164694d","name":"a","peerURLs":["http://p"],
        "clientURLs":["http://c1","http://c2"]},{"id":"ff","peerURLs":["http://q"]}]})";
    const auto members = EtcdV2Json::decodeMembers(r);
    VERIFY_OK(members);
    QCOMPARE(members.value.size(), std::size_t(2));
    QCOMPARE(members.value[0].id, Q_UINT64_C(0x8e9e05c52164694d));
    QCOMPARE(members.value[0].clientURLs, QStringList({"http://c1", "http://c2"}));
    QCOMPARE(members.value[1].id, quint64(255));
    QVERIFY(members.value[1].name.isEmpty());
    QVERIFY(members.value[1].clientURLs.isEmpty());

    r.body = R"({"members":[{"name":"no id"}]})";
    QCOMPARE(EtcdV2Json::decodeMembers(r).error.kind(), EtcdError::Kind::Protocol);
    r.body = R"({"members":)";
    QCOMPARE(EtcdV2Json::decodeMembers(r).error.kind(), EtcdError::Kind::Protocol);

    r.body = R"({"leader":"a","followers":{"c":{"latency":{"current":1.5,"average":2,
        "standardDeviation":0.5,"minimum":0.1,"maximum":9},"counts":{"fail":1,"success":20}},
        "b":{"latency":{},"counts":{}}}})";
    const auto leader = EtcdV2Json::decodeLeaderStats(r);
    VERIFY_OK(leader);
    QCOMPARE(leader.value.leaderId, quint64(0xa));
    QCOMPARE(leader.value.followers.size(), std::size_t(2));
    QCOMPARE(leader.value.followers[0].id, quint64(0xb)); // sorted by id
    QCOMPARE(leader.value.followers[1].successCount, 20);
    QCOMPARE(leader.value.followers[1].failCount, 1);
    QCOMPARE(leader.value.followers[1].latencyCurrent, 1.5);
    QCOMPARE(leader.value.followers[1].latencyMaximum, 9.0);

    r.status = 403;
    r.body = R"({"message":"not current leader"})";
    const auto follower = EtcdV2Json::decodeLeaderStats(r);
    QCOMPARE(follower.error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(follower.error.httpStatus(), 403);
    QCOMPARE(follower.error.message(), QStringLiteral("not current leader"));

    r.status = 404;
    r.body = R"({"message":"No such member: 1234"})";
    QVERIFY(EtcdV2Json::decodeNothing(r, true).error.is(Cond::MemberNotFound));
    r.body = "404 page not found\n";
    QVERIFY(EtcdV2Json::decodeNothing(r, true).error.is(Cond::ApiNotAvailable));
    r.status = 204;
    r.body.clear();
    VERIFY_OK(EtcdV2Json::decodeNothing(r, true));

    QCOMPARE(EtcdV2Json::hexId(Q_UINT64_C(0x8e9e05c52164694d)), QStringLiteral("8e9e05c52164694d"));
    QCOMPARE(EtcdV2Json::parseHexId(QStringLiteral("not hex")), quint64(0));
}

void TestV2Json::parseTime_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QDateTime>("expected");
    const QDateTime t(QDate(2026, 11, 25), QTime(7, 10, 6, 366), Qt::UTC);
    QTest::newRow("nanoseconds Z") << "2026-11-25T07:10:06.366337875Z" << t;
    QTest::newRow("milliseconds Z") << "2026-11-25T07:10:06.366Z" << t;
    QTest::newRow("offset") << "2026-11-24T23:10:06.366999999-08:00" << t;
    QTest::newRow("no fraction") << "2026-11-25T07:10:06Z" << t.addMSecs(-366);
    QTest::newRow("empty") << "" << QDateTime();
    QTest::newRow("garbage") << "yesterday" << QDateTime();
}

void TestV2Json::parseTime()
{
    QFETCH(QString, text);
    QFETCH(QDateTime, expected);
    const QDateTime parsed = EtcdV2Json::parseTime(text);
    QCOMPARE(parsed, expected);
    if (parsed.isValid())
        QCOMPARE(parsed.timeSpec(), Qt::UTC);
}

void TestV2Json::requests_data()
{
    QTest::addColumn<QString>("op");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("write");

    QTest::newRow("get") << "get" << QByteArray("GET") << QByteArray("/v2/keys/a%20b/%2B")
                         << QByteArray() << false;
    QTest::newRow("get options") << "get-options" << QByteArray("GET")
                                 << QByteArray("/v2/keys/d?recursive=true&sorted=true&quorum=true")
                                 << QByteArray() << false;
    QTest::newRow("wait") << "wait" << QByteArray("GET")
                          << QByteArray("/v2/keys/d?wait=true&recursive=true&waitIndex=42")
                          << QByteArray() << false;
    QTest::newRow("set everything")
        << "set" << QByteArray("PUT") << QByteArray("/v2/keys/a")
        << QByteArray("value=x%2By%20z%26%3D%25&ttl=5&prevExist=true&prevValue=o%26ld&prevIndex=3")
        << true;
    QTest::newRow("create") << "create" << QByteArray("PUT") << QByteArray("/v2/keys/a")
                            << QByteArray("value=v&prevExist=false") << true;
    QTest::newRow("update") << "update" << QByteArray("PUT") << QByteArray("/v2/keys/a")
                            << QByteArray("value=v&ttl=7&prevExist=true") << true;
    QTest::newRow("refresh") << "refresh" << QByteArray("PUT") << QByteArray("/v2/keys/a")
                             << QByteArray("ttl=9&refresh=true&prevExist=true") << true;
    QTest::newRow("remove ttl") << "removeTtl" << QByteArray("PUT") << QByteArray("/v2/keys/a")
                                << QByteArray("value=v&ttl=&prevExist=true") << true;
    QTest::newRow("create dir") << "createDir" << QByteArray("PUT") << QByteArray("/v2/keys/d")
                                << QByteArray("ttl=5&dir=true") << true;
    QTest::newRow("dir ttl off") << "updateDirTtl" << QByteArray("PUT") << QByteArray("/v2/keys/d")
                                 << QByteArray("ttl=&dir=true&prevExist=true") << true;
    QTest::newRow("in order") << "createInOrder" << QByteArray("POST") << QByteArray("/v2/keys/q")
                              << QByteArray("value=j&ttl=5") << true;
    QTest::newRow("delete everything")
        << "remove" << QByteArray("DELETE")
        << QByteArray("/v2/keys/a?dir=true&recursive=true&prevValue=v%20w&prevIndex=3")
        << QByteArray() << true;
    QTest::newRow("member list") << "listMembers" << QByteArray("GET") << QByteArray("/v2/members")
                                 << QByteArray() << false;
    QTest::newRow("member add") << "addMember" << QByteArray("POST") << QByteArray("/v2/members")
                                << QByteArray(R"({"peerURLs":["http://h:1","http://h:2"]})")
                                << true;
    QTest::newRow("member remove")
        << "removeMember" << QByteArray("DELETE") << QByteArray("/v2/members/8e9e05c52164694d")
        << QByteArray() << true;
    QTest::newRow("member update")
        << "updateMember" << QByteArray("PUT") << QByteArray("/v2/members/8e9e05c52164694d")
        << QByteArray(R"({"peerURLs":["http://h:3"]})") << true;
    QTest::newRow("stats self") << "selfStats" << QByteArray("GET") << QByteArray("/v2/stats/self")
                                << QByteArray() << false;
    QTest::newRow("stats leader") << "leaderStats" << QByteArray("GET")
                                  << QByteArray("/v2/stats/leader") << QByteArray() << false;
    QTest::newRow("stats store") << "storeStats" << QByteArray("GET")
                                 << QByteArray("/v2/stats/store") << QByteArray() << false;
}

void TestV2Json::requests()
{
    QFETCH(QString, op);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, body);
    QFETCH(bool, write);

    FakeServer fake;
    QVERIFY(fake.listen());
    fake.setHandler(FakeServer::answer(200, R"({"action":"get","node":{"key":"/a"}})"));
    EtcdTransport transport;
    transport.setEndpoints({fake.url()});
    transport.setCredentials(QStringLiteral("user"), QStringLiteral("pa:ss"));
    EtcdV2Client client(&transport);
    const quint64 id = Q_UINT64_C(0x8e9e05c52164694d);

    auto start = [&](auto done) -> EtcdCall * {
        auto keys = [done](const KeysResult &r) {
            done(r.error);
        };
        auto other = [done](const auto &r) {
            done(r.error);
        };
        if (op == QLatin1String("get"))
            return client.get("/a b/+", {}, this, keys);
        if (op == QLatin1String("get-options"))
            return client.get("/d", {true, true, true}, this, keys);
        if (op == QLatin1String("wait")) {
            EtcdCall *call = client.wait("/d", {true, 42}, this, keys);
            return call;
        }
        if (op == QLatin1String("set")) {
            EtcdV2SetOptions o;
            o.ttl = 5;
            o.prevExist = true;
            o.prevValue = QByteArray("o&ld");
            o.prevIndex = 3;
            return client.set("a", "x+y z&=%", o, this, keys);
        }
        if (op == QLatin1String("create"))
            return client.create("/a", "v", std::nullopt, this, keys);
        if (op == QLatin1String("update"))
            return client.update("/a", "v", 7, this, keys);
        if (op == QLatin1String("refresh"))
            return client.refresh("/a", 9, this, keys);
        if (op == QLatin1String("removeTtl"))
            return client.removeTtl("/a", "v", this, keys);
        if (op == QLatin1String("createDir"))
            return client.createDir("/d", 5, this, keys);
        if (op == QLatin1String("updateDirTtl"))
            return client.updateDirTtl("/d", std::nullopt, this, keys);
        if (op == QLatin1String("createInOrder"))
            return client.createInOrder("/q", "j", 5, this, keys);
        if (op == QLatin1String("remove")) {
            EtcdV2DeleteOptions o;
            o.dir = o.recursive = true;
            o.prevValue = QByteArray("v w");
            o.prevIndex = 3;
            return client.remove("/a", o, this, keys);
        }
        if (op == QLatin1String("listMembers"))
            return client.listMembers(this, other);
        if (op == QLatin1String("addMember"))
            return client.addMember({"http://h:1", "http://h:2"}, this, other);
        if (op == QLatin1String("removeMember"))
            return client.removeMember(id, this, other);
        if (op == QLatin1String("updateMember"))
            return client.updateMember(id, {"http://h:3"}, this, other);
        if (op == QLatin1String("selfStats"))
            return client.selfStats(this, other);
        if (op == QLatin1String("leaderStats"))
            return client.leaderStats(this, other);
        if (op == QLatin1String("storeStats"))
            return client.storeStats(this, other);
        return nullptr;
    };
    auto run = [&] {
        return await<EtcdNothing>([&](auto cb) {
            return start([cb](const EtcdError &e) { cb({{}, e}); });
        });
    };

    run();
    QCOMPARE(fake.requests().size(), 1);
    const FakeServer::Request request = fake.requests().at(0);
    QCOMPARE(request.method, method);
    QCOMPARE(request.target, target);
    // A write without a body carries one ignored byte so that Qt cannot resend it (transport).
    QCOMPARE(request.body, body.isEmpty() && method == "DELETE" ? QByteArray("\n") : body);
    if (!body.isEmpty()) {
        QCOMPARE(request.header("content-type"),
                 body.startsWith('{') ? QByteArray("application/json")
                                      : QByteArray("application/x-www-form-urlencoded"));
    }
    QCOMPARE(request.header("authorization"), "Basic " + QByteArray("user:pa:ss").toBase64());

    // Reads and writes are told apart: a read-only connection sends only the reads.
    transport.setReadOnly(true);
    const EtcdResult<EtcdNothing> r = run();
    QCOMPARE(fake.requests().size(), write ? 1 : 2);
    if (write)
        QCOMPARE(r.error.kind(), EtcdError::Kind::ReadOnly);
}

void TestV2Json::protocolErrors_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<EtcdError::Kind>("kind");
    QTest::newRow("malformed JSON") << 200 << QByteArray(R"({"action":"get","node":{"key":"/a",)")
                                    << QByteArray("application/json") << EtcdError::Kind::Protocol;
    QTest::newRow("not JSON") << 200 << QByteArray("hello") << QByteArray("text/plain")
                              << EtcdError::Kind::Protocol;
    QTest::newRow("HTML 500") << 500 << QByteArray("<html><h1>Internal error</h1></html>")
                              << QByteArray("text/html") << EtcdError::Kind::Http;
}

void TestV2Json::protocolErrors()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, contentType);
    QFETCH(EtcdError::Kind, kind);

    FakeServer fake;
    QVERIFY(fake.listen());
    fake.setHandler(FakeServer::answer(status, body, contentType));
    EtcdTransport transport;
    transport.setEndpoints({fake.url()});
    EtcdV2Client client(&transport);
    KeysResult r = await<EtcdV2Response>([&](auto cb) { return client.get("/a b", {}, this, cb); });
    QCOMPARE(r.error.kind(), kind);
    QCOMPARE(r.error.httpStatus(), status);
    QCOMPARE(r.error.endpoint(), fake.url());
    QCOMPARE(fake.requests().size(), 1);
    QCOMPARE(fake.requests().at(0).target, QByteArray("/v2/keys/a%20b"));
}

QTEST_GUILESS_MAIN(TestV2Json)
#include "tst_v2json.moc"
