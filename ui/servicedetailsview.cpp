// The Services panel's detail area: the selected instance (or service) in full.
#include "servicespanel.h"

#include "keydisplay.h"
#include "servicemodel.h"
#include "servicestyle.h"

#include <QDateTime>
#include <QDialog>
#include <QFontDatabase>
#include <QGridLayout>
#include <QLabel>
#include <QLocale>
#include <QScrollArea>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>

namespace {

// "12:01:03 (5 s ago)"; a date too when it was not today.
QString when(const QDateTime &at, const QDateTime &now)
{
    if (!at.isValid())
        return ServicesPanel::tr("—");
    const QDateTime local = at.toLocalTime();
    const QLocale locale;
    QString text = local.date() == now.toLocalTime().date()
                       ? local.time().toString(QStringLiteral("HH:mm:ss"))
                       : locale.toString(local, QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    const qint64 ago = at.secsTo(now);
    if (ago >= 0 && ago < 60)
        text += ServicesPanel::tr(" (%1 s ago)").arg(ago);
    else if (ago >= 60 && ago < 3600)
        text += ServicesPanel::tr(" (%1 min ago)").arg(ago / 60);
    else if (ago >= 3600 && ago < 48 * 3600)
        text += ServicesPanel::tr(" (%1 h ago)").arg(ago / 3600);
    return text;
}

// A heartbeat gap: "40 ms", "0.5 s", "1.0 s", "30 s" (998 ms and 1.0 s side by side would look
// like different things).
QString interval(qint64 ms)
{
    if (ms < 0)
        return ServicesPanel::tr("not known yet (fewer than two heartbeats seen)");
    if (ms < 100)
        return ServicesPanel::tr("%1 ms").arg(ms);
    return ServicesPanel::tr("%1 s").arg(QLocale().toString(ms / 1000.0, 'f', ms < 10000 ? 1 : 0));
}

// The raw value, line by line as displayKey() shows bytes: odd bytes and control characters
// escaped, the line breaks of a "key=value" registration kept.
QString rawValue(const QByteArray &value)
{
    if (value.isEmpty())
        return ServicesPanel::tr("(empty)");
    QStringList lines;
    for (const QByteArray &line : value.split('\n'))
        lines << displayKey(line);
    return lines.join(QLatin1Char('\n'));
}

QString formatName(const QString &format)
{
    if (format == QLatin1String("json"))
        return ServicesPanel::tr("JSON");
    if (format == QLatin1String("host:port"))
        return ServicesPanel::tr("host:port text");
    if (format == QLatin1String("key=value"))
        return ServicesPanel::tr("key=value lines");
    return format;
}

} // namespace

void ServicesPanel::buildDetails(QWidget *details)
{
    details->setObjectName(QStringLiteral("servicesDetails"));
    details->setAccessibleName(tr("Selected instance"));
    auto *layout = new QVBoxLayout(details);
    layout->setContentsMargins(0, 0, 0, 0);

    m_detailsTitle = new QLabel(details);
    m_detailsTitle->setObjectName(QStringLiteral("servicesDetailsTitle"));
    m_detailsTitle->setAccessibleName(tr("Selected instance"));
    m_detailsTitle->setWordWrap(true);
    m_detailsTitle->setTextFormat(Qt::PlainText);
    QFont bold = m_detailsTitle->font();
    bold.setBold(true);
    m_detailsTitle->setFont(bold);
    layout->addWidget(m_detailsTitle);

    auto *scroll = new QScrollArea(details);
    scroll->setObjectName(QStringLiteral("servicesDetailsScroll"));
    scroll->setAccessibleName(tr("Instance details"));
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto *form = new QWidget(scroll);
    form->setObjectName(QStringLiteral("servicesDetailsForm"));
    // A grid, not a QFormLayout: with Qt 6.4.2, hiding and showing rows through
    // QFormLayout::setRowVisible made QFormLayout::setGeometry write past its row data
    // (valgrind: invalid writes, then a crash in malloc).
    m_detailsGrid = new QGridLayout(form);
    m_detailsGrid->setContentsMargins(4, 2, 4, 2);
    m_detailsGrid->setVerticalSpacing(2);
    m_detailsGrid->setColumnStretch(1, 1);
    static const char *const names[DetailRowCount] = {
        "serviceKey",       "serviceType",       "serviceState",     "serviceAddress",
        "serviceValue",     "serviceTtl",        "serviceRemaining", "serviceLease",
        "serviceLeaseKeys", "serviceRegistered", "serviceRefresh",   "serviceInterval",
        "serviceIntervals", "serviceFlaps",      "serviceWent",      "serviceSource"};
    const QString titles[DetailRowCount] = {tr("Key:"),
                                            tr("Type:"),
                                            tr("State:"),
                                            tr("Address:"),
                                            tr("Value:"),
                                            tr("Granted TTL:"),
                                            tr("Remaining:"),
                                            tr("Lease:"),
                                            tr("Other keys on the lease:"),
                                            tr("Registered:"),
                                            tr("Last heartbeat:"),
                                            tr("Usual interval:"),
                                            tr("Last intervals:"),
                                            tr("Flaps:"),
                                            tr("Went:"),
                                            tr("Shown because:")};
    for (int row = 0; row < DetailRowCount; ++row) {
        auto *label = new QLabel(titles[row], form);
        auto *value = new QLabel(form);
        value->setObjectName(QLatin1String(names[row]));
        value->setAccessibleName(QString(titles[row]).remove(QLatin1Char(':')));
        value->setTextFormat(Qt::PlainText);
        value->setWordWrap(true);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
        label->setBuddy(value);
        label->setAlignment(Qt::AlignRight | Qt::AlignTop);
        value->setAlignment(Qt::AlignLeft | Qt::AlignTop);
        m_detailsGrid->addWidget(label, row, 0);
        m_detailsGrid->addWidget(value, row, 1);
        m_detailLabels << label;
        m_detailValues << value;
    }
    // The raw value in a fixed-width font: registrations are often JSON or key=value lines.
    m_detailValues[ValueRow]->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_detailsGrid->setRowStretch(DetailRowCount, 1);
    scroll->setWidget(form);
    layout->addWidget(scroll, 1);
}

void ServicesPanel::setDetailRow(int row, const QString &value, bool shown)
{
    m_detailValues[row]->setText(value);
    m_detailLabels[row]->setVisible(shown);
    m_detailValues[row]->setVisible(shown);
}

void ServicesPanel::clearDetails(const QString &why)
{
    m_detailsTimer->stop();
    m_detailsTitle->setText(why);
    for (int row = 0; row < DetailRowCount; ++row)
        setDetailRow(row, QString(), false);
}

void ServicesPanel::updateDetails()
{
    if (m_shownKey.isEmpty()) {
        clearDetails(tr("Select an instance to see its registration and heartbeat."));
        return;
    }
    if (m_shownIsService) {
        if (!m_model->isServiceDirectory(m_shownKey)) {
            clearDetails(tr("%1 is no longer shown as services.").arg(displayKey(m_shownKey)));
            return;
        }
        showServiceDetails(m_shownKey);
        return;
    }
    const ServiceInstance *inst = m_model->instance(m_shownKey);
    if (!inst) {
        clearDetails(tr("%1 is no longer listed.").arg(displayKey(m_shownKey)));
        return;
    }
    showInstanceDetails(*inst);
    // The countdowns move every second while an instance is shown.
    if (!m_detailsTimer->isActive())
        m_detailsTimer->start();
}

void ServicesPanel::showInstanceDetails(const ServiceInstance &inst)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QString state = ServiceModel::stateName(inst.state);
    m_detailsTitle->setText(inst.typeName.isEmpty()
                                ? tr("Instance %1").arg(displayKey(inst.id))
                                : tr("%1 instance %2").arg(inst.typeName, displayKey(inst.id)));
    m_detailLabels[KeyRow]->setText(tr("Key:"));
    setDetailRow(KeyRow, displayKey(inst.key));
    setDetailRow(TypeRow, inst.typeName.isEmpty()
                              ? tr("unknown: the ID's leading code is not in the Service Types "
                                   "table")
                              : inst.typeName);

