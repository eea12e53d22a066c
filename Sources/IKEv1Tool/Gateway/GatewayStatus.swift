import IKEv1
import IPsecCrypto
import IPsecNode
import ISAKMPWire

/// What `ikev1 ctl status` prints for a running node: every connection with its SAs, as Cisco's
/// `show crypto isakmp sa` / `show crypto ipsec sa` tables or as JSON with the same fields.
struct GatewayStatus {
    var configs: [PeerConfig]
    var isakmpSAs: [ISAKMPSAInfo]
    var childSAs: [IKEv1.ChildSA]
    var local: SocketAddress
    var now: EngineTime
    var interface: String
    /// (encaps, decaps) of a child SA so far.
    var counters: (IKEv1.ChildSA) -> (encaps: Int, decaps: Int)
    /// The ISAKMP SAs and IPsec SAs of each connection, grouped once; IPsec SAs whose ISAKMP SA
    /// is gone (they live to their own lifetime) under nil.
    private var sasByConnection: [String: [ISAKMPSAInfo]] = [:]
    private var childrenByConnection: [String?: [IKEv1.ChildSA]] = [:]

    /// Reads the node; call it on the node's control thread.
    init(_ runtime: IPsecNodeRuntime, interface: String) {
        configs = runtime.configs
        isakmpSAs = runtime.isakmpSAs
        childSAs = runtime.childSAs
        local = runtime.ikeAddress
        now = runtime.now
        self.interface = interface
        let counts = Dictionary(childSAs.map { c in (c.inbound.spi, runtime.packetCounts(inboundSPI: c.inbound.spi).map { (encaps: $0.encapsulated, decaps: $0.decapsulated) } ?? (encaps: 0, decaps: 0)) },
                                uniquingKeysWith: { a, _ in a })
        counters = { counts[$0.inbound.spi] ?? (0, 0) }
        sasByConnection = Dictionary(grouping: isakmpSAs, by: \.peerName)
        let connectionOf = Dictionary(isakmpSAs.map { ($0.id, $0.peerName) }, uniquingKeysWith: { a, _ in a })
        childrenByConnection = Dictionary(grouping: childSAs) { connectionOf[$0.isakmpSA] }
    }

    /// The ISAKMP SAs of connection `name`.
    func isakmpSAs(of name: String) -> [ISAKMPSAInfo] { sasByConnection[name] ?? [] }

    /// The IPsec SAs of connection `name`, by their ISAKMP SA.
    func children(of name: String) -> [IKEv1.ChildSA] { childrenByConnection[name] ?? [] }

    /// IPsec SAs whose ISAKMP SA is gone (they live to their own lifetime).
    var orphans: [IKEv1.ChildSA] { childrenByConnection[nil] ?? [] }

    /// The tables.
    var text: String {
        var out = ["Connections:"]
        for c in configs {
            let sas = isakmpSAs(of: c.name)
            let peer = c.remoteAddress.map { IPAddressText.format($0.address) } ?? "%any"
            out.append("  \(c.name) (peer \(peer)): " + (sas.isEmpty ? "down"
                : "\(sas.count) ISAKMP SA\(sas.count == 1 ? "" : "s"), \(children(of: c.name).count) IPsec SA pair(s)"))
        }
        out += ["", StatusTables.isakmp(isakmpSAs, now: now)]
        for c in configs where !children(of: c.name).isEmpty {
            out += ["", StatusTables.ipsec(children(of: c.name), local: local, now: now, interface: interface, mapTag: c.name, counters: counters)]
        }
        if !orphans.isEmpty {
            out += ["", StatusTables.ipsec(orphans, local: local, now: now, interface: interface, mapTag: "(no ISAKMP SA)", counters: counters)]
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The same fields as JSON (`--json`), one object.
    var json: JSON {
        func remaining(_ until: EngineTime?) -> JSON { until.map { .int(max(0, Int($0.seconds(since: now)))) } ?? .null }
        func isakmp(_ sa: ISAKMPSAInfo) -> JSON {
            .object([
                ("cookie_i", .string("\(sa.id)")), ("cookie_r", .string("\(sa.cookieR)")),
                ("local", .string("\(sa.local)")), ("remote", .string("\(sa.remote)")), ("status", .string("ACTIVE")),
                ("exchange", .string(sa.exchange == .aggressive ? "aggressive" : "main")),
                ("role", .string(sa.isInitiator ? "initiator" : "responder")),
                ("encryption", .string(StatusTables.encr(sa.proposal.encryption))), ("hash", .string(StatusTables.hash(sa.proposal.hash))),
                ("auth", .string(StatusTables.auth(sa.proposal.authMethod))), ("dh_group", .int(Int(sa.proposal.group.id))),
                ("lifetime_remaining", remaining(sa.expires)), ("peer_id", .string(sa.remoteIdentity.readableDescription)),
                ("nat_t", .bool(sa.natDetected)), ("dpd", .bool(sa.peerSupportsDPD)),
            ])
        }
        func ipsec(_ c: IKEv1.ChildSA) -> JSON {
            let (enc, dec) = counters(c)
            return .object([
                ("inbound_spi", .string(StatusTables.hex32(c.inbound.spi))), ("outbound_spi", .string(StatusTables.hex32(c.outbound.spi))),
                ("protocol", .string(c.ipsecProtocol == .esp ? "esp" : "ah")),
                ("transform", .string(String(StatusTables.transform(c).dropLast(2)))),
                ("mode", .string(c.mode == .tunnel ? "tunnel" : "transport")), ("udp_encapsulated", .bool(c.udpEncapsulated)),
                ("local_ident", .string(StatusTables.ident(c.localTrafficSelector, host: c.local))),
                ("remote_ident", .string(StatusTables.ident(c.remoteTrafficSelector, host: c.remote))),
                ("current_peer", .string("\(c.remote)")), ("pfs_group", c.proposal.pfsGroup.map { .int(Int($0.id)) } ?? .null),
                ("pkts_encaps", .int(enc)), ("pkts_decaps", .int(dec)),
                ("lifetime_remaining", c.lifetime.seconds.map { .int(max(0, Int(Double($0) - now.seconds(since: c.installed)))) } ?? .null),
            ])
        }
        return .object([
            ("version", .int(1)), ("local", .string("\(local)")),
            ("connections", .array(configs.map { c in
                .object([("name", .string(c.name)), ("peer", .string(c.remoteAddress.map { IPAddressText.format($0.address) } ?? "%any")),
                         ("isakmp_sas", .array(isakmpSAs(of: c.name).map(isakmp))),
                         ("ipsec_sas", .array(children(of: c.name).map(ipsec)))])
            })),
            ("orphaned_ipsec_sas", .array(orphans.map(ipsec))),
        ])
    }
}
