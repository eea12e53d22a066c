internal import COpenSSL

/// Makes X.509 v3 certificates in memory: test PKIs and `ikev1 demo --auth`.
/// Signs with SHA-256 (SHA-384 / SHA-512 for P-384 / P-521 issuers).
/// CA certificates get basicConstraints cA (critical) and keyUsage
/// keyCertSign + cRLSign; leaves get digitalSignature. Every certificate has a
/// subjectKeyIdentifier and, when issued, an authorityKeyIdentifier.
public struct CertificateBuilder: Sendable {
    /// The subject name.
    public var subject: DistinguishedName
    /// Start of validity, Unix seconds.
    public var notBefore: Int64
    /// End of validity, Unix seconds.
    public var notAfter: Int64
    /// Whether the certificate is a CA.
    public var isCA: Bool
    /// pathLenConstraint for a CA; nil for none.
    public var pathLength: Int?
    /// subjectAltName entries (`.other` entries are refused).
    public var subjectAltNames: [SubjectAltName]
    /// Serial number bytes (big-endian, positive); nil for 16 random bytes.
    public var serial: [UInt8]?

    /// A builder with the given fields; by default a leaf with no SANs and a random serial.
    public init(subject: DistinguishedName, notBefore: Int64, notAfter: Int64, isCA: Bool = false,
                pathLength: Int? = nil, subjectAltNames: [SubjectAltName] = [], serial: [UInt8]? = nil) {
        self.subject = subject
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.isCA = isCA
        self.pathLength = pathLength
        self.subjectAltNames = subjectAltNames
        self.serial = serial
    }

    /// A certificate signed by its own `key` (a root CA when `isCA`).
    public func selfSigned(key: SigningKey) throws(CryptoError) -> Certificate {
        try build(publicKey: key.pkey, issuerName: subject.der, issuerCertificate: nil, issuerKey: key)
    }

    /// A certificate for `publicKey` issued by `issuer`, signed with `issuerKey`.
    public func issued(publicKey: VerifyingKey, by issuer: Certificate, issuerKey: SigningKey) throws(CryptoError) -> Certificate {
        try build(publicKey: publicKey.pkey, issuerName: issuer.subject.der, issuerCertificate: issuer, issuerKey: issuerKey)
    }

    private func build(publicKey: PKey, issuerName: [UInt8], issuerCertificate: Certificate?,
                       issuerKey: SigningKey) throws(CryptoError) -> Certificate {
        guard notBefore <= notAfter else { throw CryptoError(.invalidCertificate, "notBefore is after notAfter") }
        guard let x509 = X509_new() else { throw .internalFailure("X509_new") }
        var owned = true
        defer { if owned { X509_free(x509) } }
        var serialBytes = serial ?? []
        if serial == nil { serialBytes = try Self.randomSerial() }
        guard X509_set_version(x509, 2) == 1,
              Self.setSerial(x509, serialBytes),
              Self.setName(X509_set_subject_name, x509, subject.der),
              Self.setName(X509_set_issuer_name, x509, issuerName),
              ASN1_TIME_set(X509_getm_notBefore(x509), time_t(notBefore)) != nil,
              ASN1_TIME_set(X509_getm_notAfter(x509), time_t(notAfter)) != nil,
              X509_set_pubkey(x509, publicKey.key) == 1 else {
            ERR_clear_error()
            throw .internalFailure("X509 field setup")
        }
        var ctx = X509V3_CTX()
        X509V3_set_ctx(&ctx, issuerCertificate?.x509 ?? x509, x509, nil, nil, 0)
        var extensions: [(Int32, String)] = [
            (NID_basic_constraints, isCA ? "critical,CA:TRUE" + (pathLength.map { ",pathlen:\($0)" } ?? "") : "critical,CA:FALSE"),
            (NID_key_usage, isCA ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature"),
            (NID_subject_key_identifier, "hash"),
        ]
        if issuerCertificate != nil { extensions.append((NID_authority_key_identifier, "keyid:always")) }
        for (nid, value) in extensions {
            guard let ext = X509V3_EXT_conf_nid(nil, &ctx, nid, value) else {
                ERR_clear_error()
                throw .internalFailure("X509V3_EXT_conf_nid \(value)")
            }
            defer { X509_EXTENSION_free(ext) }
            guard X509_add_ext(x509, ext, -1) == 1 else { throw .internalFailure("X509_add_ext") }
        }
        if !subjectAltNames.isEmpty { try addSubjectAltNames(x509) }
        let digest = switch issuerKey.pkey.ecOrderLength {
        case 66: EVP_sha512()
        case 48: EVP_sha384()
        default: EVP_sha256()
        }
        guard X509_sign(x509, issuerKey.pkey.key, digest) > 0 else {
            ERR_clear_error()
            throw CryptoError(.signatureFailed, "X509_sign failed")
        }
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509(x509, &out)
        guard length > 0, let out else { throw .internalFailure("i2d_X509") }
        defer { swift_ikev1_openssl_free(out) }
        owned = false
        return Certificate(taking: x509, der: Array(UnsafeBufferPointer(start: out, count: Int(length))))
    }

    private func addSubjectAltNames(_ x509: OpaquePointer) throws(CryptoError) {
        guard let names = OPENSSL_sk_new_null() else { throw .internalFailure("OPENSSL_sk_new_null") }
        defer { OPENSSL_sk_pop_free(names, Self.freeGeneralName) }
        for name in subjectAltNames {
            guard let general = name.generalName() else {
                throw CryptoError(.invalidCertificate, "subjectAltName \(name) cannot be encoded")
            }
            guard OPENSSL_sk_push(names, UnsafeRawPointer(general)) > 0 else {
                GENERAL_NAME_free(general)
                throw .internalFailure("OPENSSL_sk_push")
            }
        }
        guard X509_add1_ext_i2d(x509, NID_subject_alt_name, UnsafeMutableRawPointer(names), 0, UInt(X509V3_ADD_DEFAULT)) == 1 else {
            ERR_clear_error()
            throw .internalFailure("X509_add1_ext_i2d subjectAltName")
        }
    }

    private static let freeGeneralName: @convention(c) (UnsafeMutableRawPointer?) -> Void = {
        GENERAL_NAME_free($0?.assumingMemoryBound(to: GENERAL_NAME.self))
    }

    private static func randomSerial() throws(CryptoError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard RAND_bytes(&bytes, 16) == 1 else { throw .internalFailure("RAND_bytes") }
        bytes[0] = bytes[0] & 0x7F | 0x01
        return bytes
    }

    private static func setSerial(_ x509: OpaquePointer, _ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty, let bn = BN_bin2bn(bytes, Int32(bytes.count), nil) else { return false }
        defer { BN_free(bn) }
        guard let integer = BN_to_ASN1_INTEGER(bn, nil) else { return false }
        defer { ASN1_INTEGER_free(integer) }
        return X509_set_serialNumber(x509, integer) == 1
    }

    private static func setName(_ set: (OpaquePointer?, OpaquePointer?) -> Int32, _ x509: OpaquePointer, _ der: [UInt8]) -> Bool {
        let name: OpaquePointer? = der.withUnsafeBytes { b in
            var p = b.baseAddress?.assumingMemoryBound(to: UInt8.self)
            return d2i_X509_NAME(nil, &p, b.count)
        }
        guard let name else { return false }
        defer { X509_NAME_free(name) }
        return set(x509, name) == 1
    }
}
