import Foundation
import IPsecCrypto
import Testing
import TestSupport

/// Certificates made by the openssl CLI (Scripts/make-x509-fixtures.sh, see
/// Fixtures/README.md), checked field by field against what openssl printed
/// about them (`NAME.expect`).
@Suite struct CertificateParsingTests {
    static let names = ["root", "intermediate", "leaf-rsa", "leaf-p256", "leaf-expired", "other-root", "leaf-other"]

    static func path(_ file: String) -> String { Fixtures.url("x509/\(file)").path }

    /// openssl's `key=value` lines; `san` may repeat in principle, so values are lists.
    static func expectation(_ name: String) throws -> [String: String] {
        let text = try String(contentsOfFile: path("\(name).expect"), encoding: .utf8)
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return fields
    }

    /// "2026-01-01 00:00:00Z" as Unix seconds, by Foundation (independent of the code under test).
    static func unix(_ iso: String) -> Int64 {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        guard let date = formatter.date(from: iso.replacingOccurrences(of: "Z", with: "")) else {
            Issue.record("openssl date \(iso) did not parse")
            return 0
        }
        return Int64(date.timeIntervalSince1970)
    }

    @Test(arguments: names)
    func fieldsMatchOpenSSL(name: String) throws {
        let expect = try Self.expectation(name)
        let certificate = try #require(try Certificate.load(contentsOf: Self.path("\(name).pem")).first)
        // openssl's `oneline` names email "emailAddress"; strongSwan's form (ours) says "E".
        #expect(certificate.subject.description == expect["subject"]?.replacingOccurrences(of: "emailAddress=", with: "E="))
        #expect(certificate.issuer.description == expect["issuer"])
        #expect(certificate.serialHex == expect["serial"]?.lowercased())
        #expect(certificate.notBefore == Self.unix(expect["notBefore"] ?? ""))
        #expect(certificate.notAfter == Self.unix(expect["notAfter"] ?? ""))
        #expect(certificate.subjectAltNames.map(\.description).joined(separator: ", ") == (expect["san"] ?? ""))
        #expect(certificate.isCA == (expect["ca"]?.hasPrefix("CA:TRUE") == true))
        if expect["ca"]?.contains("pathlen:0") == true { #expect(certificate.pathLength == 0) }
        let key = expect["keyalg"] == "rsaEncryption" ? "RSA-\(expect["keybits"] ?? "")" : "ECDSA \(expect["curve"] ?? "")"
        #expect(certificate.keyDescription == key)
        #expect(certificate.isSelfSigned == (expect["subject"] == expect["issuer"]))
        // The DER file holds the same certificate.
        let der = try Certificate.load(contentsOf: Self.path("\(name).der"))
        #expect(der == [certificate])
        #expect(try Certificate(der: certificate.der) == certificate)
    }

    @Test func publicKeyVerifiesWhatTheFixtureKeySigns() throws {
        for (cert, keyFile) in [("leaf-rsa", "leaf-rsa.key"), ("leaf-p256", "leaf-p256.key"),
                                ("leaf-p256", "leaf-p256.sec1.pem"), ("leaf-rsa", "leaf-rsa.key.der")] {
            let certificate = try Certificate(der: try Fixtures.bytes("x509/\(cert).der"))
            let key = try SigningKey(contentsOf: Self.path(keyFile))
            let hash = Array(repeating: UInt8(0x5A), count: 32)
            let signature = try key.sign(hash: hash)
            #expect(try certificate.publicKey.verify(signature: signature, hash: hash), "\(keyFile)")
            #expect(key.keyDescription == certificate.keyDescription)
        }
    }

    @Test func bundleLoadsEveryCertificateInOrder() throws {
        let chain = try Certificate.load(contentsOf: Self.path("chain.pem"))
        #expect(chain.map(\.subject.description) == ["C=CH, O=swift-ikev1 test, OU=VPN, CN=Test Intermediate CA",
                                                      "C=CH, O=swift-ikev1 test, CN=Test Root CA"])
        #expect(chain[0].isIssued(by: chain[1]))
        #expect(!chain[1].isIssued(by: chain[0]))
        #expect(chain[1].isSelfSigned && !chain[0].isSelfSigned)
    }

    @Test func identityMatching() throws {
        let moon = try #require(try Certificate.load(contentsOf: Self.path("leaf-rsa.pem")).first)
        #expect(moon.matches(dns: "moon.example.org"))
        #expect(moon.matches(dns: "MOON.example.org"))
        #expect(!moon.matches(dns: "sun.example.org"))
        #expect(moon.matches(email: "moon@example.org"))
        #expect(!moon.matches(email: "sun@example.org"))
        #expect(moon.matches(ip: [192, 0, 2, 1]))
        #expect(!moon.matches(ip: [192, 0, 2, 2]))
        #expect(moon.matches(subject: try DistinguishedName(parsing: "C=CH, O=swift-ikev1 test, CN=moon.example.org")))
        #expect(!moon.matches(subject: try DistinguishedName(parsing: "C=CH, O=swift-ikev1 test, CN=sun.example.org")))

        let sun = try #require(try Certificate.load(contentsOf: Self.path("leaf-p256.pem")).first)
        #expect(sun.matches(dns: "gw.vpn.example.org"))              // *.vpn.example.org
        #expect(!sun.matches(dns: "a.b.vpn.example.org"))            // a wildcard covers one label
        #expect(sun.matches(ip: [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1]))
        #expect(!sun.matches(email: "sun@example.org"))               // only in the DN, not a SAN
        // The CN is never used as a DNS identity (RFC 6125 §6.4.4 for IKE: SANs only).
        let expired = try #require(try Certificate.load(contentsOf: Self.path("leaf-expired.pem")).first)
        #expect(!expired.matches(dns: "old.example.org"))
    }

    @Test func badInputIsATypedError() throws {
        let der = try Fixtures.bytes("x509/leaf-rsa.der")
        let invalid = CryptoError(.invalidCertificate, "")
        #expect(throws: invalid) { try Certificate(der: Array(der.prefix(der.count - 1))) }
        #expect(throws: invalid) { try Certificate(der: Array(der.prefix(40))) }
        #expect(throws: invalid) { try Certificate(der: der + [0]) }
        #expect(throws: invalid) { try Certificate(der: []) }
        #expect(throws: invalid) { try Certificate.load(pem: "hello\n") }
        #expect(throws: invalid) { try Certificate.load(pem: "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n") }
        // A valid block followed by a broken one: the whole bundle is refused.
        let pem = try String(contentsOfFile: Self.path("root.pem"), encoding: .utf8)
        #expect(throws: invalid) { try Certificate.load(pem: pem + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n") }
        #expect(throws: CryptoError(.unreadableFile, "")) { try Certificate.load(contentsOf: Self.path("missing.pem")) }
        #expect(throws: invalid) { try Certificate.load(contentsOf: Self.path("root.key")) }
        #expect(throws: CryptoError(.invalidKeyEncoding, "")) { try SigningKey(contentsOf: Self.path("root.pem")) }
        #expect(throws: CryptoError(.unreadableFile, "")) { try SigningKey(contentsOf: Self.path("missing.key")) }
    }

    /// Every truncation is refused with the typed error; every single-byte change
    /// either parses (and every accessor then works) or is refused: never a trap.
    @Test func truncationsAndByteFlipsNeverTrap() throws {
        let der = try Fixtures.bytes("x509/leaf-p256.der")
        for length in 0..<der.count {
            #expect(throws: CryptoError(.invalidCertificate, "")) { try Certificate(der: Array(der.prefix(length))) }
        }
        var parsed = 0
        for index in der.indices {
            var mutated = der
            mutated[index] ^= 0xFF
            guard let certificate = try? Certificate(der: mutated) else { continue }
            parsed += 1
            _ = (certificate.subject.description, certificate.issuer.description, certificate.serialHex, certificate.notAfter,
                 certificate.subjectAltNames, certificate.isCA, certificate.keyDescription, certificate.isSelfSigned,
                 try? certificate.publicKey, certificate.matches(dns: "sun.example.org"), certificate.signatureAlgorithm)
            #expect(certificate.der == mutated)
        }
        #expect(parsed > 0) // flips inside string values and the signature still parse
        let name = Array(try Certificate(der: der).subject.der)
        for length in 0..<name.count {
            #expect(throws: CryptoError(.invalidCertificate, "")) { try DistinguishedName(der: Array(name.prefix(length))) }
        }
    }
}
