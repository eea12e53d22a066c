import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire

/// Certificates made in memory for the signature tests: a root CA with an intermediate under
/// it and an unrelated root (IPsecTestSupport's `TestPKI`), and leaves for both pair sides (RSA-2048,
/// P-256, P-384, P-521) whose keys are generated once per test process. Everything is valid
/// around `PairPKI.now`.
enum PairPKI {
    /// 2026-01-01 00:00:00 UTC: the wall-clock time the pair runs at.
    static let now: Int64 = 1_767_225_600
    static let year: Int64 = 365 * 86_400

    struct Authority {
        let key: SigningKey
        let certificate: Certificate
    }

    static let pki = try! TestPKI(algorithm: .ecdsaP256, intermediate: true, notBefore: now - year, notAfter: now + 10 * year,
                                  organization: "swift-ikev1")
    static let other = try! TestPKI(algorithm: .ecdsaP256, notBefore: now - year, notAfter: now + 10 * year, organization: "Other")
    static let root = Authority(key: pki.rootKey, certificate: pki.root)
    static let otherRoot = Authority(key: other.rootKey, certificate: other.root)
    static let intermediate = Authority(key: pki.intermediateKey!, certificate: pki.intermediate!)

    static func dn(_ text: String) -> DistinguishedName { try! DistinguishedName(parsing: text) }

    /// The pair's two sides (see `TestConfig.pair`): A is 192.0.2.1 / initiator.example, B 192.0.2.2 / responder.example.
    enum Side { case a, b }

    static func subject(_ side: Side) -> DistinguishedName {
        dn("C=CH, O=swift-ikev1, CN=\(side == .a ? "initiator" : "responder").example")
    }

    static func leaf(_ side: Side, key: SigningKey, issuer: Authority = root, notBefore: Int64 = now - year,
                     notAfter: Int64 = now + year, sans: [SubjectAltName]? = nil) -> Certificate {
        let names = sans ?? (side == .a ? [.dns("initiator.example"), .ip([192, 0, 2, 1])]
                                        : [.dns("responder.example"), .ip([192, 0, 2, 2])])
        return try! CertificateBuilder(subject: subject(side), notBefore: notBefore, notAfter: notAfter, subjectAltNames: names)
            .issued(publicKey: VerifyingKey(key), by: issuer.certificate, issuerKey: issuer.key)
    }

    /// Leaf keys, one per side and algorithm.
    static let keys: [String: SigningKey] = {
        var out: [String: SigningKey] = [:]
        for (name, algorithm) in [("rsa", KeyAlgorithm.rsa(bits: 2048)), ("p256", .ecdsaP256), ("p384", .ecdsaP384), ("p521", .ecdsaP521)] {
            out[name + "a"] = try! SigningKey.generate(algorithm)
            out[name + "b"] = try! SigningKey.generate(algorithm)
        }
        return out
    }()

    static func key(_ algorithm: String, _ side: Side) -> SigningKey { keys[algorithm + (side == .a ? "a" : "b")]! }

    /// Credentials for one side: its leaf under `issuer` (with the intermediate in the chain when
    /// the issuer is it), trusting `anchors`.
    static func credentials(_ algorithm: String, _ side: Side, issuer: Authority = root, anchors: [Certificate] = [root.certificate],
                            notAfter: Int64 = now + year) throws -> SignatureCredentials {
        let key = key(algorithm, side)
        var chain = [leaf(side, key: key, issuer: issuer, notAfter: notAfter)]
        if issuer.certificate == intermediate.certificate { chain.append(intermediate.certificate) }
        return try SignatureCredentials(signingKey: key, chain: chain, trustAnchors: anchors)
    }
}

extension TestConfig {
    /// A pair authenticated with certificates of `algorithm` (`rsa`, `p256`, `p384`, `p521`) on both sides.
    static func signed(_ algorithm: String, ike: String = "aes128-sha256-modp2048", esp: String = "aes128-sha256",
                       legacy: Bool = false, aggressive: Bool = false,
                       customize: (inout PeerConfig, inout PeerConfig) throws -> Void = { _, _ in }) throws -> (PeerConfig, PeerConfig) {
        var (a, b) = try pair(ike: ike, esp: esp, legacy: legacy, aggressive: aggressive)
        a.authenticate(with: try PairPKI.credentials(algorithm, .a))
        b.authenticate(with: try PairPKI.credentials(algorithm, .b))
        b.allowAggressiveModePSKResponder = false   // signatures need no permission
        try customize(&a, &b)
        return (a, b)
    }
}

extension EndpointPair {
    /// A pair whose wall clock reads `PairPKI.now` at virtual time zero.
    static func signed(a: PeerConfig, b: PeerConfig, seed: UInt64 = 1, unixTime: Int64 = PairPKI.now) throws -> EndpointPair {
        var pair = try EndpointPair(a: a, b: b, seed: seed)
        pair.unixTimeOrigin = unixTime
        return pair
    }

    /// Runs Phase 1 and Quick Mode to completion (or failure) from A.
    mutating func initiate(seconds: Double = 60) {
        feed(.a, .initiate(peer: a.configs[0].name))
        run(seconds: seconds) { !$0.installed(.a).isEmpty && !$0.installed(.b).isEmpty }
    }
}
