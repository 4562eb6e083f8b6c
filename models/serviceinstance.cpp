#include "serviceinstance.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QRegularExpression>
#include <QSettings>

#include <algorithm>

namespace {

const char *const hostNames[] = {"ip", "host", "address", "addr", "hostname", "ipaddr", "ip_addr"};

int toPort(const QString &text)
{
    bool ok = false;
    const int port = text.trimmed().toInt(&ok);
    return ok && port >= 0 && port <= 65535 ? port : -1;
}

int toPort(const QJsonValue &v)
{
    if (v.isDouble()) {
        const double d = v.toDouble();
        return d >= 0 && d <= 65535 && d == int(d) ? int(d) : -1;
    }
    return v.isString() ? toPort(v.toString()) : -1;
}

// Looks up a name case-insensitively (registrars write "IP", "Port", ...).
QJsonValue member(const QJsonObject &o, const char *name)
{
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (it.key().compare(QLatin1String(name), Qt::CaseInsensitive) == 0)
            return it.value();
    }
    return {};
}

// "host:port" (or "[v6]:port", or "host" alone when allowHostOnly) in `text`.
bool parseHostPort(QString text, ServiceAddress *a, bool allowHostOnly)
{
    text = text.trimmed();
    for (const QLatin1String scheme : {QLatin1String("http://"), QLatin1String("https://"),
                                       QLatin1String("tcp://"), QLatin1String("grpc://")}) {
        if (text.startsWith(scheme, Qt::CaseInsensitive)) {
            text = text.mid(scheme.size());
            const qsizetype slash = text.indexOf(QLatin1Char('/'));
            if (slash >= 0)
                text.truncate(slash);
            break;
        }
    }
    if (text.isEmpty() || text.contains(QLatin1Char(' ')) || text.contains(QLatin1Char('\n')) ||
        text.contains(QLatin1Char('=')) || text.startsWith(QLatin1Char('{')))
        return false;
    QString host;
    int port = -1;
    if (text.startsWith(QLatin1Char('['))) {
        const qsizetype close = text.indexOf(QLatin1Char(']'));
        if (close < 0)
            return false;
        host = text.mid(1, close - 1);
        const QString rest = text.mid(close + 1);
        if (rest.startsWith(QLatin1Char(':')))
            port = toPort(rest.mid(1));
        else if (!rest.isEmpty())
            return false;
    } else if (text.count(QLatin1Char(':')) == 1) {
        const qsizetype colon = text.indexOf(QLatin1Char(':'));
        host = text.left(colon);
        port = toPort(text.mid(colon + 1));
        if (port < 0)
            return false;
    } else if (allowHostOnly) {
        host = text;
    } else {
        return false;
    }
    if (host.isEmpty())
        return false;
    a->host = host;
    a->port = port;
    a->parsed = true;
    return true;
}

bool fromJsonObject(const QJsonObject &o, ServiceAddress *a, int depth)
{
    QString host;
    for (const char *name : hostNames) {
        const QJsonValue v = member(o, name);
        if (v.isString() && !v.toString().trimmed().isEmpty()) {
            host = v.toString().trimmed();
            break;
        }
    }
    const int port = toPort(member(o, "port"));
    if (!host.isEmpty()) {
        // "address": "10.0.0.5:8008" carries its own port.
        ServiceAddress inner;
        if (port < 0 && parseHostPort(host, &inner, false)) {
            *a = inner;
            return true;
        }
        a->host = host;
        a->port = port;
        a->parsed = true;
        return true;
    }
    if (depth > 0) {
        // {"endpoint": {...}}, {"service": {"address": ...}}: one level down.
        for (auto it = o.begin(); it != o.end(); ++it) {
            if (it.value().isObject() && fromJsonObject(it.value().toObject(), a, depth - 1))
                return true;
        }
    }
    return false;
}

} // namespace

QString ServiceAddress::text() const
{
    if (!parsed)
        return {};
    const QString h =
        host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host;
    return port >= 0 ? h + QLatin1Char(':') + QString::number(port) : h;
}

