import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire
import Testing

/// Certificate authentication failures: each ends with the RFC 2408 §3.14.1 notify the failure
/// warrants, a typed error with a clear reason on the side that detected it, and no ISAKMP or
/// child SA left on either side.
@Suite struct SignatureFailureTests {
    /// Runs the exchange and checks the common outcome; returns the detecting side's error.
    static func failure(_ a: PeerConfig, _ b: PeerConfig, detectedBy side: EndpointPair.Side, unixTime: Int64 = PairPKI.now,
                        tamper: ((EndpointPair.Side, inout [UInt8]) -> Void)? = nil,
                        sourceLocation: SourceLocation = #_sourceLocation) throws -> (IKEv1Error, EndpointPair) {
        var pair = try EndpointPair.signed(a: a, b: b, unixTime: unixTime)
        pair.tamper = tamper
        pair.initiate()
        #expect(pair.installed(.a).isEmpty && pair.installed(.b).isEmpty, sourceLocation: sourceLocation)
        #expect(pair.a.sessionCount == 0 && pair.b.sessionCount == 0, "SAs left: \(pair.a.sessionCount)/\(pair.b.sessionCount)",
                sourceLocation: sourceLocation)
        let established = pair.established(side.peer).count
        let deleted = pair.actions(side.peer).filter { if case .isakmpSADeleted = $0 { true } else { false } }.count
        #expect(established == deleted, "the other side kept an ISAKMP SA", sourceLocation: sourceLocation)
        let error = try #require(pair.failures(side).first?.error, sourceLocation: sourceLocation)
        // The other side hears the notify (protected once keys agree, in the clear before).
        let notify = try #require(error.notifyType, sourceLocation: sourceLocation)
        let heard = pair.notifies(side.peer).contains { $0.type == notify }
            || pair.failures(side.peer).contains { $0.error.kind == .peerNotify && $0.error.reason.contains(notify.name ?? "?") }
        #expect(heard, "\(side.peer) did not receive \(notify)", sourceLocation: sourceLocation)
        return (error, pair)
    }

    /// A trusts a different CA: B's certificate is untrusted (INVALID-CERT-AUTHORITY), detected
    /// by the initiator in MM6 / AM2 and by the responder in MM5 / AM3.
    @Test(arguments: [false, true], [EndpointPair.Side.a, .b])
    func wrongCA(aggressive: Bool, detector: EndpointPair.Side) throws {
        let (a, b) = try TestConfig.signed("rsa", aggressive: aggressive) { a, b in
            let other = [PairPKI.otherRoot.certificate]
            if detector == .a { a.authenticate(with: try PairPKI.credentials("rsa", .a, anchors: other)) }
            else { b.authenticate(with: try PairPKI.credentials("rsa", .b, anchors: other)) }
        }
        let (error, _) = try Self.failure(a, b, detectedBy: detector)
        #expect(error.kind == .invalidCertAuthority)
        #expect(error.reason.contains("untrusted") && error.reason.contains("Test Root CA"))
    }

    /// Refusing the peer's last Phase 1 message (MM6 as initiator, AM3 as responder) leaves the
    /// peer with an ISAKMP SA it counts as established; charon keeps it after the error notify,
    /// so the refusing side also sends a protected ISAKMP Delete.
    @Test(arguments: [(false, EndpointPair.Side.a), (true, .b)])
    func refusingTheLastMessageDeletesThePeersSA(aggressive: Bool, detector: EndpointPair.Side) throws {
        let (a, b) = try TestConfig.signed("rsa", aggressive: aggressive) { a, b in
            let other = [PairPKI.otherRoot.certificate]
            if detector == .a { a.authenticate(with: try PairPKI.credentials("rsa", .a, anchors: other)) }
            else { b.authenticate(with: try PairPKI.credentials("rsa", .b, anchors: other)) }
        }
        var pair = try EndpointPair.signed(a: a, b: b)
        // The receiver closes its session on the notify; a copy taken before decrypts what follows.
        var receiver: IKEv1Endpoint?
        var informationals: [[UInt8]] = []
        pair.onDeliver = { d, endpoint in
            guard d.to == detector.peer, let m = try? ISAKMPMessage.decode(d.bytes), m.header.exchangeType == .informational else { return }
            if receiver == nil { receiver = endpoint }
            informationals.append(d.bytes)
        }
        pair.initiate()
        let payloads = informationals.compactMap { receiver?.inspect($0) }.flatMap { $0 }
        #expect(informationals.count == 2 && payloads.count == 4, "\(payloads)")   // HASH N, HASH D
        #expect(payloads.contains { if case .notification(let n) = $0 { n.notifyType == .invalidCertAuthority } else { false } })
        #expect(payloads.contains { if case .delete(let d) = $0 { d.protocolID == .isakmp && d.spis.count == 1 } else { false } })
        #expect(pair.a.sessionCount == 0 && pair.b.sessionCount == 0)
    }

    /// B's certificate expired before the engine's (injected) time: INVALID-CERTIFICATE naming the date.
    @Test(arguments: [false, true])
    func expiredCertificate(aggressive: Bool) throws {
        let (a, b) = try TestConfig.signed("p256", aggressive: aggressive) { _, b in
            b.authenticate(with: try PairPKI.credentials("p256", .b, notAfter: PairPKI.now - 86_400))
        }
        let (error, _) = try Self.failure(a, b, detectedBy: .a)
        #expect(error.kind == .invalidCertificate)
        #expect(error.reason.contains("expired at 2025-12-31 00:00:00 UTC"))
    }

    /// The same valid certificates fail when the wall clock is past their end.
    @Test func clockPastValidity() throws {
        let (a, b) = try TestConfig.signed("p256")
        let (error, _) = try Self.failure(a, b, detectedBy: .b, unixTime: PairPKI.now + 2 * PairPKI.year)
        #expect(error.kind == .invalidCertificate && error.reason.contains("expired"))
    }

    /// Rewrites the cleartext payloads of `side`'s messages.
    static func rewrite(_ side: EndpointPair.Side, _ change: @escaping (Payload) -> Payload) -> (EndpointPair.Side, inout [UInt8]) -> Void {
        { from, bytes in
            guard from == side, let m = try? ISAKMPMessage.decode(bytes), let payloads = m.payloads else { return }
            bytes = ISAKMPMessage(header: m.header, payloads: payloads.map(change)).encode()
        }
    }

    /// A peer whose ID payload names an identity its certificate does not hold: INVALID-ID-INFORMATION.
    /// The Aggressive Mode ID travels in the clear, so either side's can be replaced on the way.
    @Test(arguments: [EndpointPair.Side.a, .b])
    func identityNotInCertificate(claimant: EndpointPair.Side) throws {
        let (a, b) = try TestConfig.signed("rsa", aggressive: true) { a, b in
            a.remoteIdentity = nil
            b.remoteIdentity = nil
            // The rewrite reads whole messages: AM2 with an RSA certificate would go in fragments.
            a.fragmentation = .no
            b.fragmentation = .no
        }
        let (error, _) = try Self.failure(a, b, detectedBy: claimant.peer, tamper: Self.rewrite(claimant) { p in
            guard case .identification = p else { return p }
            return .identification(IdentificationPayload(.fqdn("intruder.example")))
        })
        #expect(error.kind == .invalidID)
        #expect(error.reason.contains("@intruder.example does not match certificate subject"))
    }

    /// A flipped bit in B's SIG payload: INVALID-SIGNATURE. Aggressive Mode, where AM2 is in the clear.
    @Test func tamperedSignature() throws {
        let (a, b) = try TestConfig.signed("p256", aggressive: true)
        let (error, _) = try Self.failure(a, b, detectedBy: .a) { side, bytes in
            guard side == .b, let m = try? ISAKMPMessage.decode(bytes), let payloads = m.payloads,
                  payloads.contains(where: { $0.type == .signature }) else { return }
            let bad = payloads.map { p -> Payload in
                guard case .signature(var sig) = p else { return p }
                sig.data[sig.data.count / 2] ^= 0x01
                return .signature(sig)
            }
            bytes = ISAKMPMessage(header: m.header, payloads: bad).encode()
        }
        #expect(error.kind == .invalidSignature)
        #expect(error.reason.contains("SIG_R") && error.reason.contains("responder.example"))
    }

    /// A CERT payload that is not DER: INVALID-CERT-ENCODING.
    @Test func garbageCertificate() throws {
        let (a, b) = try TestConfig.signed("p256", aggressive: true)
        let (error, _) = try Self.failure(a, b, detectedBy: .a) { side, bytes in
            guard side == .b, let m = try? ISAKMPMessage.decode(bytes), let payloads = m.payloads else { return }
            let bad = payloads.map { p -> Payload in
                guard case .certificate(var c) = p else { return p }
                c.data = Array(c.data.prefix(40))
                return .certificate(c)
            }
            bytes = ISAKMPMessage(header: m.header, payloads: bad).encode()
        }
        #expect(error.kind == .invalidCertEncoding)
    }

    /// The peer offers DSS (method 2) only: NO-PROPOSAL-CHOSEN naming DSS.
    @Test func dssIsRefused() throws {
        let (a, b) = try TestConfig.signed("rsa")
        var pair = try EndpointPair.signed(a: a, b: b)
        pair.tamper = Self.rewrite(.a) { p in
            guard case .securityAssociation(var sa) = p else { return p }
            for i in sa.proposals.indices {
                for j in sa.proposals[i].transforms.indices {
                    sa.proposals[i].transforms[j].attributes = sa.proposals[i].transforms[j].attributes.map {
                        $0.type == IKEAttribute.authenticationMethod ? .basic(IKEAttribute.authenticationMethod, 2) : $0
                    }
                }
            }
            return .securityAssociation(sa)
        }
        pair.initiate()
        let error = try #require(pair.failures(.b).first?.error)
        #expect(error.kind == .noProposalChosen && error.reason.contains("DSS"))
        #expect(pair.failures(.a).contains { $0.error.reason.contains("NO-PROPOSAL-CHOSEN") })
        #expect(pair.a.sessionCount == 0 && pair.b.sessionCount == 0)
    }

    /// Without a wall clock the engine refuses to judge certificates.
    @Test func noWallClockRefuses() throws {
        let (a, b) = try TestConfig.signed("p256")
        var pair = try EndpointPair(a: a, b: b, seed: 1)
        pair.initiate()
        #expect(pair.failures(.b).first?.error.kind == .configuration)
        #expect(pair.installed(.a).isEmpty)
    }
}
