/// Soft and hard limits of an SA in bytes and packets (RFC 4301 §4.4.2.1);
/// nil means no limit. The soft limit is reported once, the hard limit stops
/// the SA.
public struct LifetimeLimits: Sendable, Hashable {
    /// Soft byte limit.
    public var softBytes: UInt64?
    /// Hard byte limit.
    public var hardBytes: UInt64?
    /// Soft packet limit.
    public var softPackets: UInt64?
    /// Hard packet limit.
    public var hardPackets: UInt64?

    /// Creates limits; all nil by default.
    public init(softBytes: UInt64? = nil, hardBytes: UInt64? = nil,
                softPackets: UInt64? = nil, hardPackets: UInt64? = nil) {
        self.softBytes = softBytes
        self.hardBytes = hardBytes
        self.softPackets = softPackets
        self.hardPackets = hardPackets
    }

    /// Whether one more packet of `length` bytes, after `packets` and `bytes`, would pass a hard limit.
    @inline(__always)
    func hardReached(packets: UInt64, bytes: UInt64, length: Int) -> Bool {
        if let hard = hardPackets, packets >= hard { return true }
        if let hard = hardBytes, bytes &+ UInt64(length) > hard { return true }
        return false
    }

    /// Whether a packet of `length` bytes, counted after `packets` and `bytes`, crossed a soft limit.
    @inline(__always)
    func softCrossed(packets: UInt64, bytes: UInt64, length: Int) -> Bool {
        if let soft = softPackets, packets < soft, packets &+ 1 >= soft { return true }
        if let soft = softBytes, bytes < soft, bytes &+ UInt64(length) >= soft { return true }
        return false
    }
}

/// Bytes and packets counted against an SA's `LifetimeLimits`.
struct LifetimeCounter {
    let limits: LifetimeLimits
    private let limited: Bool
    private(set) var bytes: UInt64 = 0
    private(set) var packets: UInt64 = 0

    init(_ limits: LifetimeLimits) {
        self.limits = limits
        limited = limits != LifetimeLimits()
    }

    /// Throws when one more packet of `length` bytes would pass a hard limit.
    @inline(__always)
    func check(length: Int) throws(ESPError) {
        if limited, limits.hardReached(packets: packets, bytes: bytes, length: length) { throw .lifetimeExpired }
    }

    /// Counts the packet; true when this packet crossed a soft limit.
    @inline(__always)
    mutating func count(length: Int) -> Bool {
        let before = (packets: packets, bytes: bytes)
        bytes &+= UInt64(length)
        packets &+= 1
        return limited && limits.softCrossed(packets: before.packets, bytes: before.bytes, length: length)
    }
}
