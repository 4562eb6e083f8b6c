// A unary call to etcd's v3 gRPC services (EtcdGrpcCall) over QNetworkAccessManager's HTTP/2,
// with requests and answers from the generated messages: a Range and a Put against a real
// etcd, etcd's errors as typed conditions, and answers that are not one whole gRPC message
// (built by hand) as protocol errors, never a crash or a hang.
#include "etcdclient.h"
#include "etcdfixture.h"
#include "etcdgrpccall.h"
#include "etcdtesting.h"
#include "etcdv3client.h"
#include "watchtesting.h"

#include <etcdpb/rpc.pb.h>

#include <QTest>

using watchtesting::frame;

namespace {

std::string bytes(const QByteArray &b)
{
    return std::string(b.constData(), size_t(b.size()));
}

QByteArray bytes(const std::string &s)
{
    return QByteArray(s.data(), qsizetype(s.size()));
}

} // namespace

class TestGrpcCall : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();

    void range();
    void put();
    void etcdErrors_data();
    void etcdErrors();
    void badAnswers_data();
    void badAnswers();
    void notTheAnswerType();

private:
    EtcdResult<etcdserverpb::RangeResponse> rangeOverGrpc(const etcdserverpb::RangeRequest &r);
    EtcdResult<EtcdV3PutResult> putOverJson(const QByteArray &key, const QByteArray &value);

    std::unique_ptr<EtcdServer> m_etcd;
    std::unique_ptr<EtcdClient> m_client;
};

void TestGrpcCall::initTestCase()
{
    m_etcd = std::make_unique<EtcdServer>();
    QVERIFY2(m_etcd->start(), "etcd did not start");
    m_client = discoveredClient({m_etcd->clientUrl()}, EtcdClient::Api::V3);
    QVERIFY(m_client);
}

EtcdResult<etcdserverpb::RangeResponse>
TestGrpcCall::rangeOverGrpc(const etcdserverpb::RangeRequest &request)
{
    return run<etcdserverpb::RangeResponse>([&](QObject *c, auto cb) {
        return EtcdGrpcCall::send<etcdserverpb::RangeResponse>(
            m_client->v3(), "/etcdserverpb.KV/Range", request, EtcdHttpRequest::Kind::Read,
            QStringLiteral("v3 range (gRPC)"), c, cb);
    });
}

EtcdResult<EtcdV3PutResult> TestGrpcCall::putOverJson(const QByteArray &key,
                                                      const QByteArray &value)
{
    return run<EtcdV3PutResult>(
        [&](QObject *c, auto cb) { return m_client->v3()->put(key, value, {}, c, cb); });
}

void TestGrpcCall::range()
{
    const QByteArray binary("\x00\xff\x01v", 4);
    VERIFY_OK(putOverJson("/gc/a", "1"));
    VERIFY_OK(putOverJson("/gc/b", binary));
    const auto last = putOverJson("/gc/c", "3");
    VERIFY_OK(last);

    etcdserverpb::RangeRequest request;
    request.set_key("/gc/");
    request.set_range_end(bytes(EtcdV3Client::prefixRangeEnd("/gc/")));
    auto r = rangeOverGrpc(request);
    VERIFY_OK(r);
    QCOMPARE(r.value.kvs_size(), 3);
    QCOMPARE(r.value.count(), 3);
    QVERIFY(!r.value.more());
    QCOMPARE(r.value.header().revision(), last.value.header.revision);
    QCOMPARE(r.value.header().cluster_id(), last.value.header.clusterId);
    QCOMPARE(bytes(r.value.kvs(0).key()), "/gc/a");
    QCOMPARE(bytes(r.value.kvs(0).value()), "1");
    QCOMPARE(bytes(r.value.kvs(1).value()), binary);
    QCOMPARE(r.value.kvs(2).mod_revision(), last.value.header.revision);
    QCOMPARE(r.value.kvs(2).version(), 1);

    // A page: the count is the whole range's.
    request.set_limit(2);
    r = rangeOverGrpc(request);
    VERIFY_OK(r);
    QCOMPARE(r.value.kvs_size(), 2);
    QVERIFY(r.value.more());
    QCOMPARE(r.value.count(), 3);
}

