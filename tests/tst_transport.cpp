// The transport against a fake server and a real etcd: timeouts, cancellation, failover rules,
// and that a handler never runs synchronously or after cancel.
#include "etcdfixture.h"
#include "etcdtransport.h"
#include "fakeserver.h"

#include <QSignalSpy>
#include <QTest>

class TestTransport : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void getVersionFromRealEtcd();
    void handlerNeverRunsInsideSend();
    void timeoutAbortsStalledCall();
    void cancelSuppressesHandler();
    void contextDestroyedCancels();
    void readFailsOverOnRefusedEndpoint();
    void readFailsOverOn503();
    void writeNotRetriedAfterDroppedConnection();
    void writeRetriedWhenConnectionRefused();
    void readOnlyRefusesWrites();

private:
    struct Outcome
    {
        bool called = false;
        EtcdHttpResponse response;
        EtcdError error;
    };
    EtcdCall *send(EtcdTransport &t, const EtcdHttpRequest &req, Outcome *out, QObject *ctx);
    static QString deadEndpoint();
    // GET /version: a read.
    static EtcdHttpRequest versionRequest();
    // A v2 set of `key` to "x": a write.
    static EtcdHttpRequest v2Write(const QByteArray &key);

    EtcdServer m_etcd;
};

EtcdCall *TestTransport::send(EtcdTransport &t, const EtcdHttpRequest &req, Outcome *out,
                              QObject *ctx)
{
    return t.send(req, ctx, [out](EtcdCall *, const EtcdHttpResponse &r, const EtcdError &e) {
        out->called = true;
        out->response = r;
        out->error = e;
        return true;
    });
}

QString TestTransport::deadEndpoint()
{
    // A port nobody listens on: connection refused.
    return QStringLiteral("http://127.0.0.1:%1").arg(EtcdServer::freePort());
}

EtcdHttpRequest TestTransport::versionRequest()
{
    EtcdHttpRequest req;
    req.path = "/version";
    return req;
}

EtcdHttpRequest TestTransport::v2Write(const QByteArray &key)
{
    EtcdHttpRequest req;
    req.method = "PUT";
    req.path = "/v2/keys/" + key;
    req.kind = EtcdHttpRequest::Kind::Write;
    req.body = "value=x";
    req.contentType = "application/x-www-form-urlencoded";
    return req;
}

void TestTransport::initTestCase()
{
    QVERIFY2(m_etcd.start(), "etcd did not start");
}

void TestTransport::getVersionFromRealEtcd()
{
    EtcdTransport t;
    t.setEndpoints({m_etcd.clientUrl()});
    Outcome out;
    send(t, versionRequest(), &out, this);
    QTRY_VERIFY(out.called);
    QVERIFY2(!out.error, qPrintable(out.error.toString()));
    QCOMPARE(out.response.status, 200);
    QVERIFY(out.response.body.contains("etcdserver"));
    QCOMPARE(out.response.endpoint, m_etcd.clientUrl());
}

void TestTransport::handlerNeverRunsInsideSend()
{
    EtcdTransport t;
    t.setEndpoints({deadEndpoint()});
    t.setReadOnly(true);
    Outcome out;
    EtcdHttpRequest req;
    req.kind = EtcdHttpRequest::Kind::Write;
    send(t, req, &out, this);
    QVERIFY(!out.called);
    QTRY_VERIFY(out.called);
}

void TestTransport::timeoutAbortsStalledCall()
{
    FakeServer fake;
    QVERIFY(fake.listen());
    fake.setHandler(FakeServer::stall());
    EtcdTransport t;
    t.setEndpoints({fake.url()});
    Outcome out;
    EtcdCall *call = send(t, versionRequest(), &out, this);
    call->setTimeout(300);
    QTRY_VERIFY_WITH_TIMEOUT(out.called, 5000);
    QCOMPARE(out.error.kind(), EtcdError::Kind::Timeout);
    QCOMPARE(out.error.endpoint(), fake.url());
}

