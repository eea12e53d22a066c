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
    }
}
