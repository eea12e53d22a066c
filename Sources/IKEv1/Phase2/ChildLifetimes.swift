import IPsecCrypto
import ISAKMPWire

// Volume lifetimes of an IPsec SA: the negotiated kilobytes (RFC 2407 §4.5), a local packet
// limit (charon's life_packets), and the ESP sequence number, which must not wrap without ESN
// (RFC 4303 §3.3.3). Each has a soft limit, where the SA is rekeyed (a tenth before the end,
// fuzzed by `rekeyFuzz`), and a hard one, where it is deleted. Seconds are timers (install).

/// What the ESP layer reported for one child SA.
struct ChildUsage: Equatable {
    /// Bytes, either direction (the kilobyte lifetime).
    var bytes: UInt64 = 0
    /// Packets both ways (``PeerConfig/childPacketLimit``).
    var packets: UInt64 = 0
    /// Packets we sealed: the ESP sequence numbers used so far.
    var sealed: UInt64 = 0

    static func += (a: inout ChildUsage, b: ChildUsage) {
        a.bytes &+= b.bytes
        a.packets &+= b.packets
        a.sealed &+= b.sealed
    }
}

/// One volume limit of a child SA.
struct VolumeLimit {
    let counted: KeyPath<ChildUsage, UInt64>
    /// Rekey when the count reaches this.
    let soft: UInt64
    /// Delete when it reaches this.
    let hard: UInt64
    let name: String
}

extension ISAKMPSession {
    /// Rekey at three quarters of the 32-bit sequence number space: minutes ahead of the wrap
    /// even at a million packets a second.
    static let sequenceNumberRekey: UInt64 = 0xC000_0000
    /// Delete just before the wrap (RFC 4303 §3.3.3: the sender must not cycle the counter).
    static let sequenceNumberLimit: UInt64 = 0xFFFF_FF00

    /// The volume limits of `child`.
    func volumeLimits(_ child: ChildSA) -> [VolumeLimit] {
        let random = unitFraction(child.inbound.spi ^ child.outbound.spi)
        func limit(_ counted: KeyPath<ChildUsage, UInt64>, _ hard: UInt64, _ name: String) -> VolumeLimit {
            let soft = RenewalPolicy(margin: Double(hard) / 10, fuzz: config.rekeyFuzz)
                .renewalDelay(lifetime: Double(hard), random: random).map { UInt64($0) } ?? hard
            return VolumeLimit(counted: counted, soft: soft, hard: hard, name: name)
        }
        var limits = [VolumeLimit(counted: \.sealed, soft: Self.sequenceNumberRekey, hard: Self.sequenceNumberLimit,
                                  name: "ESP sequence number")]
        if let kilobytes = child.lifetime.kilobytes { limits.append(limit(\.bytes, UInt64(kilobytes) * 1024, "kilobyte")) }
        if let packets = config.childPacketLimit { limits.append(limit(\.packets, packets, "packet")) }
        return limits
    }

    /// ESP traffic on a child: liveness for DPD (when something arrived), and the volume
    /// lifetimes. At a soft limit the child is rekeyed by whichever side gets there first (each
    /// counts its own directions), unless a rekey of it is already under way; past a hard limit
    /// with no rekey under way it is deleted.
    mutating func noteTraffic(inboundSPI spi: UInt32, _ reported: ChildUsage, env: inout Environment, into actions: inout [Action]) {
        if reported.bytes > 0 || reported.packets > reported.sealed { lastReceived = env.now }
        guard let e = established, let child = e.children[spi] else { return }
        let before = e.usage[spi] ?? ChildUsage()
        var after = before
        after += reported
        updateEstablished { $0.usage[spi] = after }
        let limits = volumeLimits(child)
        // Reports come once a second: one may cross the soft and the hard limit together. Then the
        // rekey starts, and the old SA goes when the new one is installed, a round trip later;
        // past the hard limit with no rekey under way, it goes at once.
        let rekeying = e.quickModes.values.contains { ($0 as? QuickModeInitiated)?.rekeying == spi }
        guard !rekeying else { return }
        if limits.contains(where: { before[keyPath: $0.counted] < $0.soft && after[keyPath: $0.counted] >= $0.soft }) {
            startQuickMode(rekeying: spi, env: &env, into: &actions)
        } else if let reached = limits.first(where: { after[keyPath: $0.counted] >= $0.hard }) {
            deleteChild(inboundSPI: spi, reason: "\(reached.name) lifetime reached", env: &env, into: &actions)
        }
    }
}
