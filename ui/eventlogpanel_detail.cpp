// The detail area of the event log: the selected event in full.
#include "eventlogpanel.h"

#include "errortext.h"
#include "eventlogmodel.h"
#include "keydisplay.h"
#include "valuecodec.h"

#include <QFontDatabase>
#include <QFormLayout>
#include <QGridLayout>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>

#include <optional>

namespace {

// At most this much of a value is shown: enough to read any real configuration, small enough
// that selecting a row never stalls on a 1.5 MiB blob in hex.
constexpr qsizetype MaxDetailBytes = 256 * 1024;

QLabel *selectableLabel(QWidget *parent, const QString &objectName, const QString &accessibleName)
{
    auto *label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setAccessibleName(accessibleName);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setTextFormat(Qt::PlainText);
    label->setWordWrap(true);
    return label;
}

QPlainTextEdit *valueView(QWidget *parent, const QString &objectName, const QString &accessibleName)
{
    auto *edit = new QPlainTextEdit(parent);
    edit->setObjectName(objectName);
    edit->setAccessibleName(accessibleName);
    edit->setReadOnly(true);
    edit->setLineWrapMode(QPlainTextEdit::NoWrap);
    edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    // Read-only, but still reachable with Tab so the text can be selected and copied.
    edit->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    edit->setTabChangesFocus(true);
    return edit;
}

// Shows a value (or the reason there is none) and titles it with its size and how it is shown.
void showValue(QPlainTextEdit *edit, QLabel *title, const std::optional<QByteArray> &value,
               const QString &absent, const QString &textTitle, const QString &hexTitle,
               const QString &noneTitle)
{
    if (!value) {
        edit->clear();
        edit->setPlaceholderText(absent);
        title->setText(noneTitle);
        return;
    }
    const bool binary = ValueCodec::isBinary(*value);
    const QByteArray shown = value->left(MaxDetailBytes);
    QString text = binary ? ValueCodec::toHex(shown) : ValueCodec::toText(shown);
    if (value->size() > shown.size()) {
        text += QLatin1Char('\n');
        text += EventLogPanel::tr("… %1 more bytes not shown")
                    .arg(QLocale().toString(value->size() - shown.size()));
    }
    edit->setPlainText(text);
    edit->setPlaceholderText(EventLogPanel::tr("(empty value)"));
    const int size = int(value->size());
    title->setText((binary ? hexTitle : textTitle).arg(QLocale().toString(size)));
}

} // namespace

void EventLogPanel::buildDetail(QWidget *detail)
{
    auto *grid = new QGridLayout(detail);
    grid->setContentsMargins(0, 0, 0, 0);

    m_detailForm = new QFormLayout;
    m_detailForm->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_keyLabel = selectableLabel(detail, QStringLiteral("eventLogDetailKey"), tr("Key"));
    m_actionLabel = selectableLabel(detail, QStringLiteral("eventLogDetailAction"), tr("Action"));
    m_revisionLabel =
        selectableLabel(detail, QStringLiteral("eventLogDetailRevision"), tr("Revision"));
    m_leaseLabel = selectableLabel(detail, QStringLiteral("eventLogDetailLease"), tr("Lease"));
    m_ttlLabel = selectableLabel(detail, QStringLiteral("eventLogDetailTtl"), tr("TTL"));
    m_receivedLabel =
        selectableLabel(detail, QStringLiteral("eventLogDetailReceived"), tr("Received"));
    m_detailForm->addRow(tr("Key:"), m_keyLabel);
    m_detailForm->addRow(tr("Action:"), m_actionLabel);
    m_detailForm->addRow(tr("Revision:"), m_revisionLabel);
    m_detailForm->addRow(tr("Lease:"), m_leaseLabel);
    m_detailForm->addRow(tr("TTL:"), m_ttlLabel);
    m_detailForm->addRow(tr("Received:"), m_receivedLabel);
    grid->addLayout(m_detailForm, 0, 0, 1, 2);

    m_beforeTitle = new QLabel(tr("Before"), detail);
    m_beforeTitle->setObjectName(QStringLiteral("eventLogBeforeTitle"));
    m_afterTitle = new QLabel(tr("After"), detail);
    m_afterTitle->setObjectName(QStringLiteral("eventLogAfterTitle"));
    m_before = valueView(detail, QStringLiteral("eventLogBefore"), tr("Value before the change"));
    m_after = valueView(detail, QStringLiteral("eventLogAfter"), tr("Value after the change"));
    m_beforeTitle->setBuddy(m_before);
    m_afterTitle->setBuddy(m_after);
    grid->addWidget(m_beforeTitle, 1, 0);
    grid->addWidget(m_afterTitle, 1, 1);
    grid->addWidget(m_before, 2, 0);
    grid->addWidget(m_after, 2, 1);
    grid->setRowStretch(2, 1);
}

