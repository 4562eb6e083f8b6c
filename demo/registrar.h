#pragma once

#include "registraroptions.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

class Chaos;
class EtcdClient;
class LoginWatch;
class DemoServer;

// The demo backend as a whole: its service instances, the msg server's discovery of the login
// servers, the chaos, and the commands typed on stdin. Commands run one at a time, in order:
// each is answered ("ok stop 0001-0002") before the next one starts.
class Registrar : public QObject
{
    Q_OBJECT
public:
    // v3, v2: the stores to register in (what the command line asked and the cluster serves).
    Registrar(EtcdClient *client, const RegistrarOptions &options, bool v3, bool v2,
              QObject *parent = nullptr);

    int instanceCount() const { return int(m_instances.size()); }
    // Registers every instance; "ready" follows once each is registered everywhere.
    void start();
    // One line from stdin.
    void command(const QString &line);

Q_SIGNALS:
    // "quit" is done: every registration removed (or the attempt failed).
    void finished(int exitCode);

private:
    void runNext();
    void run(const QString &line);
    void quit(const QString &line);
    void answer(const QString &line, const QString &error);
    void onFirstRegistered();
    DemoServer *find(const QString &id) const;

    EtcdClient *m_client;
    RegistrarOptions m_options;
    QList<DemoServer *> m_instances;
    DemoServer *m_observer = nullptr; // the msg server that watches the login servers
    LoginWatch *m_loginWatch = nullptr;
    Chaos *m_chaos = nullptr;
    QStringList m_queue;
    bool m_busy = false;
    bool m_quitting = false;
    int m_registered = 0;
};
