import CAtomics
import ESP
import Foundation
import IKEv1
import IPsecCrypto

/// The installed IPsec SAs (RFC 4301 §4.4.2's SAD with the selectors of §4.4.1), shared by the
/// control plane (which installs and deletes) and the data plane (which seals and opens).
/// Sealing takes no lock: each data thread seals through a ``Sealer``, its own copy of the
/// outbound entries whose ESP SAs are siblings of these (their own cipher contexts, the sequence
/// numbers shared), refreshed when ``generation`` moves. Opening (the socket thread) and changes
/// take the lock, held only for a lookup and one open, so one SA's traffic never waits on IKE work.
final class SADatabase: @unchecked Sendable {
    /// Where a sealed packet goes and how.
    struct Destination: Equatable {
        enum Carrier: Equatable {
            /// ESP in UDP to the peer's NAT-T address and port (RFC 3948).
            case espInUDP
            /// An ESP packet (IP protocol 50) to the peer's address; the kernel writes the IP header.
            case rawESP
            /// A whole IP packet carrying AH (protocol 51), its header written by us.
            case rawAH
        }
        var peer: SocketAddress
        var carrier: Carrier
    }

    /// What became of a packet to be sealed.
    enum Sealed: Equatable {
        /// Send the range to the destination.
        case send(Range<Int>, Destination)
        /// No SA covers it (counted).
        case noSA
        /// It does not fit its SA's path with ESP's overhead and may not be fragmented: the
        /// sender is to be told `mtu`, the largest inner packet that fits (counted).
        case tooBig(mtu: Int)
        /// Sealing failed (counted on the SA).
        case failed
    }

    /// What became of a received ESP packet.
    enum Opened: Equatable {
        /// The IP packet to deliver is at this range.
        case deliver(Range<Int>)
        /// As `deliver`, and the peer now sends from `to` (a NAT rebound its mapping): the
        /// outbound SAs to it follow; the engine should too.
        case deliverFromMovedPeer(Range<Int>, inboundSPI: UInt32, to: SocketAddress)
        /// Dropped and counted.
        case dropped
    }

    /// Per child SA packet counters, for status and DPD/lifetime reports.
    struct Counters: Sendable {
        var encapsulated = 0
        var decapsulated = 0
        var dropped = 0
        /// Inner bytes sealed and delivered (the IP packets before ESP/AH and after).
        var encapsulatedBytes = 0
        var decapsulatedBytes = 0
    }

    /// Of the child SA, what sealing needs (the whole `ChildSA` made each packet retain a dozen references).
    struct Outbound {
        /// Which installation this is (an SPI may be installed again after a failed rekey).
        let serial: UInt64
        let outboundSPI: UInt32
        let inboundSPI: UInt32
        let transport: Bool
        var transform: OutboundTransform
        let selectors: SelectorPair
        var destination: Destination
        /// IPv4 identification for the headers AH makes us write.
        var identification: UInt16 = 1
        /// The largest inner packet whose sealed form fits the path's MTU.
        let largestInner: Int
        let tally: SATally
    }

    /// Of the child SA, what opening needs.
    private struct Inbound {
        let transport: Bool
        let udpEncapsulated: Bool
        /// Our address, which a transport-mode packet is delivered to.
        let local: [UInt8]
        let transform: InboundTransform
        let selectors: SelectorPair
        var peer: SocketAddress
        let tally: SATally
    }

    private let lock = NSLock()
    /// Word 0: the generation, moved on every change to the outbound entries (read per packet by
    /// every sealer). Words 8 and 9, on a cache line of their own: packets no SA covered, and
    /// packets too big for their SA's path, counted by every sealer.
    private let words: UnsafeMutablePointer<UInt64>
    private var serials: UInt64 = 0
    private var outbound: [Outbound] = []
    /// `outbound` by remote selector; rebuilt where an SA is added or removed (not per packet).
    private var outboundIndex = OutboundIndex([])
    private var inbound: [UInt32: Inbound] = [:]
    private var drops = DataPlaneCounters()

