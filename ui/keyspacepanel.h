#pragma once

#include <QWidget>

class EtcdError;
class EtcdV2Client;
class EtcdV3Client;
class QLabel;
class QTreeView;
class TopLevelModel;

// The keyspace as the user browses it. For now the top level only (the lazy tree comes next):
// a header naming the keyspace, the list of names, and a line saying how many were found or why
// listing failed.
class KeyspacePanel : public QWidget
{
    Q_OBJECT
public:
    explicit KeyspacePanel(QWidget *parent = nullptr);

    void listV2(EtcdV2Client *client);
    void listV3(EtcdV3Client *client);
    void showNotConnected(const QString &why);

    TopLevelModel *model() const { return m_model; }
    QTreeView *view() const { return m_view; }
    QString statusText() const;

private:
    void onLoadingFinished(const EtcdError &error);

    TopLevelModel *m_model;
    QLabel *m_header;
    QTreeView *m_view;
    QLabel *m_status;
};