void TestGrpcCall::put()
{
    // A write goes out once, as a write (no failover once sent).
    const auto putOverGrpc = [this](const QByteArray &value) {
        etcdserverpb::PutRequest request;
        request.set_key("/gc/put");
        request.set_value(bytes(value));
        request.set_prev_kv(true);
        return run<etcdserverpb::PutResponse>([&](QObject *c, auto cb) {
            return EtcdGrpcCall::send<etcdserverpb::PutResponse>(
                m_client->v3(), "/etcdserverpb.KV/Put", request, EtcdHttpRequest::Kind::Write,
                QStringLiteral("v3 put (gRPC)"), c, cb);
        });
    };
    auto first = putOverGrpc("one");
    VERIFY_OK(first);
    QVERIFY(!first.value.has_prev_kv());
    auto second = putOverGrpc("two");
    VERIFY_OK(second);
    QCOMPARE(second.value.header().revision(), first.value.header().revision() + 1);
    QCOMPARE(bytes(second.value.prev_kv().value()), "one");

    const auto read = run<EtcdV3RangeResult>(
        [&](QObject *c, auto cb) { return m_client->v3()->range("/gc/put", {}, c, cb); });
    VERIFY_OK(read);
    QCOMPARE(read.value.kvs.size(), 1);
    QCOMPARE(read.value.kvs.first().value, "two");
}

void TestGrpcCall::etcdErrors_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<qint64>("revision"); // of a Range of /gc/ (-1: the current one + 1000)
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<int>("code");
    QTest::addColumn<EtcdError::Condition>("condition");
    QTest::newRow("future revision")
        << QByteArray("/etcdserverpb.KV/Range") << qint64(-1) << QByteArray("/gc/") << 11
        << EtcdError::Condition::FutureRevision;
    QTest::newRow("compacted revision")
        << QByteArray("/etcdserverpb.KV/Range") << qint64(1) << QByteArray("/gc/") << 11
        << EtcdError::Condition::Compacted;
    QTest::newRow("empty key") << QByteArray("/etcdserverpb.KV/Range") << qint64(0) << QByteArray()
                               << 3 << EtcdError::Condition::InvalidField;
    QTest::newRow("no such call") << QByteArray("/etcdserverpb.KV/NoSuchCall") << qint64(0)
                                  << QByteArray("/gc/") << 12
                                  << EtcdError::Condition::ApiNotAvailable;
}

void TestGrpcCall::etcdErrors()
{
    QFETCH(QByteArray, path);
    QFETCH(qint64, revision);
    QFETCH(QByteArray, key);
    QFETCH(int, code);
    QFETCH(EtcdError::Condition, condition);

    const auto current = putOverJson("/gc/errors", "x");
    VERIFY_OK(current);
    if (condition == EtcdError::Condition::Compacted) {
        const auto compacted = run<EtcdV3Header>([&](QObject *c, auto cb) {
            return m_client->v3()->compact(current.value.header.revision, false, c, cb);
        });
        VERIFY_OK(compacted);
    }
    etcdserverpb::RangeRequest request;
    request.set_key(bytes(key));
    request.set_revision(revision < 0 ? current.value.header.revision + 1000 : revision);
    const auto r = run<etcdserverpb::RangeResponse>([&](QObject *c, auto cb) {
        return EtcdGrpcCall::send<etcdserverpb::RangeResponse>(m_client->v3(), path, request,
                                                               EtcdHttpRequest::Kind::Read,
                                                               QStringLiteral("v3 range"), c, cb);
    });
    QVERIFY(!r.ok());
    QCOMPARE(r.error.kind(), EtcdError::Kind::Etcd);
    QCOMPARE(r.error.code(), code);
    QCOMPARE(r.error.condition(), condition);
    QCOMPARE(r.error.endpoint(), m_etcd->clientUrl());
}

