#pragma once

#include "etcdclient.h"

#include <QPointer>
#include <QWidget>
#include <functional>

class ClusterInfoPanel;
class ClusterModel;
class ClusterMonitor;
class ClusterTrends;
class QAction;
class QDialog;
class QLabel;
class QSpinBox;
class QTableView;
class QTextBrowser;
struct ClusterMember;

// The cluster panel: what the connection found (ClusterInfoPanel), the members with their
// health and statistics (asked by a ClusterMonitor, shown by a ClusterModel in a table), the
// selected member's details, trend charts, and the membership actions (add, change peer URLs,
// promote, remove), each confirmed in words that name the member and the cluster, and answered
// in words. Refreshes only while active.
class ClusterPanel : public QWidget
{
    Q_OBJECT
public:
    enum Action { Refresh, AddMember, UpdateMember, PromoteMember, RemoveMember };

    explicit ClusterPanel(QWidget *parent = nullptr);
    ~ClusterPanel() override;

    ClusterInfoPanel *infoPanel() const { return m_info; }
    ClusterMonitor *monitor() const { return m_monitor; }
    ClusterModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    ClusterTrends *trends() const { return m_trends; }
    QAction *action(Action action) const;
    // The dialog or message the panel has open now (tests answer it).
    QDialog *openDialog() const { return m_dialog; }
    QString detailsText() const;
    QString alarmText() const;

    // After a successful discovery (null: not connected).
    void setClient(EtcdClient *client);
    // The endpoints the connection was given, to name the cluster in confirmations.
    void setEndpoints(const QStringList &endpoints) { m_endpoints = endpoints; }
    void setReadOnly(bool readOnly);
    // A production connection: every membership change asks to type the member's name (its
    // ID when it has none; the profile's name for an add). `where` names the connection
    // ("Production · orders-prod"); empty turns it off.
    void setTypedConfirmation(const QString &where, const QString &profileName);
    // Refreshes run while the panel is on screen.
    void setActive(bool active);
    void selectMember(quint64 id);

Q_SIGNALS:
    void statusMessage(const QString &text);

private:
    void createActions();
    void updateActions();
    void updateDetails();
    void updateSummary();
    const ClusterMember *selectedMember() const;
    QString clusterName() const;
    void showDialog(QDialog *dialog);
    void showResult(const QString &what, const EtcdError &error, const QString &success);

    void addMember();
    void updateMember();
    void promoteMember();
    void removeMember();
    void confirm(const QString &objectName, const QString &title, const QString &text,
                 const QString &button, const QString &typeToConfirm,
                 std::function<void()> accepted);

    ClusterMonitor *m_monitor;
    ClusterModel *m_model;
    ClusterInfoPanel *m_info;
    ClusterTrends *m_trends;
    QTableView *m_view;
    QTextBrowser *m_details;
    QLabel *m_alarm;
    QLabel *m_summary;
    QSpinBox *m_interval;
    QAction *m_actions[5] = {};
    QPointer<QDialog> m_dialog;
    QStringList m_endpoints;
    QString m_detailsHtml;
    QString m_typedWhere;
    QString m_typedProfile;
    bool m_readOnly = false;
};
