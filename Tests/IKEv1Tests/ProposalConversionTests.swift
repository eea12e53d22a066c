import IKEv1
import IPsecCrypto
import Testing

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
}
