import IKEv1
import IPsecTestSupport
import ISAKMPWire
import Testing

/// Quick Mode with protocol and port in the client IDs (RFC 2409 §5.5, RFC 2407 §4.6.2) between
/// two endpoints of this library: A initiates, B responds. What charon does decides the rules
/// (strongSwan quick_mode.c): a responder narrows the initiator's proposal to its own selectors;
/// where that gives the proposal itself we accept it, otherwise we refuse.
@Suite struct TrafficSelectorNegotiationTests {
    typealias Complete = PairExchangeTests

    /// A's and B's (local, remote) selectors in swanctl notation; `dynamic` is that side's IKE address.
    static func configs(mode: IPsecMode = .tunnel, _ aLocal: String, _ aRemote: String,
                        _ bLocal: String, _ bRemote: String) throws -> (PeerConfig, PeerConfig) {
        var (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256", mode: mode)
        a.localTrafficSelector = try TrafficSelector(notation: aLocal, dynamic: Pair.addressA.address)
        a.remoteTrafficSelector = try TrafficSelector(notation: aRemote, dynamic: Pair.addressB.address)
        b.localTrafficSelector = try TrafficSelector(notation: bLocal, dynamic: Pair.addressB.address)
        b.remoteTrafficSelector = try TrafficSelector(notation: bRemote, dynamic: Pair.addressA.address)
        return (a, b)
    }

    /// Runs the exchange; also returns the client IDs of QM1 as B decrypts them.
    static func run(_ a: PeerConfig, _ b: PeerConfig) throws -> (Pair, [IdentificationPayload]) {
        var pair = try Pair(a: a, b: b, seed: 5)
        var ids: [IdentificationPayload] = []
        pair.onDeliver = { delivery, receiver in
            guard ids.isEmpty, delivery.to == .b, let m = try? ISAKMPMessage.decode(delivery.bytes),
                  m.header.exchangeType == .quickMode, let payloads = receiver.inspect(delivery.bytes) else { return }
            ids = payloads.compactMap { if case .identification(let id) = $0 { id } else { nil } }
        }
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 60) { !$0.installed(.a).isEmpty && !$0.installed(.b).isEmpty }
        return (pair, ids)
    }

