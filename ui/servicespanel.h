#pragma once

#include <QByteArray>
#include <QPointer>
#include <QWidget>

class QAction;
class QDialog;
class QLabel;
class QLineEdit;
class QModelIndex;
class QTimer;
class QToolButton;
class QTreeView;
class ServiceDetailsView;
class ServiceModel;

// The Services dock: which instances of the cluster's services are registered now and whether
// they are healthy, the way Consul's UI shows services → instances → health. A header line
// counts each service's instances by state, the tree lists services with their instances
// (expanded as they appear; gone ones greyed, or hidden unless "Show gone"), a filter narrows it
// to an ID, address or type, and the selected row is shown in full beside it (ServiceDetailsView).
// Also where the user says which directories are services (and which are
// not) and names the service types. The panel does no I/O: the ServiceModel does.
class ServicesPanel : public QWidget
{
    Q_OBJECT
public:
    enum Action {
        ShowDirectory, // "Show Directory as Services…"
        AutoDetect,    // "Recognise automatically" (checkable)
        ServiceTypes,  // "Service Types…"
        ShowGone,      // "Show gone" (checkable)
        ActionCount
    };

    explicit ServicesPanel(ServiceModel *model, QWidget *parent = nullptr);
    ~ServicesPanel() override;

    ServiceModel *model() const { return m_model; }
    QTreeView *view() const { return m_view; }
    QLineEdit *filterEdit() const { return m_filter; }
    QAction *action(Action id) const { return m_actions[id]; }
    // The dialog the panel has open now (tests and automation answer it).
    QDialog *openDialog() const { return m_dialog; }

    // The connection the services belong to: loads its marked and hidden directories into the
    // model (call before the model starts) and the service type names; every later change is
    // saved under this key (ServiceDirectoryStore).
    void setProfileKey(const QString &key);
    QString profileKey() const { return m_profileKey; }
    // v3: the byte that splits keys, to take a trailing one off a typed directory.
    void setSeparator(char separator) { m_separator = separator; }

    // Shows `dir` as services (marks it) or stops (unmarks it and, when it is recognised by
    // itself, hides it). Saved.
    void setShownAsServices(const QByteArray &dir, bool shown);
    // Makes the row of `key` (an instance or a service directory) current.
    bool selectKey(const QByteArray &key);

    // What the header line says, as plain text ("login_server: 3 alive, 1 late · …").
    QString headerText() const;
    // The detail area as plain text, "Label: value" per line (tests, accessibility).
    QString detailsText() const;
    // The row is not hidden by the filter or by "Show gone".
    bool isRowShown(const QModelIndex &index) const;

Q_SIGNALS:
    // An instance (or, from "Show in Tree", a service directory) the key tree should select:
    // when it becomes current, and when the current one is clicked again (the key tree may
    // have moved on meanwhile).
    void keyActivated(const QByteArray &key);
    // A result in words, for the status bar.
    void statusMessage(const QString &text);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    // "for 10 min": how long gone instances stay (QSettings services/goneRetentionMinutes).
    QWidget *createRetentionBox();
    void createActions();
    void updateHeader();
    void applyRowFilter();
    void scheduleRowFilter();
    bool instanceMatches(const QModelIndex &index, const QString &text) const;
    void onCurrentChanged(const QModelIndex &current);
    void onContextMenu(const QPoint &pos);
    void askForDirectory();
    void openServiceTypes();
    void saveDirectories();
    void expandNewServices(int first, int last);
    void openTracked(QDialog *dialog);

    ServiceModel *m_model;
    QString m_profileKey;
    char m_separator = '/';
    QAction *m_actions[ActionCount] = {};
    QLabel *m_header = nullptr;
    QLineEdit *m_filter = nullptr;
    QTreeView *m_view = nullptr;
    QTimer *m_filterTimer = nullptr;
    QPointer<QDialog> m_dialog;
    ServiceDetailsView *m_details = nullptr;
    // Counts current-row changes; a click that did not change the current row activates it.
    quint64 m_currentChanges = 0;
    quint64 m_currentChangesAtPress = 0;
};
