import Foundation
import IPsecCrypto
import IPsecTestSupport
import Testing
import TestSupport

/// Certificates built in memory (for tests and `ikev1 demo --auth`): checked
/// by our TrustStore and, when the openssl CLI is on PATH, by `openssl verify`.
@Suite struct CertificateBuilderTests {
    static let now: Int64 = 1_900_000_000

    struct PKI {
        let root: Certificate, rootKey: SigningKey
        let intermediate: Certificate, intermediateKey: SigningKey
        let leaf: Certificate, leafKey: SigningKey
    }

    static func makePKI(root rootAlgorithm: KeyAlgorithm, leaf leafAlgorithm: KeyAlgorithm) throws -> PKI {
        let rootKey = try SigningKey.generate(rootAlgorithm)
        let root = try CertificateBuilder(subject: DistinguishedName(parsing: "C=CH, O=builder, CN=Root"),
                                          notBefore: now - 86_400, notAfter: now + 86_400 * 365, isCA: true).selfSigned(key: rootKey)
        let intermediateKey = try SigningKey.generate(.ecdsaP384)
        let intermediate = try CertificateBuilder(subject: DistinguishedName(parsing: "C=CH, O=builder, CN=Intermediate"),
                                                  notBefore: now - 86_400, notAfter: now + 86_400 * 300, isCA: true, pathLength: 0)
            .issued(publicKey: VerifyingKey(intermediateKey), by: root, issuerKey: rootKey)
        let leafKey = try SigningKey.generate(leafAlgorithm)
        let leaf = try CertificateBuilder(subject: DistinguishedName(parsing: "C=CH, O=builder, CN=moon"),
                                          notBefore: now - 3600, notAfter: now + 86_400 * 30,
                                          subjectAltNames: [.dns("moon.example.org"), .email("moon@example.org"), .ip([10, 1, 0, 1]),
                                                            .ip([0xfe, 0x80] + Array(repeating: 0, count: 13) + [1])],
                                          serial: [0x01, 0x02, 0x03])
            .issued(publicKey: VerifyingKey(leafKey), by: intermediate, issuerKey: intermediateKey)
        return PKI(root: root, rootKey: rootKey, intermediate: intermediate, intermediateKey: intermediateKey, leaf: leaf, leafKey: leafKey)
    }

