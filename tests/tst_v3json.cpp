// The v3 gateway's JSON without an etcd: request encoding, answer decoding (every field optional,
// 64-bit integers as strings, base64 bytes), error bodies, and that no input crashes a decoder.
#include "etcdv3client.h"
#include "etcdv3json.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

#include <functional>

Q_DECLARE_METATYPE(EtcdError::Kind)
Q_DECLARE_METATYPE(EtcdError::Condition)

namespace {

// Every decoder behind one signature, so garbage can be fed to all of them.
using AnyDecoder = std::function<EtcdError(const QByteArray &)>;

template<typename T> AnyDecoder wrap(EtcdError (*decode)(const QByteArray &, T *))
{
    return [decode](const QByteArray &body) {
        T value;
        return decode(body, &value);
    };
}

QList<QPair<const char *, AnyDecoder>> allDecoders()
{
    using namespace EtcdV3Json;
    return {
        {"range", wrap(decodeRange)},
        {"put", wrap(decodePut)},
        {"deleterange", wrap(decodeDeleteRange)},
        {"txn", wrap(decodeTxn)},
        {"header", wrap(decodeHeaderOnly)},
        {"leasegrant", wrap(decodeLeaseGrant)},
        {"timetolive", wrap(decodeLeaseTimeToLive)},
        {"leases", wrap(decodeLeaseList)},
        {"keepalive", wrap(decodeLeaseKeepAlive)},
        {"memberlist", wrap(decodeMemberList)},
        {"memberadd", wrap(decodeMemberAdd)},
        {"status", wrap(decodeStatus)},
        {"alarm", wrap(decodeAlarm)},
        {"authenticate", wrap(decodeAuthenticate)},
    };
}

const QByteArray kHeader = R"("header":{"cluster_id":"14841639068965178418",)"
                           R"("member_id":"10276657743932975437","revision":"42","raft_term":"3"})";

QJsonObject parse(const QByteArray &json)
{
    return QJsonDocument::fromJson(json).object();
}

} // namespace

class TestV3Json : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void rangeAnswer_data();
    void rangeAnswer();
    void headerKeepsFullUInt64();
    void txnAnswer();
    void otherAnswers();
    void keepAliveAnswer();
    void wrongTypesAreProtocolErrors_data();
    void wrongTypesAreProtocolErrors();
    void garbageNeverCrashes_data();
    void garbageNeverCrashes();
    void truncationsAndFlipsNeverCrash();
    void errorBodies_data();
    void errorBodies();
    void integers_data();
    void integers();
    void prefixRangeEnd_data();
    void prefixRangeEnd();
    void encodeRange();
    void encodePutAndDelete();
    void encodeTxn();
    void encodeOthers();
};

void TestV3Json::rangeAnswer_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("kvs");
    QTest::addColumn<QByteArray>("firstKey");
    QTest::addColumn<QByteArray>("firstValue");
    QTest::addColumn<qint64>("firstMod");
    QTest::addColumn<bool>("more");
    QTest::addColumn<qint64>("count");
    QTest::addColumn<qint64>("revision");
    QTest::addColumn<bool>("fast"); // decodeRangeFast takes it (else decodeRange falls back)

    QTest::newRow("as etcd 3.4 writes it")
        << ("{" + kHeader +
            R"(,"kvs":[{"key":"YQ==","create_revision":"2","mod_revision":"5","version":"3",)"
            R"("value":"MQ==","lease":"7587869062932411916"},{"key":"Yg==","create_revision":"6",)"
            R"("mod_revision":"6","version":"1"}],"more":true,"count":"9"})")
        << 2 << QByteArray("a") << QByteArray("1") << qint64(5) << true << qint64(9) << qint64(42)
        << true;
    QTest::newRow("empty range: only a header")
        << ("{" + kHeader + "}") << 0 << QByteArray() << QByteArray() << qint64(0) << false
        << qint64(0) << qint64(42) << true;
    QTest::newRow("no header at all") << QByteArray("{}") << 0 << QByteArray() << QByteArray()
                                      << qint64(0) << false << qint64(0) << qint64(0) << true;
    QTest::newRow("count only") << ("{" + kHeader + R"(,"count":"100000"})") << 0 << QByteArray()
                                << QByteArray() << qint64(0) << false << qint64(100000)
                                << qint64(42) << true;
    QTest::newRow("numbers as JSON numbers, camelCase names")
        << QByteArray(R"({"header":{"revision":7},"kvs":[{"key":"AP8=","modRevision":4}],)"
                      R"("count":1})")
        << 1 << QByteArray("\x00\xff", 2) << QByteArray() << qint64(4) << false << qint64(1)
        << qint64(7) << false;
    QTest::newRow("unknown fields are ignored")
        << QByteArray(R"({"future":[1,2,{"x":null}],"kvs":[{"key":"YQ==","new":true}]})") << 1
        << QByteArray("a") << QByteArray() << qint64(0) << false << qint64(0) << qint64(0) << false;
    QTest::newRow("null fields count as absent")
        << QByteArray(R"({"header":null,"kvs":null,"more":null,"count":null})") << 0 << QByteArray()
        << QByteArray() << qint64(0) << false << qint64(0) << qint64(0) << false;
}

