import Foundation
import IKEv1
import IPsecCrypto
import IPsecTestSupport
import ISAKMPWire
import Testing
import TestSupport

/// Phase 1 authenticated with RSA (method 3) and ECDSA (RFC 4754 methods 9/10/11) signatures
/// and X.509 certificates made by `PairPKI`, Main Mode and Aggressive Mode; A initiates, B responds.
@Suite struct SignatureAuthTests {
    typealias Complete = PairExchangeTests

    static func expectEstablished(_ pair: EndpointPair, method: AuthMethod, exchange: ExchangeType,
                                  sourceLocation: SourceLocation = #_sourceLocation) {
        Complete.expectMatchingChildren(pair, sourceLocation: sourceLocation)
        let ia = pair.established(.a).first, ib = pair.established(.b).first
        #expect(ia?.proposal.authMethod == method && ib?.proposal.authMethod == method, sourceLocation: sourceLocation)
        #expect(ia?.exchange == exchange, sourceLocation: sourceLocation)
        #expect(ia?.peerCertificate?.subject == PairPKI.subject(.b), sourceLocation: sourceLocation)
        #expect(ib?.peerCertificate?.subject == PairPKI.subject(.a), sourceLocation: sourceLocation)
    }

    /// Every seed cipher and hash, with RSA and with ECDSA P-256, in Main Mode and Aggressive Mode.
    @Test(arguments: ["rsa", "p256"], [false, true])
    func cipherAndHashMatrix(algorithm: String, aggressive: Bool) throws {
        for (i, encryption) in Complete.encryptions.enumerated() {
            for (j, hash) in Complete.hashes.enumerated() {
                let ike = "\(encryption)-\(hash)-modp2048"
                let (a, b) = try TestConfig.signed(algorithm, ike: ike, legacy: true, aggressive: aggressive)
                var pair = try EndpointPair.signed(a: a, b: b, seed: UInt64(i * 5 + j + 1))
                pair.initiate()
                Self.expectEstablished(pair, method: algorithm == "rsa" ? .rsaSignature : .ecdsaP256,
                                       exchange: aggressive ? .aggressive : .mainMode)
                #expect(pair.established(.a).first?.proposal.description == ike)
            }
        }
    }

    /// ECDSA on P-384 and P-521 (methods 10 and 11): HASH_I/HASH_R with HMAC-SHA-384/512
    /// whatever the negotiated hash (RFC 4754 §3).
    @Test(arguments: [("p384", AuthMethod.ecdsaP384, false), ("p384", .ecdsaP384, true), ("p521", .ecdsaP521, false), ("p521", .ecdsaP521, true)])
    func largerCurves(algorithm: String, method: AuthMethod, aggressive: Bool) throws {
        let (a, b) = try TestConfig.signed(algorithm, ike: "aes256-sha1-ecp384", aggressive: aggressive)
        var pair = try EndpointPair.signed(a: a, b: b)
        pair.initiate()
        Self.expectEstablished(pair, method: method, exchange: aggressive ? .aggressive : .mainMode)
    }

    /// B's certificate comes from an intermediate CA; A trusts only the root, so B must send the
    /// intermediate with its certificate when A's Certificate Request names the root.
    @Test(arguments: [false, true])
    func chainWithIntermediate(aggressive: Bool) throws {
        let (a, b) = try TestConfig.signed("p256", aggressive: aggressive) { _, b in
            b.authenticate(with: try PairPKI.credentials("p256", .b, issuer: PairPKI.intermediate))
        }
        var pair = try EndpointPair.signed(a: a, b: b)
        pair.initiate()
        Self.expectEstablished(pair, method: .ecdsaP256, exchange: aggressive ? .aggressive : .mainMode)
        #expect(pair.established(.a).first?.peerCertificate?.issuer == PairPKI.intermediate.certificate.subject)
    }

    /// ID_DER_ASN1_DN identities: the configured remote DN, written as swanctl writes it, matches
    /// the certificate subject as a name even though its DER differs from the certificate's.
    @Test func distinguishedNameIdentities() throws {
        let (a, b) = try TestConfig.signed("rsa") { a, b in
            a.localIdentity = .derASN1DN(PairPKI.subject(.a).der)
            b.localIdentity = .derASN1DN(PairPKI.subject(.b).der)
            a.remoteIdentity = try .distinguishedName("C=CH,O=swift-ikev1,CN=responder.example")
            b.remoteIdentity = try .distinguishedName("c=CH, o=swift-ikev1, cn=initiator.example")
        }
        var pair = try EndpointPair.signed(a: a, b: b)
        pair.initiate()
        Self.expectEstablished(pair, method: .rsaSignature, exchange: .mainMode)
        #expect(pair.established(.b).first?.remoteIdentity == .derASN1DN(PairPKI.subject(.a).der))
        #expect(pair.established(.b).first?.remoteIdentity.readableDescription == "C=CH, O=swift-ikev1, CN=initiator.example")
        #expect(throws: IKEv1Error(.configuration, "")) { try Identity.distinguishedName("not a dn") }
    }

