import IKEv1
import IPsecCrypto
import ISAKMPWire

/// Two endpoints on a virtual clock exchanging datagrams in memory, with optional
/// seeded loss, duplication and reordering, and a NAT in front of side A that
/// rewrites A's address and ports (quinn-proto's `Pair`, for IKEv1).
struct Pair {
    enum Side: Hashable { case a, b }

    struct InFlight {
        var at: EngineTime
        var order: Int
        var to: Side
        var bytes: [UInt8]
        var from: SocketAddress
        var dest: SocketAddress
    }

    var a: IKEv1Endpoint
    var b: IKEv1Endpoint
    var envA: Environment
    var envB: Environment
    var now = EngineTime(milliseconds: 0)
    var flights: [InFlight] = []
    var timers: [Side: [TimerID: EngineTime]] = [.a: [:], .b: [:]]
    var net: SeededEntropy
    var loss = 0.0
    var duplication = 0.0
    var reorder = 0.0
    /// Side A's public address when it sits behind a NAT.
    var natPublic: [UInt8]?
    var natPortOffset: UInt16 = 30000
    var latencyMs: Int64 = 10
    /// Rewrites datagrams on the wire (the sending side and the UDP payload).
    var tamper: ((Side, inout [UInt8]) -> Void)?
    /// Drops everything while true (a broken link).
    var linkDown = false
    var counter = 0

    /// Every datagram put on the wire, in order (after NAT rewriting).
    var transcript: [[UInt8]] = []
    var log: [(Side, Action)] = []
    /// One line per delivered datagram: direction and payloads, for debugging.
    var trace: [String] = []

    static let addressA = SocketAddress(address: [192, 0, 2, 1], port: 500)
    static let addressB = SocketAddress(address: [192, 0, 2, 2], port: 500)

    init(a: PeerConfig, b: PeerConfig, seed: UInt64) throws {
        self.a = try IKEv1Endpoint(configs: [a])
        self.b = try IKEv1Endpoint(configs: [b])
        envA = Environment(now: now, entropy: SeededEntropy(seed: seed &* 3 &+ 1))
        envB = Environment(now: now, entropy: SeededEntropy(seed: seed &* 3 &+ 2))
        net = SeededEntropy(seed: seed &* 3 &+ 3)
    }