ServiceAddress ServiceAddress::parse(const QByteArray &value)
{
    ServiceAddress a;
    const QByteArray trimmed = value.trimmed();
    if (trimmed.isEmpty() || trimmed.size() > 64 * 1024)
        return a;
    if (trimmed.startsWith('{')) {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(trimmed, &error);
        if (doc.isObject() && fromJsonObject(doc.object(), &a, 1))
            a.format = QStringLiteral("json");
        return a;
    }
    const QString text = QString::fromUtf8(trimmed);
    if (text.contains(QLatin1Char('=')) ||
        (text.contains(QLatin1Char('\n')) && text.contains(QLatin1Char(':')))) {
        // key=value lines (also "key: value", or "ip=1.2.3.4;port=80" on one line).
        QString host;
        int port = -1;
        const auto lines =
            text.split(QRegularExpression(QStringLiteral("[\\n;&,]")), Qt::SkipEmptyParts);
        for (const QString &line : lines) {
            qsizetype at = line.indexOf(QLatin1Char('='));
            if (at < 0)
                at = line.indexOf(QLatin1Char(':'));
            if (at <= 0)
                continue;
            const QString name = line.left(at).trimmed().toLower();
            const QString v = line.mid(at + 1).trimmed();
            if (name == QLatin1String("port"))
                port = toPort(v);
            else if (host.isEmpty() &&
                     std::any_of(std::begin(hostNames), std::end(hostNames),
                                 [&](const char *n) { return name == QLatin1String(n); }))
                host = v;
        }
        if (!host.isEmpty()) {
            ServiceAddress inner;
            if (port < 0 && parseHostPort(host, &inner, false)) {
                a = inner;
            } else {
                a.host = host;
                a.port = port;
                a.parsed = true;
            }
            a.format = QStringLiteral("key=value");
        }
        return a;
    }
    if (parseHostPort(text, &a, false))
        a.format = QStringLiteral("host:port");
    return a;
}

// ---- type names -------------------------------------------------------------------------------

namespace {

QList<ServiceTypeNames::Entry> readEntries(QSettings &settings, const QString &array)
{
    QList<ServiceTypeNames::Entry> entries;
    const int n = settings.beginReadArray(array);
    for (int i = 0; i < n; ++i) {
        settings.setArrayIndex(i);
        entries.append({settings.value(QStringLiteral("code")).toString(),
                        settings.value(QStringLiteral("name")).toString()});
    }
    settings.endArray();
    return entries;
}

void writeEntries(QSettings &settings, const QString &array,
                  const QList<ServiceTypeNames::Entry> &entries)
{
    settings.remove(array);
    settings.beginWriteArray(array, int(entries.size()));
    for (int i = 0; i < entries.size(); ++i) {
        settings.setArrayIndex(i);
        settings.setValue(QStringLiteral("code"), entries.at(i).first);
        settings.setValue(QStringLiteral("name"), entries.at(i).second);
    }
    settings.endArray();
}

} // namespace

QList<ServiceTypeNames::Entry> ServiceTypeNames::defaults()
{
    QSettings settings;
    return readEntries(settings, QStringLiteral("services/defaultTypeNames"));
}

void ServiceTypeNames::saveDefaults(const QList<Entry> &entries)
{
    QSettings settings;
    writeEntries(settings, QStringLiteral("services/defaultTypeNames"), entries);
}

QString ServiceTypeNames::nameFor(const QByteArray &id) const
{
    qsizetype end = 0;
    while (end < id.size() && id.at(end) >= '0' && id.at(end) <= '9')
        ++end;
    if (end == 0)
        return {};
    if (end < id.size() && id.at(end) != '-' && id.at(end) != '_' && id.at(end) != '.')
        return {};
    const QString code = QString::fromLatin1(id.left(end));
    for (const Entry &e : m_entries) {
        if (e.first == code)
            return e.second;
    }
    // "1" and "0001" are the same code.
    for (const Entry &e : m_entries) {
        bool a = false;
        bool b = false;
        if (e.first.toLongLong(&a) == code.toLongLong(&b) && a && b)
            return e.second;
    }
    return {};
}

ServiceTypeNames ServiceTypeNames::load()
{
    QSettings settings;
    if (!settings.value(QStringLiteral("services/typeNamesSaved")).toBool())
        return ServiceTypeNames(defaults());
    return ServiceTypeNames(readEntries(settings, QStringLiteral("services/typeNames")));
}

void ServiceTypeNames::save() const
{
    QSettings settings;
    writeEntries(settings, QStringLiteral("services/typeNames"), m_entries);
    // An empty list the user saved is not "never saved".
    settings.setValue(QStringLiteral("services/typeNamesSaved"), true);
}