    QString stateText;
    switch (inst.state) {
    case ServiceInstance::State::Alive:
        // Listed when the window connected: when it registered is not known.
        stateText = inst.registeredAt.isValid()
                        ? tr("%1 since %2").arg(state, when(inst.registeredAt, now))
                        : state;
        break;
    case ServiceInstance::State::Late:
        stateText = tr("%1: no heartbeat since %2").arg(state, when(inst.lastRefresh, now));
        break;
    case ServiceInstance::State::Gone:
        stateText = tr("%1 since %2").arg(state, when(inst.wentAt, now));
        break;
    }
    setDetailRow(StateRow, stateText);
    QPalette palette = m_detailValues[StateRow]->palette();
    palette.setColor(QPalette::WindowText, ServiceStyle::colour(inst.state));
    m_detailValues[StateRow]->setPalette(palette);

    setDetailRow(
        AddressRow,
        inst.address.parsed
            ? tr("%1 (read from %2)").arg(inst.address.text(), formatName(inst.address.format))
            : tr("not understood: the value is neither JSON with an address, "
                 "host:port, nor key=value lines"));
    setDetailRow(ValueRow, rawValue(inst.value));

    const bool hasTtl = inst.grantedTtl >= 0 || inst.expiresAt.isValid();
    setDetailRow(TtlRow, inst.grantedTtl >= 0 ? tr("%1 s").arg(inst.grantedTtl) : tr("not known"),
                 hasTtl);
    const qint64 remaining = inst.remainingSeconds(now);
    setDetailRow(RemainingRow,
                 remaining < 0 ? tr("not known yet")
                               : tr("%1 s (expires at %2)")
                                     .arg(remaining)
                                     .arg(inst.expiresAt.toLocalTime().time().toString(
                                         QStringLiteral("HH:mm:ss"))),
                 hasTtl && inst.state != ServiceInstance::State::Gone);