void TestV3Json::rangeAnswer()
{
    QFETCH(int, kvs);
    QFETCH(QByteArray, firstKey);
    QFETCH(QByteArray, firstValue);
    QFETCH(qint64, firstMod);
    QFETCH(bool, more);
    QFETCH(qint64, count);
    QFETCH(qint64, revision);
    QFETCH(QByteArray, body);
    EtcdV3RangeResult r;
    const EtcdError e = EtcdV3Json::decodeRange(body, &r);
    QVERIFY2(!e, qPrintable(e.toString()));
    QCOMPARE(r.kvs.size(), kvs);
    if (!r.kvs.isEmpty()) {
        QCOMPARE(r.kvs.first().key, firstKey);
        QCOMPARE(r.kvs.first().value, firstValue);
        QCOMPARE(r.kvs.first().modRevision, firstMod);
    }
    QCOMPARE(r.more, more);
    QCOMPARE(r.count, count);
    QCOMPARE(r.header.revision, revision);

    // The simdjson fast path takes the answer as etcd writes it, and then reads it the same.
    QFETCH(bool, fast);
    EtcdV3RangeResult f;
    QCOMPARE(EtcdV3Json::decodeRangeFast(body, &f), fast);
    if (!fast)
        return;
    QCOMPARE(f.kvs.size(), r.kvs.size());
    for (qsizetype i = 0; i < f.kvs.size(); ++i) {
        QCOMPARE(f.kvs[i].key, r.kvs[i].key);
        QCOMPARE(f.kvs[i].value, r.kvs[i].value);
        QCOMPARE(f.kvs[i].createRevision, r.kvs[i].createRevision);
        QCOMPARE(f.kvs[i].modRevision, r.kvs[i].modRevision);
        QCOMPARE(f.kvs[i].version, r.kvs[i].version);
        QCOMPARE(f.kvs[i].lease, r.kvs[i].lease);
    }
    QCOMPARE(f.more, r.more);
    QCOMPARE(f.count, r.count);
    QCOMPARE(f.header.clusterId, r.header.clusterId);
    QCOMPARE(f.header.memberId, r.header.memberId);
    QCOMPARE(f.header.revision, r.header.revision);
    QCOMPARE(f.header.raftTerm, r.header.raftTerm);
}

void TestV3Json::headerKeepsFullUInt64()
{
    // Member and cluster IDs use all 64 bits: above INT64_MAX they must not be cut or rounded.
    EtcdV3RangeResult r;
    QVERIFY(!EtcdV3Json::decodeRange("{" + kHeader + "}", &r));
    QCOMPARE(r.header.clusterId, Q_UINT64_C(14841639068965178418));
    QCOMPARE(r.header.memberId, Q_UINT64_C(10276657743932975437));
    QCOMPARE(r.header.raftTerm, quint64(3));

    EtcdV3MemberListResult m;
    QVERIFY(!EtcdV3Json::decodeMemberList(
        R"({"members":[{"ID":"18446744073709551615","name":"n1","peerURLs":["http://p"],)"
        R"("clientURLs":["http://c1","http://c2"]},{"ID":"1","isLearner":true}]})",
        &m));
    QCOMPARE(m.members.size(), 2);
    QCOMPARE(m.members[0].id, std::numeric_limits<quint64>::max());
    QCOMPARE(m.members[0].clientUrls, QStringList({"http://c1", "http://c2"}));
    QVERIFY(!m.members[0].isLearner);
    QVERIFY(m.members[1].isLearner);
    QVERIFY(m.members[1].name.isEmpty());
}

