#include "clustertrends.h"

#include "clustermodel.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLineSeries>
#include <QSet>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

ClusterTrends::ClusterTrends(ClusterModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
{
    setObjectName(QStringLiteral("clusterTrends"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    m_lagChart = makeChart(tr("Raft index lag behind the leader"), QStringLiteral("lagChart"));
    m_sizeChart = makeChart(tr("Database size (MiB)"), QStringLiteral("dbSizeChart"));
    layout->addWidget(m_lagChart.view);
    layout->addWidget(m_sizeChart.view);
    connect(m_model, &ClusterModel::historyAppended, this, &ClusterTrends::update);
    connect(m_model, &QAbstractItemModel::modelReset, this, &ClusterTrends::update);
    update();
}

ClusterTrends::Chart ClusterTrends::makeChart(const QString &title, const QString &objectName)
{
    Chart c;
    c.chart = new QChart;
    c.chart->setTitle(title);
    c.chart->setMargins(QMargins(2, 2, 2, 2));
    c.chart->setBackgroundRoundness(0);
    // At the right, where a line per member fits (one above the other), in both charts so that
    // their time axes line up.
    c.chart->legend()->setAlignment(Qt::AlignRight);
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    c.chart->setTitleFont(small);
    c.chart->legend()->setFont(small);
    c.x = new QDateTimeAxis;
    c.x->setFormat(QStringLiteral("hh:mm"));
    c.x->setTickCount(2); // the first and the last sample: the labels fit
    c.x->setLabelsFont(small);
    c.y = new QValueAxis;
    c.y->setLabelFormat(QStringLiteral("%.0f"));
    c.y->setTickCount(3);
    c.y->setLabelsFont(small);
    c.y->setMin(0);
    c.chart->addAxis(c.x, Qt::AlignBottom);
    c.chart->addAxis(c.y, Qt::AlignLeft);
    c.view = new QChartView(c.chart, this);
    c.view->setObjectName(objectName);
    c.view->setAccessibleName(title);
    c.view->setRenderHint(QPainter::Antialiasing);
    c.view->setMinimumHeight(110);
    return c;
}

QLineSeries *ClusterTrends::seriesFor(Chart &chart, QHash<quint64, QLineSeries *> &lines,
                                      quint64 id, const QString &name)
{
    QLineSeries *series = lines.value(id);
    if (!series) {
        series = new QLineSeries;
        chart.chart->addSeries(series);
        series->attachAxis(chart.x);
        series->attachAxis(chart.y);
        lines.insert(id, series);
    }
    series->setName(name);
    return series;
}

void ClusterTrends::update()
{
    const QList<quint64> ids = m_model->historyMembers();
    const QSet<quint64> present(ids.cbegin(), ids.cend());
    // Lines of members that left the cluster (or a new connection) go.
    for (auto *lines : {&m_lag, &m_size}) {
        Chart &chart = lines == &m_lag ? m_lagChart : m_sizeChart;
        for (auto it = lines->begin(); it != lines->end();) {
            if (present.contains(it.key())) {
                ++it;
                continue;
            }
            chart.chart->removeSeries(it.value());
            delete it.value();
            it = lines->erase(it);
        }
    }

    qint64 first = 0;
    qint64 last = 0;
    double maxLag = 0;
    double maxSize = 0;
    for (quint64 id : ids) {
        const std::deque<ClusterModel::Sample> &samples = m_model->history(id);
        if (samples.empty())
            continue;
        const ClusterMember *member = m_model->memberById(id);
        const QString name =
            member && !member->name.isEmpty() ? member->name : ClusterModel::hexId(id);
        QLineSeries *lag = seriesFor(m_lagChart, m_lag, id, name);
        QLineSeries *size = seriesFor(m_sizeChart, m_size, id, name);
        // Only what is new since the last update is appended; what the model let go is removed.
        const qint64 shownUntil = lag->count() > 0 ? qint64(lag->at(lag->count() - 1).x()) : -1;
        QList<QPointF> newLag;
        QList<QPointF> newSize;
        for (const ClusterModel::Sample &s : samples) {
            if (s.msecsSinceEpoch <= shownUntil)
                continue;
            newLag << QPointF(double(s.msecsSinceEpoch), double(s.lag));
            newSize << QPointF(double(s.msecsSinceEpoch), double(s.dbSize) / (1024.0 * 1024.0));
        }
        lag->append(newLag);
        size->append(newSize);
        const int excess = lag->count() - int(samples.size());
        if (excess > 0) {
            lag->removePoints(0, excess);
            size->removePoints(0, std::min(excess, size->count()));
        }
        for (int i = 0; i < lag->count(); ++i)
            maxLag = std::max(maxLag, lag->at(i).y());
        for (int i = 0; i < size->count(); ++i)
            maxSize = std::max(maxSize, size->at(i).y());
        const qint64 from = samples.front().msecsSinceEpoch;
        const qint64 to = samples.back().msecsSinceEpoch;
        first = first == 0 ? from : std::min(first, from);
        last = std::max(last, to);
    }

    if (first == 0) {
        const QDateTime now = QDateTime::currentDateTime();
        first = now.addSecs(-60).toMSecsSinceEpoch();
        last = now.toMSecsSinceEpoch();
    }
    if (last - first < 60000)
        first = last - 60000;
    for (Chart *c : {&m_lagChart, &m_sizeChart})
        c->x->setRange(QDateTime::fromMSecsSinceEpoch(first), QDateTime::fromMSecsSinceEpoch(last));
    m_lagChart.y->setRange(0, std::max(10.0, std::ceil(maxLag * 1.2)));
    m_sizeChart.y->setLabelFormat(maxSize < 10 ? QStringLiteral("%.2f") : QStringLiteral("%.0f"));
    m_sizeChart.y->setRange(0, std::max(0.1, maxSize * 1.2));
}
