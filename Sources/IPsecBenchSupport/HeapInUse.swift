internal import CHeapStatistics

/// The heap the process has allocated and not freed (glibc's `mallinfo2`), for memory figures
/// of the benchmarks.
public enum HeapInUse {
    /// Bytes in use; nil where `mallinfo2` is missing (macOS, musl).
    public static var bytes: Int? {
        let v = swift_ikev1_heap_in_use()
        return v >= 0 ? Int(v) : nil
    }
}
