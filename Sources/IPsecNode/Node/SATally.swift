import CAtomics

/// One SA pair's packet counters, which its outbound and inbound entries (and every data thread's
/// copy of the outbound one) share: a packet updates them in place, where a dictionary keyed by
/// SPI cost a hash and an allocation per packet. The sealing side is added to by every data
/// thread at once, with atomic operations; the opening side only under the database's lock.
final class SATally: @unchecked Sendable {
    /// Sealed packets, their inner bytes and failed seals, on a cache line of their own.
    private let sealing: UnsafeMutablePointer<UInt64>
    /// Packets opened and delivered, their bytes and those dropped on the way in (under the lock).
    var decapsulated = 0
    var decapsulatedBytes = 0
    var openDropped = 0
    /// Inner bytes received since the last ``SADatabase/drainTraffic()`` (under the lock).
    var unreported = 0

    init() {
        sealing = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64).bindMemory(to: UInt64.self, capacity: 8)
        sealing.initialize(repeating: 0, count: 8)
    }

    deinit { sealing.deallocate() }

    /// Counts a sealed packet of `bytes` inner bytes (any thread).
    @inline(__always)
    func sealed(bytes: Int) {
        _ = swift_ikev1_atomic_add(sealing, 1)
        _ = swift_ikev1_atomic_add(sealing + 1, UInt64(bytes))
    }

    /// Counts a packet that could not be sealed (any thread).
    func sealFailed() { _ = swift_ikev1_atomic_add(sealing + 2, 1) }

    /// Both directions' counts as they stand.
    var counters: SADatabase.Counters {
        SADatabase.Counters(encapsulated: Int(swift_ikev1_atomic_load(sealing)),
                            decapsulated: decapsulated,
                            dropped: openDropped + Int(swift_ikev1_atomic_load(sealing + 2)),
                            encapsulatedBytes: Int(swift_ikev1_atomic_load(sealing + 1)),
                            decapsulatedBytes: decapsulatedBytes)
    }
}