void TestV3Json::txnAnswer()
{
    EtcdV3TxnResult t;
    // A failed compare: no "succeeded" at all, the failure branch's range answer.
    QVERIFY(!EtcdV3Json::decodeTxn(
        "{" + kHeader +
            R"(,"responses":[{"response_range":{"header":{"revision":"42"},"kvs":[{"key":"YQ==",)"
            R"("value":"Y3Vy","mod_revision":"40"}],"count":"1"}}]})",
        &t));
    QVERIFY(!t.succeeded);
    QCOMPARE(t.responses.size(), 1);
    QCOMPARE(t.responses[0].type, EtcdV3RequestOp::Type::Range);
    QCOMPARE(t.responses[0].range.kvs.value(0).value, QByteArray("cur"));

    QVERIFY(!EtcdV3Json::decodeTxn(
        R"({"succeeded":true,"responses":[{"response_put":{"prev_kv":{"key":"YQ==","value":"MQ=="}}},)"
        R"({"response_delete_range":{"deleted":"2"}},{"response_put":{}}]})",
        &t));
    QVERIFY(t.succeeded);
    QCOMPARE(t.responses.size(), 3);
    QCOMPARE(t.responses[0].type, EtcdV3RequestOp::Type::Put);
    QVERIFY(t.responses[0].put.prevKv.has_value());
    QCOMPARE(t.responses[0].put.prevKv->value, QByteArray("1"));
    QCOMPARE(t.responses[1].type, EtcdV3RequestOp::Type::DeleteRange);
    QCOMPARE(t.responses[1].deleteRange.deleted, qint64(2));
    QVERIFY(!t.responses[2].put.prevKv.has_value());

    // A response of a kind this client never sends is a protocol error, not a silent gap.
    QCOMPARE(EtcdV3Json::decodeTxn(R"({"responses":[{"response_txn":{}}]})", &t).kind(),
             EtcdError::Kind::Protocol);
}

void TestV3Json::otherAnswers()
{
    EtcdV3DeleteResult d;
    QVERIFY(!EtcdV3Json::decodeDeleteRange(
        R"({"deleted":"2","prev_kvs":[{"key":"YQ=="},{"key":"Yg==","value":"eA=="}]})", &d));
    QCOMPARE(d.deleted, qint64(2));
    QCOMPARE(d.prevKvs.size(), 2);
    QCOMPARE(d.prevKvs[1].value, QByteArray("x"));

    EtcdV3LeaseTimeToLiveResult ttl;
    QVERIFY(!EtcdV3Json::decodeLeaseTimeToLive(
        R"({"ID":"7587869062932411916","TTL":"-1","keys":["YQ==","AP8="]})", &ttl));
    QCOMPARE(ttl.ttl, qint64(-1));
    QCOMPARE(ttl.id, quint64(7587869062932411916));
    QCOMPARE(ttl.keys, QList<QByteArray>({"a", QByteArray("\x00\xff", 2)}));

    EtcdV3LeaseListResult leases;
    QVERIFY(!EtcdV3Json::decodeLeaseList(R"({"leases":[{"ID":"1"},{"ID":"2"},{}]})", &leases));
    QCOMPARE(leases.leases, QList<quint64>({1, 2, 0}));

    EtcdV3LeaseGrantResult grant;
    QVERIFY(!EtcdV3Json::decodeLeaseGrant(R"({"ID":"5","TTL":"60"})", &grant));
    QCOMPARE(grant.ttl, qint64(60));
    QVERIFY(EtcdV3Json::decodeLeaseGrant(R"({"ID":"5","error":"lessor: full"})", &grant));

    EtcdV3Status s;
    QVERIFY(!EtcdV3Json::decodeStatus(
        "{" + kHeader +
            R"(,"version":"3.4.23","dbSize":"20480","leader":"10276657743932975437",)"
            R"("raftIndex":"7","raftTerm":"2","raftAppliedIndex":"7","dbSizeInUse":"16384",)"
            R"("errors":["a","b"]})",
        &s));
    QCOMPARE(s.version, QStringLiteral("3.4.23"));
    QCOMPARE(s.dbSize, qint64(20480));
    QCOMPARE(s.dbSizeInUse, qint64(16384));
    QCOMPARE(s.leader, s.header.memberId);
    QCOMPARE(s.errors, QStringList({"a", "b"}));
    QVERIFY(!s.isLearner);

    EtcdV3AlarmResult a;
    QVERIFY(!EtcdV3Json::decodeAlarm("{}", &a)); // etcd 3.4 answers a GET without alarms so
    QVERIFY(a.alarms.isEmpty());
    QVERIFY(!EtcdV3Json::decodeAlarm(R"({"alarms":[{"memberID":"9","alarm":"NOSPACE"},)"
                                     R"({"alarm":"CORRUPT"},{"memberID":"3"}]})",
                                     &a));
    QCOMPARE(a.alarms.size(), 3);
    QCOMPARE(a.alarms[0].alarm, EtcdV3AlarmType::NoSpace);
    QCOMPARE(a.alarms[0].memberId, quint64(9));
    QCOMPARE(a.alarms[1].alarm, EtcdV3AlarmType::Corrupt);
    QCOMPARE(a.alarms[2].alarm, EtcdV3AlarmType::None);
    QVERIFY(EtcdV3Json::decodeAlarm(R"({"alarms":[{"alarm":"SOMETHING"}]})", &a));

    EtcdV3AuthenticateResult auth;
    QVERIFY(!EtcdV3Json::decodeAuthenticate(R"({"token":"abc.17"})", &auth));
    QCOMPARE(auth.token, QByteArray("abc.17"));
    QCOMPARE(EtcdV3Json::decodeAuthenticate("{}", &auth).kind(), EtcdError::Kind::Protocol);

    EtcdV3PutResult p;
    QVERIFY(!EtcdV3Json::decodePut("{" + kHeader + "}", &p));
    QVERIFY(!p.prevKv.has_value());
}

