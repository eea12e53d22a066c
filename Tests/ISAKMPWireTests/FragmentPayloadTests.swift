import ISAKMPWire
import Testing

/// The IKEv1 fragment payload (132) and the message that carries it: built from the diagram in
/// FragmentPayload.swift, and read from two charons' capture (Fixtures/captures/fragmentation,
/// `fragmentation = force`, `fragment_size = 200`) beside tshark 4.0.17's dissection of it.
struct FragmentPayloadTests {
    static let capture = "fragmentation/charon-force/capture.pcap"

    /// Header (cookies 0102030405060708 / 1112131415161718, next payload 132, version 1.0, Main
    /// Mode, no flags, message ID 0, length 39), then FRAG: next NONE, RESERVED, length 11,
    /// fragment ID 0x0001, number 2, flags LAST_FRAGMENT, three bytes of data.
    static let wire: [UInt8] = [
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
        132, 0x10, 2, 0, 0, 0, 0, 0, 0, 0, 0, 39,
        0, 0, 0, 11, 0x00, 0x01, 2, 0x01, 0xaa, 0xbb, 0xcc,
    ]

    @Test func fieldsAreReadAsTheDiagramDrawsThemAndWrittenBackByteForByte() throws {
        let m = try FragmentMessage.decode(Self.wire)
        #expect(m.header.initiatorCookie == Cookie(0x0102030405060708) && m.header.exchangeType == .mainMode)
        #expect(m.fragment == FragmentPayload(fragmentID: 1, number: 2, flags: .lastFragment, data: [0xaa, 0xbb, 0xcc]))
        #expect(m.fragment.isLast)
        #expect(m.encode() == Self.wire)
        #expect(try ISAKMPMessage.decode(Self.wire).payloads == [.fragment(m.fragment)])
        let built = FragmentMessage(header: ISAKMPHeader(initiatorCookie: Cookie(0x0102030405060708),
                                                        responderCookie: Cookie(0x1112131415161718), exchangeType: .mainMode),
                                    fragment: m.fragment)
        #expect(built.encode() == Self.wire)
    }

    @Test func flagBitsOtherThanLastFragmentSurviveARoundTrip() throws {
        var bytes = Self.wire
        bytes[35] = 0x81
        let m = try FragmentMessage.decode(bytes)
        #expect(m.fragment.isLast && m.fragment.flags.rawValue == 0x81)
        #expect(m.encode() == bytes)
    }

    /// racoon sets the E flag on fragment messages although the payload is in the clear;
    /// strongSwan reads them as cleartext, and so do we, keeping the flag.
    @Test func anEncryptionFlagOnAFragmentMessageIsKeptButNotBelieved() throws {
        var bytes = Self.wire
        bytes[19] = HeaderFlags.encryption.rawValue
        let m = try ISAKMPMessage.decode(bytes)
        #expect(m.payloads?.count == 1)
        #expect(m.encode() == bytes)
        #expect(try FragmentMessage.decode(bytes).encode() == bytes)
    }

    @Test func fragmentNumberZeroIsRefused() {
        var bytes = Self.wire
        bytes[34] = 0
        #expect(throws: WireError(.invalidValue, field: "", offset: 0, reason: "")) { try ISAKMPMessage.decode(bytes) }
    }

    @Test func aFragmentPayloadShorterThanItsFixedFieldsIsTruncated() {
        var bytes = Array(Self.wire.prefix(28 + 4 + 3))
        bytes[27] = UInt8(bytes.count)
        bytes[31] = 7
        #expect(throws: WireError(.truncated, field: "", offset: 0, reason: "")) { try ISAKMPMessage.decode(bytes) }
    }

    @Test func aFragmentMessageCarriesOneFragmentAndNothingElse() throws {
        // FRAG followed by a VID.
        var bytes = Self.wire
        bytes[28] = PayloadType.vendorID.rawValue
        bytes += [0, 0, 0, 6, 0xde, 0xad]
        bytes[27] = UInt8(bytes.count)
        #expect(try ISAKMPMessage.decode(bytes).payloads?.count == 2)
        #expect(throws: WireError(.invalidValue, field: "", offset: 0, reason: "")) { try FragmentMessage.decode(bytes) }
        // A message whose first payload is not FRAG.
        let vid = ISAKMPMessage(header: ISAKMPHeader(initiatorCookie: Cookie(1), responderCookie: .zero, exchangeType: .mainMode),
                                payloads: [.vendorID(VendorIDPayload(data: [1, 2]))]).encode()
        #expect(throws: WireError(.invalidValue, field: "", offset: 0, reason: "")) { try FragmentMessage.decode(vid) }
    }

    /// charon's fragments: Main Mode, message ID 0, no flags and fragment ID 1 in every one,
    /// Quick Mode included; number, LAST_FRAGMENT and the payload length as tshark reads them.
    @Test func charonsFragmentsDecodeAsTsharkReadsThemAndReencodeByteForByte() throws {
        let frames = try CaptureFixtures.isakmpFrames().filter { $0.capture == Self.capture }
        let fragments = frames.filter { ($0.expected["payload_types"] as? [Int]) == [132] }
        #expect(fragments.count == 18)
        for f in fragments {
            let at = "frame \(f.frame)"
            let m = try FragmentMessage.decode(f.isakmp)
            let e = try #require((f.expected["payloads"] as? [[String: Any]])?.first)
            #expect(Int(m.fragment.fragmentID) == e["frag_id"] as? Int, "\(at)")
            #expect(Int(m.fragment.number) == e["frag_seq"] as? Int, "\(at)")
            #expect((m.fragment.isLast ? 1 : 0) == e["frag_last"] as? Int, "\(at)")
            #expect(8 + m.fragment.data.count == e["length"] as? Int, "\(at)")
            #expect(m.header.exchangeType == .mainMode && m.header.messageID == 0 && m.header.flags == [], "\(at)")
            #expect(m.fragment.fragmentID == 1, "\(at)")
            #expect(m.encode() == Array(f.isakmp), "\(at)")
        }
    }
}
