#ifndef SWIFT_IKEV1_HEAP_STATISTICS_H
#define SWIFT_IKEV1_HEAP_STATISTICS_H

#include <stddef.h>
#if defined(__linux__)
#include <malloc.h>
#endif

/*
 * Bytes the C heap has handed out and not taken back (small chunks and mmapped ones),
 * from glibc's mallinfo2 (glibc 2.33 or later); -1 where it is not available.
 */
static inline long long swift_ikev1_heap_in_use(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 info = mallinfo2();
    return (long long)(info.uordblks + info.hblkhd);
#else
    return -1;
#endif
}

#endif
