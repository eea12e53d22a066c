// RFC 2408 §3.3 Data Attributes
//
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !A!       Attribute Type        !    AF=0  Attribute Length     !
// !F!                             !    AF=1  Attribute Value      !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// .                   AF=0  Attribute Value                       .
// .                   AF=1  Not Transmitted                       .
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// One data attribute, remembering whether it was sent in TV (AF=1) or TLV (AF=0) form.
public struct DataAttribute: Hashable, Sendable {
    /// The attribute's value as it travelled.
    public enum Value: Hashable, Sendable {
        /// TV form: a 16-bit value in the header.
        case basic(UInt16)
        /// TLV form: a length and that many bytes.
        case variable([UInt8])
    }

    /// The attribute type without the AF bit.
    public var type: UInt16
    /// The value and its form.
    public var value: Value

    /// Creates an attribute of the given form.
    public init(type: UInt16, value: Value) {
        self.type = type & 0x7fff
        self.value = value
    }

    /// A TV attribute.
    public static func basic(_ type: UInt16, _ value: UInt16) -> DataAttribute {
        DataAttribute(type: type, value: .basic(value))
    }

    /// An integer attribute in the shortest form: TV when it fits in 16 bits,
    /// else TLV with the fewest bytes (as life durations are sent).
    public static func integer(_ type: UInt16, _ value: UInt64) -> DataAttribute {
        if value <= 0xffff { return .basic(type, UInt16(value)) }
        var bytes: [UInt8] = []
        var v = value
        while v > 0 { bytes.insert(UInt8(truncatingIfNeeded: v), at: 0); v >>= 8 }
        return DataAttribute(type: type, value: .variable(bytes))
    }

    /// The value read as an unsigned integer; nil for a TLV value longer than 8 bytes.
    public var integerValue: UInt64? {
        switch value {
        case .basic(let v): return UInt64(v)
        case .variable(let bytes):
            guard bytes.count <= 8 else { return nil }
            return bytes.reduce(0) { $0 << 8 | UInt64($1) }
        }
    }

    /// True when sent in TV form.
    public var isBasic: Bool { if case .basic = value { true } else { false } }

    static func decode(_ r: inout ByteReader, field: @autoclosure () -> String) throws(WireError) -> DataAttribute {
        let t = try r.u16(field() + ".type")
        if t & 0x8000 != 0 {
            return DataAttribute(type: t, value: .basic(try r.u16(field() + ".value")))
        }
        let length = Int(try r.u16(field() + ".length"))
        return DataAttribute(type: t, value: .variable(try r.bytes(length, field() + ".value")))
    }

    func encode(into w: inout ByteWriter) {
        switch value {
        case .basic(let v):
            w.u16(type | 0x8000); w.u16(v)
        case .variable(let bytes):
            w.u16(type); w.u16(UInt16(clamping: bytes.count)); w.append(bytes)
        }
    }

    static func decodeList(_ r: inout ByteReader, field: @autoclosure () -> String) throws(WireError) -> [DataAttribute] {
        var list: [DataAttribute] = []
        // Each attribute takes at least 4 bytes; a transform holds a handful (growing from empty
        // cost 3-4 allocations each), and the cap keeps a long list from reserving much at once.
        list.reserveCapacity(min(r.remaining / 4, 16))
        while !r.isAtEnd {
            list.append(try decode(&r, field: "\(field())[\(list.count)]"))
        }
        return list
    }
}

extension DataAttribute {
    /// The wire form of attributes written back to back (RFC 2408 §3.3), as in
    /// RESPONDER-LIFETIME notify data (RFC 2407 §4.5.4). Each keeps its TV or TLV form.
    public static func encode(_ attributes: [DataAttribute]) -> [UInt8] {
        var w = ByteWriter()
        for a in attributes { a.encode(into: &w) }
        return w.bytes
    }

    /// Decodes attributes written back to back that fill `bytes` exactly
    /// (RFC 2408 §3.3); throws `truncated` when the last one is cut short.
    /// Offsets in errors count from the start of `bytes`.
    public static func decodeList(_ bytes: [UInt8]) throws(WireError) -> [DataAttribute] {
        var r = ByteReader(bytes[...])
        return try decodeList(&r, field: "attributes")
    }
}
