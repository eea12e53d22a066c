@testable import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire
import Testing

/// Every peer-caused failure gives the right notify or a silent drop, plus a `failed`
/// action with a clear reason; none traps.
@Suite struct FailureTests {
    typealias Complete = PairExchangeTests

    static func sentNotifies(_ pair: Pair, by side: Pair.Side) -> [NotifyMessageType] {
        pair.actions(side).compactMap { action -> [NotifyMessageType]? in
            guard case .send(let d) = action, let m = try? ISAKMPMessage.decode(d.bytes), m.header.exchangeType == .informational
            else { return nil }
            return m.payloads?.all(ofType: NotificationPayload.self).map(\.notifyType) ?? []
        }.flatMap { $0 }
    }

    @Test func wrongPreSharedKey() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256") { _, b in
            b.authentication = .preSharedKey(SecretBytes(Array("not-the-same-psk".utf8)))
        }
        let pair = try Complete.complete(a, b)
        #expect(pair.installed(.a).isEmpty && pair.established(.b).isEmpty)
        let fb = try #require(pair.failures(.b).first)
        #expect(fb.error.kind == .authenticationFailed && fb.error.reason.contains("pre-shared key"))
        #expect(Self.sentNotifies(pair, by: .b) == [.authenticationFailed])
        #expect(pair.failures(.a).contains { $0.error.kind == .peerNotify && $0.error.reason.contains("AUTHENTICATION-FAILED") })
        #expect(pair.a.sessionCount == 0 && pair.b.sessionCount == 0)
    }

    /// A KE value that is not a valid group element (RFC 6989) is refused with INVALID-KEY-INFORMATION.
    @Test func invalidKeyExchangeValue() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-ecp256", esp: "aes128-sha256")
        var pair = try Pair(a: a, b: b, seed: 2)
        pair.tamper = { side, bytes in
            guard side == .a, let m = try? ISAKMPMessage.decode(bytes), let payloads = m.payloads,
                  payloads.contains(where: { $0.type == .keyExchange }) else { return }
            let bad = payloads.map { p -> Payload in
                if case .keyExchange(let ke) = p { return .keyExchange(KeyExchangePayload(data: [UInt8](repeating: 0x42, count: ke.data.count))) }
                return p
            }
            bytes = ISAKMPMessage(header: m.header, payloads: bad).encode()
        }
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 10)
        #expect(pair.failures(.b).first?.error.kind == .invalidKey)
        #expect(Self.sentNotifies(pair, by: .b) == [.invalidKeyInformation])
        #expect(pair.failures(.a).contains { $0.error.reason.contains("INVALID-KEY-INFORMATION") })
    }

    /// Requests are retransmitted byte-identically at 4 s × 1.8ⁿ, 5 sends in all (charon's defaults),
    /// then the attempt fails with a timeout.
    @Test func retransmissionScheduleAndLimit() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256")
        var pair = try Pair(a: a, b: b, seed: 2)
        pair.linkDown = true
        var sendTimes: [Double] = []
        pair.onSend = { _, _, _, now in sendTimes.append(Double(now.milliseconds) / 1000) }
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 200)
        #expect(sendTimes == [0, 4, 11.2, 24.16, 47.488])
        #expect(Set(pair.transcript).count == 1)
        let failure = try #require(pair.failures(.a).first)
        #expect(failure.error.kind == .timeout && failure.error.reason.contains("5 transmissions"))
        #expect(pair.a.sessionCount == 0)
    }

    /// Every HASH(3) lost: the Quick Mode initiator installed its SA on sending it, the responder
    /// never does. When the responder gives up on QM2 it deletes our SPI, so neither side keeps the SA.
    @Test func lostHash3EndsWithNeitherSideHoldingTheChild() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256")
        var pair = try Pair(a: a, b: b, seed: 3)
        final class Count: @unchecked Sendable { var quickModes = 0 }
        let sent = Count()
        pair.tamper = { side, bytes in   // A's second and later Quick Mode messages: HASH(3) and its resends
            guard side == .a, let h = try? ISAKMPHeader.decode(bytes[...]), h.exchangeType == .quickMode else { return }
            sent.quickModes += 1
            if sent.quickModes > 1 { bytes = [0xff] }   // a NAT keepalive: not IKE, dropped unseen
        }
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 120)
        let child = try #require(pair.installed(.a).first)
        #expect(pair.installed(.b).isEmpty)
        #expect(pair.failures(.b).contains { $0.error.kind == .timeout && $0.error.reason.contains("Quick Mode") })
        #expect(pair.actions(.a).contains {
            if case .deleteChildSA(child.inbound.spi, child.outbound.spi, let reason) = $0 { reason == "deleted by peer" } else { false }
        })
        #expect(pair.a.childSAs.isEmpty && pair.b.childSAs.isEmpty)
        #expect(pair.a.isakmpSAs.count == 1 && pair.b.isakmpSAs.count == 1)
    }

    @Test func noCommonIKEProposal() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256",
                                         responderIKE: "aes256-sha512-ecp384")
        let pair = try Complete.complete(a, b)
        let fb = try #require(pair.failures(.b).first)
        #expect(fb.error.kind == .noProposalChosen)
        #expect(fb.error.reason.contains("aes128-sha256-modp2048") && fb.error.reason.contains("aes256-sha512-ecp384"))
        #expect(Self.sentNotifies(pair, by: .b) == [.noProposalChosen])
        #expect(pair.failures(.a).contains { $0.error.reason.contains("NO-PROPOSAL-CHOSEN") })
    }

    @Test func legacyOfferToASecureResponderIsRefusedWithAReason() throws {
        let (a, b) = try TestConfig.pair(ike: "3des-sha1-modp1024", esp: "aes128-sha256", legacy: true) { _, b in
            b.legacy = false
            b.ikeProposals = try! IKEProposal.proposals(notation: "aes128-sha256-modp2048")
        }
        let pair = try Complete.complete(a, b)
        #expect(pair.failures(.b).first?.error.kind == .noProposalChosen)
    }

    @Test func legacyAlgorithmsNeedTheLegacyFlag() throws {
        let (a, _) = try TestConfig.pair(ike: "des-md5-modp768", esp: "des-md5", legacy: true)
        var insecure = a
        insecure.legacy = false
        #expect(throws: IKEv1Error(.configuration, "")) { try IKEv1Endpoint(configs: [insecure]) }
        do { _ = try IKEv1Endpoint(configs: [insecure]) } catch {
            #expect(error.reason.contains("legacy"))
        }
        #expect(throws: Never.self) { try IKEv1Endpoint(configs: [a]) }
    }

    @Test func noCommonESPProposalKeepsTheISAKMPSA() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256", responderESP: "aes256gcm16")
        var pair = try Pair(a: a, b: b, seed: 1)
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 30)
        #expect(pair.established(.a).count == 1 && pair.installed(.a).isEmpty)
        #expect(pair.failures(.b).first?.error.kind == .noProposalChosen)
        #expect(pair.notifies(.a).map(\.type) == [.noProposalChosen])
        #expect(pair.a.sessionCount == 1 && pair.b.sessionCount == 1)
    }

    @Test func unexpectedPeerIdentity() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256") { _, b in
            b.remoteIdentity = .fqdn("someone-else.example")
        }
        let pair = try Complete.complete(a, b)
        #expect(pair.failures(.b).first?.error.kind == .invalidID)
        #expect(Self.sentNotifies(pair, by: .b).isEmpty)   // encrypted: not visible in the clear
        #expect(pair.notifies(.a).map(\.type) == [.invalidIDInformation])
        #expect(pair.installed(.a).isEmpty)
    }

    /// The initiator refuses the responder's identity in MM6, after the responder completed:
    /// its protected INVALID-ID-INFORMATION makes the responder drop the ISAKMP SA too.
    @Test func initiatorRefusesResponderIdentityAfterMM6() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256") { a, _ in
            a.remoteIdentity = .fqdn("someone-else.example")
        }
        let pair = try Complete.complete(a, b)
        #expect(pair.failures(.a).first?.error.kind == .invalidID)
        #expect(pair.notifies(.b).map(\.type) == [.initialContact, .invalidIDInformation])
        #expect(pair.established(.b).count == 1)
        #expect(pair.actions(.b).contains { if case .isakmpSADeleted = $0 { true } else { false } })
        #expect(pair.a.sessionCount == 0 && pair.b.sessionCount == 0)
    }

    @Test func mismatchedTrafficSelectors() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256") { _, b in
            b.localTrafficSelector = TrafficSelector(.ipv4Subnet(address: [10, 9, 0, 0], mask: [255, 255, 0, 0]))
        }
        let pair = try Complete.complete(a, b)
        let fb = try #require(pair.failures(.b).first)
        #expect(fb.error.kind == .invalidID && fb.error.reason.contains("203.0.113.0/24"))
        #expect(pair.notifies(.a).map(\.type) == [.invalidIDInformation])
    }

    @Test func unknownCookieIsDropped() throws {
        var endpoint = try IKEv1Endpoint(configs: [try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256").1])
        var env = Environment(now: EngineTime(milliseconds: 0), entropy: SeededEntropy(seed: 1))
        let h = ISAKMPHeader(initiatorCookie: Cookie(1), responderCookie: Cookie(2), exchangeType: .quickMode, messageID: 7)
        let bytes = ISAKMPMessage(header: h, payloads: [.hash(HashPayload(data: [1, 2, 3]))]).encode()
        let actions = endpoint.handle(.datagram(bytes: bytes, from: Pair.addressA, to: Pair.addressB), &env)
        #expect(actions.count == 1)
        guard case .failed(let f)? = actions.first else { Issue.record("no failure"); return }
        #expect(f.error.kind == .invalidCookie)
    }

    /// Truncated, garbage and payload-less first messages: PAYLOAD-MALFORMED or a drop, never a trap.
    @Test(arguments: [
        [UInt8](repeating: 0xff, count: 3),
        [UInt8](repeating: 0, count: 40),
        ISAKMPMessage(header: ISAKMPHeader(initiatorCookie: Cookie(5), responderCookie: .zero, exchangeType: .mainMode),
                      payloads: [.vendorID(VendorIDPayload(data: [1]))]).encode(),
        Array(ISAKMPMessage(header: ISAKMPHeader(initiatorCookie: Cookie(5), responderCookie: .zero, exchangeType: .mainMode),
                            payloads: [.nonce(NoncePayload(data: [1, 2, 3, 4, 5, 6, 7, 8]))]).encode().dropLast(3)),
    ])
    func malformedMessages(bytes: [UInt8]) throws {
        var endpoint = try IKEv1Endpoint(configs: [try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256").1])
        var env = Environment(now: EngineTime(milliseconds: 0), entropy: SeededEntropy(seed: 1))
        let actions = endpoint.handle(.datagram(bytes: bytes, from: Pair.addressA, to: Pair.addressB), &env)
        for action in actions {
            switch action {
            case .failed(let f): #expect(f.error.kind == .payloadMalformed || f.error.kind == .invalidCookie)
            case .send(let d):
                let m = try ISAKMPMessage.decode(d.bytes)
                #expect(m.payloads?.all(ofType: NotificationPayload.self).map(\.notifyType) == [.payloadMalformed])
            default: Issue.record("unexpected \(action)")
            }
        }
        #expect(endpoint.sessionCount == 0)
    }

    /// Messages replayed after the exchange (and an Aggressive Mode message on a Main Mode SA)
    /// change nothing: each is dropped with a `failed` action saying why.
    @Test func replayedAndOutOfOrderMessages() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256")
        var pair = try Complete.complete(a, b)
        pair.run(seconds: 5)
        let sentByA = pair.actions(.a).compactMap { if case .send(let d) = $0 { d } else { nil } }
        let before = pair.log.count
        for d in sentByA { pair.feed(.b, .datagram(bytes: d.udpPayload, from: d.source, to: d.destination)) }
        pair.run(seconds: 5)
        #expect(pair.installed(.b).count == 1 && pair.established(.b).count == 1)
        let later = pair.log[before...].map(\.1)
        #expect(!later.contains { if case .installChildSA = $0 { true } else { false } })
        // The last request (MM5) gets the cached MM6 again, byte for byte; all others are dropped with a reason.
        let earlier = Set(pair.log[..<before].compactMap { if case .send(let d) = $0.1, $0.0 == .b { d.bytes } else { nil } })
        let resent = later.compactMap { if case .send(let d) = $0 { d.bytes } else { nil } }
        #expect(resent.count == 1 && resent.allSatisfy { earlier.contains($0) })
        let drops = pair.log[before...].compactMap { if case .failed(let f) = $0.1, $0.0 == .b { f } else { nil } }
        #expect(drops.count == sentByA.count - 1)
        #expect(drops.allSatisfy { $0.error.kind == .unexpectedMessage && $0.error.reason.contains("replayed") })
        // An Aggressive Mode message for the established Main Mode SA.
        let info = try #require(pair.established(.a).first)
        let h = ISAKMPHeader(initiatorCookie: info.id, responderCookie: info.cookieR, exchangeType: .aggressive)
        let stray = ISAKMPMessage(header: h, payloads: [.hash(HashPayload(data: [0]))]).encode()
        let n = pair.log.count
        pair.feed(.b, .datagram(bytes: stray, from: Pair.addressA, to: Pair.addressB))
        let failures = pair.log[n...].compactMap { if case .failed(let f) = $0.1 { f } else { nil } }
        #expect(failures.map(\.error.kind) == [.unexpectedMessage])
        #expect(pair.b.isakmpSAs.count == 1)
    }
}

/// Loss, duplication and reordering: exchanges complete, or fail cleanly at the retry limit;
/// never a duplicate SA.
@Suite struct UnreliableNetworkTests {
    @Test(arguments: 1...30)
    func thirtyPercentLoss(seed: Int) throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256-modp2048")
        var pair = try Pair(a: a, b: b, seed: UInt64(seed))
        pair.loss = 0.3
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 200)
        Self.expectCleanOutcome(pair)
    }

    @Test(arguments: 1...15)
    func duplicationAndReordering(seed: Int) throws {
        let (a, b) = try TestConfig.pair(ike: "aes256-sha384-ecp384", esp: "aes128gcm16-ecp256", aggressive: seed % 3 == 0)
        var pair = try Pair(a: a, b: b, seed: UInt64(seed))
        pair.loss = 0.1
        pair.duplication = 0.3
        pair.reorder = 0.3
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 200)
        Self.expectCleanOutcome(pair)
    }

    static func expectCleanOutcome(_ pair: Pair, sourceLocation: SourceLocation = #_sourceLocation) {
        let ca = pair.installed(.a), cb = pair.installed(.b)
        #expect(ca.count <= 1 && cb.count <= 1, sourceLocation: sourceLocation)
        #expect(pair.established(.a).count <= 1 && pair.established(.b).count <= 1, sourceLocation: sourceLocation)
        if ca.count == 1 && cb.count == 1 {
            #expect(ca[0].inbound == cb[0].outbound && ca[0].outbound == cb[0].inbound, sourceLocation: sourceLocation)
        } else {
            // Not complete: someone must have given up with a timeout.
            let timeouts = (pair.failures(.a) + pair.failures(.b)).filter { $0.error.kind == .timeout }
            #expect(!timeouts.isEmpty, "incomplete without a timeout: \(pair.failures(.a)) \(pair.failures(.b))\n\(pair.trace.joined(separator: "\n"))",
                    sourceLocation: sourceLocation)
        }
        // Drops after the other side gave up (unknown cookie) are clean too.
        let bad = (pair.failures(.a) + pair.failures(.b)).filter { ![.timeout, .unexpectedMessage, .invalidCookie].contains($0.error.kind) }
        #expect(bad.isEmpty, "\(bad)\n\(pair.trace.joined(separator: "\n"))", sourceLocation: sourceLocation)
    }
}
