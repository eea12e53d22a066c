import ArgumentParser
import Foundation
import IKEv1
import IKEv1Config
import IPsecBenchSupport
import IPsecCrypto
import ISAKMPWire

/// `ikev1 bench gateway`: what a hub with many connections costs (issue 19), in process: the
/// load time of a config file of N connections; N established SA pairs (Main Mode + Quick Mode
/// between the hub's engine and N spoke engines, ECP-256, no sockets) and the heap the hub holds
/// per pair; and the two lookups that grow with connections - a responder finding the connection
/// of a new peer, a traffic report finding its ISAKMP SA - timed with N connections beside the
/// same work with one (the baseline, in the same run).
struct GatewayBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Load time, heap per established SA pair and lookup costs of a hub with N connections, beside one.")

    @Option(help: "Connections (and spokes).")
    var connections = 1000
    @Option(help: "Repetitions of each timing (the median is printed, with min-max).")
    var repetitions = 5

    mutating func validate() throws {
        guard (2...20_000).contains(connections) else { throw ValidationError("--connections is 2 to 20000") }
        guard repetitions >= 1 else { throw ValidationError("--repetitions is 1 or more") }
    }

    static let hub = SocketAddress(address: [192, 0, 2, 1], port: 500)
    static func spoke(_ i: Int) -> SocketAddress { SocketAddress(address: [10, UInt8(i >> 16 & 0xff), UInt8(i >> 8 & 0xff), UInt8(i & 0xff)], port: 500) }

    /// The hub's config file: one connection per spoke, its secret in [secrets].
    static func configText(_ n: Int) -> String {
        var text = ""
        for i in 0..<n {
            text += "[conn spoke-\(i)]\nlocal = 192.0.2.1\nremote = \(IPAddressText.format(spoke(i).address))\nremote_id = @spoke-\(i).example\n"
                + "local_id = @hub.example\nproposals = aes128-sha256-ecp256\nesp_proposals = aes128-sha256\n"
                + "local_ts = 198.51.100.0/24\nremote_ts = 10.\(128 + i / 65_536).\(i / 256 % 256).\(i % 256)/32\n"
        }
        return text + "[secrets]\n" + (0..<n).map { "@spoke-\($0).example = \"secret \($0)\"\n" }.joined()
    }

    static func load(_ text: String) throws -> [PeerConfig] {
        try ConfigFile.parse(text).map { try PeerConfigBuilder.build($0, local: hub, responder: true) }
    }

    /// The spoke side of connection `i`.
    static func spokeConfig(_ i: Int) throws -> PeerConfig {
        var s = ConnectionSettings(name: "hub")
        s.remote = "192.0.2.1"
        s.localID = "@spoke-\(i).example"
        s.remoteID = "@hub.example"
        s.psk = SecretBytes("secret \(i)".utf8)
        s.ikeProposals = "aes128-sha256-ecp256"
        s.espProposals = "aes128-sha256"
        s.localTS = "10.\(128 + i / 65_536).\(i / 256 % 256).\(i % 256)/32"
        s.remoteTS = "198.51.100.0/24"
        return try PeerConfigBuilder.build(s, local: spoke(i), responder: false)
    }


    /// Seconds `body` takes.
    static func time(_ body: () throws -> Void) rethrows -> Double { Double(try BenchRunner.time(body)) / 1e9 }

    /// What one run measured.
    struct Figures {
        var connections: Int
        var load: Spread
        var established: Int
        var handshakeSeconds: Double
        /// Heap bytes the hub holds per SA pair; nil without mallinfo2.
        var bytesPerPair: Int?
        var firstMessage: (many: Spread, one: Spread)
        var trafficReport: (many: Spread, one: Spread)
    }

    mutating func run() throws {
        let f = try Self.measure(connections: connections, repetitions: repetitions)
        let n = f.connections
        func ms(_ v: Double) -> String { String(format: "%.1f ms", v * 1000) }
        func us(_ v: Spread) -> String {
            String(format: "%.1f µs (%.1f-%.1f)", v.median * 1e6, v.min * 1e6, v.max * 1e6)
        }
        print("gateway bench, \(n) connections (ECP-256 PSK, aes128-sha256), medians of \(repetitions)")
        print("  config file of \(n) connections read, checked and built: \(ms(f.load.median)) (\(ms(f.load.min))-\(ms(f.load.max)))")
        print("  \(f.established) SA pairs established in process in \(String(format: "%.1f s", f.handshakeSeconds)); "
              + "the hub holds \(f.bytesPerPair.map { "\($0)" } ?? "(unknown: no mallinfo2)") heap bytes per ISAKMP SA + IPsec SA pair "
              + "(engine state and keys; no ESP contexts)")
        print("  new peer's first message: \(us(f.firstMessage.many)) with \(n) connections, \(us(f.firstMessage.one)) with 1: ratio "
              + String(format: "%.2f", f.firstMessage.many.median / f.firstMessage.one.median))
        print("  traffic report to its SA: \(us(f.trafficReport.many)) among \(n), \(us(f.trafficReport.one)) with 1: ratio "
              + String(format: "%.2f", f.trafficReport.many.median / f.trafficReport.one.median))
    }

    /// Measures a hub of `n` connections (see the type's comment).
    static func measure(connections n: Int, repetitions: Int) throws -> Figures {
        let text = Self.configText(n)
        var loads: [Double] = []
        var configs: [PeerConfig] = []
        for _ in 0..<repetitions { loads.append(try Self.time { configs = try Self.load(text) }) }
        let spokes = try (0..<n).map(Self.spokeConfig)
        let limits = ResponderLimits(halfOpenPerAddress: 1000, halfOpen: 4 * n + 1000, halfOpenTimeout: 30, quickModesInProgress: 5,
                                     aggressiveModePerSecond: 10, maxMessageSize: 10_000)

        // N SA pairs, hub and spokes in process; the heap the hub keeps for them.
        let heapBefore = HeapInUse.bytes
        var env = Environment(now: EngineTime(milliseconds: 0), entropy: SeededEntropy(seed: 19))
        var hub = try IKEv1Endpoint(configs: configs, limits: limits)
        var ends = try spokes.map { try IKEv1Endpoint(configs: [$0]) }
        var established = 0
        let handshakes = try Self.time {
            var queue: [(to: SocketAddress, datagram: OutboundDatagram)] = []
            func collect(_ actions: [Action]) {
                for case .send(let d) in actions { queue.append((d.destination, d)) }
            }
            for i in 0..<n { collect(ends[i].handle(.initiate(peer: "hub"), &env)) }
            while !queue.isEmpty {
                let batch = queue
                queue = []
                for (to, d) in batch {
                    let event = Event.datagram(bytes: d.bytes, from: d.source, to: to)
                    if to == Self.hub {
                        collect(hub.handle(event, &env))
                    } else if let i = Self.index(of: to), i < n {
                        collect(ends[i].handle(event, &env))
                    }
                }
            }
            established = hub.childSAs.count
            guard established == n, ends.allSatisfy({ $0.childSAs.count == 1 }) else {
                throw ValidationError("only \(established) of \(n) SA pairs came up")
            }
        }
        ends = []
        let heapAfter = HeapInUse.bytes
        let perPair = heapBefore.flatMap { before in heapAfter.map { ($0 - before) / n } }

        // A new peer's first message: the hub of N connections against a hub of one, each finding
        // the connection of the sender (the one of the N last in file order).
        func firstMessageCost(hub configs: [PeerConfig], spoke i: Int) throws -> [Double] {
            // 200 first messages of as many attempts (each its own cookie), from the spoke's address.
            var spoke = try IKEv1Endpoint(configs: [try Self.spokeConfig(i)])
            var e = Environment(now: EngineTime(milliseconds: 0), entropy: SeededEntropy(seed: 7))
            let firsts = (0..<200).map { _ in
                spoke.handle(.initiate(peer: "hub"), &e).compactMap { if case .send(let d) = $0 { d } else { nil } }[0]
            }
            var samples: [Double] = []
            for _ in 0..<repetitions {
                var responder = try IKEv1Endpoint(configs: configs, limits: limits)
                samples.append(Self.time {
                    for m in firsts { _ = responder.handle(.datagram(bytes: m.bytes, from: m.source, to: Self.hub), &e) }
                } / Double(firsts.count))
                guard responder.sessionCount == firsts.count else { throw ValidationError("the hub answered \(responder.sessionCount) of \(firsts.count)") }
            }
            return samples
        }
        let manyFirst = Spread(try firstMessageCost(hub: configs, spoke: n - 1))
        let oneFirst = Spread(try firstMessageCost(hub: [configs[n - 1]], spoke: n - 1))

        // A traffic report (once a second per SA in the node) finding its ISAKMP SA among N, against one.
        func trafficCost(_ endpoint: inout IKEv1Endpoint) -> [Double] {
            let spis = endpoint.childSAs.map(\.inbound.spi)
            return (0..<repetitions).map { _ in
                Self.time { for spi in spis.prefix(200) { _ = endpoint.handle(.childTraffic(inboundSPI: spi, bytes: 100, packets: 1), &env) } }
                    / Double(min(200, spis.count))
            }
        }
        let manyTraffic = Spread(trafficCost(&hub))
        var single = try IKEv1Endpoint(configs: [configs[0]], limits: limits)
        var lone = try IKEv1Endpoint(configs: [spokes[0]])
        var queue = lone.handle(.initiate(peer: "hub"), &env).compactMap { if case .send(let d) = $0 { (Self.hub, d) } else { nil } }
        while let (to, d) = queue.first {
            queue.removeFirst()
            let actions = to == Self.hub ? single.handle(.datagram(bytes: d.bytes, from: d.source, to: to), &env)
                : lone.handle(.datagram(bytes: d.bytes, from: d.source, to: to), &env)
            queue += actions.compactMap { if case .send(let d) = $0 { (d.destination, d) } else { nil } }
        }
        let oneTraffic = Spread(trafficCost(&single))

        return Figures(connections: n, load: Spread(loads), established: established, handshakeSeconds: handshakes,
                       bytesPerPair: perPair, firstMessage: (manyFirst, oneFirst), trafficReport: (manyTraffic, oneTraffic))
    }

    /// The spoke number of an address made by ``spoke(_:)``.
    static func index(of a: SocketAddress) -> Int? {
        guard a.address.count == 4, a.address[0] == 10 else { return nil }
        return Int(a.address[1]) << 16 | Int(a.address[2]) << 8 | Int(a.address[3])
    }
}
