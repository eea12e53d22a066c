import Foundation
import IPsecCrypto
import IPsecTestSupport
import Testing
import TestSupport

/// Chain verification (RFC 5280 §6) over the openssl-made PKI of
/// Fixtures/x509 (Scripts/make-x509-fixtures.sh), at injected times.
@Suite struct CertificateChainTests {
    static func load(_ name: String) throws -> Certificate {
        try #require(try Certificate.load(contentsOf: Fixtures.url("x509/\(name).pem").path).first)
    }

    /// 2030-06-01 00:00:00 UTC: inside every fixture window except leaf-expired's.
    static let mid2030: Int64 = 1_906_502_400

    @Test func leafThroughIntermediateToRoot() throws {
        let (root, intermediate, leaf) = (try Self.load("root"), try Self.load("intermediate"), try Self.load("leaf-rsa"))
        let store = TrustStore(anchors: [root])
        let chain = try store.verify(leaf, intermediates: [intermediate], at: Self.mid2030)
        #expect(chain == [leaf, intermediate, root])
        #expect(try store.verify(Self.load("leaf-p256"), intermediates: [], at: Self.mid2030).count == 2)
        // Extra, unrelated intermediates do no harm.
        #expect(try store.verify(leaf, intermediates: [Self.load("other-root"), intermediate], at: Self.mid2030) == chain)
        #expect(store.caNames == [root.subject])
        #expect(store.anchor(named: try DistinguishedName(parsing: "c=ch, o=swift-ikev1 TEST, cn=test root ca")) == root)
        #expect(store.anchor(named: intermediate.subject) == nil)
    }

    @Test func intermediateAsAnchorIsEnough() throws {
        let store = TrustStore(anchors: [try Self.load("intermediate")])
        let chain = try store.verify(Self.load("leaf-rsa"), intermediates: [], at: Self.mid2030)
        #expect(chain.count == 2)
    }

    @Test func wrongCAIsUntrustedAndNamesTheIssuer() throws {
        let store = TrustStore(anchors: [try Self.load("other-root")])
        let leaf = try Self.load("leaf-rsa")
        let intermediate = try Self.load("intermediate")
        #expect(throws: CertificateError.untrusted(subject: intermediate.subject, issuer: try Self.load("root").subject)) {
            try store.verify(leaf, intermediates: [intermediate], at: Self.mid2030)
        }
        let error = CertificateError.untrusted(subject: intermediate.subject, issuer: intermediate.issuer)
        #expect(error.notifyType == 22)
        #expect(error.description.contains("CN=Test Root CA"))
    }

    @Test func missingIntermediateIsUntrusted() throws {
        let leaf = try Self.load("leaf-rsa")
        #expect(throws: CertificateError.untrusted(subject: leaf.subject, issuer: leaf.issuer)) {
            try TrustStore(anchors: [Self.load("root")]).verify(leaf, intermediates: [], at: Self.mid2030)
        }
    }

    @Test func validityIsCheckedAtTheInjectedTime() throws {
        let store = TrustStore(anchors: [try Self.load("root")])
        let expired = try Self.load("leaf-expired")
        #expect(throws: CertificateError.expired(subject: expired.subject, notAfter: expired.notAfter)) {
            try store.verify(expired, intermediates: [], at: Self.mid2030)
        }
        // The same certificate inside its window (mid 2020) verifies.
        #expect(try store.verify(expired, intermediates: [], at: 1_590_969_600).count == 2)
        // Valid one second before notAfter, expired one second after (libcrypto already
        // counts the notAfter second itself as expired, RFC 5280 §4.1.2.5 would not).
        #expect(try store.verify(expired, intermediates: [], at: expired.notAfter - 1).count == 2)
        #expect(throws: CertificateError.self) { try store.verify(expired, intermediates: [], at: expired.notAfter + 1) }

        let leaf = try Self.load("leaf-p256")
        #expect(throws: CertificateError.notYetValid(subject: leaf.subject, notBefore: leaf.notBefore)) {
            try store.verify(leaf, intermediates: [], at: leaf.notBefore - 1)
        }
        let message = CertificateError.expired(subject: expired.subject, notAfter: expired.notAfter).description
        #expect(message == "certificate \"C=CH, O=swift-ikev1 test, CN=old.example.org\" expired at 2021-01-01 00:00:00 UTC")
    }

    @Test func tamperedSignatureIsBadSignature() throws {
        let leaf = try Self.load("leaf-p256")
        var der = leaf.der
        der[der.count - 5] ^= 0x01          // inside the signature BIT STRING
        let tampered = try Certificate(der: der)
        #expect(throws: CertificateError.badSignature(subject: leaf.subject)) {
            try TrustStore(anchors: [Self.load("root")]).verify(tampered, intermediates: [], at: Self.mid2030)
        }
        // Tampering with a signed field (the subject CN "sun" -> "tun") breaks it too.
        let cn = Array("sun.example.org".utf8)
        let at = try #require((0...(leaf.der.count - cn.count)).first { leaf.der[$0..<$0 + cn.count].elementsEqual(cn) })
        var body = leaf.der
        body[at] = UInt8(ascii: "t")
        let renamed = try Certificate(der: body)
        #expect(renamed.subject.first("CN") == "tun.example.org")
        #expect(throws: CertificateError.badSignature(subject: renamed.subject)) {
            try TrustStore(anchors: [Self.load("root")]).verify(renamed, intermediates: [], at: Self.mid2030)
        }
    }

    @Test func utcFormatting() {
        #expect(CertificateError.utc(0) == "1970-01-01 00:00:00 UTC")
        #expect(CertificateError.utc(951_782_400) == "2000-02-29 00:00:00 UTC")
        #expect(CertificateError.utc(4_102_444_799) == "2099-12-31 23:59:59 UTC")
        #expect(CertificateError.utc(-1) == "1969-12-31 23:59:59 UTC")
    }

    /// The certificates come from TestPKI (made in memory, P-256 keys for speed).
    @Test("a certificate a peer sends again is parsed once; the store keeps the last 64 it parsed")
    func peerCertificatesParsedOnce() throws {
        let pki = try TestPKI(algorithm: .ecdsaP256, notBefore: 0, notAfter: 4_000_000_000)
        let store = pki.trustStore
        let leaves = try (0...64).map { try pki.issueLeaf(commonName: "peer \($0)", algorithm: .ecdsaP256).certificate }
        let first = try store.certificate(der: leaves[0].der)
        #expect(first == leaves[0] && first !== leaves[0])
        #expect(try store.certificate(der: leaves[0].der) === first)
        // A copy of the store shares what it parsed.
        let copy = store
        #expect(try copy.certificate(der: leaves[0].der) === first)
        for leaf in leaves.dropFirst() { _ = try store.certificate(der: leaf.der) }
        // 65 parsed: the first was dropped and is parsed anew; the last is kept.
        #expect(try store.certificate(der: leaves[0].der) !== first)
        let last = try store.certificate(der: leaves[64].der)
        #expect(try store.certificate(der: leaves[64].der) === last)
        #expect(throws: CryptoError.self) { try store.certificate(der: [0x30, 0x00]) }
    }
}
