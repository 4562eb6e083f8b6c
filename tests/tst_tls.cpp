// TLS against a real etcd serving https with certificates openssl makes for the test: the right
// CA connects (HTTP/1.1 requests and the gRPC watch over HTTP/2), the wrong CA, an expired
// certificate and a name mismatch fail with the reason and the certificate's subject, issuer and
// validity, a server name checks the certificate against it, "do not verify" gets past a wrong
// CA, and mutual TLS works with a client certificate without a CommonName and says what is
// missing without one.
#include "errortext.h"
#include "etcdclient.h"
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "etcdtransport.h"
#include "etcdv3client.h"
#include "etcdwatcher.h"
#include "tlsfixture.h"
#include "watchtesting.h"

#include <QSslCertificate>
#include <QTest>

using namespace watchtesting;
using State = EtcdWatcher::State;

class TestTls : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void rightCaConnects();
    void verificationFails_data();
    void verificationFails();
    void watchFailsWithTheReason();
    void serverNameMismatch();
    void serverNameConnects();
    void insecureSkipVerify();
    void reconfigureVerifiesAgain();
    void mutualTlsWithClientCertificate();
    void mutualTlsWithoutClientCertificate();
    void mutualTlsWithForeignClientCertificate();
    void invalidServerName();

private:
    std::unique_ptr<EtcdServer> startServer(const QString &cert, const QString &key,
                                            bool clientCertAuth = false,
                                            const QString &clientCa = {});
    EtcdClient::Options options(const EtcdServer &server) const;
    // Discovery finds a healthy v3 cluster; a put and a range of the key over HTTP/1.1, then
    // the key's change seen by a gRPC watch.
    static void checkKvAndWatch(EtcdClient &client, EtcdServer &server, const QByteArray &key);
    // Why discovery through `client` failed (printed for the log); none when it succeeded.
    static EtcdError discoveryError(EtcdClient &client);
    // Watches `key` (over gRPC, quick retries) until the watch fails, its end: the error, none
    // when it did not fail within 20 s; `connects`: how often the watcher connected.
    static EtcdError watchFailure(EtcdClient &client, const QByteArray &key,
                                  int *connects = nullptr);

    TlsFixture m_tls;
    std::unique_ptr<EtcdServer> m_server; // the CA's certificate for 127.0.0.1
    std::unique_ptr<EtcdServer> m_mutual; // the same, clients need a certificate
    std::unique_ptr<EtcdServer> m_named;  // a certificate for etcd.test only
};

std::unique_ptr<EtcdServer> TestTls::startServer(const QString &cert, const QString &key,
                                                 bool clientCertAuth, const QString &clientCa)
{
    EtcdServer::Options o;
    o.certFile = cert;
    o.keyFile = key;
    o.clientCertAuth = clientCertAuth;
    o.clientCaFile = clientCa;
    if (clientCertAuth) {
        o.trustedCaFile = m_tls.caCert();
        o.clientCertFile = m_tls.clientCert();
        o.clientKeyFile = m_tls.clientKey();
    }
    auto server = std::make_unique<EtcdServer>(o);
    if (!server->start())
        return nullptr;
    return server;
}

void TestTls::initTestCase()
{
    QVERIFY2(m_tls.create(), "openssl could not make the test certificates");
    m_server = startServer(m_tls.serverCert(), m_tls.serverKey(), false, m_tls.caCert());
    QVERIFY2(m_server, "etcd with TLS did not start");
    m_mutual = startServer(m_tls.serverCert(), m_tls.serverKey(), true, m_tls.caCert());
    QVERIFY2(m_mutual, "etcd with --client-cert-auth did not start");
    // Its certificate does not name 127.0.0.1: the fixture's own clients do not verify it.
    m_named = startServer(m_tls.namedServerCert(), m_tls.namedServerKey());
    QVERIFY2(m_named, "etcd with the etcd.test certificate did not start");
    QVERIFY(m_server->clientUrl().startsWith(QLatin1String("https://")));
    // The fixture's etcdctl goes over TLS too (with a client certificate where one is needed).
    QVERIFY(!m_mutual->etcdctl({"put", "/fixture", "ok"}).isNull());
}

void TestTls::cleanupTestCase()
{
    m_server.reset();
    m_mutual.reset();
    m_named.reset();
}

