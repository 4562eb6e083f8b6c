#pragma once

// Watch events made up by the tests of the event log (its model, panel and previous values):
// what a watcher would deliver, without etcd.
#include "etcdwatchevent.h"

#include <QByteArray>
#include <QList>

#include <optional>
#include <utility>

namespace eventtesting {

using Action = EtcdWatchEvent::Action;

inline EtcdWatchEvent watchEvent(Action action, const QByteArray &key, qint64 revision,
                                 const QByteArray &value = {}, std::optional<QByteArray> prev = {})
{
    EtcdWatchEvent e;
    e.action = action;
    e.key = key;
    e.revision = revision;
    e.value = value;
    e.prevValue = std::move(prev);
    return e;
}

// `count` puts of <prefix><revision> with the value "v", revisions from `first` on.
inline QList<EtcdWatchEvent> puts(qint64 first, int count, const QByteArray &prefix = "/k/")
{
    QList<EtcdWatchEvent> events;
    events.reserve(count);
    for (int i = 0; i < count; ++i) {
        const qint64 revision = first + i;
        events.append(
            watchEvent(Action::Put, prefix + QByteArray::number(revision), revision, "v"));
    }
    return events;
}

} // namespace eventtesting
