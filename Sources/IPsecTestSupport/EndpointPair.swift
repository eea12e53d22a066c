import IKEv1
import IPsecCrypto
import ISAKMPWire

/// Two endpoints on a virtual clock exchanging datagrams in memory: for tests, `ikev1 demo`
/// and the engine's fuzz target. Optional loss, duplication and reordering, and a NAT in front
/// of side A that rewrites its address and ports (quinn-proto's `Pair`, for IKEv1).
/// Pure like the engine: time is virtual, randomness comes only from the entropy sources given.
public struct EndpointPair {
    /// The two sides: A usually initiates, B responds.
    public enum Side: String, Hashable, Sendable {
        /// Side A (the one a NAT, if any, stands in front of) and side B.
        case a, b
        /// The other side.
        public var peer: Side { self == .a ? .b : .a }
    }

    /// A datagram on its way.
    public struct Delivery: Sendable {
        /// When it arrives.
        public var at: EngineTime
        /// The receiving side.
        public var to: Side
        /// The UDP payload (with the non-ESP marker on 4500).
        public var bytes: [UInt8]
        /// Source as the receiver sees it (after NAT).
        public var from: SocketAddress
        /// Destination as the receiver sees it (after NAT).
        public var destination: SocketAddress
        var order: Int
    }

    /// Side A's endpoint.
    public var a: IKEv1Endpoint
    /// Side B's endpoint.
    public var b: IKEv1Endpoint
    /// Now, on the virtual clock.
    public private(set) var now = EngineTime(milliseconds: 0)
    /// The environment side A's engine runs with (its clock and entropy), for tests that call it directly.
    package var envA: Environment
    /// The environment of side B's engine.
    package var envB: Environment
    var network: any EntropySource
    /// Datagrams in flight.
    public private(set) var pending: [Delivery] = []
    /// Armed timers per side.
    public var timers: [Side: [TimerID: EngineTime]] = [.a: [:], .b: [:]]
    /// Fraction of datagrams lost.
    public var loss = 0.0
    /// Fraction of datagrams delivered twice.
    public var duplication = 0.0
    /// Fraction of datagrams delayed by 50 ms (reordered).
    public var reorder = 0.0
    /// Side A's public address when it sits behind a NAT (its ports are shifted by `natPortOffset`).
    public var natPublic: [UInt8]?
    /// Port shift of the NAT.
    public var natPortOffset: UInt16 = 30000
    /// One-way delay in seconds.
    public var latency = 0.01
    /// While true every datagram is lost (a broken link).
    public var linkDown = false
    /// The path's MTU, for a path that drops IP fragments: a datagram whose IP packet (UDP
    /// payload, UDP and IP headers) is larger is lost. nil: every size gets through.
    public var pathMTU: Int?
    /// Rewrites datagrams as they leave a side (UDP payload).
    public var tamper: ((Side, inout [UInt8]) -> Void)?
    /// Called for each datagram sent: sender, datagram (addresses after NAT), whether it was lost, when.
    public var onSend: ((Side, OutboundDatagram, Bool, EngineTime) -> Void)?
    /// Called before a datagram is delivered, with the receiving endpoint (which can still `inspect` it).
    public var onDeliver: ((Delivery, IKEv1Endpoint) -> Void)?
    /// Called for every action an endpoint returns, with the time.
    public var onAction: ((Side, Action, EngineTime) -> Void)?
    /// Wall-clock seconds (since 1970) at virtual time zero; both sides check certificates at
    /// this plus the virtual time. nil: no wall clock, certificate authentication is refused.
    public var unixTimeOrigin: Int64?
    /// Every datagram put on the wire, in order, after tampering (lost ones included).
    public private(set) var transcript: [[UInt8]] = []
    /// Every action of both sides, in order.
    public private(set) var log: [(side: Side, action: Action)] = []
    /// While false, `transcript` and `log` are not kept (long floods); the hooks still run.
    public var recording = true
    var counter = 0

    /// Creates a pair: side A's engine draws from `entropyA`, side B's from `entropyB`, and the
    /// network's loss, duplication and reordering decisions from `network`.
    public init(a: PeerConfig, b: PeerConfig, entropyA: any EntropySource, entropyB: any EntropySource,
                network: any EntropySource) throws(IKEv1Error) {
        self.a = try IKEv1Endpoint(configs: [a])
        self.b = try IKEv1Endpoint(configs: [b])
        envA = Environment(now: now, entropy: entropyA)
        envB = Environment(now: now, entropy: entropyB)
        self.network = network
    }

    /// Creates a pair whose every byte follows from `seed` (three `SeededEntropy` streams).
    public init(a: PeerConfig, b: PeerConfig, seed: UInt64) throws(IKEv1Error) {
        try self.init(a: a, b: b, entropyA: SeededEntropy(seed: seed &* 3 &+ 1), entropyB: SeededEntropy(seed: seed &* 3 &+ 2),
                      network: SeededEntropy(seed: seed &* 3 &+ 3))
    }

    /// Gives one side an event and carries out its actions.
    public mutating func feed(_ side: Side, _ event: Event) {
        let unixTime = unixTimeOrigin.map { $0 + now.milliseconds / 1000 }
        switch side {
        case .a: envA.now = now; envA.unixTime = unixTime; perform(side, a.handle(event, &envA))
        case .b: envB.now = now; envB.unixTime = unixTime; perform(side, b.handle(event, &envB))
        }
    }

