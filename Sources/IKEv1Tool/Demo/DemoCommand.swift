import ArgumentParser
import ESP
import Foundation
import IKEv1
import IPsecCrypto
import IPsecNode
import IPsecTestSupport
import ISAKMPWire

/// `ikev1 demo`: an initiator and a responder of this library in one process, over
/// in-memory datagrams on a virtual clock: Main (or Aggressive) Mode, Quick Mode, status
/// tables, then Delete.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Negotiate IKEv1 between two in-process endpoints and show every message and the resulting SAs.")

    static let initiatorAddress: [UInt8] = [192, 0, 2, 1]
    static let responderAddress: [UInt8] = [192, 0, 2, 2]

    @Option(help: "IKE (Phase 1) proposals, strongSwan notation, e.g. aes128-sha256-modp2048.")
    var ike = "aes128-sha256-modp2048"

    @Option(help: "ESP/AH (Quick Mode) proposals; a DH group means PFS, e.g. aes128-sha256-modp2048.")
    var esp = "aes128-sha256-modp2048"

    @Option(help: "Phase 1 authentication: psk, or rsa / ecdsa signatures with certificates made in memory.")
    var auth: DemoAuthentication = .psk

    @Flag(help: "Aggressive Mode instead of Main Mode (with a PSK the responder allows it explicitly).")
    var aggressive = false

    @Flag(help: "Allow DES, Blowfish, CAST, MD5 and DH groups 1, 2, 5.")
    var legacy = false

    @Flag(help: "Put the initiator behind a NAT (NAT-T: port 4500, UDP encapsulation).")
    var nat = false

    @Option(help: "Seed for every random value: the run is reproduced byte for byte.")
    var seed: UInt64?

    @Option(help: "Fraction of datagrams to drop (0-1), to show retransmission.")
    var loss: Double = 0

    @Flag(help: "Print the child SA keys (what the ESP layer receives).")
    var showKeys = false

    @Option(help: "ESP packets to send each way through the negotiated SAs.")
    var packets: Int = 2000

    func validate() throws {
        guard (0...0.95).contains(loss) else { throw ValidationError("--loss must be between 0 and 0.95") }
    }

    /// The two sides' configurations; with `--auth rsa|ecdsa` signed by a fresh in-memory PKI
    /// valid at `now` (Unix seconds), identities being the certificates' subject DNs.
    func configs(now: Int64) throws -> (PeerConfig, PeerConfig) {
        let ikeProposals: [IKEProposal], espProposals: [ChildProposal]
        do {
            ikeProposals = try IKEProposal.proposals(notation: ike)
            espProposals = try ChildProposal.proposals(notation: esp)
        } catch {
            throw ValidationError(error.reason)
        }
        let psk = SecretBytes(Array("ikev1-demo-psk".utf8))
        let i = SocketAddress(address: Self.initiatorAddress, port: 500), r = SocketAddress(address: Self.responderAddress, port: 500)
        let ids: (Identity, Identity) = aggressive ? (.fqdn("initiator.example"), .fqdn("responder.example")) : (.ipv4(i.address), .ipv4(r.address))
        let netI = try TrafficSelector(notation: "198.51.100.0/24"), netR = try TrafficSelector(notation: "203.0.113.0/24")
        var initiator = PeerConfig(name: "demo", localAddress: i, remoteAddress: r, localIdentity: ids.0, remoteIdentity: ids.1,
                                   authentication: .preSharedKey(psk), ikeProposals: ikeProposals, childProposals: espProposals,
                                   localTrafficSelector: netI, remoteTrafficSelector: netR, aggressive: aggressive, legacy: legacy)
        var responder = PeerConfig(name: "demo-responder", localAddress: r, remoteAddress: nil, localIdentity: ids.1, remoteIdentity: ids.0,
                                   authentication: .preSharedKey(psk), ikeProposals: ikeProposals, childProposals: espProposals,
                                   localTrafficSelector: netR, remoteTrafficSelector: netI, legacy: legacy,
                                   allowAggressiveModePSKResponder: aggressive)
        if let algorithm = auth.algorithm {
            let pki = try DemoPKI(algorithm, now: now, initiatorAddress: Self.initiatorAddress, responderAddress: Self.responderAddress)
            initiator.authenticate(with: pki.initiator)
            responder.authenticate(with: pki.responder)
            (initiator.localIdentity, initiator.remoteIdentity) = (pki.initiator.identity, pki.responder.identity)
            (responder.localIdentity, responder.remoteIdentity) = (pki.responder.identity, pki.initiator.identity)
            responder.allowAggressiveModePSKResponder = false
        }
        return (initiator, responder)
    }

    func run() throws {
        let now = Int64(Date().timeIntervalSince1970)
        let (ci, cr) = try configs(now: now)
        var network: EndpointPair
        do {
            if let seed {
                network = try EndpointPair(a: ci, b: cr, seed: seed)
            } else {
                network = try EndpointPair(a: ci, b: cr, entropyA: SystemEntropy(), entropyB: SystemEntropy(), network: SystemEntropy())
            }
        } catch {
            throw ValidationError(error.reason)
        }
        network.unixTimeOrigin = now
        if let i = ci.authentication.signatureCredentials, let r = cr.authentication.signatureCredentials {
            print("== Certificates made in memory, trusted by both: \(i.trustStore.anchors.map(StatusTables.certificate).joined(separator: "; "))")
            for (side, chain) in [("initiator", i.chain), ("responder", r.chain)] {
                print("   \(side): " + chain.map(StatusTables.certificate).joined(separator: "\n              then "))
            }
        }
        network.loss = loss
        network.latency = 0.005
        network.natPublic = nat ? [198, 18, 0, 77] : nil
        var printer = ExchangePrinter()
        var failures: [String] = []
        network.onSend = { side, d, lost, now in
            if lost { print(printer.lost(side, d, now: now)) }
        }
        network.onDeliver = { delivery, receiver in
            print(printer.line(delivery, receiver: receiver))
        }
        network.onAction = { side, action, _ in
            let who = ExchangePrinter.name(side)
            switch action {
            case .failed(let f) where f.error.kind == .unexpectedMessage: print("           \(who): dropped: \(f.error.reason)")
            case .failed(let f): failures.append("\(who): \(f.error)"); print("           \(who): FAILED \(f.error)")
            case .isakmpSAEstablished(let info):
                print("           \(who): ISAKMP SA established (\(info.proposal), NAT \(info.natDetected ? "detected" : "none"))")
                print("           \(who): \(StatusTables.peerAuthentication(info))")
            case .installChildSA(let c):
                print("           \(who): install \(c.ipsecProtocol) SA in \(StatusTables.hex32(c.inbound.spi)) out \(StatusTables.hex32(c.outbound.spi)) \(c.proposal)")
            case .deleteChildSA(let i, _, let reason): print("           \(who): delete SA in \(StatusTables.hex32(i)): \(reason)")
            case .isakmpSADeleted(_, let reason): print("           \(who): ISAKMP SA deleted: \(reason)")
            case .notifyReceived(let n): print("           \(who): notify \(n.type)")
            default: break
            }
        }

        print("== \(aggressive ? "Aggressive" : "Main") Mode (\(auth)) + Quick Mode: \(ike) / \(esp)\(nat ? ", initiator behind NAT" : "")\(seed.map { ", seed \($0)" } ?? "")\(loss > 0 ? ", loss \(loss)" : "")")
        network.feed(.a, .initiate(peer: ci.name))
        network.run(seconds: 120) { !$0.a.childSAs.isEmpty && !$0.b.childSAs.isEmpty }
        let childrenI = network.a.childSAs, childrenR = network.b.childSAs
        guard let sa = network.a.isakmpSAs.first, !childrenI.isEmpty, !childrenR.isEmpty else {
            throw DemoFailure(reason: "negotiation failed: " + (failures.isEmpty ? "no answer within 120 s" : failures.joined(separator: "; ")))
        }

        print("\ninitiator# show crypto isakmp sa detail")
        print(StatusTables.isakmp(network.a.isakmpSAs, now: network.now))
        print("\nresponder# show crypto isakmp sa detail")
        print(StatusTables.isakmp(network.b.isakmpSAs, now: network.now))
        let counters = try ESPHook.run(initiator: childrenI, responder: childrenR, packets: packets)
        print("\n== ESP: \(packets) ICMP echoes each way sealed by one side and opened by the other")
        print("\ninitiator# show crypto ipsec sa")
        print(StatusTables.ipsec(childrenI, local: ci.localAddress, now: network.now, counters: counters))
        print("responder# show crypto ipsec sa")
        print(StatusTables.ipsec(childrenR, local: cr.localAddress, now: network.now, counters: counters))
        if showKeys {
            for (side, children) in [("initiator", childrenI), ("responder", childrenR)] {
                for c in children {
                    print("\(side) SA in \(StatusTables.hex32(c.inbound.spi)): enc \(c.inbound.encryptionKey.bytes.hexString) integ \(c.inbound.integrityKey.bytes.hexString)")
                    print("\(side) SA out \(StatusTables.hex32(c.outbound.spi)): enc \(c.outbound.encryptionKey.bytes.hexString) integ \(c.outbound.integrityKey.bytes.hexString)")
                }
            }
        }
        guard childrenI.first?.inbound == childrenR.first?.outbound, childrenI.first?.outbound == childrenR.first?.inbound else {
            throw DemoFailure(reason: "the two sides derived different child SA keys")
        }

        print("\n== Delete")
        network.feed(.a, .delete(sa: sa.id))
        network.run(seconds: 10) { $0.b.isakmpSAs.isEmpty && $0.pending.isEmpty }
        print("initiator: \(network.a.isakmpSAs.count) ISAKMP SA, \(network.a.childSAs.count) IPsec SA; "
              + "responder: \(network.b.isakmpSAs.count) ISAKMP SA, \(network.b.childSAs.count) IPsec SA")
    }
}