void TestGrpcCall::badAnswers_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("grpcStatus");
    QTest::addColumn<QByteArray>("grpcMessage");
    QTest::addColumn<EtcdError::Kind>("kind");
    QTest::addColumn<EtcdError::Condition>("condition");
    QTest::addColumn<QString>("words"); // in the message

    const QByteArray grpc("application/grpc");
    const QByteArray message("\x08\x01", 2);
    QTest::newRow("one message") << grpc << frame(message) << QByteArray() << QByteArray()
                                 << EtcdError::Kind::None << EtcdError::Condition::None
                                 << QString();
    QTest::newRow("status 0 in the headers")
        << grpc << frame(message) << QByteArray("0") << QByteArray() << EtcdError::Kind::None
        << EtcdError::Condition::None << QString();
    QTest::newRow("trailers-only error")
        << grpc << QByteArray() << QByteArray("5")
        << QByteArray("etcdserver%3A requested lease not found") << EtcdError::Kind::Etcd
        << EtcdError::Condition::LeaseNotFound << "requested lease not found";
    QTest::newRow("deadline exceeded")
        << grpc << QByteArray() << QByteArray("4") << QByteArray("context deadline exceeded")
        << EtcdError::Kind::Timeout << EtcdError::Condition::Other << "deadline";
    QTest::newRow("not gRPC") << QByteArray("text/plain") << QByteArray("404 page not found")
                              << QByteArray() << QByteArray() << EtcdError::Kind::Protocol
                              << EtcdError::Condition::Other << "did not answer in gRPC";
    QTest::newRow("truncated") << grpc << frame(message).left(6) << QByteArray() << QByteArray()
                               << EtcdError::Kind::Protocol << EtcdError::Condition::Other
                               << "middle of its message";
    QTest::newRow("length past the end")
        << grpc << QByteArray::fromHex("0000000064") + message << QByteArray() << QByteArray()
        << EtcdError::Kind::Protocol << EtcdError::Condition::Other << "middle of its message";
    QTest::newRow("length short of the message")
        << grpc << QByteArray::fromHex("0000000001") + message << QByteArray() << QByteArray()
        << EtcdError::Kind::Protocol << EtcdError::Condition::Other << "more than one message";
    QTest::newRow("two messages") << grpc << frame(message) + frame(message) << QByteArray()
                                  << QByteArray() << EtcdError::Kind::Protocol
                                  << EtcdError::Condition::Other << "more than one message";
    QTest::newRow("compressed") << grpc << frame(message, 1) << QByteArray() << QByteArray()
                                << EtcdError::Kind::Protocol << EtcdError::Condition::Other
                                << "compressed";
    QTest::newRow("over the size limit")
        << grpc << QByteArray::fromHex("00ffffffff") << QByteArray() << QByteArray()
        << EtcdError::Kind::Protocol << EtcdError::Condition::Other << "bytes";
    QTest::newRow("neither message nor status")
        << grpc << QByteArray() << QByteArray() << QByteArray() << EtcdError::Kind::Protocol
        << EtcdError::Condition::Other << "neither a message nor a status";
}

void TestGrpcCall::badAnswers()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, grpcStatus);
    QFETCH(QByteArray, grpcMessage);
    QFETCH(EtcdError::Kind, kind);
    QFETCH(EtcdError::Condition, condition);
    QFETCH(QString, words);

    EtcdHttpResponse response;
    response.status = contentType == "text/plain" ? 404 : 200;
    response.endpoint = QStringLiteral("http://127.0.0.1:1");
    response.body = body;
    response.headers.insert("content-type", contentType);
    if (!grpcStatus.isEmpty())
        response.headers.insert("grpc-status", grpcStatus);
    if (!grpcMessage.isEmpty())
        response.headers.insert("grpc-message", grpcMessage);

    QByteArray message("left over");
    const EtcdError e = EtcdGrpcCall::decodeAnswer(response, &message);
    QCOMPARE(e.kind(), kind);
    QCOMPARE(e.condition(), condition);
    if (!e) {
        QCOMPARE(message, QByteArray("\x08\x01", 2));
        return;
    }
    QVERIFY2(e.message().contains(words), qPrintable(e.message()));
    QCOMPARE(e.endpoint(), response.endpoint);
    QVERIFY(message.isEmpty());
}

void TestGrpcCall::notTheAnswerType()
{
    // A header (field 1) cut short: not a RangeResponse. An empty message is one (all defaults).
    etcdserverpb::RangeResponse out;
    EtcdError e = EtcdGrpcCall::parse(QByteArray("\x0a\x05\x08", 3), &out);
    QCOMPARE(e.kind(), EtcdError::Kind::Protocol);
    QVERIFY2(e.message().contains(QLatin1String("etcdserverpb.RangeResponse")),
             qPrintable(e.message()));
    QVERIFY(!EtcdGrpcCall::parse(QByteArray(), &out));
}

QTEST_MAIN(TestGrpcCall)
#include "tst_grpccall.moc"
