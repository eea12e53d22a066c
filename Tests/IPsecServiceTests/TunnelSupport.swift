import ESP
import Foundation
import IKEv1
import IPsecCrypto
import IPsecNode
import IPsecService
import ISAKMPWire
import InMemoryLogging
import Logging
import MetricsTestKit
#if canImport(Glibc)
import Glibc
#endif

/// A ``Tunnel`` under test: its log records, its metrics and every event it made, collected.
final class TunnelUnderTest: Sendable {
    let tunnel: Tunnel
    let logs = InMemoryLogHandler()
    let metrics = TestMetrics()
    let events = EventLog()
    let address: [UInt8]

    /// A tunnel on `address`:500 (NAT-T on 4500 of the same address) with one connection.
    init(_ name: String, address: [UInt8], peer: [UInt8]?, localTS: TrafficSelector, remoteTS: TrafficSelector) throws {
        self.address = address
        let config = PeerConfig(
            name: name, localAddress: SocketAddress(address: address, port: 500),
            remoteAddress: peer.map { SocketAddress(address: $0, port: 500) }, localIdentity: .ipv4(address),
            authentication: .preSharedKey(SecretBytes(Array("service-psk".utf8))),
            ikeProposals: try IKEProposal.proposals(notation: "aes128-sha256-modp2048"),
            childProposals: try ChildProposal.proposals(notation: "aes128gcm16"),
            localTrafficSelector: localTS, remoteTrafficSelector: remoteTS)
        let handler = logs
        var logger = Logger(label: "ikev1.\(name)") { _ in handler }
        logger.logLevel = .debug
        tunnel = try Tunnel(configs: [config], ikeAddress: SocketAddress(address: address, port: 500),
                            options: Tunnel.Options(statisticsInterval: .milliseconds(100), metricsFactory: metrics), logger: logger)
    }

    /// Starts collecting events (until the stream ends).
    func collect() -> Task<Void, Never> {
        let (stream, log) = (tunnel.events, events)
        return Task { for await e in stream { log.append(e) } }
    }

    /// The log records' messages, in order.
    var messages: [String] { logs.entries.map(\.message.description) }

    /// The first record with `message`.
    func record(_ message: String) -> InMemoryLogHandler.Entry? { logs.entries.first { $0.message.description == message } }
}

/// Events in arrival order (thread-safe), with waits on them.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [TunnelEvent] = []

    func append(_ e: TunnelEvent) { lock.withLock { events.append(e) } }
    var all: [TunnelEvent] { lock.withLock { events } }

    /// The events other than statistics, as short names in order.
    var names: [String] { all.compactMap(\.name) }

    /// Polls until `body` finds something in the events so far, at most `seconds`. The default is
    /// long because the suite shares this 2-core machine with the interop scripts, the fuzz runs
    /// and the docs build (they wait for their children off the cooperative pool: see
    /// `ChildProcess`); a passing wait returns at once.
    func wait<T>(seconds: Double = 120, _ body: ([TunnelEvent]) -> T?) async -> T? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let v = body(all) { return v }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }
}

extension TunnelEvent {
    /// The case's name (nil for statistics).
    var name: String? {
        switch self {
        case .phase1Up: "phase1Up"
        case .natDetected: "natDetected"
        case .childInstalled: "childInstalled"
        case .childRekeyed: "childRekeyed"
        case .childDeleted: "childDeleted"
        case .phase1Down: "phase1Down"
        case .deadPeer: "deadPeer"
        case .peerMoved: "peerMoved"
        case .notify: "notify"
        case .failed: "failed"
        case .messageDropped: "messageDropped"
        case .warning: "warning"
        case .statistics: nil
        }
    }

    var installed: ChildSA? { if case .childInstalled(let c) = self { c } else { nil } }
    var rekeyed: (ChildSA, UInt32)? { if case .childRekeyed(let c, let old) = self { (c, old) } else { nil } }
    var deleted: (inbound: UInt32, reason: String)? {
        if case .childDeleted(let i, _, let reason) = self { (i, reason) } else { nil }
    }
    var notify: ReceivedNotify? { if case .notify(let n) = self { n } else { nil } }
    var phase1Down: String? { if case .phase1Down(_, let reason) = self { reason } else { nil } }
    var statistics: TunnelStatistics? { if case .statistics(let s) = self { s } else { nil } }
}

/// Plays an initiator's data plane: seals inner packets with its outbound SA and sends them as raw ESP.
struct ESPSender {
    let sa: ESPOutboundSA
    let socket: RawIPSocket
    let to: [UInt8]

    init(_ child: ChildSA, from: [UInt8], to: [UInt8]) throws {
        sa = try ESPOutboundSA(ChildSAMapping.parameters(child).outbound)
        socket = try RawIPSocket(ipProtocol: 50, bindTo: from)
        self.to = to
    }

    /// An ICMP echo request from `source` to `destination` (IPv4, checksum left 0): 28 bytes.
    static func icmpEcho(from source: [UInt8], to destination: [UInt8]) -> [UInt8] {
        [0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0] + source + destination + [8, 0, 0xf7, 0xfe, 0, 1, 0, 0]
    }

    /// Seals `inner` and sends it; `forge` flips the ICV's last bit first.
    func send(_ inner: [UInt8], forge: Bool = false) throws {
        var buffer = [UInt8](repeating: 0, count: 512)
        let h = 128
        buffer.replaceSubrange(h..<(h + inner.count), with: inner)
        let sealed = try buffer.withUnsafeMutableBytes { try sa.seal($0, payload: h..<(h + inner.count)) }
        var packet = Array(buffer[sealed.packet])
        if forge { packet[packet.count - 1] ^= 1 }
        try packet.withUnsafeBytes { try socket.send($0, to: to) }
    }
}