EtcdClient::Options TestTls::options(const EtcdServer &server) const
{
    EtcdClient::Options o;
    o.endpoints = {server.clientUrl()};
    o.caFile = m_tls.caCert();
    o.timeoutMs = 15000;
    return o;
}

void TestTls::checkKvAndWatch(EtcdClient &client, EtcdServer &server, const QByteArray &key)
{
    const auto info = discover(client);
    VERIFY_OK(info);
    QCOMPARE(info.value.api, EtcdClient::Api::V3);
    QVERIFY(info.value.healthy);
    const auto put = run<EtcdV3PutResult>(
        [&](QObject *c, auto cb) { return client.v3()->put(key, "one", {}, c, cb); });
    VERIFY_OK(put);
    const auto range = run<EtcdV3RangeResult>(
        [&](QObject *c, auto cb) { return client.v3()->range(key, {}, c, cb); });
    VERIFY_OK(range);
    QCOMPARE(range.value.kvs.size(), 1);
    QCOMPARE(range.value.kvs.first().value, QByteArray("one"));

    // gRPC only: a fallback to the JSON gateway would hide a broken HTTP/2 over TLS.
    EtcdWatcher w(&client);
    w.setWireFormat(EtcdWatcher::WireFormat::Grpc);
    Recorder rec(&w);
    w.start(key, put.value.header.revision + 1);
    QTRY_COMPARE_WITH_TIMEOUT(w.state(), State::Live, 20000);
    QVERIFY(!server.etcdctl({"put", QString::fromLatin1(key), "two"}).isNull());
    QTRY_COMPARE_WITH_TIMEOUT(rec.events.size(), 1, 20000);
    QCOMPARE(rec.events.first().key, key);
    QCOMPARE(rec.events.first().value, QByteArray("two"));
    QVERIFY(rec.failures.isEmpty());
    QVERIFY(rec.interruptions.isEmpty());
}

EtcdError TestTls::discoveryError(EtcdClient &client)
{
    const auto info = discover(client);
    qDebug().noquote() << info.error.toString();
    return info.error;
}

EtcdError TestTls::watchFailure(EtcdClient &client, const QByteArray &key, int *connects)
{
    EtcdWatcher w(&client);
    w.setBackoff(20, 100);
    Recorder rec(&w);
    w.start(key, 1);
    if (!QTest::qWaitFor([&] { return !rec.failures.isEmpty(); }, 20000))
        return {};
    if (connects)
        *connects = w.connectCount();
    return rec.failures.first();
}

void TestTls::rightCaConnects()
{
    EtcdClient client;
    QVERIFY(!client.configure(options(*m_server)));
    checkKvAndWatch(client, *m_server, "/tls/right-ca");
}

void TestTls::verificationFails_data()
{
    QTest::addColumn<QString>("caFile"); // "other", "system" or "ca"
    QTest::addColumn<bool>("expired");
    QTest::addColumn<QString>("reason"); // a part of Qt's words for it

    QTest::newRow("wrong CA") << "other" << false << "issuer certificate";
    QTest::newRow("system CAs") << "system" << false << "issuer certificate";
    QTest::newRow("expired") << "ca" << true << "has expired";
}

void TestTls::verificationFails()
{
    QFETCH(QString, caFile);
    QFETCH(bool, expired);
    QFETCH(QString, reason);

    std::unique_ptr<EtcdServer> expiredServer;
    EtcdServer *server = m_server.get();
    if (expired) {
        expiredServer = startServer(m_tls.expiredServerCert(), m_tls.expiredServerKey());
        QVERIFY2(expiredServer, "etcd with an expired certificate did not start");
        server = expiredServer.get();
    }
    EtcdClient client;
    EtcdClient::Options o = options(*server);
    o.caFile = caFile == QLatin1String("other") ? m_tls.otherCaCert()
               : caFile == QLatin1String("ca")  ? m_tls.caCert()
                                                : QString();
    QVERIFY(!client.configure(o));
    const EtcdError e = discoveryError(client);
    QVERIFY(e.isError());
    QCOMPARE(e.kind(), EtcdError::Kind::Tls);
    QCOMPARE(e.endpoint(), server->clientUrl());
    QVERIFY2(
        e.message().startsWith(QLatin1String("the server's certificate could not be verified: ")),
        qPrintable(e.message()));
    QVERIFY2(e.message().contains(reason, Qt::CaseInsensitive), qPrintable(e.message()));
    QCOMPARE(e.condition(), EtcdError::Condition::CertificateUntrusted);
    // The user is told what to give (ui/ words the condition, not etcd's message).
    QVERIFY2(describeError(e).contains(QLatin1String("Give the CA")), qPrintable(describeError(e)));
    // The certificate: subject, issuer, validity and names.
    const QString details = e.details().join(QLatin1Char('\n'));
    QVERIFY2(details.contains(reason, Qt::CaseInsensitive), qPrintable(details));
    QVERIFY2(details.contains(QLatin1String("subject \"OU=etcd member, O=etcdscope-test\"")),
             qPrintable(details));
    QVERIFY2(details.contains(QLatin1String("issuer \"CN=etcdscope test CA, O=etcdscope-test\"")),
             qPrintable(details));
    QVERIFY2(details.contains(QLatin1String("valid from 20")), qPrintable(details));
    QVERIFY2(details.contains(QLatin1String("for localhost, 127.0.0.1")), qPrintable(details));
    QVERIFY(e.toString().contains(reason, Qt::CaseInsensitive));
    // Nothing else was tried after the failed /version.
    QCOMPARE(client.apiInUse(), EtcdClient::Api::Auto);
}

