#include "profilebands.h"

#include "connectionprofile.h"

#include <QLabel>
#include <QVBoxLayout>

ProfileBands::ProfileBands(QWidget *parent)
    : QWidget(parent)
    , m_environment(new QLabel(this))
    , m_insecure(new QLabel(this))
{
    m_environment->setObjectName(QStringLiteral("environmentBand"));
    m_environment->setAccessibleName(tr("Connection environment"));
    m_environment->setAlignment(Qt::AlignCenter);
    m_environment->hide();
    m_insecure->setObjectName(QStringLiteral("insecureBand"));
    m_insecure->setAccessibleName(tr("Certificate verification warning"));
    m_insecure->setWordWrap(true);
    m_insecure->setAlignment(Qt::AlignCenter);
    m_insecure->setStyleSheet(QStringLiteral(
        "QLabel { background: #b71c1c; color: white; font-weight: bold; padding: 4px; }"));
    m_insecure->setText(
        tr("The server's certificate is NOT verified on this connection: anyone on the network "
           "path can pose as the cluster and read what you send, passwords included."));
    m_insecure->hide();
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_environment);
    layout->addWidget(m_insecure);
}

namespace {

// "Staging · orders", or the environment alone for a connection without a profile.
QString where(const ConnectionProfile &profile)
{
    return profile.name.isEmpty()
               ? profile.environmentLabel()
               : QStringLiteral("%1 · %2").arg(profile.environmentLabel(), profile.name);
}

} // namespace

QString ProfileBands::typedConfirmation(const ConnectionProfile &profile)
{
    // Production: a slip is expensive, so names are typed, not clicked.
    return profile.isProduction() ? where(profile) : QString();
}

QString ProfileBands::windowTitle(const ConnectionProfile &profile, const QString &endpoint,
                                  bool insecure, bool readOnly)
{
    QString title = tr("etcdscope — %1").arg(endpoint);
    if (!profile.name.isEmpty()) {
        title = profile.isProduction()
                    ? tr("%1 [PRODUCTION] — etcdscope — %2").arg(profile.name, endpoint)
                    : tr("%1 — etcdscope — %2").arg(profile.name, endpoint);
    }
    if (insecure)
        title += tr(" [certificate NOT verified]");
    if (readOnly)
        title += tr(" [read-only]");
    return title;
}

void ProfileBands::setProfile(const ConnectionProfile &profile)
{
    if (profile.name.isEmpty() && !profile.isProduction()) {
        m_environment->hide();
        return;
    }
    const QColor color = profile.bandColor();
    const QColor text = color.lightnessF() > 0.6 ? Qt::black : Qt::white;
    m_environment->setStyleSheet(
        QStringLiteral("QLabel { background: %1; color: %2; font-weight: bold; padding: 3px; }")
            .arg(color.name(), text.name()));
    QString band = profile.isProduction() ? where(profile).toUpper() : where(profile);
    if (profile.isProduction())
        band += tr(" — deletes and membership changes ask you to type the name");
    m_environment->setText(band);
    m_environment->show();
}

void ProfileBands::setInsecureWarningShown(bool shown)
{
    m_insecure->setVisible(shown);
}

QString ProfileBands::environmentText() const
{
    return m_environment->isVisibleTo(window()) ? m_environment->text() : QString();
}

bool ProfileBands::isInsecureWarningShown() const
{
    return m_insecure->isVisibleTo(window());
}
