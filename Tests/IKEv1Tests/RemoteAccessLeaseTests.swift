@testable import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire
import Testing

/// The gateway's address pool over ISAKMP SAs: a lease per SA, refused clearly when exhausted,
/// returned on Delete, expiry and DPD death, and handed out again.
@Suite struct RemoteAccessLeaseTests {
    typealias RA = RemoteAccessConfig

    /// Starts one more client SA from side A and runs until it is settled; returns its id.
    static func connect(_ pair: inout Pair) -> ISAKMPSAID? {
        let before = Set(pair.a.isakmpSAs.map(\.id))
        let installed = pair.installed(.a).count, failed = pair.failures(.a).count
        pair.feed(.a, .initiate(peer: "to-gw"))
        pair.run(seconds: 30) { $0.installed(.a).count > installed || $0.failures(.a).count > failed }
        pair.run(seconds: 1)
        return pair.a.isakmpSAs.map(\.id).first { !before.contains($0) }
    }

    /// Clients in turn from one pool: distinct addresses while connected, the one after the last
    /// address is refused with addressUnavailable on both sides (and holds nothing), and an
    /// address freed by a Delete goes to the next client.
    @Test func exhaustionIsRefusedAndDeleteFreesTheAddress() throws {
        let (client, gateway) = try RA.pair(pool: "10.99.0.10-10.99.0.12")
        var pair = try Pair(a: client, b: gateway, seed: 9)
        var ids: [ISAKMPSAID] = []
        for _ in 0..<3 { ids.append(try #require(Self.connect(&pair))) }
        let addresses = pair.a.isakmpSAs.compactMap(\.remoteAccess?.virtualIP)
        #expect(Set(addresses).count == 3 && RA.leased(pair.b) == 3, "\(addresses)")
        #expect(Self.connect(&pair) == nil)
        #expect(pair.failures(.a).contains { $0.error.kind == .addressUnavailable }, "\(pair.failures(.a))")
        #expect(pair.failures(.b).contains { $0.error.kind == .addressUnavailable && $0.error.reason.contains("exhausted") },
                "\(pair.failures(.b))")
        #expect(pair.b.sessionCount == 3 && RA.leased(pair.b) == 3)
        let freed = try #require(pair.a.isakmpSAs.first { $0.id == ids[1] }?.remoteAccess?.virtualIP)
        pair.feed(.a, .delete(sa: ids[1]))
        pair.run(seconds: 2)
        #expect(RA.leased(pair.b) == 2)
        _ = try #require(Self.connect(&pair))
        #expect(pair.a.isakmpSAs.last?.remoteAccess?.virtualIP == freed)
        #expect(RA.leased(pair.b) == 3)
    }

    /// A client that vanishes without a Delete: DPD declares it dead and its address returns.
    @Test func deadPeerReturnsItsLease() throws {
        let (client, gateway) = try RA.pair { _, g in
            g.dpdDelay = 10
            g.dpdMaxMisses = 3
        }
        var pair = try RA.run(client, gateway)
        #expect(RA.leased(pair.b) == 1)
        pair.linkDown = true
        pair.run(seconds: 120)
        #expect(pair.failures(.b).contains { $0.error.kind == .deadPeer })
        #expect(pair.b.sessionCount == 0 && RA.leased(pair.b) == 0)
    }

    /// The ISAKMP SA's lifetime ends: its lease ends with it.
    @Test func expiryReturnsTheLease() throws {
        let (client, gateway) = try RA.pair { _, g in
            for i in g.ikeProposals.indices { g.ikeProposals[i].lifetime = Lifetime(seconds: 100) }
        }
        var pair = try RA.run(client, gateway)
        #expect(RA.leased(pair.b) == 1)
        pair.run(seconds: 120)
        #expect(pair.b.sessionCount == 0 && RA.leased(pair.b) == 0)
    }

    /// A pool the gateway cannot read is a configuration error when the endpoint is made.
    @Test func badPoolIsAConfigurationError() throws {
        let (_, gateway) = try RA.pair(pool: "10.99.0.0/33")
        #expect(throws: IKEv1Error(.configuration, "")) { try IKEv1Endpoint(configs: [gateway]) }
    }
}
