import Foundation
import IPsecCrypto
import ISAKMPWire
import Testing
@testable import IKEv1Tool
import TestSupport

/// `ikev1 decode` reports the certificates of CERT payloads and the CA names
/// of CR payloads. The reference is `openssl x509 -text` of the same DER,
/// which Scripts/make-x509-capture-expectations.sh extracted with tshark and
/// Wireshark's key table (Fixtures/x509/ikev1-certs/).
struct DecodeCertificatesTests {
    static func decodeIKEv1Certs() throws -> [DecodeRecord] {
        let table = Fixtures.url("captures/public/wireshark/config/ikev1_decryption_table").path
        var inspector = CaptureInspector()
        inspector.decryptor = SessionDecryptor(secrets: try Secrets.load(path: table))
        return try inspector.inspect(Fixtures.bytes("captures/public/zeek-spicy-ipsec/traces/ikev1-certs.pcap"))
    }

    /// The fields of openssl's -text output that the report also gives.
    struct OpenSSLText {
        var serial = "", issuer = "", subject = "", notBefore = "", notAfter = "", key = "", san = "", ca = ""

        init(_ text: String) {
            let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            func after(_ prefix: String) -> String {
                lines.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) } ?? ""
            }
            func next(_ header: String) -> String {
                guard let i = lines.firstIndex(where: { $0.hasPrefix(header) }), i + 1 < lines.count else { return "" }
                return lines[i + 1]
            }
            serial = next("Serial Number:").replacingOccurrences(of: ":", with: "")
            issuer = after("Issuer: ")
            subject = after("Subject: ")
            notBefore = Self.utc(after("Not Before: "))
            notAfter = Self.utc(after("Not After : "))
            key = "RSA-" + after("Public-Key: (").replacingOccurrences(of: " bit)", with: "")
            san = next("X509v3 Subject Alternative Name:")
            ca = next("X509v3 Basic Constraints:")
        }

        /// "Oct 29 08:51:14 2012 GMT" → "2012-10-29 08:51:14 UTC", by Foundation.
        static func utc(_ text: String) -> String {
            let parser = DateFormatter()
            parser.locale = Locale(identifier: "en_US_POSIX")
            parser.timeZone = TimeZone(identifier: "GMT")
            parser.dateFormat = "MMM d HH:mm:ss yyyy 'GMT'"
            let normalized = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            guard let date = parser.date(from: normalized) else { return "unparsed \(text)" }
            let printer = DateFormatter()
            printer.locale = parser.locale
            printer.timeZone = parser.timeZone
            printer.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
            return printer.string(from: date)
        }
    }

    @Test(arguments: [5, 6])
    func certificateReportMatchesOpenSSL(frame: Int) throws {
        let records = try Self.decodeIKEv1Certs()
        let record = try #require(records.first { $0.frame == frame })
        let isakmp = try #require(record.isakmp)
        let (index, report) = try #require(isakmp.certificates.first)
        #expect(isakmp.certificates.count == 1)
        let certificate = try #require(report.certificate)
        // Same bytes as tshark extracted with Wireshark's key table.
        let der = try Fixtures.bytes("x509/ikev1-certs/frame\(frame)-1.der")
        #expect(certificate.der == der)
        let openssl = OpenSSLText(try Fixtures.text("x509/ikev1-certs/frame\(frame)-1.txt"))

        let json = DecodeOutput.json(record)
        guard case .array(let payloads)? = json["isakmp"]?["payloads"] else { Issue.record("no payloads"); return }
        let object = try #require(payloads[index]["certificate"])
        #expect(payloads[index]["data"] == .string(der.map { String(format: "%02x", $0) }.joined()))
        #expect(object["subject"] == .string(openssl.subject))
        #expect(object["issuer"] == .string(openssl.issuer))
        #expect(object["serial"] == .string(openssl.serial))
        #expect(object["not_before"] == .string(openssl.notBefore))
        #expect(object["not_after"] == .string(openssl.notAfter))
        #expect(object["key"] == .string(openssl.key))
        #expect(object["subject_alt_names"] == .array([.string(openssl.san)]))
        #expect(object["ca"] == .bool(openssl.ca.hasPrefix("CA:TRUE")))
        #expect(object["signature_algorithm"] == .string("sha1WithRSAEncryption"))
        // Chain structure: both leaves come from the CA that frame 4's CR asks for, which is not in the capture.
        #expect(object["self_signed"] == .bool(false))
        #expect(object["issued_by"] == .null)
        #expect(object["chain"] == .string("issuer's certificate not in the capture (its issuer is the CA the CR of frame 4 asks for)"))

        let text = DecodeOutput.text(record, verbose: false)
        #expect(text.contains("CERT X.509 \"\(openssl.subject)\" issuer \"\(openssl.issuer)\" serial \(openssl.serial) \(openssl.key)"
            + " valid \(openssl.notBefore) to \(openssl.notAfter) SAN \(openssl.san);"))
        #expect(DecodeOutput.text(record, verbose: true).contains("subject=\(openssl.subject)"))
    }

    /// Guards the fixture: openssl today says what it said when the script ran.
    @Test(.enabled(if: ChildProcess.openssl != nil, "openssl command not installed"), arguments: [5, 6])
    func fixtureTextIsWhatOpenSSLPrints(frame: Int) throws {
        let der = Fixtures.url("x509/ikev1-certs/frame\(frame)-1.der").path
        let output = try ChildProcess.run(try #require(ChildProcess.openssl), [
            "x509", "-inform", "DER", "-in", der, "-noout", "-text", "-nameopt", "oneline,-space_eq",
        ], output: .standardOutputOnly).text
        #expect(output == (try Fixtures.text("x509/ikev1-certs/frame\(frame)-1.txt")))
    }

    @Test func certificateRequestNamesTheCA() throws {
        let records = try Self.decodeIKEv1Certs()
        for frame in [4, 5] {
            let record = try #require(records.first { $0.frame == frame })
            guard case .array(let payloads)? = DecodeOutput.json(record)["isakmp"]?["payloads"] else { Issue.record("no payloads"); continue }
            let cr = try #require(payloads.first { $0["name"] == .string("CR") })
            #expect(cr["authority_dn"] == .string("DC=at, DC=geblergasse95, CN=SchendlZertifikate"))
            #expect(DecodeOutput.text(record, verbose: false).contains("CR X.509 Certificate - Signature CA \"DC=at, DC=geblergasse95, CN=SchendlZertifikate\""))
        }
        // Without keys, the CERT payloads stay encrypted and nothing is reported for them.
        var inspector = CaptureInspector()
        let plain = try inspector.inspect(Fixtures.bytes("captures/public/zeek-spicy-ipsec/traces/ikev1-certs.pcap"))
        #expect(plain.allSatisfy { $0.isakmp?.certificates.isEmpty ?? true })
    }

    /// A chain spread over messages: leaf ← intermediate ← root (the openssl-made
    /// Fixtures/x509 PKI), a duplicate, a broken CERT payload and a CR.
    @Test func chainStructureAcrossMessages() throws {
        func cert(_ name: String) throws -> [UInt8] { try Fixtures.bytes("x509/\(name).der") }
        let x509 = CertificateEncoding(rawValue: 4)
        let root = try cert("root"), intermediate = try cert("intermediate"), leaf = try cert("leaf-rsa")
        let rootName = try Certificate(der: root).subject
        func record(_ frame: Int, _ payloads: [Payload]) -> DecodeRecord {
            let header = ISAKMPHeader(initiatorCookie: Cookie(1), responderCookie: Cookie(2), exchangeType: .mainMode)
            return DecodeRecord(frame: frame, source: "a", destination: "b", proto: .isakmp,
                                isakmp: .init(header: header, payloads: payloads, encrypted: false))
        }
        var records = [
            record(1, [.certificateRequest(CertificateRequestPayload(encoding: x509, authority: rootName.der))]),
            record(2, [.certificate(CertificatePayload(encoding: x509, data: leaf)),
                       .certificate(CertificatePayload(encoding: x509, data: intermediate))]),
            record(3, [.certificate(CertificatePayload(encoding: x509, data: root)),
                       .certificate(CertificatePayload(encoding: x509, data: Array(leaf.prefix(100))))]),
            record(4, [.certificate(CertificatePayload(encoding: x509, data: leaf))]),
        ]
        CertificateReport.annotate(&records)
        let leafReport = try #require(records[1].isakmp?.certificates[0])
        #expect(leafReport.issuedBy == .init(frame: 2, payload: 1))
        #expect(leafReport.chainDescription == "issued by the certificate in frame 2 (payload 2)")
        #expect(records[1].isakmp?.certificates[1]?.issuedBy == .init(frame: 3, payload: 0))
        #expect(records[2].isakmp?.certificates[0]?.chainDescription == "self-signed root CA")
        #expect(records[3].isakmp?.certificates[0]?.issuedBy == .init(frame: 2, payload: 1))
        let broken = try #require(records[2].isakmp?.certificates[1])
        #expect(broken.certificate == nil && broken.error != nil)
        guard case .array(let payloads)? = DecodeOutput.json(records[2])["isakmp"]?["payloads"] else { Issue.record("no payloads"); return }
        #expect(payloads[1]["certificate"] == .null)
        #expect(payloads[1]["certificate_error"] != nil)
        #expect(payloads[0]["certificate"]?["self_signed"] == .bool(true))
        #expect(DecodeOutput.text(records[2], verbose: false).contains("CERT X.509: not a DER certificate"))
        // Other encodings (here PGP, RFC 2408 §3.9 value 2) are named, not parsed.
        var pgp = [record(5, [.certificate(CertificatePayload(encoding: CertificateEncoding(rawValue: 2), data: [1, 2, 3]))])]
        CertificateReport.annotate(&pgp)
        #expect(pgp[0].isakmp?.certificates.isEmpty == true)
        #expect(DecodeOutput.text(pgp[0], verbose: false).contains("CERT PGP Certificate: 3 bytes, not parsed"))
        // The root's CR in frame 1 is noted for the intermediate, whose issuer it names, once the root is not sent.
        var withoutRoot = Array(records[0...1])
        CertificateReport.annotate(&withoutRoot)
        #expect(withoutRoot[1].isakmp?.certificates[1]?.chainDescription
            == "issuer's certificate not in the capture (its issuer is the CA the CR of frame 1 asks for)")
    }
}
