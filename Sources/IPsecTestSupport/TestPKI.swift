import IPsecCrypto

/// A throw-away PKI made in memory, for tests and `ikev1 demo --auth rsa|ecdsa`:
/// a root CA, optionally an intermediate CA under it, and leaves on demand.
/// Keys come from libcrypto's RNG. Names are "C=CH, O=<organization>, CN=...".
public struct TestPKI: Sendable {
    /// The self-signed root CA (the trust anchor).
    public let root: Certificate
    /// The root's key.
    public let rootKey: SigningKey
    /// The intermediate CA that issues the leaves, when asked for.
    public let intermediate: Certificate?
    /// The intermediate's key.
    public let intermediateKey: SigningKey?
    /// The O= of every name.
    public let organization: String
    /// The validity window of the CAs, Unix seconds.
    public let notBefore: Int64, notAfter: Int64

    /// Makes the CAs: the root (and the intermediate) with `algorithm` keys, valid over `notBefore...notAfter`.
    public init(algorithm: KeyAlgorithm, intermediate withIntermediate: Bool = false, notBefore: Int64, notAfter: Int64,
                organization: String = "swift-ikev1 test") throws(CryptoError) {
        self.organization = organization
        self.notBefore = notBefore
        self.notAfter = notAfter
        rootKey = try SigningKey.generate(algorithm)
        root = try CertificateBuilder(subject: Self.name(organization, "Test Root CA"), notBefore: notBefore, notAfter: notAfter,
                                      isCA: true).selfSigned(key: rootKey)
        if withIntermediate {
            let key = try SigningKey.generate(algorithm)
            intermediate = try CertificateBuilder(subject: Self.name(organization, "Test Intermediate CA"), notBefore: notBefore,
                                                  notAfter: notAfter, isCA: true, pathLength: 0)
                .issued(publicKey: VerifyingKey(key), by: root, issuerKey: rootKey)
            intermediateKey = key
        } else {
            intermediate = nil
            intermediateKey = nil
        }
    }

    /// A store trusting the root.
    public var trustStore: TrustStore { TrustStore(anchors: [root]) }

    /// The certificates a peer sends after its leaf (the intermediate, if any).
    public var intermediates: [Certificate] { intermediate.map { [$0] } ?? [] }

    /// A leaf "C=CH, O=<organization>, CN=<commonName>" with `subjectAltNames`, a fresh `algorithm`
    /// key, issued by the intermediate (or the root); validity defaults to the CAs' window.
    public func issueLeaf(commonName: String, subjectAltNames: [SubjectAltName] = [], algorithm: KeyAlgorithm,
                          notBefore: Int64? = nil, notAfter: Int64? = nil) throws(CryptoError) -> (certificate: Certificate, key: SigningKey) {
        let key = try SigningKey.generate(algorithm)
        let certificate = try CertificateBuilder(subject: Self.name(organization, commonName), notBefore: notBefore ?? self.notBefore,
                                                 notAfter: notAfter ?? self.notAfter, subjectAltNames: subjectAltNames)
            .issued(publicKey: VerifyingKey(key), by: intermediate ?? root, issuerKey: intermediateKey ?? rootKey)
        return (certificate, key)
    }

    private static func name(_ organization: String, _ commonName: String) throws(CryptoError) -> DistinguishedName {
        func escaped(_ value: String) -> String {
            value.replacingAll("\\", with: "\\\\").replacingAll(",", with: "\\,").replacingAll("\"", with: "\\\"")
        }
        return try DistinguishedName(parsing: "C=CH, O=\(escaped(organization)), CN=\(escaped(commonName))")
    }
}

private extension String {
    func replacingAll(_ character: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == character { out += replacement } else { out.append(c) } }
        return out
    }
}
