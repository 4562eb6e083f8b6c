#include "clusterinfopanel.h"

#include <QFormLayout>
#include <QLabel>

ClusterInfoPanel::ClusterInfoPanel(QWidget *parent)
    : QGroupBox(tr("Cluster"), parent)
{
    setObjectName(QStringLiteral("clusterInfoPanel"));
    auto *form = new QFormLayout(this);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_serverVersion = addRow(tr("Server version:"), QStringLiteral("serverVersionLabel"));
    m_clusterVersion = addRow(tr("Cluster version:"), QStringLiteral("clusterVersionLabel"));
    m_health = addRow(tr("Health:"), QStringLiteral("healthLabel"));
    m_api = addRow(tr("API in use:"), QStringLiteral("apiLabel"));
    m_apis = addRow(tr("APIs served:"), QStringLiteral("apisLabel"));
    m_endpoint = addRow(tr("Endpoint:"), QStringLiteral("endpointLabel"));
    m_access = addRow(tr("Access:"), QStringLiteral("accessLabel"));
}

QLabel *ClusterInfoPanel::addRow(const QString &label, const QString &objectName)
{
    auto *value = new QLabel(this);
    value->setObjectName(objectName);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    value->setWordWrap(true);
    static_cast<QFormLayout *>(layout())->addRow(label, value);
    return value;
}

void ClusterInfoPanel::showConnecting(const QStringList &endpoints, bool readOnly)
{
    const QString unknown = QStringLiteral("–");
    for (QLabel *label : {m_serverVersion, m_clusterVersion, m_health, m_api, m_apis})
        label->setText(unknown);
    m_health->setText(tr("Connecting…"));
    m_endpoint->setText(endpoints.join(QStringLiteral(", ")));
    m_access->setText(readOnly ? tr("Read-only") : tr("Read and write"));
}

void ClusterInfoPanel::showInfo(const EtcdClient::ClusterInfo &info, bool readOnly)
{
    m_serverVersion->setText(info.serverVersion.isEmpty() ? tr("unknown") : info.serverVersion);
    m_clusterVersion->setText(info.clusterVersion.isEmpty() ? tr("unknown") : info.clusterVersion);
    QString health = info.healthy ? tr("Healthy") : tr("Unhealthy");
    if (!info.healthReason.isEmpty())
        health += QStringLiteral(" (%1)").arg(info.healthReason);
    m_health->setText(health);
    m_api->setText(EtcdClient::apiName(info.api));
    QStringList served;
    if (info.v3Available)
        served << tr("v3 (gateway %1)").arg(QString::fromLatin1(info.v3Prefix));
    if (info.v2Available)
        served << tr("v2");
    m_apis->setText(served.isEmpty() ? tr("none found") : served.join(QStringLiteral(", ")));
    m_endpoint->setText(info.endpoint);
    m_access->setText(readOnly ? tr("Read-only") : tr("Read and write"));
}

void ClusterInfoPanel::showFailed()
{
    m_health->setText(tr("Not connected"));
}

QString ClusterInfoPanel::serverVersion() const
{
    return m_serverVersion->text();
}

QString ClusterInfoPanel::apiText() const
{
    return m_api->text();
}
