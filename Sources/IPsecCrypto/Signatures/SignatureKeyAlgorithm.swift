internal import COpenSSL

/// What a signature key is, as far as choosing how to sign with it goes: RSA, or ECDSA on one of
/// the NIST curves RFC 4754 §3 gives an IKE method (P-256, P-384, P-521). The IKEv1 method codes
/// and the hash RFC 4754 binds to each curve belong to the engine (`AuthMethod`).
public enum SignatureKeyAlgorithm: Hashable, Sendable {
    /// RSA: PKCS#1 v1.5 over the raw hash (RFC 2409 §5.1).
    case rsa
    /// ECDSA on P-256 (prime256v1).
    case ecdsaP256
    /// ECDSA on P-384 (secp384r1).
    case ecdsaP384
    /// ECDSA on P-521 (secp521r1).
    case ecdsaP521
}

extension PKey {
    /// The curve's OpenSSL group name (`prime256v1`, `secp384r1`, ...) for EC keys.
    var ecGroupName: String? {
        guard EVP_PKEY_is_a(key, "EC") == 1 else { return nil }
        var name = [CChar](repeating: 0, count: 80)
        var length = 0
        guard EVP_PKEY_get_group_name(key, &name, name.count, &length) == 1 else {
            ERR_clear_error()
            return nil
        }
        return String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    var algorithm: SignatureKeyAlgorithm? {
        switch scheme {
        case .rsaPKCS1Raw: return .rsa
        case .ecdsaRaw:
            switch ecGroupName {
            case "prime256v1": return .ecdsaP256
            case "secp384r1": return .ecdsaP384
            case "secp521r1": return .ecdsaP521
            default: return nil
            }
        case nil: return nil
        }
    }
}

extension SigningKey {
    /// RSA, or ECDSA on P-256/P-384/P-521; nil for EC keys on other curves.
    public var algorithm: SignatureKeyAlgorithm? { pkey.algorithm }
}

extension VerifyingKey {
    /// RSA, or ECDSA on P-256/P-384/P-521; nil for EC keys on other curves.
    public var algorithm: SignatureKeyAlgorithm? { pkey.algorithm }
}