    /// Replaces one side's connections as a reload does (``IKEv1Endpoint/replaceConfigs(_:env:)``)
    /// and carries out what that takes (Deletes for removed connections); on error nothing changes.
    public mutating func reconfigure(_ side: Side, _ configs: [PeerConfig]) throws(IKEv1Error) {
        switch side {
        case .a: envA.now = now; perform(side, try a.replaceConfigs(configs, env: &envA))
        case .b: envB.now = now; perform(side, try b.replaceConfigs(configs, env: &envB))
        }
    }

    private mutating func perform(_ side: Side, _ actions: [Action]) {
        for action in actions {
            if recording { log.append((side, action)) }
            onAction?(side, action, now)
            switch action {
            case .send(let d): transmit(from: side, d)
            case .scheduleTimer(let id, let at): timers[side, default: [:]][id] = at
            case .cancelTimer(let id): timers[side, default: [:]][id] = nil
            default: break
            }
        }
    }

    /// Replaces one side's endpoint (a reboot): its timers are forgotten.
    public mutating func replace(_ side: Side, with endpoint: IKEv1Endpoint) {
        if side == .a { a = endpoint } else { b = endpoint }
        timers[side] = [:]
    }

    mutating func random() -> Double {
        Double(network.bytes(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }) / Double(UInt32.max)
    }

    mutating func transmit(from side: Side, _ d: OutboundDatagram) {
        var source = d.source, destination = d.destination
        if side == .a, let pub = natPublic { source = SocketAddress(address: pub, port: source.port &+ natPortOffset) }
        if side == .b, let pub = natPublic, destination.address == pub {
            destination = SocketAddress(address: a.configs.first?.localAddress.address ?? destination.address,
                                        port: destination.port &- natPortOffset)
        }
        var bytes = d.udpPayload
        tamper?(side, &bytes)
        if recording { transcript.append(bytes) }
        // Addressed to neither side (an answer to a spoofed source): it leaves the simulation.
        // The receiver's connections only (a copy of its whole endpoint would retain every table).
        let (receiverConfigs, natAddress) = side == .a ? (b.configs, nil) : (a.configs, natPublic)
        guard receiverConfigs.contains(where: { $0.localAddress.address == destination.address }) || destination.address == natAddress
        else { return }
        let fragmented = pathMTU.map { bytes.count + 8 + (destination.address.count == 16 ? 40 : 20) > $0 } ?? false
        let lost = linkDown || fragmented || (loss > 0 && random() < loss)
        onSend?(side, OutboundDatagram(bytes: d.bytes, source: source, destination: destination, nonESPMarker: d.nonESPMarker), lost, now)
        guard !lost else { return }
        var at = now.adding(seconds: latency)
        if reorder > 0 && random() < reorder { at = at.adding(seconds: 0.05) }
        counter += 1
        pending.append(Delivery(at: at, to: side.peer, bytes: bytes, from: source, destination: destination, order: counter))
        if duplication > 0 && random() < duplication {
            counter += 1
            pending.append(Delivery(at: at.adding(seconds: 0.02), to: side.peer, bytes: bytes, from: source,
                                    destination: destination, order: counter))
        }
    }

    /// Puts a datagram from outside the pair (a third host, or a spoofed source) on its way to `side`.
    public mutating func inject(_ bytes: [UInt8], to side: Side, from: SocketAddress, destination: SocketAddress, at: EngineTime) {
        counter += 1
        pending.append(Delivery(at: Swift.max(at, now), to: side, bytes: bytes, from: from, destination: destination, order: counter))
    }

    /// Delivers datagrams and fires timers in time order until `done` holds, or `seconds` of
    /// virtual time have passed (the clock then stands at the end, even when nothing happened).
    public mutating func run(seconds limit: Double, until done: ((EndpointPair) -> Bool)? = nil) {
        let end = now.adding(seconds: limit)
        defer { if !(done?(self) ?? false) { now = max(now, end) } }
        while !(done?(self) ?? false) {
            let next = pending.indices.min { (pending[$0].at, pending[$0].order) < (pending[$1].at, pending[$1].order) }
            var timer: (Side, TimerID, EngineTime)?
            for side in [Side.a, .b] {
                for (id, at) in timers[side, default: [:]] {
                    if let t = timer, at > t.2 || (at == t.2 && t.1.description <= id.description) { continue }
                    timer = (side, id, at)
                }
            }
            if let i = next, pending[i].at <= (timer?.2 ?? pending[i].at) {
                guard pending[i].at <= end else { return }
                let d = pending.remove(at: i)
                now = max(now, d.at)
                onDeliver?(d, d.to == .a ? a : b)
                feed(d.to, .datagram(bytes: d.bytes, from: d.from, to: d.destination))
            } else if let (side, id, at) = timer {
                guard at <= end else { return }
                now = max(now, at)
                timers[side, default: [:]][id] = nil
                feed(side, .timerFired(id))
            } else {
                return
            }
        }
    }

    /// The actions one side returned.
    public func actions(_ side: Side) -> [Action] { log.filter { $0.side == side }.map(\.action) }
}
