public import IPsecCrypto
import ISAKMPWire

extension EncryptionAlgorithm {
    /// The cipher an ESP Transform-Id and Key-Length attribute name (RFC 2407 §4.4.4,
    /// RFC 2451, RFC 3686, RFC 4106, RFC 4309, RFC 4543); AES, Blowfish and CAST
    /// without a Key-Length mean 128 bits.
    public init?(espTransformID: UInt8, keyBits: UInt16?) {
        let bits = Int(keyBits ?? 128)
        let aes = [128, 192, 256].contains(bits)
        switch espTransformID {
        case TransformID.ESP.des: self = .des
        case TransformID.ESP.tripleDES: self = .tripleDES
        case TransformID.ESP.cast where bits == 128: self = .cast128
        case TransformID.ESP.blowfish where aes: self = .blowfish(keyBits: bits)
        case TransformID.ESP.null: self = .null
        case TransformID.ESP.aesCBC where aes: self = .aesCBC(keyBits: bits)
        case TransformID.ESP.aesCTR where aes: self = .aesCTR(keyBits: bits)
        case TransformID.ESP.aesGCM8 where aes: self = .aesGCM(keyBits: bits, icvLength: 8)
        case TransformID.ESP.aesGCM12 where aes: self = .aesGCM(keyBits: bits, icvLength: 12)
        case TransformID.ESP.aesGCM16 where aes: self = .aesGCM(keyBits: bits, icvLength: 16)
        case TransformID.ESP.nullAuthAESGMAC where aes: self = .aesGMAC(keyBits: bits)
        case TransformID.ESP.aesCCM8 where aes: self = .aesCCM(keyBits: bits, icvLength: 8)
        case TransformID.ESP.aesCCM12 where aes: self = .aesCCM(keyBits: bits, icvLength: 12)
        case TransformID.ESP.aesCCM16 where aes: self = .aesCCM(keyBits: bits, icvLength: 16)
        default: return nil
        }
    }
}

extension IntegrityAlgorithm {
    /// The AH Transform-Id of the same algorithm (RFC 2407 §4.4.3, RFC 3566, RFC 4868).
    var ahTransformID: UInt8 {
        switch self {
        case .md5: TransformID.AH.md5
        case .sha1: TransformID.AH.sha
        case .sha256: TransformID.AH.sha256
        case .sha384: TransformID.AH.sha384
        case .sha512: TransformID.AH.sha512
        case .aesXCBC: TransformID.AH.aesXCBC
        }
    }

    /// The algorithm an Authentication-Algorithm attribute value names (RFC 2407 §4.5).
    public init?(espAuthAlgorithm value: UInt16) {
        guard let a = Self.allCases.first(where: { $0.espAuthAlgorithm == value }) else { return nil }
        self = a
    }
}

/// The IPsec protocol of a child SA.
public enum ChildProtocol: Hashable, Sendable {
    /// ESP (RFC 4303; IPsec DOI protocol ID 3) or AH (RFC 4302; protocol ID 2).
    case esp, ah
    var protocolID: ProtocolID { self == .esp ? .esp : .ah }
}

/// Tunnel or transport (RFC 2407 §4.5 Encapsulation Mode, before NAT-T's UDP variants).
public enum IPsecMode: Hashable, Sendable {
    /// The whole IP packet travels inside, behind a new outer header (Encapsulation Mode 1).
    case tunnel
    /// Only the payload is protected; the packet keeps its own IP header (Encapsulation Mode 2).
    case transport
}

/// One Quick Mode transform: protocol, algorithms and PFS group.
public struct ChildProposal: Hashable, Sendable, CustomStringConvertible {
    /// ESP or AH.
    public var ipsecProtocol: ChildProtocol
    /// The cipher (ESP only).
    public var encryption: EncryptionAlgorithm?
    /// The integrity algorithm (nil for AEAD ciphers).
    public var integrity: IntegrityAlgorithm?
    /// The PFS group, nil without PFS.
    public var pfsGroup: DHGroup?

    /// Creates a proposal.
    public init(ipsecProtocol: ChildProtocol = .esp, encryption: EncryptionAlgorithm?, integrity: IntegrityAlgorithm?,
                pfsGroup: DHGroup? = nil) {
        self.ipsecProtocol = ipsecProtocol
        self.encryption = encryption
        self.integrity = integrity
        self.pfsGroup = pfsGroup
    }

    /// KEYMAT bytes one SA of this proposal takes (RFC 2409 §5.5): the cipher's keying material
    /// (with the salt of CTR, GCM, CCM and GMAC; RFC 3686, 4106, 4309, 4543), then the integrity key.
    public var keymatLength: Int { encryptionKeyLength + integrityKeyLength }
    /// The cipher's part of KEYMAT (none for AH).
    var encryptionKeyLength: Int { ipsecProtocol == .esp ? (encryption?.keyingMaterialLength ?? 0) : 0 }
    /// The integrity key's part of KEYMAT.
    var integrityKeyLength: Int { integrity?.keyLength ?? 0 }

    /// True when DES, HMAC-MD5 or groups 1/2/5 are involved.
    public var isLegacy: Bool {
        (encryption?.isLegacy ?? false) || (integrity?.isLegacy ?? false) || (pfsGroup?.isLegacy ?? false)
    }

    /// Notation like `aes128-sha256-modp2048` or `ah-sha256`.
    public var description: String {
        var parts: [String] = ipsecProtocol == .ah ? ["ah"] : []
        if let e = encryption { parts.append(e.keyword) }
        if let i = integrity { parts.append(i.keyword) }
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
            id = UInt8(enc.espTransformID)
            if let k = enc.keyLengthAttribute { attrs.append(.basic(IPsecAttribute.keyLength, k)) }
        case .ah:
            id = integrity?.ahTransformID ?? 0
        }
        if let i = integrity { attrs.append(.basic(IPsecAttribute.authenticationAlgorithm, i.espAuthAlgorithm)) }
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
                guard let i = IntegrityAlgorithm(espAuthAlgorithm: UInt16(truncatingIfNeeded: v)) else { return nil }
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
            guard let enc = EncryptionAlgorithm(espTransformID: t.transformID.rawValue, keyBits: keyBits) else { return nil }
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
