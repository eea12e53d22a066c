public import IPsecCrypto
import ISAKMPWire

/// How a Phase 1 peer authenticates (RFC 2409 App. A Authentication-Method; RFC 4754 §3;
/// draft-beaulieu-ike-xauth-02 §7.2 for the XAUTH methods 65001-65010, which add XAUTH after the
/// base method). Both peers authenticate with the negotiated method. RSA encryption (4/5) is
/// deliberately absent; its XAUTH variants, and those over DSS, are recognised, never negotiated.
public enum AuthMethod: UInt16, Hashable, Sendable, CustomStringConvertible {
    /// Pre-shared key (1).
    case preSharedKey = 1
    /// DSS signatures (2): recognised in offers, never negotiated.
    case dssSignature = 2
    /// RSA signatures (3), PKCS#1 v1.5 over the raw HASH_I/HASH_R.
    case rsaSignature = 3
    /// ECDSA with SHA-256 on P-256 (9, RFC 4754).
    case ecdsaP256 = 9
    /// ECDSA with SHA-384 on P-384 (10, RFC 4754).
    case ecdsaP384 = 10
    /// ECDSA with SHA-512 on P-521 (11, RFC 4754).
    case ecdsaP521 = 11
    /// XAUTHInitPreShared (65001): PSK, then XAUTH of the initiator (vpnc, Cisco clients, charon).
    case xauthInitPreShared = 65001
    /// XAUTHRespPreShared (65002): PSK, then XAUTH of the responder.
    case xauthRespPreShared = 65002
    /// XAUTHInitDSS (65003): recognised, never negotiated.
    case xauthInitDSS = 65003
    /// XAUTHRespDSS (65004): recognised, never negotiated.
    case xauthRespDSS = 65004
    /// XAUTHInitRSA (65005): RSA signatures, then XAUTH of the initiator.
    case xauthInitRSA = 65005
    /// XAUTHRespRSA (65006): RSA signatures, then XAUTH of the responder.
    case xauthRespRSA = 65006
    /// XAUTHInitRSAEncryption (65007): recognised, never negotiated.
    case xauthInitRSAEncryption = 65007
    /// XAUTHRespRSAEncryption (65008): recognised, never negotiated.
    case xauthRespRSAEncryption = 65008
    /// XAUTHInitRSARevisedEncryption (65009): recognised, never negotiated.
    case xauthInitRSARevisedEncryption = 65009
    /// XAUTHRespRSARevisedEncryption (65010): recognised, never negotiated.
    case xauthRespRSARevisedEncryption = 65010

    /// The Phase 1 method an XAUTH method runs on (65001/65002: PSK, 65003/65004: DSS,
    /// 65005/65006: RSA); the method itself for the others, and for the RSA-encryption variants,
    /// whose base this library does not implement.
    public var base: AuthMethod {
        switch self {
        case .xauthInitPreShared, .xauthRespPreShared: .preSharedKey
        case .xauthInitDSS, .xauthRespDSS: .dssSignature
        case .xauthInitRSA, .xauthRespRSA: .rsaSignature
        default: self
        }
    }

    /// True for 65001-65010: XAUTH follows Phase 1 (draft-beaulieu-ike-xauth-02 §7.2).
    public var isXAUTH: Bool { rawValue >= 65001 && rawValue <= 65010 }

    /// True when XAUTH authenticates the Phase 1 initiator (the odd XAUTH codes).
    public var xauthAuthenticatesInitiator: Bool { isXAUTH && rawValue % 2 == 1 }

    /// The XAUTH method over this base in which the initiator (`initiatorIsClient`) or the
    /// responder is the XAUTH client; nil where the draft defines none (ECDSA) or the base is XAUTH already.
    public func withXAUTH(initiatorIsClient: Bool = true) -> AuthMethod? {
        let pair: (AuthMethod, AuthMethod)
        switch self {
        case .preSharedKey: pair = (.xauthInitPreShared, .xauthRespPreShared)
        case .dssSignature: pair = (.xauthInitDSS, .xauthRespDSS)
        case .rsaSignature: pair = (.xauthInitRSA, .xauthRespRSA)
        default: return nil
        }
        return initiatorIsClient ? pair.0 : pair.1
    }

    /// True when this library can negotiate the method (not DSS, not RSA encryption, in any variant).
    public var isImplemented: Bool { base != .dssSignature && (!isXAUTH || base != self) }

    /// True for the signature methods: SKEYID = prf(Ni_b | Nr_b, g^xy), SIG payloads (RFC 2409 §5.1).
    public var isSignature: Bool { base != .preSharedKey }

    /// The method a signature key implies: RSA 3; ECDSA 9/10/11 for P-256/P-384/P-521 (RFC 4754 §3).
    public init?(key algorithm: SignatureKeyAlgorithm?) {
        switch algorithm {
        case .rsa: self = .rsaSignature
        case .ecdsaP256: self = .ecdsaP256
        case .ecdsaP384: self = .ecdsaP384
        case .ecdsaP521: self = .ecdsaP521
        case nil: return nil
        }
    }

