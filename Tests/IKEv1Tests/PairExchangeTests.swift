import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire
import Testing

/// Main Mode + Quick Mode between two endpoints of this library.
@Suite struct PairExchangeTests {
    /// Runs a full exchange and checks both sides derived the same child SA keys.
    static func complete(_ a: PeerConfig, _ b: PeerConfig, seed: UInt64 = 1) throws -> Pair {
        var pair = try Pair(a: a, b: b, seed: seed)
        pair.feed(.a, .initiate(peer: a.name))
        pair.run(seconds: 60) { !$0.installed(.a).isEmpty && !$0.installed(.b).isEmpty }
        return pair
    }

    static func expectMatchingChildren(_ pair: Pair, sourceLocation: SourceLocation = #_sourceLocation) {
        let ca = pair.installed(.a), cb = pair.installed(.b)
        #expect(ca.count == 1 && cb.count == 1, "children: \(ca.count)/\(cb.count); failures: \(pair.failures(.a)) \(pair.failures(.b)); trace:\n\(pair.trace.joined(separator: "\n"))", sourceLocation: sourceLocation)
        guard let x = ca.first, let y = cb.first else { return }
        #expect(x.inbound == y.outbound, sourceLocation: sourceLocation)
        #expect(x.outbound == y.inbound, sourceLocation: sourceLocation)
        #expect(x.proposal == y.proposal, sourceLocation: sourceLocation)
        #expect(x.inbound.encryptionKey.count == (x.proposal.encryption?.keyingMaterialLength ?? 0), sourceLocation: sourceLocation)
        #expect(x.inbound.integrityKey.count == (x.proposal.integrity?.keyLength ?? 0), sourceLocation: sourceLocation)
        #expect(x.inbound.encryptionKey != x.outbound.encryptionKey || x.inbound.encryptionKey.count == 0, sourceLocation: sourceLocation)
    }

    @Test func mainModeAndQuickModeWithDefaults() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256-modp2048")
        let pair = try Self.complete(a, b)
        Self.expectMatchingChildren(pair)
        #expect(pair.established(.a).count == 1 && pair.established(.b).count == 1)
        #expect(pair.failures(.a).isEmpty && pair.failures(.b).isEmpty)
        #expect(pair.notifies(.b).map(\.type) == [.initialContact])
        #expect(pair.installed(.a).first?.udpEncapsulated == false)
    }

    /// Ka, the one key the endpoint gives out (for Wireshark's table): the same on both sides,
    /// as long as the cipher's key (3DES: 24 bytes, expanded by RFC 2409 App. B from SHA-1's 20), nil for an unknown SA.
    @Test(arguments: [("aes256-sha384-ecp384", 32), ("3des-sha1-modp2048", 24)])
    func phase1EncryptionKeyIsKaOnBothSides(ike: String, length: Int) throws {
        let (a, b) = try TestConfig.pair(ike: ike, esp: "aes128-sha256")
        let pair = try Self.complete(a, b)
        let id = try #require(pair.established(.a).first?.id)
        let ka = try #require(pair.a.phase1EncryptionKey(id))
        #expect(ka.count == length)
        #expect(pair.b.phase1EncryptionKey(id) == ka)
        #expect(pair.a.phase1EncryptionKey(Cookie(0x0707_0707_0707_0707)) == nil)
    }

    static let encryptions = ["des", "3des", "aes128", "aes192", "aes256"]
    static let hashes = ["md5", "sha1", "sha256", "sha384", "sha512"]
    static let groups = ["modp768", "modp1024", "modp1536", "modp2048", "modp3072", "modp4096", "ecp256", "ecp384", "modp2048s256"]

    /// The seed's whole matrix: every cipher × hash × group (225 combinations), PFS on
    /// alternate combinations, transport mode on every third.
    @Test(arguments: encryptions)
    func matrix(encryption: String) throws {
        for (i, hash) in Self.hashes.enumerated() {
            for (j, group) in Self.groups.enumerated() {
                let n = i * Self.groups.count + j
                let pfs = n % 2 == 0
                let mode: IPsecMode = n % 3 == 0 ? .transport : .tunnel
                let ike = "\(encryption)-\(hash)-\(group)"
                let esp = "\(encryption)-\(hash)" + (pfs ? "-\(group)" : "")
                let (a, b) = try TestConfig.pair(ike: ike, esp: esp, legacy: true, mode: mode)
                let pair = try Self.complete(a, b, seed: UInt64(n + 1))
                Self.expectMatchingChildren(pair)
                #expect(pair.established(.a).first?.proposal.description == ike)
            }
        }
    }

    @Test func aesGCMChildHasSaltInItsKey() throws {
        let (a, b) = try TestConfig.pair(ike: "aes256-sha384-ecp384", esp: "aes256gcm16-ecp384")
        let pair = try Self.complete(a, b)
        Self.expectMatchingChildren(pair)
        #expect(pair.installed(.a).first?.inbound.encryptionKey.count == 36)
        #expect(pair.installed(.a).first?.inbound.integrityKey.count == 0)
    }

    /// Quick Mode negotiates every ESP cipher IPsecCrypto has: AES-CTR with an HMAC,
    /// AES-GCM with 8/12-byte ICVs and AES-GMAC (no Authentication-Algorithm), each
    /// keyed with KEYMAT for the key plus a 4-byte salt/nonce; AES-CCM with the key
    /// plus a 3-byte salt (RFC 4309 §7.1).
    @Test(arguments: [
        ("aes128ctr-sha256", 16 + 4, 32), ("aes256gcm8", 32 + 4, 0), ("aes128gcm12", 16 + 4, 0), ("aes128gmac", 16 + 4, 0),
        ("aes128ccm16", 16 + 3, 0), ("aes256ccm8", 32 + 3, 0), ("aes192ccm12", 24 + 3, 0),
    ])
    func espCipherNegotiates(esp: String, encryptionKeyLength: Int, integrityKeyLength: Int) throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: esp)
        let pair = try Self.complete(a, b)
        Self.expectMatchingChildren(pair)
        #expect(pair.installed(.a).first?.proposal.description == esp)
        #expect(pair.installed(.a).first?.inbound.encryptionKey.count == encryptionKeyLength)
        #expect(pair.installed(.a).first?.inbound.integrityKey.count == integrityKeyLength)
    }

    /// Blowfish and CAST-128 (RFC 2451) negotiate in Quick Mode and in Main Mode
    /// (Phase 1 attribute 3 and 6 with a Key Length), but only under `legacy`.
    @Test(arguments: [("blowfish128-sha256", "blowfish128-sha256-modp2048"), ("cast128-sha1", "cast128-sha1-modp2048"),
                      ("blowfish256-sha256", "blowfish256-sha256-modp2048"), ("aes128ccm16", "blowfish192-sha1-modp2048")])
    func legacyRFC2451CiphersNegotiateOnlyUnderLegacy(esp: String, ike: String) throws {
        let (a, b) = try TestConfig.pair(ike: ike, esp: esp, legacy: true)
        let pair = try Self.complete(a, b)
        Self.expectMatchingChildren(pair)
        #expect(pair.established(.a).first?.proposal.description == ike)
        #expect(pair.installed(.a).first?.proposal.description == esp)
        let (refused, _) = try TestConfig.pair(ike: ike, esp: esp)
        #expect(throws: IKEv1Error.self) { try refused.validate() }
    }

    @Test func ahChild() throws {
        let (a, b) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "ah-sha256")
        let pair = try Self.complete(a, b)
        Self.expectMatchingChildren(pair)
        #expect(pair.installed(.b).first?.ipsecProtocol == .ah)
    }
}
