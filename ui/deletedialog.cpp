#include "deletedialog.h"

#include "keydisplay.h"
#include "typedconfirmation.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

DeleteDialog::DeleteDialog(Kind kind, const QByteArray &key, const QByteArray &prefix,
                           QWidget *parent)
    : QDialog(parent)
    , m_kind(kind)
    , m_key(key)
    , m_prefix(prefix)
    , m_text(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("deleteDialog"));
    setWindowTitle(kind == Kind::Key ? tr("Delete Key") : tr("Delete Directory"));
    setAccessibleName(windowTitle());

    m_text->setObjectName(QStringLiteral("deleteText"));
    m_text->setAccessibleName(tr("What will be deleted"));
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::PlainText);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);

    QPushButton *remove = deleteButton();
    remove->setText(tr("&Delete"));
    remove->setObjectName(QStringLiteral("deleteButton"));
    // Enter must not delete by accident: Cancel is the default.
    remove->setAutoDefault(false);
    m_buttons->button(QDialogButtonBox::Cancel)->setDefault(true);
    m_buttons->setAccessibleName(tr("Dialog buttons"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *icon = new QLabel(this);
    icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(32, 32));
    icon->setAlignment(Qt::AlignTop);
    auto *row = new QHBoxLayout;
    row->addWidget(icon);
    row->addWidget(m_text, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(row, 1);
    layout->addWidget(m_buttons);

    if (kind == Kind::Key) {
        m_text->setText(tr("Delete the key %1? This cannot be undone.").arg(displayKey(key)));
    } else {
        m_counting = true;
        remove->setEnabled(false);
        m_text->setText(tr("Counting the keys in %1…").arg(subject()));
    }
    setMinimumWidth(420);
}

QString DeleteDialog::subject() const
{
    return displayKey(m_kind == Kind::Prefix ? m_prefix : m_key);
}

void DeleteDialog::setCount(qint64 count, bool atLeast)
{
    if (m_kind == Kind::Key)
        return;
    m_counting = false;
    const QString number = QLocale().toString(count);
    QString keys;
    if (atLeast)
        keys = tr("more than %1 keys").arg(number);
    else if (count == 1)
        keys = tr("1 key");
    else
        keys = tr("%1 keys").arg(number);
    switch (m_kind) {
    case Kind::Key:
        break;
    case Kind::Directory:
        m_text->setText(tr("Delete the directory %1 and everything in it? This removes %2 and "
                           "cannot be undone.")
                            .arg(displayKey(m_key), keys));
        break;
    case Kind::Prefix:
        m_text->setText(tr("Delete every key under %1? This removes %2 and cannot be undone.")
                            .arg(displayKey(m_prefix), keys));
        break;
    case Kind::KeyAndPrefix:
        m_text->setText(tr("Delete the key %1 and every key under %2? This removes the key and "
                           "%3 below it, and cannot be undone.")
                            .arg(displayKey(m_key), displayKey(m_prefix), keys));
        break;
    }
    updateDeleteButton();
}

void DeleteDialog::setCountFailed(const QString &why)
{
    if (m_kind == Kind::Key)
        return;
    m_counting = false;
    m_text->setText(tr("etcdscope could not count the keys in %1: %2\n\nDelete it and "
                       "everything in it anyway? This cannot be undone.")
                        .arg(subject(), why));
    updateDeleteButton();
}

void DeleteDialog::requireTyping(const QString &expected, const QString &where)
{
    m_expected = expected;
    m_typed = addTypedConfirmation(this, static_cast<QVBoxLayout *>(layout()), expected, where);
    connect(m_typed, &QLineEdit::textChanged, this, &DeleteDialog::updateDeleteButton);
    updateDeleteButton();
}

void DeleteDialog::updateDeleteButton()
{
    const bool typed = m_expected.isEmpty() || (m_typed && m_typed->text() == m_expected);
    deleteButton()->setEnabled(!m_counting && typed);
}

QString DeleteDialog::text() const
{
    return m_text->text();
}

QPushButton *DeleteDialog::deleteButton() const
{
    return m_buttons->button(QDialogButtonBox::Ok);
}
