import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire

/// A real exchange between two engines on a virtual clock, recorded so that a fuzz input can
/// take the place of any one of its datagrams, delivered to a copy of the receiver in the state
/// that expects it: Main Mode messages 1-6 and Aggressive Mode 1-3 (as responder and as
/// initiator), Quick Mode 1-3 started by either side, DPD R-U-THERE and its ACK, and a Delete.
struct EngineScenario {
    /// One datagram of the exchange and the receiver just before it arrived.
    struct Stage {
        var receiver: IKEv1Endpoint
        var delivery: EndpointPair.Delivery
        /// The ISAKMP header of the real datagram (cookies, exchange, message ID, flags).
        var header: ISAKMPHeader
        /// The non-ESP marker when the datagram went to port 4500.
        var marker: [UInt8]
        /// The data of the real message's HASH payload, nil when it has none.
        var hash: [UInt8]?
        /// The receiver's armed timers.
        var timers: [TimerID]
        /// The real message made the receiver lease an address (a gateway's Mode Config).
        var leases = false
    }

    /// Every stage of every scenario, in order; built once per process (deterministic seeds).
    /// (Read-only after the first use; the endpoints inside are values, copied before use.)
    nonisolated(unsafe) static let stages: [Stage] = mainMode() + aggressiveBehindNAT()

    static let addressA = SocketAddress(address: [192, 0, 2, 1], port: 500)
    static let addressB = SocketAddress(address: [192, 0, 2, 2], port: 500)

    /// Main Mode, AES-CBC / SHA-256 / MODP-2048, Quick Mode with PFS in tunnel mode; then a DPD
    /// probe, a child rekey from each side and a Delete.
    static func mainMode() -> [Stage] {
        record(ike: "aes128-sha256-modp2048", esp: "aes128-sha256-modp2048", aggressive: false, nat: false)
    }

    /// Aggressive Mode, 3DES / SHA-1 / MODP-1024 (legacy), side A behind a NAT so the exchange
    /// floats to port 4500; Quick Mode with AES-GCM and no PFS.
    static func aggressiveBehindNAT() -> [Stage] {
        record(ike: "3des-sha1-modp1024", esp: "aes128gcm16", aggressive: true, nat: true)
    }

    static func record(ike: String, esp: String, aggressive: Bool, nat: Bool) -> [Stage] {
        let psk = SecretBytes(Array("fuzz-pre-shared-key".utf8))
        let idA: Identity = aggressive ? .fqdn("initiator.example") : .ipv4(addressA.address)
        let idB: Identity = aggressive ? .fqdn("responder.example") : .ipv4(addressB.address)
        guard let ikeProposals = try? IKEProposal.proposals(notation: ike),
              let childProposals = try? ChildProposal.proposals(notation: esp),
              let netA = try? TrafficSelector(notation: "198.51.100.0/24"),
              let netB = try? TrafficSelector(notation: "203.0.113.0/24") else { return [] }
        let a = PeerConfig(name: "to-b", localAddress: addressA, remoteAddress: addressB, localIdentity: idA, remoteIdentity: idB,
                           authentication: .preSharedKey(psk), ikeProposals: ikeProposals, childProposals: childProposals,
                           localTrafficSelector: netA, remoteTrafficSelector: netB, aggressive: aggressive, legacy: true,
                           dpdDelay: 30)
        let b = PeerConfig(name: "from-a", localAddress: addressB, remoteAddress: nil, localIdentity: idB, remoteIdentity: idA,
                           authentication: .preSharedKey(psk), ikeProposals: ikeProposals, childProposals: childProposals,
                           localTrafficSelector: netB, remoteTrafficSelector: netA, legacy: true,
                           allowAggressiveModePSKResponder: aggressive, dpdDelay: 30)
        return record(a, b, nat: nat) { pair in
            guard let sa = pair.a.isakmpSAs.first?.id else { return }
            pair.feed(.a, .probeDPD(sa: sa))
            pair.run(seconds: 5)
            pair.feed(.a, .rekeyChild(sa: sa))
            pair.run(seconds: 5)
            pair.feed(.b, .rekeyChild(sa: sa))
            pair.run(seconds: 5)
            pair.feed(.b, .delete(sa: sa))
            pair.run(seconds: 5)
        }
    }

    /// Every datagram of A initiating to B (A behind a NAT with `nat`), 5 virtual seconds, then `more`.
    static func record(_ a: PeerConfig, _ b: PeerConfig, nat: Bool, seed: UInt64 = 3,
                       then more: (inout EndpointPair) -> Void) -> [Stage] {
        guard var pair = try? EndpointPair(a: a, b: b, seed: seed) else { return [] }
        if nat { pair.natPublic = [198, 18, 0, 1] }
        let log = Log()
        pair.onAction = { side, action, _ in
            switch action {
            case .scheduleTimer(let id, _): log.timers[side, default: []].insert(id)
            case .cancelTimer(let id): log.timers[side, default: []].remove(id)
            default: break
            }
        }
        pair.onDeliver = { delivery, receiver in
            let ike = delivery.bytes.starts(with: [0, 0, 0, 0]) ? Array(delivery.bytes.dropFirst(4)) : delivery.bytes
            guard let header = try? ISAKMPHeader.decode(ike[...]) else { return }
            let hash = receiver.inspect(ike)?.lazy.compactMap { if case .hash(let h) = $0 { h.data } else { nil } }.first
            log.stages.append(Stage(receiver: receiver, delivery: delivery, header: header,
                                    marker: Array(delivery.bytes.prefix(delivery.bytes.count - ike.count)), hash: hash,
                                    timers: Array(log.timers[delivery.to, default: []])))
        }
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 5)
        more(&pair)
        return log.stages.map { stage in
            var copy = stage.receiver, env = Environment(now: stage.delivery.at, entropy: SeededEntropy(seed: 5))
            _ = copy.handle(.datagram(bytes: stage.delivery.bytes, from: stage.delivery.from, to: stage.delivery.destination), &env)
            var marked = stage
            marked.leases = EngineTarget.leased(copy) > EngineTarget.leased(stage.receiver)
            return marked
        }
    }

    /// What the pair's callbacks collect (they are escaping closures).
    final class Log {
        var stages: [Stage] = []
        var timers: [EndpointPair.Side: Set<TimerID>] = [:]
    }
}
