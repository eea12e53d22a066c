import IPsecCrypto
import ISAKMPWire

/// Reads the algorithms a chosen transform names, in IPsecCrypto's terms.
enum NegotiatedAlgorithms {
    /// Phase 1: cipher and hash of a KEY_IKE transform (RFC 2409 Appendix A).
    static func phase1(_ t: TransformPayload) -> (cipher: CBCAlgorithm, hash: HashAlgorithm, authMethod: UInt16)? {
        guard let enc = t.attribute(IKEAttribute.encryptionAlgorithm)?.integerValue,
              let h = t.attribute(IKEAttribute.hashAlgorithm)?.integerValue,
              let hash = HashAlgorithm(ikeAttributeValue: UInt16(truncatingIfNeeded: h)) else { return nil }
        let auth = UInt16(truncatingIfNeeded: t.attribute(IKEAttribute.authenticationMethod)?.integerValue ?? 0)
        let keyBits = t.attribute(IKEAttribute.keyLength)?.integerValue.map(Int.init) ?? 128
        switch enc {
        case 1: return (.des, hash, auth)
        case 5: return (.tripleDES, hash, auth)
        case 7: return (.aes(keyBits: keyBits), hash, auth)
        default: return nil
        }
    }

    /// Phase 2: the ESP cipher and integrity of an ESP transform (RFC 2407 §4.4.4, §4.5).
    static func esp(_ t: TransformPayload) -> (EncryptionAlgorithm, IntegrityAlgorithm?)? {
        let keyBits = t.attribute(IPsecAttribute.keyLength)?.integerValue.map(Int.init) ?? 128
        let enc: EncryptionAlgorithm
        switch t.transformID.rawValue {
        case TransformID.ESP.des: enc = .des
        case TransformID.ESP.tripleDES: enc = .tripleDES
        case TransformID.ESP.null: enc = .null
        case TransformID.ESP.aesCBC: enc = .aesCBC(keyBits: keyBits)
        case TransformID.ESP.aesCTR: enc = .aesCTR(keyBits: keyBits)
        case TransformID.ESP.aesGCM8: enc = .aesGCM(keyBits: keyBits, icvLength: 8)
        case TransformID.ESP.aesGCM12: enc = .aesGCM(keyBits: keyBits, icvLength: 12)
        case TransformID.ESP.aesGCM16: enc = .aesGCM(keyBits: keyBits, icvLength: 16)
        case TransformID.ESP.nullAuthAESGMAC: enc = .aesGMAC(keyBits: keyBits)
        default: return nil
        }
        let integrity: IntegrityAlgorithm?
        switch t.attribute(IPsecAttribute.authenticationAlgorithm)?.integerValue {
        case nil: integrity = nil
        case UInt64(IPsecAttribute.Auth.hmacMD5): integrity = .md5
        case UInt64(IPsecAttribute.Auth.hmacSHA1): integrity = .sha1
        case UInt64(IPsecAttribute.Auth.hmacSHA256): integrity = .sha256
        case UInt64(IPsecAttribute.Auth.hmacSHA384): integrity = .sha384
        case UInt64(IPsecAttribute.Auth.hmacSHA512): integrity = .sha512
        case UInt64(IPsecAttribute.Auth.aesXCBC): integrity = .aesXCBC
        default: return nil
        }
        return (enc, integrity)
    }
}
