// EtcdClient against real etcd members: version, health, discovery of the APIs (with and without
// v2), the choice of the API, configuration errors (TLS files) and the read-only guard.
#include "etcdclient.h"
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "etcdtransport.h"
#include "etcdv2client.h"
#include "etcdv3client.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslKey>
#include <QTemporaryDir>
#include <QTest>

Q_DECLARE_METATYPE(EtcdClient::Api)
Q_DECLARE_METATYPE(EtcdError::Kind)

class TestEtcdClient : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void version();
    void health();
    void discoverWithV2_data();
    void discoverWithV2();
    void discoverWithoutV2_data();
    void discoverWithoutV2();
    void discoverUnreachable();
    void discoverFailsOverAndForwardsEndpointSignal();
    void cancelDiscovery();
    void contextDestroyedCancelsDiscovery();
    void configureErrors_data();
    void configureErrors();
    void failedConfigureChangesNothing();
    void configureLoadsTlsFiles();
    void userWithPassword();
    void readOnlyRefusesWrites();

private:
    QString writeFile(const QString &name, const QByteArray &data);

    EtcdServer m_etcd;
    std::unique_ptr<EtcdServer> m_noV2;
    QTemporaryDir m_dir;
};

void TestEtcdClient::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(m_etcd.start(), "etcd (with v2) did not start");
    EtcdServer::Options options;
    options.name = QStringLiteral("nov2");
    options.enableV2 = false;
    m_noV2 = std::make_unique<EtcdServer>(options);
    QVERIFY2(m_noV2->start(), "etcd (without v2) did not start");
}

QString TestEtcdClient::writeFile(const QString &name, const QByteArray &data)
{
    const QString path = m_dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size())
        return {};
    return path;
}

void TestEtcdClient::version()
{
    EtcdClient client;
    QVERIFY(!client.configure(clientOptions({m_etcd.clientUrl()})));
    bool called = false;
    EtcdResult<EtcdClient::VersionInfo> out;
    client.version(this, [&](const EtcdResult<EtcdClient::VersionInfo> &r) {
        called = true;
        out = r;
    });
    QVERIFY(!called);
    QTRY_VERIFY(called);
    QVERIFY2(out.ok(), qPrintable(out.error.toString()));
    QVERIFY2(out.value.serverVersion.startsWith(QLatin1String("3.4.")),
             qPrintable(out.value.serverVersion));
    QCOMPARE(out.value.clusterVersion, QStringLiteral("3.4.0"));
}

void TestEtcdClient::health()
{
    EtcdClient client;
    QVERIFY(!client.configure(clientOptions({m_etcd.clientUrl()})));
    bool called = false;
    EtcdResult<EtcdClient::HealthInfo> out;
    client.health(this, [&](const EtcdResult<EtcdClient::HealthInfo> &r) {
        called = true;
        out = r;
    });
    QTRY_VERIFY(called);
    QVERIFY2(out.ok(), qPrintable(out.error.toString()));
    QVERIFY(out.value.healthy);
    QVERIFY(out.value.reason.isEmpty());
}

void TestEtcdClient::discoverWithV2_data()
{
    QTest::addColumn<EtcdClient::Api>("wanted");
    QTest::addColumn<EtcdClient::Api>("chosen");
    QTest::newRow("auto") << EtcdClient::Api::Auto << EtcdClient::Api::V3;
    QTest::newRow("v2") << EtcdClient::Api::V2 << EtcdClient::Api::V2;
    QTest::newRow("v3") << EtcdClient::Api::V3 << EtcdClient::Api::V3;
}

void TestEtcdClient::discoverWithV2()
{
    QFETCH(EtcdClient::Api, wanted);
    QFETCH(EtcdClient::Api, chosen);
    EtcdClient client;
    EtcdClient::Options options;
    options.endpoints = {m_etcd.clientUrl()};
    options.api = wanted;
    QVERIFY(!client.configure(options));
    client.v3()->setApiPrefix("/wrong"); // discovery sets it
    const auto r = discover(client);
    QVERIFY2(r.ok(), qPrintable(r.error.toString()));
    QVERIFY2(r.value.serverVersion.startsWith(QLatin1String("3.4.")),
             qPrintable(r.value.serverVersion));
    QCOMPARE(r.value.clusterVersion, QStringLiteral("3.4.0"));
    QVERIFY(r.value.healthy);
    QVERIFY(r.value.v2Available);
    QVERIFY(r.value.v3Available);
    QCOMPARE(r.value.v3Prefix, QByteArray("/v3"));
    QCOMPARE(r.value.api, chosen);
    QCOMPARE(r.value.endpoint, m_etcd.clientUrl());
    QCOMPARE(client.apiInUse(), chosen);
    QCOMPARE(client.v3()->apiPrefix(), QByteArray("/v3"));
}