    mutating func random() -> Double {
        let b = net.bytes(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return Double(b) / Double(UInt32.max)
    }

    mutating func feed(_ side: Side, _ event: Event) {
        var actions: [Action]
        switch side {
        case .a: envA.now = now; actions = a.handle(event, &envA)
        case .b: envB.now = now; actions = b.handle(event, &envB)
        }
        for action in actions { apply(side, action) }
    }

    mutating func apply(_ side: Side, _ action: Action) {
        log.append((side, action))
        switch action {
        case .send(let d): transmit(from: side, d)
        case .scheduleTimer(let id, let at): timers[side]![id] = at
        case .cancelTimer(let id): timers[side]![id] = nil
        default: break
        }
    }

    mutating func transmit(from side: Side, _ d: OutboundDatagram) {
        var source = d.source
        var dest = d.destination
        let to: Side
        if side == .a {
            if let pub = natPublic { source = SocketAddress(address: pub, port: source.port &+ natPortOffset) }
            to = .b
        } else {
            to = .a
            if let pub = natPublic, dest.address == pub { dest = SocketAddress(address: Self.addressA.address, port: dest.port &- natPortOffset) }
        }
        var bytes = d.udpPayload
        tamper?(side, &bytes)
        transcript.append(bytes)
        if linkDown { return }
        if loss > 0 && random() < loss { return }
        var at = now.adding(seconds: Double(latencyMs) / 1000)
        if reorder > 0 && random() < reorder { at = at.adding(seconds: 0.05) }
        counter += 1
        flights.append(InFlight(at: at, order: counter, to: to, bytes: bytes, from: source, dest: dest))
        if duplication > 0 && random() < duplication {
            counter += 1
            flights.append(InFlight(at: at.adding(seconds: 0.02), order: counter, to: to, bytes: bytes, from: source, dest: dest))
        }
    }

    /// Runs until nothing is pending or `limit` seconds of virtual time passed.
    mutating func run(seconds limit: Double = 120, until done: ((Pair) -> Bool)? = nil) {
        let end = now.adding(seconds: limit)
        while true {
            if let done, done(self) { return }
            let nextFlight = flights.indices.min { (flights[$0].at, flights[$0].order) < (flights[$1].at, flights[$1].order) }
            var nextTimer: (Side, TimerID, EngineTime)?
            for side in [Side.a, .b] {
                for (id, at) in timers[side]! where nextTimer == nil || at < nextTimer!.2 || (at == nextTimer!.2 && id.description < nextTimer!.1.description) {
                    nextTimer = (side, id, at)
                }
            }
            let flightAt = nextFlight.map { flights[$0].at }
            if let f = nextFlight, flightAt! <= (nextTimer?.2 ?? flightAt!) {
                let flight = flights.remove(at: f)
                guard flight.at <= end else { return }
                now = max(now, flight.at)
                trace.append(describe(flight))
                feed(flight.to, .datagram(bytes: flight.bytes, from: flight.from, to: flight.dest))
            } else if let (side, id, at) = nextTimer {
                guard at <= end else { return }
                now = max(now, at)
                timers[side]![id] = nil
                feed(side, .timerFired(id))
            } else {
                return
            }
        }
    }

    func describe(_ f: InFlight) -> String {
        var bytes = f.bytes[...]
        if f.dest.port != 500 { bytes = bytes.count > 4 ? bytes.dropFirst(4) : bytes }
        guard let m = try? ISAKMPMessage.decode(bytes) else { return "\(f.from) -> \(f.dest): \(f.bytes.count) bytes" }
        let list = m.payloads.map { $0.map { $0.type.name ?? "?" }.joined(separator: " ") } ?? "encrypted"
        return "\(now) \(f.from) -> \(f.dest) \(m.header.exchangeType.name ?? "") mid=\(m.header.messageID) [\(list)]"
    }

    func actions(_ side: Side) -> [Action] { log.filter { $0.0 == side }.map(\.1) }

    func installed(_ side: Side) -> [ChildSA] {
        actions(side).compactMap { if case .installChildSA(let c) = $0 { c } else { nil } }
    }

    func established(_ side: Side) -> [ISAKMPSAInfo] {
        actions(side).compactMap { if case .isakmpSAEstablished(let i) = $0 { i } else { nil } }
    }

    func failures(_ side: Side) -> [Failure] {
        actions(side).compactMap { if case .failed(let f) = $0 { f } else { nil } }
    }

    func notifies(_ side: Side) -> [ReceivedNotify] {
        actions(side).compactMap { if case .notifyReceived(let n) = $0 { n } else { nil } }
    }
}

/// Configurations for the two sides, like the fixtures' (192.0.2.1 protects 198.51.100.0/24,
/// 192.0.2.2 protects 203.0.113.0/24).
enum TestConfig {
    static let psk = SecretBytes(Array("ikev1-interop-test-psk".utf8))

    static func pair(ike: String, esp: String, legacy: Bool = false, mode: IPsecMode = .tunnel, aggressive: Bool = false,
                     hostToHost: Bool = false, responderIKE: String? = nil, responderESP: String? = nil,
                     customize: (inout PeerConfig, inout PeerConfig) -> Void = { _, _ in }) throws -> (PeerConfig, PeerConfig) {
        let netA = TrafficSelector.subnet("198.51.100.0/24")!
        let netB = TrafficSelector.subnet("203.0.113.0/24")!
        let useTS = !hostToHost && mode == .tunnel
        var a = PeerConfig(name: "to-b", localAddress: Pair.addressA, remoteAddress: Pair.addressB,
                           localIdentity: aggressive ? .fqdn("initiator.example") : .ipv4(Pair.addressA.address),
                           remoteIdentity: aggressive ? .fqdn("responder.example") : .ipv4(Pair.addressB.address),
                           preSharedKey: psk, ikeProposals: try ProposalNotation.ike(ike),
                           childProposals: try ProposalNotation.child(esp), mode: mode,
                           localTrafficSelector: useTS ? netA : nil, remoteTrafficSelector: useTS ? netB : nil,
                           aggressive: aggressive, legacy: legacy)
        var b = PeerConfig(name: "from-a", localAddress: Pair.addressB, remoteAddress: nil,
                           localIdentity: aggressive ? .fqdn("responder.example") : .ipv4(Pair.addressB.address),
                           remoteIdentity: aggressive ? .fqdn("initiator.example") : .ipv4(Pair.addressA.address),
                           preSharedKey: psk, ikeProposals: try ProposalNotation.ike(responderIKE ?? ike),
                           childProposals: try ProposalNotation.child(responderESP ?? esp), mode: mode,
                           localTrafficSelector: useTS ? netB : nil, remoteTrafficSelector: useTS ? netA : nil,
                           legacy: legacy, allowAggressiveModePSKResponder: aggressive)
        customize(&a, &b)
        return (a, b)
    }
}