void TestV3Json::keepAliveAnswer()
{
    EtcdV3LeaseKeepAliveResult k;
    QVERIFY(!EtcdV3Json::decodeLeaseKeepAlive(
        R"({"result":{"header":{"revision":"3"},"ID":"123","TTL":"60"}})"
        "\n",
        &k));
    QCOMPARE(k.id, quint64(123));
    QCOMPARE(k.ttl, qint64(60));
    QCOMPARE(k.header.revision, qint64(3));
    // A stream error in the body of a 200.
    const EtcdError e = EtcdV3Json::decodeLeaseKeepAlive(
        R"({"error":{"grpc_code":5,"http_code":404,"message":"etcdserver: requested lease not found"}})",
        &k);
    QCOMPARE(e.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(e.condition(), EtcdError::Condition::LeaseNotFound);
    QCOMPARE(EtcdV3Json::decodeLeaseKeepAlive("{}", &k).kind(), EtcdError::Kind::Protocol);
}

void TestV3Json::wrongTypesAreProtocolErrors_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("not JSON") << QByteArray("<html>500</html>");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("truncated") << QByteArray(R"({"kvs":[{"key":"YQ==")");
    QTest::newRow("array") << QByteArray("[]");
    QTest::newRow("string") << QByteArray(R"("x")");
    QTest::newRow("kvs is a number") << QByteArray(R"({"kvs":5})");
    QTest::newRow("kv is a string") << QByteArray(R"({"kvs":["YQ=="]})");
    QTest::newRow("key is not base64") << QByteArray(R"({"kvs":[{"key":"***"}]})");
    QTest::newRow("value is a number") << QByteArray(R"({"kvs":[{"key":"YQ==","value":12}]})");
    QTest::newRow("value has non-latin1")
        << QByteArray(R"({"kvs":[{"key":"YQ==","value":"\u4e2d\u6587"}]})");
    QTest::newRow("revision beyond int64")
        << QByteArray(R"({"kvs":[{"mod_revision":"99999999999999999999999"}]})");
    QTest::newRow("revision not a number") << QByteArray(R"({"kvs":[{"mod_revision":"12a"}]})");
    QTest::newRow("revision with spaces") << QByteArray(R"({"kvs":[{"mod_revision":" 12"}]})");
    QTest::newRow("revision fractional") << QByteArray(R"({"kvs":[{"mod_revision":1.5}]})");
    QTest::newRow("revision huge double") << QByteArray(R"({"count":1e300})");
    QTest::newRow("count is bool") << QByteArray(R"({"count":true})");
    QTest::newRow("more is a string") << QByteArray(R"({"more":"yes"})");
    QTest::newRow("header is an array") << QByteArray(R"({"header":[]})");
    QTest::newRow("member id negative") << QByteArray(R"({"header":{"member_id":"-"}})");
    QTest::newRow("cluster id over uint64")
        << QByteArray(R"({"header":{"cluster_id":"18446744073709551616"}})");
}

void TestV3Json::wrongTypesAreProtocolErrors()
{
    QFETCH(QByteArray, body);
    EtcdV3RangeResult r;
    r.count = 77; // a failed decode leaves the output alone
    const EtcdError e = EtcdV3Json::decodeRange(body, &r);
    QCOMPARE(e.kind(), EtcdError::Kind::Protocol);
    QVERIFY(!e.message().isEmpty());
    QCOMPARE(r.count, qint64(77));
    QVERIFY(!EtcdV3Json::decodeRangeFast(body, &r));
    QCOMPARE(r.count, qint64(77));
}

void TestV3Json::garbageNeverCrashes_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("null") << QByteArray("null");
    QTest::newRow("nul bytes") << QByteArray("\0\0\0{}", 5);
    QTest::newRow("binary") << QByteArray("\xff\xfe\x00\x01{\"a\":", 8);
    QTest::newRow("deep nesting") << QByteArray(5000, '[');
    QTest::newRow("deep objects") << QByteArray("{\"a\":").repeated(3000);
    QTest::newRow("every field wrong")
        << QByteArray(R"({"header":"x","kvs":{},"more":1,"count":[],"prev_kv":3,"prev_kvs":"",)"
                      R"("deleted":{},"succeeded":"no","responses":[1,[],{}],"ID":{},"TTL":[],)"
                      R"("grantedTTL":"z","keys":[1],"leases":[1],"members":[1],"member":[],)"
                      R"("version":3,"dbSize":true,"errors":[1],"alarms":[[]],"token":5,)"
                      R"("result":[],"error":7})");
    QTest::newRow("nested nulls") << QByteArray(
        R"({"result":null,"members":[null],"alarms":[null],"kvs":[null],"responses":[null]})");
    QTest::newRow("huge numbers") << QByteArray(
        R"({"header":{"revision":1e400,"cluster_id":-1e30},"ID":"-99999999999999999999",)"
        R"("TTL":"9223372036854775808","dbSize":-9.3e18})");
    QTest::newRow("bad base64 everywhere")
        << QByteArray(R"({"kvs":[{"key":"=","value":"Y"}],"keys":["%%"],"prev_kv":{"key":"@"}})");
}

