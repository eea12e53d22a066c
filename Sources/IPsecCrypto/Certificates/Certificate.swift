internal import COpenSSL

/// An X.509 v3 certificate (RFC 5280), as carried in a CERT payload with
/// encoding 4, "X.509 Certificate - Signature" (RFC 2408 §3.9).
/// Immutable; equal when the DER encodings are equal.
public final class Certificate: Hashable, @unchecked Sendable, CustomStringConvertible {
    /// The owned X509*; libcrypto allows concurrent reads of one certificate.
    let x509: OpaquePointer
    /// The DER encoding, exactly as parsed or built.
    public let der: [UInt8]
    /// The subject name.
    public let subject: DistinguishedName
    /// The issuer name.
    public let issuer: DistinguishedName

    init(taking x509: OpaquePointer, der: [UInt8]) {
        self.x509 = x509
        self.der = der
        subject = DistinguishedName(borrowing: X509_get_subject_name(x509))
        issuer = DistinguishedName(borrowing: X509_get_issuer_name(x509))
    }

    deinit { X509_free(x509) }

    /// Parses one DER certificate; trailing bytes are refused.
    public convenience init(der: [UInt8]) throws(CryptoError) {
        let x509: OpaquePointer? = der.withUnsafeBytes { b in
            var p = b.baseAddress?.assumingMemoryBound(to: UInt8.self)
            guard let x509 = d2i_X509(nil, &p, b.count) else { return nil }
            guard p == b.baseAddress?.assumingMemoryBound(to: UInt8.self).advanced(by: b.count) else {
                X509_free(x509)
                return nil
            }
            return x509
        }
        guard let x509 else {
            ERR_clear_error()
            throw CryptoError(.invalidCertificate, "not a DER X.509 certificate (\(der.count) bytes)")
        }
        self.init(taking: x509, der: der)
    }

    /// Every certificate of a PEM bundle ("BEGIN CERTIFICATE" blocks; text between blocks is ignored).
    /// Fails when there is none or when a block does not decode.
    public static func load(pem: String) throws(CryptoError) -> [Certificate] {
        let read: [Certificate]?? = FileInput.withBIO(Array(pem.utf8)) { bio in
            var certificates: [Certificate] = []
            while let x509 = PEM_read_bio_X509(bio, nil, nil, nil) {
                var out: UnsafeMutablePointer<UInt8>?
                let length = i2d_X509(x509, &out)
                guard length > 0, let out else { X509_free(x509); return nil }
                certificates.append(Certificate(taking: x509, der: Array(UnsafeBufferPointer(start: out, count: Int(length)))))
                swift_ikev1_openssl_free(out)
            }
            // The loop ends on "no start line" at the end of the input; any other error is a broken block.
            let error = ERR_peek_last_error()
            ERR_clear_error()
            let clean = error == 0 || (ERR_GET_LIB(error) == ERR_LIB_PEM && ERR_GET_REASON(error) == PEM_R_NO_START_LINE)
            return clean ? certificates : nil
        }
        guard let certificates = read ?? nil else {
            throw CryptoError(.invalidCertificate, "a PEM CERTIFICATE block does not decode")
        }
        guard !certificates.isEmpty else { throw CryptoError(.invalidCertificate, "no PEM CERTIFICATE block found") }
        return certificates
    }

    /// The certificates of a file: a PEM bundle, or one DER certificate.
    public static func load(contentsOf path: String) throws(CryptoError) -> [Certificate] {
        let bytes = try FileInput.read(path)
        do {
            return FileInput.isPEM(bytes) ? try load(pem: String(decoding: bytes, as: UTF8.self)) : [try Certificate(der: bytes)]
        } catch {
            throw CryptoError(error.code, "\(path): \(error.reason)")
        }
    }

    /// The certificate as PEM ("BEGIN CERTIFICATE").
    public var pem: String {
        String(decoding: FileInput.collect { PEM_write_bio_X509($0, x509) } ?? [], as: UTF8.self)
    }

    /// Start of the validity period, Unix seconds.
    public var notBefore: Int64 { Self.unixTime(X509_get0_notBefore(x509)) }
    /// End of the validity period, Unix seconds.
    public var notAfter: Int64 { Self.unixTime(X509_get0_notAfter(x509)) }

    /// The serial number in lowercase hex, two digits per byte, as `openssl x509 -serial` prints it
    /// (there in uppercase); "-" in front of a negative one.
    public var serialHex: String {
        guard let serial = X509_get0_serialNumber(x509) else { return "" }
        let bytes = DistinguishedName.bytes(of: UnsafeMutablePointer(mutating: serial))
        let digits = bytes.isEmpty ? "00" : bytes.map { String($0, radix: 16).leftPadded(2) }.joined()
        return ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER ? "-" + digits : digits
    }

