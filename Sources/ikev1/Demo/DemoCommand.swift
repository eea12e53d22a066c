import ArgumentParser
import IKEv1
import IPsecCrypto
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

    @Flag(help: "Aggressive Mode instead of Main Mode (PSK; the responder allows it explicitly).")
    var aggressive = false

    @Flag(help: "Allow DES, MD5 and DH groups 1, 2, 5.")
    var legacy = false

    @Flag(help: "Put the initiator behind a NAT (NAT-T: port 4500, UDP encapsulation).")
    var nat = false

    @Option(help: "Seed for every random value: the run is reproduced byte for byte.")
    var seed: UInt64?

    @Option(help: "Fraction of datagrams to drop (0-1), to show retransmission.")
    var loss: Double = 0

    @Flag(help: "Print the child SA keys (what the ESP layer receives).")
    var showKeys = false

    func validate() throws {
        guard (0...0.95).contains(loss) else { throw ValidationError("--loss must be between 0 and 0.95") }
    }

    func configs() throws -> (PeerConfig, PeerConfig) {
        let ikeProposals: [IKEProposal], espProposals: [ChildProposal]
        do {
            ikeProposals = try ProposalNotation.ike(ike)
            espProposals = try ProposalNotation.child(esp)
        } catch {
            throw ValidationError(error.reason)
        }
        let psk = SecretBytes(Array("ikev1-demo-psk".utf8))
        let i = SocketAddress(address: Self.initiatorAddress, port: 500), r = SocketAddress(address: Self.responderAddress, port: 500)
        let ids: (Identity, Identity) = aggressive ? (.fqdn("initiator.example"), .fqdn("responder.example")) : (.ipv4(i.address), .ipv4(r.address))
        let netI = TrafficSelector.subnet("198.51.100.0/24")!, netR = TrafficSelector.subnet("203.0.113.0/24")!
        let initiator = PeerConfig(name: "demo", localAddress: i, remoteAddress: r, localIdentity: ids.0, remoteIdentity: ids.1,
                                   preSharedKey: psk, ikeProposals: ikeProposals, childProposals: espProposals,
                                   localTrafficSelector: netI, remoteTrafficSelector: netR, aggressive: aggressive, legacy: legacy)
        let responder = PeerConfig(name: "demo-responder", localAddress: r, remoteAddress: nil, localIdentity: ids.1, remoteIdentity: ids.0,
                                   preSharedKey: psk, ikeProposals: ikeProposals, childProposals: espProposals,
                                   localTrafficSelector: netR, remoteTrafficSelector: netI, legacy: legacy,
                                   allowAggressiveModePSKResponder: aggressive)
        return (initiator, responder)
    }

    func run() throws {
        let (ci, cr) = try configs()
        var network: DemoNetwork
        do { network = try DemoNetwork(initiator: ci, responder: cr, seed: seed, loss: loss, nat: nat) } catch {
            throw ValidationError(error.reason)
        }
        var printer = ExchangePrinter()
        var failures: [String] = []
        network.onSend = { side, d, dropped, now in
            if dropped { print(printer.dropped(side, d, now: now)) }
        }
        network.onDeliver = { side, delivery, receiver in
            print(printer.line(to: side, delivery, receiver: receiver))
        }
        network.onAction = { side, action, now in
            switch action {
            case .failed(let f) where f.error.kind == .unexpectedMessage: print("           \(side): dropped: \(f.error.reason)")
            case .failed(let f): failures.append("\(side): \(f.error)"); print("           \(side): FAILED \(f.error)")
            case .isakmpSAEstablished(let info):
                print("           \(side): ISAKMP SA established (\(info.proposal), NAT \(info.natDetected ? "detected" : "none"))")
            case .installChildSA(let c):
                print("           \(side): install \(c.ipsecProtocol) SA in \(StatusTables.hex32(c.inbound.spi)) out \(StatusTables.hex32(c.outbound.spi)) \(c.proposal)")
            case .deleteChildSA(let i, _, let reason): print("           \(side): delete SA in \(StatusTables.hex32(i)): \(reason)")
            case .isakmpSADeleted(_, let reason): print("           \(side): ISAKMP SA deleted: \(reason)")
            case .notifyReceived(let n): print("           \(side): notify \(n.type)")
            default: break
            }
        }

        print("== \(aggressive ? "Aggressive" : "Main") Mode + Quick Mode: \(ike) / \(esp)\(nat ? ", initiator behind NAT" : "")\(seed.map { ", seed \($0)" } ?? "")\(loss > 0 ? ", loss \(loss)" : "")")
        network.feed(.initiator, .initiate(peer: ci.name))
        network.run(seconds: 120) { !$0.initiator.childSAs.isEmpty && !$0.responder.childSAs.isEmpty }
        let childrenI = network.initiator.childSAs, childrenR = network.responder.childSAs
        guard let sa = network.initiator.isakmpSAs.first, !childrenI.isEmpty, !childrenR.isEmpty else {
            throw DemoFailure(reason: "negotiation failed: " + (failures.isEmpty ? "no answer within 120 s" : failures.joined(separator: "; ")))
        }

        print("\ninitiator# show crypto isakmp sa detail")
        print(StatusTables.isakmp(network.initiator.isakmpSAs, now: network.now))
        print("\nresponder# show crypto isakmp sa detail")
        print(StatusTables.isakmp(network.responder.isakmpSAs, now: network.now))
        let counters = ESPHook.run(initiator: childrenI, responder: childrenR)
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
        network.feed(.initiator, .delete(sa: sa.id))
        network.run(seconds: 10) { $0.responder.isakmpSAs.isEmpty && $0.pending.isEmpty }
        print("initiator: \(network.initiator.isakmpSAs.count) ISAKMP SA, \(network.initiator.childSAs.count) IPsec SA; "
              + "responder: \(network.responder.isakmpSAs.count) ISAKMP SA, \(network.responder.childSAs.count) IPsec SA")
    }
}

