#pragma once

#include "etcdwatchevent.h"

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <functional>
#include <vector>

// Paces watch events into a key tree: queued, handed over at most once per interval (a frame),
// a prefix delete still arriving held back until it is whole, a backlog a slice per frame, and
// events on the path through a level being listed held until it is in.
class KeyTreeEventQueue : public QObject
{
    Q_OBJECT
public:
    // apply: takes one frame's events (in order). listing: whether any level is being listed
    // (with none, nothing can hold events any more).
    KeyTreeEventQueue(std::function<void(std::vector<EtcdWatchEvent> &&)> apply,
                      std::function<bool()> listing, QObject *parent = nullptr);

    void append(const QList<EtcdWatchEvent> &events);
    // Hands over what is queued now, nothing held back.
    void flush() { applyQueued(true); }
    // The model could not apply this event yet (a level on its path is being listed): it waits,
    // and the newer events of its key wait behind it, until release().
    void hold(const EtcdWatchEvent &event);
    bool isHeld(const QByteArray &key) const { return m_heldKeys.contains(key); }
    // Held events go first again, before anything newer.
    void release();

    int pendingCount() const { return int(m_queued.size() + m_held.size()); }
    qint64 appliedCount() const { return m_applied; }
    void setInterval(int ms) { m_interval = std::max(0, ms); }
    int interval() const { return m_interval; }

private:
    void schedule();
    void applyQueued(bool all);

    std::function<void(std::vector<EtcdWatchEvent> &&)> m_apply;
    std::function<bool()> m_listing;
    std::vector<EtcdWatchEvent> m_queued;
    std::vector<EtcdWatchEvent> m_held;
    QSet<QByteArray> m_heldKeys;
    QTimer m_timer;
    QElapsedTimer m_sinceApply;
    QElapsedTimer m_clock;
    int m_interval = 16;
    bool m_arrived = false;     // events came since the last hand-over
    qint64 m_holdingSince = -1; // m_clock ms a big tail run was first held back
    qint64 m_applied = 0;
};