/// A negotiation that did not complete: printed as `Error: reason`, exit status 1.
struct DemoFailure: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

/// ESP traffic through the negotiated SAs: synthetic ICMP echoes, sealed by one side
/// and opened by the other, in both directions, with the counters `show crypto ipsec sa` prints.
enum ESPHook {
    struct Counters { var encaps = 0, decaps = 0 }

    static func run(initiator: [ChildSA], responder: [ChildSA], packets: Int) throws -> (ChildSA) -> (encaps: Int, decaps: Int) {
        var counters: [UInt32: Counters] = [:]
        for (mine, theirs, src, dst) in [(initiator.first, responder.first, [UInt8]([198, 51, 100, 1]), [UInt8]([203, 0, 113, 1])),
                                         (responder.first, initiator.first, [203, 0, 113, 1], [198, 51, 100, 1])] {
            guard let mine, let theirs else { continue }
            var entropy = SeededEntropy(seed: 1)
            let sender = try ESPOutboundSA(ChildSAMapping.parameters(mine).outbound, entropy: &entropy)
            let receiver = try ESPInboundSA(ChildSAMapping.parameters(theirs).inbound)
            var buffer = [UInt8](repeating: 0, count: 2048)
            for n in 0..<packets {
                let packet = echo(src, dst, sequence: UInt16(truncatingIfNeeded: n), size: 64 + n % 1300)
                let opened = try buffer.withUnsafeMutableBytes { b throws -> [UInt8] in
                    b.copyBytes(from: [UInt8](repeating: 0, count: 128) + packet)
                    let sealed = try sender.seal(b, payload: 128..<(128 + packet.count))
                    let out = try receiver.open(b, packet: sealed.packet)
                    return Array(b[out.payload])
                }
                guard opened == packet else { throw DemoFailure(reason: "ESP packet \(n) did not survive seal and open") }
                counters[mine.inbound.spi, default: Counters()].encaps += 1
                counters[theirs.inbound.spi, default: Counters()].decaps += 1
            }
        }
        return { c in (counters[c.inbound.spi]?.encaps ?? 0, counters[c.inbound.spi]?.decaps ?? 0) }
    }

