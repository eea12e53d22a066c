@testable import IKEv1
import IPsecCrypto
import ISAKMPWire
import Testing

/// HASH_I and HASH_R cover SAi_b and IDii_b/IDir_b as they travelled (RFC 2409 §5), so a peer
/// whose encoding differs from ours still authenticates. The initiator here is written out by
/// hand from RFC 2409 §5 and Appendix B (no engine code on its side): its SA offer lists the
/// transform's attributes in another order than ours with Key-Length and Life-Duration as TLV
/// where we write TV, and its ID carries protocol UDP and port 500 where we send 0/0.
/// A responder that hashed over its own rendering of the offer or the identity (our proposal's
/// transform, an ID without protocol and port) fails here.
@Suite struct ForeignEncodingTests {
    static let proposal = (try? IKEProposal.proposals(notation: "aes128-sha256-modp2048"))?.first

    /// The foreign offer: AES-128 / SHA-256 / MODP-2048 / PSK / 15000 s, in the order
    /// auth, group, hash, cipher, key length, life type, life duration.
    static let offer = SecurityAssociationPayload(proposals: [ProposalPayload(number: 1, protocolID: .isakmp, transforms: [
        TransformPayload(number: 1, transformID: TransformID(rawValue: TransformID.keyIKE, protocolID: .isakmp), attributes: [
            .basic(IKEAttribute.authenticationMethod, 1), .basic(IKEAttribute.groupDescription, 14),
            .basic(IKEAttribute.hashAlgorithm, 4), .basic(IKEAttribute.encryptionAlgorithm, 7),
            DataAttribute(type: IKEAttribute.keyLength, value: .variable([0x00, 0x80])),
            .basic(IKEAttribute.lifeType, 1), DataAttribute(type: IKEAttribute.lifeDuration, value: .variable([0, 0, 0x3a, 0x98])),
        ]),
    ])])
    static let identity = IdentificationPayload(.fqdn("initiator.example"), protocolID: 17, port: 500)

    @Test func mainModeCompletesWithAnInitiatorsOwnEncoding() throws {
        let proposal = try #require(Self.proposal)
        let (_, config) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256") { _, b in
            b.remoteIdentity = .fqdn("initiator.example")
        }
        // The offer means what ours would, in other bytes.
        let saiB = Payload.securityAssociation(Self.offer).body
        #expect(IKEProposal(transform: Self.offer.proposals[0].transforms[0]) == proposal)
        #expect(saiB != ISAKMPSession.offer([proposal]).body)
        #expect(Self.identity.body != IdentificationPayload(.fqdn("initiator.example")).body)

        var responder = try IKEv1Endpoint(configs: [config])
        var env = Environment(now: EngineTime(milliseconds: 0), entropy: SeededEntropy(seed: 14))
        var peerEntropy: any EntropySource = SeededEntropy(seed: 41)
        func exchange(_ bytes: [UInt8]) throws -> (ISAKMPMessage, [Action]) {
            let actions = responder.handle(.datagram(bytes: bytes, from: Pair.addressA, to: Pair.addressB), &env)
            let sent = actions.compactMap { if case .send(let d) = $0 { d.bytes } else { nil } }
            #expect(!actions.contains { if case .failed = $0 { true } else { false } }, "\(actions)")
            return (try ISAKMPMessage.decode(try #require(sent.first)), actions)
        }

        // MM1 / MM2: the chosen transform comes back as it was offered.
        let cookieI = Cookie(0x0f0e_0d0c_0b0a_0908)
        var header = ISAKMPHeader(initiatorCookie: cookieI, responderCookie: .zero, exchangeType: .mainMode)
        let (mm2, _) = try exchange(ISAKMPMessage(header: header, payloads: [.securityAssociation(Self.offer)]).encode())
        header.responderCookie = mm2.header.responderCookie
        let reply = try #require(mm2.payloads?.first(ofType: SecurityAssociationPayload.self))
        #expect(reply.proposals[0].transforms == Self.offer.proposals[0].transforms)

        // MM3 / MM4: KE and nonces; both sides derive SKEYID and Ka.
        let dh = try DHKeyPair.generate(group: proposal.group, entropy: &peerEntropy)
        let nonceI = peerEntropy.bytes(32)
        let (mm4, _) = try exchange(ISAKMPMessage(header: header, payloads: [
            .keyExchange(KeyExchangePayload(data: dh.publicValue)), .nonce(NoncePayload(data: nonceI)),
        ]).encode())
        let gxr = try #require(mm4.payloads?.first(ofType: KeyExchangePayload.self)).data
        let nonceR = try #require(mm4.payloads?.first(ofType: NoncePayload.self)).data
        let keys = IKEv1Phase1Keys(prf: IKEv1PRF(hash: proposal.hash), input: .preSharedKey(TestConfig.psk), nonceI: nonceI,
                                   nonceR: nonceR, sharedSecret: try dh.sharedSecret(peer: gxr), cookieI: cookieI.bytes,
                                   cookieR: header.responderCookie.bytes, encryptionKeyLength: proposal.encryption.keyLength)
        let cipher = try CBCCipher(algorithm: proposal.encryption, key: keys.encryptionKey)
        let blockSize = proposal.encryption.blockSize

        // MM5 / MM6: HASH_I over the bytes this initiator sent; HASH_R over the responder's.
        let hashI = keys.hashI(gxi: dh.publicValue, gxr: gxr, cookieI: cookieI.bytes, cookieR: header.responderCookie.bytes,
                               saiB: saiB, idiiB: Self.identity.body)
        var plain = ISAKMPMessage.encodePayloads([.identification(Self.identity), .hash(HashPayload(data: hashI))])
        plain += [UInt8](repeating: 0, count: blockSize - plain.count % blockSize)
        let ct5 = try cipher.encrypt(plain, iv: IKEv1IV.phase1(hash: proposal.hash, gxi: dh.publicValue, gxr: gxr, blockSize: blockSize))
        header.nextPayload = .identification
        let (mm6, actions) = try exchange(ISAKMPMessage(header: header, body: .encrypted(ct5)).encode())
        let established = actions.compactMap { if case .isakmpSAEstablished(let info) = $0 { info } else { nil } }
        #expect(established.map(\.remoteIdentity) == [.fqdn("initiator.example")])

        guard case .encrypted(let ct6) = mm6.body else { Issue.record("MM6 in the clear"); return }
        let (payloads, _) = try mm6.decodeDecrypted(try cipher.decrypt(ct6, iv: IKEv1IV.next(afterCiphertext: ct5, blockSize: blockSize)))
        let idr = try #require(payloads.first(ofType: IdentificationPayload.self))
        let hashR = keys.hashR(gxi: dh.publicValue, gxr: gxr, cookieI: cookieI.bytes, cookieR: header.responderCookie.bytes,
                               saiB: saiB, idirB: idr.body)
        #expect(payloads.first(ofType: HashPayload.self)?.data == hashR)
    }
}
