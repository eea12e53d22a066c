import IKEv1
import IPsecCrypto
import Testing
import TestSupport

/// The IKE and IPsec DOI numbers of the algorithms (RFC 2409 Appendix A, RFC 2407 §4.4.4 and §4.5,
/// RFC 4106, RFC 4309, RFC 4543, RFC 4868), owned by the engine's policy layer, written and read back.
struct AlgorithmCodeTests {
    @Test func ikeAttributeValues() {
        #expect(EncryptionAlgorithm.des.ikeAttributeValue == 1 && EncryptionAlgorithm.tripleDES.ikeAttributeValue == 5)
        #expect(EncryptionAlgorithm.aesCBC(keyBits: 256).ikeAttributeValue == 7 && EncryptionAlgorithm.aesGCM(keyBits: 128, icvLength: 16).ikeAttributeValue == nil)
        #expect(HashAlgorithm(ikeAttributeValue: 1) == .md5 && HashAlgorithm(ikeAttributeValue: 2) == .sha1)
        #expect(HashAlgorithm(ikeAttributeValue: 4) == .sha256 && HashAlgorithm(ikeAttributeValue: 3) == nil)
        #expect(HashAlgorithm(ikeAttributeValue: 5) == .sha384 && HashAlgorithm(ikeAttributeValue: 6) == .sha512)
        #expect(IntegrityAlgorithm.sha256.ikeAttributeValue == 4 && IntegrityAlgorithm.aesXCBC.ikeAttributeValue == nil)
    }

    /// text, ESP transform ID, Authentication Algorithm attribute (nil for AEAD).
    static let espCodes: [(String, UInt16, UInt16?)] = [
        ("aes128-sha256", 12, 5), ("aes256-sha384", 12, 6), ("aes256-sha512", 12, 7), ("3des-sha1", 3, 2),
        ("des-md5", 2, 1), ("aes128-aesxcbc", 12, 9), ("null-sha1", 11, 2), ("aes128ctr-sha1", 13, 2),
        ("aes128gcm8", 18, nil), ("aes192gcm12", 19, nil), ("aes256gcm16", 20, nil), ("aes128gmac", 23, nil),
        ("cast128-sha1", 6, 2), ("blowfish128-sha256", 7, 5), ("aes128ccm8", 14, nil), ("aes192ccm12", 15, nil),
        ("aes256ccm16", 16, nil),
    ]

    @Test(arguments: try nonEmpty(espCodes))
    func espCodesRoundTrip(text: String, transform: UInt16, auth: UInt16?) throws {
        let proposal = try #require(ChildProposal.proposals(notation: text).first)
        let encryption = try #require(proposal.encryption)
        #expect(encryption.espTransformID == transform)
        #expect(proposal.integrity?.espAuthAlgorithm == auth)
        let keyBits = encryption.keyLengthAttribute
        #expect(EncryptionAlgorithm(espTransformID: UInt8(transform), keyBits: keyBits) == encryption)
        if let auth { #expect(IntegrityAlgorithm(espAuthAlgorithm: auth) == proposal.integrity) }
    }
}