    /// ID_USER_FQDN and ID_IPV6_ADDR identities, found among the certificate's subjectAltNames.
    @Test(arguments: [(Identity.userFQDN("alice@initiator.example"), SubjectAltName.email("alice@initiator.example")),
                      (.ipv6([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]),
                       .ip([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]))])
    func subjectAltNameIdentities(identity: Identity, san: SubjectAltName) throws {
        let (a, b) = try TestConfig.signed("rsa") { a, b in
            let key = PairPKI.key("rsa", .a)
            a.authenticate(with: try SignatureCredentials(signingKey: key, chain: [PairPKI.leaf(.a, key: key, sans: [san])],
                                                          trustAnchors: [PairPKI.root.certificate]))
            a.localIdentity = identity
            b.remoteIdentity = identity
        }
        var pair = try EndpointPair.signed(a: a, b: b)
        pair.initiate()
        Self.expectEstablished(pair, method: .rsaSignature, exchange: .mainMode)
        #expect(pair.established(.b).first?.remoteIdentity == identity)
    }

    /// A configured DN with `CN=*` accepts any peer of that organisation; another organisation is refused.
    @Test func wildcardDistinguishedName() throws {
        let (a, b) = try TestConfig.signed("p256") { a, b in
            a.localIdentity = .derASN1DN(PairPKI.subject(.a).der)
            b.remoteIdentity = try .distinguishedName("C=CH, O=swift-ikev1, CN=*")
        }
        var pair = try EndpointPair.signed(a: a, b: b)
        pair.initiate()
        Self.expectEstablished(pair, method: .ecdsaP256, exchange: .mainMode)
        let (a2, b2) = try TestConfig.signed("p256") { a, b in
            a.localIdentity = .derASN1DN(PairPKI.subject(.a).der)
            b.remoteIdentity = try .distinguishedName("C=CH, O=elsewhere, CN=*")
        }
        var refused = try EndpointPair.signed(a: a2, b: b2)
        refused.initiate()
        #expect(refused.failures(.b).first?.error.kind == .invalidID)
        #expect(refused.failures(.b).first?.error.reason.contains("is not the configured \"C=CH, O=elsewhere, CN=*\"") == true)
    }

    /// Certificates go out only when asked (charon's `send_cert = ifasked`): with no Certificate
    /// Request from A, B sends none and A cannot verify B (CERTIFICATE-UNAVAILABLE).
    @Test func certificateSentOnlyWhenRequested() throws {
        let (a, b) = try TestConfig.signed("p256") { a, _ in a.changeCredentials { $0.sendCertificateRequests = false } }
        var pair = try EndpointPair.signed(a: a, b: b)
        pair.initiate()
        #expect(pair.failures(.a).first?.error.kind == .certificateUnavailable)
        #expect(pair.installed(.a).isEmpty && pair.installed(.b).isEmpty)
        #expect(pair.a.sessionCount == 0 && pair.b.sessionCount == 0)
        // Told to send always, B's certificate arrives without a request.
        let (a2, b2) = try TestConfig.signed("p256") { a, b in
            a.changeCredentials { $0.sendCertificateRequests = false }
            b.changeCredentials { $0.sendCertificates = .always }
        }
        var pair2 = try EndpointPair.signed(a: a2, b: b2)
        pair2.initiate()
        #expect(pair2.installed(.a).count == 1 && pair2.failures(.a).isEmpty)
    }

    /// A seeded signature exchange reproduces every byte with RSA (PKCS#1 v1.5 is deterministic)
    /// and the same certificates.
    @Test func rsaExchangeIsDeterministic() throws {
        let (a, b) = try TestConfig.signed("rsa")
        func transcript() throws -> [[UInt8]] {
            var pair = try EndpointPair.signed(a: a, b: b, seed: 5)
            pair.initiate()
            #expect(pair.installed(.a).count == 1)
            return pair.transcript
        }
        let first = try transcript()
        #expect(try transcript() == first)
    }
}

