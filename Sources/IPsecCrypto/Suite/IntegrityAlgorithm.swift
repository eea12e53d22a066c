/// An integrity transform: the IKEv1 hash (Phase 1) or the ESP/AH
/// authentication algorithm with its truncated ICV (RFC 2404, 2403, 4868, 3566).
public enum IntegrityAlgorithm: String, Hashable, Sendable, CaseIterable {
    /// HMAC-MD5-96 (RFC 2403), HMAC-SHA1-96 (RFC 2404), HMAC-SHA-256/384/512 (RFC 4868, ICV half
    /// the digest) and AES-XCBC-MAC-96 (RFC 3566, ESP/AH only); `keyword` gives strongSwan's name.
    case md5, sha1, sha256, sha384, sha512, aesXCBC

    /// strongSwan's keyword: `md5`, `sha1`, `sha256`, `sha384`, `sha512`, `aesxcbc`.
    public var keyword: String {
        switch self {
        case .aesXCBC: "aesxcbc"
        default: rawValue
        }
    }

    /// The underlying hash (nil for AES-XCBC).
    public var hash: HashAlgorithm? {
        switch self {
        case .md5: .md5
        case .sha1: .sha1
        case .sha256: .sha256
        case .sha384: .sha384
        case .sha512: .sha512
        case .aesXCBC: nil
        }
    }

    /// ESP/AH ICV length: -96 for MD5, SHA-1 and XCBC; half the digest for SHA-2 (RFC 4868).
    public var icvLength: Int {
        switch self {
        case .md5, .sha1, .aesXCBC: 12
        case .sha256: 16
        case .sha384: 24
        case .sha512: 32
        }
    }

    /// Integrity key length in bytes taken from KEYMAT.
    public var keyLength: Int { hash?.length ?? 16 }

    /// MD5: refused by policy unless `legacy` is allowed.
    public var isLegacy: Bool { self == .md5 }

    /// Parses a strongSwan keyword (with aliases `sha`, `sha2_256`, ...), or nil.
    public init?(keyword: String) {
        switch keyword {
        case "md5": self = .md5
        case "sha", "sha1": self = .sha1
        case "sha256", "sha2_256": self = .sha256
        case "sha384", "sha2_384": self = .sha384
        case "sha512", "sha2_512": self = .sha512
        case "aesxcbc": self = .aesXCBC
        default: return nil
        }
    }
}
