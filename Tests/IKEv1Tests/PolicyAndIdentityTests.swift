import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire
import Testing

/// Proposal choice, identities, lifetimes, draft NAT-T peers, INITIAL-CONTACT.
@Suite struct PolicyAndIdentityTests {
    typealias Complete = PairExchangeTests

    /// The responder picks the first of its own proposals that the initiator offered (charon's
    /// `prefer_configured_proposals`), in Phase 1 and in Quick Mode.
    @Test func responderPolicyOrderWins() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha1-modp2048,aes256-sha256-modp2048", esp: "aes128-sha1,aes256-sha256",
                                         responderIKE: "aes256-sha256-modp2048,aes128-sha1-modp2048",
                                         responderESP: "aes256-sha256,aes128-sha1")
        let pair = try Complete.complete(a, b)
        Complete.expectMatchingChildren(pair)
        #expect(pair.established(.a).first?.proposal.description == "aes256-sha256-modp2048")
        #expect(pair.installed(.a).first?.proposal.description == "aes256-sha256")
    }

    @Test(arguments: [
        Identity.ipv4([192, 0, 2, 1]),
        .ipv6([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]),
        .fqdn("initiator.example"),
        .userFQDN("alice@example.org"),
        .keyID(Array("group-key-7".utf8)),
    ])
    func phase1Identities(identity: Identity) throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256") { a, b in
            a.localIdentity = identity
            b.remoteIdentity = identity
        }
        let pair = try Complete.complete(a, b)
        Complete.expectMatchingChildren(pair)
        #expect(pair.established(.b).first?.remoteIdentity == identity)
    }

    /// IPv6 outer addresses (NAT-D over 16-byte addresses), host-to-host transport mode.
    @Test func ipv6HostToHost() throws {
        let v6a = SocketAddress(address: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1], port: 500)
        let v6b = SocketAddress(address: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [2], port: 500)
        let (a, b) = try TestConfig.pair(ike: "aes256-sha256-ecp256", esp: "aes256gcm16", mode: .transport) { a, b in
            a.localAddress = v6a; a.remoteAddress = v6b; a.localIdentity = .ipv6(v6a.address); a.remoteIdentity = .ipv6(v6b.address)
            b.localAddress = v6b; b.localIdentity = .ipv6(v6b.address); b.remoteIdentity = .ipv6(v6a.address)
        }
        let pair = try Complete.complete(a, b)
        Complete.expectMatchingChildren(pair)
        #expect(pair.installed(.b).first?.remote == v6a && pair.installed(.b).first?.udpEncapsulated == false)
    }

    @Test func kilobyteLifetimes() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256") { a, b in
            a.childLifetime = Lifetime(seconds: 3600, kilobytes: 500_000)
            b.childLifetime = Lifetime(seconds: 3600, kilobytes: 100_000)
            a.ikeProposals[0].lifetime = Lifetime(seconds: 28800, kilobytes: 1_000_000)
        }
        let pair = try Complete.complete(a, b)
        Complete.expectMatchingChildren(pair)
        #expect(pair.installed(.a).first?.lifetime == Lifetime(seconds: 3600, kilobytes: 100_000))
        #expect(pair.installed(.b).first?.lifetime == Lifetime(seconds: 3600, kilobytes: 100_000))
        #expect(pair.established(.b).first?.proposal.lifetime.kilobytes == 1_000_000)
    }

    /// A peer that only announces draft-ietf-ipsec-nat-t-ike-02\n: NAT-D goes as payload 130
    /// and the child is still UDP-encapsulated (the draft's mode 61443 on the wire).
    @Test func draftNATTraversalPeer() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256")
        var pair = try Pair(a: a, b: b, seed: 4)
        pair.natPublic = [198, 51, 100, 7]
        var natDTypes: Set<UInt8> = []
        pair.tamper = { side, bytes in
            guard let m = try? ISAKMPMessage.decode(bytes), let payloads = m.payloads else { return }
            for case .natDiscovery(let d) in payloads { natDTypes.insert(d.type.rawValue) }
            guard side == .a, m.header.responderCookie == .zero else { return }
            let kept = payloads.filter { if case .vendorID(let v) = $0 { v.known != .rfc3947 } else { true } }
            bytes = ISAKMPMessage(header: m.header, payloads: kept).encode()
        }
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 10)
        Complete.expectMatchingChildren(pair)
        #expect(natDTypes == [PayloadType.natDiscoveryDraft.rawValue])
        #expect(pair.installed(.a).first?.udpEncapsulated == true)
    }

    /// A second Main Mode with INITIAL-CONTACT from the same peer replaces the first ISAKMP SA
    /// and its children (RFC 2407 §4.6.3.3).
    @Test func initialContactRemovesStaleSAs() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256")
        var pair = try Complete.complete(a, b)
        #expect(pair.b.isakmpSAs.count == 1)
        // A "reboots": a fresh endpoint with the same configuration initiates again.
        pair.replace(.a, with: try IKEv1Endpoint(configs: [a]))
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 10)
        #expect(pair.b.isakmpSAs.count == 1 && pair.b.childSAs.count == 1)
        #expect(pair.actions(.b).contains { if case .isakmpSADeleted(_, let r) = $0 { r.contains("INITIAL-CONTACT") } else { false } })
    }

    /// With `unique = never`, one endpoint holds several ISAKMP SAs with the same peer, each
    /// found by its cookies.
    @Test func severalISAKMPSAsPerEndpoint() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256") { a, b in
            a.initialContact = false
            a.uniqueness = .never
            b.uniqueness = .never
        }
        var pair = try Pair(a: a, b: b, seed: 6)
        pair.feed(.a, .initiate(peer: a.name))
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 10)
        #expect(pair.a.isakmpSAs.count == 2 && pair.b.isakmpSAs.count == 2)
        #expect(pair.a.childSAs.count == 2 && pair.b.childSAs.count == 2)
        #expect(Set(pair.b.isakmpSAs.map(\.id)) == Set(pair.a.isakmpSAs.map(\.id)))
    }

    /// After Phase 1, an unprotected Informational (anyone could forge it) changes nothing.
    @Test func unprotectedInformationalAfterPhase1IsIgnored() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256")
        var pair = try Complete.complete(a, b)
        let info = try #require(pair.established(.a).first)
        let h = ISAKMPHeader(initiatorCookie: info.id, responderCookie: info.cookieR, exchangeType: .informational, messageID: 99)
        let forged = ISAKMPMessage(header: h, payloads: [
            .delete(DeletePayload(protocolID: .isakmp, spiSize: 16, spis: [info.id.bytes + info.cookieR.bytes])),
        ]).encode()
        let n = pair.log.count
        pair.feed(.b, .datagram(bytes: forged, from: Pair.addressA, to: Pair.addressB))
        #expect(pair.log.count == n)
        #expect(pair.b.isakmpSAs.count == 1 && pair.b.childSAs.count == 1)
    }
}
