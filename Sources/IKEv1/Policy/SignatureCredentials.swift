public import IPsecCrypto
public import ISAKMPWire

/// When we send our certificate chain in CERT payloads (RFC 2408 §3.9, as swanctl's `send_cert`).
public enum CertificateSending: Hashable, Sendable {
    /// Only when the peer sent a Certificate Request (charon's default, `ifasked`).
    case ifAsked
    /// Always with our signature.
    case always
    /// Never: the peer must hold our certificate already.
    case never
}

/// What signature authentication needs (RFC 2409 §5.1, RFC 4754): our private key and
/// certificate chain, and the trust anchors the peer's certificate must chain to.
public struct SignatureCredentials: Sendable {
    /// Our private key; it signs HASH_I or HASH_R.
    public let signingKey: SigningKey
    /// Our certificate first, then the intermediates that lead to our CA (the root may be left out).
    public let chain: [Certificate]
    /// The CAs the peer's certificate must chain to.
    public let trustStore: TrustStore
    /// When to send `chain` in CERT payloads.
    public var sendCertificates: CertificateSending = .ifAsked
    /// Send Certificate Requests naming our trust anchors (as charon's `send_certreq = yes`).
    public var sendCertificateRequests = true
    /// The method our key signs with: RSA (3) or ECDSA 9/10/11 by curve.
    public let authMethod: AuthMethod

    /// Credentials from loaded values; throws `configuration` when the key is not the
    /// certificate's, the chain is empty, or no trust anchor is given.
    public init(signingKey: SigningKey, chain: [Certificate], trustAnchors: [Certificate]) throws(IKEv1Error) {
        guard let leaf = chain.first else { throw IKEv1Error(.configuration, "no certificate for our private key") }
        guard signingKey.matches(leaf) else {
            throw IKEv1Error(.configuration, "the private key (\(signingKey.keyDescription)) does not belong to certificate \"\(leaf.subject)\"")
        }
        guard let method = AuthMethod(key: signingKey.algorithm) else {
            throw IKEv1Error(.configuration, "\(signingKey.keyDescription) keys cannot sign in IKEv1 (RSA, or ECDSA on P-256/384/521)")
        }
        guard !trustAnchors.isEmpty else { throw IKEv1Error(.configuration, "no CA certificate to verify the peer with") }
        authMethod = method
        self.signingKey = signingKey
        self.chain = chain
        self.trustStore = TrustStore(anchors: trustAnchors)
    }

    /// Our certificate's subject as an ID_DER_ASN1_DN identity (what charon uses by default).
    public var identity: Identity { .derASN1DN(chain[0].subject.der) }

    /// The CERT payloads we answer a request with (RFC 4945 §3.2): our certificate, then the
    /// intermediates up to the first one issued by a requested CA; all intermediates when no
    /// request names a CA of our chain. Self-signed certificates (roots) are never sent.
    func certificatePayloads(requested authorities: [[UInt8]]) -> [Payload] {
        var out: [Certificate] = []
        let requested = authorities.compactMap { try? DistinguishedName(der: $0) }
        for cert in chain where !cert.isSelfSigned || out.isEmpty {
            out.append(cert)
            if requested.contains(cert.issuer) { break }
        }
        return out.map { .certificate(CertificatePayload(encoding: .x509Signature, data: $0.der)) }
    }

    /// One Certificate Request per trust anchor, naming its subject (RFC 2408 §3.10).
    var certificateRequestPayloads: [Payload] {
        guard sendCertificateRequests else { return [] }
        return trustStore.caNames.map { .certificateRequest(CertificateRequestPayload(encoding: .x509Signature, authority: $0.der)) }
    }
}
