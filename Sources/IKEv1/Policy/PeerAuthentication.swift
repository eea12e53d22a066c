public import IPsecCrypto

/// How a connection authenticates Phase 1 (RFC 2409 §5): one method, with exactly the secret or
/// the keys it needs. The IKE proposals carry the matching method numbers
/// (``PeerConfig/authenticate(with:)`` sets them for signatures).
public enum PeerAuthentication: Sendable {
    /// A pre-shared key (RFC 2409 §5.4): SKEYID = prf(key, Ni | Nr), HASH_I/HASH_R prove it.
    case preSharedKey(SecretBytes)
    /// Signatures (RFC 2409 §5.1): our key, certificate chain and the anchors the peer's
    /// certificate must chain to (RSA, ECDSA per RFC 4754).
    case signatures(SignatureCredentials)

    /// The credentials when this is ``signatures(_:)``.
    public var signatureCredentials: SignatureCredentials? {
        if case .signatures(let credentials) = self { credentials } else { nil }
    }
}
