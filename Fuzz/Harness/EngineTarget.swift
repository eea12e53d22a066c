import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire

/// The engine, in every state of a real exchange (``EngineScenario``), given a fuzz input in
/// place of the datagram that state expects. Input: byte 0 picks the stage; byte 1 bit 0 seals
/// the rest as a payload chain (its first byte the first payload's type) under the real header,
/// encrypted with the receiver's key and IV, bit 1 also gives it the HASH the receiver expects
/// (Quick Mode and Informational HASHes; Phase 1 HASH_I/HASH_R over the input's ID payload once
/// the receiver has keys), bit 2 fires the receiver's timers afterwards; without bit 0
/// the rest is the datagram itself, with the real cookies written over its first 16 bytes.
/// Invariant: no ISAKMP SA and no child SA come from a message that lacks the genuine HASH
/// (the real message's, or one computed with the keys under bit 1).
/// With the remote-access stages (``TransactionScenario``, the `transaction` target) also: an
/// address is leased only where the real message leased one (never to an unauthenticated client
/// or out of order), and the XAUTH password appears in no action.
enum EngineTarget {
    static func run(_ input: [UInt8]) throws(FuzzViolation) -> FuzzOutcome { try run(input, stages: EngineScenario.stages) }

    static func run(_ input: [UInt8], stages: [EngineScenario.Stage]) throws(FuzzViolation) -> FuzzOutcome {
        guard input.count >= 2, !stages.isEmpty else { return .accepted }
        let stage = stages[Int(input[0]) % stages.count]
        let sealed = input[1] & 1 != 0, authenticate = sealed && input[1] & 2 != 0, fireTimers = input[1] & 4 != 0
        let body = Array(input.dropFirst(2))
        var receiver = stage.receiver
        var ike: [UInt8]
        if sealed {
            guard let first = body.first else { return .accepted }
            var header = stage.header
            header.nextPayload = PayloadType(rawValue: first)
            guard let message = receiver.seal(header, chain: Array(body.dropFirst()), authenticate: authenticate) else {
                throw FuzzViolation("no keys to seal stage \(Int(input[0]) % stages.count) with")
            }
            ike = message
        } else {
            ike = body
            if ike.count >= 16 {
                ike.replaceSubrange(0..<8, with: stage.header.initiatorCookie.bytes)
                ike.replaceSubrange(8..<16, with: stage.header.responderCookie.bytes)
            }
        }
        let hash = receiver.inspect(ike)?.lazy.compactMap { if case .hash(let h) = $0 { h.data } else { nil } }.first
        let genuine = authenticate || (hash != nil && hash == stage.hash)
        let leasedBefore = Self.leased(receiver)
        var env = Environment(now: stage.delivery.at, entropy: SeededEntropy(seed: 5))
        var actions = receiver.handle(.datagram(bytes: stage.marker + ike, from: stage.delivery.from, to: stage.delivery.destination), &env)
        if fireTimers {
            env.now = stage.delivery.at.adding(seconds: 86_400)
            let armed = stage.timers + actions.compactMap { if case .scheduleTimer(let id, _) = $0 { id } else { nil } }
            for id in armed { actions += receiver.handle(.timerFired(id), &env) }
        }
        let created = actions.contains {
            switch $0 { case .installChildSA, .isakmpSAEstablished: true; default: false }
        }
        try FuzzViolation.check(!created || genuine, "an SA from a message without the genuine HASH")
        if Self.leased(receiver) > leasedBefore {
            try FuzzViolation.check(stage.leases, "an address leased at a stage where the real message leases none")
        }
        for action in actions {
            try FuzzViolation.check(!"\(action)".contains(TransactionScenario.password), "the XAUTH password in an action")
        }
        _ = receiver.isakmpSAs
        _ = receiver.childSAs
        for case .failed(let failure) in actions { return .rejected(failure.error) }
        return .accepted
    }

    /// For each stage: the real datagram raw, and its decrypted payload chain sealed, sealed
    /// with the expected HASH, and sealed with the timers fired afterwards.
    static func seeds(_ stages: [EngineScenario.Stage] = EngineScenario.stages) -> [[UInt8]] {
        var seeds: [[UInt8]] = []
        for (i, stage) in stages.enumerated() where i < 256 {
            let ike = Array(stage.delivery.bytes.dropFirst(stage.marker.count))
            seeds.append([UInt8(i), 0] + ike)
            guard let payloads = stage.receiver.inspect(ike), let first = payloads.first else { continue }
            let chain = [first.type.rawValue] + PayloadChain.encode(payloads)
            seeds += [[UInt8(i), 1] + chain, [UInt8(i), 3] + chain, [UInt8(i), 5] + chain]
        }
        return seeds
    }

    /// Addresses the receiver's pools have leased.
    static func leased(_ endpoint: IKEv1Endpoint) -> Int { endpoint.addressPools.reduce(0) { $0 + $1.leasedCount } }
}

/// The engine's Transaction exchange (XAUTH, Mode Config) in both roles: ``EngineTarget`` over the
/// remote-access stages of ``TransactionScenario``.
enum TransactionTarget {
    static func run(_ input: [UInt8]) throws(FuzzViolation) -> FuzzOutcome { try EngineTarget.run(input, stages: TransactionScenario.stages) }
    static func seeds() -> [[UInt8]] { EngineTarget.seeds(TransactionScenario.stages) }
}
