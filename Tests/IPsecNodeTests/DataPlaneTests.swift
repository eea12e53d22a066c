import ESP
import Foundation
import IKEv1
import IPsecCrypto
import IPsecNode
import ISAKMPWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Two nodes on loopback (127.0.0.1 initiator, 127.0.0.2 responder, both on port 500) negotiate
/// a tunnel; the test then plays the initiator's data plane itself, sealing packets with the
/// initiator's keys, and sends the responder raw ESP (IP protocol 50) or ESP in UDP that is
/// good, spoofed, unknown or malformed. Needs root (port 500, raw sockets).
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: port 500 and raw IP sockets"))
struct DataPlaneTests {
    /// What a node reported (collected on its control thread).
    final class Reports: @unchecked Sendable {
        let lock = NSLock()
        var children: [IKEv1.ChildSA] = []
        var moves: [(from: SocketAddress, to: SocketAddress)] = []
        func add(_ r: IPsecNodeRuntime.Report) {
            lock.withLock {
                switch r {
                case .installed(let c): children.append(c)
                case .peerMoved(let from, let to): moves.append((from, to))
                default: break
                }
            }
        }
        var first: IKEv1.ChildSA? { lock.withLock { children.first } }
        var lastMove: SocketAddress? { lock.withLock { moves.last?.to } }
    }

    struct Pair {
        let initiator: IPsecNodeRuntime
        let responder: IPsecNodeRuntime
        let done: DispatchSemaphore
        /// The initiator's child SA (its outbound keys are what the responder opens).
        let child: IKEv1.ChildSA

        func stop() {
            initiator.stop()
            responder.stop()
            #expect(done.wait(timeout: .now() + 10) == .success)
            #expect(done.wait(timeout: .now() + 10) == .success)
        }
    }

    static let ours = try! TrafficSelector(notation: "198.51.100.0/24")
    static let theirs = try! TrafficSelector(notation: "203.0.113.0/24")

    static func config(_ name: String, local: [UInt8], remote: [UInt8]?, localTS: TrafficSelector, remoteTS: TrafficSelector,
                       encap: Bool) throws -> PeerConfig {
        PeerConfig(name: name, localAddress: SocketAddress(address: local, port: 500),
                   remoteAddress: remote.map { SocketAddress(address: $0, port: 500) }, localIdentity: .ipv4(local),
                   authentication: .preSharedKey(SecretBytes(Array("data-plane-psk".utf8))),
                   ikeProposals: try IKEProposal.proposals(notation: "aes128-sha256-modp2048"),
                   childProposals: try ChildProposal.proposals(notation: "aes128gcm16"),
                   localTrafficSelector: localTS, remoteTrafficSelector: remoteTS, forceEncapsulation: encap)
    }

    static func negotiate(encap: Bool, responderReports: Reports = Reports()) throws -> Pair {
        let installed = Reports()
        let responder = try IPsecNodeRuntime(
            configs: [config("r", local: [127, 0, 0, 2], remote: nil, localTS: theirs, remoteTS: ours, encap: false)],
            ikeAddress: SocketAddress("127.0.0.2", defaultPort: 500)!) { responderReports.add($0) }
        let initiator = try IPsecNodeRuntime(
            configs: [config("i", local: [127, 0, 0, 1], remote: [127, 0, 0, 2], localTS: ours, remoteTS: theirs, encap: encap)],
            ikeAddress: SocketAddress("127.0.0.1", defaultPort: 500)!) { installed.add($0) }
        let done = DispatchSemaphore(value: 0)
        for node in [responder, initiator] { Thread { node.run(); done.signal() }.start() }
        initiator.initiate("i")
        let child = try #require(waitFor(seconds: 20) { installed.first })
        return Pair(initiator: initiator, responder: responder, done: done, child: child)
    }

