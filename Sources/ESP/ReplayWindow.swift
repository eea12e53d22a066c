/// The RFC 4303 §3.4.3 anti-replay window as a ring of 64-bit blocks
/// (RFC 6479): accepting a packet far ahead clears whole blocks instead of
/// shifting bits. Checking never changes state; `accept` is called only once
/// the ICV has verified.
final class ReplayWindow {
    /// Window size in packets.
    let size: UInt64
    private let blocks: UnsafeMutablePointer<UInt64>
    private let blockMask: UInt64
    /// Highest sequence number accepted so far (0: none yet).
    private(set) var top: UInt64 = 0

    /// A window of `size` packets (1 … 2^20).
    init(size: Int) {
        precondition(size > 0 && size <= 1 << 20, "replay window must be 1…2^20 packets")
        self.size = UInt64(size)
        // One spare block so the block holding `top` never overlaps the oldest one.
        var count = 1
        while count < (size + 63) / 64 + 1 { count <<= 1 }
        blocks = .allocate(capacity: count)
        blocks.initialize(repeating: 0, count: count)
        blockMask = UInt64(count - 1)
    }

    deinit { blocks.deallocate() }

    /// Throws when `sequence` is a duplicate or left of the window.
    @inline(__always)
    func check(_ sequence: UInt64) throws(ESPError) {
        if sequence > top { return }
        if sequence == 0 || top - sequence >= size { throw .tooOld(sequence) }
        let block = blocks[Int((sequence >> 6) & blockMask)]
        if block & (1 << (sequence & 63)) != 0 { throw .replayed(sequence) }
    }

    /// Records `sequence` as received (after `check` and ICV verification).
    @inline(__always)
    func accept(_ sequence: UInt64) {
        if sequence > top {
            let current = top >> 6
            let target = sequence >> 6
            let distance = Swift.min(target - current, blockMask + 1)
            var i: UInt64 = 1
            while i <= distance {
                blocks[Int((current + i) & blockMask)] = 0
                i += 1
            }
            top = sequence
        }
        blocks[Int((sequence >> 6) & blockMask)] |= 1 << (sequence & 63)
    }

    /// The full sequence number for the low 32 bits received, inferring the
    /// high-order bits from the window (RFC 4303 Appendix A2.2).
    @inline(__always)
    func inferESN(low: UInt32) -> UInt64 {
        let topLow = UInt32(truncatingIfNeeded: top)
        let topHigh = UInt32(truncatingIfNeeded: top >> 32)
        let window = UInt32(truncatingIfNeeded: Swift.min(size, UInt64(UInt32.max)))
        let bottom = topLow &- window &+ 1
        let high: UInt32
        if topLow >= window &- 1 {
            // Window within one subspace.
            high = low >= bottom ? topHigh : topHigh &+ 1
        } else {
            // Window spans two subspaces.
            high = low >= bottom ? topHigh &- 1 : topHigh
        }
        return UInt64(high) << 32 | UInt64(low)
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
        guard limited else { return }
        if let hard = limits.hardPackets, packets >= hard { throw .lifetimeExpired }
        if let hard = limits.hardBytes, bytes &+ UInt64(length) > hard { throw .lifetimeExpired }
    }

    /// Counts the packet; true when this packet crossed a soft limit.
    @inline(__always)
    mutating func count(length: Int) -> Bool {
        let before = (bytes, packets)
        bytes &+= UInt64(length)
        packets &+= 1
        guard limited else { return false }
        var crossed = false
        if let soft = limits.softPackets, before.1 < soft, packets >= soft { crossed = true }
        if let soft = limits.softBytes, before.0 < soft, bytes >= soft { crossed = true }
        return crossed
    }
}
