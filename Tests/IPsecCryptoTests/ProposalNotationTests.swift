import IPsecCrypto
import Testing
import TestSupport

/// strongSwan proposal notation (swanctl.conf `proposals`/`esp_proposals`
/// keywords): parsing, printing, errors, registry codes and legacy policy.
@Suite struct ProposalNotationTests {
    static let canonical = [
        "aes128-sha256-modp2048", "aes256gcm16-ecp384", "3des-md5", "aes128-sha1-modp1024",
        "aes256-sha384-ecp384", "aes128gcm8", "aes128ctr", "null-sha1", "des-md5",
        "aes128-sha512-modp768-modp1536-modp3072-modp4096-modp6144-modp8192",
        "aes192-aesxcbc-modp1024s160-modp2048s224-modp2048s256",
        "aes256-sha256-ecp192-ecp224-ecp256-ecp521-ecp224bp-ecp256bp-ecp384bp-ecp512bp-curve25519",
        "aes128gcm12-aes256gmac-esn-noesn", "aes128-aes256-sha1-sha256-prfsha256-modp2048",
        "aes128-sha256-modp2048,3des-sha1-modp1024!", "aes128-sha256!",
        "blowfish128-sha256-modp2048", "blowfish192-blowfish256-sha1", "cast128-md5",
        "aes128ccm8-aes128ccm12-aes128ccm16-aes256ccm16-esn", "aes192ccm16,aes128gcm16",
    ]

    @Test(arguments: canonical)
    func canonicalStringsRoundTrip(text: String) throws {
        let list = try ProposalList(parsing: text)
        #expect(list.description == text)
        #expect(try ProposalList(parsing: list.description) == list)
    }

    @Test(arguments: [
        ("aes128-sha2_256-modp2048", "aes128-sha256-modp2048"),
        ("aes-sha-x25519", "aes128-sha1-curve25519"),
        ("aes256gcm-ecp384", "aes256gcm16-ecp384"),
        ("aes128gcm64,aes128gcm96,aes128gcm128", "aes128gcm8,aes128gcm12,aes128gcm16"),
        ("AES128-SHA2_384-ECP384", "aes128-sha384-ecp384"),
        ("blowfish-sha1,cast128-sha1", "blowfish128-sha1,cast128-sha1"),
        ("aes128ccm,aes256ccm128,aes128ccm96,aes128ccm64", "aes128ccm16,aes256ccm16,aes128ccm12,aes128ccm8"),
    ])
    func aliasesPrintCanonically(input: String, expected: String) throws {
        #expect(try ProposalList(parsing: input).description == expected)
    }

    @Test func unknownWordsNameTheWordAndPosition() {
        for (text, word, position) in [("aes128-sha257-modp2048", "'sha257'", 7), ("aes128-sha1,foo", "'foo'", 12),
                                       ("aes512", "'aes512'", 0)] {
            do {
                _ = try ProposalList(parsing: text)
                Issue.record("\(text) parsed")
            } catch {
                #expect(error.code == .invalidProposal)
                #expect(error.reason.contains(word) && error.reason.contains("position \(position)"), "\(error.reason)")
            }
        }
        #expect(throws: CryptoError(.invalidProposal, "")) { try ProposalList(parsing: "aes128--sha1") }
        #expect(throws: CryptoError(.invalidProposal, "")) { try ProposalList(parsing: "") }
        #expect(throws: CryptoError(.invalidProposal, "")) { try ProposalList(parsing: "aes128-sha1,") }
    }

