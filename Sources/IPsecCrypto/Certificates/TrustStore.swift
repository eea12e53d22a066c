internal import COpenSSL

/// The trust anchors a peer's certificate must chain to (RFC 5280 §6).
/// An anchor need not be self-signed: a configured intermediate CA is trusted
/// as it is (partial chains allowed, as strongSwan does). Revocation is not checked.
public struct TrustStore: Sendable {
    /// The anchors, in configuration order.
    public let anchors: [Certificate]

    /// Peer certificates parsed so far (``certificate(der:)``), shared by copies of this store.
    private let parsed = CertificateCache()

    /// A store trusting exactly `anchors`.
    public init(anchors: [Certificate]) { self.anchors = anchors }

    /// The certificate of a peer's CERT payload: parsed once, then the same value each time a peer
    /// sends these bytes again (the store keeps the last 64 it parsed).
    public func certificate(der: [UInt8]) throws(CryptoError) -> Certificate {
        try parsed.certificate(der: der)
    }

    /// The anchors' subjects: the Certificate Authority names to send in CR payloads (RFC 2408 §3.10).
    public var caNames: [DistinguishedName] {
        var seen = Set<DistinguishedName>()
        return anchors.map(\.subject).filter { seen.insert($0).inserted }
    }

    /// The first anchor whose subject is `name` (a CR payload's CA name), nil if none.
    public func anchor(named name: DistinguishedName) -> Certificate? { anchors.first { $0.subject == name } }

    /// Builds and checks the path leaf → anchor at `unixTime` (the engine's clock,
    /// not the wall clock): signatures, validity periods, CA constraints.
    /// Returns the path, leaf first, anchor last.
    public func verify(_ leaf: Certificate, intermediates: [Certificate], at unixTime: Int64) throws(CertificateError) -> [Certificate] {
        guard let store = X509_STORE_new() else { throw .rejected(subject: leaf.subject, reason: "X509_STORE_new failed") }
        defer { X509_STORE_free(store) }
        for anchor in anchors where X509_STORE_add_cert(store, anchor.x509) != 1 {
            ERR_clear_error() // a duplicate anchor is harmless
        }
        guard let untrusted = OPENSSL_sk_new_null() else { throw .rejected(subject: leaf.subject, reason: "out of memory") }
        defer { OPENSSL_sk_free(untrusted) }
        for certificate in intermediates {
            _ = OPENSSL_sk_push(untrusted, UnsafeRawPointer(certificate.x509))
        }
        guard let ctx = X509_STORE_CTX_new() else { throw .rejected(subject: leaf.subject, reason: "X509_STORE_CTX_new failed") }
        defer { X509_STORE_CTX_free(ctx) }
        guard X509_STORE_CTX_init(ctx, store, leaf.x509, untrusted) == 1 else {
            ERR_clear_error()
            throw .rejected(subject: leaf.subject, reason: "X509_STORE_CTX_init failed")
        }
        let param = X509_STORE_CTX_get0_param(ctx)
        X509_VERIFY_PARAM_set_time(param, time_t(unixTime))
        X509_VERIFY_PARAM_set_flags(param, UInt(X509_V_FLAG_PARTIAL_CHAIN))
        let ok = X509_verify_cert(ctx)
        defer { ERR_clear_error() }
        guard ok == 1 else { throw Self.error(ctx, leaf: leaf) }
        guard let chain = X509_STORE_CTX_get1_chain(ctx) else { throw .rejected(subject: leaf.subject, reason: "no chain") }
        defer { OPENSSL_sk_pop_free(chain, Self.freeX509) }
        return (0..<OPENSSL_sk_num(chain)).compactMap { index in
            guard let raw = OPENSSL_sk_value(chain, index) else { return nil }
            let x509 = OpaquePointer(raw)
            return ([leaf] + intermediates + anchors).first { X509_cmp($0.x509, x509) == 0 }
        }
    }

    private static let freeX509: @convention(c) (UnsafeMutableRawPointer?) -> Void = { X509_free(OpaquePointer($0)) }

    /// Maps libcrypto's verification error to the case the operator can act on.
    private static func error(_ ctx: OpaquePointer, leaf: Certificate) -> CertificateError {
        let code = X509_STORE_CTX_get_error(ctx)
        let current = X509_STORE_CTX_get_current_cert(ctx)
        let subject = current.map { DistinguishedName(borrowing: X509_get_subject_name($0)) } ?? leaf.subject
        let issuer = current.map { DistinguishedName(borrowing: X509_get_issuer_name($0)) } ?? leaf.issuer
        switch code {
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return .expired(subject: subject, notAfter: Certificate.unixTime(current.flatMap { X509_get0_notAfter($0) }))
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return .notYetValid(subject: subject, notBefore: Certificate.unixTime(current.flatMap { X509_get0_notBefore($0) }))
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
             X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
             X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return .untrusted(subject: subject, issuer: issuer)
        case X509_V_ERR_CERT_SIGNATURE_FAILURE, X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE,
             X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
            return .badSignature(subject: subject)
        case X509_V_ERR_INVALID_CA, X509_V_ERR_PATH_LENGTH_EXCEEDED, X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
            return .notCA(subject: subject)
        default:
            return .rejected(subject: subject, reason: String(cString: X509_verify_cert_error_string(Int(code))))
        }
    }
}
