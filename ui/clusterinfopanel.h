#pragma once

#include "etcdclient.h"

#include <QGroupBox>

class QLabel;

// What the connection found out about the cluster: versions, health, the API in use, the
// endpoint that answered and whether writes are allowed.
class ClusterInfoPanel : public QGroupBox
{
    Q_OBJECT
public:
    explicit ClusterInfoPanel(QWidget *parent = nullptr);

    void showConnecting(const QStringList &endpoints, bool readOnly);
    void showInfo(const EtcdClient::ClusterInfo &info, bool readOnly);
    void showFailed();

    QString serverVersion() const;
    QString apiText() const;

private:
    QLabel *addRow(const QString &label, const QString &objectName);

    QLabel *m_serverVersion;
    QLabel *m_clusterVersion;
    QLabel *m_health;
    QLabel *m_api;
    QLabel *m_apis;
    QLabel *m_endpoint;
    QLabel *m_access;
};
