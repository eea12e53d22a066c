// RFC 2408 §3.6 Transform Payload
//
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ! Next Payload  !   RESERVED    !         Payload Length        !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !  Transform #  !  Transform-Id !           RESERVED2           !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                        SA Attributes                          ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// A transform inside a proposal, with its data attributes in order and in the form sent.
public struct TransformPayload: Hashable, Sendable {
    /// The Transform #, which the responder's choice repeats.
    public var number: UInt8
    /// The Transform-Id, whose meaning depends on the proposal's protocol.
    public var transformID: TransformID
    /// The SA attributes, in order and in the form (basic or variable) sent.
    public var attributes: [DataAttribute]
    /// RESERVED2, zero when sent by this library; other values are kept so a message re-encodes as received.
    public var reserved2: UInt16

    /// A transform; `reserved2` is zero unless re-encoding one received.
    public init(number: UInt8, transformID: TransformID, attributes: [DataAttribute], reserved2: UInt16 = 0) {
        self.number = number
        self.transformID = transformID
        self.attributes = attributes
        self.reserved2 = reserved2
    }

    /// The first attribute of the given class.
    public func attribute(_ type: UInt16) -> DataAttribute? {
        attributes.first { $0.type == type }
    }

    /// The names of attribute classes and values in this transform's context.
    public var attributeContext: AttributeContext {
        transformID.protocolID == .isakmp ? .phase1 : .ipsec
    }

    static func decode(_ r: inout ByteReader, protocolID: ProtocolID,
                       field: @autoclosure () -> String) throws(WireError) -> (TransformPayload, UInt8) {
        var (next, body) = try r.subPayload(field())
        let number = try body.u8(field() + ".number")
        let id = try body.u8(field() + ".transform_id")
        let reserved2 = try body.u16(field() + ".reserved2")
        let attributes = try DataAttribute.decodeList(&body, field: field() + ".attribute")
        return (TransformPayload(number: number, transformID: TransformID(rawValue: id, protocolID: protocolID),
                                 attributes: attributes, reserved2: reserved2), next)
    }

    func encode(into w: inout ByteWriter, last: Bool) {
        let start = w.bytes.count
        w.u8(last ? 0 : PayloadType.transform.rawValue)
        w.u8(0)
        let lengthAt = w.lengthPlaceholder()
        w.u8(number)
        w.u8(transformID.rawValue)
        w.u16(reserved2)
        for a in attributes { a.encode(into: &w) }
        w.patchLength(at: lengthAt, from: start)
    }
}
