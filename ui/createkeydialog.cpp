#include "createkeydialog.h"

#include "keydisplay.h"
#include "keyinput.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace {
// etcd v2 TTLs and v3 lease TTLs are int64 seconds; a spin box holds an int, which is ample
// (68 years).
constexpr int maxTtl = std::numeric_limits<int>::max();
} // namespace

CreateKeyDialog::CreateKeyDialog(Kind kind, bool v3, const QByteArray &prefix, QWidget *parent)
    : QDialog(parent)
    , m_kind(kind)
    , m_expires(new QCheckBox(this))
    , m_ttl(new QSpinBox(this))
    , m_hint(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("createKeyDialog"));
    auto *form = new QFormLayout;

    switch (kind) {
    case Kind::Key:
        setWindowTitle(tr("New Key"));
        break;
    case Kind::Directory:
        setWindowTitle(tr("New Directory"));
        break;
    case Kind::InOrderKey:
        setWindowTitle(tr("New In-Order Key"));
        break;
    }
    setAccessibleName(windowTitle());

    if (kind == Kind::InOrderKey) {
        m_inOrderDir = prefix;
        auto *dir = new QLabel(displayKey(prefix), this);
        dir->setObjectName(QStringLiteral("directoryLabel"));
        dir->setAccessibleName(tr("Directory"));
        dir->setTextInteractionFlags(Qt::TextSelectableByMouse);
        form->addRow(tr("Directory:"), dir);
        m_hint->setText(tr("etcd names the key after its creation index, so keys in this "
                           "directory sort in the order they were created."));
    } else {
        m_key = new QLineEdit(displayKey(prefix), this);
        m_key->setObjectName(QStringLiteral("keyEdit"));
        m_key->setAccessibleName(kind == Kind::Directory ? tr("Directory key") : tr("Key"));
        m_key->setToolTip(tr("The full key. Write a byte that is not UTF-8 as \\xNN."));
        form->addRow(kind == Kind::Directory ? tr("&Directory:") : tr("&Key:"), m_key);
        connect(m_key, &QLineEdit::textChanged, this, &CreateKeyDialog::updateState);
    }

    if (kind != Kind::Directory) {
        m_value = new QPlainTextEdit(this);
        m_value->setObjectName(QStringLiteral("valueEdit"));
        m_value->setAccessibleName(tr("Value"));
        m_value->setTabChangesFocus(true);
        form->addRow(tr("&Value:"), m_value);
    }

    m_expires->setObjectName(QStringLiteral("expiresCheck"));
    m_ttl->setObjectName(QStringLiteral("ttlSpin"));
    m_ttl->setRange(1, maxTtl);
    m_ttl->setValue(60);
    m_ttl->setSuffix(tr(" s"));
    m_ttl->setEnabled(false);
    if (v3) {
        m_expires->setText(tr("&Attach a new lease with TTL"));
        m_ttl->setAccessibleName(tr("Lease TTL in seconds"));
    } else {
        m_expires->setText(tr("&Expires after"));
        m_ttl->setAccessibleName(tr("TTL in seconds"));
    }
    m_expires->setAccessibleName(m_expires->text().remove(QLatin1Char('&')));
    auto *ttlRow = new QHBoxLayout;
    ttlRow->addWidget(m_expires);
    ttlRow->addWidget(m_ttl);
    ttlRow->addStretch(1);
    form->addRow(tr("TTL:"), ttlRow);
    connect(m_expires, &QCheckBox::toggled, m_ttl, &QWidget::setEnabled);

    m_hint->setObjectName(QStringLiteral("createHint"));
    m_hint->setWordWrap(true);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Create"));
    m_buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("createButton"));
    m_buttons->setAccessibleName(tr("Dialog buttons"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form, 1);
    layout->addWidget(m_hint);
    layout->addWidget(m_buttons);
    if (m_key) {
        m_key->setFocus();
        m_key->end(false);
    } else if (m_value) {
        m_value->setFocus();
    }
    resize(480, kind == Kind::Directory ? 160 : 320);
    updateState();
}

QByteArray CreateKeyDialog::key() const
{
    return m_key ? keyFromDisplay(m_key->text()) : m_inOrderDir;
}

QByteArray CreateKeyDialog::value() const
{
    return m_value ? m_value->toPlainText().toUtf8() : QByteArray();
}

std::optional<qint64> CreateKeyDialog::ttl() const
{
    if (!m_expires->isChecked())
        return std::nullopt;
    return qint64(m_ttl->value());
}

void CreateKeyDialog::setKeyText(const QString &text)
{
    if (m_key)
        m_key->setText(text);
}

void CreateKeyDialog::setValue(const QByteArray &value)
{
    if (m_value)
        m_value->setPlainText(QString::fromUtf8(value));
}

void CreateKeyDialog::setTtl(std::optional<qint64> ttl)
{
    m_expires->setChecked(ttl.has_value());
    if (ttl)
        m_ttl->setValue(int(qBound<qint64>(1, *ttl, qint64(maxTtl))));
}

QPushButton *CreateKeyDialog::createButton() const
{
    return m_buttons->button(QDialogButtonBox::Ok);
}

void CreateKeyDialog::updateState()
{
    if (m_kind == Kind::InOrderKey)
        return;
    const QByteArray k = key();
    QString problem;
    if (k.isEmpty())
        problem = tr("Enter the full key.");
    else if (m_kind == Kind::Directory && k.endsWith('/') && k != "/")
        problem = tr("A directory name does not end with \"/\".");
    m_hint->setText(problem);
    createButton()->setEnabled(problem.isEmpty());
}
