/// Vendor IDs this library recognises by name (RFC 2408 §3.16).
///
/// Most are MD5 hashes of a string; some carry a version after a hashed prefix,
/// so recognition is by prefix where the vendor appends data.
public struct KnownVendorID: Hashable, Sendable, CustomStringConvertible {
    /// A stable short name, e.g. `RFC 3947` or `DPD`.
    public let name: String
    /// The bytes this library sends for it (for prefix matches: the prefix plus the usual suffix).
    public let bytes: [UInt8]
    /// Bytes that must match; longer payloads with this prefix are the same vendor.
    let prefixLength: Int

    /// The short name, `name`.
    public var description: String { name }

    init(_ name: String, _ hex: String, prefix: Int? = nil) {
        self.name = name
        self.bytes = [UInt8](hexString: hex)!
        self.prefixLength = prefix ?? bytes.count
    }

    /// RFC 3947 NAT traversal: MD5("RFC 3947").
    public static let rfc3947 = KnownVendorID("RFC 3947", "4a131c81070358455c5728f20e95452f")
    /// NAT-T draft 00: MD5("draft-ietf-ipsec-nat-t-ike-00").
    public static let natTDraft00 = KnownVendorID("draft-ietf-ipsec-nat-t-ike-00", "4485152d18b6bbcd0be8a8469579ddcc")
    /// NAT-T draft 01: MD5("draft-ietf-ipsec-nat-t-ike-01").
    public static let natTDraft01 = KnownVendorID("draft-ietf-ipsec-nat-t-ike-01", "16f6ca16e4a4066d83821a0f0aeaa862")
    /// NAT-T draft 02: MD5("draft-ietf-ipsec-nat-t-ike-02").
    public static let natTDraft02 = KnownVendorID("draft-ietf-ipsec-nat-t-ike-02", "cd60464335df21f87cfdb2fc68b6a448")
    /// The widely sent variant hashed with a trailing newline.
    public static let natTDraft02n = KnownVendorID("draft-ietf-ipsec-nat-t-ike-02\\n", "90cb80913ebb696e086381b5ec427b1f")
    /// NAT-T draft 03: MD5("draft-ietf-ipsec-nat-t-ike-03").
    public static let natTDraft03 = KnownVendorID("draft-ietf-ipsec-nat-t-ike-03", "7d9419a65310ca6f2c179d9215529d56")
    /// NAT-T draft 04: MD5("draft-ietf-ipsec-nat-t-ike-04").
    public static let natTDraft04 = KnownVendorID("draft-ietf-ipsec-nat-t-ike-04", "9909b64eed937c6573de52ace952fa6b")
    /// NAT-T draft 05: MD5("draft-ietf-ipsec-nat-t-ike-05").
    public static let natTDraft05 = KnownVendorID("draft-ietf-ipsec-nat-t-ike-05", "80d0bb3def54565ee84645d4c85ce3ee")
    /// NAT-T draft 06: MD5("draft-ietf-ipsec-nat-t-ike-06").
    public static let natTDraft06 = KnownVendorID("draft-ietf-ipsec-nat-t-ike-06", "4d1e0e136deafa34c4f3ea9f02ec7285")
    /// NAT-T draft 07: MD5("draft-ietf-ipsec-nat-t-ike-07").
    public static let natTDraft07 = KnownVendorID("draft-ietf-ipsec-nat-t-ike-07", "439b59f8ba676c4c7737ae22eab8f582")
    /// NAT-T draft 08: MD5("draft-ietf-ipsec-nat-t-ike-08").
    public static let natTDraft08 = KnownVendorID("draft-ietf-ipsec-nat-t-ike-08", "8f8d83826d246b6fc7a8a6a428c11de8")
    /// RFC 3706 Dead Peer Detection, version 1.0.
    public static let dpd = KnownVendorID("DPD", "afcad71368a1f1c96b8696fc77570100", prefix: 14)
    /// XAUTH (draft-beaulieu-ike-xauth).
    public static let xauth = KnownVendorID("XAUTH", "09002689dfd6b712")
    /// Cisco Unity, version 1.0.
    public static let ciscoUnity = KnownVendorID("Cisco Unity", "12f5f28c457168a9702d9fe274cc0100", prefix: 14)
    /// Cisco-style IKE fragmentation: MD5("FRAGMENTATION"), often followed by 80000000.
    public static let fragmentation = KnownVendorID("IKE Fragmentation", "4048b7d56ebce88525e7de7f00d6c2d380000000", prefix: 16)
    /// strongSwan: MD5("strongSwan").
    public static let strongSwan = KnownVendorID("strongSwan", "882fe56d6fd20dbc2251613b2ebe5beb")
    /// Cisco: the ASCII text "CISCOVPN-REV-02".
    public static let ciscoVPNRev2 = KnownVendorID("Cisco VPN Revision 2", "434953434f56504e2d5245562d3032")
    /// Cisco: the ASCII text "CISCO-DYNAMIC-ROUTE".
    public static let ciscoDynamicRoute = KnownVendorID("Cisco Dynamic Route", "434953434f2d44594e414d49432d524f555445")
    /// Cisco: the ASCII text "CISCO-DELETE-REASON".
    public static let ciscoDeleteReason = KnownVendorID("Cisco Delete Reason", "434953434f2d44454c4554452d524541534f4e")
    /// Cisco FlexVPN: the ASCII text "FLEXVPN-SUPPORTED".
    public static let ciscoFlexVPN = KnownVendorID("Cisco FlexVPN", "464c455856504e2d535550504f52544544")
    /// Libreswan: MD5("Libreswan").
    public static let libreswan = KnownVendorID("Libreswan", "b834b33a2609ea99d733413a621f9048")
    /// Windows: MD5("MS NT5 ISAKMPOAKLEY"), which longer payloads follow with a version number.
    public static let microsoftNT5 = KnownVendorID("MS NT5 ISAKMPOAKLEY", "1e2b516905991c7d7c96fcbfb587e461", prefix: 16)

    /// Every known vendor ID.
    public static let all: [KnownVendorID] = [
        rfc3947, natTDraft00, natTDraft01, natTDraft02, natTDraft02n, natTDraft03, natTDraft04, natTDraft05,
        natTDraft06, natTDraft07, natTDraft08, dpd, xauth, ciscoUnity, fragmentation, strongSwan,
        ciscoVPNRev2, ciscoDynamicRoute, ciscoDeleteReason, ciscoFlexVPN, libreswan, microsoftNT5,
    ]

    /// The NAT-T vendor IDs a peer may use to announce support, RFC 3947 first.
    public static let natTraversal: [KnownVendorID] = [
        rfc3947, natTDraft03, natTDraft02n, natTDraft02, natTDraft01, natTDraft00,
        natTDraft04, natTDraft05, natTDraft06, natTDraft07, natTDraft08,
    ]

    /// The known vendor ID that `data` carries, if any.
    public static func identify(_ data: [UInt8]) -> KnownVendorID? {
        all.first { v in
            data.count >= v.prefixLength && data.prefix(v.prefixLength).elementsEqual(v.bytes.prefix(v.prefixLength))
                && (v.prefixLength < v.bytes.count || data.count == v.bytes.count)
        }
    }
}
