internal import COpenSSL

/// One GeneralName of a certificate's subjectAltName extension (RFC 5280 §4.2.1.6):
/// the identities an IKE peer may claim besides its subject DN
/// (ID_FQDN, ID_USER_FQDN, ID_IPV4_ADDR / ID_IPV6_ADDR, RFC 2407 §4.6.2.1).
public enum SubjectAltName: Hashable, Sendable, CustomStringConvertible {
    /// dNSName.
    case dns(String)
    /// rfc822Name (an e-mail address).
    case email(String)
    /// iPAddress: 4 or 16 bytes.
    case ip([UInt8])
    /// uniformResourceIdentifier.
    case uri(String)
    /// directoryName.
    case directoryName(DistinguishedName)
    /// Any other GeneralName (otherName, x400Address, ...): its context tag and DER encoding.
    case other(tag: Int, der: [UInt8])

    /// As `openssl x509 -text` prints it: "DNS:moon.strongswan.org", "email:...", "IP Address:192.0.2.1".
    public var description: String {
        switch self {
        case .dns(let name): "DNS:\(name)"
        case .email(let address): "email:\(address)"
        case .ip(let bytes): "IP Address:\(Self.format(ip: bytes))"
        case .uri(let uri): "URI:\(uri)"
        case .directoryName(let name): "DirName:\(name)"
        case .other(let tag, _): "GeneralName[\(tag)]"
        }
    }

    /// Dotted quad for 4 bytes; eight colon-separated groups (uppercase, as OpenSSL prints) for 16.
    public static func format(ip bytes: [UInt8]) -> String {
        switch bytes.count {
        case 4: return bytes.map(String.init).joined(separator: ".")
        case 16: return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16, uppercase: true) }.joined(separator: ":")
        default: return "<invalid " + bytes.map { String($0, radix: 16).leftPadded(2) }.joined() + ">"
        }
    }

    /// Reads a libcrypto GENERAL_NAME.
    init(_ name: UnsafeMutablePointer<GENERAL_NAME>) {
        let type = name.pointee.type
        switch type {
        case GEN_DNS: self = .dns(Self.string(name.pointee.d.dNSName))
        case GEN_EMAIL: self = .email(Self.string(name.pointee.d.rfc822Name))
        case GEN_URI: self = .uri(Self.string(name.pointee.d.uniformResourceIdentifier))
        case GEN_IPADD: self = .ip(name.pointee.d.iPAddress.map { DistinguishedName.bytes(of: $0) } ?? [])
        case GEN_DIRNAME:
            if let dn = name.pointee.d.directoryName { self = .directoryName(DistinguishedName(borrowing: dn)); return }
            fallthrough
        default:
            var out: UnsafeMutablePointer<UInt8>?
            let length = i2d_GENERAL_NAME(name, &out)
            let der = length > 0 && out != nil ? Array(UnsafeBufferPointer(start: out, count: Int(length))) : []
            swift_ikev1_openssl_free(out)
            self = .other(tag: Int(type), der: der)
        }
    }

    private static func string(_ value: UnsafeMutablePointer<ASN1_STRING>?) -> String {
        guard let value else { return "" }
        return String(decoding: DistinguishedName.bytes(of: value), as: UTF8.self)
    }

    /// Makes a libcrypto GENERAL_NAME for the builder; nil for `.other` and bad IP lengths.
    func generalName() -> UnsafeMutablePointer<GENERAL_NAME>? {
        let (type, bytes): (Int32, [UInt8])
        switch self {
        case .dns(let name): (type, bytes) = (GEN_DNS, Array(name.utf8))
        case .email(let address): (type, bytes) = (GEN_EMAIL, Array(address.utf8))
        case .uri(let uri): (type, bytes) = (GEN_URI, Array(uri.utf8))
        case .ip(let address) where address.count == 4 || address.count == 16: (type, bytes) = (GEN_IPADD, address)
        case .directoryName(let dn):
            guard let name = GENERAL_NAME_new() else { return nil }
            let x509Name: OpaquePointer? = dn.der.withUnsafeBytes { b in
                var p = b.baseAddress?.assumingMemoryBound(to: UInt8.self)
                return d2i_X509_NAME(nil, &p, b.count)
            }
            guard let x509Name else { GENERAL_NAME_free(name); return nil }
            GENERAL_NAME_set0_value(name, GEN_DIRNAME, UnsafeMutableRawPointer(x509Name))
            return name
        default: return nil
        }
        guard let string = type == GEN_IPADD ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new() else { return nil }
        guard ASN1_STRING_set(string, bytes, Int32(bytes.count)) == 1, let name = GENERAL_NAME_new() else {
            ASN1_STRING_free(string)
            return nil
        }
        GENERAL_NAME_set0_value(name, type, UnsafeMutableRawPointer(string))
        return name
    }
}
