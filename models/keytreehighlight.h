#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <deque>
#include <utility>
#include <vector>

class KeyTreeModel;

// The highlight of a KeyTreeModel's rows changed by a watch event, and when it ends. It holds
// keys, not rows (a listing may free a row meanwhile); the flag is in the row.
class KeyTreeHighlight : public QObject
{
    Q_OBJECT
public:
    explicit KeyTreeHighlight(KeyTreeModel &model);

    // 0: no highlight.
    void setDuration(int ms) { m_duration = std::max(0, ms); }
    int duration() const { return m_duration; }
    // Highlighted now (again): ends a duration from now.
    void add(const std::vector<QByteArray> &keys);
    void clear();

private:
    void expire();
    void end(const std::vector<QByteArray> &keys);

    KeyTreeModel &m;
    int m_duration = 2000;
    QElapsedTimer m_clock;
    std::deque<std::pair<qint64, QByteArray>> m_queue; // by expiry
    QHash<QByteArray, qint64> m_until;
    QTimer m_timer;
};
