import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire
import Testing

/// ISAKMP SA renewal before expiry, make-before-break (Libreswan's replacement, charon's IKEv1
/// re-authentication): the IPsec SAs move to the new ISAKMP SA and are never deleted because
/// theirs expired or was replaced. On the virtual clock of the pair harness.
@Suite struct ISAKMPRenewalTests {
    /// A pair with an ISAKMP lifetime of `ike` seconds and IPsec SAs of an hour; `renew` sets
    /// both sides' renewal policy.
    static func pair(ike: UInt32 = 60, seed: UInt64 = 1, renew: RenewalPolicy = RenewalPolicy(margin: 10, fuzz: 0),
                     customize: (inout PeerConfig, inout PeerConfig) -> Void = { _, _ in }) throws -> Pair {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256") { a, b in
            for i in a.ikeProposals.indices { a.ikeProposals[i].lifetime = Lifetime(seconds: ike) }
            for i in b.ikeProposals.indices { b.ikeProposals[i].lifetime = Lifetime(seconds: ike) }
            a.ikeRenewal = renew
            b.ikeRenewal = renew
            customize(&a, &b)
        }
        return try PairExchangeTests.complete(a, b, seed: seed)
    }

    static func deletedChildren(_ pair: Pair, _ side: Pair.Side) -> [String] {
        pair.actions(side).compactMap { if case .deleteChildSA(_, _, let r) = $0 { r } else { nil } }
    }

    /// Runs `seconds` in steps of `step`, checking at each that neither side holds more than two
    /// ISAKMP SAs and that both hold the one child pair; returns the most ISAKMP SAs seen.
    static func run(_ pair: inout Pair, seconds: Double, step: Double = 0.5,
                    sourceLocation: SourceLocation = #_sourceLocation) -> Int {
        let child = pair.installed(.a).first
        var most = 0
        for _ in 0..<Int(seconds / step) {
            pair.run(seconds: step)
            most = max(most, pair.a.isakmpSAs.count, pair.b.isakmpSAs.count)
            #expect(pair.a.childSAs.map(\.inbound) == child.map { [$0.inbound] }, sourceLocation: sourceLocation)
            #expect(pair.b.childSAs.map(\.outbound) == child.map { [$0.inbound] }, sourceLocation: sourceLocation)
        }
        return most
    }

    /// The initiator renews 10 s before the 60 s lifetime: each time a new ISAKMP SA, the old one
    /// deleted only then, the IPsec SA carried over untouched, no INITIAL-CONTACT in the renewals.
    /// Both sides send a Delete for the old SA (the renewing side, and the peer replacing it):
    /// the second one finds it gone and is dropped as for an unknown SA.
    @Test func initiatorRenewsMakeBeforeBreak() throws {
        var pair = try Self.pair()
        let first = try #require(pair.a.isakmpSAs.first?.id)
        let most = Self.run(&pair, seconds: 200)
        #expect(most <= 2)
        #expect(pair.established(.a).count == 4 && pair.established(.b).count == 4)   // at 0, 50, 100, 150 s
        #expect(pair.established(.a).dropFirst().allSatisfy { $0.isInitiator })
        #expect(pair.a.isakmpSAs.count == 1 && pair.a.isakmpSAs.map(\.id) == pair.b.isakmpSAs.map(\.id))
        #expect(pair.a.isakmpSAs.first?.id != first)
        #expect(Self.deletedChildren(pair, .a).isEmpty && Self.deletedChildren(pair, .b).isEmpty)
        #expect(pair.installed(.a).count == 1 && pair.installed(.b).count == 1)
        #expect(pair.notifies(.b).filter { $0.type == .initialContact }.count == 1)
        #expect(pair.failures(.a).allSatisfy { $0.error.kind == .invalidCookie })
    }

    /// An initiator that never renews (charon without reauth_time): the responder renews half
    /// its margin before the end; the new ISAKMP SAs are B's, the IPsec SA carries over. Told
    /// not to (asResponder false), it lets the SA expire.
    @Test func responderRenewsWhenTheInitiatorDoesNot() throws {
        var pair = try Self.pair { a, b in
            a.ikeRenewal = RenewalPolicy(margin: 0)
            b.ikeRenewal = RenewalPolicy(margin: 10, fuzz: 0)
        }
        let most = Self.run(&pair, seconds: 120)
        #expect(most <= 2)
        let renewals = pair.established(.b).dropFirst()
        #expect(renewals.count == 2 && renewals.allSatisfy { $0.isInitiator })
        #expect(pair.a.isakmpSAs.count == 1 && pair.a.isakmpSAs.map(\.id) == pair.b.isakmpSAs.map(\.id))
        #expect(Self.deletedChildren(pair, .a).isEmpty && Self.deletedChildren(pair, .b).isEmpty)
        var quiet = try Self.pair { a, b in
            a.ikeRenewal = RenewalPolicy(margin: 0)
            b.ikeRenewal = RenewalPolicy(margin: 10, fuzz: 0, asResponder: false)
        }
        quiet.run(seconds: 65)
        #expect(quiet.established(.b).count == 1 && quiet.b.isakmpSAs.isEmpty && quiet.b.childSAs.count == 1)
    }

    /// 30 % of the datagrams lost each way, retransmissions as in Interop/faults.sh: renewals
    /// still succeed (a failed one is tried again), never more than two ISAKMP SAs, the IPsec SA
    /// never leaves either side, and both end with the same single ISAKMP SA.
    @Test(arguments: [11, 12, 13] as [UInt64])
    func renewalUnderLoss(seed: UInt64) throws {
        var pair = try Self.pair(seed: seed) { a, b in
            a.retransmit = RetransmitPolicy(timeout: 0.5, base: 1.4, tries: 10)
            b.retransmit = RetransmitPolicy(timeout: 0.5, base: 1.4, tries: 10)
        }
        pair.loss = 0.3
        let most = Self.run(&pair, seconds: 300)
        pair.loss = 0
        pair.run(seconds: 20)
        #expect(most <= 2)
        #expect(pair.a.isakmpSAs.count == 1 && pair.a.isakmpSAs.map(\.id) == pair.b.isakmpSAs.map(\.id),
                "A \(pair.a.isakmpSAs.map(\.id)) B \(pair.b.isakmpSAs.map(\.id))")
        #expect(pair.established(.a).count >= 5)
        #expect(Self.deletedChildren(pair, .a).isEmpty && Self.deletedChildren(pair, .b).isEmpty)
    }

    /// Both sides renew at once (the responder's fallback falls on the initiator's time): two new ISAKMP SAs are
    /// negotiated at the same time; exactly one survives, the same on both sides, and the IPsec
    /// SA stays installed throughout.
    @Test(arguments: [21, 22, 23, 24] as [UInt64])
    func collisionLeavesExactlyOne(seed: UInt64) throws {
        // A renews 5 s before the end, B (responder: half its margin) too.
        var pair = try Self.pair(seed: seed) { a, b in
            a.ikeRenewal = RenewalPolicy(margin: 5, fuzz: 0)
            b.ikeRenewal = RenewalPolicy(margin: 10, fuzz: 0)
        }
        let most = Self.run(&pair, seconds: 58)
        #expect(most <= 3)   // the old one and the two colliding ones, for one round trip
        #expect(pair.established(.a).count == 3 && pair.established(.b).count == 3)
        #expect(pair.a.isakmpSAs.count == 1 && pair.a.isakmpSAs.map(\.id) == pair.b.isakmpSAs.map(\.id),
                "A \(pair.a.isakmpSAs.map(\.id)) B \(pair.b.isakmpSAs.map(\.id))")
        #expect(Self.deletedChildren(pair, .a).isEmpty && Self.deletedChildren(pair, .b).isEmpty)
        #expect(pair.failures(.a).filter { $0.error.kind != .invalidCookie }.isEmpty)
    }

    /// No renewal at all: the ISAKMP SA expires (a Delete for it alone) and the IPsec SA lives on
    /// to its own rekey, which starts a new Phase 1 (no INITIAL-CONTACT) and a Quick Mode through it.
    @Test func ipsecSAsOutliveTheirISAKMPSA() throws {
        var pair = try Self.pair(ike: 30, renew: RenewalPolicy(margin: 0)) { a, b in
            a.childLifetime = Lifetime(seconds: 100)
            b.childLifetime = Lifetime(seconds: 100)
            a.rekeyMargin = 20
        }
        let first = try #require(pair.installed(.a).first)
        pair.run(seconds: 40)
        #expect(pair.a.isakmpSAs.isEmpty && pair.b.isakmpSAs.isEmpty)
        #expect(pair.a.childSAs.map(\.inbound) == [first.inbound] && pair.b.childSAs.map(\.inbound) == [first.outbound])
        #expect(Self.deletedChildren(pair, .a).isEmpty && Self.deletedChildren(pair, .b).isEmpty)
        pair.run(seconds: 45)   // the rekey at 80 s
        #expect(pair.a.isakmpSAs.count == 1 && pair.a.isakmpSAs.map(\.id) == pair.b.isakmpSAs.map(\.id))
        #expect(pair.installed(.a).count == 2 && pair.a.childSAs.count == 1 && pair.b.childSAs.count == 1)
        #expect(pair.a.childSAs.first?.inbound == pair.b.childSAs.first?.outbound)
        #expect(Self.deletedChildren(pair, .a) == ["rekeyed"] && Self.deletedChildren(pair, .b) == ["deleted by peer"])
        #expect(pair.notifies(.b).filter { $0.type == .initialContact }.count == 1)
    }

    /// The peer deletes the ISAKMP SA alone: the IPsec SA stays (the peer deletes those by SPI when
    /// it wants them gone), and the next ISAKMP SA of the peer adopts it.
    @Test func aDeleteOfTheISAKMPSAAloneKeepsTheIPsecSA() throws {
        var pair = try Self.pair(ike: 3600) { a, _ in a.initialContact = false }
        let sa = try #require(pair.a.isakmpSAs.first)
        pair.feed(.b, .timerFired(TimerID(sa: sa.id, kind: .isakmpExpire)))
        pair.run(seconds: 1)
        #expect(pair.a.isakmpSAs.isEmpty && pair.b.isakmpSAs.isEmpty)
        #expect(pair.a.childSAs.count == 1 && pair.b.childSAs.count == 1)
        pair.feed(.a, .initiate(peer: "to-b"))
        pair.run(seconds: 5)
        #expect(pair.a.isakmpSAs.count == 1 && pair.b.isakmpSAs.count == 1)
        #expect(pair.installed(.a).count == 1 && pair.a.childSAs.count == 1)   // adopted: no new Quick Mode
        #expect(Self.deletedChildren(pair, .a).isEmpty && Self.deletedChildren(pair, .b).isEmpty)
    }
}

