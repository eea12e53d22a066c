public import IPsecCrypto

// The wire codes of IPsecCrypto's algorithms, owned by the engine's policy layer: IPsecCrypto
// knows algorithms, the IKE and IPsec DOI registries know numbers. The readers (codes back to
// algorithms) stand beside the proposals that use them (IKEProposal.swift, ChildProposal.swift).

extension HashAlgorithm {
    /// The IKEv1 Hash Algorithm attribute value (RFC 2409 Appendix A, RFC 4868 §4).
    public var ikeAttributeValue: UInt16 {
        switch self {
        case .md5: 1
        case .sha1: 2
        case .sha256: 4
        case .sha384: 5
        case .sha512: 6
        }
    }

    /// The hash for an IKEv1 Hash Algorithm attribute value, if supported.
    public init?(ikeAttributeValue: UInt16) {
        guard let h = Self.allCases.first(where: { $0.ikeAttributeValue == ikeAttributeValue }) else { return nil }
        self = h
    }
}

extension EncryptionAlgorithm {
    /// The IPsec DOI Key Length attribute value in bits (RFC 2407 §4.5; AES variants and the
    /// variable-length ciphers of RFC 2451), nil for fixed-length ciphers.
    public var keyLengthAttribute: UInt16? {
        switch self {
        case .aesCBC(let b), .aesCTR(let b), .aesGCM(let b, _), .aesGMAC(let b), .aesCCM(let b, _), .blowfish(let b): UInt16(b)
        case .cast128: 128
        default: nil
        }
    }

    /// IKEv1 Encryption Algorithm attribute (RFC 2409 Appendix A, class 1): 1 DES, 3 Blowfish,
    /// 5 3DES, 6 CAST, 7 AES-CBC; nil for transforms IKEv1 Phase 1 cannot use.
    public var ikeAttributeValue: UInt16? {
        switch self {
        case .des: 1
        case .blowfish: 3
        case .tripleDES: 5
        case .cast128: 6
        case .aesCBC: 7
        default: nil
        }
    }

    /// IPsec DOI ESP transform ID (RFC 2407 §4.4.4, RFC 4106, RFC 4309, RFC 4543): ESP_DES 2,
    /// ESP_3DES 3, ESP_CAST 6, ESP_BLOWFISH 7, ESP_NULL 11, ESP_AES 12, ESP_AES_CTR 13,
    /// ESP_AES_CCM_8/12/16 14/15/16, ESP_AES_GCM_8/12/16 18/19/20, ESP_NULL_AUTH_AES_GMAC 23.
    public var espTransformID: UInt16 {
        switch self {
        case .des: 2
        case .tripleDES: 3
        case .cast128: 6
        case .blowfish: 7
        case .null: 11
        case .aesCBC: 12
        case .aesCTR: 13
        case .aesGCM(_, let icv): icv == 8 ? 18 : icv == 12 ? 19 : 20
        case .aesCCM(_, let icv): icv == 8 ? 14 : icv == 12 ? 15 : 16
        case .aesGMAC: 23
        }
    }
}

extension IntegrityAlgorithm {
    /// IPsec DOI Authentication Algorithm attribute (RFC 2407 §4.5, RFC 4868 §4):
    /// HMAC-MD5 1, HMAC-SHA 2, HMAC-SHA2-256/384/512 5/6/7, AES-XCBC-MAC 9.
    public var espAuthAlgorithm: UInt16 {
        switch self {
        case .md5: 1
        case .sha1: 2
        case .sha256: 5
        case .sha384: 6
        case .sha512: 7
        case .aesXCBC: 9
        }
    }

    /// IKEv1 Hash Algorithm attribute (class 2), nil for AES-XCBC.
    public var ikeAttributeValue: UInt16? { hash?.ikeAttributeValue }
}
