#pragma once

#include <QByteArray>
#include <QList>
#include <QWidget>

class QGridLayout;
class QLabel;
class QTimer;
class ServiceModel;
struct ServiceInstance;

// The Services panel's detail area: the selected instance in full (the raw value and what was
// understood of it, the TTL or lease counting down, the lease's other keys, the heartbeat
// history), or a selected service's counts and why it is shown. Follows the model's changes of
// the row it shows; does no I/O.
class ServiceDetailsView : public QWidget
{
    Q_OBJECT
public:
    explicit ServiceDetailsView(ServiceModel *model, QWidget *parent = nullptr);
    ~ServiceDetailsView() override;

    // Shows the instance at `key`, or the service directory `key` (empty: nothing selected).
    void showKey(const QByteArray &key, bool isService);
    QByteArray shownKey() const { return m_shownKey; }
    // Reads the shown row from the model again (the service type names changed, say).
    void refresh();
    // What the area shows, as plain text: the title, then "Label: value" per shown line.
    QString text() const;

private:
    // The rows of the area, in order on screen.
    enum Row {
        KeyRow,
        TypeRow,
        StateRow,
        AddressRow,
        ValueRow,
        TtlRow,
        RemainingRow,
        LeaseRow,
        LeaseKeysRow,
        RegisteredRow,
        RefreshRow,
        IntervalRow,
        IntervalsRow,
        FlapsRow,
        WentRow,
        SourceRow, // a service: why it is shown (marked, recognised)
        RowCount
    };

    void build();
    void showInstance(const ServiceInstance &inst);
    void showService(const QByteArray &dir);
    void clear(const QString &why);
    void setRow(int row, const QString &value, bool shown = true);

    ServiceModel *m_model;
    QTimer *m_timer; // the countdowns move every second while an instance is shown
    QLabel *m_title = nullptr;
    QGridLayout *m_grid = nullptr;
    QList<QLabel *> m_labels; // one label/value pair per Row
    QList<QLabel *> m_values;
    QByteArray m_shownKey;
    bool m_shownIsService = false;
};