/// Configuration checks for signature authentication.
@Suite struct SignatureConfigTests {
    @Test func signatureProposalsNeedMatchingCredentials() throws {
        var (a, _) = try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256")
        a.ikeProposals = try IKEProposal.proposals(notation: "aes128-sha256-modp2048", authMethod: .rsaSignature)
        #expect(throws: IKEv1Error(.configuration, "")) { try a.validate() }   // no credentials
        a.authentication = .signatures(try PairPKI.credentials("p256", .a))   // the proposals still say RSA
        let mismatch = #expect(throws: IKEv1Error.self) { try a.validate() }   // RSA proposal, EC key
        #expect(mismatch?.reason.contains("ECDSA P-256") == true)
        a.authenticate(with: try PairPKI.credentials("p256", .a))
        try a.validate()
        #expect(a.ikeProposals.allSatisfy { $0.authMethod == .ecdsaP256 })
        a.localIdentity = .fqdn("someone-else.example")
        let identity = #expect(throws: IKEv1Error.self) { try a.validate() }
        #expect(identity?.reason.contains("@someone-else.example") == true)
        a.ikeProposals[0].authMethod = .dssSignature
        #expect(throws: IKEv1Error(.configuration, "")) { try a.validate() }
    }

    @Test func credentialsRefuseAKeyThatIsNotTheCertificates() throws {
        let chain = [PairPKI.leaf(.a, key: PairPKI.key("p256", .a))]
        #expect(throws: IKEv1Error(.configuration, "")) {
            try SignatureCredentials(signingKey: PairPKI.key("p256", .b), chain: chain, trustAnchors: [PairPKI.root.certificate])
        }
        #expect(throws: IKEv1Error(.configuration, "")) {
            try SignatureCredentials(signingKey: PairPKI.key("p256", .a), chain: chain, trustAnchors: [])
        }
        let ok = try SignatureCredentials(signingKey: PairPKI.key("p256", .a), chain: chain, trustAnchors: [PairPKI.root.certificate])
        #expect(ok.authMethod == .ecdsaP256 && ok.identity == .derASN1DN(chain[0].subject.der))
    }
}

/// Credentials loaded from files made by the openssl CLI (Fixtures/x509, see Fixtures/README.md),
/// not by our own builder: the path `ikev1 --cert/--key/--ca` takes.
@Suite struct SignatureFileCredentialsTests {
    static func file(_ name: String) -> String {
        Fixtures.url("x509/\(name)").path
    }

    /// The engine reads no files: IPsecCrypto loads them (IKEv1Config's CredentialFiles does the
    /// same for the CLI and config file, with its errors: IKEv1ToolTests/CertificateConfigTests).
    static func credentials(_ leaf: String, ca: String) throws -> SignatureCredentials {
        try SignatureCredentials(signingKey: SigningKey(contentsOf: file("\(leaf).key")),
                                 chain: Certificate.load(contentsOf: file("\(leaf).pem")),
                                 trustAnchors: Certificate.load(contentsOf: file(ca)))
    }

    /// sun (P-256 under the RSA test root) and moon (P-256 under an unrelated root) each trust the
    /// other's root: ECDSA method 9 both ways; sun shows its subject DN, moon an FQDN from its SANs.
    static func configs(sun: String = "leaf-p256") throws -> (PeerConfig, PeerConfig) {
        let sunCredentials = try credentials(sun, ca: "other-root.pem")
        let moonCredentials = try credentials("leaf-other", ca: "root.pem")
        return try TestConfig.pair(ike: "aes128-sha256-modp2048", esp: "aes128-sha256") { a, b in
            a.authenticate(with: sunCredentials)
            b.authenticate(with: moonCredentials)
            a.localIdentity = sunCredentials.identity   // the subject DN (leaf-expired has no SANs)
            b.localIdentity = .fqdn("moon.example.org")
            a.remoteIdentity = .fqdn("moon.example.org")
            b.remoteIdentity = nil
        }
    }

    @Test func opensslMadeCertificatesAuthenticate() throws {
        let (a, b) = try Self.configs()
        var pair = try EndpointPair.signed(a: a, b: b, unixTime: PairPKI.now + 86_400)
        pair.initiate()
        PairExchangeTests.expectMatchingChildren(pair)
        #expect(pair.established(.b).first?.peerCertificate?.subject.first("CN") == "sun.example.org")
        #expect(pair.established(.a).first?.proposal.authMethod == .ecdsaP256)
    }

    @Test func expiredFileCertificateIsRefusedByThePeer() throws {
        let (a, b) = try Self.configs(sun: "leaf-expired")
        var pair = try EndpointPair.signed(a: a, b: b, unixTime: PairPKI.now + 86_400)
        pair.initiate()
        let error = try #require(pair.failures(.b).first?.error)
        #expect(error.kind == .invalidCertificate && error.reason.contains("expired at 2021-01-01 00:00:00 UTC"))
        #expect(pair.a.sessionCount == 0 && pair.b.sessionCount == 0)
    }
}

extension PeerConfig {
    /// Changes an option of the signature credentials (records an issue when there are none).
    mutating func changeCredentials(_ change: (inout SignatureCredentials) -> Void) {
        guard case .signatures(var credentials) = authentication else {
            Issue.record("\(name) authenticates with a pre-shared key")
            return
        }
        change(&credentials)
        authentication = .signatures(credentials)
    }
}
