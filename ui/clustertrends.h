#pragma once

#include <QHash>
#include <QWidget>

class ClusterModel;
class QChart;
class QChartView;
class QDateTimeAxis;
class QLineSeries;
class QValueAxis;

// Two small trend charts over the panel's lifetime (Qt Charts): each member's raft index lag
// behind the leader and its database size, one line per member, a point per refresh it answered.
class ClusterTrends : public QWidget
{
    Q_OBJECT
public:
    explicit ClusterTrends(ClusterModel *model, QWidget *parent = nullptr);

    // For tests: the line of a member in the lag or the size chart (null when none).
    QLineSeries *lagSeries(quint64 memberId) const { return m_lag.value(memberId); }
    QLineSeries *sizeSeries(quint64 memberId) const { return m_size.value(memberId); }

private:
    struct Chart
    {
        QChart *chart = nullptr;
        QChartView *view = nullptr;
        QDateTimeAxis *x = nullptr;
        QValueAxis *y = nullptr;
    };

    Chart makeChart(const QString &title, const QString &objectName);
    void update();
    QLineSeries *seriesFor(Chart &chart, QHash<quint64, QLineSeries *> &lines, quint64 id,
                           const QString &name);

    ClusterModel *m_model;
    Chart m_lagChart;
    Chart m_sizeChart;
    QHash<quint64, QLineSeries *> m_lag;
    QHash<quint64, QLineSeries *> m_size;
};
