@testable import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire
import Testing

/// XAUTH, Mode Config and Quick Mode from the virtual IP between our client and our gateway
/// (EndpointPair, virtual clock): the flows the lab's charon and vpnc run (issue 16).
@Suite struct RemoteAccessPairTests {
    typealias RA = RemoteAccessConfig

    static let flows: [(aggressive: Bool, mode: ModeConfigMode)] = [(true, .pull), (true, .push), (false, .pull), (false, .push)]

    /// Aggressive and Main Mode, pull and push: XAUTH, then Mode Config, then Quick Mode from the
    /// virtual IP to the gateway's network, in that order on the wire; both sides see the same
    /// user, address and attributes.
    @Test(arguments: flows)
    func xauthThenModeConfigThenQuickMode(aggressive: Bool, mode: ModeConfigMode) throws {
        let (client, gateway) = try RA.pair(aggressive: aggressive, clientMode: mode, gatewayMode: mode)
        let pair = try RA.run(client, gateway)
        PairExchangeTests.expectMatchingChildren(pair)
        #expect(pair.failures(.a).isEmpty && pair.failures(.b).isEmpty, "\(pair.failures(.a)) \(pair.failures(.b))")
        let mine = try #require(pair.a.isakmpSAs.first?.remoteAccess), theirs = try #require(pair.b.isakmpSAs.first?.remoteAccess)
        #expect(mine.virtualIP == [10, 99, 0, 10] && theirs.virtualIP == [10, 99, 0, 10])
        #expect(mine.xauthUser == "alice" && theirs.xauthUser == "alice")
        #expect(mine.attributes == theirs.attributes)
        #expect(mine.attributes.contains(.internalIP4DNS([198, 19, 100, 53])))
        #expect(mine.attributes.contains(.unityBanner("Welcome to the ra lab gateway")))
        #expect(mine.splitNetworks == [UnitySplitNetwork(address: [203, 0, 113, 0], mask: [255, 255, 255, 0])])
        let child = try #require(pair.installed(.a).first), gwChild = try #require(pair.installed(.b).first)
        #expect(child.localTrafficSelector?.description == "10.99.0.10" && child.remoteTrafficSelector?.description == "203.0.113.0/24")
        #expect(gwChild.localTrafficSelector?.description == "203.0.113.0/24" && gwChild.remoteTrafficSelector?.description == "10.99.0.10")
        // Phase 1, then four Transaction messages of XAUTH and two of Mode Config, then Quick Mode.
        let wire = RA.exchanges(pair)
        let phase1: UInt8 = aggressive ? 4 : 2
        #expect(wire == Array(repeating: phase1, count: aggressive ? 3 : 6) + Array(repeating: 6, count: 6) + [32, 32, 32], "\(pair.trace)")
        #expect(pair.b.counters.refusedTransactions == 0 && RA.leased(pair.b) == 1)
    }

    /// The client offers only XAUTH methods (65001 over PSK) and the gateway chooses one.
    @Test func phase1NegotiatesXAUTHInitPreShared() throws {
        let (client, gateway) = try RA.pair()
        #expect(client.ikeProposals.allSatisfy { $0.authMethod == .xauthInitPreShared })
        let pair = try RA.run(client, gateway)
        #expect(pair.established(.b).first?.proposal.authMethod == .xauthInitPreShared)
        #expect(pair.established(.a).first?.proposal.authMethod.description == "xauth-psk")
    }

    /// XAUTHInitRSA (65005): RSA certificates in Phase 1, then XAUTH and Mode Config.
    @Test func xauthOverRSASignatures() throws {
        let (client, gateway) = try RA.pair { c, g in
            c.localIdentity = .fqdn("initiator.example")
            c.remoteIdentity = .fqdn("responder.example")
            g.localIdentity = .fqdn("responder.example")
            g.remoteIdentity = .fqdn("initiator.example")
            c.authenticate(with: try! PairPKI.credentials("rsa", .a))
            g.authenticate(with: try! PairPKI.credentials("rsa", .b))
        }
        #expect(client.ikeProposals.allSatisfy { $0.authMethod == .xauthInitRSA })
        var pair = try EndpointPair.signed(a: client, b: gateway)
        pair.initiate()
        PairExchangeTests.expectMatchingChildren(pair)
        #expect(pair.established(.b).first?.proposal.authMethod == .xauthInitRSA)
        #expect(pair.established(.b).first?.peerCertificate?.subject == PairPKI.subject(.a))
        #expect(pair.b.isakmpSAs.first?.remoteAccess?.xauthUser == "alice")
    }

