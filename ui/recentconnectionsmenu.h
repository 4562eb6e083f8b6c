#pragma once

#include <QMenu>

// File → Recent Connections: the saved profiles used last, read again each time the menu opens;
// disabled while there are none.
class RecentConnectionsMenu : public QMenu
{
    Q_OBJECT
public:
    explicit RecentConnectionsMenu(QWidget *parent = nullptr);

Q_SIGNALS:
    void profileRequested(const QString &name);

private:
    void update();
};