void TestTransport::cancelSuppressesHandler()
{
    FakeServer fake;
    QVERIFY(fake.listen());
    fake.setHandler(FakeServer::stall());
    EtcdTransport t;
    t.setEndpoints({fake.url()});
    Outcome out;
    EtcdHttpRequest req;
    QPointer<EtcdCall> call = send(t, req, &out, this);
    QSignalSpy received(&fake, &FakeServer::requestReceived);
    QVERIFY(received.wait(5000));
    QSignalSpy finished(call.data(), &EtcdCall::finished);
    call->cancel();
    QCOMPARE(finished.count(), 1);
    QTRY_VERIFY(call.isNull()); // deleted later
    QVERIFY(!out.called);
}

void TestTransport::contextDestroyedCancels()
{
    FakeServer fake;
    QVERIFY(fake.listen());
    fake.setHandler(FakeServer::answer(200, "{}"));
    EtcdTransport t;
    t.setEndpoints({fake.url()});
    Outcome out;
    auto *ctx = new QObject;
    QPointer<EtcdCall> call = send(t, EtcdHttpRequest{}, &out, ctx);
    delete ctx;
    QTRY_VERIFY(call.isNull());
    QVERIFY(!out.called);
}

void TestTransport::readFailsOverOnRefusedEndpoint()
{
    EtcdTransport t;
    QSignalSpy changed(&t, &EtcdTransport::currentEndpointChanged);
    t.setEndpoints({deadEndpoint(), m_etcd.clientUrl()});
    Outcome out;
    send(t, versionRequest(), &out, this);
    QTRY_VERIFY(out.called);
    QVERIFY2(!out.error, qPrintable(out.error.toString()));
    QCOMPARE(out.response.endpoint, m_etcd.clientUrl());
    QCOMPARE(t.currentEndpoint(), m_etcd.clientUrl());
    QCOMPARE(changed.count(), 1);
}

void TestTransport::readFailsOverOn503()
{
    FakeServer fake;
    QVERIFY(fake.listen());
    fake.setHandler(FakeServer::answer(503, R"({"error":"no leader","code":14})"));
    EtcdTransport t;
    t.setEndpoints({fake.url(), m_etcd.clientUrl()});
    Outcome out;
    send(t, versionRequest(), &out, this);
    QTRY_VERIFY(out.called);
    QCOMPARE(out.response.status, 200);
    QCOMPARE(fake.requests().size(), 1);
}

void TestTransport::writeNotRetriedAfterDroppedConnection()
{
    // The request reached a server that dropped it: it may have been applied, so no retry.
    FakeServer fake;
    QVERIFY(fake.listen());
    fake.setHandler(FakeServer::dropConnection());
    EtcdTransport t;
    t.setEndpoints({fake.url(), m_etcd.clientUrl()});
    Outcome out;
    send(t, v2Write("transport-write"), &out, this);
    QTRY_VERIFY(out.called);
    QCOMPARE(out.error.kind(), EtcdError::Kind::Network);
    QCOMPARE(out.error.endpoint(), fake.url());
    QCOMPARE(fake.requests().size(), 1); // not even QNetworkAccessManager resent it
}

void TestTransport::writeRetriedWhenConnectionRefused()
{
    EtcdTransport t;
    t.setEndpoints({deadEndpoint(), m_etcd.clientUrl()});
    Outcome out;
    send(t, v2Write("transport-write2"), &out, this);
    QTRY_VERIFY(out.called);
    QVERIFY2(!out.error, qPrintable(out.error.toString()));
    QCOMPARE(out.response.status, 201);
}

void TestTransport::readOnlyRefusesWrites()
{
    FakeServer fake;
    QVERIFY(fake.listen());
    EtcdTransport t;
    t.setEndpoints({fake.url()});
    t.setReadOnly(true);
    Outcome out;
    EtcdHttpRequest req;
    req.kind = EtcdHttpRequest::Kind::Write;
    req.operation = QStringLiteral("v2 set");
    send(t, req, &out, this);
    QTRY_VERIFY(out.called);
    QCOMPARE(out.error.kind(), EtcdError::Kind::ReadOnly);
    QVERIFY(out.error.message().contains(QLatin1String("v2 set")));
    QVERIFY(fake.requests().isEmpty());
}

QTEST_MAIN(TestTransport)
#include "tst_transport.moc"