void TestTls::watchFailsWithTheReason()
{
    // The gRPC watch (HTTP/2 over ALPN) fails with the TLS error, the watch's end: no fallback
    // to the JSON gateway, no retries.
    EtcdClient client;
    EtcdClient::Options o = options(*m_server);
    o.caFile = m_tls.otherCaCert();
    QVERIFY(!client.configure(o));
    int connects = 0;
    const EtcdError e = watchFailure(client, "/tls/watch-fails", &connects);
    QCOMPARE(e.kind(), EtcdError::Kind::Tls);
    QCOMPARE(e.endpoint(), m_server->clientUrl());
    QVERIFY2(e.message().contains(QLatin1String("issuer certificate")), qPrintable(e.message()));
    QVERIFY2(e.details().join(QLatin1Char('\n')).contains(QLatin1String("OU=etcd member")),
             qPrintable(e.toString()));
    QCOMPARE(connects, 1);
}

void TestTls::serverNameMismatch()
{
    EtcdClient client;
    QVERIFY(!client.configure(options(*m_named)));
    const EtcdError e = discoveryError(client);
    QVERIFY(e.isError());
    QCOMPARE(e.kind(), EtcdError::Kind::Tls);
    // Both names: the one checked and the one the certificate has.
    QVERIFY2(e.message().contains(QLatin1String("did not match")), qPrintable(e.message()));
    QVERIFY2(e.message().contains(
                 QLatin1String("expected \"127.0.0.1\", the certificate is for etcd.test")),
             qPrintable(e.message()));
    const QString details = e.details().join(QLatin1Char('\n'));
    QVERIFY2(details.contains(QLatin1String("subject \"OU=etcd member, O=etcdscope-test\"")),
             qPrintable(details));

    // A server name that is not the certificate's either: named in the error.
    EtcdClient other;
    EtcdClient::Options o = options(*m_named);
    o.serverName = QStringLiteral("elsewhere.test");
    QVERIFY(!other.configure(o));
    const auto wrong = discover(other);
    QCOMPARE(wrong.error.kind(), EtcdError::Kind::Tls);
    QVERIFY2(wrong.error.message().contains(
                 QLatin1String("expected \"elsewhere.test\", the certificate is for etcd.test")),
             qPrintable(wrong.error.message()));
}

void TestTls::serverNameConnects()
{
    EtcdClient client;
    EtcdClient::Options o = options(*m_named);
    o.serverName = QStringLiteral("etcd.test");
    QVERIFY(!client.configure(o));
    QCOMPARE(client.transport()->serverName(), QStringLiteral("etcd.test"));
    checkKvAndWatch(client, *m_named, "/tls/server-name");
}

void TestTls::insecureSkipVerify()
{
    EtcdClient client;
    EtcdClient::Options o = options(*m_server);
    o.caFile = m_tls.otherCaCert();
    o.insecureSkipVerify = true;
    QVERIFY(!client.configure(o));
    QVERIFY(client.transport()->skipsVerification());
    checkKvAndWatch(client, *m_server, "/tls/insecure");

    // Not verifying also gets past a name mismatch.
    EtcdClient named;
    o = options(*m_named);
    o.insecureSkipVerify = true;
    QVERIFY(!named.configure(o));
    VERIFY_OK(discover(named));
}

