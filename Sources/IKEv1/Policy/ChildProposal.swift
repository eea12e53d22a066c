public import IPsecCrypto
import ISAKMPWire

/// An ESP cipher (RFC 2407 §4.4.4, RFC 3602, RFC 4106).
public enum ESPEncryption: Hashable, Sendable, CustomStringConvertible {
    case des
    case tripleDES
    case aesCBC(keyBits: Int)
    /// AES-GCM with a 16-byte ICV; keying material = key | 4-byte salt (RFC 4106 §8.1).
    case aesGCM16(keyBits: Int)
    case null

    /// The ESP Transform-Id.
    public var transformID: UInt8 {
        switch self {
        case .des: TransformID.ESP.des
        case .tripleDES: TransformID.ESP.tripleDES
        case .aesCBC: TransformID.ESP.aesCBC
        case .aesGCM16: TransformID.ESP.aesGCM16
        case .null: TransformID.ESP.null
        }
    }

    /// Key-Length attribute value, when the cipher has one.
    var keyLengthAttribute: UInt16? {
        switch self {
        case .aesCBC(let b), .aesGCM16(let b): UInt16(b)
        default: nil
        }
    }

    /// Bytes of KEYMAT the cipher takes (salt included).
    public var keyMaterialLength: Int {
        switch self {
        case .des: 8
        case .tripleDES: 24
        case .aesCBC(let b): b / 8
        case .aesGCM16(let b): b / 8 + 4
        case .null: 0
        }
    }

    /// True for AEAD ciphers, which take no separate integrity algorithm.
    public var isAEAD: Bool { if case .aesGCM16 = self { true } else { false } }

    /// True for DES.
    public var isLegacy: Bool { self == .des }

    init?(transformID: UInt8, keyBits: UInt16?) {
        switch transformID {
        case TransformID.ESP.des: self = .des
        case TransformID.ESP.tripleDES: self = .tripleDES
        case TransformID.ESP.null: self = .null
        case TransformID.ESP.aesCBC, TransformID.ESP.aesGCM16:
            let bits = Int(keyBits ?? 128)
            guard [128, 192, 256].contains(bits) else { return nil }
            self = transformID == TransformID.ESP.aesCBC ? .aesCBC(keyBits: bits) : .aesGCM16(keyBits: bits)
        default: return nil
        }
    }

    /// strongSwan's name: `aes128`, `aes256gcm16`, `3des`.
    public var description: String {
        switch self {
        case .des: "des"
        case .tripleDES: "3des"
        case .aesCBC(let b): "aes\(b)"
        case .aesGCM16(let b): "aes\(b)gcm16"
        case .null: "null"
        }
    }
}

/// An ESP/AH integrity algorithm (RFC 2407 §4.5 Authentication Algorithm; RFC 2404, 4868).
public enum IntegrityAlgorithm: Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case hmacMD5, hmacSHA1, hmacSHA256, hmacSHA384, hmacSHA512

    /// The hash under the HMAC.
    public var hash: HashAlgorithm {
        switch self {
        case .hmacMD5: .md5
        case .hmacSHA1: .sha1
        case .hmacSHA256: .sha256
        case .hmacSHA384: .sha384
        case .hmacSHA512: .sha512
        }
    }

    /// Authentication-Algorithm attribute value.
    public var attributeValue: UInt16 {
        switch self {
        case .hmacMD5: IPsecAttribute.Auth.hmacMD5
        case .hmacSHA1: IPsecAttribute.Auth.hmacSHA1
        case .hmacSHA256: IPsecAttribute.Auth.hmacSHA256
        case .hmacSHA384: IPsecAttribute.Auth.hmacSHA384
        case .hmacSHA512: IPsecAttribute.Auth.hmacSHA512
        }
    }

    /// The AH Transform-Id of the same algorithm (RFC 2407 §4.4.3).
    var ahTransformID: UInt8 {
        switch self {
        case .hmacMD5: TransformID.AH.md5
        case .hmacSHA1: TransformID.AH.sha
        case .hmacSHA256: TransformID.AH.sha256
        case .hmacSHA384: TransformID.AH.sha384
        case .hmacSHA512: TransformID.AH.sha512
        }
    }

    /// Key length in bytes (the hash length).
    public var keyLength: Int { hash.length }

    /// ICV length in bytes: 96 bits for MD5/SHA-1 (RFC 2403/2404), half the hash for SHA-2 (RFC 4868).
    public var icvLength: Int {
        switch self {
        case .hmacMD5, .hmacSHA1: 12
        default: hash.length / 2
        }
    }

    init?(attributeValue: UInt16) {
        guard let a = Self.allCases.first(where: { $0.attributeValue == attributeValue }) else { return nil }
        self = a
    }

    /// strongSwan's name: `md5`, `sha1`, `sha256`.
    public var description: String { hash.rawValue }
}