// ---- instance ---------------------------------------------------------------------------------

QColor ServiceInstance::stateColour(State state)
{
    switch (state) {
    case State::Alive:
        return QColor(0x2e, 0x7d, 0x32);
    case State::Late:
        return QColor(0xe6, 0x51, 0x00);
    case State::Gone:
        break;
    }
    return QColor(0x75, 0x75, 0x75);
}

qint64 ServiceInstance::leaseCheckPeriodMs(qint64 grantedTtl)
{
    return std::clamp<qint64>(grantedTtl * 1000 / 4, 1000, 30000);
}

qint64 ServiceInstance::usualIntervalMs() const
{
    qint64 median = -1;
    if (!intervals.isEmpty()) {
        QList<qint64> sorted = intervals;
        std::sort(sorted.begin(), sorted.end());
        median = sorted.at(sorted.size() / 2);
    }
    if (!lease || renewalAges.size() < 3)
        return median;
    // Renewals timed one by one are clearly sparser than the answers: that is the interval.
    const qint64 period = leaseCheckPeriodMs(grantedTtl);
    if (median > period * 13 / 10)
        return median;
    // Denser: every answer finds the lease renewed, so the gaps are the answers'. A renewal's
    // age at a random moment is half the interval on average.
    qint64 sum = 0;
    for (qint64 age : renewalAges)
        sum += age;
    return std::max<qint64>(2 * sum / renewalAges.size(), 500);
}

qint64 ServiceInstance::remainingSeconds(const QDateTime &now) const
{
    if (!expiresAt.isValid())
        return -1;
    const qint64 ms = now.msecsTo(expiresAt);
    return ms <= 0 ? 0 : (ms + 999) / 1000;
}

void ServiceInstance::heartbeat(const QDateTime &at)
{
    if (lastRefresh.isValid() && state != State::Gone) {
        const qint64 gap = lastRefresh.msecsTo(at);
        // Two writes of one heartbeat (a key and its twin) are not two heartbeats.
        if (gap < 100)
            return;
        intervals.append(gap);
        while (intervals.size() > 12)
            intervals.removeFirst();
    }
    if (!lastRefresh.isValid() || at > lastRefresh)
        lastRefresh = at;
}

void ServiceInstance::applyLeaseAnswer(qint64 granted, const QDateTime &expires,
                                       const QList<QByteArray> &keys, bool renewed,
                                       const QDateTime &renewedAt, qint64 renewalAgeMs)
{
    grantedTtl = granted;
    expiresAt = expires;
    leaseKeys = keys;
    leaseKeys.removeAll(key);
    refreshSeenByCheck = true;
    if (!lastRefresh.isValid())
        lastRefresh = renewedAt;
    else if (renewed)
        heartbeat(renewedAt);
    if (renewed && renewalAgeMs >= 0) {
        renewalAges.append(renewalAgeMs);
        while (renewalAges.size() > 12)
            renewalAges.removeFirst();
    }
}

qint64 ServiceInstance::lateAfterMs(qint64 ttl) const
{
    qint64 usual = usualIntervalMs();
    if (usual < 0 && ttl > 0)
        usual = ttl * 1000 / 3;
    return usual < 0 ? -1 : std::max(usual * 3 / 2, usual + 500);
}

bool ServiceInstance::overdueAt(const QDateTime &now) const
{
    qint64 limit = lateAfterMs(grantedTtl);
    if (lease || limit <= 0 || !lastRefresh.isValid())
        return false;
    // v2 refresh=true: renewals are seen when it is read, once it should have expired; allow
    // for that read.
    if (refreshSeenByCheck)
        limit += 2000;
    return lastRefresh.msecsTo(now) > limit;
}

void ServiceInstance::setValue(const QByteArray &newValue)
{
    if (value == newValue && (address.parsed || !newValue.isEmpty()))
        return;
    value = newValue;
    address = ServiceAddress::parse(newValue);
}

bool ServiceInstance::moveTo(State to)
{
    if (state == to)
        return false;
    const bool back = state == State::Gone;
    state = to;
    if (to == State::Gone) {
        wentAt = QDateTime::currentDateTimeUtc();
        expiresAt = {};
    } else if (back) {
        ++flaps;
        wentAt = {};
        registeredAt = QDateTime::currentDateTimeUtc();
    }
    return true;
}
