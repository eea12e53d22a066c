/// The ID Type of an Identification payload (RFC 2407 §4.6.2.1; ID_LIST from RFC 3554).
public struct IdentificationType: WireCode {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let ipv4Address = IdentificationType(rawValue: 1)
    public static let fqdn = IdentificationType(rawValue: 2)
    public static let userFQDN = IdentificationType(rawValue: 3)
    public static let ipv4Subnet = IdentificationType(rawValue: 4)
    public static let ipv6Address = IdentificationType(rawValue: 5)
    public static let ipv6Subnet = IdentificationType(rawValue: 6)
    public static let ipv4Range = IdentificationType(rawValue: 7)
    public static let ipv6Range = IdentificationType(rawValue: 8)
    public static let derASN1DN = IdentificationType(rawValue: 9)
    public static let derASN1GN = IdentificationType(rawValue: 10)
    public static let keyID = IdentificationType(rawValue: 11)
    public static let list = IdentificationType(rawValue: 12)

    public static let names: [UInt8: String] = [
        1: "ID_IPV4_ADDR", 2: "ID_FQDN", 3: "ID_USER_FQDN", 4: "ID_IPV4_ADDR_SUBNET", 5: "ID_IPV6_ADDR",
        6: "ID_IPV6_ADDR_SUBNET", 7: "ID_IPV4_ADDR_RANGE", 8: "ID_IPV6_ADDR_RANGE", 9: "ID_DER_ASN1_DN",
        10: "ID_DER_ASN1_GN", 11: "ID_KEY_ID", 12: "ID_LIST",
    ]
}

/// The Certificate Encoding of a CERT or CR payload (RFC 2408 §3.9).
public struct CertificateEncoding: WireCode {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let pkcs7 = CertificateEncoding(rawValue: 1)
    /// X.509 Certificate - Signature, what IKEv1 peers send.
    public static let x509Signature = CertificateEncoding(rawValue: 4)
    public static let crl = CertificateEncoding(rawValue: 7)

    public static let names: [UInt8: String] = [
        0: "NONE", 1: "PKCS #7 wrapped X.509 certificate", 2: "PGP Certificate", 3: "DNS Signed Key",
        4: "X.509 Certificate - Signature", 5: "X.509 Certificate - Key Exchange", 6: "Kerberos Tokens",
        7: "Certificate Revocation List (CRL)", 8: "Authority Revocation List (ARL)", 9: "SPKI Certificate",
        10: "X.509 Certificate - Attribute",
    ]
}
