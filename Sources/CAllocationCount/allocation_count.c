// Counts the heap allocations of each thread for `ikev1 bench esp` (mallocs_per_packet), by
// defining glibc's allocation entry points in the executable, which the dynamic linker then
// resolves for every library of the process (symbol interposition), and handing each call to
// glibc's own allocator through its exported __libc_* names. A thread-local counter: no lock,
// no atomic, and the executable's TLS needs no allocation to reach.
#include "allocation_count.h"
#include <errno.h>   /* glibc's features.h: __GLIBC__ */
#include <stddef.h>

#if defined(__linux__) && defined(__GLIBC__)

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

/* initial-exec: the counter lives in the executable, so each allocation reaches it with one
   segment-relative load rather than a __tls_get_addr call (the default for position-independent
   code), which would add to every allocation the benchmarks count. */
static __thread long long allocations __attribute__((tls_model("initial-exec")));

void *malloc(size_t size) {
    allocations++;
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    allocations++;
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    allocations++;
    return __libc_realloc(pointer, size);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
    allocations++;
    void *p = __libc_memalign(alignment, size);
    if (p == NULL) return ENOMEM;
    *out = p;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t size) {
    allocations++;
    return __libc_memalign(alignment, size);
}

long long swift_ikev1_thread_allocations(void) { return allocations; }
#else
long long swift_ikev1_thread_allocations(void) { return -1; }
#endif