    /// Polls `body` until it returns a value (or true), at most `seconds`.
    static func waitFor<T>(seconds: Double, _ body: () -> T?) -> T? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let v = body() { return v }
            usleep(20_000)
        }
        return nil
    }

    static func eventually(_ body: () -> Bool) -> Bool { waitFor(seconds: 5) { body() ? true : nil } ?? false }

    /// An ICMP echo request from `source` to `destination` (IPv4, header checksum left 0).
    static func icmpEcho(from source: [UInt8], to destination: [UInt8]) -> [UInt8] {
        [0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0] + source + destination + [8, 0, 0xf7, 0xfe, 0, 1, 0, 0]
    }

    /// Seals `inner` with the initiator's outbound SA (the test's own copy of its keys).
    static func seal(_ inner: [UInt8], with sa: ESPOutboundSA) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 512)
        let h = 128
        buffer.replaceSubrange(h..<(h + inner.count), with: inner)
        let sealed = try buffer.withUnsafeMutableBytes { try sa.seal($0, payload: h..<(h + inner.count)) }
        return Array(buffer[sealed.packet])
    }

    @Test func rawESPIsOpenedAndSpoofedUnknownAndMalformedPacketsAreCountedAndDropped() throws {
        let pair = try Self.negotiate(encap: false)
        defer { pair.stop() }
        #expect(!pair.child.udpEncapsulated)
        let sa = try ESPOutboundSA(ChildSAMapping.parameters(pair.child).outbound)
        let raw = try RawIPSocket(ipProtocol: 50, bindTo: [127, 0, 0, 1])
        let spi = pair.child.outbound.spi   // the responder's inbound SPI
        func send(_ packet: [UInt8]) throws { try packet.withUnsafeBytes { try raw.send($0, to: [127, 0, 0, 2]) } }
        let responder = pair.responder
        func decapsulated() -> Int { responder.packetCounts(inboundSPI: spi)?.decapsulated ?? -1 }

        try send(Self.seal(Self.icmpEcho(from: [198, 51, 100, 7], to: [203, 0, 113, 1]), with: sa))
        #expect(Self.eventually { decapsulated() == 1 })

        // Validly encrypted, but from a source outside the SA's selectors (RFC 4301 §5.2).
        try send(Self.seal(Self.icmpEcho(from: [10, 66, 0, 1], to: [203, 0, 113, 1]), with: sa))
        #expect(Self.eventually { responder.dataPlaneCounters.outsideSelectors == 1 })
        // An SPI nobody here owns, and an ESP packet shorter than its header.
        try send([0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1] + [UInt8](repeating: 7, count: 40))
        try send([1, 2, 3])
        #expect(Self.eventually { responder.dataPlaneCounters.unknownSPI == 1 && responder.dataPlaneCounters.malformed == 1 })
        // A replay of a good packet fails the window.
        let good = try Self.seal(Self.icmpEcho(from: [198, 51, 100, 8], to: [203, 0, 113, 1]), with: sa)
        try send(good)
        try send(good)
        #expect(Self.eventually { responder.dataPlaneCounters.failedOpen == 1 && decapsulated() == 2 })

        // The tunnel is unaffected: the next good packet is opened, and no SA was added or removed.
        try send(Self.seal(Self.icmpEcho(from: [198, 51, 100, 9], to: [203, 0, 113, 2]), with: sa))
        #expect(Self.eventually { decapsulated() == 3 })
        let counters = responder.dataPlaneCounters
        #expect(counters.outsideSelectors == 1 && counters.unknownSPI == 1 && counters.malformed == 1 && counters.failedOpen == 1)
        #expect(counters.noOutboundSA == 0)
    }

    @Test func udpEncapsulatedESPFromANewPortMovesTheSAOnlyWhenAuthenticated() throws {
        let responderReports = Reports()
        let pair = try Self.negotiate(encap: true, responderReports: responderReports)
        defer { pair.stop() }
        #expect(pair.child.udpEncapsulated)
        let sa = try ESPOutboundSA(ChildSAMapping.parameters(pair.child).outbound)
        let spi = pair.child.outbound.spi
        let responder = pair.responder
        let nodeNATT = SocketAddress("127.0.0.2", defaultPort: 4500)!
        // "The NAT" gave the initiator a new source port.
        let moved = try UDPSocket(bindTo: SocketAddress("127.0.0.1", defaultPort: 0)!)
        #expect(Self.eventually { responderReports.first?.remote.port == 4500 })

        // Garbage and a forged ESP packet (bad ICV) from the new port move nothing.
        try moved.send([1, 2, 3, 4, 5], to: nodeNATT)
        var forged = try Self.seal(Self.icmpEcho(from: [198, 51, 100, 7], to: [203, 0, 113, 1]), with: sa)
        forged[forged.count - 1] ^= 1
        try moved.send(forged, to: nodeNATT)
        #expect(Self.eventually { responder.dataPlaneCounters.malformed == 1 && responder.dataPlaneCounters.failedOpen == 1 })
        #expect(responderReports.lastMove == nil)

        // An authenticated packet from the new port: the responder's SAs follow it.
        try moved.send(Self.seal(Self.icmpEcho(from: [198, 51, 100, 7], to: [203, 0, 113, 1]), with: sa), to: nodeNATT)
        #expect(Self.eventually { responder.packetCounts(inboundSPI: spi)?.decapsulated == 1 })
        #expect(Self.eventually { responderReports.lastMove == SocketAddress(address: [127, 0, 0, 1], port: moved.local.port) })
    }
}
