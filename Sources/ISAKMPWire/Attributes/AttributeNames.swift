/// Names of the attribute classes and values of a transform, which depend on
/// whether the transform belongs to Phase 1 (RFC 2409 Appendix A) or to the
/// IPsec DOI (RFC 2407 §4.5).
public enum AttributeContext: Sendable {
    /// A KEY_IKE transform in an ISAKMP proposal (RFC 2409 Appendix A).
    case phase1
    /// An AH, ESP or IPCOMP transform (RFC 2407 §4.5).
    case ipsec

    /// The name of an attribute class, e.g. `Encryption-Algorithm`.
    public func typeName(_ type: UInt16) -> String? {
        switch self {
        case .phase1: IKEAttribute.classNames[type]
        case .ipsec: IPsecAttribute.classNames[type]
        }
    }

    /// The name of a TV value, e.g. `AES-CBC` for Encryption-Algorithm 7.
    public func valueName(type: UInt16, value: UInt16) -> String? {
        switch self {
        case .phase1: IKEAttribute.valueNames[type]?[value]
        case .ipsec: IPsecAttribute.valueNames[type]?[value]
        }
    }
}

/// Phase-1 attribute classes and values (RFC 2409 Appendix A; RFC 3526, 4754, 5114, 5903, 6954, 8031).
public enum IKEAttribute {
    /// Encryption Algorithm (class 1, basic): the Phase 1 cipher.
    public static let encryptionAlgorithm: UInt16 = 1
    /// Hash Algorithm (class 2, basic): the hash of HMAC and, without a PRF attribute, of the PRF.
    public static let hashAlgorithm: UInt16 = 2
    /// Authentication Method (class 3, basic): pre-shared key, signatures, or an XAUTH/hybrid variant.
    public static let authenticationMethod: UInt16 = 3
    /// Group Description (class 4, basic): the Diffie-Hellman group by its registry number.
    public static let groupDescription: UInt16 = 4
    /// Group Type (class 5, basic): MODP, ECP or EC2N, for a group given by its parameters.
    public static let groupType: UInt16 = 5
    /// Life Type (class 11, basic): seconds or kilobytes, the unit of the Life Duration that follows.
    public static let lifeType: UInt16 = 11
    /// Life Duration (class 12, basic or variable): the SA lifetime in the unit of the Life Type before it.
    public static let lifeDuration: UInt16 = 12
    /// PRF (class 13, basic): a pseudo-random function other than the HMAC of the hash.
    public static let prf: UInt16 = 13
    /// Key Length (class 14, basic): the cipher's key length in bits, for ciphers with variable keys.
    public static let keyLength: UInt16 = 14

    static let classNames: [UInt16: String] = [
        1: "Encryption-Algorithm", 2: "Hash-Algorithm", 3: "Authentication-Method", 4: "Group-Description",
        5: "Group-Type", 6: "Group-Prime", 7: "Group-Generator-One", 8: "Group-Generator-Two",
        9: "Group-Curve-A", 10: "Group-Curve-B", 11: "Life-Type", 12: "Life-Duration", 13: "PRF",
        14: "Key-Length", 15: "Field-Size", 16: "Group-Order",
    ]

    /// Group Description names (RFC 2409 App. A and the IANA registry), shared with the IPsec DOI.
    static let groups: [UInt16: String] = [
        1: "Default 768-bit MODP group", 2: "Alternate 1024-bit MODP group", 3: "EC2N group on GP[2^155]",
        4: "EC2N group on GP[2^185]", 5: "1536 bit MODP group", 14: "2048 bit MODP group",
        15: "3072 bit MODP group", 16: "4096 bit MODP group", 17: "6144 bit MODP group",
        18: "8192 bit MODP group", 19: "256-bit random ECP group", 20: "384-bit random ECP group",
        21: "521-bit random ECP group", 22: "1024-bit MODP Group with 160-bit Prime Order Subgroup",
        23: "2048-bit MODP Group with 224-bit Prime Order Subgroup",
        24: "2048-bit MODP Group with 256-bit Prime Order Subgroup", 25: "192-bit Random ECP Group",
        26: "224-bit Random ECP Group", 27: "224-bit Brainpool ECP group", 28: "256-bit Brainpool ECP group",
        29: "384-bit Brainpool ECP group", 30: "512-bit Brainpool ECP group", 31: "Curve25519",
        32: "Curve448",
    ]

    static let valueNames: [UInt16: [UInt16: String]] = [
        1: [1: "DES-CBC", 2: "IDEA-CBC", 3: "Blowfish-CBC", 4: "RC5-R16-B64-CBC", 5: "3DES-CBC",
            6: "CAST-CBC", 7: "AES-CBC", 8: "CAMELLIA-CBC"],
        2: [1: "MD5", 2: "SHA", 3: "Tiger", 4: "SHA2-256", 5: "SHA2-384", 6: "SHA2-512"],
        3: [1: "Pre-shared key", 2: "DSS signatures", 3: "RSA signatures", 4: "Encryption with RSA",
            5: "Revised encryption with RSA", 9: "ECDSA with SHA-256 on the P-256 curve",
            10: "ECDSA with SHA-384 on the P-384 curve", 11: "ECDSA with SHA-512 on the P-521 curve",
            64221: "HybridInitRSA", 64222: "HybridRespRSA", 64223: "HybridInitDSS", 64224: "HybridRespDSS",
            65001: "XAUTHInitPreShared", 65002: "XAUTHRespPreShared", 65003: "XAUTHInitDSS",
            65004: "XAUTHRespDSS", 65005: "XAUTHInitRSA", 65006: "XAUTHRespRSA",
            65007: "XAUTHInitRSAEncryption", 65008: "XAUTHRespRSAEncryption",
            65009: "XAUTHInitRSARevisedEncryption", 65010: "XAUTHRespRSARevisedEncryption"],
        4: groups,
        5: [1: "MODP", 2: "ECP", 3: "EC2N"],
        11: [1: "Seconds", 2: "Kilobytes"],
    ]
}

