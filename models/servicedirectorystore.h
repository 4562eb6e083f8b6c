#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

struct ConnectionProfile;
class ServiceModel;

// The directories the user showed as services (marked) or stopped showing (hidden), kept per
// connection in QSettings, group "services/<profile key>": the profile's name, or for a
// connection from the command line its endpoints joined by ','. The key is percent-encoded in
// the group name (endpoints hold '/', which QSettings would take for nested groups).
class ServiceDirectoryStore
{
public:
    // Empty settingsFile: QSettings' default for this application.
    explicit ServiceDirectoryStore(QString profileKey, QString settingsFile = {});

    static QString profileKey(const ConnectionProfile &profile);
    QString key() const { return m_profileKey; }

    QList<QByteArray> marked() const;
    QList<QByteArray> hidden() const;
    void save(const QList<QByteArray> &marked, const QList<QByteArray> &hidden) const;

    // Into the model before it starts; from the model after each change.
    void loadInto(ServiceModel *model) const;
    void saveFrom(const ServiceModel *model) const;

private:
    QString group() const;
    QList<QByteArray> read(const QString &name) const;

    QString m_profileKey;
    QString m_file;
};