/// A negotiation that did not complete: printed as `Error: reason`, exit status 1.
struct DemoFailure: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

/// Where ESP traffic joins the demo once the ESP module lands: it receives the installed
/// child SAs of both sides (SPIs, algorithms, keys, encapsulation) and returns packet
/// counters for `show crypto ipsec sa`. Until then no packets flow.
enum ESPHook {
    static func run(initiator: [ChildSA], responder: [ChildSA]) -> (ChildSA) -> (encaps: Int, decaps: Int) {
        { _ in (0, 0) }
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

    static func arrow(_ to: DemoNetwork.Side) -> String { to == .responder ? "initiator -> responder" : "responder -> initiator" }

    mutating func line(to side: DemoNetwork.Side, _ d: DemoNetwork.Delivery, receiver: IKEv1Endpoint) -> String {
        let time = "[\(d.at)]".padding(9)
        let route = "\(d.from) -> \(d.dest)".padding(34)
        var ike = d.bytes[...]
        if d.dest.port != 500 {
            if ike.count == 1 { return "\(time) \(Self.arrow(side))  \(route) NAT-keepalive" }
            ike = ike.dropFirst(4)
        }
        guard let m = try? ISAKMPMessage.decode(ike) else { return "\(time) \(Self.arrow(side))  \(route) \(d.bytes.count) bytes (not ISAKMP)" }
        let key = "\(m.header.initiatorCookie)/\(m.header.messageID)/\(m.header.exchangeType.rawValue)"
        let repeated = !seen.insert(Array(ike)).inserted
        let payloads = repeated ? "(retransmission, byte-identical)"
            : receiver.inspect(Array(ike)).map { list in list.map { $0.type.name ?? "\($0.type.rawValue)" }.joined(separator: " ") }
        let marker = d.dest.port != 500 ? " (non-ESP marker)" : ""
        let encrypted = m.payloads == nil ? "HDR*, " : "HDR, "
        var label = Self.exchangeName(m.header.exchangeType)
        if m.header.exchangeType != .informational {
            let n = (numbers[key] ?? 0) + (repeated ? 0 : 1)
            numbers[key] = n
            label += " #\(n)"
        }
        return "\(time) \(Self.arrow(side))  \(route) \(label.padding(18)) \(encrypted)\(payloads ?? "(cannot decrypt)")\(marker)"
    }

    func dropped(_ side: DemoNetwork.Side, _ d: OutboundDatagram, now: EngineTime) -> String {
        "\("[\(now)]".padding(9)) \(side.rawValue) sent \(d.bytes.count) bytes to \(d.destination): LOST on the network"
    }
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
