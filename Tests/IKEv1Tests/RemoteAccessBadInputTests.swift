@testable import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire
import Testing

/// Transaction messages a gateway must refuse: each is a typed error (dropped or answered with
/// a notify), counted in ``DropCounters/refusedTransactions``, and changes nothing — the exchange
/// then completes as if it had never come.
@Suite struct RemoteAccessBadInputTests {
    typealias RA = RemoteAccessConfig

    /// A pair whose gateway has completed Phase 1 and sent its XAUTH REQUEST (still on its way).
    static func gatewayAwaitingXAUTH(aggressive: Bool = true) throws -> (Pair, ISAKMPSAInfo) {
        let (client, gateway) = try RA.pair(aggressive: aggressive)
        var pair = try Pair(a: client, b: gateway, seed: 21)
        pair.feed(.a, .initiate(peer: client.name))
        pair.run(seconds: 10) { !$0.established(.b).isEmpty }
        return (pair, try #require(pair.established(.b).first))
    }

    /// `HASH, ATTR` with the Attribute payload's body given as bytes (type, RESERVED, identifier, attributes).
    static func chain(attributeBody: [UInt8]) -> [UInt8] {
        let attr = [0, 0, UInt8((4 + attributeBody.count) >> 8), UInt8((4 + attributeBody.count) & 0xff)] + attributeBody
        return [PayloadType.attribute.rawValue, 0, 0, 36] + [UInt8](repeating: 0xab, count: 32) + attr
    }

    static func request(_ attributes: [ModeConfigAttribute]) -> [UInt8] {
        chain(attributeBody: [1, 0, 0, 7] + DataAttribute.encode(attributes.map(\.dataAttribute)))
    }

    /// Delivers a Transaction message sealed for the gateway's SA (message ID 0x5a5a5a5a) and
    /// returns the gateway's actions.
    static func deliver(_ chain: [UInt8], to pair: inout Pair, sa: ISAKMPSAInfo, authenticate: Bool = true) throws -> [Action] {
        let header = ISAKMPHeader(initiatorCookie: sa.id, responderCookie: sa.cookieR, nextPayload: .hash, exchangeType: .transaction,
                                  flags: .encryption, messageID: 0x5a5a_5a5a)
        let bytes = try #require(pair.b.seal(header, chain: chain, authenticate: authenticate))
        var env = pair.envB
        return pair.b.handle(.datagram(bytes: bytes, from: Pair.addressA, to: Pair.addressB), &env)
    }

    static func state(_ pair: Pair, _ sa: ISAKMPSAInfo) -> String { pair.b.sessions[sa.id]?.established?.remoteAccess.name ?? "none" }

    static let cases: [(name: String, chain: [UInt8], authenticate: Bool, kind: IKEv1Error.Kind)] = [
        ("Mode Config REQUEST before XAUTH", request([.empty(.internalIP4Address), .empty(.internalIP4DNS)]), true, .unexpectedMessage),
        ("bad HASH", request([.empty(.internalIP4Address)]), false, .invalidHash),
        ("INTERNAL_IP4_ADDRESS of 3 bytes", chain(attributeBody: [2, 0, 0, 7, 0x00, 0x01, 0x00, 0x03, 10, 99, 0]), true, .payloadMalformed),
        ("attribute overrunning its payload", chain(attributeBody: [2, 0, 0, 7, 0x00, 0x01, 0x00, 0x28, 10, 99, 0, 1]), true, .payloadMalformed),
        ("XAUTH STATUS from the client", chain(attributeBody: [3, 0, 0, 7, 0xc0, 0x8f, 0x00, 0x01]), true, .unexpectedMessage),
    ]

    @Test(arguments: cases)
    func refusedCountedAndNothingChanges(name: String, chain: [UInt8], authenticate: Bool, kind: IKEv1Error.Kind) throws {
        var (pair, sa) = try Self.gatewayAwaitingXAUTH()
        #expect(Self.state(pair, sa) == "xauthRequested")
        let actions = try Self.deliver(chain, to: &pair, sa: sa, authenticate: authenticate)
        let errors = actions.compactMap { if case .failed(let f) = $0 { f.error } else { nil } }
        #expect(errors.map(\.kind) == [kind], "\(name): \(errors)")
        #expect(!actions.contains { if case .scheduleTimer = $0 { true } else { false } }, "\(name): \(actions)")
        #expect(pair.b.counters.refusedTransactions == 1, "\(name)")
        #expect(Self.state(pair, sa) == "xauthRequested" && RA.leased(pair.b) == 0, "\(name)")
        pair.run(seconds: 30) { !$0.installed(.a).isEmpty && !$0.installed(.b).isEmpty }
        PairExchangeTests.expectMatchingChildren(pair)
    }

    /// A Transaction message before Phase 1 is complete (the gateway has sent AM2, AM3 has not
    /// come): refused, counted, and Phase 1 then completes.
    @Test func xauthBeforePhase1IsRefused() throws {
        let (client, gateway) = try RA.pair()
        var pair = try Pair(a: client, b: gateway, seed: 22)
        pair.feed(.a, .initiate(peer: client.name))
        pair.run(seconds: 5) { $0.b.sessionCount == 1 }
        let (id, session) = try #require(pair.b.sessions.first)
        #expect(session.phase1.name == "aggressiveReplied")
        let info = ISAKMPSAInfo(id: id, cookieR: session.cookieR, peerName: "", isInitiator: false, exchange: .aggressive,
                                local: Pair.addressB, remote: Pair.addressA, localIdentity: RA.group, remoteIdentity: RA.group,
                                proposal: try #require(session.phase1.protection?.proposal), localBehindNAT: false, peerBehindNAT: false,
                                established: pair.now, peerSupportsDPD: false)
        let actions = try Self.deliver(Self.chain(attributeBody: [2, 0, 0, 7, 0x40, 0x89, 0x00, 0x05] + Array("alice".utf8)),
                                       to: &pair, sa: info)
        #expect(actions.contains { if case .failed(let f) = $0 { f.error.kind == .unexpectedMessage } else { false } }, "\(actions)")
        #expect(pair.b.counters.refusedTransactions == 1)
        #expect(pair.b.sessions[id]?.phase1.name == "aggressiveReplied")
        pair.run(seconds: 30) { !$0.installed(.a).isEmpty && !$0.installed(.b).isEmpty }
        PairExchangeTests.expectMatchingChildren(pair)
    }

    /// A site-to-site SA takes no Transaction exchange at all.
    @Test func siteToSiteRefusesTransactions() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256")
        var pair = try PairExchangeTests.complete(a, b)
        let sa = try #require(pair.established(.b).first)
        let actions = try Self.deliver(Self.request([.empty(.internalIP4Address)]), to: &pair, sa: sa)
        #expect(actions.contains { if case .failed(let f) = $0 { f.error.kind == .unexpectedMessage } else { false } })
        #expect(pair.b.counters.refusedTransactions == 1 && pair.b.childSAs.count == 1)
    }

    /// The client refuses Quick Mode from a gateway, and the gateway from a client, until XAUTH
    /// and Mode Config are complete.
    @Test func quickModeWaitsForRemoteAccess() throws {
        var (pair, sa) = try Self.gatewayAwaitingXAUTH(aggressive: false)
        var session = try #require(pair.b.sessions[sa.id])
        var env = pair.envB
        var actions: [Action] = []
        session.startQuickMode(rekeying: nil, env: &env, into: &actions)
        #expect(actions.isEmpty)
        pair.run(seconds: 30) { !$0.installed(.a).isEmpty && !$0.installed(.b).isEmpty }
        PairExchangeTests.expectMatchingChildren(pair)
    }
}
