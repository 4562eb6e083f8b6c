#pragma once

#include <QObject>

class ConnectionSession;
class QLabel;
class QStatusBar;

// The window's status-bar fields for its connection: where it is connected (or that it is not),
// the server's version and API, read-only or read-write, and the watch's state and revision in
// the state's colour. Follows the session by itself.
class ConnectionStatusBar : public QObject
{
    Q_OBJECT
public:
    // Adds the fields to `bar`.
    ConnectionStatusBar(ConnectionSession *session, QStatusBar *bar);

    void update();

private:
    void updateWatch();

    ConnectionSession *m_session;
    QLabel *m_endpoint;
    QLabel *m_api;
    QLabel *m_access;
    QLabel *m_watch;
};