void TestEtcdClient::discoverWithoutV2_data()
{
    QTest::addColumn<EtcdClient::Api>("wanted");
    QTest::addColumn<bool>("ok");
    QTest::newRow("auto") << EtcdClient::Api::Auto << true;
    QTest::newRow("v2 forced") << EtcdClient::Api::V2 << false;
    QTest::newRow("v3 forced") << EtcdClient::Api::V3 << true;
}

void TestEtcdClient::discoverWithoutV2()
{
    QFETCH(EtcdClient::Api, wanted);
    QFETCH(bool, ok);
    EtcdClient client;
    EtcdClient::Options options;
    options.endpoints = {m_noV2->clientUrl()};
    options.api = wanted;
    QVERIFY(!client.configure(options));
    const auto r = discover(client);
    // What was found is reported either way.
    QVERIFY(!r.value.v2Available);
    QVERIFY(r.value.v3Available);
    QVERIFY(r.value.healthy);
    QVERIFY(r.value.serverVersion.startsWith(QLatin1String("3.4.")));
    if (ok) {
        QVERIFY2(r.ok(), qPrintable(r.error.toString()));
        QCOMPARE(r.value.api, EtcdClient::Api::V3);
        QCOMPARE(client.apiInUse(), EtcdClient::Api::V3);
    } else {
        QCOMPARE(r.error.kind(), EtcdError::Kind::Http);
        QVERIFY(r.error.is(EtcdError::Condition::ApiNotAvailable));
        QVERIFY2(r.error.message().contains(QLatin1String("v2")), qPrintable(r.error.message()));
        QVERIFY2(r.error.message().contains(QLatin1String("--enable-v2")),
                 qPrintable(r.error.message()));
        QCOMPARE(r.error.endpoint(), m_noV2->clientUrl());
        QCOMPARE(client.apiInUse(), EtcdClient::Api::Auto); // nothing chosen
    }
}

void TestEtcdClient::discoverUnreachable()
{
    EtcdClient client;
    const QString dead = QStringLiteral("http://127.0.0.1:%1").arg(EtcdServer::freePort());
    QVERIFY(!client.configure(clientOptions({dead})));
    // A refused connection must be reported as such, well before the 5 s call timeout.
    const auto r = discover(client, 4000);
    QCOMPARE(r.error.kind(), EtcdError::Kind::Network);
    QCOMPARE(r.error.endpoint(), dead);
    QVERIFY(!r.error.message().isEmpty());
}

void TestEtcdClient::discoverFailsOverAndForwardsEndpointSignal()
{
    EtcdClient client;
    QSignalSpy changed(&client, &EtcdClient::currentEndpointChanged);
    const QString dead = QStringLiteral("http://127.0.0.1:%1").arg(EtcdServer::freePort());
    QVERIFY(!client.configure(clientOptions({dead, m_etcd.clientUrl()})));
    const auto r = discover(client);
    QVERIFY2(r.ok(), qPrintable(r.error.toString()));
    QCOMPARE(r.value.endpoint, m_etcd.clientUrl());
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toString(), m_etcd.clientUrl());
}

void TestEtcdClient::cancelDiscovery()
{
    EtcdClient client;
    QVERIFY(!client.configure(clientOptions({m_etcd.clientUrl()})));
    bool called = false;
    QPointer<EtcdDiscovery> d =
        client.discover(this, [&](const EtcdResult<EtcdClient::ClusterInfo> &) { called = true; });
    QVERIFY(d);
    QSignalSpy finished(d.data(), &EtcdDiscovery::finished);
    d->cancel();
    QCOMPARE(finished.count(), 1);
    QTRY_VERIFY(d.isNull());
    // A whole discovery later the cancelled one has still not called back.
    const auto again = discover(client);
    QVERIFY2(again.ok(), qPrintable(again.error.toString()));
    QVERIFY(!called);
}

void TestEtcdClient::contextDestroyedCancelsDiscovery()
{
    EtcdClient client;
    QVERIFY(!client.configure(clientOptions({m_etcd.clientUrl()})));
    bool called = false;
    auto *context = new QObject;
    QPointer<EtcdDiscovery> d = client.discover(
        context, [&](const EtcdResult<EtcdClient::ClusterInfo> &) { called = true; });
    delete context;
    QTRY_VERIFY(d.isNull());
    QVERIFY(!called);
}