void TestV3Json::garbageNeverCrashes()
{
    QFETCH(QByteArray, body);
    for (const auto &[name, decode] : allDecoders()) {
        const EtcdError e = decode(body);
        // Any outcome but a crash; failures are always protocol errors or etcd stream errors.
        if (e)
            QVERIFY2(e.kind() == EtcdError::Kind::Protocol || e.kind() == EtcdError::Kind::Etcd,
                     name);
    }
    EtcdHttpResponse response;
    response.status = 500;
    response.body = body;
    QVERIFY(EtcdV3Json::decodeError(response).isError());
}

void TestV3Json::truncationsAndFlipsNeverCrash()
{
    const QByteArray valid =
        "{" + kHeader +
        R"(,"kvs":[{"key":"YQ==","create_revision":"2","mod_revision":"5","version":"3",)"
        R"("value":"MQ=="}],"succeeded":true,"responses":[{"response_range":{"count":"1"}}],)"
        R"("members":[{"ID":"1","peerURLs":["u"]}],"result":{"TTL":"5"},"token":"t",)"
        R"("alarms":[{"alarm":"NOSPACE"}],"leases":[{"ID":"1"}],"keys":["YQ=="]})";
    const auto decoders = allDecoders();
    for (int cut = 0; cut < valid.size(); ++cut) {
        for (const auto &entry : decoders)
            entry.second(valid.left(cut));
    }
    QRandomGenerator rng(20240601); // fixed seed: a failure is reproducible
    for (int round = 0; round < 300; ++round) {
        QByteArray mutated = valid;
        for (int flips = 0; flips < 3; ++flips)
            mutated[int(rng.bounded(mutated.size()))] = char(rng.bounded(256));
        for (const auto &entry : decoders)
            entry.second(mutated);
        EtcdHttpResponse r;
        r.status = 400;
        r.body = mutated;
        EtcdV3Json::decodeError(r);
    }
}

