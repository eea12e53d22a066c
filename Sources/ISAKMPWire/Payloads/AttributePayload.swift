// draft-dukes-ike-mode-cfg §3.2 Attribute Payload (Mode Config / XAUTH, payload 14)
//
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ! Next Payload  !   RESERVED    !         Payload Length        !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !     Type      !   RESERVED    !           Identifier          !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                           Attributes                          ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// A Mode Config / XAUTH attribute payload: a typed container of data attributes.
public struct AttributePayload: Hashable, Sendable {
    /// ISAKMP_CFG_REQUEST 1, REPLY 2, SET 3, ACK 4 (``messageType`` reads it as a registry code).
    public var configType: UInt8
    /// Matches a REPLY to its REQUEST and an ACK to its SET (one value per transaction).
    public var identifier: UInt16
    /// The attributes, in order and in the form sent (``ModeConfigAttribute`` reads each by type).
    public var attributes: [DataAttribute]

    /// An attribute payload of type `configType` (1-4, see ``ModeConfigMessageType``).
    public init(configType: UInt8, identifier: UInt16, attributes: [DataAttribute]) {
        self.configType = configType
        self.identifier = identifier
        self.attributes = attributes
    }

    /// Name of the configuration message type.
    public var configTypeName: String? { messageType.name }

    static func decode(_ r: inout ByteReader, field: @autoclosure () -> String) throws(WireError) -> AttributePayload {
        let type = try r.u8(field() + ".type")
        let reserved = try r.u8(field() + ".reserved")
        guard reserved == 0 else {
            throw WireError(.invalidValue, field: field() + ".reserved", offset: r.offset - 1,
                            reason: "RESERVED is \(reserved), must be 0")
        }
        let id = try r.u16(field() + ".identifier")
        return AttributePayload(configType: type, identifier: id,
                                attributes: try DataAttribute.decodeList(&r, field: field() + ".attribute"))
    }

    func encodeBody(into w: inout ByteWriter) {
        w.u8(configType)
        w.u8(0)
        w.u16(identifier)
        for a in attributes { a.encode(into: &w) }
    }
}
