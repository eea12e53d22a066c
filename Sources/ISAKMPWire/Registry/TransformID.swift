/// The Transform-Id of a Transform payload, whose meaning depends on the
/// proposal's protocol (RFC 2407 §4.4.2-4.4.5; RFC 3686, 4106, 4309, 4543, 4868).
public struct TransformID: Hashable, Sendable {
    /// The number on the wire.
    public let rawValue: UInt8
    /// The protocol of the enclosing proposal, which gives the number its meaning.
    public let protocolID: ProtocolID

    /// The number `rawValue` read in the protocol `protocolID`.
    public init(rawValue: UInt8, protocolID: ProtocolID) {
        self.rawValue = rawValue
        self.protocolID = protocolID
    }

    /// The RFC name, or nil for an unassigned value.
    public var name: String? {
        switch protocolID {
        case .isakmp: rawValue == 1 ? "KEY_IKE" : nil
        case .ah: Self.ah[rawValue]
        case .esp: Self.esp[rawValue]
        case .ipcomp: Self.ipcomp[rawValue]
        default: nil
        }
    }

    /// `KEY_IKE`, the only ISAKMP transform (RFC 2407 §4.4.2).
    public static let keyIKE: UInt8 = 1

    /// ESP transform IDs (RFC 2407 §4.4.4 and later).
    public enum ESP {
        /// ESP_DES (2): DES-CBC (RFC 2405).
        public static let des: UInt8 = 2
        /// ESP_3DES (3): triple DES in CBC mode (RFC 2451).
        public static let tripleDES: UInt8 = 3
        /// ESP_CAST (6): CAST-128 in CBC mode (RFC 2451).
        public static let cast: UInt8 = 6
        /// ESP_BLOWFISH (7): Blowfish in CBC mode (RFC 2451).
        public static let blowfish: UInt8 = 7
        /// ESP_NULL (11): no encryption (RFC 2410), integrity only.
        public static let null: UInt8 = 11
        /// ESP_AES (12): AES-CBC (RFC 3602), key length from the Key Length attribute.
        public static let aesCBC: UInt8 = 12
        /// ESP_AES_CTR (13): AES in counter mode (RFC 3686).
        public static let aesCTR: UInt8 = 13
        /// ESP_AES_CCM_8 (14): AES-CCM with an 8-byte ICV (RFC 4309).
        public static let aesCCM8: UInt8 = 14
        /// ESP_AES_CCM_12 (15): AES-CCM with a 12-byte ICV (RFC 4309).
        public static let aesCCM12: UInt8 = 15
        /// ESP_AES_CCM_16 (16): AES-CCM with a 16-byte ICV (RFC 4309).
        public static let aesCCM16: UInt8 = 16
        /// ESP_AES_GCM_8 (18): AES-GCM with an 8-byte ICV (RFC 4106).
        public static let aesGCM8: UInt8 = 18
        /// ESP_AES_GCM_12 (19): AES-GCM with a 12-byte ICV (RFC 4106).
        public static let aesGCM12: UInt8 = 19
        /// ESP_AES_GCM_16 (20): AES-GCM with a 16-byte ICV (RFC 4106).
        public static let aesGCM16: UInt8 = 20
        /// ESP_NULL_AUTH_AES_GMAC (23): AES-GMAC, integrity without encryption (RFC 4543).
        public static let nullAuthAESGMAC: UInt8 = 23
    }

    /// AH transform IDs (RFC 2407 §4.4.3 and later).
    public enum AH {
        /// AH_MD5 (2): HMAC-MD5-96 (RFC 2403).
        public static let md5: UInt8 = 2
        /// AH_SHA (3): HMAC-SHA1-96 (RFC 2404).
        public static let sha: UInt8 = 3
        /// AH_SHA2_256 (5): HMAC-SHA-256-128 (RFC 4868).
        public static let sha256: UInt8 = 5
        /// AH_SHA2_384 (6): HMAC-SHA-384-192 (RFC 4868).
        public static let sha384: UInt8 = 6
        /// AH_SHA2_512 (7): HMAC-SHA-512-256 (RFC 4868).
        public static let sha512: UInt8 = 7
        /// AH_AES_XCBC_MAC (9): AES-XCBC-MAC-96 (RFC 3566).
        public static let aesXCBC: UInt8 = 9
    }

    static let esp: [UInt8: String] = [
        1: "ESP_DES_IV64", 2: "ESP_DES", 3: "ESP_3DES", 4: "ESP_RC5", 5: "ESP_IDEA", 6: "ESP_CAST",
        7: "ESP_BLOWFISH", 8: "ESP_3IDEA", 9: "ESP_DES_IV32", 10: "ESP_RC4", 11: "ESP_NULL", 12: "ESP_AES",
        13: "ESP_AES_CTR", 14: "ESP_AES_CCM_8", 15: "ESP_AES_CCM_12", 16: "ESP_AES_CCM_16",
        18: "ESP_AES_GCM_8", 19: "ESP_AES_GCM_12", 20: "ESP_AES_GCM_16", 21: "ESP_SEED_CBC",
        22: "ESP_CAMELLIA", 23: "ESP_NULL_AUTH_AES_GMAC",
    ]
    static let ah: [UInt8: String] = [
        2: "AH_MD5", 3: "AH_SHA", 4: "AH_DES", 5: "AH_SHA2_256", 6: "AH_SHA2_384", 7: "AH_SHA2_512",
        8: "AH_RIPEMD", 9: "AH_AES_XCBC_MAC", 10: "AH_RSA", 11: "AH_AES_128_GMAC", 12: "AH_AES_192_GMAC",
        13: "AH_AES_256_GMAC",
    ]
    static let ipcomp: [UInt8: String] = [1: "IPCOMP_OUI", 2: "IPCOMP_DEFLATE", 3: "IPCOMP_LZS", 4: "IPCOMP_LZJH"]
}