void TestEtcdClient::configureErrors_data()
{
    QTest::addColumn<QString>("ca");
    QTest::addColumn<QString>("cert");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QStringList>("endpoints");
    QTest::addColumn<EtcdError::Kind>("kind");
    QTest::addColumn<QString>("inMessage");

    const QString missing = m_dir.filePath(QStringLiteral("missing.pem"));
    const QString garbage = writeFile(QStringLiteral("garbage.pem"), "not a certificate\n");
    const QString directory = m_dir.path();
    const QStringList ok{QStringLiteral("https://127.0.0.1:2379")};
    QTest::newRow("CA file missing")
        << missing << QString() << QString() << ok << EtcdError::Kind::Tls << missing;
    QTest::newRow("CA file unparseable")
        << garbage << QString() << QString() << ok << EtcdError::Kind::Tls << garbage;
    QTest::newRow("CA file is a directory")
        << directory << QString() << QString() << ok << EtcdError::Kind::Tls << directory;
    QTest::newRow("cert file missing")
        << QString() << missing << garbage << ok << EtcdError::Kind::Tls << missing;
    QTest::newRow("cert file unparseable")
        << QString() << garbage << garbage << ok << EtcdError::Kind::Tls << garbage;
    QTest::newRow("cert without key") << QString() << garbage << QString() << ok
                                      << EtcdError::Kind::Tls << QStringLiteral("without its key");
    QTest::newRow("key without cert")
        << QString() << QString() << garbage << ok << EtcdError::Kind::Tls
        << QStringLiteral("without its certificate");
    QTest::newRow("no endpoint") << QString() << QString() << QString() << QStringList()
                                 << EtcdError::Kind::Network << QStringLiteral("no endpoint");
    QTest::newRow("bad scheme") << QString() << QString() << QString()
                                << QStringList{QStringLiteral("ftp://127.0.0.1:1")}
                                << EtcdError::Kind::Network << QStringLiteral("ftp://127.0.0.1:1");
}

void TestEtcdClient::configureErrors()
{
    QFETCH(QString, ca);
    QFETCH(QString, cert);
    QFETCH(QString, key);
    QFETCH(QStringList, endpoints);
    QFETCH(EtcdError::Kind, kind);
    QFETCH(QString, inMessage);
    EtcdClient client;
    EtcdClient::Options options;
    options.endpoints = endpoints;
    options.caFile = ca;
    options.certFile = cert;
    options.keyFile = key;
    const EtcdError e = client.configure(options);
    QCOMPARE(e.kind(), kind);
    QVERIFY2(e.message().contains(inMessage), qPrintable(e.message()));
}

void TestEtcdClient::failedConfigureChangesNothing()
{
    EtcdClient client;
    EtcdClient::Options good;
    good.endpoints = {m_etcd.clientUrl()};
    good.timeoutMs = 1234;
    QVERIFY(!client.configure(good));
    EtcdClient::Options bad;
    bad.endpoints = {QStringLiteral("http://127.0.0.1:1")};
    bad.caFile = m_dir.filePath(QStringLiteral("missing.pem"));
    bad.readOnly = true;
    QVERIFY(client.configure(bad));
    QCOMPARE(client.transport()->endpoints(), QStringList{m_etcd.clientUrl()});
    QCOMPARE(client.transport()->defaultTimeout(), 1234);
    QVERIFY(!client.transport()->isReadOnly());
    QCOMPARE(client.options().endpoints, good.endpoints);
}

