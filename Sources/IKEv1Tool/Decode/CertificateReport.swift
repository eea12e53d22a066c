import IPsecCrypto
import ISAKMPWire

/// What `ikev1 decode` says about one CERT payload (RFC 2408 §3.9) with X.509
/// signature encoding (4): the parsed certificate and its place in the chain
/// among every certificate of the capture.
struct CertificateReport {
    /// Where a CERT payload sits: frame and index in the message's payload list.
    struct Location: Hashable {
        var frame: Int
        var payload: Int
    }

    var location: Location
    /// nil when the data is not a DER certificate (`error` says why).
    var certificate: Certificate?
    var error: String?
    /// The first CERT payload of the capture whose certificate signed this one; nil when none did.
    var issuedBy: Location?
    /// The first frame whose CR payload names this certificate's issuer as the CA it wants.
    var requestedInFrame: Int?

    /// The X.509 encodings whose data is a DER certificate (RFC 2408 §3.9 value 4).
    static let x509Signature: UInt8 = 4

    /// Parses every X.509 CERT payload that is visible (cleartext or decrypted)
    /// and links each certificate to the capture's certificate that issued it.
    static func annotate(_ records: inout [DecodeRecord]) {
        var reports: [CertificateReport] = []
        var requested: [DistinguishedName: Int] = [:]
        for (r, record) in records.enumerated() {
            guard let payloads = record.isakmp?.payloads else { continue }
            for (index, payload) in payloads.enumerated() {
                if case .certificateRequest(let request) = payload, case .success(let name)? = authority(request),
                   requested[name] == nil {
                    requested[name] = record.frame
                }
                guard case .certificate(let cert) = payload, cert.encoding.rawValue == x509Signature else { continue }
                var report = CertificateReport(location: Location(frame: record.frame, payload: index))
                do {
                    report.certificate = try Certificate(der: cert.data)
                } catch {
                    report.error = error.reason
                }
                reports.append(report)
                records[r].isakmp?.certificates[index] = report
            }
        }
        // Each distinct certificate once, at its first appearance (retransmissions repeat them).
        var firstSeen: [Certificate: Location] = [:]
        for report in reports {
            if let c = report.certificate, firstSeen[c] == nil { firstSeen[c] = report.location }
        }
        let distinct = firstSeen.sorted { ($0.value.frame, $0.value.payload) < ($1.value.frame, $1.value.payload) }
        for r in records.indices {
            guard let certificates = records[r].isakmp?.certificates else { continue }
            for (index, report) in certificates {
                guard let certificate = report.certificate, !certificate.isSelfSigned else { continue }
                records[r].isakmp?.certificates[index]?.requestedInFrame = requested[certificate.issuer]
                let issuer = distinct.first { $0.key != certificate && certificate.isIssued(by: $0.key) }
                records[r].isakmp?.certificates[index]?.issuedBy = issuer?.value
            }
        }
    }

    /// How the certificate fits the capture's chain, in words.
    var chainDescription: String {
        guard let certificate else { return "" }
        if certificate.isSelfSigned { return certificate.isCA ? "self-signed root CA" : "self-signed" }
        if let issuedBy { return "issued by the certificate in frame \(issuedBy.frame) (payload \(issuedBy.payload + 1))" }
        let request = requestedInFrame.map { " (its issuer is the CA the CR of frame \($0) asks for)" } ?? ""
        return "issuer's certificate not in the capture" + request
    }

    /// The fields of the `certificate` object in a CERT payload's JSON.
    var json: JSON {
        guard let c = certificate else { return .null }
        return .object([
            ("subject", .string(c.subject.description)),
            ("issuer", .string(c.issuer.description)),
            ("serial", .string(c.serialHex)),
            ("not_before", .string(CertificateError.utc(c.notBefore))),
            ("not_after", .string(CertificateError.utc(c.notAfter))),
            ("key", .string(c.keyDescription)),
            ("signature_algorithm", .string(c.signatureAlgorithm)),
            ("subject_alt_names", .array(c.subjectAltNames.map { .string($0.description) })),
            ("ca", .bool(c.isCA)),
            ("self_signed", .bool(c.isSelfSigned)),
            ("issued_by", issuedBy.map { .object([("frame", .int($0.frame)), ("payload", .int($0.payload))]) } ?? .null),
            ("chain", .string(chainDescription)),
        ])
    }

    /// One line for `--format text`.
    var text: String {
        guard let c = certificate else { return "CERT X.509: not a DER certificate (\(error ?? "unknown"))" }
        var line = "CERT X.509 \"\(c.subject)\" issuer \"\(c.issuer)\" serial \(c.serialHex) \(c.keyDescription)"
        line += " valid \(CertificateError.utc(c.notBefore)) to \(CertificateError.utc(c.notAfter))"
        let names = c.subjectAltNames
        if !names.isEmpty { line += " SAN " + names.map(\.description).joined(separator: ", ") }
        if c.isCA { line += " CA" }
        return line + "; " + chainDescription
    }

    /// The CA name of a CR payload (RFC 2408 §3.10): nil when empty, the DN text, or why it does not parse.
    static func authority(_ request: CertificateRequestPayload) -> Result<DistinguishedName, CryptoError>? {
        guard !request.authority.isEmpty else { return nil }
        do {
            return .success(try DistinguishedName(der: request.authority))
        } catch {
            return .failure(error)
        }
    }
}
