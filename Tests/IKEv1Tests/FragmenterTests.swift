import IKEv1
import ISAKMPWire
import Testing

/// ``IKEFragmenter`` on messages built here: the size budget with IPv4 or IPv6, with or
/// without the non-ESP marker, as charon counts it (`message.c` `fragment`).
@Suite struct FragmenterTests {
    static func message(size: Int) -> [UInt8] { FragmentReassemblyTests.message(cookie: 0xabcd, size: size) }

    @Test(arguments: [(1280, false, false), (1280, true, true), (576, false, true), (200, true, false)])
    func everyDatagramFitsAndTheFragmentsMakeTheMessage(_ size: Int, _ ipv6: Bool, _ marker: Bool) throws {
        let overhead = (ipv6 ? 40 : 20) + 8 + (marker ? 4 : 0)
        let message = Self.message(size: 5000)
        let datagrams = try IKEFragmenter.datagrams(for: message, phase1Exchange: .aggressive, maxDatagramSize: size,
                                                    ipv6: ipv6, nonESPMarker: marker)
        let perFragment = size - overhead - 28 - 8
        #expect(datagrams.count == (message.count + perFragment - 1) / perFragment)
        let fragments = try datagrams.map(FragmentMessage.decode)
        for (i, (d, f)) in zip(datagrams, fragments).enumerated() {
            #expect(d.count + overhead <= size)
            #expect(i == datagrams.count - 1 || d.count + overhead == size, "all but the last are full")
            #expect(Int(f.fragment.number) == i + 1 && f.fragment.isLast == (i == datagrams.count - 1))
            #expect(f.fragment.fragmentID == IKEFragmenter.charonFragmentID)
            #expect(f.header.initiatorCookie == Cookie(0xabcd) && f.header.responderCookie == Cookie(0x2222))
            #expect(f.header.exchangeType == .aggressive && f.header.messageID == 0 && f.header.flags == [])
        }
        #expect(fragments.flatMap(\.fragment.data) == message)
    }

    @Test func aMessageIsFragmentedOnlyWhenItsDatagramWouldBeTooLarge() throws {
        // 1280 - 20 (IPv4) - 8 (UDP) - 4 (marker) = 1248 bytes of message fit.
        for (size, count) in [(1248, 1), (1249, 2)] {
            let message = Self.message(size: size)
            let datagrams = try IKEFragmenter.datagrams(for: message, phase1Exchange: .mainMode, nonESPMarker: true)
            #expect(datagrams.count == count)
            if count == 1 { #expect(datagrams == [message]) }
        }
    }

    @Test func aSizeThatLeavesNoRoomOrNeedsMoreThan255FragmentsIsAConfigurationError() {
        let message = Self.message(size: 3000)
        // 64 - 20 - 8 - 28 - 8 = 0 bytes of data.
        #expect(throws: IKEv1Error(.configuration, "")) {
            try IKEFragmenter.datagrams(for: message, phase1Exchange: .mainMode, maxDatagramSize: 64, nonESPMarker: false)
        }
        // 75 leaves 11 bytes a fragment: 273 fragments.
        #expect(throws: IKEv1Error(.configuration, "")) {
            try IKEFragmenter.datagrams(for: message, phase1Exchange: .mainMode, maxDatagramSize: 75, nonESPMarker: false)
        }
        // 76 leaves 12: 250 fragments, the last numbered 250.
        let most = try? IKEFragmenter.datagrams(for: message, phase1Exchange: .mainMode, maxDatagramSize: 76, nonESPMarker: false)
        #expect(most?.count == 250)
    }
}
