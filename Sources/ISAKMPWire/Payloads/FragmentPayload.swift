// IKE Fragment payload (132): Cisco's IKEv1 fragmentation, as strongSwan implements it
// (no RFC; strongSwan src/libcharon/encoding/payloads/fragment_payload.c)
//
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ! Next Payload  !   RESERVED    !         Payload Length        !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// !          Fragment ID          !  Fragment No. !     Flags     !
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                          Fragment Data                        ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Fragment numbers start at 1; Flags bit 0 (LAST_FRAGMENT) marks the last one. The data of
// fragments 1...last, in order, make up the fragmented message: its ISAKMP header and its
// payloads or, when it is encrypted, its ciphertext. A message carrying a fragment is a
// ``FragmentMessage``.

/// One fragment of an IKE message split by Cisco-style IKEv1 fragmentation.
public struct FragmentPayload: Hashable, Sendable {
    /// The Flags octet.
    public struct Flags: OptionSet, Hashable, Sendable {
        /// The Flags octet as sent.
        public let rawValue: UInt8
        /// The flags `rawValue`, unknown bits included.
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// LAST_FRAGMENT: no fragment with a higher number belongs to this message.
        public static let lastFragment = Flags(rawValue: 0x01)
    }

    /// The same for every fragment of one message (strongSwan always sends 1).
    public var fragmentID: UInt16
    /// The fragment's place in the message, from 1.
    public var number: UInt8
    /// LAST_FRAGMENT and any other bits as received.
    public var flags: Flags
    /// This fragment's part of the message.
    public var data: [UInt8]

    /// A fragment; `number` starts at 1.
    public init(fragmentID: UInt16, number: UInt8, flags: Flags, data: [UInt8]) {
        precondition(number >= 1, "fragment numbers start at 1")
        self.fragmentID = fragmentID
        self.number = number
        self.flags = flags
        self.data = data
    }

    /// The fragment carries LAST_FRAGMENT.
    public var isLast: Bool { flags.contains(.lastFragment) }

    static func decode(_ r: inout ByteReader, field: @autoclosure () -> String) throws(WireError) -> FragmentPayload {
        let id = try r.u16(field() + ".fragment_id")
        let number = try r.u8(field() + ".number")
        guard number >= 1 else {
            // strongSwan refuses it too (fragment_payload.c, verify).
            throw WireError(.invalidValue, field: field() + ".number", offset: r.offset - 1,
                            reason: "fragment number 0: numbers start at 1")
        }
        return FragmentPayload(fragmentID: id, number: number, flags: Flags(rawValue: try r.u8(field() + ".flags")), data: r.rest())
    }

    func encodeBody(into w: inout ByteWriter) {
        w.u16(fragmentID)
        w.u8(number)
        w.u8(flags.rawValue)
        w.append(data)
    }
}
