// RFC 2408 §3.8 Identification Payload, IPsec DOI form (RFC 2407 §4.6.2)
//
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ! Next Payload  !   RESERVED    !        Payload Length         !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !   ID Type     !  Protocol ID  !             Port              !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                     Identification Data                       ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// An Identification payload: a Phase-1 identity or a Quick Mode client identity.
///
/// A decoded payload keeps the bytes it was read from: ``body`` returns them, so `IDii_b` /
/// `IDir_b` (RFC 2409 §5) are what the peer sent. Changing a field drops them. Equality
/// compares the fields.
public struct IdentificationPayload: Hashable, Sendable {
    /// How to read `data` (RFC 2407 §4.6.2.1).
    public var idType: IdentificationType { didSet { received.bytes = nil } }
    /// IP protocol number, 0 for any.
    public var protocolID: UInt8 { didSet { received.bytes = nil } }
    /// Port, 0 for any.
    public var port: UInt16 { didSet { received.bytes = nil } }
    /// The Identification Data, read by `idType` (``identity`` gives it typed).
    public var data: [UInt8] { didSet { received.bytes = nil } }
    private var received = ReceivedBody()

    /// A payload from its raw fields; protocol and port 0 mean any.
    public init(idType: IdentificationType, protocolID: UInt8 = 0, port: UInt16 = 0, data: [UInt8]) {
        self.idType = idType
        self.protocolID = protocolID
        self.port = port
        self.data = data
    }

    /// A typed identity built from its value.
    public init(_ identity: Identity, protocolID: UInt8 = 0, port: UInt16 = 0) {
        self.init(idType: identity.idType, protocolID: protocolID, port: port, data: identity.data)
    }

    /// The identification data read according to its type; nil when the length does not fit the type.
    public var identity: Identity? { Identity(type: idType, data: data) }

    /// The payload body as it travels: the bytes received for a decoded payload, else this
    /// library's encoding. This is `IDii_b` / `IDir_b` of RFC 2409 §5.
    public var body: [UInt8] {
        received.or(encodeBody)
    }

    static func decode(_ r: inout ByteReader, field: @autoclosure () -> String) throws(WireError) -> IdentificationPayload {
        let received = Array(r.bytes)
        var id = IdentificationPayload(idType: IdentificationType(rawValue: try r.u8(field() + ".id_type")),
                                       protocolID: try r.u8(field() + ".protocol_id"),
                                       port: try r.u16(field() + ".port"),
                                       data: r.rest())
        id.received.bytes = received
        return id
    }

    func encodeBody(into w: inout ByteWriter) {
        w.u8(idType.rawValue)
        w.u8(protocolID)
        w.u16(port)
        w.append(data)
    }
}

/// The typed content of an identification (RFC 2407 §4.6.2.2-4.6.2.12).
public enum Identity: Hashable, Sendable, CustomStringConvertible {
    /// ID_IPV4_ADDR: 4 bytes.
    case ipv4([UInt8])
    /// ID_IPV6_ADDR: 16 bytes.
    case ipv6([UInt8])
    /// ID_FQDN: a host name, e.g. `gw.example.com`.
    case fqdn(String)
    /// ID_USER_FQDN: `user@domain`.
    case userFQDN(String)
    /// ID_IPV4_ADDR_SUBNET: address and netmask, 4 bytes each.
    case ipv4Subnet(address: [UInt8], mask: [UInt8])
    /// ID_IPV6_ADDR_SUBNET: address and netmask, 16 bytes each.
    case ipv6Subnet(address: [UInt8], mask: [UInt8])
    /// ID_IPV4_ADDR_RANGE: first and last address, 4 bytes each.
    case ipv4Range(start: [UInt8], end: [UInt8])
    /// ID_IPV6_ADDR_RANGE: first and last address, 16 bytes each.
    case ipv6Range(start: [UInt8], end: [UInt8])
    /// DER encoding of an X.500 distinguished name.
    case derASN1DN([UInt8])
    /// DER encoding of an X.500 GeneralName.
    case derASN1GN([UInt8])
    /// ID_KEY_ID: opaque bytes, often the name of a pre-shared key.
    case keyID([UInt8])
    /// Any other type, kept as bytes.
    case other(IdentificationType, [UInt8])

    /// Reads identification data; nil when its length does not fit the type.
    public init?(type: IdentificationType, data: [UInt8]) {
        func halves(_ n: Int) -> ([UInt8], [UInt8])? {
            data.count == 2 * n ? (Array(data[0..<n]), Array(data[n...])) : nil
        }
        switch type {
        case .ipv4Address: guard data.count == 4 else { return nil }; self = .ipv4(data)
        case .ipv6Address: guard data.count == 16 else { return nil }; self = .ipv6(data)
        case .fqdn: self = .fqdn(String(decoding: data, as: UTF8.self))
        case .userFQDN: self = .userFQDN(String(decoding: data, as: UTF8.self))
        case .ipv4Subnet: guard let (a, m) = halves(4) else { return nil }; self = .ipv4Subnet(address: a, mask: m)
        case .ipv6Subnet: guard let (a, m) = halves(16) else { return nil }; self = .ipv6Subnet(address: a, mask: m)
        case .ipv4Range: guard let (a, b) = halves(4) else { return nil }; self = .ipv4Range(start: a, end: b)
        case .ipv6Range: guard let (a, b) = halves(16) else { return nil }; self = .ipv6Range(start: a, end: b)
        case .derASN1DN: self = .derASN1DN(data)
        case .derASN1GN: self = .derASN1GN(data)
        case .keyID: self = .keyID(data)
        default: self = .other(type, data)
        }
    }

    /// The ID type this identity is sent as.
    public var idType: IdentificationType {
        switch self {
        case .ipv4: .ipv4Address
        case .ipv6: .ipv6Address
        case .fqdn: .fqdn
        case .userFQDN: .userFQDN
        case .ipv4Subnet: .ipv4Subnet
        case .ipv6Subnet: .ipv6Subnet
        case .ipv4Range: .ipv4Range
        case .ipv6Range: .ipv6Range
        case .derASN1DN: .derASN1DN
        case .derASN1GN: .derASN1GN
        case .keyID: .keyID
        case .other(let t, _): t
        }
    }

    /// The identification data bytes.
    public var data: [UInt8] {
        switch self {
        case .ipv4(let a), .ipv6(let a), .derASN1DN(let a), .derASN1GN(let a), .keyID(let a), .other(_, let a): a
        case .fqdn(let s), .userFQDN(let s): Array(s.utf8)
        case .ipv4Subnet(let a, let b), .ipv6Subnet(let a, let b), .ipv4Range(let a, let b), .ipv6Range(let a, let b):
            a + b
        }
    }

    /// As strongSwan prints identities: addresses, `a/len` subnets, `a..b` ranges, names; bytes as hex.
    public var description: String {
        switch self {
        case .ipv4(let a), .ipv6(let a): IPAddressText.format(a)
        case .fqdn(let s), .userFQDN(let s): s
        case .ipv4Subnet(let a, let m), .ipv6Subnet(let a, let m):
            "\(IPAddressText.format(a))/\(IPAddressText.prefixLength(m).map(String.init) ?? IPAddressText.format(m))"
        case .ipv4Range(let a, let b), .ipv6Range(let a, let b): "\(IPAddressText.format(a))..\(IPAddressText.format(b))"
        case .derASN1DN(let d), .derASN1GN(let d), .keyID(let d), .other(_, let d): d.hexString
        }
    }
}
