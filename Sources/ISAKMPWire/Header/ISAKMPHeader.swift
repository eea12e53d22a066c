// RFC 2408 §3.1 ISAKMP Header Format
//
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !                          Initiator                            !
// !                            Cookie                             !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !                          Responder                            !
// !                            Cookie                             !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !  Next Payload ! MjVer ! MnVer ! Exchange Type !     Flags     !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !                          Message ID                           !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !                            Length                             !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// An 8-byte ISAKMP cookie (RFC 2408 §2.5.3).
public struct Cookie: Hashable, Sendable, CustomStringConvertible {
    /// The cookie as an integer, first byte most significant.
    public var rawValue: UInt64
    /// The cookie whose bytes, most significant first, are `rawValue`.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    /// The cookie from 8 bytes.
    @inlinable   // specialized where it is called: generic code run unspecialized looks its types up per call
    public init<C: Collection>(bytes: C) where C.Element == UInt8 {
        precondition(bytes.count == 8, "a cookie is 8 bytes")
        rawValue = bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
    /// The all-zero responder cookie of a first message.
    public static let zero = Cookie(0)
    /// The 8 bytes, most significant first.
    public var bytes: [UInt8] {
        withUnsafeBytes(of: rawValue.bigEndian) { Array($0) }
    }
    /// The 8 bytes in hex.
    public var description: String { bytes.hexString }
}

/// The flags octet (RFC 2408 §3.1).
public struct HeaderFlags: OptionSet, Hashable, Sendable {
    /// The flags octet as sent.
    public let rawValue: UInt8
    /// The flags `rawValue`, unknown bits included.
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// E: the payloads after the header are encrypted.
    public static let encryption = HeaderFlags(rawValue: 0x01)
    /// C: commit bit (RFC 2408 §3.1, RFC 2409 §5.5).
    public static let commit = HeaderFlags(rawValue: 0x02)
    /// A: authentication only.
    public static let authenticationOnly = HeaderFlags(rawValue: 0x04)
}

/// The fixed 28-byte ISAKMP header.
public struct ISAKMPHeader: Hashable, Sendable {
    /// Size of the header on the wire.
    public static let size = 28

    /// The cookie the initiator chose for the ISAKMP SA.
    public var initiatorCookie: Cookie
    /// The responder's cookie; zero in the initiator's first message.
    public var responderCookie: Cookie
    /// Type of the first payload.
    public var nextPayload: PayloadType
    /// Major version (high nibble) and minor version (low nibble); IKEv1 is 0x10.
    public var version: UInt8
    /// The exchange the message belongs to.
    public var exchangeType: ExchangeType
    /// E, C and A (``HeaderFlags``).
    public var flags: HeaderFlags
    /// Zero in Main and Aggressive Mode; each later exchange on the ISAKMP SA (Quick Mode,
    /// Informational, Transaction) has its own random ID.
    public var messageID: UInt32
    /// Total message length including this header.
    public var length: UInt32

    /// Creates a header; `length` is set by the encoder.
    public init(initiatorCookie: Cookie, responderCookie: Cookie, nextPayload: PayloadType = .none,
                version: UInt8 = 0x10, exchangeType: ExchangeType, flags: HeaderFlags = [],
                messageID: UInt32 = 0, length: UInt32 = 0) {
        self.initiatorCookie = initiatorCookie
        self.responderCookie = responderCookie
        self.nextPayload = nextPayload
        self.version = version
        self.exchangeType = exchangeType
        self.flags = flags
        self.messageID = messageID
        self.length = length
    }

    /// The high nibble of `version`: 1 for IKEv1.
    public var majorVersion: UInt8 { version >> 4 }
    /// The low nibble of `version`: 0 for IKEv1.
    public var minorVersion: UInt8 { version & 0x0f }

    /// Reads the header without checking the version or the length.
    public static func decode(_ bytes: ArraySlice<UInt8>) throws(WireError) -> ISAKMPHeader {
        var r = ByteReader(bytes)
        return try decode(&r)
    }

    static func decode(_ r: inout ByteReader) throws(WireError) -> ISAKMPHeader {
        let ic = try r.take(8, "header.initiator_cookie")
        let rc = try r.take(8, "header.responder_cookie")
        return ISAKMPHeader(
            initiatorCookie: Cookie(bytes: ic), responderCookie: Cookie(bytes: rc),
            nextPayload: PayloadType(rawValue: try r.u8("header.next_payload")),
            version: try r.u8("header.version"),
            exchangeType: ExchangeType(rawValue: try r.u8("header.exchange_type")),
            flags: HeaderFlags(rawValue: try r.u8("header.flags")),
            messageID: try r.u32("header.message_id"),
            length: try r.u32("header.length"))
    }

    func encode(into w: inout ByteWriter) {
        w.u64(initiatorCookie.rawValue)
        w.u64(responderCookie.rawValue)
        w.u8(nextPayload.rawValue)
        w.u8(version)
        w.u8(exchangeType.rawValue)
        w.u8(flags.rawValue)
        w.u32(messageID)
        w.u32(length)
    }

    /// The 28 header bytes.
    public var bytes: [UInt8] {
        var w = ByteWriter()
        encode(into: &w)
        return w.bytes
    }
}
