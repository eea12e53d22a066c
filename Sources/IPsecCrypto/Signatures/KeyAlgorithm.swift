/// The key types `SigningKey.generate(_:)` makes: the ones IKEv1 signs with
/// (RFC 2409 §5.1 RSA, RFC 4754 ECDSA over the NIST curves).
public enum KeyAlgorithm: Hashable, Sendable, CustomStringConvertible {
    /// RSA with a modulus of `bits` bits (at least 2048 recommended; 1024 accepted for old peers).
    case rsa(bits: Int)
    /// ECDSA on NIST P-256 (RFC 4754 method 9).
    case ecdsaP256
    /// ECDSA on NIST P-384 (RFC 4754 method 10).
    case ecdsaP384
    /// ECDSA on NIST P-521 (RFC 4754 method 11).
    case ecdsaP521

    /// "RSA-2048", "ECDSA P-256": the form `Certificate.keyDescription` uses.
    public var description: String {
        switch self {
        case .rsa(let bits): "RSA-\(bits)"
        case .ecdsaP256: "ECDSA P-256"
        case .ecdsaP384: "ECDSA P-384"
        case .ecdsaP521: "ECDSA P-521"
        }
    }

    /// libcrypto's group name for the EC cases.
    var groupName: String? {
        switch self {
        case .rsa: nil
        case .ecdsaP256: "P-256"
        case .ecdsaP384: "P-384"
        case .ecdsaP521: "P-521"
        }
    }
}