    /// GRE only ([gre] on both sides, GRE over IPsec): IDci/IDcr carry protocol 47, and the
    /// child SA of the initiator and of the responder has the selectors with it.
    @Test func greOnlyTunnelInBothRoles() throws {
        let (a, b) = try Self.configs("198.51.100.0/24[gre]", "203.0.113.0/24[gre]", "203.0.113.0/24[gre]", "198.51.100.0/24[gre]")
        let (pair, ids) = try Self.run(a, b)
        Complete.expectMatchingChildren(pair)
        #expect(ids.map(\.protocolID) == [47, 47] && ids.map(\.port) == [0, 0])
        let initiator = try #require(pair.installed(.a).first), responder = try #require(pair.installed(.b).first)
        #expect(initiator.localTrafficSelector == a.localTrafficSelector && initiator.remoteTrafficSelector == a.remoteTrafficSelector)
        #expect(responder.localTrafficSelector == b.localTrafficSelector && responder.remoteTrafficSelector == b.remoteTrafficSelector)
        #expect([initiator.localTrafficSelector, initiator.remoteTrafficSelector, responder.localTrafficSelector,
                 responder.remoteTrafficSelector].map { $0?.ipProtocol } == [47, 47, 47, 47])
        #expect(responder.localTrafficSelector?.description == "203.0.113.0/24[gre]")
    }

    /// L2TP over IPsec: transport mode between the two hosts for UDP port 1701 only
    /// (`dynamic[udp/l2tp]`), sent as ID_IPV4_ADDR with protocol 17 and port 1701, as charon sends a host.
    @Test func l2tpTransportModeSelectors() throws {
        let (a, b) = try Self.configs(mode: .transport, "dynamic[udp/l2tp]", "dynamic[udp/1701]", "dynamic[udp/1701]", "dynamic[udp/l2tp]")
        let (pair, ids) = try Self.run(a, b)
        Complete.expectMatchingChildren(pair)
        let hostA = TrafficSelector(.ipv4(Pair.addressA.address), ipProtocol: 17, port: 1701)
        let hostB = TrafficSelector(.ipv4(Pair.addressB.address), ipProtocol: 17, port: 1701)
        #expect(ids == [IdentificationPayload(hostA.identity, protocolID: 17, port: 1701),
                        IdentificationPayload(hostB.identity, protocolID: 17, port: 1701)])
        let initiator = try #require(pair.installed(.a).first), responder = try #require(pair.installed(.b).first)
        #expect(initiator.mode == .transport && responder.mode == .transport)
        #expect(initiator.localTrafficSelector == hostA && initiator.remoteTrafficSelector == hostB)
        #expect(responder.localTrafficSelector == hostB && responder.remoteTrafficSelector == hostA)
    }

    /// IPv6 selectors (IKE over IPv4) travel as ID_IPV6_ADDR_SUBNET (RFC 2407 §4.6.2.6).
    @Test func ipv6SubnetSelectors() throws {
        let (a, b) = try Self.configs("2001:db8:1::/64", "2001:db8:2::/64[tcp/443]", "2001:db8:2::/64[tcp/https]", "2001:db8:1::/64")
        let (pair, ids) = try Self.run(a, b)
        Complete.expectMatchingChildren(pair)
        #expect(ids.map(\.idType) == [.ipv6Subnet, .ipv6Subnet] && ids.map(\.port) == [0, 443])
        let responder = try #require(pair.installed(.b).first)
        #expect(responder.localTrafficSelector?.description == "2001:db8:2::/64[tcp/443]")
        guard case .ipv6Subnet? = responder.remoteTrafficSelector?.identity else {
            Issue.record("not an IPv6 subnet: \(String(describing: responder.remoteTrafficSelector))")
            return
        }
    }

    /// A proposal within the responder's selectors is taken as proposed (charon narrows to the
    /// same): both children carry the initiator's narrower selectors. An address is within the
    /// same address's /32, whichever ID type names it.
    @Test(arguments: [
        ("198.51.100.0/24[gre]", "203.0.113.0/24[gre]", "203.0.113.0/24", "198.51.100.0/24"),
        ("198.51.100.0/25", "203.0.113.7", "203.0.113.0/24", "198.51.100.0/24"),
        ("198.51.100.7", "203.0.113.0/24[udp/53]", "203.0.113.0/24[udp]", "198.51.100.7/32"),
        ("198.51.100.10-198.51.100.20", "203.0.113.0/24", "203.0.113.0/24", "198.51.100.0/24"),
    ])
    func narrowerProposalIsTakenAsProposed(aLocal: String, aRemote: String, bLocal: String, bRemote: String) throws {
        let (a, b) = try Self.configs(aLocal, aRemote, bLocal, bRemote)
        let (pair, _) = try Self.run(a, b)
        Complete.expectMatchingChildren(pair)
        let initiator = try #require(pair.installed(.a).first), responder = try #require(pair.installed(.b).first)
        #expect(initiator.localTrafficSelector == a.localTrafficSelector && initiator.remoteTrafficSelector == a.remoteTrafficSelector)
        #expect(responder.localTrafficSelector == a.remoteTrafficSelector && responder.remoteTrafficSelector == a.localTrafficSelector)
    }

    /// A proposal our selectors do not cover is refused with INVALID-ID-INFORMATION, and neither side
    /// keeps a child SA; the ISAKMP SA stays. Where the proposal is wider than ours (the first three:
    /// any protocol, any port, a larger subnet) charon would narrow it to the intersection and answer
    /// with that; we refuse it, as a responder that only accepts what lies within its policy.
    @Test(arguments: [
        ("198.51.100.0/24", "203.0.113.0/24", "203.0.113.0/24[gre]", "198.51.100.0/24[gre]"),
        ("198.51.100.0/24[udp]", "203.0.113.0/24[udp]", "203.0.113.0/24[udp/1701]", "198.51.100.0/24[udp/1701]"),
        ("198.51.100.0/23", "203.0.113.0/24", "203.0.113.0/24", "198.51.100.0/24"),
        ("198.51.100.0/24[udp/1702]", "203.0.113.0/24[udp/1702]", "203.0.113.0/24[udp/1701]", "198.51.100.0/24[udp/1701]"),
        ("198.51.100.0/24[tcp]", "203.0.113.0/24[tcp]", "203.0.113.0/24[udp]", "198.51.100.0/24[udp]"),
        ("198.51.100.0/24", "2001:db8:2::/64", "203.0.113.0/24", "198.51.100.0/24"),
    ])
    func uncoveredProposalIsRefused(aLocal: String, aRemote: String, bLocal: String, bRemote: String) throws {
        let (a, b) = try Self.configs(aLocal, aRemote, bLocal, bRemote)
        let (pair, _) = try Self.run(a, b)
        let refusal = try #require(pair.failures(.b).first)
        #expect(refusal.error.kind == .invalidID && refusal.error.reason.contains("are not within ours"), "\(refusal.error)")
        #expect(pair.notifies(.a).map(\.type) == [.invalidIDInformation])
        #expect(pair.installed(.a).isEmpty && pair.installed(.b).isEmpty)
        #expect(pair.a.childSAs.isEmpty && pair.b.childSAs.isEmpty)
        #expect(pair.a.isakmpSAs.count == 1 && pair.b.isakmpSAs.count == 1)
    }
}