    @Test(arguments: [(KeyAlgorithm.rsa(bits: 2048), KeyAlgorithm.ecdsaP256), (.ecdsaP521, .rsa(bits: 2048)), (.ecdsaP256, .ecdsaP384)])
    func builtChainVerifies(root: KeyAlgorithm, leaf: KeyAlgorithm) throws {
        let pki = try Self.makePKI(root: root, leaf: leaf)
        #expect(try TrustStore(anchors: [pki.root]).verify(pki.leaf, intermediates: [pki.intermediate], at: Self.now)
            == [pki.leaf, pki.intermediate, pki.root])
        #expect(pki.root.isSelfSigned && pki.root.isCA && pki.root.pathLength == nil)
        #expect(pki.intermediate.isCA && pki.intermediate.pathLength == 0 && !pki.intermediate.isSelfSigned)
        #expect(!pki.leaf.isCA)
        #expect(pki.leaf.serialHex == "010203")
        #expect(pki.leaf.keyDescription == leaf.description)
        #expect(pki.root.keyDescription == root.description)
        #expect(pki.leaf.notBefore == Self.now - 3600 && pki.leaf.notAfter == Self.now + 86_400 * 30)
        #expect(pki.leaf.matches(dns: "moon.example.org") && pki.leaf.matches(email: "moon@example.org"))
        #expect(pki.leaf.matches(ip: [10, 1, 0, 1]))
        #expect(pki.leaf.subjectAltNames.map(\.description) ==
                ["DNS:moon.example.org", "email:moon@example.org", "IP Address:10.1.0.1", "IP Address:FE80:0:0:0:0:0:0:1"])
        // The leaf key signs, the certificate's key verifies.
        let hash = [UInt8](repeating: 7, count: 32)
        #expect(try pki.leaf.publicKey.verify(signature: pki.leafKey.sign(hash: hash), hash: hash))
        // Keys survive a PEM and a DER round trip.
        #expect(try SigningKey(pem: pki.leafKey.pem).keyDescription == leaf.description)
        #expect(try SigningKey(der: pki.leafKey.der).keyDescription == leaf.description)
        #expect(try Certificate.load(pem: pki.leaf.pem) == [pki.leaf])
    }

    @Test func builtCAConstraintsAreEnforced() throws {
        let pki = try Self.makePKI(root: .ecdsaP256, leaf: .ecdsaP256)
        // A leaf (no CA bit) that issues a certificate: notCA.
        let rogue = try CertificateBuilder(subject: DistinguishedName(parsing: "CN=rogue"), notBefore: Self.now - 10, notAfter: Self.now + 10)
            .issued(publicKey: VerifyingKey(SigningKey.generate(.ecdsaP256)), by: pki.leaf, issuerKey: pki.leafKey)
        #expect(throws: CertificateError.notCA(subject: pki.leaf.subject)) {
            try TrustStore(anchors: [pki.root]).verify(rogue, intermediates: [pki.leaf, pki.intermediate], at: Self.now)
        }
        // Outside the leaf's window at an injected time.
        #expect(throws: CertificateError.expired(subject: pki.leaf.subject, notAfter: pki.leaf.notAfter)) {
            try TrustStore(anchors: [pki.root]).verify(pki.leaf, intermediates: [pki.intermediate], at: pki.leaf.notAfter + 1)
        }
    }

    @Test func badBuilderInputIsATypedError() throws {
        let key = try SigningKey.generate(.ecdsaP256)
        let name = try DistinguishedName(parsing: "CN=x")
        #expect(throws: CryptoError(.invalidCertificate, "")) {
            try CertificateBuilder(subject: name, notBefore: 10, notAfter: 5).selfSigned(key: key)
        }
        #expect(throws: CryptoError(.invalidCertificate, "")) {
            try CertificateBuilder(subject: name, notBefore: 0, notAfter: 5, subjectAltNames: [.ip([1, 2, 3])]).selfSigned(key: key)
        }
        #expect(throws: CryptoError(.invalidKeyLength, "")) { try SigningKey.generate(.rsa(bits: 512)) }
    }

    /// A second implementation agrees: `openssl verify -attime` over the PEMs we wrote.
    @Test(.enabled(if: ChildProcess.openssl != nil, "openssl command not installed")) func opensslVerifiesBuiltChain() throws {
        let pki = try Self.makePKI(root: .rsa(bits: 2048), leaf: .ecdsaP256)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("x509-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (file, certificate) in [("root.pem", pki.root), ("intermediate.pem", pki.intermediate), ("leaf.pem", pki.leaf)] {
            try certificate.pem.write(to: dir.appendingPathComponent(file), atomically: true, encoding: .utf8)
        }
        let args = ["verify", "-x509_strict", "-attime", String(Self.now), "-CAfile", dir.appendingPathComponent("root.pem").path,
                    "-untrusted", dir.appendingPathComponent("intermediate.pem").path, dir.appendingPathComponent("leaf.pem").path]
        let ok = try Self.run(args)
        #expect(ok.status == 0, "openssl verify: \(ok.output)")
        // ... and refuses it when the intermediate is missing, or after expiry.
        #expect(try Self.run(Array(args[0...5]) + [dir.appendingPathComponent("leaf.pem").path]).status != 0)
        var late = args
        late[3] = String(pki.leaf.notAfter + 1)
        #expect(try Self.run(late).status != 0)
        // openssl prints the SANs we put in.
        let text = try Self.run(["x509", "-in", dir.appendingPathComponent("leaf.pem").path, "-noout", "-ext", "subjectAltName"])
        #expect(text.output.contains("DNS:moon.example.org, email:moon@example.org, IP Address:10.1.0.1, IP Address:FE80:0:0:0:0:0:0:1"))
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let result = try ChildProcess.run(try #require(ChildProcess.openssl), arguments)
        return (result.status, result.text)
    }
}

/// The in-memory PKI of `ikev1 demo --auth`.
@Suite struct TestPKITests {
    @Test(arguments: [KeyAlgorithm.rsa(bits: 2048), .ecdsaP256], [false, true])
    func leavesVerifyUnderTheRoot(algorithm: KeyAlgorithm, intermediate: Bool) throws {
        let now: Int64 = 1_800_000_000
        let pki = try TestPKI(algorithm: algorithm, intermediate: intermediate, notBefore: now - 60, notAfter: now + 3600,
                              organization: "Acme, Inc.")
        let (leaf, key) = try pki.issueLeaf(commonName: "moon", subjectAltNames: [.dns("moon.example.org")], algorithm: .ecdsaP384)
        let chain = try pki.trustStore.verify(leaf, intermediates: pki.intermediates, at: now)
        #expect(chain.count == (intermediate ? 3 : 2))
        #expect(chain.last == pki.root)
        #expect(leaf.subject.description == "C=CH, O=Acme\\, Inc., CN=moon")
        #expect(leaf.subject.first("O") == "Acme, Inc.")
        #expect(key.matches(leaf) && !pki.rootKey.matches(leaf) && pki.rootKey.matches(pki.root))
        #expect(leaf.keyDescription == "ECDSA P-384" && pki.root.keyDescription == algorithm.description)
        #expect(pki.trustStore.caNames == [pki.root.subject])
        // A leaf issued outside the window fails at the injected time.
        let (late, _) = try pki.issueLeaf(commonName: "sun", algorithm: .ecdsaP256, notBefore: now + 60, notAfter: now + 120)
        #expect(throws: CertificateError.notYetValid(subject: late.subject, notBefore: now + 60)) {
            try pki.trustStore.verify(late, intermediates: pki.intermediates, at: now)
        }
    }
}