void TestV3Json::errorBodies_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<EtcdError::Kind>("kind");
    QTest::addColumn<int>("code");
    QTest::addColumn<EtcdError::Condition>("condition");

    using K = EtcdError::Kind;
    using C = EtcdError::Condition;
    const auto etcd34 = [](int code, const char *message) {
        return QByteArray(R"({"error":")") + message + R"(","message":")" + message +
               R"(","code":)" + QByteArray::number(code) + "}";
    };
    // The answers below are those etcd 3.4.23's gateway gave (see ETCD-API.md).
    QTest::newRow("compacted") << 400
                               << etcd34(11,
                                         "etcdserver: mvcc: required revision has been compacted")
                               << K::Etcd << 11 << C::Compacted;
    QTest::newRow("future") << 400
                            << etcd34(11,
                                      "etcdserver: mvcc: required revision is a future revision")
                            << K::Etcd << 11 << C::FutureRevision;
    QTest::newRow("lease not found") << 404 << etcd34(5, "etcdserver: requested lease not found")
                                     << K::Etcd << 5 << C::LeaseNotFound;
    QTest::newRow("member not found")
        << 404 << etcd34(5, "etcdserver: member not found") << K::Etcd << 5 << C::MemberNotFound;
    QTest::newRow("invalid token")
        << 401 << etcd34(16, "etcdserver: invalid auth token") << K::Etcd << 16 << C::InvalidToken;
    QTest::newRow("no token") << 400 << etcd34(3, "etcdserver: user name is empty") << K::Etcd << 3
                              << C::Unauthorized;
    QTest::newRow("wrong password")
        << 400 << etcd34(3, "etcdserver: authentication failed, invalid user ID or password")
        << K::Etcd << 3 << C::AuthFailed;
    QTest::newRow("auth not enabled")
        << 412 << etcd34(9, "etcdserver: authentication is not enabled") << K::Etcd << 9
        << C::AuthNotEnabled;
    QTest::newRow("permission denied")
        << 403 << etcd34(7, "etcdserver: permission denied") << K::Etcd << 7 << C::PermissionDenied;
    QTest::newRow("nospace") << 429 << etcd34(8, "etcdserver: mvcc: database space exceeded")
                             << K::Etcd << 8 << C::NoSpace;
    QTest::newRow("grpc size limit")
        << 429 << etcd34(8, "grpc: received message larger than max (2097162 vs. 2097152)")
        << K::Etcd << 8 << C::RequestTooLarge;
    QTest::newRow("too large") << 400 << etcd34(3, "etcdserver: request is too large") << K::Etcd
                               << 3 << C::RequestTooLarge;
    QTest::newRow("learner") << 412
                             << etcd34(9, "etcdserver: can only promote a learner member which is "
                                          "in sync with leader")
                             << K::Etcd << 9 << C::LearnerNotReady;
    QTest::newRow("not a learner")
        << 412 << etcd34(9, "etcdserver: can only promote a learner member") << K::Etcd << 9
        << C::NotALearner;
    QTest::newRow("too many learners")
        << 412 << etcd34(9, "etcdserver: too many learner members in cluster") << K::Etcd << 9
        << C::TooManyLearners;
    QTest::newRow("peer URL exists") << 412 << etcd34(9, "etcdserver: Peer URLs already exists")
                                     << K::Etcd << 9 << C::PeerUrlExists;
    QTest::newRow("member exists") << 412 << etcd34(9, "etcdserver: member ID already exist")
                                   << K::Etcd << 9 << C::MemberExists;
    QTest::newRow("not enough started")
        << 412 << etcd34(9, "etcdserver: re-configuration failed due to not enough started members")
        << K::Etcd << 9 << C::NotEnoughStartedMembers;
    QTest::newRow("unhealthy") << 503 << etcd34(14, "etcdserver: unhealthy cluster") << K::Etcd
                               << 14 << C::ClusterUnhealthy;
    QTest::newRow("unavailable") << 503 << etcd34(14, "etcdserver: request timed out") << K::Etcd
                                 << 14 << C::Unavailable;
    QTest::newRow("bad base64") << 400 << etcd34(3, "illegal base64 data at input byte 0")
                                << K::Etcd << 3 << C::InvalidField;
    QTest::newRow("3.6 form") << 400
                              << QByteArray(R"({"code":11,"message":"etcdserver: mvcc: required )"
                                            R"(revision has been compacted","details":[]})")
                              << K::Etcd << 11 << C::Compacted;
    QTest::newRow("404 page not found")
        << 404 << QByteArray("404 page not found\n") << K::Http << 0 << C::ApiNotAvailable;
    QTest::newRow("gateway Not Found")
        << 404 << QByteArray("Not Found\n") << K::Http << 0 << C::ApiNotAvailable;
    QTest::newRow("405") << 405 << QByteArray("Method Not Allowed\n") << K::Http << 0 << C::Other;
    QTest::newRow("html 500") << 500 << QByteArray("<html><body>oops</body></html>") << K::Http << 0
                              << C::Other;
    QTest::newRow("JSON without code")
        << 500 << QByteArray(R"({"message":"x"})") << K::Http << 0 << C::Other;
    QTest::newRow("code not a number")
        << 400 << QByteArray(R"({"code":"5","message":"x"})") << K::Http << 0 << C::Other;
    QTest::newRow("absurd code") << 400 << QByteArray(R"({"code":1e300,"message":"x"})") << K::Etcd
                                 << -1 << C::Other;
}

void TestV3Json::errorBodies()
{
    QFETCH(EtcdError::Kind, kind);
    QFETCH(int, code);
    QFETCH(EtcdError::Condition, condition);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    EtcdHttpResponse r;
    r.status = status;
    r.body = body;
    r.endpoint = QStringLiteral("http://127.0.0.1:1");
    const EtcdError e = EtcdV3Json::decodeError(r);
    QCOMPARE(e.kind(), kind);
    QCOMPARE(e.code(), code);
    QCOMPARE(e.condition(), condition);
    QCOMPARE(e.httpStatus(), status);
    QCOMPARE(e.endpoint(), r.endpoint);
    QVERIFY(!e.message().isEmpty());
    if (e.is(EtcdError::Condition::RequestTooLarge)) {
        QVERIFY2(e.message().contains(QLatin1String("max-request-bytes")), qPrintable(e.message()));
        QVERIFY(!e.cause().isEmpty());
    }
}

