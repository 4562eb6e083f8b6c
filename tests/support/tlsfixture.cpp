#include "tlsfixture.h"

#include "etcdfixture.h"

#include <QFile>
#include <QStandardPaths>
#include <QtDebug>

namespace {

QString opensslBinary()
{
    const QString found = QStandardPaths::findExecutable(QStringLiteral("openssl"));
    return found.isEmpty() ? QStringLiteral("/usr/bin/openssl") : found;
}

const QStringList kEcKey{QStringLiteral("-newkey"), QStringLiteral("ec"),
                         QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"),
                         QStringLiteral("-nodes")};

} // namespace

bool TlsFixture::openssl(const QStringList &args)
{
    QByteArray out;
    const int rc = runProgram(opensslBinary(), args, &out, {}, {}, 30000);
    if (rc != 0)
        qWarning().noquote() << "openssl" << args.join(QLatin1Char(' ')) << "failed:" << rc;
    return rc == 0;
}

bool TlsFixture::makeCa(const QString &name, const QString &subject)
{
    return openssl(QStringList{QStringLiteral("req"), QStringLiteral("-x509")} + kEcKey +
                   QStringList{QStringLiteral("-keyout"), path(name + QStringLiteral("-key.pem")),
                               QStringLiteral("-out"), path(name + QStringLiteral(".pem")),
                               QStringLiteral("-subj"), subject, QStringLiteral("-days"),
                               QStringLiteral("2")});
}

bool TlsFixture::makeLeaf(const QString &name, const QString &subject, const QString &extensions,
                          int days, const QString &signer)
{
    const QString ext = path(name + QStringLiteral(".ext"));
    QFile f(ext);
    if (!f.open(QIODevice::WriteOnly))
        return false;
    f.write(extensions.toUtf8());
    f.close();
    const QString csr = path(name + QStringLiteral(".csr"));
    return openssl(QStringList{QStringLiteral("req"), QStringLiteral("-new")} + kEcKey +
                   QStringList{QStringLiteral("-keyout"), path(name + QStringLiteral("-key.pem")),
                               QStringLiteral("-out"), csr, QStringLiteral("-subj"), subject}) &&
           openssl({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), csr,
                    QStringLiteral("-CA"), path(signer + QStringLiteral(".pem")),
                    QStringLiteral("-CAkey"), path(signer + QStringLiteral("-key.pem")),
                    QStringLiteral("-CAcreateserial"), QStringLiteral("-days"),
                    QString::number(days), QStringLiteral("-extfile"), ext, QStringLiteral("-out"),
                    path(name + QStringLiteral(".pem"))});
}

bool TlsFixture::create()
{
    if (!m_dir.isValid())
        return false;
    const QString server = QStringLiteral("basicConstraints=CA:FALSE\n"
                                          "keyUsage=digitalSignature,keyEncipherment\n"
                                          "extendedKeyUsage=serverAuth,clientAuth\n");
    const QString client = QStringLiteral("basicConstraints=CA:FALSE\n"
                                          "keyUsage=digitalSignature,keyEncipherment\n"
                                          "extendedKeyUsage=clientAuth\n");
    return makeCa(QStringLiteral("ca"), caSubject()) &&
           makeCa(QStringLiteral("other-ca"), otherCaSubject()) &&
           makeLeaf(QStringLiteral("server"), serverSubject(),
                    server + QStringLiteral("subjectAltName=IP:127.0.0.1,DNS:localhost\n")) &&
           makeLeaf(QStringLiteral("named"), serverSubject(),
                    server + QStringLiteral("subjectAltName=DNS:etcd.test\n")) &&
           makeLeaf(QStringLiteral("expired"), serverSubject(),
                    server + QStringLiteral("subjectAltName=IP:127.0.0.1,DNS:localhost\n"), -1) &&
           makeLeaf(QStringLiteral("client"), QStringLiteral("/O=etcdscope-test"), client) &&
           makeLeaf(QStringLiteral("foreign-client"), QStringLiteral("/O=etcdscope-test"), client,
                    2, QStringLiteral("other-ca"));
}