    /// The subjectAltName entries, in order; empty without the extension.
    public var subjectAltNames: [SubjectAltName] {
        var critical: Int32 = 0
        guard let raw = X509_get_ext_d2i(x509, NID_subject_alt_name, &critical, nil) else { return [] }
        let names = OpaquePointer(raw)
        defer { GENERAL_NAMES_free(names) }
        return (0..<OPENSSL_sk_num(names)).compactMap { index in
            OPENSSL_sk_value(names, index).map { SubjectAltName($0.assumingMemoryBound(to: GENERAL_NAME.self)) }
        }
    }

    /// True when basicConstraints says cA (RFC 5280 §4.2.1.9).
    public var isCA: Bool { X509_get_extension_flags(x509) & UInt32(EXFLAG_CA) != 0 }

    /// The pathLenConstraint of a CA certificate, nil when absent.
    public var pathLength: Int? {
        let length = X509_get_pathlen(x509)
        return isCA && length >= 0 ? Int(length) : nil
    }

    /// The subject's public key; fails for keys other than RSA and EC (e.g. DSA).
    public var publicKey: VerifyingKey {
        get throws(CryptoError) { try VerifyingKey(certificate: self) }
    }

    /// "RSA-2048", "ECDSA P-256", "DSA-1024"; "unknown key" when it does not decode.
    public var keyDescription: String {
        guard let key = X509_get0_pubkey(x509) else { ERR_clear_error(); return "unknown key" }
        EVP_PKEY_up_ref(key)
        return PKey(key).keyDescription
    }

    /// The signature algorithm, e.g. "sha256WithRSAEncryption", "ecdsa-with-SHA256".
    public var signatureAlgorithm: String {
        let nid = X509_get_signature_nid(x509)
        guard nid != NID_undef, let name = OBJ_nid2ln(nid) else { return "unknown" }
        return String(cString: name)
    }

    /// True when subject equals issuer and the certificate's own key verifies its signature.
    public var isSelfSigned: Bool {
        defer { ERR_clear_error() }
        return X509_self_signed(x509, 1) == 1
    }

    /// True when `issuer`'s subject is this certificate's issuer and its key verifies this signature.
    public func isIssued(by issuer: Certificate) -> Bool {
        defer { ERR_clear_error() }
        guard self.issuer == issuer.subject, let key = X509_get0_pubkey(issuer.x509) else { return false }
        return X509_verify(x509, key) == 1
    }

    /// True when a dNSName subjectAltName matches `dns` (ID_FQDN); wildcards
    /// only as a whole left-most label; the subject CN is not consulted.
    public func matches(dns: String) -> Bool {
        defer { ERR_clear_error() }
        let flags = UInt32(X509_CHECK_FLAG_NEVER_CHECK_SUBJECT | X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS)
        return X509_check_host(x509, dns, dns.utf8.count, flags, nil) == 1
    }

    /// True when an rfc822Name subjectAltName equals `email` (ID_USER_FQDN); the domain compares without case.
    public func matches(email: String) -> Bool {
        defer { ERR_clear_error() }
        return X509_check_email(x509, email, email.utf8.count, UInt32(X509_CHECK_FLAG_NEVER_CHECK_SUBJECT)) == 1
    }

    /// True when an iPAddress subjectAltName equals `ip` (4 or 16 bytes; ID_IPV4_ADDR / ID_IPV6_ADDR).
    public func matches(ip: [UInt8]) -> Bool {
        defer { ERR_clear_error() }
        return X509_check_ip(x509, ip, ip.count, 0) == 1
    }

    /// True when the subject equals `subject` (ID_DER_ASN1_DN), compared canonically.
    public func matches(subject: DistinguishedName) -> Bool { self.subject == subject }

    /// "subject, issued by issuer".
    public var description: String { "\"\(subject)\" issued by \"\(issuer)\"" }

    /// Equal when the DER encodings are byte for byte equal.
    public static func == (lhs: Certificate, rhs: Certificate) -> Bool { lhs.der == rhs.der }
    /// Hashes the DER encoding, as `==` compares it.
    public func hash(into hasher: inout Hasher) { hasher.combine(der) }

    /// Seconds since the Unix epoch of an ASN1_TIME (UTCTime or GeneralizedTime).
    static func unixTime(_ time: UnsafePointer<ASN1_TIME>?) -> Int64 {
        guard let time, let epoch = ASN1_TIME_set(nil, 0) else { return 0 }
        defer { ASN1_STRING_free(epoch) }
        var days: Int32 = 0
        var seconds: Int32 = 0
        guard ASN1_TIME_diff(&days, &seconds, epoch, time) == 1 else { ERR_clear_error(); return 0 }
        return Int64(days) * 86_400 + Int64(seconds)
    }
}
