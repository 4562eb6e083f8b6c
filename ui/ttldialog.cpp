#include "ttldialog.h"

#include "keydisplay.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

TtlDialog::TtlDialog(Mode mode, const QByteArray &key, std::optional<qint64> current,
                     QWidget *parent)
    : QDialog(parent)
    , m_mode(mode)
    , m_key(key)
    , m_ttl(new QSpinBox(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("ttlDialog"));
    setWindowTitle(mode == Mode::Set ? tr("Set TTL") : tr("Refresh TTL"));
    setAccessibleName(windowTitle());

    auto *text = new QLabel(this);
    text->setObjectName(QStringLiteral("ttlText"));
    text->setWordWrap(true);
    text->setTextFormat(Qt::PlainText);
    text->setAccessibleName(tr("Explanation"));
    if (mode == Mode::Set)
        text->setText(tr("%1 will expire this many seconds from now. Watchers see the change.")
                          .arg(displayKey(key)));
    else
        text->setText(tr("Restart the TTL of %1 without changing its value. Watchers are not "
                         "told.")
                          .arg(displayKey(key)));

    m_ttl->setObjectName(QStringLiteral("ttlSpin"));
    m_ttl->setAccessibleName(tr("TTL in seconds"));
    m_ttl->setRange(1, std::numeric_limits<int>::max());
    m_ttl->setSuffix(tr(" s"));
    m_ttl->setValue(current && *current > 0 ? int(qMin<qint64>(*current, m_ttl->maximum())) : 60);

    auto *form = new QFormLayout;
    form->addRow(tr("&TTL:"), m_ttl);

    okButton()->setText(mode == Mode::Set ? tr("&Set TTL") : tr("&Refresh"));
    okButton()->setObjectName(QStringLiteral("ttlOkButton"));
    m_buttons->setAccessibleName(tr("Dialog buttons"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(text);
    layout->addLayout(form);
    layout->addWidget(m_buttons);
    m_ttl->setFocus();
    m_ttl->selectAll();
    setMinimumWidth(380);
}

qint64 TtlDialog::ttl() const
{
    return m_ttl->value();
}

void TtlDialog::setTtl(qint64 seconds)
{
    m_ttl->setValue(int(qBound<qint64>(1, seconds, qint64(m_ttl->maximum()))));
}

QPushButton *TtlDialog::okButton() const
{
    return m_buttons->button(QDialogButtonBox::Ok);
}
