#include "servicedetailsview.h"

#include "keydisplay.h"
#include "servicemodel.h"
#include "servicestyle.h"

#include <QDateTime>
#include <QFontDatabase>
#include <QGridLayout>
#include <QLabel>
#include <QLocale>
#include <QScrollArea>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace {

// "12:01:03 (5 s ago)"; a date too when it was not today.
QString when(const QDateTime &at, const QDateTime &now)
{
    if (!at.isValid())
        return ServiceDetailsView::tr("—");
    const QDateTime local = at.toLocalTime();
    const QLocale locale;
    QString text = local.date() == now.toLocalTime().date()
                       ? local.time().toString(QStringLiteral("HH:mm:ss"))
                       : locale.toString(local, QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    const qint64 ago = at.secsTo(now);
    if (ago >= 0 && ago < 60)
        text += ServiceDetailsView::tr(" (%1 s ago)").arg(ago);
    else if (ago >= 60 && ago < 3600)
        text += ServiceDetailsView::tr(" (%1 min ago)").arg(ago / 60);
    else if (ago >= 3600 && ago < 48 * 3600)
        text += ServiceDetailsView::tr(" (%1 h ago)").arg(ago / 3600);
    return text;
}

// A heartbeat gap: "40 ms", "0.5 s", "1.0 s", "30 s" (998 ms and 1.0 s side by side would look
// like different things).
QString interval(qint64 ms)
{
    if (ms < 0)
        return ServiceDetailsView::tr("not known yet (fewer than two heartbeats seen)");
    if (ms < 100)
        return ServiceDetailsView::tr("%1 ms").arg(ms);
    return ServiceDetailsView::tr("%1 s").arg(
        QLocale().toString(ms / 1000.0, 'f', ms < 10000 ? 1 : 0));
}

// The raw value, line by line as displayKey() shows bytes: odd bytes and control characters
// escaped, the line breaks of a "key=value" registration kept.
QString rawValue(const QByteArray &value)
{
    if (value.isEmpty())
        return ServiceDetailsView::tr("(empty)");
    QStringList lines;
    for (const QByteArray &line : value.split('\n'))
        lines << displayKey(line);
    return lines.join(QLatin1Char('\n'));
}

QString formatName(const QString &format)
{
    if (format == QLatin1String("json"))
        return ServiceDetailsView::tr("JSON");
    if (format == QLatin1String("host:port"))
        return ServiceDetailsView::tr("host:port text");
    if (format == QLatin1String("key=value"))
        return ServiceDetailsView::tr("key=value lines");
    return format;
}

} // namespace

ServiceDetailsView::ServiceDetailsView(ServiceModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_timer(new QTimer(this))
{
    setObjectName(QStringLiteral("servicesDetails"));
    setAccessibleName(tr("Selected instance"));
    build();
    m_timer->setInterval(1000);
    connect(m_timer, &QTimer::timeout, this, &ServiceDetailsView::refresh);
    connect(m_model, &QAbstractItemModel::modelReset, this, &ServiceDetailsView::refresh);
    connect(m_model, &ServiceModel::instanceStateChanged, this, [this](const QByteArray &key) {
        if (key == m_shownKey)
            refresh();
    });
    clear(tr("Select an instance to see its registration and heartbeat."));
}

ServiceDetailsView::~ServiceDetailsView() = default;

void ServiceDetailsView::showKey(const QByteArray &key, bool isService)
{
    m_shownKey = key;
    m_shownIsService = isService;
    refresh();
}

void ServiceDetailsView::build()
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("servicesDetailsTitle"));
    m_title->setAccessibleName(tr("Selected instance"));
    m_title->setWordWrap(true);
    m_title->setTextFormat(Qt::PlainText);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    layout->addWidget(m_title);

    auto *scroll = new QScrollArea(this);
    scroll->setObjectName(QStringLiteral("servicesDetailsScroll"));
    scroll->setAccessibleName(tr("Instance details"));
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto *form = new QWidget(scroll);
    form->setObjectName(QStringLiteral("servicesDetailsForm"));
    // A grid, not a QFormLayout: with Qt 6.4.2, hiding and showing rows through
    // QFormLayout::setRowVisible made QFormLayout::setGeometry write past its row data
    // (valgrind: invalid writes, then a crash in malloc).
    m_grid = new QGridLayout(form);
    m_grid->setContentsMargins(4, 2, 4, 2);
    m_grid->setVerticalSpacing(2);
    m_grid->setColumnStretch(1, 1);
    static const char *const names[RowCount] = {
        "serviceKey",       "serviceType",       "serviceState",     "serviceAddress",
        "serviceValue",     "serviceTtl",        "serviceRemaining", "serviceLease",
        "serviceLeaseKeys", "serviceRegistered", "serviceRefresh",   "serviceInterval",
        "serviceIntervals", "serviceFlaps",      "serviceWent",      "serviceSource"};
    const QString titles[RowCount] = {tr("Key:"),
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
    for (int row = 0; row < RowCount; ++row) {
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
        m_grid->addWidget(label, row, 0);
        m_grid->addWidget(value, row, 1);
        m_labels << label;
        m_values << value;
    }
    // The raw value in a fixed-width font: registrations are often JSON or key=value lines.
    m_values[ValueRow]->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_grid->setRowStretch(RowCount, 1);
    scroll->setWidget(form);
    layout->addWidget(scroll, 1);
}

void ServiceDetailsView::setRow(int row, const QString &value, bool shown)
{
    m_values[row]->setText(value);
    m_labels[row]->setVisible(shown);
    m_values[row]->setVisible(shown);
}

