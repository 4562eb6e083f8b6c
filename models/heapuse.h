#pragma once

// Returns free heap pages to the system (glibc's malloc_trim; elsewhere nothing). A few
// milliseconds for a heap of a few hundred MB. Called after a listing of tens of thousands of
// keys: the replies it read, decoded on worker threads and in the GUI thread, are freed by then,
// but glibc keeps freed memory in its arenas, so the process would stay 1.5-2.5 times bigger
// than what the tree holds.
//
// (A fixed, low mmap threshold instead, so that big reply buffers are unmapped when freed, kept
// memory lower still but made a 100,000-key listing 40% slower with 70-90 ms stalls: every new
// buffer faulted its pages in.)
void releaseFreedHeap();
