@testable import IKEv1
import Foundation
import IPsecCrypto
import Testing
import TestSupport

/// The engine's proposals built from IPsecCrypto's `ProposalList`.
@Suite struct ProposalConversionTests {
    @Test func ikeListExpandsEveryCombinationInOrder() throws {
        let p = try IKEProposal.proposals(notation: "aes128-aes256-sha256-modp2048,3des-sha1-modp1024")
        #expect(p.map(\.description) == ["aes128-sha256-modp2048", "aes256-sha256-modp2048", "3des-sha1-modp1024"])
    }

    @Test func childListsCoverESPAEADPFSAndAH() throws {
        #expect(try ChildProposal.proposals(notation: "aes128-sha256-sha1-modp2048,aes256gcm16").map(\.description)
            == ["aes128-sha256-modp2048", "aes128-sha1-modp2048", "aes256gcm16"])
        let ah = try ChildProposal.proposals(notation: "ah-sha256-modp2048")
        #expect(ah.map(\.ipsecProtocol) == [.ah] && ah.map(\.description) == ["ah-sha256-modp2048"])
        #expect(try ChildProposal.proposals(notation: "esp-aes128-sha1").map(\.description) == ["aes128-sha1"])
    }

    @Test(arguments: [("aes128-sha256-modp2048-foo", "'foo'"), ("aes128-sha256-modp9999", "'modp9999'")])
    func unknownWordIsNamed(text: String, word: String) {
        for parse in [{ _ = try IKEProposal.proposals(notation: text) }, { _ = try ChildProposal.proposals(notation: text) }]
            as [() throws -> Void] {
            do { try parse(); Issue.record("\(text) parsed") } catch {
                #expect((error as? CryptoError)?.code == .invalidProposal)
                #expect("\(error)".contains(word), "\(error)")
            }
        }
    }

    @Test(arguments: ["aes128gcm16-sha256-modp2048", "aes128ctr-sha256-modp2048", "aes128-modp2048", "aes128-sha256"])
    func unusableIKEProposalsAreRejected(text: String) {
        #expect(throws: CryptoError(.invalidProposal, "")) { try IKEProposal.proposals(notation: text) }
    }

    @Test(arguments: ["aes128", "aes128gcm16-sha256", "sha256", "ah-aes128-sha256", "aes128-sha256-esn"])
    func unusableChildProposalsAreRejected(text: String) {
        #expect(throws: CryptoError(.invalidProposal, "")) { try ChildProposal.proposals(notation: text) }
    }

    @Test func legacyAlgorithmsAreDetected() throws {
        #expect(try IKEProposal.proposals(notation: "des-sha256-modp2048")[0].isLegacy)
        #expect(try IKEProposal.proposals(notation: "aes128-md5-modp2048")[0].isLegacy)
        #expect(try IKEProposal.proposals(notation: "aes128-sha256-modp1024")[0].isLegacy)
        #expect(try !IKEProposal.proposals(notation: "aes128-sha256-modp2048")[0].isLegacy)
        #expect(try ChildProposal.proposals(notation: "aes128-md5").map(\.isLegacy) == [true])
        #expect(try ChildProposal.proposals(notation: "aes128-sha1-modp1536").map(\.isLegacy) == [true])
        #expect(try ChildProposal.proposals(notation: "aes128gcm12-modp2048").map(\.isLegacy) == [false])
    }

    @Test func ikeProposalsCarryIKEv1Codes() throws {
        let p = try IKEProposal.proposals(notation: "aes128-aes256-sha256-sha1-modp2048-ecp384", authMethod: .rsaSignature)
        #expect(p.count == 8)
        #expect(p[0].description == "aes128-sha256-modp2048")
        #expect(p[0].encryption == .aes(keyBits: 128) && p[0].encryption.ikeAttributeValue == 7)
        #expect(p[0].hash == .sha256 && p[0].group.id == 14 && p[0].authMethod.rawValue == 3)
        #expect(p.last?.description == "aes256-sha1-ecp384")
    }

    /// KEYMAT per SA (RFC 2409 §5.5): cipher keying material, salts included (RFC 3686 §5.1,
    /// RFC 4106 §8.1, RFC 4309 §7.1, RFC 4543 §6), then the integrity key (RFC 2404, 4868, 3566).
    @Test func childProposalsTakeTheirKeymatLength() throws {
        let cases: [(String, Int)] = [
            ("aes128-sha256", 16 + 32), ("aes256-sha384", 32 + 48), ("aes256-sha512", 32 + 64), ("3des-sha1", 24 + 20),
            ("des-md5", 8 + 16), ("aes128-aesxcbc", 16 + 16), ("null-sha1", 20), ("aes128ctr-sha1", 20 + 20),
            ("aes128gcm8", 20), ("aes192gcm12", 28), ("aes256gcm16", 36), ("aes128gmac", 20), ("cast128-sha1", 16 + 20),
            ("blowfish128-sha256", 16 + 32), ("blowfish256-sha1", 32 + 20), ("aes128ccm8", 16 + 3), ("aes192ccm12", 24 + 3),
            ("aes256ccm16", 32 + 3), ("ah-sha256", 32),
        ]
        for (text, keymat) in cases {
            let proposal = try #require(ChildProposal.proposals(notation: text).first)
            #expect(proposal.keymatLength == keymat, "\(text)")
            #expect(proposal.description == text)
        }
    }

    /// Fixtures/captures/strongswan/aggressive-mode-psk/keys.json: ESP aes256gcm16 keys are the
    /// AES key and a 4-byte salt, 36 bytes of KEYMAT, no integrity key, as charon split them.
    @Test func gcmKeysSplitAsStrongSwanDid() throws {
        let keys = try Fixtures.json("captures/strongswan/aggressive-mode-psk/keys.json")
        let p1 = keys.object("phase1"), qm = keys.objects("quick_modes")[0]
        let ike = try #require(IKEProposal.proposals(notation: p1.string("configured_proposals")).first)
        let phase1 = IKEv1Phase1Keys(prf: IKEv1PRF(hash: ike.hash), input: .preSharedKey(SecretBytes(keys.bytes("psk_hex"))),
                                     nonceI: p1.bytes("nonce_i"), nonceR: p1.bytes("nonce_r"),
                                     sharedSecret: SecretBytes(p1.bytes("g_xy")), cookieI: p1.bytes("cookie_i"),
                                     cookieR: p1.bytes("cookie_r"), encryptionKeyLength: ike.encryption.keyLength)
        #expect(phase1.encryptionKey.bytes == p1.bytes("encryption_key"))
        let child = try #require(ChildProposal.proposals(notation: "aes256gcm16").first)
        let spi = qm.bytes("spi_r").reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let split = ISAKMPSession.childKeys(child, spi: spi, nonceI: qm.bytes("nonce_i"), nonceR: qm.bytes("nonce_r"),
                                              pfs: nil, keys: phase1)
        #expect(split.encryptionKey.bytes == qm.bytes("encryption_initiator_key"))
        #expect(split.integrityKey.count == 0)
    }

    /// RFC 4754 §3 via Fixtures/rfc-vectors/ecdsa_rfc4754.json: each curve's method number and
    /// the hash HASH_I/HASH_R are computed with.
    @Test func ecdsaKeysMapToRFC4754Methods() throws {
        struct Vector: Decodable { let method: UInt16, curve: String, hash: String }
        struct File: Decodable { let vectors: [Vector] }
        let vectors = try JSONDecoder().decode(File.self, from: Data(Fixtures.bytes("rfc-vectors/ecdsa_rfc4754.json"))).vectors
        let curves: [String: SignatureKeyAlgorithm] = ["P-256": .ecdsaP256, "P-384": .ecdsaP384, "P-521": .ecdsaP521]
        for v in try nonEmpty(vectors) {
            let method = try #require(AuthMethod(key: curves[v.curve]))
            #expect(method.rawValue == v.method, "\(v.curve)")
            #expect(method.authPRF?.hash.rawValue == v.hash, "\(v.curve)")
        }
        #expect(AuthMethod(key: .rsa) == .rsaSignature && AuthMethod.rsaSignature.authPRF == nil)
        #expect(AuthMethod(key: nil) == nil)
    }
}