void ServiceDetailsView::clear(const QString &why)
{
    m_timer->stop();
    m_title->setText(why);
    for (int row = 0; row < RowCount; ++row)
        setRow(row, QString(), false);
}

void ServiceDetailsView::refresh()
{
    if (m_shownKey.isEmpty()) {
        clear(tr("Select an instance to see its registration and heartbeat."));
        return;
    }
    if (m_shownIsService) {
        if (!m_model->isServiceDirectory(m_shownKey)) {
            clear(tr("%1 is no longer shown as services.").arg(displayKey(m_shownKey)));
            return;
        }
        showService(m_shownKey);
        return;
    }
    const ServiceInstance *inst = m_model->instance(m_shownKey);
    if (!inst) {
        clear(tr("%1 is no longer listed.").arg(displayKey(m_shownKey)));
        return;
    }
    showInstance(*inst);
    // The countdowns move every second while an instance is shown.
    if (!m_timer->isActive())
        m_timer->start();
}

void ServiceDetailsView::showInstance(const ServiceInstance &inst)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QString state = ServiceModel::stateName(inst.state);
    m_title->setText(inst.typeName.isEmpty()
                         ? tr("Instance %1").arg(displayKey(inst.id))
                         : tr("%1 instance %2").arg(inst.typeName, displayKey(inst.id)));
    m_labels[KeyRow]->setText(tr("Key:"));
    setRow(KeyRow, displayKey(inst.key));
    setRow(TypeRow, inst.typeName.isEmpty()
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
    setRow(StateRow, stateText);
    QPalette palette = m_values[StateRow]->palette();
    palette.setColor(QPalette::WindowText, ServiceStyle::colour(inst.state));
    m_values[StateRow]->setPalette(palette);

    setRow(AddressRow,
           inst.address.parsed
               ? tr("%1 (read from %2)").arg(inst.address.text(), formatName(inst.address.format))
               : tr("not understood: the value is neither JSON with an address, "
                    "host:port, nor key=value lines"));
    setRow(ValueRow, rawValue(inst.value));

    const bool hasTtl = inst.grantedTtl >= 0 || inst.expiresAt.isValid();
    setRow(TtlRow, inst.grantedTtl >= 0 ? tr("%1 s").arg(inst.grantedTtl) : tr("not known"),
           hasTtl);
    const qint64 remaining = inst.remainingSeconds(now);
    setRow(RemainingRow,
           remaining < 0
               ? tr("not known yet")
               : tr("%1 s (expires at %2)")
                     .arg(remaining)
                     .arg(inst.expiresAt.toLocalTime().time().toString(QStringLiteral("HH:mm:ss"))),
           hasTtl && inst.state != ServiceInstance::State::Gone);

    const bool leased = inst.lease != 0;
    setRow(
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
    setRow(LeaseKeysRow, others.isEmpty() ? noOthers : others.join(QLatin1Char('\n')), leased);

    setRow(RegisteredRow, inst.registeredAt.isValid() ? when(inst.registeredAt, now)
                                                      : tr("before this window connected"));
    QString refresh =
        inst.lastRefresh.isValid() ? when(inst.lastRefresh, now) : tr("none seen yet");
    if (inst.refreshSeenByCheck)
        refresh += tr(" — renewed without a change of the key, seen by reading its TTL");
    setRow(RefreshRow, refresh);
    setRow(IntervalRow, interval(inst.usualIntervalMs()));
    QStringList gaps;
    for (qsizetype i = std::max<qsizetype>(0, inst.intervals.size() - 6); i < inst.intervals.size();
         ++i)
        gaps << interval(inst.intervals.at(i));
    setRow(IntervalsRow, gaps.join(QStringLiteral(", ")), !gaps.isEmpty());
    setRow(FlapsRow,
           inst.flaps == 0 ? tr("none") : tr("%n time(s) gone and back", nullptr, inst.flaps));
    setRow(WentRow, when(inst.wentAt, now), inst.wentAt.isValid());
    setRow(SourceRow, QString(), false);
}

void ServiceDetailsView::showService(const QByteArray &dir)
{
    m_timer->stop();
    const ServiceModel::Counts c = m_model->counts(dir);
    m_title->setText(tr("Service %1").arg(m_model->serviceName(dir)));
    for (int row = 0; row < RowCount; ++row)
        setRow(row, QString(), false);
    m_labels[KeyRow]->setText(tr("Directory:"));
    setRow(KeyRow, displayKey(dir));
    const QModelIndex index = m_model->indexForService(dir);
    setRow(StateRow, tr("%1 alive, %2 late, %3 gone").arg(c.alive).arg(c.late).arg(c.gone));
    QPalette palette = m_values[StateRow]->palette();
    palette.setColor(QPalette::WindowText, m_values[KeyRow]->palette().color(QPalette::WindowText));
    m_values[StateRow]->setPalette(palette);
    const QString type = index.siblingAtColumn(ServiceModel::TypeColumn).data().toString();
    setRow(TypeRow, type.isEmpty() ? tr("not known") : type);
    setRow(SourceRow, m_model->isMarked(dir)
                          ? tr("you chose to show it as services")
                          : tr("most of its keys have a TTL or a lease (recognised "
                               "automatically)"));
}

QString ServiceDetailsView::text() const
{
    QStringList lines{m_title->text()};
    for (int row = 0; row < RowCount; ++row) {
        if (!m_values[row]->isHidden())
            lines << m_labels[row]->text() + QLatin1Char(' ') + m_values[row]->text();
    }
    return lines.join(QLatin1Char('\n'));
}
