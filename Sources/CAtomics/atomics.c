/* The operations are static inline in include/atomics.h; SwiftPM needs a source file per C target. */
#include "atomics.h"