    /// An IPv4 ICMP echo request of `size` bytes.
    static func echo(_ src: [UInt8], _ dst: [UInt8], sequence: UInt16, size: Int) -> [UInt8] {
        var p: [UInt8] = [0x45, 0, UInt8(size >> 8), UInt8(size & 0xff), 0, 1, 0, 0, 64, 1, 0, 0] + src + dst
        p += [8, 0, 0, 0, 0x12, 0x34, UInt8(sequence >> 8), UInt8(sequence & 0xff)]
        p += (0..<(size - p.count)).map { UInt8(truncatingIfNeeded: $0) }
        return p
    }
}

/// One line per datagram: time, direction, exchange and message number, payloads.
struct ExchangePrinter {
    var numbers: [String: Int] = [:]
    var seen: Set<[UInt8]> = []

    static func exchangeName(_ t: ExchangeType) -> String {
        switch t {
        case .mainMode: "Main Mode"
        case .aggressive: "Aggressive Mode"
        case .quickMode: "Quick Mode"
        case .informational: "Informational"
        default: t.description
        }
    }

    static func name(_ side: EndpointPair.Side) -> String { side == .a ? "initiator" : "responder" }

    static func arrow(_ to: EndpointPair.Side) -> String { to == .b ? "initiator -> responder" : "responder -> initiator" }

    mutating func line(_ d: EndpointPair.Delivery, receiver: IKEv1Endpoint) -> String {
        let time = "[\(d.at)]".padding(9)
        let route = "\(d.from) -> \(d.destination)".padding(34)
        var ike = d.bytes[...]
        if d.destination.port != 500 {
            if ike.count == 1 { return "\(time) \(Self.arrow(d.to))  \(route) NAT-keepalive" }
            ike = ike.dropFirst(4)
        }
        guard let m = try? ISAKMPMessage.decode(ike) else { return "\(time) \(Self.arrow(d.to))  \(route) \(d.bytes.count) bytes (not ISAKMP)" }
        let key = "\(m.header.initiatorCookie)/\(m.header.messageID)/\(m.header.exchangeType.rawValue)"
        let repeated = !seen.insert(Array(ike)).inserted
        let payloads = repeated ? "(retransmission, byte-identical)"
            : receiver.inspect(Array(ike)).map { list in list.map { $0.type.name ?? "\($0.type.rawValue)" }.joined(separator: " ") }
        let marker = d.destination.port != 500 ? " (non-ESP marker)" : ""
        let encrypted = m.payloads == nil ? "HDR*, " : "HDR, "
        var label = Self.exchangeName(m.header.exchangeType)
        if m.header.exchangeType != .informational {
            let n = (numbers[key] ?? 0) + (repeated ? 0 : 1)
            numbers[key] = n
            label += " #\(n)"
        }
        return "\(time) \(Self.arrow(d.to))  \(route) \(label.padding(18)) \(encrypted)\(payloads ?? "(cannot decrypt)")\(marker)"
    }

    func lost(_ side: EndpointPair.Side, _ d: OutboundDatagram, now: EngineTime) -> String {
        "\("[\(now)]".padding(9)) \(Self.name(side)) sent \(d.bytes.count) bytes to \(d.destination): LOST on the network"
    }
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
