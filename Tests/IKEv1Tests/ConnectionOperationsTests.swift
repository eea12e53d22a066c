import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire
import Testing

/// What an operator does with whole connections (issue 19): terminate, rekey, and replace the
/// connections of a running endpoint (a reload) while the SAs of unchanged ones stay up.
@Suite struct ConnectionOperationsTests {
    static func pair() throws -> Pair {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256")
        return try PairExchangeTests.complete(a, b)
    }

    /// Another spoke of B's: its own peer address, identity and PSK.
    static func otherSpoke(of b: PeerConfig, name: String, last: UInt8) -> PeerConfig {
        var c = b
        c.name = name
        c.remoteAddress = SocketAddress(address: [192, 0, 2, last], port: 500)
        c.remoteIdentity = .ipv4([192, 0, 2, last])
        c.authentication = .preSharedKey(SecretBytes("spoke-\(last)-psk".utf8))
        return c
    }

    static func deletes(_ pair: Pair, _ side: Pair.Side) -> [String] {
        pair.actions(side).compactMap { if case .deleteChildSA(_, _, let reason) = $0 { reason } else { nil } }
    }

    /// Terminate removes the connection's SAs on both sides (the peer got the Deletes) and
    /// nothing brings it back on its own; initiate does.
    @Test func terminateEndsTheConnectionAndInitiateBringsItBack() throws {
        var pair = try Self.pair()
        RestartPolicyTests.expectOnePair(pair)
        pair.feed(.a, .terminate(connection: pair.a.configs[0].name))
        pair.run(seconds: 30)
        #expect(pair.a.isakmpSAs.isEmpty && pair.b.isakmpSAs.isEmpty && pair.a.childSAs.isEmpty && pair.b.childSAs.isEmpty)
        #expect(Self.deletes(pair, .a) == ["connection terminated"])
        #expect(Self.deletes(pair, .b) == ["deleted by peer"])
        #expect(pair.a.sessionCount == 0 && pair.b.sessionCount == 0)
        pair.feed(.a, .initiate(peer: pair.a.configs[0].name))
        pair.run(seconds: 10)
        RestartPolicyTests.expectOnePair(pair)
    }

    @Test func terminateOfAnUnknownConnectionFailsAndChangesNothing() throws {
        var pair = try Self.pair()
        pair.feed(.a, .terminate(connection: "nowhere"))
        #expect(pair.failures(.a).last?.error.reason == "no connection named nowhere")
        pair.run(seconds: 5)
        RestartPolicyTests.expectOnePair(pair)
    }

    /// Rekey: a new IPsec SA pair through the same ISAKMP SA, the old one deleted.
    @Test func rekeyReplacesTheIPsecSAsOnTheSameISAKMPSA() throws {
        var pair = try Self.pair()
        let before = try #require(pair.a.childSAs.first)
        let cookie = pair.a.isakmpSAs.map(\.id)
        pair.feed(.a, .rekey(connection: pair.a.configs[0].name))
        pair.run(seconds: 10)
        RestartPolicyTests.expectOnePair(pair)
        #expect(pair.a.isakmpSAs.map(\.id) == cookie)
        #expect(pair.a.childSAs.first?.inbound.spi != before.inbound.spi)
    }

    /// A reload adding one connection and removing another: the untouched connection keeps its
    /// cookies and SPIs; the removed one's peer is told.
    @Test func reloadKeepsUnchangedConnectionsAndTerminatesRemovedOnes() throws {
        var pair = try Self.pair()
        let b = pair.b.configs[0]
        let cookies = pair.b.isakmpSAs.map(\.id), spis = pair.b.childSAs.map(\.inbound.spi)
        try pair.reconfigure(.b, [b, Self.otherSpoke(of: b, name: "spoke-9", last: 9)])
        pair.run(seconds: 10)
        #expect(pair.b.configs.map(\.name) == [b.name, "spoke-9"])
        #expect(pair.b.isakmpSAs.map(\.id) == cookies && pair.b.childSAs.map(\.inbound.spi) == spis)
        #expect(pair.a.isakmpSAs.map(\.id) == cookies)
        // Now without A's connection: A's SAs are deleted on both sides.
        try pair.reconfigure(.b, [Self.otherSpoke(of: b, name: "spoke-9", last: 9)])
        pair.run(seconds: 10)
        #expect(pair.b.configs.map(\.name) == ["spoke-9"])
        #expect(pair.a.isakmpSAs.isEmpty && pair.b.isakmpSAs.isEmpty && pair.a.childSAs.isEmpty)
        #expect(Self.deletes(pair, .a) == ["deleted by peer"])
    }

    /// A set of connections with an error (a duplicate name, a legacy proposal without `legacy`)
    /// is refused as a whole: the connections and SAs stay as they were.
    @Test func aReloadWithAnErrorChangesNothing() throws {
        var pair = try Self.pair()
        let b = pair.b.configs[0]
        var legacy = Self.otherSpoke(of: b, name: "old", last: 7)
        legacy.ikeProposals = try IKEProposal.proposals(notation: "3des-md5-modp1024")
        for (bad, reason) in [([b, b], "connection \(b.name) is defined twice"), ([b, legacy], "allow it with `legacy`")] {
            let error = #expect(throws: IKEv1Error.self) { try pair.reconfigure(.b, bad) }
            #expect(error?.reason.contains(reason) == true, "\(error?.reason ?? "")")
            #expect(pair.b.configs.map(\.name) == [b.name])
        }
        pair.run(seconds: 5)
        RestartPolicyTests.expectOnePair(pair)
    }

    /// The responder picks the connection by the sender's address before any other: with 1,000
    /// spokes configured, the one for A's address answers A (and only its PSK works).
    @Test func aResponderWithAThousandConnectionsFindsTheOneForThePeer() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256")
        var configs: [PeerConfig] = []
        for i in 0..<1000 {
            var spoke = Self.otherSpoke(of: b, name: "spoke-\(i)", last: UInt8(3 + i % 250))
            spoke.remoteAddress = SocketAddress(address: [198, 18, UInt8(i / 250), UInt8(3 + i % 250)], port: 500)
            configs.append(spoke)
        }
        configs.insert(b, at: 700)
        var pair = try Pair(a: a, b: b, seed: 3)
        pair.replace(.b, with: try IKEv1Endpoint(configs: configs))
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 10)
        RestartPolicyTests.expectOnePair(pair)
        #expect(pair.b.isakmpSAs.first?.peerName == b.name)
    }

    /// A peer no connection accepts is told NO-PROPOSAL-CHOSEN (as charon tells it) and its attempt
    /// ends; the responder holds nothing for it and its other connection is unaffected.
    @Test func aPeerNoConnectionAcceptsIsToldAndNothingIsHeld() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256")
        var pair = try Pair(a: a, b: b, seed: 4)
        pair.replace(.b, with: try IKEv1Endpoint(configs: [Self.otherSpoke(of: b, name: "spoke-9", last: 9)]))
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 10)
        #expect(pair.failures(.a).map(\.error.reason) == ["peer refused Phase 1: NO-PROPOSAL-CHOSEN (14)"])
        #expect(pair.failures(.b).first?.error.reason == "no connection accepts Identity Protection (Main Mode) (2) from 192.0.2.1:500")
        #expect(pair.b.counters.dropped[.noConnection] == 1 && pair.b.sessionCount == 0 && pair.a.sessionCount == 0)
    }
}