    init() {
        words = UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 64).bindMemory(to: UInt64.self, capacity: 16)
        words.initialize(repeating: 0, count: 16)
    }

    deinit { words.deallocate() }

    /// Moves whenever an outbound entry comes, goes or changes its destination; a ``Sealer``
    /// holding another value refreshes its copy.
    var generation: UInt64 { swift_ikev1_atomic_load_acquire(words) }

    /// Under the lock, after changing `outbound`.
    private func outboundChanged() {
        outboundIndex = OutboundIndex(outbound.map(\.selectors.remote))
        swift_ikev1_atomic_store_release(words, swift_ikev1_atomic_load(words) &+ 1)
    }

    /// Builds ESP contexts for both directions of a negotiated child SA.
    func install(_ child: IKEv1.ChildSA, entropy: inout some EntropySource) throws(ESPError) {
        let out = try OutboundTransform(child, entropy: &entropy)
        let into = try InboundTransform(child)
        let peer = child.remote
        let selectors = SelectorPair(child)
        let carrier: Destination.Carrier = child.ipsecProtocol == .ah ? .rawAH : child.udpEncapsulated ? .espInUDP : .rawESP
        let largest = TunMTU.largestInner(ChildSAMapping.parameters(child).outbound, transport: child.mode == .transport,
                                           ipv6: peer.isIPv6, udpEncapsulated: child.udpEncapsulated,
                                           pathMTU: pathMTU(toward: peer) ?? 1500)
        let tally = SATally(), transport = child.mode == .transport
        lock.withLock {
            outbound.removeAll { $0.outboundSPI == child.outbound.spi }
            serials += 1
            outbound.append(Outbound(serial: serials, outboundSPI: child.outbound.spi, inboundSPI: child.inbound.spi, transport: transport,
                                     transform: out, selectors: selectors, destination: Destination(peer: peer, carrier: carrier),
                                     largestInner: largest, tally: tally))
            outboundChanged()
            inbound[child.inbound.spi] = Inbound(transport: transport, udpEncapsulated: child.udpEncapsulated,
                                                 local: child.local.address, transform: into, selectors: selectors,
                                                 peer: peer, tally: tally)
        }
    }

    func remove(inboundSPI: UInt32, outboundSPI: UInt32) {
        lock.withLock {
            outbound.removeAll { $0.outboundSPI == outboundSPI }
            outboundChanged()
            inbound[inboundSPI] = nil
        }
    }

    var count: Int { lock.withLock { inbound.count } }

    func counters(inboundSPI: UInt32) -> Counters? { lock.withLock { inbound[inboundSPI]?.tally.counters } }

    /// Packets dropped so far, by reason.
    var dropCounters: DataPlaneCounters {
        var all = lock.withLock { drops }
        all.noOutboundSA = Int(swift_ikev1_atomic_load(words + 8))
        all.tooBig = Int(swift_ikev1_atomic_load(words + 9))
        return all
    }

    /// Counts a packet no outbound SA covers (any thread).
    func countNoOutboundSA() { _ = swift_ikev1_atomic_add(words + 8, 1) }

    /// Counts a packet too big for its SA's path (any thread).
    func countTooBig() { _ = swift_ikev1_atomic_add(words + 9, 1) }

    /// Counts a datagram that could not even be read as ESP.
    func countMalformed() { lock.withLock { drops.malformed += 1 } }

    /// The SAs to `old` now go to `new` (the engine saw an authenticated IKE message from there).
    func peerMoved(from old: SocketAddress, to new: SocketAddress) {
        lock.withLock { movePeer(from: old, to: new) }
    }

    private func movePeer(from old: SocketAddress, to new: SocketAddress) {
        for i in outbound.indices where outbound[i].destination.peer == old { outbound[i].destination.peer = new }
        outboundChanged()
        for k in inbound.keys where inbound[k]?.peer == old { inbound[k]?.peer = new }
    }

    /// Bytes received per inbound SPI since the last call (the engine's `childTraffic`).
    func drainTraffic() -> [UInt32: Int] {
        lock.withLock {
            var out: [UInt32: Int] = [:]
            for (spi, entry) in inbound where entry.tally.unreported > 0 {
                out[spi] = entry.tally.unreported
                entry.tally.unreported = 0
            }
            return out
        }
    }

    /// A sealer's copy of the outbound entries, and the generation it reflects: entries it already
    /// had keep their transform (and its cipher contexts), new ESP ones get a sibling of the SA,
    /// all take the current destination. An entry's `own` is false where it must be sealed
    /// under the lock with ``sealShared(serial:hint:_:packet:)`` (AH, whose outer IP identification
    /// counts per SA; an ESP SA whose sibling could not be keyed).
    func snapshot(keeping old: [Sealer.Entry]) -> (entries: [Sealer.Entry], index: OutboundIndex, generation: UInt64) {
        // By serial: a gateway's thousands of SAs are not searched one by one for each.
        let previous = Dictionary(old.map { ($0.sa.serial, $0) }, uniquingKeysWith: { first, _ in first })
        return lock.withLock {
            var entries: [Sealer.Entry] = []
            entries.reserveCapacity(outbound.count)
            for entry in outbound {
                if var kept = previous[entry.serial] {
                    kept.sa.destination = entry.destination
                    entries.append(kept)
                } else if case .esp(let sa) = entry.transform, let sibling = try? sa.sibling() {
                    var mine = entry
                    mine.transform = .esp(sibling)
                    entries.append(Sealer.Entry(sa: mine, own: true))
                } else {
                    entries.append(Sealer.Entry(sa: entry, own: false))
                }
            }
            return (entries, outboundIndex, swift_ikev1_atomic_load(words))
        }
    }

    /// Seals with the database's own entry `serial`, under the lock (see ``snapshot(keeping:)``);
    /// `hint` is where the sealer's copy has it, which is where it is unless the entries changed since.
    func sealShared(serial: UInt64, hint: Int, _ buffer: UnsafeMutableRawBufferPointer, packet: Range<Int>) -> Sealed {
        lock.withLock {
            let found = outbound.indices.contains(hint) && outbound[hint].serial == serial
                ? hint : outbound.firstIndex(where: { $0.serial == serial })
            guard let i = found else {
                countNoOutboundSA()
                return .noSA
            }
            return Self.seal(&outbound[i], buffer, packet: packet)
        }
    }

    /// Seals the packet at `packet` into `o` (its size already checked against the path) and
    /// counts it on the SA.
    static func seal(_ o: inout Outbound, _ buffer: UnsafeMutableRawBufferPointer, packet: Range<Int>) -> Sealed {
        let sealed: SealResult
        do {
            switch o.transform {
            case .esp(let sa):
                if o.transport {
                    guard let (segment, proto) = IPPacket.transportPayload(buffer, packet) else { throw ESPError.notAnIPPacket }
                    sealed = try sa.seal(buffer, payload: segment, nextHeader: proto)
                } else {
                    sealed = try sa.seal(buffer, payload: packet)
                }
            case .ah(let sa, var header):
                let id = o.identification
                o.identification = id == UInt16.max ? 1 : id + 1
                if o.transport {
                    IPPacket.setIdentificationIfZero(buffer, packet, id)
                    sealed = try sa.seal(buffer, packet: packet)
                } else {
                    header[4] = UInt8(id >> 8)
                    header[5] = UInt8(id & 0xff)
                    sealed = try header.withUnsafeBytes { h throws(ESPError) in try sa.seal(buffer, inner: packet, outerHeader: h) }
                }
            }
        } catch {
            o.tally.sealFailed()
            return .failed
        }
        o.tally.sealed(bytes: packet.count)
        return .send(sealed.packet, o.destination)
    }

    /// Opens the packet at `packet`, received from `peer` (its UDP source for ESP in UDP, else its
    /// IP source): an ESP packet from its SPI on, or for `.rawAH` the whole IP packet. Then checks
    /// the inner packet against the SA's selectors (RFC 4301 §5.2). ESP in transport mode gets its
    /// IP header rebuilt in front of the payload (the buffer must leave 40 bytes of room before
    /// `packet`) and, in UDP, its TCP/UDP checksum recomputed over the addresses it is delivered
    /// with (RFC 3948 §3.1.2: a NAT rewrote the ones the sender summed).
    func open(_ buffer: UnsafeMutableRawBufferPointer, packet: Range<Int>, from peer: SocketAddress,
              carrier: Destination.Carrier) -> Opened {
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[packet])
        let spiOffset: Int
        if carrier == .rawAH {
            guard bytes.count >= 20 else { return droppedMalformed() }
            spiOffset = (bytes[0] >> 4 == 4 ? Int(bytes[0] & 0x0f) * 4 : 40) + 4
        } else {
            spiOffset = 0
        }
        guard bytes.count >= spiOffset + 8, let base = bytes.baseAddress else { return droppedMalformed() }
        let spi = base.loadBigEndian32(at: spiOffset)
        return lock.withLock { () -> Opened in
            guard let entry = inbound[spi] else {
                drops.unknownSPI += 1
                return .dropped
            }
            let opened: OpenResult
            do {
                switch (entry.transform, carrier) {
                case (.esp(let sa), .espInUDP), (.esp(let sa), .rawESP): opened = try sa.open(buffer, packet: packet)
                case (.ah(let sa), .rawAH): opened = try sa.open(buffer, packet: packet)
                default: throw ESPError.unknownSPI(spi)   // an ESP SPI in an AH packet or the reverse
                }
            } catch {
                drops.failedOpen += 1
                entry.tally.openDropped += 1
                return .dropped
            }
            var delivered = opened.payload
            if entry.transport, carrier != .rawAH {
                let local = entry.local
                guard let whole = IPPacket.prependHeader(buffer, payload: opened.payload, protocol: opened.nextHeader,
                                                         source: peer.address, destination: local) else {
                    drops.malformed += 1
                    return .dropped
                }
                if carrier == .espInUDP {
                    peer.address.withUnsafeBytes { s in
                        local.withUnsafeBytes { d in
                            UDPEncapsulation.fixTransportChecksum(UnsafeMutableRawBufferPointer(rebasing: buffer[opened.payload]),
                                                                  proto: opened.nextHeader, source: s, destination: d)
                        }
                    }
                }
                delivered = whole
            }
            guard let flow = PacketFlow(UnsafeRawBufferPointer(buffer), delivered), entry.selectors.coversInbound(flow) else {
                drops.outsideSelectors += 1
                entry.tally.openDropped += 1
                return .dropped
            }
            entry.tally.decapsulated += 1
            entry.tally.decapsulatedBytes += delivered.count
            entry.tally.unreported += opened.payload.count
            // RFC 3947 §5.2 leaves it to the implementation; as charon and Libreswan, an authenticated
            // packet from a new NAT mapping moves the SAs to it (an unauthenticated one never does).
            if carrier == .espInUDP, entry.udpEncapsulated, peer != entry.peer {
                movePeer(from: entry.peer, to: peer)
                return .deliverFromMovedPeer(delivered, inboundSPI: spi, to: peer)
            }
            return .deliver(delivered)
        }
    }

    private func droppedMalformed() -> Opened {
        countMalformed()
        return .dropped
    }
}
