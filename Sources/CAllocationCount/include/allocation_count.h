#ifndef SWIFT_IKEV1_ALLOCATION_COUNT_H
#define SWIFT_IKEV1_ALLOCATION_COUNT_H

/// Heap allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc) the calling thread
/// has made so far; -1 where they are not counted (not glibc). For `ikev1 bench esp`'s
/// mallocs_per_packet.
long long swift_ikev1_thread_allocations(void);

#endif
