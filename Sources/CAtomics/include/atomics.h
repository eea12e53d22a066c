#ifndef SWIFT_IKEV1_ATOMICS_H
#define SWIFT_IKEV1_ATOMICS_H

#include <stdint.h>

/*
 * 64-bit atomic operations on plain words, for the counters several data threads share (an ESP
 * SA's sequence number and byte count, a database's generation). The Swift standard library's
 * `Atomic` needs macOS 15; these compile wherever GCC's and Clang's __atomic builtins do, and
 * inline into the Swift caller.
 */

/* Adds `value`; returns the word as it was. Relaxed: a counter, not a fence. */
static inline uint64_t swift_ikev1_atomic_add(uint64_t *word, uint64_t value) {
    return __atomic_fetch_add(word, value, __ATOMIC_RELAXED);
}

/* Subtracts `value`; returns the word as it was. */
static inline uint64_t swift_ikev1_atomic_subtract(uint64_t *word, uint64_t value) {
    return __atomic_fetch_sub(word, value, __ATOMIC_RELAXED);
}

/* Reads the word (relaxed). */
static inline uint64_t swift_ikev1_atomic_load(const uint64_t *word) {
    return __atomic_load_n(word, __ATOMIC_RELAXED);
}

/* Reads the word; what was written before the store that wrote it is visible after (acquire). */
static inline uint64_t swift_ikev1_atomic_load_acquire(const uint64_t *word) {
    return __atomic_load_n(word, __ATOMIC_ACQUIRE);
}

/* Writes the word (relaxed). */
static inline void swift_ikev1_atomic_store(uint64_t *word, uint64_t value) {
    __atomic_store_n(word, value, __ATOMIC_RELAXED);
}

/* Writes the word, publishing what was written before it (release). */
static inline void swift_ikev1_atomic_store_release(uint64_t *word, uint64_t value) {
    __atomic_store_n(word, value, __ATOMIC_RELEASE);
}

#endif