    @Test func legacyClassification() throws {
        #expect(try ProposalList(parsing: "des-sha256-modp2048").proposals[0].legacyAlgorithms == ["des"])
        #expect(try ProposalList(parsing: "aes128-md5-modp1024").proposals[0].legacyAlgorithms == ["md5", "modp1024"])
        #expect(try ProposalList(parsing: "aes128-sha1-modp768-modp1536").proposals[0].legacyAlgorithms == ["modp768", "modp1536"])
        #expect(try !ProposalList(parsing: "aes128-sha256-modp2048-modp1024s160").proposals[0].isLegacy)
        #expect(try ProposalList(parsing: "blowfish128-cast128-aes128-sha256").proposals[0].legacyAlgorithms
                == ["blowfish128", "cast128"])
        #expect(try !ProposalList(parsing: "aes128ccm16").proposals[0].isLegacy)
        let suites = try ProposalList(parsing: "3des-md5-modp1024").proposals[0].ikeSuites(authentication: .preSharedKey)
        #expect(suites.count == 1 && suites[0].isLegacy)
    }

    @Test func ikeSuitesCarryIKEv1Codes() throws {
        let suites = try ProposalList(parsing: "aes128-aes256-sha256-sha1-modp2048-ecp384").proposals[0]
            .ikeSuites(authentication: .rsaSignature)
        #expect(suites.count == 8)
        let s = suites[0]
        #expect(s.description == "aes128-sha256-modp2048")
        #expect(s.encryption == .aesCBC(keyBits: 128) && s.encryption.keyLengthAttribute == 128)
        #expect(s.hash == .sha256 && s.group.id == 14 && s.authentication.rawValue == 3)
        #expect(s.blockSize == 16 && s.encryptionKeyLength == 16)
        #expect(throws: CryptoError(.invalidProposal, "")) {
            try ProposalList(parsing: "aes128gcm16-ecp384").proposals[0].ikeSuites(authentication: .preSharedKey)
        }
        #expect(throws: CryptoError(.invalidProposal, "")) {
            try ProposalList(parsing: "aes128-sha256").proposals[0].ikeSuites(authentication: .preSharedKey)
        }
    }

    @Test func childSuitesCarryKeyLengths() throws {
        let cases: [(String, Int, Int)] = [
            // text, KEYMAT length, ICV length
            ("aes128-sha256", 16 + 32, 16),
            ("aes256-sha384", 32 + 48, 24),
            ("aes256-sha512", 32 + 64, 32),
            ("3des-sha1", 24 + 20, 12),
            ("des-md5", 8 + 16, 12),
            ("aes128-aesxcbc", 16 + 16, 12),
            ("null-sha1", 20, 12),
            ("aes128ctr-sha1", 20 + 20, 12),
            ("aes128gcm8", 20, 8),
            ("aes192gcm12", 28, 12),
            ("aes256gcm16", 36, 16),
            ("aes128gmac", 20, 16),
            ("cast128-sha1", 16 + 20, 12),
            ("blowfish128-sha256", 16 + 32, 16),
            ("blowfish256-sha1", 32 + 20, 12),
            ("aes128ccm8", 16 + 3, 8),
            ("aes192ccm12", 24 + 3, 12),
            ("aes256ccm16", 32 + 3, 16),
        ]
        for (text, keymat, icv) in cases {
            let suite = try ProposalList(parsing: text).proposals[0].childSuites()[0]
            #expect(suite.keymatLength == keymat, "\(text)")
            #expect(suite.icvLength == icv, "\(text)")
            #expect(suite.description == text)
        }
        let pfs = try ProposalList(parsing: "aes128-sha256-modp2048-esn").proposals[0].childSuites()
        #expect(pfs.count == 1 && pfs[0].pfsGroup == .modp2048 && pfs[0].extendedSequenceNumbers)
        #expect(throws: CryptoError(.invalidProposal, "")) {
            try ChildSuite(encryption: .aesGCM(keyBits: 128, icvLength: 16), integrity: .sha1)
        }
    }

    /// Fixtures/captures/strongswan/aggressive-mode-psk/keys.json: ESP aes256gcm16 keys
    /// are AES key | 4-byte salt, 36 bytes from KEYMAT, no integrity key.
    @Test func gcmKeysSplitAsStrongSwanDid() throws {
        let keys = try Fixtures.json("captures/strongswan/aggressive-mode-psk/keys.json")
        let p1 = keys.object("phase1"), qm = keys.objects("quick_modes")[0]
        let ike = try ProposalList(parsing: p1.string("configured_proposals")).proposals[0]
            .ikeSuites(authentication: .preSharedKey)[0]
        let phase1 = ike.phase1Keys(preSharedKey: SecretBytes(keys.bytes("psk_hex")), nonceI: p1.bytes("nonce_i"),
                                    nonceR: p1.bytes("nonce_r"), sharedSecret: SecretBytes(p1.bytes("g_xy")),
                                    cookieI: p1.bytes("cookie_i"), cookieR: p1.bytes("cookie_r"))
        #expect(phase1.encryptionKey.bytes == p1.bytes("encryption_key"))
        let suite = try ProposalList(parsing: "aes256gcm16").proposals[0].childSuites()[0]
        let split = suite.keys(phase1: phase1, protocolID: 3, spi: qm.bytes("spi_r"), nonceI: qm.bytes("nonce_i"), nonceR: qm.bytes("nonce_r"))
        #expect(split.encryptionKey.bytes == qm.bytes("encryption_initiator_key"))
        #expect(split.integrityKey.count == 0)
        _ = try AEADCipher(.gcm, keyingMaterial: split.encryptionKey, icvLength: suite.icvLength)
    }
}
