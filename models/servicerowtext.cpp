#include "servicerowtext.h"

#include "keydisplay.h"

#include <QBrush>
#include <QFont>
#include <QLocale>
#include <QStringList>

namespace {

QString secondsText(qint64 s)
{
    if (s < 120)
        return ServiceRowText::tr("%n s", nullptr, int(s));
    if (s < 7200)
        return ServiceRowText::tr("%1 min %2 s").arg(s / 60).arg(s % 60);
    return ServiceRowText::tr("%1 h %2 min").arg(s / 3600).arg(s % 3600 / 60);
}

QString intervalText(qint64 ms)
{
    if (ms < 10000)
        return ServiceRowText::tr("%1 s").arg(QLocale().toString(ms / 1000.0, 'f', 1));
    return secondsText((ms + 500) / 1000);
}

QString timeText(const QDateTime &t)
{
    return t.isValid() ? t.toLocalTime().toString(QStringLiteral("HH:mm:ss")) : QString();
}

QString leaseHex(quint64 id)
{
    return QString::number(id, 16);
}

} // namespace

QString ServiceRowText::counts(const ServiceModel::Counts &c)
{
    QStringList parts;
    parts << tr("%1 alive").arg(c.alive);
    if (c.late)
        parts << tr("%1 late").arg(c.late);
    if (c.gone)
        parts << tr("%1 gone").arg(c.gone);
    return parts.join(QStringLiteral(", "));
}

QString ServiceRowText::stateName(ServiceInstance::State state)
{
    switch (state) {
    case ServiceInstance::State::Alive:
        return tr("alive");
    case ServiceInstance::State::Late:
        return tr("late");
    case ServiceInstance::State::Gone:
        return tr("gone");
    }
    return {};
}

QVariant ServiceRowText::header(int section)
{
    switch (section) {
    case ServiceModel::NameColumn:
        return tr("Service / Instance");
    case ServiceModel::TypeColumn:
        return tr("Type");
    case ServiceModel::StateColumn:
        return tr("State");
    case ServiceModel::AddressColumn:
        return tr("Address");
    case ServiceModel::RemainingColumn:
        return tr("Expires in");
    case ServiceModel::TtlColumn:
        return tr("TTL");
    case ServiceModel::LeaseColumn:
        return tr("Lease");
    case ServiceModel::RefreshColumn:
        return tr("Last heartbeat");
    case ServiceModel::IntervalColumn:
        return tr("Interval");
    case ServiceModel::FlapsColumn:
        return tr("Flaps");
    }
    return {};
}

QString ServiceRowText::serviceToolTip(const QByteArray &dir, bool marked)
{
    return marked ? tr("%1: shown as services because you marked it").arg(displayKey(dir))
                  : tr("%1: recognised as services (most keys in it carry a TTL or a lease)")
                        .arg(displayKey(dir));
}

QVariant ServiceRowText::instanceData(const ServiceInstance &inst, int column, int role)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const bool gone = inst.state == ServiceInstance::State::Gone;
    switch (role) {
    case Qt::ForegroundRole:
        if (gone)
            return QBrush(ServiceInstance::stateColour(ServiceInstance::State::Gone));
        if (column == ServiceModel::StateColumn)
            return QBrush(ServiceInstance::stateColour(inst.state));
        return {};
    case Qt::FontRole:
        if (gone) {
            QFont f;
            f.setItalic(true);
            return f;
        }
        return {};
    case Qt::ToolTipRole:
        if (column == ServiceModel::AddressColumn)
            return QString::fromUtf8(inst.value.left(2000));
        if (column == ServiceModel::LeaseColumn && inst.lease) {
            QStringList keys;
            for (const QByteArray &k : inst.leaseKeys)
                keys << displayKey(k);
            return keys.isEmpty()
                       ? tr("Lease %1 (%2): no other key").arg(leaseHex(inst.lease)).arg(inst.lease)
                       : tr("Lease %1 (%2), also on it:\n%3")
                             .arg(leaseHex(inst.lease))
                             .arg(inst.lease)
                             .arg(keys.join(QLatin1Char('\n')));
        }
        return displayKey(inst.key);
    case Qt::DisplayRole:
        break;
    default:
        return {};
    }
    switch (column) {
    case ServiceModel::NameColumn:
        return displayKey(inst.id);
    case ServiceModel::TypeColumn:
        return inst.typeName;
    case ServiceModel::StateColumn:
        if (gone)
            return tr("gone %1").arg(timeText(inst.wentAt));
        if (inst.state == ServiceInstance::State::Late && inst.lastRefresh.isValid())
            return tr("late (%1 since heartbeat)").arg(secondsText(inst.lastRefresh.secsTo(now)));
        return stateName(inst.state);
    case ServiceModel::AddressColumn:
        if (inst.address.parsed)
            return inst.address.text();
        return QString::fromUtf8(inst.value.left(200)).simplified();
    case ServiceModel::RemainingColumn: {
        if (gone)
            return QString();
        const qint64 s = inst.remainingSeconds(now);
        if (s < 0)
            return inst.lease ? tr("…") : tr("no TTL");
        return s == 0 ? tr("expiring") : secondsText(s);
    }
    case ServiceModel::TtlColumn:
        return inst.grantedTtl >= 0 ? secondsText(inst.grantedTtl) : QString();
    case ServiceModel::LeaseColumn:
        if (!inst.lease)
            return QString();
        return inst.leaseKeys.isEmpty() ? leaseHex(inst.lease)
                                        : tr("%1 (+%n key(s))", nullptr, int(inst.leaseKeys.size()))
                                              .arg(leaseHex(inst.lease));
    case ServiceModel::RefreshColumn:
        return timeText(inst.lastRefresh);
    case ServiceModel::IntervalColumn: {
        const qint64 ms = inst.usualIntervalMs();
        if (ms < 0)
            return QString();
        return inst.refreshSeenByCheck ? tr("≈%1").arg(intervalText(ms)) : intervalText(ms);
    }
    case ServiceModel::FlapsColumn:
        return inst.flaps;
    }
    return {};
}
