/// The Next Payload field: RFC 2408 §3.1, RFC 3947 §3-4 (20, 21; drafts 130, 131),
/// draft-dukes-ike-mode-cfg (14) and Cisco's IKE fragmentation (132).
public struct PayloadType: WireCode {
    /// The Next Payload field's value.
    public let rawValue: UInt8
    /// The type `rawValue`, named or not.
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// `NONE`: the end of a payload chain.
    public static let none = PayloadType(rawValue: 0)
    /// SA (1): Security Association, RFC 2408 §3.4.
    public static let securityAssociation = PayloadType(rawValue: 1)
    /// P (2): Proposal, RFC 2408 §3.5; only inside an SA payload.
    public static let proposal = PayloadType(rawValue: 2)
    /// T (3): Transform, RFC 2408 §3.6; only inside a Proposal payload.
    public static let transform = PayloadType(rawValue: 3)
    /// KE (4): Key Exchange, RFC 2408 §3.7.
    public static let keyExchange = PayloadType(rawValue: 4)
    /// ID (5): Identification, RFC 2408 §3.8.
    public static let identification = PayloadType(rawValue: 5)
    /// CERT (6): Certificate, RFC 2408 §3.9.
    public static let certificate = PayloadType(rawValue: 6)
    /// CR (7): Certificate Request, RFC 2408 §3.10.
    public static let certificateRequest = PayloadType(rawValue: 7)
    /// HASH (8): Hash, RFC 2408 §3.11.
    public static let hash = PayloadType(rawValue: 8)
    /// SIG (9): Signature, RFC 2408 §3.12.
    public static let signature = PayloadType(rawValue: 9)
    /// NONCE (10): Nonce, RFC 2408 §3.13.
    public static let nonce = PayloadType(rawValue: 10)
    /// N (11): Notification, RFC 2408 §3.14.
    public static let notification = PayloadType(rawValue: 11)
    /// D (12): Delete, RFC 2408 §3.15.
    public static let delete = PayloadType(rawValue: 12)
    /// VID (13): Vendor ID, RFC 2408 §3.16.
    public static let vendorID = PayloadType(rawValue: 13)
    /// Mode Config / XAUTH attribute payload.
    public static let attribute = PayloadType(rawValue: 14)
    /// NAT-D, RFC 3947 §3.2.
    public static let natDiscovery = PayloadType(rawValue: 20)
    /// NAT-OA, RFC 3947 §5.1.
    public static let natOriginalAddress = PayloadType(rawValue: 21)
    /// NAT-D as numbered by draft-ietf-ipsec-nat-t-ike-02/03.
    public static let natDiscoveryDraft = PayloadType(rawValue: 130)
    /// NAT-OA as numbered by the drafts.
    public static let natOriginalAddressDraft = PayloadType(rawValue: 131)
    /// Cisco IKE fragmentation.
    public static let fragment = PayloadType(rawValue: 132)

    /// Short names as packet dissectors print them, which `description` prints.
    public static let names: [UInt8: String] = [
        0: "NONE", 1: "SA", 2: "P", 3: "T", 4: "KE", 5: "ID", 6: "CERT", 7: "CR", 8: "HASH", 9: "SIG",
        10: "NONCE", 11: "N", 12: "D", 13: "VID", 14: "ATTR", 20: "NAT-D", 21: "NAT-OA",
        130: "NAT-D-DRAFT", 131: "NAT-OA-DRAFT", 132: "FRAG",
    ]
}
