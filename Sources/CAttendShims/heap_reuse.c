#include "heap_reuse.h"
#if defined(__GLIBC__)
#include <malloc.h>
#endif

void attend_keep_freed_memory(void) {
#if defined(__GLIBC__)
    mallopt(M_ARENA_MAX, 1);
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}
