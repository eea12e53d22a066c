import IKEv1
import IPsecCrypto
import ISAKMPWire

/// Two IKEv1 endpoints in one process: in-memory datagrams on a virtual clock, with
/// optional seeded loss and a NAT in front of the initiator. Reports every delivered
/// datagram and every engine action through callbacks; prints nothing itself.
struct DemoNetwork {
    enum Side: String { case initiator, responder }

    struct Delivery {
        var at: EngineTime
        var order: Int
        var to: Side
        var bytes: [UInt8]
        var from: SocketAddress
        var dest: SocketAddress
    }

    var initiator: IKEv1Endpoint
    var responder: IKEv1Endpoint
    var envI: Environment
    var envR: Environment
    var now = EngineTime(milliseconds: 0)
    var pending: [Delivery] = []
    var timers: [Side: [TimerID: EngineTime]] = [.initiator: [:], .responder: [:]]
    var lossRandom: any EntropySource
    var loss: Double
    var natPublic: [UInt8]?
    var counter = 0

    /// Called for each datagram put on the wire: sender, datagram, whether the network dropped it.
    var onSend: (Side, OutboundDatagram, Bool, EngineTime) -> Void = { _, _, _, _ in }
    /// Called before a datagram is delivered (the receiver can still decrypt it for display).
    var onDeliver: (Side, Delivery, IKEv1Endpoint) -> Void = { _, _, _ in }
    /// Called for every action an endpoint returns.
    var onAction: (Side, Action, EngineTime) -> Void = { _, _, _ in }

    init(initiator: PeerConfig, responder: PeerConfig, seed: UInt64?, loss: Double, nat: Bool) throws(IKEv1Error) {
        self.initiator = try IKEv1Endpoint(configs: [initiator])
        self.responder = try IKEv1Endpoint(configs: [responder])
        if let seed {
            envI = Environment(now: now, entropy: SeededEntropy(seed: seed &* 3 &+ 1))
            envR = Environment(now: now, entropy: SeededEntropy(seed: seed &* 3 &+ 2))
            lossRandom = SeededEntropy(seed: seed &* 3 &+ 3)
        } else {
            envI = Environment(now: now, entropy: SystemEntropy())
            envR = Environment(now: now, entropy: SystemEntropy())
            lossRandom = SystemEntropy()
        }
        self.loss = loss
        natPublic = nat ? [198, 18, 0, 77] : nil
    }

    mutating func feed(_ side: Side, _ event: Event) {
        var actions: [Action]
        switch side {
        case .initiator: envI.now = now; actions = initiator.handle(event, &envI)
        case .responder: envR.now = now; actions = responder.handle(event, &envR)
        }
        for a in actions {
            onAction(side, a, now)
            switch a {
            case .send(let d): transmit(from: side, d)
            case .scheduleTimer(let id, let at): timers[side]![id] = at
            case .cancelTimer(let id): timers[side]![id] = nil
            default: break
            }
        }
    }

    private mutating func transmit(from side: Side, _ d: OutboundDatagram) {
        var source = d.source, dest = d.destination
        if side == .initiator, let pub = natPublic { source = SocketAddress(address: pub, port: source.port &+ 30000) }
        if side == .responder, let pub = natPublic, dest.address == pub {
            dest = SocketAddress(address: DemoCommand.initiatorAddress, port: dest.port &- 30000)
        }
        let r = Double(lossRandom.bytes(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }) / Double(UInt32.max)
        let dropped = loss > 0 && r < loss
        onSend(side, OutboundDatagram(bytes: d.bytes, source: source, destination: dest, nonESPMarker: d.nonESPMarker), dropped, now)
        guard !dropped else { return }
        counter += 1
        pending.append(Delivery(at: now.adding(seconds: 0.005), order: counter, to: side == .initiator ? .responder : .initiator,
                                bytes: d.udpPayload, from: source, dest: dest))
    }

    /// Runs events in time order until `done` holds, nothing is pending, or `limit` seconds pass.
    mutating func run(seconds limit: Double, until done: (DemoNetwork) -> Bool) {
        let end = now.adding(seconds: limit)
        while !done(self) {
            let next = pending.indices.min { (pending[$0].at, pending[$0].order) < (pending[$1].at, pending[$1].order) }
            var timer: (Side, TimerID, EngineTime)?
            for side in [Side.initiator, .responder] {
                for (id, at) in timers[side]! where timer == nil || at < timer!.2 { timer = (side, id, at) }
            }
            if let i = next, pending[i].at <= (timer?.2 ?? pending[i].at) {
                let d = pending.remove(at: i)
                guard d.at <= end else { return }
                now = max(now, d.at)
                onDeliver(d.to, d, d.to == .initiator ? initiator : responder)
                feed(d.to, .datagram(bytes: d.bytes, from: d.from, to: d.dest))
            } else if let (side, id, at) = timer {
                guard at <= end else { return }
                now = max(now, at)
                timers[side]![id] = nil
                feed(side, .timerFired(id))
            } else {
                return
            }
        }
    }
}
