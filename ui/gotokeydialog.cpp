#include "gotokeydialog.h"

#include "keydisplay.h"
#include "keyinput.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

GoToKeyDialog::GoToKeyDialog(const QByteArray &initial, QWidget *parent)
    : QDialog(parent)
    , m_key(new QLineEdit(displayKey(initial), this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("goToKeyDialog"));
    setWindowTitle(tr("Go to Key"));
    setAccessibleName(windowTitle());

    m_key->setObjectName(QStringLiteral("goToKeyEdit"));
    m_key->setAccessibleName(tr("Key to go to"));
    m_key->setPlaceholderText(tr("/path/to/key"));
    m_key->setToolTip(tr("The full key. Write a byte that is not UTF-8 as \\xNN."));
    m_key->selectAll();

    goButton()->setText(tr("&Go"));
    goButton()->setObjectName(QStringLiteral("goButton"));
    m_buttons->setAccessibleName(tr("Dialog buttons"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_key, &QLineEdit::textChanged, this,
            [this] { goButton()->setEnabled(!m_key->text().isEmpty()); });
    goButton()->setEnabled(!m_key->text().isEmpty());

    auto *form = new QFormLayout;
    form->addRow(tr("&Key:"), m_key);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_buttons);
    setMinimumWidth(460);
}

QByteArray GoToKeyDialog::key() const
{
    return keyFromDisplay(m_key->text());
}

void GoToKeyDialog::setKeyText(const QString &text)
{
    m_key->setText(text);
}

QPushButton *GoToKeyDialog::goButton() const
{
    return m_buttons->button(QDialogButtonBox::Ok);
}
