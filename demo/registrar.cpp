// The demo backend: instances, discovery, chaos and the stdin commands.
#include "registrar.h"

#include "chaos.h"
#include "console.h"
#include "demoserver.h"
#include "loginwatch.h"

#include <memory>

using Console::say;

Registrar::Registrar(EtcdClient *client, const RegistrarOptions &options, bool v3, bool v2,
                     QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_options(options)
{
    DemoServer *dying = nullptr;
    DemoServer *late = nullptr;
    for (const RegistrarOptions::ServiceCount &entry : options.services) {
        for (int n = 1; n <= entry.count; ++n) {
            DemoServer::Config config;
            config.service = entry.service;
            config.number = n;
            config.prefix = options.prefix;
            config.v3 = v3;
            config.v2 = v2;
            config.ttl = options.ttl;
            config.intervalMs = options.intervalMs;
            // The chaos picks: login 0001-0003 dies, route 0003-0002 runs late (and needs a
            // TTL that outlasts its pauses).
            const bool dies = options.chaos && entry.service == Service::Login && n == 3;
            const bool isLate = options.chaos && entry.service == Service::Route && n == 2;
            if (isLate)
                config.ttl = Chaos::lateTtl(options.ttl);
            auto *instance = new DemoServer(client, config, this);
            connect(instance, &DemoServer::firstRegistered, this, &Registrar::onFirstRegistered);
            m_instances << instance;
            if (dies)
                dying = instance;
            if (isLate)
                late = instance;
            if (!m_observer && entry.service == Service::Msg)
                m_observer = instance;
        }
    }
    if (options.chaos)
        m_chaos = new Chaos(dying, late, this);
}

void Registrar::start()
{
    if (m_instances.isEmpty()) {
        say(QStringLiteral("ready"));
        return;
    }
    for (DemoServer *instance : std::as_const(m_instances)) {
        // A first registration that fails is retried by the heartbeats; the error was printed.
        instance->start();
    }
}

void Registrar::onFirstRegistered()
{
    if (++m_registered != m_instances.size())
        return;
    say(QStringLiteral("ready"));
    // Discovery starts now, so that its first listing already holds every login server.
    if (m_observer && !m_quitting) {
        m_loginWatch =
            new LoginWatch(m_client, m_observer->name(),
                           m_options.prefix + DemoServer::directory(Service::Login), this);
        m_loginWatch->start();
    }
    if (m_chaos && !m_quitting)
        m_chaos->start();
}

DemoServer *Registrar::find(const QString &id) const
{
    for (DemoServer *instance : m_instances) {
        if (instance->id() == id)
            return instance;
    }
    return nullptr;
}

void Registrar::command(const QString &line)
{
    const QString trimmed = line.simplified();
    if (trimmed.isEmpty() || m_quitting)
        return;
    m_queue << trimmed;
    runNext();
}

void Registrar::runNext()
{
    if (m_busy || m_queue.isEmpty())
        return;
    m_busy = true;
    run(m_queue.takeFirst());
}

void Registrar::answer(const QString &line, const QString &error)
{
    if (error.isEmpty())
        say(QStringLiteral("ok ") + line);
    else
        say(QStringLiteral("error %1: %2").arg(line, error));
    m_busy = false;
    // From the event loop: a long queue does not nest one command's answer in the next.
    QMetaObject::invokeMethod(this, &Registrar::runNext, Qt::QueuedConnection);
}

void Registrar::run(const QString &line)
{
    const QStringList words = line.split(QLatin1Char(' '));
    const QString verb = words.constFirst();
    if (verb == QLatin1String("quit") && words.size() == 1) {
        quit(line);
        return;
    }
    const bool known = verb == QLatin1String("stop") || verb == QLatin1String("start") ||
                       verb == QLatin1String("kill");
    if (!known || words.size() != 2) {
        answer(line, QStringLiteral("unknown command (stop ID, start ID, kill ID, quit)"));
        return;
    }
    DemoServer *instance = find(words.at(1));
    if (!instance) {
        QStringList ids;
        for (DemoServer *i : std::as_const(m_instances))
            ids << i->id();
        answer(line, QStringLiteral("no instance %1 (instances: %2)")
                         .arg(words.at(1), ids.join(QStringLiteral(", "))));
        return;
    }
    if (verb == QLatin1String("stop")) {
        instance->stop();
        say(QStringLiteral("%1 stopped its heartbeats (its keys expire within %2 s)")
                .arg(instance->name())
                .arg(instance->ttl()));
        answer(line, {});
    } else if (verb == QLatin1String("start")) {
        instance->start([this, line](const QString &error) { answer(line, error); });
    } else {
        instance->kill([this, line, instance](const QString &error) {
            if (error.isEmpty())
                say(QStringLiteral("%1 was killed (lease revoked, keys deleted)")
                        .arg(instance->name()));
            answer(line, error);
        });
    }
}

void Registrar::quit(const QString &line)
{
    m_quitting = true;
    m_queue.clear();
    // Nothing may come back while the registrations go: no chaos, no discovery lines.
    delete m_chaos;
    m_chaos = nullptr;
    delete m_loginWatch;
    m_loginWatch = nullptr;
    struct Pending
    {
        int left = 0;
        QStringList errors;
    };
    auto pending = std::make_shared<Pending>();
    pending->left = int(m_instances.size());
    auto finish = [this, line, pending] {
        answer(line, pending->errors.join(QStringLiteral("; ")));
        // The answer is out (flushed): the caller sees it before the process ends.
        Q_EMIT finished(0);
    };
    if (pending->left == 0) {
        finish();
        return;
    }
    for (DemoServer *instance : std::as_const(m_instances)) {
        instance->kill([pending, finish, instance](const QString &error) {
            if (!error.isEmpty())
                pending->errors << instance->id() + QStringLiteral(": ") + error;
            if (--pending->left == 0)
                finish();
        });
    }
}
