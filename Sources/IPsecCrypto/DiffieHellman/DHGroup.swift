/// A Diffie-Hellman group by its IKE registry number (RFC 2409 §6,
/// RFC 3526, RFC 5114, RFC 5903, RFC 6954, RFC 8031).
public struct DHGroup: Hashable, Sendable, CustomStringConvertible {
    /// The IANA "Group Description" number (IKEv1 attribute class 4).
    public let id: UInt16

    enum Kind: Sendable {
        /// MODP group; `q` is the prime subgroup order for groups 22-24.
        case modp(bits: Int, exponentBytes: Int, hasSubgroup: Bool)
        /// Prime-field elliptic curve: libcrypto curve name and coordinate length.
        case ecp(curve: String, coordinateLength: Int)
        /// Curve25519 (RFC 8031).
        case x25519
    }

    let kind: Kind
    /// The strongSwan keyword, e.g. `modp2048`, `ecp256`, `curve25519`.
    public let name: String

    private init(_ id: UInt16, _ name: String, _ kind: Kind) {
        self.id = id
        self.name = name
        self.kind = kind
    }

    /// Equal when the registry numbers (`id`) are equal.
    public static func == (a: DHGroup, b: DHGroup) -> Bool { a.id == b.id }
    /// Hashes the registry number, as `==` compares it.
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
    /// The strongSwan keyword, `name`.
    public var description: String { name }

    // Private exponent lengths for MODP follow the usual 2x-security-strength
    // choice (RFC 3526 §8), so x is far shorter than p for the large groups.

    /// 768-bit MODP, RFC 2409 §6.1 (legacy).
    public static let modp768 = DHGroup(1, "modp768", .modp(bits: 768, exponentBytes: 32, hasSubgroup: false))
    /// 1024-bit MODP, RFC 2409 §6.2 (legacy).
    public static let modp1024 = DHGroup(2, "modp1024", .modp(bits: 1024, exponentBytes: 32, hasSubgroup: false))
    /// 1536-bit MODP, RFC 3526 §2 (legacy).
    public static let modp1536 = DHGroup(5, "modp1536", .modp(bits: 1536, exponentBytes: 32, hasSubgroup: false))
    /// 2048-bit MODP, RFC 3526 §3.
    public static let modp2048 = DHGroup(14, "modp2048", .modp(bits: 2048, exponentBytes: 32, hasSubgroup: false))
    /// 3072-bit MODP, RFC 3526 §4.
    public static let modp3072 = DHGroup(15, "modp3072", .modp(bits: 3072, exponentBytes: 48, hasSubgroup: false))
    /// 4096-bit MODP, RFC 3526 §5.
    public static let modp4096 = DHGroup(16, "modp4096", .modp(bits: 4096, exponentBytes: 64, hasSubgroup: false))
    /// 6144-bit MODP, RFC 3526 §6.
    public static let modp6144 = DHGroup(17, "modp6144", .modp(bits: 6144, exponentBytes: 64, hasSubgroup: false))
    /// 8192-bit MODP, RFC 3526 §7.
    public static let modp8192 = DHGroup(18, "modp8192", .modp(bits: 8192, exponentBytes: 64, hasSubgroup: false))
    /// 256-bit random ECP, RFC 5903 §3.1.
    public static let ecp256 = DHGroup(19, "ecp256", .ecp(curve: "prime256v1", coordinateLength: 32))
    /// 384-bit random ECP, RFC 5903 §3.2.
    public static let ecp384 = DHGroup(20, "ecp384", .ecp(curve: "secp384r1", coordinateLength: 48))
    /// 521-bit random ECP, RFC 5903 §3.3.
    public static let ecp521 = DHGroup(21, "ecp521", .ecp(curve: "secp521r1", coordinateLength: 66))
    /// 1024-bit MODP with 160-bit subgroup, RFC 5114 §2.1.
    public static let modp1024s160 = DHGroup(22, "modp1024s160", .modp(bits: 1024, exponentBytes: 20, hasSubgroup: true))
    /// 2048-bit MODP with 224-bit subgroup, RFC 5114 §2.2.
    public static let modp2048s224 = DHGroup(23, "modp2048s224", .modp(bits: 2048, exponentBytes: 28, hasSubgroup: true))
    /// 2048-bit MODP with 256-bit subgroup, RFC 5114 §2.3.
    public static let modp2048s256 = DHGroup(24, "modp2048s256", .modp(bits: 2048, exponentBytes: 32, hasSubgroup: true))
    /// 192-bit random ECP, RFC 5114 §2.6.
    public static let ecp192 = DHGroup(25, "ecp192", .ecp(curve: "prime192v1", coordinateLength: 24))
    /// 224-bit random ECP, RFC 5114 §2.7.
    public static let ecp224 = DHGroup(26, "ecp224", .ecp(curve: "secp224r1", coordinateLength: 28))
    /// brainpoolP224r1, RFC 6954.
    public static let ecp224bp = DHGroup(27, "ecp224bp", .ecp(curve: "brainpoolP224r1", coordinateLength: 28))
    /// brainpoolP256r1, RFC 6954.
    public static let ecp256bp = DHGroup(28, "ecp256bp", .ecp(curve: "brainpoolP256r1", coordinateLength: 32))
    /// brainpoolP384r1, RFC 6954.
    public static let ecp384bp = DHGroup(29, "ecp384bp", .ecp(curve: "brainpoolP384r1", coordinateLength: 48))
    /// brainpoolP512r1, RFC 6954.
    public static let ecp512bp = DHGroup(30, "ecp512bp", .ecp(curve: "brainpoolP512r1", coordinateLength: 64))
    /// Curve25519, RFC 8031.
    public static let curve25519 = DHGroup(31, "curve25519", .x25519)

    /// Every supported group, by id.
    public static let all: [DHGroup] = [
        .modp768, .modp1024, .modp1536, .modp2048, .modp3072, .modp4096, .modp6144, .modp8192,
        .ecp256, .ecp384, .ecp521, .modp1024s160, .modp2048s224, .modp2048s256, .ecp192, .ecp224,
        .ecp224bp, .ecp256bp, .ecp384bp, .ecp512bp, .curve25519,
    ]

    /// The group with IKE number `id`, or nil if unsupported.
    public init?(id: UInt16) {
        guard let g = Self.all.first(where: { $0.id == id }) else { return nil }
        self = g
    }

    /// Length of the KE payload data: the prime length for MODP, x | y for
    /// ECP (RFC 5903 §7), 32 for Curve25519.
    public var publicValueLength: Int {
        switch kind {
        case .modp(let bits, _, _): bits / 8
        case .ecp(_, let n): 2 * n
        case .x25519: 32
        }
    }

    /// Length of g^xy: the prime length for MODP, x alone for ECP (RFC 5903 §9).
    public var sharedSecretLength: Int {
        switch kind {
        case .modp(let bits, _, _): bits / 8
        case .ecp(_, let n): n
        case .x25519: 32
        }
    }

    /// Groups 1, 2 and 5: implemented, but negotiated only under a `legacy` policy.
    public var isLegacy: Bool { [1, 2, 5].contains(id) }
}
