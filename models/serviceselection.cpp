#include "serviceselection.h"

bool ServiceSelection::setMarked(const QByteArray &dir, bool marked)
{
    if (dir.isEmpty() || marked == m_marked.contains(dir))
        return false;
    if (marked) {
        m_marked.insert(dir);
        m_hidden.remove(dir);
    } else {
        m_marked.remove(dir);
    }
    return true;
}

bool ServiceSelection::setHidden(const QByteArray &dir, bool hidden)
{
    if (dir.isEmpty() || hidden == m_hidden.contains(dir))
        return false;
    if (hidden) {
        m_hidden.insert(dir);
        m_marked.remove(dir);
    } else {
        m_hidden.remove(dir);
    }
    return true;
}

void ServiceSelection::setMarked(const QList<QByteArray> &dirs)
{
    m_marked = QSet<QByteArray>(dirs.begin(), dirs.end());
    m_marked.remove(QByteArray());
}

void ServiceSelection::setHidden(const QList<QByteArray> &dirs)
{
    m_hidden = QSet<QByteArray>(dirs.begin(), dirs.end());
}

bool ServiceSelection::isShown(const QByteArray &dir, const QSet<QByteArray> &recognised,
                               bool autoDetect) const
{
    return m_marked.contains(dir) || (autoDetect && recognised.contains(dir) &&
                                      !m_hidden.contains(dir) && !m_companions.contains(dir));
}

QSet<QByteArray> ServiceSelection::shown(const QSet<QByteArray> &recognised, bool autoDetect) const
{
    QSet<QByteArray> dirs = m_marked;
    if (autoDetect) {
        for (const QByteArray &dir : recognised) {
            if (!m_hidden.contains(dir) && !m_companions.contains(dir))
                dirs.insert(dir);
        }
    }
    return dirs;
}
