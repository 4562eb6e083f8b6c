#include "connectionbanner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

ConnectionBanner::ConnectionBanner(QWidget *parent)
    : QFrame(parent)
    , m_title(new QLabel(this))
    , m_message(new QLabel(this))
    , m_retry(new QPushButton(tr("&Retry"), this))
{
    setObjectName(QStringLiteral("connectionBanner"));
    m_message->setObjectName(QStringLiteral("bannerMessage"));
    m_retry->setObjectName(QStringLiteral("retryButton"));
    setFrameShape(QFrame::StyledPanel);
    // A fixed warm red reads as "error" on light and dark palettes alike.
    setStyleSheet(QStringLiteral("ConnectionBanner { background: #fde7e7; border: 1px solid "
                                 "#e0a0a0; border-radius: 4px; } "
                                 "ConnectionBanner QLabel { color: #5a1010; }"));

    auto *icon = new QLabel(this);
    icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxCritical).pixmap(32, 32));
    icon->setAlignment(Qt::AlignTop);

    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *texts = new QVBoxLayout;
    texts->addWidget(m_title);
    texts->addWidget(m_message);

    auto *layout = new QHBoxLayout(this);
    layout->addWidget(icon);
    layout->addLayout(texts, 1);
    layout->addWidget(m_retry, 0, Qt::AlignVCenter);

    connect(m_retry, &QPushButton::clicked, this, &ConnectionBanner::retryRequested);
    hide();
}

void ConnectionBanner::showError(const QString &title, const QString &message,
                                 const QString &details)
{
    m_title->setText(title);
    m_message->setText(message);
    setToolTip(details);
    show();
}

QString ConnectionBanner::message() const
{
    return m_message->text();
}