    const bool leased = inst.lease != 0;
    setDetailRow(
        LeaseRow,
        tr("%1 (decimal %2)").arg(QString::number(inst.lease, 16)).arg(QString::number(inst.lease)),
        leased);
    QStringList others;
    for (const QByteArray &key : inst.leaseKeys) {
        if (key != inst.key)
            others << displayKey(key);
    }
    // The lease's keys come with the model's reading of its time to live (expiresAt).
    const QString noOthers = inst.expiresAt.isValid() ? tr("none") : tr("not read yet");
    setDetailRow(LeaseKeysRow, others.isEmpty() ? noOthers : others.join(QLatin1Char('\n')),
                 leased);

    setDetailRow(RegisteredRow, inst.registeredAt.isValid() ? when(inst.registeredAt, now)
                                                            : tr("before this window connected"));
    QString refresh =
        inst.lastRefresh.isValid() ? when(inst.lastRefresh, now) : tr("none seen yet");
    if (inst.refreshSeenByCheck)
        refresh += tr(" — renewed without a change of the key, seen by reading its TTL");
    setDetailRow(RefreshRow, refresh);
    setDetailRow(IntervalRow, interval(inst.usualIntervalMs()));
    QStringList gaps;
    for (qsizetype i = std::max<qsizetype>(0, inst.intervals.size() - 6); i < inst.intervals.size();
         ++i)
        gaps << interval(inst.intervals.at(i));
    setDetailRow(IntervalsRow, gaps.join(QStringLiteral(", ")), !gaps.isEmpty());
    setDetailRow(FlapsRow, inst.flaps == 0 ? tr("none")
                                           : tr("%n time(s) gone and back", nullptr, inst.flaps));
    setDetailRow(WentRow, when(inst.wentAt, now), inst.wentAt.isValid());
    setDetailRow(SourceRow, QString(), false);
}

void ServicesPanel::showServiceDetails(const QByteArray &dir)
{
    m_detailsTimer->stop();
    const ServiceModel::Counts c = m_model->counts(dir);
    m_detailsTitle->setText(tr("Service %1").arg(m_model->serviceName(dir)));
    for (int row = 0; row < DetailRowCount; ++row)
        setDetailRow(row, QString(), false);
    m_detailLabels[KeyRow]->setText(tr("Directory:"));
    setDetailRow(KeyRow, displayKey(dir));
    const QModelIndex index = m_model->indexForService(dir);
    setDetailRow(StateRow, tr("%1 alive, %2 late, %3 gone").arg(c.alive).arg(c.late).arg(c.gone));
    QPalette palette = m_detailValues[StateRow]->palette();
    palette.setColor(QPalette::WindowText,
                     m_detailValues[KeyRow]->palette().color(QPalette::WindowText));
    m_detailValues[StateRow]->setPalette(palette);
    const QString type = index.siblingAtColumn(ServiceModel::TypeColumn).data().toString();
    setDetailRow(TypeRow, type.isEmpty() ? tr("not known") : type);
    setDetailRow(SourceRow, m_model->isMarked(dir)
                                ? tr("you chose to show it as services")
                                : tr("most of its keys have a TTL or a lease (recognised "
                                     "automatically)"));
}

QString ServicesPanel::detailsText() const
{
    QStringList lines{m_detailsTitle->text()};
    for (int row = 0; row < DetailRowCount; ++row) {
        if (!m_detailValues[row]->isHidden())
            lines << m_detailLabels[row]->text() + QLatin1Char(' ') + m_detailValues[row]->text();
    }
    return lines.join(QLatin1Char('\n'));
}
