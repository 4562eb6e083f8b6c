#pragma once

#include <QByteArray>
#include <QList>
#include <QSet>

// Which directories the services view shows as services: the ones the user marked, and the
// recognised ones (while recognising is on) unless the user hid them or they only hold companions
// of another service's instances (keys on the same leases, "/load/0001-0001" beside
// "/login_servers/0001-0001", without addresses of their own). Plain data.
class ServiceSelection
{
public:
    // Marking a directory unhides it and the other way round. False when nothing changed.
    bool setMarked(const QByteArray &dir, bool marked);
    bool setHidden(const QByteArray &dir, bool hidden);
    void setMarked(const QList<QByteArray> &dirs);
    void setHidden(const QList<QByteArray> &dirs);
    QList<QByteArray> marked() const { return m_marked.values(); }
    QList<QByteArray> hidden() const { return m_hidden.values(); }
    bool isMarked(const QByteArray &dir) const { return m_marked.contains(dir); }

    void addCompanion(const QByteArray &dir) { m_companions.insert(dir); }
    bool isCompanion(const QByteArray &dir) const { return m_companions.contains(dir); }
    void clearCompanions() { m_companions.clear(); }

    bool isShown(const QByteArray &dir, const QSet<QByteArray> &recognised, bool autoDetect) const;
    QSet<QByteArray> shown(const QSet<QByteArray> &recognised, bool autoDetect) const;

private:
    QSet<QByteArray> m_marked;
    QSet<QByteArray> m_hidden;
    QSet<QByteArray> m_companions;
};
