import Foundation
@testable import IKEv1
@testable import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire
import Testing
import TestSupport

/// Issue 8's security list, one test per item (README "Security" lists where each lives; items
/// tested elsewhere are named there rather than repeated here).
@Suite struct SecurityTests {
    typealias Complete = PairExchangeTests

    // MARK: Helpers

    /// A completed Main Mode + Quick Mode pair and the ISAKMP SA's id.
    static func established(_ customize: (inout PeerConfig, inout PeerConfig) -> Void = { _, _ in }) throws -> (Pair, ISAKMPSAID) {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256", customize: customize)
        let pair = try Complete.complete(a, b)
        Complete.expectMatchingChildren(pair)
        return (pair, try #require(pair.a.isakmpSAs.first).id)
    }

    /// A protected Phase 2 message from A's session: `payloads` encrypted under the IV of `mid`,
    /// headed by `hash` (or without a HASH payload when nil).
    static func protected(_ s: ISAKMPSession, _ type: ExchangeType, mid: UInt32, hash: [UInt8]?, _ payloads: [Payload]) throws -> [UInt8] {
        let e = try #require(s.established)
        return try e.protection.encryptedMessage(s.header(type, messageID: mid), (hash.map { [.hash(HashPayload(data: $0))] } ?? []) + payloads,
                                                 iv: e.protection.phase2IV(base: e.ivBase, messageID: mid)).0
    }

    /// What protects the established session `s`, and the first IV of exchange `mid`.
    static func protection(_ s: ISAKMPSession, mid: UInt32) throws -> (ISAKMPProtection, iv: [UInt8]) {
        let e = try #require(s.established)
        return (e.protection, e.protection.phase2IV(base: e.ivBase, messageID: mid))
    }

    /// Feeds one datagram from A to a copy of B and returns the copy and its actions.
    static func deliver(_ bytes: [UInt8], to b: IKEv1Endpoint) -> (IKEv1Endpoint, [Action]) {
        var copy = b
        var env = Environment(now: EngineTime(milliseconds: 60_000), entropy: SeededEntropy(seed: 4))
        let actions = copy.handle(.datagram(bytes: bytes, from: Pair.addressA, to: Pair.addressB), &env)
        return (copy, actions)
    }

    static func sends(_ actions: [Action]) -> Int { actions.filter { if case .send = $0 { true } else { false } }.count }
    static func errors(_ actions: [Action]) -> [IKEv1Error] { actions.compactMap { if case .failed(let f) = $0 { f.error } else { nil } } }

    /// Variants of an authenticator with the first or the last byte flipped.
    static func flips(_ h: [UInt8]) -> [[UInt8]] {
        var first = h, last = h
        first[0] ^= 0x01
        last[h.count - 1] ^= 0x80
        return [first, last]
    }

    // MARK: Constant-time comparison of every hash, ICV and NAT-D value

    /// An Informational HASH(1) with its first or its last byte wrong fails the same way and changes
    /// nothing; the right one is obeyed (here: a Delete of the ISAKMP SA).
    @Test func informationalHashFlipsFailIdentically() throws {
        let (pair, sa) = try Self.established()
        let s = pair.a.sessions[sa]!
        let delete: [Payload] = [.delete(DeletePayload(protocolID: .isakmp, spiSize: 16, spis: [s.cookieI.bytes + s.cookieR.bytes]))]
        let mid: UInt32 = 0x5eed_0001
        let hash = try Self.protection(s, mid: mid).0.keys.informationalHash(messageID: mid, payloads: ISAKMPMessage.encodePayloads(delete))
        var outcomes: [[IKEv1Error.Kind]] = [], reasons: Set<String> = []
        for bad in Self.flips(hash) {
            let (b, actions) = Self.deliver(try Self.protected(s, .informational, mid: mid, hash: bad, delete), to: pair.b)
            outcomes.append(Self.errors(actions).map(\.kind))
            reasons.formUnion(Self.errors(actions).map(\.reason))
            #expect(b.isakmpSAs.count == 1 && b.childSAs.count == 1 && Self.sends(actions) == 0)
        }
        #expect(outcomes == [[.invalidHash], [.invalidHash]] && reasons.count == 1)
        let (b, _) = Self.deliver(try Self.protected(s, .informational, mid: mid, hash: hash, delete), to: pair.b)
        #expect(b.isakmpSAs.isEmpty)
    }

    /// Quick Mode HASH(1) flipped at either end: the same drop, no answer, no child; the real one is answered.
    @Test func quickModeHashFlipsFailIdentically() throws {
        let (pair, sa) = try Self.established()
        var s = pair.a.sessions[sa]!
        var env = Environment(now: pair.now, entropy: SeededEntropy(seed: 9))
        var actions: [Action] = []
        s.startQuickMode(rekeying: nil, env: &env, into: &actions)
        guard case .send(let qm1)? = actions.first else { Issue.record("no QM1"); return }
        let mid = try ISAKMPMessage.decode(qm1.bytes).header.messageID
        let (protection, iv) = try Self.protection(s, mid: mid)
        let d = try protection.decrypt(try ISAKMPMessage.decode(qm1.bytes), iv: iv)
        guard case .hash(let h)? = d.payloads.first else { Issue.record("no HASH(1)"); return }
        var reasons: Set<String> = []
        for bad in Self.flips(h.data) {
            let (b, out) = Self.deliver(try Self.protected(s, .quickMode, mid: mid, hash: bad, Array(d.payloads.dropFirst())), to: pair.b)
            #expect(Self.errors(out).map(\.kind) == [.invalidHash] && Self.sends(out) == 0)
            #expect(b.sessions[sa]?.established?.quickModes.isEmpty == true && b.childSAs.count == 1)
            reasons.formUnion(Self.errors(out).map(\.reason))
        }
        #expect(reasons.count == 1)
        let (_, out) = Self.deliver(qm1.bytes, to: pair.b)
        #expect(Self.sends(out) == 1 && Self.errors(out).isEmpty)
    }

    /// NAT-D: a hash wrong in its first or its last byte is a NAT, either way.
    @Test func natDiscoveryFlipsAreDetectedAlike() throws {
        let (pair, sa) = try Self.established()
        let s = pair.b.sessions[sa]!
        let hash = try Self.protection(s, mid: 0).0.hash
        let mine = natDiscoveryHash(hash: hash, cookieI: s.cookieI.bytes, cookieR: s.cookieR.bytes,
                                    address: Pair.addressB.address, port: 500)
        let theirs = natDiscoveryHash(hash: hash, cookieI: s.cookieI.bytes, cookieR: s.cookieR.bytes,
                                      address: Pair.addressA.address, port: 500)
        func detect(_ first: [UInt8], _ second: [UInt8]) -> (Bool, Bool) {
            var copy = s
            copy.nat = NATState(negotiated: true)
            copy.checkNATD([first, second].map { .natDiscovery(NATDiscoveryPayload(hash: $0, type: .natDiscovery)) },
                           hash: hash, from: Pair.addressA, to: Pair.addressB)
            return (copy.nat.localBehindNAT, copy.nat.peerBehindNAT)
        }
        #expect(detect(mine, theirs) == (false, false))
        for bad in Self.flips(mine) { #expect(detect(bad, theirs) == (true, false)) }
        for bad in Self.flips(theirs) { #expect(detect(mine, bad) == (false, true)) }
    }

    /// The source audit: `CRYPTO_memcmp` is reached only through `constantTimeEqual` (the
    /// benchmark's raw-libcrypto baseline, in IPsecBenchSupport, is not audited); every function that checks a received HASH, ICV or
    /// NAT-D value calls it; and no authenticator bytes meet `==` or `!=` anywhere in the layers
    /// that handle them. (A pattern check, so it can miss a comparison written another way; the
    /// flip tests above and ESPTests' ICV flips check behaviour.)
    @Test func authenticatorsAreComparedOnlyInConstantTime() throws {
        let root = Fixtures.repository
        func source(_ path: String) throws -> String { try String(contentsOf: root.appendingPathComponent("Sources/" + path), encoding: .utf8) }
        func files(_ folder: String) -> [String] {
            let base = root.appendingPathComponent("Sources/" + folder)
            let all = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)?.allObjects as? [URL] ?? []
            return all.filter { $0.pathExtension == "swift" }.map { folder + "/" + String($0.path.dropFirst(base.path.count + 1)) }
        }
        let layers = ["IKEv1", "ESP", "IPsecCrypto", "IKEv1Tool/Decode"].flatMap(files)
        #expect(layers.count > 50)
        // 1. One constant-time primitive.
        for f in layers where try source(f).contains("CRYPTO_memcmp(") {
            #expect(f == "IPsecCrypto/Primitives/SecretBytes.swift", "\(f)")
        }
        // 2. Every verifier uses it.
        let verifiers: [(String, String)] = [
            ("IKEv1/Phase1/Phase1Support.swift", "func verifyPeerHash("),          // HASH_I, HASH_R
            ("IKEv1/Phase1/Phase1Support.swift", "func checkNATD("),               // NAT-D
            ("IKEv1/Phase2/QuickMode/QuickModeSupport.swift", "func verifyHash("),  // HASH(1..3), Informational
            ("IPsecCrypto/Primitives/Digest.swift", "public func verify("),        // HMAC ICVs (ESP, AH)
            ("IPsecCrypto/Primitives/AESXCBC.swift", "public func verify("),       // AES-XCBC ICVs
            ("IPsecCrypto/Primitives/AEADCipher.swift", "public func verify("),    // GMAC ICVs
            ("ESP/Transform/Integrity.swift", "func verify("),
            ("ESP/AH/AHSA.swift", "public func open("),
            ("IKEv1Tool/Decode/Keys/SessionDecryptor.swift", "private func verify("),
        ]
        for (file, signature) in verifiers {
            let text = try source(file)
            let start = try #require(text.range(of: signature), "\(signature) not in \(file)")
            let body = text[start.lowerBound...].prefix { _ in true }
            let end = body.range(of: "\n    }\n")?.lowerBound ?? body.endIndex
            #expect(body[..<end].contains("constantTimeEqual("), "\(file) \(signature) does not use constantTimeEqual")
        }
        // 3. Each received-hash check of the engine goes through the verifier.
        let engine = try files("IKEv1").map(source).joined()
        for h in ["quickModeHash1", "quickModeHash2", "quickModeHash3", "informationalHash"] {
            let check = try Regex(#"verifyHash\(d, which: "[^"]*"\) \{ (_ in )?(protection\.)?keys\."# + h + #"\("#)
            #expect(engine.contains(check), "\(h) is never verified through verifyHash")
        }
        // 4. No authenticator bytes compared with == or !=.
        let pattern = try Regex(#"\.(data|hash|icv|tag)\s*[!=]=\s*(?!nil\b)[a-z(\[]|[!=]=\s*(expected|computed|icv|tag)\b"#)
        for f in layers {
            for (n, line) in try source(f).split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") && line.contains(pattern) {
                Issue.record("\(f):\(n + 1) compares authenticator bytes with == or !=: \(line)")
            }
        }
    }

    // MARK: Key material wiped

    /// SecretBytes storage is overwritten with zeros before it is freed.
    @Test func secretBytesAreZeroedOnRelease() {
        var seen: [UInt8]?
        do {
            let secret = SecretBytes([UInt8](repeating: 0xA5, count: 48))
            secret.storage.onRelease = { seen = Array($0) }
            #expect(secret.bytes == [UInt8](repeating: 0xA5, count: 48))
        }
        #expect(seen == [UInt8](repeating: 0, count: 48))
    }

    /// The temporary buffers of the key schedule (PRF inputs, g^xy copies, DH private values) go
    /// through `wipe`, which leaves zeros.
    @Test func wipeLeavesZeros() {
        var buffer = [UInt8](repeating: 0x5A, count: 100)
        buffer.withUnsafeMutableBytes { wipe($0) }
        #expect(buffer == [UInt8](repeating: 0, count: 100))
    }

    // MARK: DH public values validated for every group

    /// For every group, Main Mode message 3 with a bad KE value (wrong length, 0, 1, p-1, p for MODP;
    /// (0, 0) and off-curve for ECP; small-order u for Curve25519) is refused with INVALID-KEY-INFORMATION,
    /// and the responder keeps no SA. (IPsecCryptoTests checks the same values, and the subgroup, at the DH layer.)
    @Test(arguments: try nonEmpty(DHGroup.all))
    func badKEValuesAreRefusedInEveryGroup(group: DHGroup) throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-\(group.name)", esp: "aes128-sha256", legacy: group.isLegacy)
        var pair = try Pair(a: a, b: b, seed: 12)
        var checked = 0
        pair.onDeliver = { delivery, receiver in
            guard delivery.to == .b, let m = try? ISAKMPMessage.decode(delivery.bytes), let payloads = m.payloads,
                  let ke = payloads.first(ofType: KeyExchangePayload.self) else { return }
            let n = ke.data.count
            var bad: [[UInt8]] = [[UInt8](repeating: 1, count: n - 1), [UInt8](repeating: 1, count: n + 1), [UInt8](repeating: 0, count: n)]
            if let p = group.modpPrime {
                var pMinus1 = p
                pMinus1[n - 1] -= 1
                bad += [[UInt8](repeating: 0, count: n - 1) + [1], pMinus1, p]
            } else if group == .curve25519 {
                bad.append([1] + [UInt8](repeating: 0, count: 31))
            } else {
                var offCurve = ke.data
                offCurve[n - 1] ^= 1
                bad.append(offCurve)
            }
            for value in bad {
                let tampered = ISAKMPMessage(header: m.header, payloads: payloads.map { p in
                    if case .keyExchange = p { return .keyExchange(KeyExchangePayload(data: value)) } else { return p }
                }).encode()
                var copy = receiver
                var env = Environment(now: delivery.at, entropy: SeededEntropy(seed: 1))
                let actions = copy.handle(.datagram(bytes: tampered, from: delivery.from, to: delivery.destination), &env)
                #expect(Self.errors(actions).map(\.kind) == [.invalidKey], "\(group): \(value.prefix(4))…")
                #expect(copy.sessionCount == 0 && copy.resources.halfOpen == 0)
                checked += 1
            }
        }
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 10)
        #expect(checked >= 4)
        Complete.expectMatchingChildren(pair)
    }

    // MARK: No RSA-encryption authentication

    /// Authentication methods 4 and 5 (RSA encryption, revised RSA encryption) are never chosen:
    /// alone they get NO-PROPOSAL-CHOSEN; beside a PSK transform, the PSK one is chosen.
    @Test(arguments: [[UInt16(4)], [5], [4, 5], [4, 1], [5, 1]])
    func rsaEncryptionIsNeverNegotiated(methods: [UInt16]) throws {
        let b = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256").1
        var endpoint = try IKEv1Endpoint(configs: [b])
        var env = Environment(now: EngineTime(milliseconds: 0), entropy: SeededEntropy(seed: 1))
        let base = b.ikeProposals[0].transform(number: 1)
        let transforms = methods.enumerated().map { i, m in
            TransformPayload(number: UInt8(i + 1), transformID: base.transformID, attributes: base.attributes.map {
                $0.type == IKEAttribute.authenticationMethod ? .basic(IKEAttribute.authenticationMethod, m) : $0
            })
        }
        let sa = SecurityAssociationPayload(proposals: [ProposalPayload(number: 1, protocolID: .isakmp, transforms: transforms)])
        let mm1 = ISAKMPMessage(header: ISAKMPHeader(initiatorCookie: Cookie(42), responderCookie: .zero, exchangeType: .mainMode),
                                payloads: [.securityAssociation(sa)]).encode()
        let actions = endpoint.handle(.datagram(bytes: mm1, from: Pair.addressA, to: Pair.addressB), &env)
        guard case .send(let reply)? = actions.first, let payloads = try ISAKMPMessage.decode(reply.bytes).payloads else {
            Issue.record("no reply"); return
        }
        if methods.contains(1) {
            let chosen = try #require(payloads.first(ofType: SecurityAssociationPayload.self)?.proposals.first?.transforms)
            #expect(chosen.count == 1 && chosen[0].attributes.contains(.basic(IKEAttribute.authenticationMethod, 1)))
        } else {
            #expect(payloads.all(ofType: NotificationPayload.self).map(\.notifyType) == [.noProposalChosen])
            #expect(Self.errors(actions).map(\.kind) == [.noProposalChosen] && endpoint.sessionCount == 0)
        }
    }

    // MARK: Unprotected Informationals ignored

    /// Encrypted but without a HASH payload, a Delete changes nothing (and is not answered).
    @Test func informationalWithoutHashIsIgnored() throws {
        let (pair, sa) = try Self.established()
        let s = pair.a.sessions[sa]!
        let delete: [Payload] = [.delete(DeletePayload(protocolID: .isakmp, spiSize: 16, spis: [s.cookieI.bytes + s.cookieR.bytes]))]
        let (b, actions) = Self.deliver(try Self.protected(s, .informational, mid: 77, hash: nil, delete), to: pair.b)
        #expect(b.isakmpSAs.count == 1 && b.childSAs.count == 1 && Self.sends(actions) == 0)
        #expect(Self.errors(actions).map(\.kind) == [.payloadMalformed])
    }

    /// An Informational for an ISAKMP SA the responder does not have is dropped and counted.
    @Test func informationalOutsideAnISAKMPSAIsDropped() throws {
        let (pair, _) = try Self.established()
        let h = ISAKMPHeader(initiatorCookie: Cookie(0xdead), responderCookie: Cookie(0xbeef), exchangeType: .informational, messageID: 5)
        let forged = ISAKMPMessage(header: h, payloads: [.notification(NotificationPayload(protocolID: .isakmp, notifyType: .invalidSPI,
                                                                                           spi: [], data: []))]).encode()
        let (b, actions) = Self.deliver(forged, to: pair.b)
        #expect(Self.sends(actions) == 0 && b.isakmpSAs.count == 1 && b.childSAs.count == 1)
        #expect(b.counters.dropped[.unknownSA] == 1)
    }

    // MARK: Message-ID reuse rejected

    /// A new, correctly protected Quick Mode message 1 that reuses the message ID of the completed
    /// Quick Mode is refused: no answer, no child.
    @Test func quickModeMessageIDReuseIsRejected() throws {
        let (pair, sa) = try Self.established()
        var s = pair.a.sessions[sa]!
        let usedMID = try #require(pair.b.childSAs.first).messageID
        var env = Environment(now: pair.now, entropy: SeededEntropy(seed: 10))
        var actions: [Action] = []
        s.startQuickMode(rekeying: nil, env: &env, into: &actions)
        guard case .send(let qm1)? = actions.first else { Issue.record("no QM1"); return }
        let message = try ISAKMPMessage.decode(qm1.bytes)
        let (protection, iv) = try Self.protection(s, mid: message.header.messageID)
        let d = try protection.decrypt(message, iv: iv)
        let rest = Array(d.payloads.dropFirst())
        let hash1 = protection.keys.quickModeHash1(messageID: usedMID, afterHash: ISAKMPMessage.encodePayloads(rest))
        let (b, out) = Self.deliver(try Self.protected(s, .quickMode, mid: usedMID, hash: hash1, rest), to: pair.b)
        #expect(Self.sends(out) == 0 && b.childSAs.count == 1)
        #expect(Self.errors(out).map(\.kind) == [.unexpectedMessage] && Self.errors(out).first?.reason.contains("already used") == true)
        // The same message under a fresh message ID is answered: only the reuse was refused.
        let fresh: UInt32 = usedMID &+ 1
        let hashFresh = protection.keys.quickModeHash1(messageID: fresh, afterHash: ISAKMPMessage.encodePayloads(rest))
        #expect(Self.sends(Self.deliver(try Self.protected(s, .quickMode, mid: fresh, hash: hashFresh, rest), to: pair.b).1) == 1)
    }

    /// A replayed Informational (a DPD R-U-THERE) is not acted on twice.
    @Test func replayedInformationalIsDropped() throws {
        var (pair, sa) = try Self.established()
        let n = pair.log.count
        pair.feed(.a, .probeDPD(sa: sa))
        let probe = try #require(pair.log[n...].compactMap { if case .send(let d) = $0.action { d } else { nil } }.first)
        let (b1, first) = Self.deliver(probe.bytes, to: pair.b)
        #expect(Self.sends(first) == 1)   // R-U-THERE-ACK
        let (_, again) = Self.deliver(probe.bytes, to: b1)
        #expect(Self.sends(again) == 0 && Self.errors(again).first?.reason.contains("replayed") == true)
    }
}
