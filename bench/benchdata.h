#pragma once

#include <QByteArray>
#include <QList>

#include <cstdio>

// The data sets of issue 3's benchmark. Each is generated key by key (never held in memory) and
// lives alone in its own etcd, so one case's keys never slow another case's listing.
struct BenchDataset
{
    char id = 'a';
    QByteArray prefix;        // every key starts with it ("/a/")
    qint64 count = 0;         // keys
    QByteArray firstLevelDir; // the directory under the root that holds the data ("/a")
    int firstLevelRows = 0;   // children of firstLevelDir

    QByteArray key(qint64 i) const
    {
        char buf[32];
        int n = 0;
        switch (id) {
        case 'a': // 100 directories x 1,000 keys
            n = std::snprintf(buf, sizeof buf, "/a/d%03d/k%04d", int(i / 1000), int(i % 1000));
            break;
        case 'b': // one flat directory
            n = std::snprintf(buf, sizeof buf, "/b/k%06d", int(i));
            break;
        default: // 'c': 100 x 100 x 100
            n = std::snprintf(buf, sizeof buf, "/c/d%03d/e%03d/k%03d", int(i / 10000),
                              int(i / 100 % 100), int(i % 100));
            break;
        }
        return QByteArray(buf, n);
    }

    static BenchDataset byId(char id)
    {
        switch (id) {
        case 'a':
            return {'a', "/a/", 100000, "/a", 100};
        case 'b':
            return {'b', "/b/", 100000, "/b", 100000};
        default:
            return {'c', "/c/", 1000000, "/c", 100};
        }
    }
};
