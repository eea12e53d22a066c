import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire
import Testing

/// Restart policies in strongSwan's words (README "Keeping tunnels up"): dpd_action, close_action,
/// keyingtries with exponential backoff, and the acquire behind start_action = trap.
@Suite struct RestartPolicyTests {
    static func pair(_ customize: (inout PeerConfig, inout PeerConfig) -> Void) throws -> Pair {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256") { a, b in
            a.dpdDelay = 5
            b.dpdDelay = 5
            a.dpdMaxMisses = 3
            b.dpdMaxMisses = 3
            a.retry = RetryPolicy(keyingTries: 0, initialDelay: 2, maximumDelay: 8)
            b.retry = RetryPolicy(keyingTries: 0, initialDelay: 2, maximumDelay: 8)
            a.retransmit = RetransmitPolicy(timeout: 1, base: 1.5, tries: 3)
            b.retransmit = RetransmitPolicy(timeout: 1, base: 1.5, tries: 3)
            customize(&a, &b)
        }
        return try PairExchangeTests.complete(a, b)
    }

    /// Both sides hold exactly one ISAKMP SA and one IPsec SA pair, the same ones.
    static func expectOnePair(_ pair: Pair, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(pair.a.isakmpSAs.count == 1 && pair.a.isakmpSAs.map(\.id) == pair.b.isakmpSAs.map(\.id),
                "A \(pair.a.isakmpSAs.map(\.id)) B \(pair.b.isakmpSAs.map(\.id))", sourceLocation: sourceLocation)
        #expect(pair.a.childSAs.count == 1 && pair.b.childSAs.count == 1, sourceLocation: sourceLocation)
        #expect(pair.a.childSAs.first?.inbound == pair.b.childSAs.first?.outbound, sourceLocation: sourceLocation)
    }

    /// dpd_action = restart, in either role: the link breaks, DPD finds the peer dead, the side
    /// with restart initiates again and retries with backoff until the link is back.
    @Test(arguments: [Pair.Side.a, .b])
    func dpdRestartBringsTheTunnelBack(restarter: Pair.Side) throws {
        var pair = try Self.pair { a, b in
            if restarter == .a { a.dpdAction = .restart } else { b.dpdAction = .restart; b.remoteAddress = Pair.addressA }
        }
        pair.linkDown = true
        pair.run(seconds: 60)
        #expect(pair.a.isakmpSAs.isEmpty && pair.b.isakmpSAs.isEmpty && pair.a.childSAs.isEmpty && pair.b.childSAs.isEmpty)
        pair.linkDown = false
        pair.run(seconds: 20)
        Self.expectOnePair(pair)
        let side = restarter == .a ? pair.established(.a) : pair.established(.b)
        #expect(side.last?.isInitiator == true)
    }

    /// The peer restarts (a fresh endpoint, nothing of the old SAs): DPD finds out and the tunnel
    /// is back within the DPD timeout (5 s + 3 probes of 5 s) + 10 s, nothing of the old left.
    @Test func peerRestartIsNoticedAndRepaired() throws {
        var pair = try Self.pair { a, _ in a.dpdAction = .restart }
        let b = pair.b.configs[0]
        let rebooted = pair.now
        pair.replace(.b, with: try IKEv1Endpoint(configs: [b]))
        pair.run(seconds: 40)
        Self.expectOnePair(pair)
        let back = try #require(pair.installed(.b).last?.installed)
        #expect(back.seconds(since: rebooted) <= 5 + 3 * 5 + 10)
        #expect(pair.installed(.a).count == 2)
    }

    /// close_action = restart: the peer deletes everything; we connect again.
    @Test func closeRestartReconnects() throws {
        var pair = try Self.pair { a, _ in a.closeAction = .restart }
        let sa = try #require(pair.b.isakmpSAs.first?.id)
        pair.feed(.b, .delete(sa: sa))
        pair.run(seconds: 5)
        Self.expectOnePair(pair)
        #expect(pair.a.isakmpSAs.first?.id != sa)
    }

    /// The peer unreachable: Phase 1 is tried again after 2, 4, 8, 8 s (keyingtries 5: then it
    /// stops), each attempt after the previous one gave up.
    @Test func retriesBackOffExponentiallyAndStop() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256") { a, _ in
            a.retry = RetryPolicy(keyingTries: 5, initialDelay: 2, maximumDelay: 8)
            a.retransmit = RetransmitPolicy(timeout: 1, base: 1, tries: 2)
        }
        var pair = try Pair(a: a, b: b, seed: 5)
        var firstMessages: [EngineTime] = []
        pair.onSend = { side, d, _, at in
            if side == .a, let m = try? ISAKMPMessage.decode(d.bytes), m.header.exchangeType == .mainMode,
               m.header.responderCookie == .zero, !firstMessages.contains(at) { firstMessages.append(at) }
        }
        pair.linkDown = true
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 120)
        // Each attempt: MM1 and one retransmission 1 s later, given up 1 s after that.
        let starts = stride(from: 0, to: firstMessages.count, by: 2).map { firstMessages[$0] }
        let gaps = zip(starts, starts.dropFirst()).map { $1.seconds(since: $0) }
        #expect(gaps == [4, 6, 10, 10], "\(gaps)")
        #expect(pair.a.sessionCount == 0)
    }

    /// Traffic with no IPsec SA (start_action = trap) starts the connection once, however many
    /// packets ask.
    @Test func acquireStartsTheConnectionOnce() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256")
        var pair = try Pair(a: a, b: b, seed: 7)
        pair.feed(.a, .acquire(peer: a.name))
        pair.feed(.a, .acquire(peer: a.name))
        #expect(pair.a.sessionCount == 1)
        pair.run(seconds: 5)
        pair.feed(.a, .acquire(peer: a.name))
        PairExchangeTests.expectMatchingChildren(pair)
        #expect(pair.a.sessionCount == 1)
    }
}
