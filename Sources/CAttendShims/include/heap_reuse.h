#ifndef ATTEND_HEAP_REUSE_H
#define ATTEND_HEAP_REUSE_H

/// Makes glibc keep freed memory for reuse: one arena for all threads, no block served by mmap, no trimming
/// below 1 GB. For long runs that free and reallocate the same large buffers batch after batch. A no-op
/// off glibc.
void attend_keep_freed_memory(void);

#endif