void EventLogPanel::clearDetail()
{
    m_shownSequence = 0;
    for (QLabel *label :
         {m_keyLabel, m_actionLabel, m_revisionLabel, m_leaseLabel, m_ttlLabel, m_receivedLabel})
        label->clear();
    m_keyLabel->setText(tr("Select an event to see it in full"));
    const bool v2 = m_model->api() == EtcdApi::V2;
    m_detailForm->setRowVisible(m_leaseLabel, !v2);
    m_detailForm->setRowVisible(m_ttlLabel, v2);
    m_beforeTitle->setText(tr("Before"));
    m_afterTitle->setText(tr("After"));
    m_before->clear();
    m_after->clear();
    m_before->setPlaceholderText(QString());
    m_after->setPlaceholderText(QString());
}

void EventLogPanel::showEventDetail(const EtcdWatchEvent &event, qint64 sequence)
{
    using Action = EtcdWatchEvent::Action;
    m_shownSequence = sequence;
    const QLocale locale;
    const bool v2 = m_model->api() == EtcdApi::V2;

    m_keyLabel->setText(event.isDir ? tr("%1 (directory)").arg(displayKey(event.key))
                                    : displayKey(event.key));
    m_actionLabel->setText(EventLogModel::actionName(event.action));

    if (auto *label = qobject_cast<QLabel *>(m_detailForm->labelForField(m_revisionLabel)))
        label->setText(v2 ? tr("Index:") : tr("Revision:"));
    QString revision = QString::number(event.revision);
    if (v2 && event.createRevision > 0 && !event.isDelete())
        revision = tr("%1 (created at %2)").arg(revision).arg(event.createRevision);
    else if (!v2 && event.version > 0)
        revision = tr("%1 (created at %2, version %3)")
                       .arg(revision)
                       .arg(event.createRevision)
                       .arg(event.version);
    m_revisionLabel->setText(revision);

    m_detailForm->setRowVisible(m_leaseLabel, !v2);
    m_detailForm->setRowVisible(m_ttlLabel, v2);
    // Hex, as etcdctl prints lease IDs.
    m_leaseLabel->setText(event.lease ? QString::number(event.lease, 16) : tr("none"));
    if (event.ttl >= 0) {
        const QString expires =
            event.expiration.isValid()
                ? locale.toString(event.expiration.toLocalTime(), QLocale::ShortFormat)
                : QString();
        m_ttlLabel->setText(expires.isEmpty() ? tr("%1 s").arg(event.ttl)
                                              : tr("%1 s, expires %2").arg(event.ttl).arg(expires));
    } else {
        m_ttlLabel->setText(tr("does not expire"));
    }
    m_receivedLabel->setText(
        event.received.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")));

    QString noBefore = tr("Not sent by the server");
    if (m_model->canLoadPrevValue(event)) {
        // The live watch does not ask etcd for previous values (it would slow etcd down on
        // every event): read this one now, from the revision before the event.
        m_model->loadPrevValue(sequence);
        const qint64 before = event.revision - 1;
        const EtcdError error = m_model->prevValueError(sequence);
        if (m_model->isLoadingPrevValue(sequence))
            noBefore = tr("Reading the value at revision %1…").arg(before);
        else if (m_model->prevValueMissing(sequence))
            noBefore = tr("None: the key did not exist at revision %1").arg(before);
        else if (error.is(EtcdError::Condition::Compacted))
            noBefore = tr("No longer in etcd's history (compacted after revision %1)").arg(before);
        else if (error)
            noBefore = tr("Could not be read: %1").arg(describeError(error));
    } else if (event.action == Action::Put)
        noBefore = tr("None: the key was created");
    else if (event.action == Action::Set)
        noBefore = tr("None sent: the key was new, or the server did not say");
    showValue(m_before, m_beforeTitle, event.prevValue, noBefore, tr("Before: %1 bytes"),
              tr("Before: %1 bytes, in hex"), tr("Before"));

    std::optional<QByteArray> after;
    QString noAfter;
    if (event.action == Action::Expire)
        noAfter = tr("None: the key expired");
    else if (event.isDelete())
        noAfter = tr("None: the key was deleted");
    else if (event.isDir)
        noAfter = tr("A directory has no value");
    else
        after = event.value;
    showValue(m_after, m_afterTitle, after, noAfter, tr("After: %1 bytes"),
              tr("After: %1 bytes, in hex"), tr("After"));
}
