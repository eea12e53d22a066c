// RFC 3947 §5.1 NAT-OA Payload
//
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |    RESERVED   |        Payload length         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |    ID Type    |    RESERVED   |            RESERVED           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |           IPv4 (4 octets) or IPv6 address (16 octets)         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// NAT-OA: the original address of a transport-mode peer behind NAT.
public struct NATOriginalAddressPayload: Hashable, Sendable {
    /// ID_IPV4_ADDR or ID_IPV6_ADDR.
    public var idType: IdentificationType
    /// The original address: 4 bytes for ID_IPV4_ADDR, 16 for ID_IPV6_ADDR.
    public var address: [UInt8]
    /// 21 (RFC 3947) or 131 (drafts).
    public var type: PayloadType

    /// A NAT-OA payload; `type` must be 21 or 131 (a precondition).
    public init(idType: IdentificationType, address: [UInt8], type: PayloadType = .natOriginalAddress) {
        precondition(type == .natOriginalAddress || type == .natOriginalAddressDraft, "NAT-OA is payload 21 or 131")
        self.idType = idType
        self.address = address
        self.type = type
    }

    static func decode(_ r: inout ByteReader, type: PayloadType, field: @autoclosure () -> String) throws(WireError) -> NATOriginalAddressPayload {
        let idType = IdentificationType(rawValue: try r.u8(field() + ".id_type"))
        let reserved = try r.take(3, field() + ".reserved")
        guard reserved.allSatisfy({ $0 == 0 }) else {
            throw WireError(.invalidValue, field: field() + ".reserved", offset: r.offset - 3, reason: "RESERVED must be 0")
        }
        return NATOriginalAddressPayload(idType: idType, address: r.rest(), type: type)
    }

    func encodeBody(into w: inout ByteWriter) {
        w.u8(idType.rawValue)
        w.append([0, 0, 0])
        w.append(address)
    }
}
