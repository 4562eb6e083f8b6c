#pragma once

#include <QString>
#include <QTemporaryDir>

// Certificates for the TLS tests, made by openssl in a temporary directory when the test runs
// (none is committed): a test CA and an unrelated one, server certificates signed by the CA, and
// a client certificate without a CommonName (etcd takes a client certificate's CN as the user
// name when authentication is on, which its own gateway cannot then use). EC P-256 keys: made
// in milliseconds. Every certificate is valid for two days, except the expired one.
class TlsFixture
{
public:
    // Runs openssl; false (with a warning saying what failed) when any step fails.
    bool create();

    QString path(const QString &name) const { return m_dir.filePath(name); }

    // The CA that signs everything below, and one that signed nothing here.
    QString caCert() const { return path(QStringLiteral("ca.pem")); }
    QString otherCaCert() const { return path(QStringLiteral("other-ca.pem")); }
    // SAN IP:127.0.0.1 and DNS:localhost; extended key usage serverAuth and clientAuth (etcd
    // 3.4's gateway presents the member's certificate when it calls the member's gRPC server).
    QString serverCert() const { return path(QStringLiteral("server.pem")); }
    QString serverKey() const { return path(QStringLiteral("server-key.pem")); }
    // Only DNS:etcd.test: reached at 127.0.0.1 only with a server name.
    QString namedServerCert() const { return path(QStringLiteral("named.pem")); }
    QString namedServerKey() const { return path(QStringLiteral("named-key.pem")); }
    // As serverCert, but its validity ended a day before it began.
    QString expiredServerCert() const { return path(QStringLiteral("expired.pem")); }
    QString expiredServerKey() const { return path(QStringLiteral("expired-key.pem")); }
    // Subject "O=etcdscope-test" (no CN), extended key usage clientAuth.
    QString clientCert() const { return path(QStringLiteral("client.pem")); }
    QString clientKey() const { return path(QStringLiteral("client-key.pem")); }
    // The same signed by the unrelated CA: a client certificate the server does not accept.
    QString foreignClientCert() const { return path(QStringLiteral("foreign-client.pem")); }
    QString foreignClientKey() const { return path(QStringLiteral("foreign-client-key.pem")); }

    // The subjects given to openssl, for the tests that check what an error names.
    static QString caSubject() { return QStringLiteral("/O=etcdscope-test/CN=etcdscope test CA"); }
    static QString otherCaSubject() { return QStringLiteral("/O=elsewhere/CN=unrelated test CA"); }
    static QString serverSubject() { return QStringLiteral("/O=etcdscope-test/OU=etcd member"); }

private:
    bool openssl(const QStringList &args);
    bool makeCa(const QString &name, const QString &subject);
    // Signed by the CA named `signer` ("ca" or "other-ca").
    bool makeLeaf(const QString &name, const QString &subject, const QString &extensions,
                  int days = 2, const QString &signer = QStringLiteral("ca"));

    QTemporaryDir m_dir;
};
