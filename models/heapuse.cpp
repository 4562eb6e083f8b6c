#include "heapuse.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

void tuneHeapForLargeReplies()
{
#if defined(__GLIBC__)
    // Setting it also turns glibc's dynamic adjustment off.
    mallopt(M_MMAP_THRESHOLD, 64 * 1024);
#endif
}

void releaseFreedHeap()
{
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}
