#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Waits for readable file descriptors with poll(2).
public struct Poller {
    /// A poller; it keeps no state between calls (each `readable` builds its own poll set).
    public init() {}

    /// The descriptors of `fds` that are readable, waiting at most `timeoutMilliseconds` (-1: forever).
    public func readable(_ fds: [Int32], timeoutMilliseconds: Int32) throws(SystemError) -> [Int32] {
        var set = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let n = poll(&set, nfds_t(set.count), timeoutMilliseconds)
        if n < 0 {
            if errno == EINTR { return [] }
            throw SystemError("poll")
        }
        return set.filter { $0.revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 }.map(\.fd)
    }
}

/// Milliseconds of a monotonic clock, the node's only clock.
public func monotonicMilliseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}