/// The IPsec protocol of a child SA.
public enum ChildProtocol: Hashable, Sendable {
    case esp, ah
    var protocolID: ProtocolID { self == .esp ? .esp : .ah }
}

/// Tunnel or transport (RFC 2407 §4.5 Encapsulation Mode, before NAT-T's UDP variants).
public enum IPsecMode: Hashable, Sendable { case tunnel, transport }

/// One Quick Mode transform: protocol, algorithms and PFS group.
public struct ChildProposal: Hashable, Sendable, CustomStringConvertible {
    /// ESP or AH.
    public var ipsecProtocol: ChildProtocol
    /// The cipher (ESP only).
    public var encryption: ESPEncryption?
    /// The integrity algorithm (nil for AEAD ciphers).
    public var integrity: IntegrityAlgorithm?
    /// The PFS group, nil without PFS.
    public var pfsGroup: DHGroup?

    /// Creates a proposal.
    public init(ipsecProtocol: ChildProtocol = .esp, encryption: ESPEncryption?, integrity: IntegrityAlgorithm?,
                pfsGroup: DHGroup? = nil) {
        self.ipsecProtocol = ipsecProtocol
        self.encryption = encryption
        self.integrity = integrity
        self.pfsGroup = pfsGroup
    }

    /// True when DES, HMAC-MD5 or groups 1/2/5 are involved.
    public var isLegacy: Bool {
        (encryption?.isLegacy ?? false) || integrity == .hmacMD5 || (pfsGroup?.isLegacy ?? false)
    }

    /// Notation like `aes128-sha256-modp2048` or `ah-sha256`.
    public var description: String {
        var parts: [String] = ipsecProtocol == .ah ? ["ah"] : []
        if let e = encryption { parts.append(e.description) }
        if let i = integrity { parts.append(i.description) }
        if let g = pfsGroup { parts.append(g.name) }
        return parts.joined(separator: "-")
    }

    /// The transform with charon's attribute order (RFC 2407 §4.5).
    func transform(number: UInt8, encapsulationMode: UInt16, lifetime: Lifetime) -> TransformPayload {
        var attrs: [DataAttribute] = []
        let id: UInt8
        switch ipsecProtocol {
        case .esp:
            let enc = encryption ?? .null
            id = enc.transformID
            if let k = enc.keyLengthAttribute { attrs.append(.basic(IPsecAttribute.keyLength, k)) }
        case .ah:
            id = integrity?.ahTransformID ?? 0
        }
        if let i = integrity { attrs.append(.basic(IPsecAttribute.authenticationAlgorithm, i.attributeValue)) }
        if let g = pfsGroup { attrs.append(.basic(IPsecAttribute.groupDescription, g.id)) }
        attrs.append(.basic(IPsecAttribute.encapsulationMode, encapsulationMode))
        attrs += lifetime.ipsecAttributes
        return TransformPayload(number: number, transformID: TransformID(rawValue: id, protocolID: ipsecProtocol.protocolID),
                                attributes: attrs)
    }
}

/// What a received IPsec transform says.
struct ParsedChildTransform {
    var proposal: ChildProposal
    var encapsulationMode: UInt16
    var lifetime: Lifetime

    init?(_ t: TransformPayload, protocolID: ProtocolID) {
        var keyBits: UInt16?, integrity: IntegrityAlgorithm?, group: DHGroup?, mode: UInt16 = IPsecAttribute.Mode.tunnel
        var life = Lifetime()
        var lifeType: UInt64?
        for a in t.attributes {
            guard let v = a.integerValue else { return nil }
            switch a.type {
            case IPsecAttribute.keyLength: keyBits = UInt16(truncatingIfNeeded: v)
            case IPsecAttribute.authenticationAlgorithm:
                guard let i = IntegrityAlgorithm(attributeValue: UInt16(truncatingIfNeeded: v)) else { return nil }
                integrity = i
            case IPsecAttribute.groupDescription:
                guard let g = DHGroup(id: UInt16(truncatingIfNeeded: v)) else { return nil }
                group = g
            case IPsecAttribute.encapsulationMode: mode = UInt16(truncatingIfNeeded: v)
            case IPsecAttribute.lifeType: lifeType = v
            case IPsecAttribute.lifeDuration: guard life.set(type: lifeType, duration: v) else { return nil }
            default: return nil
            }
        }
        switch protocolID {
        case .esp:
            guard let enc = ESPEncryption(transformID: t.transformID.rawValue, keyBits: keyBits) else { return nil }
            guard enc.isAEAD == (integrity == nil) || enc == .null else { return nil }
            proposal = ChildProposal(ipsecProtocol: .esp, encryption: enc, integrity: integrity, pfsGroup: group)
        case .ah:
            guard let i = integrity, i.ahTransformID == t.transformID.rawValue else { return nil }
            proposal = ChildProposal(ipsecProtocol: .ah, encryption: nil, integrity: i, pfsGroup: group)
        default: return nil
        }
        encapsulationMode = mode
        lifetime = life
    }
}
