#pragma once

#include <QByteArray>
#include <QObject>
#include <QSet>
#include <QTimer>

// The once-a-second tick of the TTL column, only for the directories whose counting rows a view
// painted since the last tick (data() notes them), so ticks reach the rows on screen only.
class KeyTreeCountdown : public QObject
{
    Q_OBJECT
public:
    explicit KeyTreeCountdown(QObject *parent = nullptr);

    // A view painted a counting row of this directory (the root: isRoot). Starts the tick.
    void note(const QByteArray &dirKey, bool isRoot) const;
    // Ticks now (a lease's TTL just came) and keeps ticking.
    void tickNow();
    void clear();

Q_SIGNALS:
    // The directories noted since the last tick: their counting rows changed.
    void ticked(const QSet<QByteArray> &dirs, bool root);

private:
    void tick();

    mutable QSet<QByteArray> m_dirs;
    mutable bool m_root = false;
    mutable QTimer m_timer;
};
