#include "keychangedbanner.h"

#include "keydisplay.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>

KeyChangedBanner::KeyChangedBanner(QWidget *parent)
    : QFrame(parent)
    , m_icon(new QLabel(this))
    , m_message(new QLabel(this))
    , m_difference(new QPushButton(tr("Show &difference"), this))
    , m_reload(new QPushButton(tr("Re&load"), this))
    , m_recreate(new QPushButton(tr("Create it &again with my text"), this))
    , m_close(new QPushButton(tr("C&lose"), this))
{
    setObjectName(QStringLiteral("keyChangedBanner"));
    setAccessibleName(tr("Key changed on the server"));
    setFrameShape(QFrame::StyledPanel);
    // A fixed amber reads as "attention" on light and dark palettes alike.
    setStyleSheet(QStringLiteral("KeyChangedBanner { background: #fff4d6; border: 1px solid "
                                 "#e0c070; border-radius: 4px; } "
                                 "KeyChangedBanner QLabel { color: #4a3500; }"));

    m_icon->setAlignment(Qt::AlignTop);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setAccessibleName(tr("What changed on the server"));

    m_difference->setAccessibleName(tr("Show difference"));
    m_difference->setToolTip(tr("Compare the server's value with your text"));
    m_reload->setAccessibleName(tr("Reload the server's value"));
    m_reload->setToolTip(tr("Drop your edit and show the server's value"));
    m_recreate->setAccessibleName(tr("Create the key again"));
    m_recreate->setToolTip(tr("Create the key again with the text in the editor, if nobody has "
                              "created it meanwhile"));
    m_close->setAccessibleName(tr("Close the key"));
    m_close->setToolTip(tr("Close the editor of this key"));

    auto *layout = new QHBoxLayout(this);
    layout->addWidget(m_icon);
    layout->addWidget(m_message, 1);
    for (QPushButton *b : {m_difference, m_reload, m_recreate, m_close})
        layout->addWidget(b, 0, Qt::AlignVCenter);

    connect(m_difference, &QPushButton::clicked, this, &KeyChangedBanner::showDifferenceRequested);
    connect(m_reload, &QPushButton::clicked, this, &KeyChangedBanner::reloadRequested);
    connect(m_recreate, &QPushButton::clicked, this, &KeyChangedBanner::recreateRequested);
    connect(m_close, &QPushButton::clicked, this, &KeyChangedBanner::closeRequested);
    setKind(Kind::None);
}

void KeyChangedBanner::showChanged(const QByteArray &key, qint64 revision, bool v2)
{
    m_message->setText(
        v2 ? tr("Key %1 was changed on the server at index %2 while you were editing.")
                 .arg(displayKey(key))
                 .arg(revision)
           : tr("Key %1 was changed on the server at revision %2 while you were editing.")
                 .arg(displayKey(key))
                 .arg(revision));
    m_icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(24, 24));
    setKind(Kind::Changed);
}

void KeyChangedBanner::showDeleted(qint64 revision, bool v2, bool expired)
{
    QString text;
    if (expired)
        text = tr("This key expired on the server at index %1.").arg(revision);
    else if (v2)
        text = tr("This key was deleted on the server at index %1.").arg(revision);
    else
        text = tr("This key was deleted on the server at revision %1.").arg(revision);
    m_message->setText(text);
    m_icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxCritical).pixmap(24, 24));
    setKind(Kind::Deleted);
}

void KeyChangedBanner::dismiss()
{
    setKind(Kind::None);
}

QString KeyChangedBanner::message() const
{
    return m_kind == Kind::None ? QString() : m_message->text();
}

void KeyChangedBanner::setWritable(bool writable)
{
    m_writable = writable;
    m_recreate->setEnabled(writable);
}

void KeyChangedBanner::setKind(Kind kind)
{
    m_kind = kind;
    m_difference->setVisible(kind == Kind::Changed);
    m_reload->setVisible(kind == Kind::Changed);
    m_recreate->setVisible(kind == Kind::Deleted);
    m_close->setVisible(kind == Kind::Deleted);
    m_recreate->setEnabled(m_writable);
    setVisible(kind != Kind::None);
}
