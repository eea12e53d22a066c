import CAtomics

/// What the siblings of one outbound SA share (``ESPOutboundSA/sibling()``): the next sequence
/// number, which each packet takes once (RFC 4303 §3.3.3), and the packets and bytes sealed, which
/// the SA's lifetime limits count (RFC 4301 §4.4.2.1). Atomic operations, so that each sibling's
/// thread seals without a lock and no number is ever taken twice.
final class OutboundCounters: @unchecked Sendable {
    /// Three words on a cache line of their own: next sequence number, packets, bytes.
    private let words: UnsafeMutablePointer<UInt64>

    init() {
        words = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64).bindMemory(to: UInt64.self, capacity: 8)
        words.initialize(repeating: 0, count: 8)
        words[0] = 1
    }

    deinit { words.deallocate() }

    /// The sequence number the next packet will take.
    var nextSequence: UInt64 {
        get { swift_ikev1_atomic_load(words) }
        set { swift_ikev1_atomic_store(words, newValue) }
    }

    /// Takes the next sequence number: no other caller, on any thread, gets the same one.
    @inline(__always)
    func takeSequence() -> UInt64 { swift_ikev1_atomic_add(words, 1) }

    /// Packets sealed so far.
    var packets: UInt64 { swift_ikev1_atomic_load(words + 1) }
    /// Payload bytes sealed so far.
    var bytes: UInt64 { swift_ikev1_atomic_load(words + 2) }

    /// Counts one packet of `length` bytes; returns the packets and bytes counted before it.
    @inline(__always)
    func count(length: Int) -> (packets: UInt64, bytes: UInt64) {
        (swift_ikev1_atomic_add(words + 1, 1), swift_ikev1_atomic_add(words + 2, UInt64(length)))
    }
}