/// A peer that authenticates again with the same identities (a new Phase 1 without
/// INITIAL-CONTACT) is accepted beside its older ISAKMP SA; the uniqueness policy (charon's
/// `unique`) decides what stays.
@Suite struct ReauthenticationTests {
    static func reauthenticated(_ policy: UniquenessPolicy) throws -> Pair {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256") { a, b in
            a.initialContact = false
            a.uniqueness = policy
            b.uniqueness = policy
        }
        var pair = try PairExchangeTests.complete(a, b)
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 10)
        return pair
    }

    /// replace (the default) and keep (same address: a re-authentication): the new SA stays, the
    /// IPsec SA moves to it, the old ISAKMP SA goes on both sides.
    @Test(arguments: [UniquenessPolicy.replace, .keep])
    func newSAReplacesTheOld(_ policy: UniquenessPolicy) throws {
        let pair = try Self.reauthenticated(policy)
        let second = try #require(pair.established(.b).last?.id)
        #expect(pair.established(.b).count == 2)
        #expect(pair.a.isakmpSAs.map(\.id) == [second] && pair.b.isakmpSAs.map(\.id) == [second])
        #expect(pair.installed(.a).count == 1 && pair.a.childSAs.count == 1 && pair.b.childSAs.count == 1)
        #expect(ISAKMPRenewalTests.deletedChildren(pair, .b).isEmpty)
    }

    /// never: both ISAKMP SAs stay on both sides, and each carries an IPsec SA.
    @Test func neverKeepsBoth() throws {
        let pair = try Self.reauthenticated(.never)
        #expect(pair.a.isakmpSAs.count == 2 && pair.b.isakmpSAs.count == 2)
        #expect(pair.a.childSAs.count == 2 && pair.b.childSAs.count == 2)
    }

    /// Half-open SAs never pile up: a replacement that cannot complete (the peer is gone) is tried
    /// again while the old SA lasts, one at a time, each attempt ending before the next.
    @Test func failedRenewalsDoNotPileUp() throws {
        var pair = try ISAKMPRenewalTests.pair(ike: 120) { a, b in
            a.retransmit = RetransmitPolicy(timeout: 1, base: 1.5, tries: 3)
        }
        pair.run(seconds: 90)   // renewal at 110 s
        pair.linkDown = true
        var most = 0
        for _ in 0..<60 {
            pair.run(seconds: 1)
            most = max(most, pair.a.resources.sessions)
        }
        #expect(most <= 2)
        #expect(pair.a.childSAs.count == 1)   // the ISAKMP SA expired at 120 s; the IPsec SA lives on
        #expect(pair.a.isakmpSAs.isEmpty)
    }
}
