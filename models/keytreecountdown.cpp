#include "keytreecountdown.h"

KeyTreeCountdown::KeyTreeCountdown(QObject *parent)
    : QObject(parent)
{
    m_timer.setInterval(1000);
    connect(&m_timer, &QTimer::timeout, this, &KeyTreeCountdown::tick);
}

void KeyTreeCountdown::note(const QByteArray &dirKey, bool isRoot) const
{
    if (isRoot)
        m_root = true;
    else
        m_dirs.insert(dirKey);
    if (!m_timer.isActive())
        m_timer.start();
}

void KeyTreeCountdown::tickNow()
{
    tick();
    if (!m_timer.isActive())
        m_timer.start();
}

void KeyTreeCountdown::clear()
{
    m_dirs.clear();
    m_root = false;
}

void KeyTreeCountdown::tick()
{
    QSet<QByteArray> dirs;
    dirs.swap(m_dirs);
    const bool root = m_root;
    m_root = false;
    if (dirs.isEmpty() && !root) {
        m_timer.stop(); // nothing on screen counts down; data() starts it again
        return;
    }
    Q_EMIT ticked(dirs, root);
}