    /// The PRF HASH_I/HASH_R use when the method binds a hash (RFC 4754 §3: SHA-256/384/512 for
    /// ECDSA 9/10/11; HMAC over it keyed with SKEYID, as strongSwan's keymat_v1 `prf_auth`);
    /// nil means the negotiated PRF.
    var authPRF: IKEv1PRF? {
        switch base {
        case .ecdsaP256: IKEv1PRF(hash: .sha256)
        case .ecdsaP384: IKEv1PRF(hash: .sha384)
        case .ecdsaP521: IKEv1PRF(hash: .sha512)
        default: nil
        }
    }

    /// strongSwan-like names: `psk`, `dss`, `rsa`, `ecdsa256`, `ecdsa384`, `ecdsa521`, and
    /// `xauth-psk`, `xauth-rsa`... for the XAUTH methods (`-resp` when the responder is the client).
    public var description: String {
        switch self {
        case .preSharedKey: "psk"
        case .dssSignature: "dss"
        case .rsaSignature: "rsa"
        case .ecdsaP256: "ecdsa256"
        case .ecdsaP384: "ecdsa384"
        case .ecdsaP521: "ecdsa521"
        case .xauthInitRSAEncryption, .xauthRespRSAEncryption: "xauth-rsaenc" + (xauthAuthenticatesInitiator ? "" : "-resp")
        case .xauthInitRSARevisedEncryption, .xauthRespRSARevisedEncryption:
            "xauth-rsarevenc" + (xauthAuthenticatesInitiator ? "" : "-resp")
        default: "xauth-\(base)" + (xauthAuthenticatesInitiator ? "" : "-resp")
        }
    }
}

/// A lifetime in seconds and/or kilobytes (RFC 2407 §4.5, RFC 2409 App. A); nil means unlimited.
public struct Lifetime: Hashable, Sendable {
    /// Seconds, or nil.
    public var seconds: UInt32?
    /// Kilobytes, or nil.
    public var kilobytes: UInt32?
    /// Creates a lifetime.
    public init(seconds: UInt32? = nil, kilobytes: UInt32? = nil) {
        self.seconds = seconds
        self.kilobytes = kilobytes
    }
    /// The shorter of two lifetimes, dimension by dimension.
    public func shortest(_ other: Lifetime) -> Lifetime {
        func m(_ a: UInt32?, _ b: UInt32?) -> UInt32? {
            switch (a, b) { case let (x?, y?): Swift.min(x, y); case let (x?, nil): x; case let (nil, y): y }
        }
        return Lifetime(seconds: m(seconds, other.seconds), kilobytes: m(kilobytes, other.kilobytes))
    }
}

/// One Phase 1 transform: encryption, hash, DH group, authentication and lifetime
/// (RFC 2409 App. A attributes).
public struct IKEProposal: Hashable, Sendable, CustomStringConvertible {
    /// The Phase 1 cipher.
    public var encryption: CBCAlgorithm
    /// The hash (and HMAC PRF).
    public var hash: HashAlgorithm
    /// The Oakley group.
    public var group: DHGroup
    /// The authentication method.
    public var authMethod: AuthMethod
    /// The ISAKMP SA lifetime.
    public var lifetime: Lifetime

    /// Creates a proposal (charon's default Phase 1 lifetime: 4 h + 10 min).
    public init(encryption: CBCAlgorithm, hash: HashAlgorithm, group: DHGroup,
                authMethod: AuthMethod = .preSharedKey, lifetime: Lifetime = Lifetime(seconds: 15000)) {
        self.encryption = encryption
        self.hash = hash
        self.group = group
        self.authMethod = authMethod
        self.lifetime = lifetime
    }

    /// True when DES, Blowfish, CAST, MD5 or groups 1/2/5 are involved: negotiated only with `legacy`.
    public var isLegacy: Bool { encryption.isLegacy || hash.isLegacy || group.isLegacy }

    /// Notation like `aes128-sha256-modp2048`.
    public var description: String { "\(encryption.notation)-\(hash.rawValue)-\(group.name)" }

    /// True when both describe the same algorithms (lifetimes aside).
    func sameAlgorithms(_ other: IKEProposal) -> Bool {
        encryption == other.encryption && hash == other.hash && group == other.group && authMethod == other.authMethod
    }

    /// The transform payload, attributes in charon's order (RFC 2409 App. A).
    func transform(number: UInt8) -> TransformPayload {
        var attrs: [DataAttribute] = [.basic(IKEAttribute.encryptionAlgorithm, encryption.ikeAttributeValue)]
        // Variable-length ciphers carry a Key Length (RFC 2409 App. A).
        switch encryption {
        case .aes(let bits), .blowfish(let bits), .cast128(let bits): attrs.append(.basic(IKEAttribute.keyLength, UInt16(bits)))
        case .des, .tripleDES: break
        }
        attrs.append(.basic(IKEAttribute.hashAlgorithm, hash.ikeAttributeValue))
        attrs.append(.basic(IKEAttribute.groupDescription, group.id))
        attrs.append(.basic(IKEAttribute.authenticationMethod, authMethod.rawValue))
        attrs += lifetime.phase1Attributes
        return TransformPayload(number: number, transformID: TransformID(rawValue: TransformID.keyIKE, protocolID: .isakmp),
                                attributes: attrs)
    }

