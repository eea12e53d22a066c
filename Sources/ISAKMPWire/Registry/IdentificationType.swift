/// The ID Type of an Identification payload (RFC 2407 §4.6.2.1; ID_LIST from RFC 3554).
public struct IdentificationType: WireCode {
    /// The ID Type field's value.
    public let rawValue: UInt8
    /// The type `rawValue`, named or not.
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// ID_IPV4_ADDR (1): one IPv4 address, 4 bytes.
    public static let ipv4Address = IdentificationType(rawValue: 1)
    /// ID_FQDN (2): a fully qualified domain name, e.g. `gw.example.com`.
    public static let fqdn = IdentificationType(rawValue: 2)
    /// ID_USER_FQDN (3): a user name at a domain, e.g. `alice@example.com`.
    public static let userFQDN = IdentificationType(rawValue: 3)
    /// ID_IPV4_ADDR_SUBNET (4): an IPv4 address and a netmask, 4 bytes each.
    public static let ipv4Subnet = IdentificationType(rawValue: 4)
    /// ID_IPV6_ADDR (5): one IPv6 address, 16 bytes.
    public static let ipv6Address = IdentificationType(rawValue: 5)
    /// ID_IPV6_ADDR_SUBNET (6): an IPv6 address and a netmask, 16 bytes each.
    public static let ipv6Subnet = IdentificationType(rawValue: 6)
    /// ID_IPV4_ADDR_RANGE (7): the first and last IPv4 address of a range.
    public static let ipv4Range = IdentificationType(rawValue: 7)
    /// ID_IPV6_ADDR_RANGE (8): the first and last IPv6 address of a range.
    public static let ipv6Range = IdentificationType(rawValue: 8)
    /// ID_DER_ASN1_DN (9): a DER-encoded X.500 distinguished name, as a certificate's subject.
    public static let derASN1DN = IdentificationType(rawValue: 9)
    /// ID_DER_ASN1_GN (10): a DER-encoded X.500 GeneralName.
    public static let derASN1GN = IdentificationType(rawValue: 10)
    /// ID_KEY_ID (11): opaque bytes the peers agree on (vendor-specific).
    public static let keyID = IdentificationType(rawValue: 11)
    /// ID_LIST (12): a list of identities (RFC 3554).
    public static let list = IdentificationType(rawValue: 12)

    /// The names of RFC 2407 §4.6.2.1 and RFC 3554, which `description` prints.
    public static let names: [UInt8: String] = [
        1: "ID_IPV4_ADDR", 2: "ID_FQDN", 3: "ID_USER_FQDN", 4: "ID_IPV4_ADDR_SUBNET", 5: "ID_IPV6_ADDR",
        6: "ID_IPV6_ADDR_SUBNET", 7: "ID_IPV4_ADDR_RANGE", 8: "ID_IPV6_ADDR_RANGE", 9: "ID_DER_ASN1_DN",
        10: "ID_DER_ASN1_GN", 11: "ID_KEY_ID", 12: "ID_LIST",
    ]
}

/// The Certificate Encoding of a CERT or CR payload (RFC 2408 §3.9).
public struct CertificateEncoding: WireCode {
    /// The Cert Encoding field's value.
    public let rawValue: UInt8
    /// The encoding `rawValue`, named or not.
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// PKCS #7 wrapped X.509 certificate (1).
    public static let pkcs7 = CertificateEncoding(rawValue: 1)
    /// X.509 Certificate - Signature, what IKEv1 peers send.
    public static let x509Signature = CertificateEncoding(rawValue: 4)
    /// Certificate Revocation List (7).
    public static let crl = CertificateEncoding(rawValue: 7)

    /// The names of RFC 2408 §3.9, which `description` prints.
    public static let names: [UInt8: String] = [
        0: "NONE", 1: "PKCS #7 wrapped X.509 certificate", 2: "PGP Certificate", 3: "DNS Signed Key",
        4: "X.509 Certificate - Signature", 5: "X.509 Certificate - Key Exchange", 6: "Kerberos Tokens",
        7: "Certificate Revocation List (CRL)", 8: "Authority Revocation List (ARL)", 9: "SPKI Certificate",
        10: "X.509 Certificate - Attribute",
    ]
}