void TestTls::reconfigureVerifiesAgain()
{
    // A connection opened without verification is not kept for a configuration that verifies
    // (nor one opened with a client certificate for a configuration without).
    EtcdClient client;
    EtcdClient::Options o = options(*m_server);
    o.caFile = m_tls.otherCaCert();
    o.insecureSkipVerify = true;
    QVERIFY(!client.configure(o));
    VERIFY_OK(discover(client));
    o.insecureSkipVerify = false;
    QVERIFY(!client.configure(o));
    const auto info = discover(client);
    QCOMPARE(info.error.kind(), EtcdError::Kind::Tls);

    EtcdClient mutual;
    o = options(*m_mutual);
    o.certFile = m_tls.clientCert();
    o.keyFile = m_tls.clientKey();
    QVERIFY(!mutual.configure(o));
    VERIFY_OK(discover(mutual));
    o.certFile.clear();
    o.keyFile.clear();
    QVERIFY(!mutual.configure(o));
    const auto without = discover(mutual);
    QVERIFY(!without.ok());
    QVERIFY2(without.error.message().contains(QLatin1String("client certificate")),
             qPrintable(without.error.toString()));
}

void TestTls::mutualTlsWithClientCertificate()
{
    // Without a CommonName: with authentication on, etcd would take a CN as the user name.
    const QList<QSslCertificate> certs = QSslCertificate::fromPath(m_tls.clientCert());
    QCOMPARE(certs.size(), 1);
    QVERIFY(certs.first().subjectInfo(QSslCertificate::CommonName).isEmpty());
    QCOMPARE(certs.first().subjectInfo(QSslCertificate::Organization),
             QStringList{QStringLiteral("etcdscope-test")});

    EtcdClient client;
    EtcdClient::Options o = options(*m_mutual);
    o.certFile = m_tls.clientCert();
    o.keyFile = m_tls.clientKey();
    QVERIFY(!client.configure(o));
    checkKvAndWatch(client, *m_mutual, "/tls/mutual");
}

void TestTls::mutualTlsWithoutClientCertificate()
{
    EtcdClient client;
    QVERIFY(!client.configure(options(*m_mutual)));
    const EtcdError e = discoveryError(client);
    QVERIFY(e.isError());
    // As with a refused certificate: Tls, or Network when the end overtook the alert.
    QVERIFY2(e.kind() == EtcdError::Kind::Tls || e.kind() == EtcdError::Kind::Network,
             qPrintable(e.toString()));
    QCOMPARE(e.endpoint(), m_mutual->clientUrl());
    QVERIFY2(e.message().contains(QLatin1String("client certificate")), qPrintable(e.message()));

    // The gRPC watch says the same.
    const EtcdError we = watchFailure(client, "/tls/mutual-watch");
    qDebug().noquote() << "watch:" << we.toString();
    QCOMPARE(we.kind(), EtcdError::Kind::Tls);
    QVERIFY2(we.message().contains(QLatin1String("client certificate")), qPrintable(we.message()));
}

void TestTls::mutualTlsWithForeignClientCertificate()
{
    EtcdClient client;
    EtcdClient::Options o = options(*m_mutual);
    o.certFile = m_tls.foreignClientCert();
    o.keyFile = m_tls.foreignClientKey();
    QVERIFY(!client.configure(o));
    const EtcdError e = discoveryError(client);
    QVERIFY(e.isError());
    // TLS 1.3: the server refuses the certificate with an alert after the client's handshake
    // is done; when the end of the connection overtakes it, only that end is left to report.
    QVERIFY2(e.kind() == EtcdError::Kind::Tls || e.kind() == EtcdError::Kind::Network,
             qPrintable(e.toString()));
    QVERIFY2(e.message().contains(QLatin1String("refused the client certificate")),
             qPrintable(e.message()));
}

void TestTls::invalidServerName()
{
    EtcdClient client;
    EtcdClient::Options o = options(*m_server);
    o.serverName = QStringLiteral("https://etcd.test/");
    const EtcdError e = client.configure(o);
    QCOMPARE(e.kind(), EtcdError::Kind::Tls);
    QVERIFY2(e.message().contains(QLatin1String("invalid TLS server name")),
             qPrintable(e.message()));
}

QTEST_GUILESS_MAIN(TestTls)
#include "tst_tls.moc"