/// IPsec DOI SA attributes (RFC 2407 §4.5; RFC 3947 §5, RFC 4304, RFC 4868).
public enum IPsecAttribute {
    /// SA Life Type (class 1, basic): seconds or kilobytes, the unit of the SA Life Duration that follows.
    public static let lifeType: UInt16 = 1
    /// SA Life Duration (class 2, basic or variable): the lifetime in the unit of the SA Life Type before it.
    public static let lifeDuration: UInt16 = 2
    /// Group Description (class 3, basic): the Quick Mode PFS group; absent means no PFS.
    public static let groupDescription: UInt16 = 3
    /// Encapsulation Mode (class 4, basic): tunnel, transport, or their UDP-encapsulated forms (``Mode``).
    public static let encapsulationMode: UInt16 = 4
    /// Authentication Algorithm (class 5, basic): the integrity algorithm (``Auth``).
    public static let authenticationAlgorithm: UInt16 = 5
    /// Key Length (class 6, basic): the cipher's key length in bits, for ciphers with variable keys.
    public static let keyLength: UInt16 = 6
    /// Key Rounds (class 7, basic): the cipher's number of rounds, for ciphers with a variable count.
    public static let keyRounds: UInt16 = 7
    /// Extended (64-bit) Sequence Number (class 11, basic; RFC 4304).
    public static let extendedSequenceNumber: UInt16 = 11

    /// Encapsulation Mode values.
    public enum Mode {
        /// Tunnel (1): the whole IP packet travels inside, behind a new outer header.
        public static let tunnel: UInt16 = 1
        /// Transport (2): only the payload is protected; the packet keeps its IP header.
        public static let transport: UInt16 = 2
        /// RFC 3947 §5.
        public static let udpTunnel: UInt16 = 3
        /// UDP-Encapsulated-Transport (4): transport mode in UDP behind a NAT (RFC 3947 §5).
        public static let udpTransport: UInt16 = 4
        /// draft-ietf-ipsec-nat-t-ike-02/03.
        public static let udpTunnelDraft: UInt16 = 61443
        /// The draft's UDP-Encapsulated-Transport (61444), still sent by older peers.
        public static let udpTransportDraft: UInt16 = 61444
    }

    /// Authentication Algorithm values.
    public enum Auth {
        /// HMAC-MD5 (1; RFC 2403).
        public static let hmacMD5: UInt16 = 1
        /// HMAC-SHA (2): HMAC-SHA1-96, RFC 2404.
        public static let hmacSHA1: UInt16 = 2
        /// HMAC-SHA2-256 (5; RFC 4868).
        public static let hmacSHA256: UInt16 = 5
        /// HMAC-SHA2-384 (6; RFC 4868).
        public static let hmacSHA384: UInt16 = 6
        /// HMAC-SHA2-512 (7; RFC 4868).
        public static let hmacSHA512: UInt16 = 7
        /// AES-XCBC-MAC (9; RFC 3566).
        public static let aesXCBC: UInt16 = 9
    }

    static let classNames: [UInt16: String] = [
        1: "SA-Life-Type", 2: "SA-Life-Duration", 3: "Group-Description", 4: "Encapsulation-Mode",
        5: "Authentication-Algorithm", 6: "Key-Length", 7: "Key-Rounds", 8: "Compress-Dictionary-Size",
        9: "Compress-Private-Algorithm", 10: "ECN-Tunnel", 11: "Extended-Sequence-Number",
    ]

    static let valueNames: [UInt16: [UInt16: String]] = [
        1: [1: "Seconds", 2: "Kilobytes"],
        3: IKEAttribute.groups,
        4: [1: "Tunnel", 2: "Transport", 3: "UDP-Encapsulated-Tunnel", 4: "UDP-Encapsulated-Transport",
            61443: "UDP-Encapsulated-Tunnel (draft)", 61444: "UDP-Encapsulated-Transport (draft)"],
        5: [1: "HMAC-MD5", 2: "HMAC-SHA", 3: "DES-MAC", 4: "KPDK", 5: "HMAC-SHA2-256", 6: "HMAC-SHA2-384",
            7: "HMAC-SHA2-512", 8: "HMAC-RIPEMD", 9: "AES-XCBC-MAC", 10: "SIG-RSA", 11: "AES-128-GMAC",
            12: "AES-192-GMAC", 13: "AES-256-GMAC"],
        10: [1: "Allowed", 2: "Forbidden"],
        11: [1: "64-bit Sequence Number"],
    ]
}