    /// Reads a KEY_IKE transform; nil when it names something this library does not implement.
    init?(transform t: TransformPayload) {
        guard t.transformID.rawValue == TransformID.keyIKE else { return nil }
        var enc: UInt16?, keyBits: UInt16?, hash: HashAlgorithm?, group: DHGroup?, auth: AuthMethod?
        var life = Lifetime()
        var lifeType: UInt64?
        for a in t.attributes {
            guard let v = a.integerValue else { return nil }
            switch a.type {
            case IKEAttribute.encryptionAlgorithm: enc = UInt16(truncatingIfNeeded: v)
            case IKEAttribute.keyLength: keyBits = UInt16(truncatingIfNeeded: v)
            case IKEAttribute.hashAlgorithm: guard let h = HashAlgorithm(ikeAttributeValue: UInt16(truncatingIfNeeded: v)) else { return nil }; hash = h
            case IKEAttribute.groupDescription: guard let g = DHGroup(id: UInt16(truncatingIfNeeded: v)) else { return nil }; group = g
            case IKEAttribute.authenticationMethod: guard let m = AuthMethod(rawValue: UInt16(truncatingIfNeeded: v)) else { return nil }; auth = m
            case IKEAttribute.lifeType: lifeType = v
            case IKEAttribute.lifeDuration: guard life.set(type: lifeType, duration: v) else { return nil }
            case IKEAttribute.groupType: guard v == 1 || v == 2 else { return nil }
            default: return nil   // PRF, private groups...: not supported
            }
        }
        guard let e = enc, let h = hash, let g = group, let m = auth,
              let cipher = CBCAlgorithm(ikeAttributeValue: e, keyBits: keyBits) else { return nil }
        self.init(encryption: cipher, hash: h, group: g, authMethod: m, lifetime: life)
    }
}

extension Lifetime {
    /// Applies a Life-Duration after a Life-Type (1 seconds, 2 kilobytes; the same codes in
    /// Phase 1 and the IPsec DOI). False when the duration follows no known type.
    /// A duration of 0 proposes no lifetime of that type (a charon client with `reauth_time = 0s`
    /// sends Life-Duration 0): it stays nil, so the other side's lifetime applies.
    mutating func set(type: UInt64?, duration: UInt64) -> Bool {
        switch type {
        case 1: seconds = duration == 0 ? nil : UInt32(clamping: duration)
        case 2: kilobytes = duration == 0 ? nil : UInt32(clamping: duration)
        default: return false
        }
        return true
    }

    var phase1Attributes: [DataAttribute] {
        var out: [DataAttribute] = []
        if let s = seconds { out += [.basic(IKEAttribute.lifeType, 1), .integer(IKEAttribute.lifeDuration, UInt64(s))] }
        if let k = kilobytes { out += [.basic(IKEAttribute.lifeType, 2), .integer(IKEAttribute.lifeDuration, UInt64(k))] }
        return out
    }

    var ipsecAttributes: [DataAttribute] {
        var out: [DataAttribute] = []
        if let s = seconds { out += [.basic(IPsecAttribute.lifeType, 1), .integer(IPsecAttribute.lifeDuration, UInt64(s))] }
        if let k = kilobytes { out += [.basic(IPsecAttribute.lifeType, 2), .integer(IPsecAttribute.lifeDuration, UInt64(k))] }
        return out
    }
}

extension CBCAlgorithm {
    /// The Phase 1 Encryption-Algorithm value (RFC 2409 App. A; RFC 3602 for AES).
    var ikeAttributeValue: UInt16 {
        switch self {
        case .des: 1
        case .blowfish: 3
        case .tripleDES: 5
        case .cast128: 6
        case .aes: 7
        }
    }

    /// The cipher an Encryption-Algorithm and Key-Length attribute name (RFC 2409 Appendix A, RFC 3602).
    public init?(ikeAttributeValue v: UInt16, keyBits: UInt16?) {
        switch v {
        case 1 where keyBits == nil: self = .des
        case 5 where keyBits == nil: self = .tripleDES
        case 3:
            let bits = Int(keyBits ?? 128)
            guard [128, 192, 256].contains(bits) else { return nil }
            self = .blowfish(keyBits: bits)
        case 6 where keyBits == nil || keyBits == 128: self = .cast128(keyBits: 128)
        case 7:
            let bits = Int(keyBits ?? 128)
            guard [128, 192, 256].contains(bits) else { return nil }
            self = .aes(keyBits: bits)
        default: return nil
        }
    }

    /// strongSwan's name: `des`, `3des`, `aes128`.
    public var notation: String {
        switch self {
        case .des: "des"
        case .tripleDES: "3des"
        case .aes(let bits): "aes\(bits)"
        case .blowfish(let bits): "blowfish\(bits)"
        case .cast128: "cast128"
        }
    }
}