void TestV3Json::integers_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("signedOk");
    QTest::addColumn<qint64>("signedValue");
    QTest::addColumn<bool>("unsignedOk");
    QTest::addColumn<quint64>("unsignedValue");

    QTest::newRow("0") << QByteArray("0") << true << qint64(0) << true << quint64(0);
    QTest::newRow("int64 max") << QByteArray("9223372036854775807") << true
                               << std::numeric_limits<qint64>::max() << true
                               << quint64(std::numeric_limits<qint64>::max());
    QTest::newRow("int64 max + 1") << QByteArray("9223372036854775808") << false << qint64(0)
                                   << true << Q_UINT64_C(9223372036854775808);
    QTest::newRow("uint64 max") << QByteArray("18446744073709551615") << false << qint64(0) << true
                                << std::numeric_limits<quint64>::max();
    QTest::newRow("uint64 max + 1")
        << QByteArray("18446744073709551616") << false << qint64(0) << false << quint64(0);
    QTest::newRow("-1") << QByteArray("-1") << true << qint64(-1) << true
                        << std::numeric_limits<quint64>::max();
    QTest::newRow("empty") << QByteArray() << false << qint64(0) << false << quint64(0);
    QTest::newRow("minus") << QByteArray("-") << false << qint64(0) << false << quint64(0);
    QTest::newRow("plus") << QByteArray("+1") << false << qint64(0) << false << quint64(0);
    QTest::newRow("space") << QByteArray(" 1") << false << qint64(0) << false << quint64(0);
    QTest::newRow("hex") << QByteArray("0x10") << false << qint64(0) << false << quint64(0);
    QTest::newRow("long zeros") << QByteArray(40, '0') << false << qint64(0) << false << quint64(0);
}

void TestV3Json::integers()
{
    QFETCH(bool, signedOk);
    QFETCH(qint64, signedValue);
    QFETCH(bool, unsignedOk);
    QFETCH(quint64, unsignedValue);
    QFETCH(QByteArray, text);
    qint64 s = 0;
    quint64 u = 0;
    QCOMPARE(EtcdV3Json::decodeInt64(text, &s), signedOk);
    QCOMPARE(s, signedValue);
    QCOMPARE(EtcdV3Json::decodeUInt64(text, &u), unsignedOk);
    QCOMPARE(u, unsignedValue);
}

void TestV3Json::prefixRangeEnd_data()
{
    QTest::addColumn<QByteArray>("prefix");
    QTest::addColumn<QByteArray>("end");
    QTest::newRow("plain") << QByteArray("/a/") << QByteArray("/a0");
    QTest::newRow("one byte") << QByteArray("a") << QByteArray("b");
    QTest::newRow("trailing ff carries") << QByteArray("a\xff") << QByteArray("b");
    QTest::newRow("two ff carry") << QByteArray("a\xfe\xff\xff") << QByteArray("a\xff");
    QTest::newRow("zero byte") << QByteArray("\x00", 1) << QByteArray("\x01");
    QTest::newRow("all ff: every key") << QByteArray("\xff\xff") << QByteArray("\x00", 1);
    QTest::newRow("empty: every key") << QByteArray() << QByteArray("\x00", 1);
}

void TestV3Json::prefixRangeEnd()
{
    QFETCH(QByteArray, end);
    QFETCH(QByteArray, prefix);
    QCOMPARE(EtcdV3Client::prefixRangeEnd(prefix), end);
}

void TestV3Json::encodeRange()
{
    QJsonObject j = parse(EtcdV3Json::encodeRange(QByteArray("\x00\xff", 2), {}));
    QCOMPARE(j.keys(), QStringList({"key"})); // defaults left out, as the gateway does
    QCOMPARE(j.value("key").toString(), QStringLiteral("AP8="));

    EtcdV3RangeOptions o;
    o.rangeEnd = "b";
    o.limit = 10;
    o.revision = 9223372036854775807;
    o.sortOrder = EtcdV3RangeOptions::SortOrder::Descend;
    o.sortTarget = EtcdV3RangeOptions::SortTarget::Mod;
    o.serializable = o.keysOnly = o.countOnly = true;
    o.minModRevision = 3;
    j = parse(EtcdV3Json::encodeRange("a", o));
    QCOMPARE(j.value("range_end").toString(), QStringLiteral("Yg=="));
    QCOMPARE(j.value("limit").toString(), QStringLiteral("10"));
    QCOMPARE(j.value("revision").toString(), QStringLiteral("9223372036854775807"));
    QCOMPARE(j.value("sort_order").toString(), QStringLiteral("DESCEND"));
    QCOMPARE(j.value("sort_target").toString(), QStringLiteral("MOD"));
    QVERIFY(j.value("serializable").toBool());
    QVERIFY(j.value("keys_only").toBool());
    QVERIFY(j.value("count_only").toBool());
    QCOMPARE(j.value("min_mod_revision").toString(), QStringLiteral("3"));
}

