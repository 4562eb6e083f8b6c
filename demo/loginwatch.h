#pragma once

#include "etcdwatchevent.h"

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QObject>
#include <QString>

class EtcdClient;
class EtcdError;
class EtcdWatcher;

// What the first msg server does at start: finds the login servers by listing their directory,
// then follows it with a watch from the listing's revision + 1, and prints the set each time it
// changes. In the API the client uses (v3 where served, else the v2 directory).
class LoginWatch : public QObject
{
    Q_OBJECT
public:
    // `who` names the observer in its lines ("msg_server 0002-0001"); `directory` ends in '/'.
    LoginWatch(EtcdClient *client, const QString &who, const QByteArray &directory,
               QObject *parent = nullptr);

    void start();

private:
    void listV3();
    void listV2();
    void listed(const QMap<QString, QString> &servers, qint64 revision);
    void listFailed(const EtcdError &error);
    void onEvents(const QList<EtcdWatchEvent> &events);
    // The instance ID of a key directly in the directory; empty for anything else.
    QString idOf(const QByteArray &key) const;
    // "ip:port" from a login server's JSON, or the value as it is.
    static QString address(const QByteArray &value);
    void print(const QStringList &changes) const;

    EtcdClient *m_client;
    EtcdWatcher *m_watcher;
    QString m_who;
    QByteArray m_directory;
    QMap<QString, QString> m_servers; // ID -> address, in ID order
    bool m_listed = false;            // the first listing was printed
    bool m_interrupted = false;       // an interruption was printed; said again after it went live
};
