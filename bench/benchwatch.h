#pragma once

#include "benchutil.h"

#include <QList>

// Issue 4's benchmark (case w, "Live watch"): one etcd holding a 10,000-key directory and a
// 100,000-key one; a writer in its own thread (as another process would be) sends transactions
// of 100 puts into the first while the app's side (EtcdWatcher, KeyTreeModel, a shown
// QTreeView with that directory expanded) follows on the main thread. See bench/README.md,
// "Live watch (issue 4)".
struct WatchBenchOptions
{
    int stormSeconds = 60;  // the storm with the stall probe running
    int writerSeconds = 10; // the writer alone, whose events are then replayed and applied
    int inFlight = 6;       // writer transactions in flight
};

QList<BenchRow> runWatchBench(const WatchBenchOptions &options);
