#pragma once

// Internals of KeyTreeModel shared by its source files.
#include "keytreemodel.h"

#include <QSet>

// A re-read of every loaded level after the watch lost history.
struct KeyTreeModel::ResyncState
{
    std::function<void(qint64)> done;
    qint64 revision = 0;      // read before the re-read began; 0 while asked
    QSet<QByteArray> pending; // full keys of the levels being listed again
    bool rootPending = false;
    bool started = false;
    EtcdError error;
};
