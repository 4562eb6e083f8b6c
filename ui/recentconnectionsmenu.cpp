#include "recentconnectionsmenu.h"

#include "profilestore.h"

#include <algorithm>

RecentConnectionsMenu::RecentConnectionsMenu(QWidget *parent)
    : QMenu(tr("&Recent Connections"), parent)
{
    setObjectName(QStringLiteral("recentMenu"));
    connect(this, &QMenu::aboutToShow, this, &RecentConnectionsMenu::update);
    update();
}

void RecentConnectionsMenu::update()
{
    clear();
    const ProfileStore store;
    const QList<ConnectionProfile> profiles = store.profiles();
    for (const QString &name : store.recent()) {
        const auto p = std::find_if(profiles.cbegin(), profiles.cend(), [&](const auto &q) {
            return q.name.compare(name, Qt::CaseInsensitive) == 0;
        });
        if (p == profiles.cend())
            continue;
        QAction *a = addAction(QStringLiteral("%1  (%2)").arg(p->name, p->environmentLabel()), this,
                               [this, name = p->name] { Q_EMIT profileRequested(name); });
        a->setObjectName(QStringLiteral("recentProfileAction"));
    }
    setEnabled(!isEmpty());
}
