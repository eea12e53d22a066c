@testable import IKEv1
import IPsecCrypto
import ISAKMPWire
import Testing

/// A hub looks at one peer's ISAKMP SAs (uniqueness, INITIAL-CONTACT, a peer's Deletes) through
/// its index of established SAs by peer identity (Endpoint/EstablishedPeers.swift). The index
/// must hold exactly the hub's established SAs as peers come, come back and go.
@Suite struct EstablishedPeersTests {
    static let hubAddress = SocketAddress(address: [192, 0, 2, 1], port: 500)
    static let spokes = 6
    static func spokeAddress(_ i: Int) -> SocketAddress { SocketAddress(address: [10, 0, 0, UInt8(i + 1)], port: 500) }
    static func spokeIdentity(_ i: Int) -> Identity { .fqdn("spoke-\(i).example") }

    static func config(spoke i: Int, atHub: Bool) throws -> PeerConfig {
        let hubNet = try TrafficSelector(notation: "198.51.100.0/24"), spokeNet = try TrafficSelector(notation: "10.128.0.\(i)/32")
        return PeerConfig(name: atHub ? "spoke-\(i)" : "hub", localAddress: atHub ? hubAddress : spokeAddress(i),
                          remoteAddress: atHub ? spokeAddress(i) : hubAddress,
                          localIdentity: atHub ? .fqdn("hub.example") : spokeIdentity(i),
                          remoteIdentity: atHub ? spokeIdentity(i) : .fqdn("hub.example"),
                          authentication: .preSharedKey(SecretBytes(Array("secret \(i)".utf8))),
                          ikeProposals: try IKEProposal.proposals(notation: "aes128-sha256-ecp256"),
                          childProposals: try ChildProposal.proposals(notation: "aes128-sha256"),
                          localTrafficSelector: atHub ? hubNet : spokeNet, remoteTrafficSelector: atHub ? spokeNet : hubNet)
    }

    /// A hub and its spokes exchanging datagrams in memory until none is left (timers are not run).
    struct Hub {
        var hub: IKEv1Endpoint
        var spokes: [IKEv1Endpoint]
        var env = Environment(now: EngineTime(milliseconds: 0), entropy: SeededEntropy(seed: 7))

        init() throws {
            hub = try IKEv1Endpoint(configs: (0..<EstablishedPeersTests.spokes).map { try config(spoke: $0, atHub: true) })
            spokes = try (0..<EstablishedPeersTests.spokes).map { try IKEv1Endpoint(configs: [config(spoke: $0, atHub: false)]) }
        }

        mutating func spoke(_ i: Int, _ event: Event) {
            var queue = spokes[i].handle(event, &env)
            while !queue.isEmpty {
                var next: [Action] = []
                for case .send(let d) in queue {
                    let event = Event.datagram(bytes: d.bytes, from: d.source, to: d.destination)
                    if d.destination == hubAddress {
                        next += hub.handle(event, &env)
                    } else if let j = (0..<spokes.count).first(where: { spokeAddress($0) == d.destination }) {
                        next += spokes[j].handle(event, &env)
                    }
                }
                queue = next
            }
        }

        /// The hub's SAs of spoke `i`, by the index and by walking every SA.
        func sas(of i: Int) -> (indexed: [ISAKMPSAID], held: [ISAKMPSAID]) {
            (hub.establishedPeers.ids(of: spokeIdentity(i)),
             hub.isakmpSAs.filter { $0.remoteIdentity == spokeIdentity(i) }.map(\.id))
        }

        /// The index holds exactly the hub's established SAs, under the right peer.
        func expectIndexMatches(sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(hub.establishedPeers.count == hub.isakmpSAs.count, sourceLocation: sourceLocation)
            for i in 0..<spokes.count {
                let (indexed, held) = sas(of: i)
                #expect(Set(indexed) == Set(held) && indexed.count == held.count, "spoke \(i)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func theIndexFollowsPeersThatComeComeBackAndGo() throws {
        var h = try Hub()
        for i in 0..<Self.spokes { h.spoke(i, .initiate(peer: "hub")) }
        #expect(h.hub.isakmpSAs.count == Self.spokes && h.hub.childSAs.count == Self.spokes)
        h.expectIndexMatches()
        let before = (0..<Self.spokes).map { h.sas(of: $0).indexed }
        #expect(before.allSatisfy { $0.count == 1 })

        // Spoke 2 reboots and connects again with INITIAL-CONTACT: its old SA goes, the others stay.
        h.spokes[2] = try IKEv1Endpoint(configs: [Self.config(spoke: 2, atHub: false)])
        h.spoke(2, .initiate(peer: "hub"))
        #expect(h.hub.isakmpSAs.count == Self.spokes)
        let after = h.sas(of: 2).indexed
        #expect(after.count == 1 && after != before[2])
        for i in 0..<Self.spokes where i != 2 { #expect(h.sas(of: i).indexed == before[i]) }
        h.expectIndexMatches()

        // Spoke 4 ends its connection: the Delete reaches the hub, which lets go of the SA and its entry.
        h.spoke(4, .terminate(connection: "hub"))
        #expect(h.hub.isakmpSAs.count == Self.spokes - 1)
        #expect(h.sas(of: 4).indexed.isEmpty)
        h.expectIndexMatches()
    }
}
