/// IKEv1 Phase 1 authentication method attribute (RFC 2409 App. A class 3,
/// RFC 4754 §3 for ECDSA). RSA encryption (4/5) is deliberately absent.
public struct IKEAuthenticationMethod: RawRepresentable, Hashable, Sendable {
    /// The attribute value.
    public let rawValue: UInt16
    /// Creates a method from its attribute value.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Pre-shared key (1).
    public static let preSharedKey = IKEAuthenticationMethod(rawValue: 1)
    /// DSS signatures (2).
    public static let dssSignature = IKEAuthenticationMethod(rawValue: 2)
    /// RSA signatures (3).
    public static let rsaSignature = IKEAuthenticationMethod(rawValue: 3)
    /// ECDSA with SHA-256 on P-256 (9, RFC 4754).
    public static let ecdsaP256SHA256 = IKEAuthenticationMethod(rawValue: 9)
    /// ECDSA with SHA-384 on P-384 (10, RFC 4754).
    public static let ecdsaP384SHA384 = IKEAuthenticationMethod(rawValue: 10)
    /// ECDSA with SHA-512 on P-521 (11, RFC 4754).
    public static let ecdsaP521SHA512 = IKEAuthenticationMethod(rawValue: 11)

    /// True for the signature methods (SKEYID = prf(Ni_b | Nr_b, g^xy)).
    public var isSignature: Bool { rawValue != 1 }
}

/// The negotiated ISAKMP SA suite: CBC cipher and key length, hash (and so
/// HMAC PRF), DH group and authentication method.
public struct IKESuite: Hashable, Sendable, CustomStringConvertible {
    /// The Phase 1 cipher (DES, 3DES or AES-CBC).
    public let encryption: EncryptionAlgorithm
    /// The negotiated hash; the PRF is HMAC over it.
    public let hash: HashAlgorithm
    /// The DH group.
    public let group: DHGroup
    /// The authentication method.
    public let authentication: IKEAuthenticationMethod

    /// Creates a suite; throws `invalidProposal` if `encryption` is not a CBC cipher.
    public init(encryption: EncryptionAlgorithm, hash: HashAlgorithm, group: DHGroup,
                authentication: IKEAuthenticationMethod = .preSharedKey) throws(CryptoError) {
        guard encryption.cbcAlgorithm != nil else {
            throw CryptoError(.invalidProposal, "'\(encryption.keyword)' cannot protect IKEv1 Phase 1 (CBC ciphers only)")
        }
        self.encryption = encryption
        self.hash = hash
        self.group = group
        self.authentication = authentication
    }

    /// Derives the ISAKMP SA keys for this suite (RFC 2409 §5); pass the
    /// pre-shared key for method 1, nil for signature methods.
    public func phase1Keys(preSharedKey: SecretBytes?, nonceI: [UInt8], nonceR: [UInt8],
                           sharedSecret: SecretBytes, cookieI: [UInt8], cookieR: [UInt8]) -> IKEv1Phase1Keys {
        let input: IKEv1SKEYIDInput = preSharedKey.map { .preSharedKey($0) } ?? .signature
        return IKEv1Phase1Keys(prf: prf, input: input, nonceI: nonceI, nonceR: nonceR, sharedSecret: sharedSecret,
                               cookieI: cookieI, cookieR: cookieR, encryptionKeyLength: encryptionKeyLength)
    }

    /// The PRF (HMAC over `hash`).
    public var prf: IKEv1PRF { IKEv1PRF(hash: hash) }
    /// The CBC cipher.
    public var cbcAlgorithm: CBCAlgorithm { encryption.cbcAlgorithm! }
    /// Ka length in bytes.
    public var encryptionKeyLength: Int { encryption.keyLength }
    /// CBC block size = IV length.
    public var blockSize: Int { encryption.blockSize }
    /// True when any part is legacy (DES, Blowfish, CAST, MD5, groups 1/2/5).
    public var isLegacy: Bool { encryption.isLegacy || hash.isLegacy || group.isLegacy }
    /// strongSwan notation, e.g. `aes128-sha256-modp2048`.
    public var description: String {
        "\(encryption.keyword)-\(IntegrityAlgorithm(keyword: hash.rawValue)!.keyword)-\(group.name)"
    }
}

/// The negotiated ESP child-SA suite (RFC 2407 §4.4.4, §4.5).
public struct ChildSuite: Hashable, Sendable, CustomStringConvertible {
    /// The ESP transform.
    public let encryption: EncryptionAlgorithm
    /// The authentication algorithm; nil for AEAD transforms (and none).
    public let integrity: IntegrityAlgorithm?
    /// The Quick Mode PFS group, if any.
    public let pfsGroup: DHGroup?
    /// Extended (64-bit) sequence numbers.
    public let extendedSequenceNumbers: Bool

    /// Creates a suite; throws `invalidProposal` for AEAD plus integrity, or
    /// for NULL encryption without integrity.
    public init(encryption: EncryptionAlgorithm, integrity: IntegrityAlgorithm?, pfsGroup: DHGroup? = nil,
                extendedSequenceNumbers: Bool = false) throws(CryptoError) {
        if encryption.isAEAD, let i = integrity {
            throw CryptoError(.invalidProposal, "'\(encryption.keyword)' is combined-mode; '\(i.keyword)' is not allowed with it")
        }
        if encryption == .null && integrity == nil {
            throw CryptoError(.invalidProposal, "ESP NULL needs an integrity algorithm")
        }
        self.encryption = encryption
        self.integrity = integrity
        self.pfsGroup = pfsGroup
        self.extendedSequenceNumbers = extendedSequenceNumbers
    }

    /// KEYMAT bytes needed for one SA: encryption keying material then integrity key.
    public var keymatLength: Int { encryption.keyingMaterialLength + (integrity?.keyLength ?? 0) }

    /// ICV length on the wire.
    public var icvLength: Int {
        switch encryption {
        case .aesGCM(_, let icv), .aesCCM(_, let icv): icv
        case .aesGMAC: 16
        default: integrity?.icvLength ?? 0
        }
    }

    /// Derives and splits the keys of one SA (RFC 2409 §5.5): `protocolID` is the IPsec DOI
    /// protocol the SA negotiated (the caller's wire code), `spi` its SPI as on the wire.
    public func keys(phase1: IKEv1Phase1Keys, protocolID: UInt8, spi: [UInt8], nonceI: [UInt8], nonceR: [UInt8],
                     pfsSharedSecret: SecretBytes? = nil) -> ESPKeyMaterial {
        keys(fromKeymat: phase1.keymat(protocolID: protocolID, spi: spi, nonceI: nonceI, nonceR: nonceR,
                                       pfsSharedSecret: pfsSharedSecret, length: keymatLength))
    }

    /// Splits one SA's KEYMAT into encryption and integrity keys.
    public func keys(fromKeymat keymat: SecretBytes) -> ESPKeyMaterial {
        ESPKeyMaterial(keymat: keymat, encryptionKeyLength: encryption.keyingMaterialLength,
                       integrityKeyLength: integrity?.keyLength ?? 0)
    }

    /// True when any part is legacy.
    public var isLegacy: Bool { encryption.isLegacy || (integrity?.isLegacy ?? false) || (pfsGroup?.isLegacy ?? false) }

    /// strongSwan notation, e.g. `aes128-sha256-modp2048` or `aes256gcm16`.
    public var description: String {
        ([encryption.keyword] + [integrity?.keyword, pfsGroup?.name].compactMap { $0 }
            + (extendedSequenceNumbers ? ["esn"] : [])).joined(separator: "-")
    }
}
