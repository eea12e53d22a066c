import IKEv1
import IPsecCrypto
import ISAKMPWire

/// Reads the algorithms a chosen transform names, with the engine's readers of the wire codes.
enum NegotiatedAlgorithms {
    /// Phase 1: cipher and hash of a KEY_IKE transform (RFC 2409 Appendix A).
    static func phase1(_ t: TransformPayload) -> (cipher: CBCAlgorithm, hash: HashAlgorithm, authMethod: UInt16)? {
        func value(_ type: UInt16) -> UInt16? { t.attribute(type)?.integerValue.map { UInt16(truncatingIfNeeded: $0) } }
        guard let enc = value(IKEAttribute.encryptionAlgorithm), let h = value(IKEAttribute.hashAlgorithm),
              let hash = HashAlgorithm(ikeAttributeValue: h),
              let cipher = CBCAlgorithm(ikeAttributeValue: enc, keyBits: value(IKEAttribute.keyLength)) else { return nil }
        return (cipher, hash, value(IKEAttribute.authenticationMethod) ?? 0)
    }

    /// Phase 2: the ESP cipher and integrity of an ESP transform (RFC 2407 §4.4.4, §4.5).
    static func esp(_ t: TransformPayload) -> (EncryptionAlgorithm, IntegrityAlgorithm?)? {
        func value(_ type: UInt16) -> UInt16? { t.attribute(type)?.integerValue.map { UInt16(truncatingIfNeeded: $0) } }
        guard let enc = EncryptionAlgorithm(espTransformID: t.transformID.rawValue, keyBits: value(IPsecAttribute.keyLength))
        else { return nil }
        guard let auth = value(IPsecAttribute.authenticationAlgorithm) else { return (enc, nil) }
        guard let integrity = IntegrityAlgorithm(espAuthAlgorithm: auth) else { return nil }
        return (enc, integrity)
    }
}