    /// A gateway with XAUTH refuses a client that offers plain PSK (the group secret alone does
    /// not let anyone in); a client with XAUTH finds no gateway proposal without it.
    @Test(arguments: [true, false])
    func xauthOnOneSideOnlyIsRefused(clientHasXAUTH: Bool) throws {
        let (withXAUTH, _) = try RA.pair()
        let (withoutXAUTH, _) = try RA.pair(xauth: false)
        let (_, gatewayXAUTH) = try RA.pair()
        let (_, gatewayPlain) = try RA.pair(xauth: false)
        let pair = try RA.run(clientHasXAUTH ? withXAUTH : withoutXAUTH, clientHasXAUTH ? gatewayPlain : gatewayXAUTH)
        #expect(pair.installed(.a).isEmpty && pair.established(.b).isEmpty)
        #expect(pair.failures(.b).contains { $0.error.kind == .noProposalChosen && $0.error.reason.contains("XAUTH") },
                "\(pair.failures(.b))")
    }

    /// A wrong password: STATUS=FAIL, the client ACKs and fails with a clear error, the gateway
    /// deletes the ISAKMP SA; nothing is left on either side, no address is leased, and the
    /// password appears in no action of either side.
    @Test(arguments: [true, false])
    func wrongPasswordEndsBothSides(aggressive: Bool) throws {
        let (client, gateway) = try RA.pair(aggressive: aggressive, password: "wrong-pass")
        let pair = try RA.run(client, gateway)
        #expect(pair.installed(.a).isEmpty && pair.installed(.b).isEmpty)
        let failure = try #require(pair.failures(.a).first { $0.error.kind == .authenticationFailed })
        #expect(failure.error.reason.contains("XAUTH: the gateway rejected user alice"), "\(failure)")
        #expect(pair.failures(.b).contains { $0.error.kind == .authenticationFailed && $0.error.reason.contains("user alice") })
        #expect(pair.a.sessionCount == 0 && pair.b.sessionCount == 0)
        #expect(RA.leased(pair.b) == 0)
        for (_, action) in pair.log { #expect(!"\(action)".contains("wrong-pass")) }
        // The Delete the gateway sent after the client's ACK: an Informational after the XAUTH exchanges.
        #expect(RA.exchanges(pair).suffix(1) == [5], "\(pair.trace)")
    }

    /// With two attempts, a mistyped first password gets a new REQUEST (with XAUTH_MESSAGE) and the
    /// second succeeds; with one attempt the first failure is final.
    @Test(arguments: [(1, false), (2, true)])
    func boundedRetries(attempts: Int, succeeds: Bool) throws {
        let (client, gateway) = try RA.pair(source: RA.Attempts(passwords: ["typo", "alice-pass"]), attempts: attempts)
        let pair = try RA.run(client, gateway)
        #expect(pair.installed(.a).isEmpty != succeeds)
        #expect(pair.failures(.b).filter { $0.error.kind == .authenticationFailed }.count == 1)
        #expect(pair.b.sessionCount == (succeeds ? 1 : 0))
    }

    /// A client with no XAUTH answer for a further REQUEST gives up with a clear error.
    @Test func clientWithoutFurtherAnswersGivesUp() throws {
        let (client, gateway) = try RA.pair(source: RA.Attempts(passwords: ["typo"]), attempts: 3)
        let pair = try RA.run(client, gateway)
        #expect(pair.installed(.a).isEmpty)
        #expect(pair.failures(.a).contains { $0.error.reason.contains("no credentials to answer the gateway's request 2") })
        #expect(pair.a.sessionCount == 0 && pair.b.sessionCount == 0 && RA.leased(pair.b) == 0)
    }

    /// Two split networks cannot be one Quick Mode selector: the client proposes 0.0.0.0/0 and
    /// the gateway narrows it to its local selector, echoing the proposal (as charon).
    @Test func gatewayNarrowsEverythingToItsNetwork() throws {
        let split = [UnitySplitNetwork(address: [203, 0, 113, 0], mask: [255, 255, 255, 0]),
                     UnitySplitNetwork(address: [198, 51, 100, 0], mask: [255, 255, 255, 0])]
        let (client, gateway) = try RA.pair(attributes: [.unitySplitInclude(split)])
        let pair = try RA.run(client, gateway)
        PairExchangeTests.expectMatchingChildren(pair)
        #expect(pair.installed(.a).first?.remoteTrafficSelector?.description == "0.0.0.0/0")
        #expect(pair.installed(.b).first?.localTrafficSelector?.description == "203.0.113.0/24")
        #expect(pair.installed(.b).first?.remoteTrafficSelector?.description == "10.99.0.10")
    }

    /// XAUTH without Mode Config (no pool): Quick Mode runs with the configured selectors.
    @Test func xauthWithoutModeConfig() throws {
        let (client, gateway) = try RA.pair(clientMode: nil, gatewayMode: nil) { c, g in
            c.localTrafficSelector = try? TrafficSelector(notation: "198.51.100.0/24")
            c.remoteTrafficSelector = try? TrafficSelector(notation: "203.0.113.0/24")
            g.remoteTrafficSelector = try? TrafficSelector(notation: "198.51.100.0/24")
        }
        let pair = try RA.run(client, gateway)
        PairExchangeTests.expectMatchingChildren(pair)
        #expect(pair.a.isakmpSAs.first?.remoteAccess == RemoteAccessInfo(xauthUser: "alice", virtualIP: nil, attributes: []))
        #expect(RA.exchanges(pair).filter { $0 == 6 }.count == 4)
    }

    /// Mode Config without XAUTH (Phase 1 with plain PSK).
    @Test(arguments: [ModeConfigMode.pull, .push])
    func modeConfigWithoutXAUTH(mode: ModeConfigMode) throws {
        let (client, gateway) = try RA.pair(clientMode: mode, gatewayMode: mode, xauth: false)
        let pair = try RA.run(client, gateway)
        PairExchangeTests.expectMatchingChildren(pair)
        #expect(pair.established(.b).first?.proposal.authMethod == .preSharedKey)
        #expect(pair.a.isakmpSAs.first?.remoteAccess?.virtualIP == [10, 99, 0, 10])
        #expect(pair.a.isakmpSAs.first?.remoteAccess?.xauthUser == nil)
    }

    /// 30 % loss: every Transaction request is retransmitted until answered, duplicates get the
    /// cached answer, and the tunnel still comes up.
    @Test(arguments: [UInt64(3), 11, 17])
    func lossyLinkRetransmits(seed: UInt64) throws {
        let (client, gateway) = try RA.pair()
        let pair = try RA.run(client, gateway, seed: seed) { $0.loss = 0.3; $0.duplication = 0.1 }
        PairExchangeTests.expectMatchingChildren(pair)
        #expect(RA.leased(pair.b) == 1)
    }

    /// The client answers nothing after Phase 1: the gateway's REQUEST is retransmitted, then the
    /// SA is deleted with a clear timeout (XAUTH and Mode Config get a minute), and no address
    /// was ever leased.
    @Test func silentClientTimesOut() throws {
        let (client, gateway) = try RA.pair()
        var pair = try Pair(a: client, b: gateway, seed: 5)
        pair.feed(.a, .initiate(peer: client.name))
        pair.run(seconds: 5) { !$0.established(.b).isEmpty }
        pair.linkDown = true
        pair.run(seconds: 120)
        #expect(pair.failures(.b).contains { $0.error.kind == .timeout && $0.error.reason.contains("state xauthRequested") },
                "\(pair.failures(.b))")
        #expect(pair.b.sessionCount == 0 && RA.leased(pair.b) == 0)
    }

    /// A charon client with `reauth_time = 0s` proposes Life-Duration 0: no lifetime proposed,
    /// so the gateway's own applies (read as 0 s, the SA would expire at once).
    @Test func lifeDurationZeroMeansNoLifetimeProposed() throws {
        let (_, gateway) = try RA.pair()
        var offer = gateway.ikeProposals[0].transform(number: 1)
        offer.attributes.removeAll { $0.type == IKEAttribute.lifeDuration }
        offer.attributes.append(.basic(IKEAttribute.lifeDuration, 0))
        #expect(IKEProposal(transform: offer)?.lifetime == Lifetime())
        let sa = SecurityAssociationPayload(proposals: [ProposalPayload(number: 1, protocolID: .isakmp, transforms: [offer])])
        let (chosen, _) = try ISAKMPSession.choose(from: sa, policy: gateway)
        #expect(chosen.lifetime.seconds == 15000)
    }
}
