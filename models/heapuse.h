#pragma once

// The C library's heap, tuned for a process that reads replies of many megabytes and keeps
// millions of small nodes. glibc only; elsewhere both do nothing.

// Call once at startup, before any large allocation: big blocks (reply buffers, decoded pages)
// are mapped on their own and unmapped when freed. glibc otherwise raises its mmap threshold
// after the first big block is freed, and later pages come from the heap, where their freed
// space stays in the resident set.
void tuneHeapForLargeReplies();

// Returns free heap pages to the system. A few milliseconds for a heap of a few hundred MB;
// called after a listing of tens of thousands of keys, whose reply buffers and worker-thread
// allocations are freed by then.
void releaseFreedHeap();