void TestEtcdClient::configureLoadsTlsFiles()
{
    // A CA and a client certificate made here, as the etcd TLS guides do with openssl.
    const QString ca = m_dir.filePath(QStringLiteral("ca.pem"));
    const QString caKey = m_dir.filePath(QStringLiteral("ca-key.pem"));
    const QString key = m_dir.filePath(QStringLiteral("client-key.pem"));
    const QString csr = m_dir.filePath(QStringLiteral("client.csr"));
    const QString cert = m_dir.filePath(QStringLiteral("client.pem"));
    const QString openssl = QStringLiteral("openssl");
    if (runProgram(openssl, {QStringLiteral("version")}) != 0)
        QSKIP("openssl is not installed");
    QCOMPARE(runProgram(openssl, {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                                  "-subj", "/CN=etcdscope test CA", "-keyout", caKey, "-out", ca}),
             0);
    QCOMPARE(runProgram(openssl, {"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                  "-nodes", "-subj", "/CN=client", "-keyout", key, "-out", csr}),
             0);
    QCOMPARE(runProgram(openssl, {"x509", "-req", "-in", csr, "-CA", ca, "-CAkey", caKey,
                                  "-CAcreateserial", "-days", "2", "-out", cert}),
             0);

    EtcdClient client;
    EtcdClient::Options options;
    options.endpoints = {QStringLiteral("https://127.0.0.1:2379")};
    options.caFile = ca;
    options.certFile = cert;
    options.keyFile = key;
    const EtcdError e = client.configure(options);
    QVERIFY2(!e, qPrintable(e.toString()));
    const QSslConfiguration ssl = client.transport()->sslConfiguration();
    // Only the given CA: the system CAs are replaced, as etcdctl --cacert does.
    QCOMPARE(ssl.caCertificates().size(), 1);
    QCOMPARE(ssl.caCertificates().first().subjectInfo(QSslCertificate::CommonName),
             QStringList{QStringLiteral("etcdscope test CA")});
    QCOMPARE(ssl.localCertificate().subjectInfo(QSslCertificate::CommonName),
             QStringList{QStringLiteral("client")});
    QVERIFY(!ssl.privateKey().isNull());
    QCOMPARE(ssl.privateKey().algorithm(), QSsl::Ec);
    QCOMPARE(ssl.peerVerifyMode(), QSslSocket::VerifyPeer);

    // The same key encrypted (PKCS#8): opened with its passphrase, a clear refusal without.
    const QString encrypted = m_dir.filePath(QStringLiteral("client-key-encrypted.pem"));
    QCOMPARE(runProgram(openssl, {"pkcs8", "-topk8", "-in", key, "-out", encrypted, "-passout",
                                  "pass:open sesame", "-v2", "aes-256-cbc"}),
             0);
    options.keyFile = encrypted;
    EtcdError refused = client.configure(options);
    QCOMPARE(refused.kind(), EtcdError::Kind::Tls);
    QVERIFY2(refused.message().contains(QStringLiteral("is encrypted: give its passphrase")),
             qPrintable(refused.toString()));
    options.keyPassphrase = QStringLiteral("wrong");
    refused = client.configure(options);
    QVERIFY2(refused.message().contains(QStringLiteral("passphrase does not open")),
             qPrintable(refused.toString()));
    options.keyPassphrase = QStringLiteral("open sesame");
    const EtcdError opened = client.configure(options);
    QVERIFY2(!opened, qPrintable(opened.toString()));
    QCOMPARE(client.transport()->sslConfiguration().privateKey().algorithm(), QSsl::Ec);
}

void TestEtcdClient::userWithPassword()
{
    EtcdClient client;
    EtcdClient::Options options;
    options.endpoints = {m_etcd.clientUrl()};
    options.user = QStringLiteral("root:se:cret");
    QVERIFY(!client.configure(options));
    QCOMPARE(client.transport()->user(), QStringLiteral("root"));
    QCOMPARE(client.transport()->password(), QStringLiteral("se:cret"));
    options.user = QStringLiteral("alice");
    options.password = QStringLiteral("pw");
    QVERIFY(!client.configure(options));
    QCOMPARE(client.transport()->user(), QStringLiteral("alice"));
    QCOMPARE(client.transport()->password(), QStringLiteral("pw"));
}

void TestEtcdClient::readOnlyRefusesWrites()
{
    EtcdClient client;
    EtcdClient::Options options;
    options.endpoints = {m_etcd.clientUrl()};
    options.readOnly = true;
    QVERIFY(!client.configure(options));
    QVERIFY(client.transport()->isReadOnly());
    // Discovery only reads: it works on a read-only connection.
    const auto info = discover(client);
    QVERIFY2(info.ok(), qPrintable(info.error.toString()));

    bool putDone = false;
    EtcdError putError;
    client.v3()->put("ro-key", "v", {}, this, [&](const EtcdResult<EtcdV3PutResult> &r) {
        putDone = true;
        putError = r.error;
    });
    bool setDone = false;
    EtcdError setError;
    client.v2()->set("/ro-key", "v", {}, this, [&](const EtcdResult<EtcdV2Response> &r) {
        setDone = true;
        setError = r.error;
    });
    bool rangeDone = false;
    EtcdError rangeError;
    client.v3()->range("ro-key", {}, this, [&](const EtcdResult<EtcdV3RangeResult> &r) {
        rangeDone = true;
        rangeError = r.error;
    });
    QTRY_VERIFY(putDone && setDone && rangeDone);
    QCOMPARE(putError.kind(), EtcdError::Kind::ReadOnly);
    QCOMPARE(setError.kind(), EtcdError::Kind::ReadOnly);
    QVERIFY2(!rangeError, qPrintable(rangeError.toString()));
    // Nothing reached the server.
    QCOMPARE(m_etcd.etcdctl({QStringLiteral("get"), QStringLiteral("ro-key")}).trimmed(),
             QString());
}

QTEST_MAIN(TestEtcdClient)
#include "tst_etcdclient.moc"
