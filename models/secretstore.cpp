#include "secretstore.h"

#include <QPointer>
#include <QTimer>

#include <qt6keychain/keychain.h>

namespace {

const QString service = QStringLiteral("etcdscope");

SecretStore::Result resultOf(QKeychain::Job *job)
{
    SecretStore::Result r;
    switch (job->error()) {
    case QKeychain::NoError:
        break;
    case QKeychain::EntryNotFound:
        break; // nothing stored: not an error
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
        r.unavailable = true;
        r.error = SecretStore::tr("no keychain service is running (%1)").arg(job->errorString());
        break;
    case QKeychain::AccessDeniedByUser:
        r.error = SecretStore::tr("access to the keychain was denied");
        break;
    case QKeychain::AccessDenied:
    case QKeychain::CouldNotDeleteEntry:
    case QKeychain::OtherError:
        // Without a D-Bus session or a Secret Service, QtKeychain says so only in words.
        r.unavailable = true;
        r.error = SecretStore::tr("the keychain could not be used: %1").arg(job->errorString());
        break;
    }
    return r;
}

SecretStore::Result disabled()
{
    SecretStore::Result r;
    r.unavailable = true;
    r.error = SecretStore::tr("the keychain is turned off (ETCDSCOPE_NO_KEYCHAIN)");
    return r;
}

void later(QObject *context, SecretStore::Callback done, SecretStore::Result r)
{
    QTimer::singleShot(0, context, [done = std::move(done), r = std::move(r)] { done(r); });
}

} // namespace

SecretStore::SecretStore(QObject *parent)
    : QObject(parent)
{
}

bool SecretStore::disabledByEnvironment()
{
    return qEnvironmentVariableIntValue("ETCDSCOPE_NO_KEYCHAIN") != 0;
}

QString SecretStore::passwordKey(const QString &profileName)
{
    return QStringLiteral("profile/%1/password").arg(profileName);
}

QString SecretStore::passphraseKey(const QString &profileName)
{
    return QStringLiteral("profile/%1/key-passphrase").arg(profileName);
}

void SecretStore::read(const QString &key, QObject *context, Callback done)
{
    if (disabledByEnvironment())
        return later(context, std::move(done), disabled());
    auto *job = new QKeychain::ReadPasswordJob(service, this);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, context, [done = std::move(done)](QKeychain::Job *j) {
        Result r = resultOf(j);
        if (j->error() == QKeychain::NoError)
            r.secret = static_cast<QKeychain::ReadPasswordJob *>(j)->textData();
        done(r);
    });
    job->start();
}

void SecretStore::write(const QString &key, const QString &secret, QObject *context, Callback done)
{
    if (disabledByEnvironment())
        return later(context, std::move(done), disabled());
    auto *job = new QKeychain::WritePasswordJob(service, this);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(key);
    job->setTextData(secret);
    connect(job, &QKeychain::Job::finished, context,
            [done = std::move(done)](QKeychain::Job *j) { done(resultOf(j)); });
    job->start();
}

void SecretStore::remove(const QString &key, QObject *context, Callback done)
{
    if (disabledByEnvironment())
        return later(context, std::move(done), disabled());
    auto *job = new QKeychain::DeletePasswordJob(service, this);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, context,
            [done = std::move(done)](QKeychain::Job *j) { done(resultOf(j)); });
    job->start();
}
