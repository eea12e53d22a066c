/// An encryption algorithm as named in proposals (RFC 2409 App. A, RFC 2451, RFC 3686,
/// RFC 4106, RFC 4309, RFC 4543); its IKE attribute and ESP transform numbers are the
/// engine's (IKEv1 AlgorithmCodes).
public enum EncryptionAlgorithm: Hashable, Sendable {
    /// ESP_NULL (RFC 2410).
    case null
    /// DES-CBC (legacy).
    case des
    /// 3DES-CBC (EDE, 24-byte key).
    case tripleDES
    /// AES-CBC with a 128/192/256-bit key.
    case aesCBC(keyBits: Int)
    /// Blowfish-CBC (RFC 2451) with a 128/192/256-bit key (legacy).
    case blowfish(keyBits: Int)
    /// CAST-128-CBC (RFC 2451) with a 128-bit key (legacy).
    case cast128
    /// AES-CTR (RFC 3686), ESP only.
    case aesCTR(keyBits: Int)
    /// AES-GCM with an 8/12/16-byte ICV (RFC 4106), ESP only.
    case aesGCM(keyBits: Int, icvLength: Int)
    /// AES-GMAC, authentication only (RFC 4543), ESP only.
    case aesGMAC(keyBits: Int)
    /// AES-CCM with an 8/12/16-byte ICV (RFC 4309), ESP only.
    case aesCCM(keyBits: Int, icvLength: Int)

    /// strongSwan's keyword, e.g. `aes128`, `3des`, `aes256gcm16`, `aes128ctr`, `blowfish128`, `aes128ccm16`.
    public var keyword: String {
        switch self {
        case .null: "null"
        case .des: "des"
        case .tripleDES: "3des"
        case .aesCBC(let bits): "aes\(bits)"
        case .aesCTR(let bits): "aes\(bits)ctr"
        case .aesGCM(let bits, let icv): "aes\(bits)gcm\(icv)"
        case .aesGMAC(let bits): "aes\(bits)gmac"
        case .blowfish(let bits): "blowfish\(bits)"
        case .cast128: "cast128"
        case .aesCCM(let bits, let icv): "aes\(bits)ccm\(icv)"
        }
    }

    /// The cipher key length in bytes (without salt / nonce).
    public var keyLength: Int {
        switch self {
        case .null: 0
        case .des: 8
        case .tripleDES: 24
        case .cast128: 16
        case .aesCBC(let b), .aesCTR(let b), .aesGCM(let b, _), .aesGMAC(let b), .aesCCM(let b, _), .blowfish(let b): b / 8
        }
    }

    /// Bytes taken from KEYMAT: the key plus the 4-byte salt/nonce of CTR,
    /// GCM and GMAC (RFC 3686 §5.1, RFC 4106 §8.1, RFC 4543 §8) or the
    /// 3-byte salt of CCM (RFC 4309 §7.1).
    public var keyingMaterialLength: Int {
        switch self {
        case .aesCTR, .aesGCM, .aesGMAC: keyLength + 4
        case .aesCCM: keyLength + 3
        default: keyLength
        }
    }

    /// CBC block size (Phase 1 IV length); 1 for stream-like modes and NULL.
    public var blockSize: Int {
        switch self {
        case .des, .tripleDES, .blowfish, .cast128: 8
        case .aesCBC: 16
        default: 1
        }
    }

    /// Length of the explicit per-packet IV in ESP.
    public var espIVLength: Int {
        switch self {
        case .null: 0
        case .des, .tripleDES, .blowfish, .cast128: 8
        case .aesCBC: 16
        case .aesCTR, .aesGCM, .aesGMAC, .aesCCM: 8
        }
    }

    /// True for combined-mode transforms that need no separate integrity algorithm.
    public var isAEAD: Bool {
        switch self {
        case .aesGCM, .aesGMAC, .aesCCM: true
        default: false
        }
    }

    /// The CBC cipher for this transform, when it is one.
    public var cbcAlgorithm: CBCAlgorithm? {
        switch self {
        case .des: .des
        case .tripleDES: .tripleDES
        case .aesCBC(let b): .aes(keyBits: b)
        case .blowfish(let b): .blowfish(keyBits: b)
        case .cast128: .cast128(keyBits: 128)
        default: nil
        }
    }

    /// DES, Blowfish and CAST-128: refused by policy unless `legacy` is allowed.
    public var isLegacy: Bool { cbcAlgorithm?.isLegacy ?? false }

    /// Parses a strongSwan keyword (with the usual aliases), or nil.
    public init?(keyword: String) {
        switch keyword {
        case "null": self = .null
        case "des": self = .des
        case "3des": self = .tripleDES
        case "aes": self = .aesCBC(keyBits: 128)
        case "blowfish", "blowfish128": self = .blowfish(keyBits: 128)
        case "blowfish192": self = .blowfish(keyBits: 192)
        case "blowfish256": self = .blowfish(keyBits: 256)
        case "cast128": self = .cast128
        default:
            guard keyword.hasPrefix("aes"), keyword.count >= 6,
                  let bits = Int(keyword.dropFirst(3).prefix(3)), [128, 192, 256].contains(bits) else { return nil }
            let mode = keyword.dropFirst(6)
            switch mode {
            case "": self = .aesCBC(keyBits: bits)
            case "ctr": self = .aesCTR(keyBits: bits)
            case "gmac": self = .aesGMAC(keyBits: bits)
            case "gcm", "gcm16", "gcm128": self = .aesGCM(keyBits: bits, icvLength: 16)
            case "gcm12", "gcm96": self = .aesGCM(keyBits: bits, icvLength: 12)
            case "gcm8", "gcm64": self = .aesGCM(keyBits: bits, icvLength: 8)
            case "ccm", "ccm16", "ccm128": self = .aesCCM(keyBits: bits, icvLength: 16)
            case "ccm12", "ccm96": self = .aesCCM(keyBits: bits, icvLength: 12)
            case "ccm8", "ccm64": self = .aesCCM(keyBits: bits, icvLength: 8)
            default: return nil
            }
        }
    }
}
