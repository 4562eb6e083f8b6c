#include "leasedialog.h"

#include "keydisplay.h"

#include <QButtonGroup>
#include <QDialogButtonBox>
#include <QGridLayout>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QVBoxLayout>

LeaseDialog::LeaseDialog(const QByteArray &key, quint64 lease, QWidget *parent)
    : QDialog(parent)
    , m_key(key)
    , m_keep(new QRadioButton(this))
    , m_attach(new QRadioButton(tr("&Attach a new lease with TTL"), this))
    , m_detach(new QRadioButton(tr("&Detach: the key no longer expires"), this))
    , m_ttl(new QSpinBox(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("leaseDialog"));
    setWindowTitle(tr("Lease"));
    setAccessibleName(tr("Lease of a key"));

    auto *text = new QLabel(this);
    text->setObjectName(QStringLiteral("leaseText"));
    text->setTextFormat(Qt::PlainText);
    text->setWordWrap(true);
    text->setAccessibleName(tr("Current lease"));
    text->setText(lease == 0 ? tr("%1 has no lease.").arg(displayKey(key))
                             : tr("%1 is attached to lease %2 (hex %3).")
                                   .arg(displayKey(key))
                                   .arg(lease)
                                   .arg(QString::number(lease, 16)));

    m_keep->setText(lease == 0 ? tr("&Keep it without a lease") : tr("&Keep the current lease"));
    m_keep->setObjectName(QStringLiteral("keepLease"));
    m_attach->setObjectName(QStringLiteral("attachLease"));
    m_detach->setObjectName(QStringLiteral("detachLease"));
    for (QRadioButton *b : {m_keep, m_attach, m_detach})
        b->setAccessibleName(b->text().remove(QLatin1Char('&')));
    m_detach->setEnabled(lease != 0);
    auto *group = new QButtonGroup(this);
    group->addButton(m_keep);
    group->addButton(m_attach);
    group->addButton(m_detach);

    m_ttl->setObjectName(QStringLiteral("leaseTtlSpin"));
    m_ttl->setAccessibleName(tr("Lease TTL in seconds"));
    m_ttl->setRange(1, std::numeric_limits<int>::max());
    m_ttl->setSuffix(tr(" s"));
    m_ttl->setValue(60);
    connect(m_attach, &QRadioButton::toggled, m_ttl, &QWidget::setEnabled);

    auto *note = new QLabel(tr("The value is kept. The old lease is not revoked: other keys may "
                               "share it."),
                            this);
    note->setWordWrap(true);
    note->setAccessibleName(tr("Note"));

    auto *grid = new QGridLayout;
    grid->addWidget(m_keep, 0, 0, 1, 2);
    grid->addWidget(m_attach, 1, 0);
    grid->addWidget(m_ttl, 1, 1);
    grid->addWidget(m_detach, 2, 0, 1, 2);
    grid->setColumnStretch(2, 1);

    okButton()->setText(tr("&Apply"));
    okButton()->setObjectName(QStringLiteral("leaseOkButton"));
    m_buttons->setAccessibleName(tr("Dialog buttons"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(text);
    layout->addLayout(grid);
    layout->addWidget(note);
    layout->addWidget(m_buttons);
    setChoice(lease == 0 ? Choice::AttachNew : Choice::Keep);
    setMinimumWidth(420);
}

LeaseDialog::Choice LeaseDialog::choice() const
{
    if (m_attach->isChecked())
        return Choice::AttachNew;
    if (m_detach->isChecked())
        return Choice::Detach;
    return Choice::Keep;
}

qint64 LeaseDialog::ttl() const
{
    return m_ttl->value();
}

void LeaseDialog::setChoice(Choice choice)
{
    switch (choice) {
    case Choice::Keep:
        m_keep->setChecked(true);
        break;
    case Choice::AttachNew:
        m_attach->setChecked(true);
        break;
    case Choice::Detach:
        m_detach->setChecked(true);
        break;
    }
    m_ttl->setEnabled(m_attach->isChecked());
}

void LeaseDialog::setTtl(qint64 seconds)
{
    m_ttl->setValue(int(qBound<qint64>(1, seconds, qint64(m_ttl->maximum()))));
}

QPushButton *LeaseDialog::okButton() const
{
    return m_buttons->button(QDialogButtonBox::Ok);
}
