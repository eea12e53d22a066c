internal import COpenSSL

// Which IKEv1 authentication method a key signs with: RSA keys use method 3
// (RFC 2409 §5.1), EC keys the RFC 4754 method of their curve (9 P-256,
// 10 P-384, 11 P-521). Keys on other curves have no IKEv1 method.
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

    var ikeAuthenticationMethod: IKEAuthenticationMethod? {
        switch scheme {
        case .rsaPKCS1Raw: return .rsaSignature
        case .ecdsaRaw:
            switch ecGroupName {
            case "prime256v1": return .ecdsaP256SHA256
            case "secp384r1": return .ecdsaP384SHA384
            case "secp521r1": return .ecdsaP521SHA512
            default: return nil
            }
        case nil: return nil
        }
    }
}

extension SigningKey {
    /// The IKEv1 authentication method this key signs with: RSA (3), or ECDSA 9/10/11 for
    /// P-256/P-384/P-521 (RFC 4754 §3); nil for EC keys on other curves.
    public var ikeAuthenticationMethod: IKEAuthenticationMethod? { pkey.ikeAuthenticationMethod }
}

extension VerifyingKey {
    /// The IKEv1 authentication method signatures by this key use (see ``SigningKey/ikeAuthenticationMethod``).
    public var ikeAuthenticationMethod: IKEAuthenticationMethod? { pkey.ikeAuthenticationMethod }
}

extension IKEAuthenticationMethod {
    /// The hash RFC 4754 §3 binds to an ECDSA method. HASH_I and HASH_R are computed with HMAC
    /// over it (keyed with SKEYID) instead of the negotiated PRF, as strongSwan's keymat_v1 does
    /// (its `prf_auth`). nil for other methods.
    public var ecdsaHash: HashAlgorithm? {
        switch rawValue {
        case 9: .sha256
        case 10: .sha384
        case 11: .sha512
        default: nil
        }
    }
}