void TestV3Json::encodePutAndDelete()
{
    EtcdV3PutOptions o;
    o.lease = 7587869062932411916;
    o.prevKv = true;
    QJsonObject j = parse(EtcdV3Json::encodePut("k", QByteArray(), o));
    QCOMPARE(j.value("value").toString(), QString()); // an empty value is still sent
    QVERIFY(j.contains("value"));
    QCOMPARE(j.value("lease").toString(), QStringLiteral("7587869062932411916"));
    QVERIFY(j.value("prev_kv").toBool());

    o = {};
    o.ignoreValue = o.ignoreLease = true;
    j = parse(EtcdV3Json::encodePut("k", "ignored", o));
    QVERIFY(!j.contains("value")); // ignore_value with a value is an error for etcd
    QVERIFY(j.value("ignore_value").toBool());
    QVERIFY(j.value("ignore_lease").toBool());

    EtcdV3DeleteOptions d;
    d.rangeEnd = QByteArray(1, '\0');
    d.prevKv = true;
    j = parse(EtcdV3Json::encodeDeleteRange("a", d));
    QCOMPARE(j.value("range_end").toString(), QStringLiteral("AA=="));
    QVERIFY(j.value("prev_kv").toBool());
}

void TestV3Json::encodeTxn()
{
    using R = EtcdV3Compare::Result;
    EtcdV3TxnRequest t;
    t.compare << EtcdV3Compare::version("a", R::Equal, 0)
              << EtcdV3Compare::modRevision("b", R::Less, 12)
              << EtcdV3Compare::createRevision("c", R::Greater, 1)
              << EtcdV3Compare::valueIs("d", R::NotEqual, "x")
              << EtcdV3Compare::lease("e", R::Equal, 99);
    t.compare.last().rangeEnd = "f";
    EtcdV3PutOptions keepLease;
    keepLease.ignoreLease = true;
    t.success << EtcdV3RequestOp::makePut("a", "v", keepLease);
    t.failure << EtcdV3RequestOp::makeRange("a") << EtcdV3RequestOp::makeDelete("b");
    const QJsonObject j = parse(EtcdV3Json::encodeTxn(t));
    const QJsonArray c = j.value("compare").toArray();
    QCOMPARE(c.size(), 5);
    // "version":"0" is written: without it the compare would have no operand.
    QCOMPARE(c[0].toObject().value("version").toString(), QStringLiteral("0"));
    QCOMPARE(c[0].toObject().value("target").toString(), QStringLiteral("VERSION"));
    QCOMPARE(c[1].toObject().value("mod_revision").toString(), QStringLiteral("12"));
    QCOMPARE(c[1].toObject().value("result").toString(), QStringLiteral("LESS"));
    QCOMPARE(c[2].toObject().value("create_revision").toString(), QStringLiteral("1"));
    QCOMPARE(c[3].toObject().value("value").toString(), QStringLiteral("eA=="));
    QCOMPARE(c[3].toObject().value("result").toString(), QStringLiteral("NOT_EQUAL"));
    QCOMPARE(c[4].toObject().value("lease").toString(), QStringLiteral("99"));
    QCOMPARE(c[4].toObject().value("range_end").toString(), QStringLiteral("Zg=="));
    const QJsonObject put =
        j.value("success").toArray()[0].toObject().value("request_put").toObject();
    QVERIFY(put.value("ignore_lease").toBool());
    const QJsonArray failure = j.value("failure").toArray();
    QVERIFY(failure[0].toObject().contains("request_range"));
    QVERIFY(failure[1].toObject().contains("request_delete_range"));
}

void TestV3Json::encodeOthers()
{
    QJsonObject j = parse(EtcdV3Json::encodeMemberId(std::numeric_limits<quint64>::max()));
    QCOMPARE(j.value("ID").toString(), QStringLiteral("18446744073709551615"));
    j = parse(EtcdV3Json::encodeMemberAdd({"http://127.0.0.1:1"}, true));
    QCOMPARE(j.value("peerURLs").toArray().size(), 1);
    QVERIFY(j.value("isLearner").toBool());
    j = parse(EtcdV3Json::encodeAlarm(EtcdV3AlarmAction::Deactivate, 5, EtcdV3AlarmType::NoSpace));
    QCOMPARE(j.value("action").toString(), QStringLiteral("DEACTIVATE"));
    QCOMPARE(j.value("memberID").toString(), QStringLiteral("5"));
    QCOMPARE(j.value("alarm").toString(), QStringLiteral("NOSPACE"));
    j = parse(EtcdV3Json::encodeLeaseGrant(60, 0));
    QCOMPARE(j.value("TTL").toString(), QStringLiteral("60"));
    QVERIFY(!j.contains("ID"));
    j = parse(EtcdV3Json::encodeLeaseTimeToLive(5, true));
    QVERIFY(j.value("keys").toBool());
    j = parse(EtcdV3Json::encodeAuthenticate(QStringLiteral("root"), QStringLiteral("p\"w")));
    QCOMPARE(j.value("password").toString(), QStringLiteral("p\"w"));
    j = parse(EtcdV3Json::encodeCompaction(10, true));
    QCOMPARE(j.value("revision").toString(), QStringLiteral("10"));
    QVERIFY(j.value("physical").toBool());
}

QTEST_GUILESS_MAIN(TestV3Json)
#include "tst_v3json.moc"
