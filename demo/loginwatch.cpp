// The msg server's discovery of the login servers: list, then watch.
#include "loginwatch.h"

#include "console.h"
#include "etcdclient.h"
#include "etcdv2client.h"
#include "etcdv3client.h"
#include "etcdwatcher.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

LoginWatch::LoginWatch(EtcdClient *client, const QString &who, const QByteArray &directory,
                       QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_watcher(new EtcdWatcher(client, this))
    , m_who(who)
    , m_directory(directory)
{
    // Addresses are all it needs: no previous values (cheaper for etcd).
    m_watcher->setPrevValues(false);
    connect(m_watcher, &EtcdWatcher::eventsReceived, this, &LoginWatch::onEvents);
    // The history it needed was compacted away: read the directory again and go on from there.
    connect(m_watcher, &EtcdWatcher::historyLost, this, [this](qint64) { start(); });
    connect(m_watcher, &EtcdWatcher::failed, this, [this](const EtcdError &error) {
        Console::warn(QStringLiteral("%1: the watch of %2 failed: %3")
                          .arg(m_who, QString::fromUtf8(m_directory), error.toString()));
    });
    connect(m_watcher, &EtcdWatcher::interrupted, this, [this](const EtcdError &error) {
        if (!m_interrupted)
            Console::warn(QStringLiteral("%1: the watch of %2 was interrupted (%3), resuming")
                              .arg(m_who, QString::fromUtf8(m_directory), error.toString()));
        m_interrupted = true;
    });
    connect(m_watcher, &EtcdWatcher::stateChanged, this, [this](EtcdWatcher::State state) {
        if (state == EtcdWatcher::State::Live)
            m_interrupted = false;
    });
}

void LoginWatch::start()
{
    if (m_client->apiInUse() == EtcdClient::Api::V2)
        listV2();
    else
        listV3();
}

void LoginWatch::listV3()
{
    EtcdV3RangeOptions options;
    options.rangeEnd = EtcdV3Client::prefixRangeEnd(m_directory);
    m_client->v3()->range(m_directory, options, this,
                          [this](const EtcdResult<EtcdV3RangeResult> &r) {
                              if (!r.ok()) {
                                  listFailed(r.error);
                                  return;
                              }
                              QMap<QString, QString> servers;
                              for (const EtcdV3KeyValue &kv : r.value.kvs) {
                                  const QString id = idOf(kv.key);
                                  if (!id.isEmpty())
                                      servers.insert(id, address(kv.value));
                              }
                              listed(servers, r.value.header.revision);
                          });
}

void LoginWatch::listV2()
{
    QByteArray dir = m_directory;
    dir.chop(1); // a v2 directory is named without the slash
    m_client->v2()->get(dir, {}, this, [this](const EtcdResult<EtcdV2Response> &r) {
        // No directory yet is an empty set, as of the index etcd gave with the 404.
        if (!r.ok() && !r.error.is(EtcdError::Condition::KeyNotFound)) {
            listFailed(r.error);
            return;
        }
        QMap<QString, QString> servers;
        for (const EtcdV2Node &node : r.value.node.nodes) {
            const QString id = idOf(node.key);
            if (!node.dir && !id.isEmpty())
                servers.insert(id, address(node.value));
        }
        listed(servers, r.ok() ? r.value.etcdIndex : r.error.index());
    });
}

void LoginWatch::listed(const QMap<QString, QString> &servers, qint64 revision)
{
    // A second listing (after lost history) reports only what changed meanwhile.
    const bool first = !m_listed;
    m_listed = true;
    QStringList changes;
    for (auto it = m_servers.cbegin(); it != m_servers.cend(); ++it) {
        if (!servers.contains(it.key()))
            changes << it.key() + QStringLiteral(" left");
    }
    for (auto it = servers.cbegin(); it != servers.cend(); ++it) {
        if (!m_servers.contains(it.key()))
            changes << it.key() + QStringLiteral(" joined");
        else if (m_servers.value(it.key()) != it.value())
            changes << it.key() + QStringLiteral(" moved");
    }
    m_servers = servers;
    if (first)
        print({});
    else if (!changes.isEmpty())
        print(changes);
    // Everything up to the listing's revision is in the set: the watch starts right after it.
    m_watcher->start(m_client->apiInUse() == EtcdClient::Api::V2 ? m_directory.chopped(1)
                                                                 : m_directory,
                     revision + 1);
}

void LoginWatch::listFailed(const EtcdError &error)
{
    Console::warn(QStringLiteral("%1: listing %2 failed: %3 (trying again in 2 s)")
                      .arg(m_who, QString::fromUtf8(m_directory), error.toString()));
    QTimer::singleShot(2000, this, &LoginWatch::start);
}

void LoginWatch::onEvents(const QList<EtcdWatchEvent> &events)
{
    // A batch may hold several changes (a v2 heartbeat sets the key again with the same value:
    // no change); one line for the whole batch, only when the set of servers changed.
    QStringList changes;
    for (const EtcdWatchEvent &event : events) {
        const QString id = idOf(event.key);
        if (id.isEmpty() || event.isDir)
            continue;
        if (event.isDelete()) {
            if (m_servers.remove(id) > 0)
                changes << id + QStringLiteral(" left");
            continue;
        }
        const QString addr = address(event.value);
        const auto it = m_servers.constFind(id);
        if (it == m_servers.cend())
            changes << id + QStringLiteral(" joined");
        else if (it.value() != addr)
            changes << id + QStringLiteral(" moved");
        else
            continue;
        m_servers.insert(id, addr);
    }
    if (!changes.isEmpty())
        print(changes);
}

QString LoginWatch::idOf(const QByteArray &key) const
{
    if (!key.startsWith(m_directory))
        return {};
    const QByteArray rest = key.mid(m_directory.size());
    if (rest.isEmpty() || rest.contains('/'))
        return {};
    return QString::fromUtf8(rest);
}

QString LoginWatch::address(const QByteArray &value)
{
    const QJsonObject o = QJsonDocument::fromJson(value).object();
    if (o.contains(QLatin1String("ip")) && o.contains(QLatin1String("port"))) {
        return o.value(QLatin1String("ip")).toString() + QLatin1Char(':') +
               QString::number(o.value(QLatin1String("port")).toInt());
    }
    return QString::fromUtf8(value);
}

void LoginWatch::print(const QStringList &changes) const
{
    QStringList servers;
    for (auto it = m_servers.cbegin(); it != m_servers.cend(); ++it)
        servers << it.key() + QLatin1Char(' ') + it.value();
    QString line = QStringLiteral("%1 sees %2 login server%3")
                       .arg(m_who)
                       .arg(m_servers.size())
                       .arg(m_servers.size() == 1 ? QString() : QStringLiteral("s"));
    if (!servers.isEmpty())
        line += QStringLiteral(": ") + servers.join(QStringLiteral(", "));
    if (!changes.isEmpty())
        line += QStringLiteral(" (") + changes.join(QStringLiteral(", ")) + QLatin1Char(')');
    Console::say(line);
}
