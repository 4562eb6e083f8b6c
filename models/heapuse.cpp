#include "heapuse.h"

// Any C library header defines __GLIBC__ (through <features.h>); test it only after one.
#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

void releaseFreedHeap()
{
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}
