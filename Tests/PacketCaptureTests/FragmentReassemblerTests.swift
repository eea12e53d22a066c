import PacketCapture
import Testing
import TestSupport

/// In-order fragment reassembly with bounded memory.
@Suite struct FragmentReassemblerTests {
    @Test("ipsec_client.pcap: three datagrams of three fragments each, as tshark reassembles them")
    func fixtureReassembly() throws {
        // zeek-spicy-ipsec trace (see Fixtures/README.md); tshark 4.0.17 with reassembly
        // on reports UDP 4500 -> 4500, length 3480, reassembled in frames 5, 8, 11 from 3-4-5, 6-7-8, 9-10-11.
        let results = try readAllFrames(try Fixtures.capture("public/zeek-spicy-ipsec/traces/ipsec_client.pcap"))
        var reassembler = FragmentReassembler()
        var datagrams: [FragmentReassembler.Datagram] = []
        for result in results {
            if let datagram = reassembler.add(PacketDecoder.decode(try result.get())) { datagrams.append(datagram) }
        }
        #expect(datagrams.map(\.frameIndices) == [[3, 4, 5], [6, 7, 8], [9, 10, 11]])
        for datagram in datagrams {
            #expect(datagram.payload.count == 3480)
            guard case .udp(4500, 4500, let payload) = datagram.transport else {
                Issue.record("not UDP 4500: \(String(describing: datagram.transport))")
                continue
            }
            #expect(payload.count == 3480 - 8)
        }
        #expect(reassembler.pendingCount == 0)
    }

    static func fragments(id: UInt16, _ payload: [UInt8], pieceSize: Int = 16) -> [DecodedPacket] {
        stride(from: 0, to: payload.count, by: pieceSize).map { start in
            let end = min(start + pieceSize, payload.count)
            let flags = UInt16(start / 8) | (end < payload.count ? 0x2000 : 0)
            let ip = Build.ipv4(Build.v4a, Build.v4b, protocol: 17, Array(payload[start..<end]), identification: id, flags: flags)
            return PacketDecoder.decode(CapturedFrame(index: start / pieceSize + 1, linkType: .raw, bytes: ip[...]))
        }
    }

    @Test("in order reassembles; out of order, gaps and oversize drop the datagram")
    func orderAndLimits() {
        let datagram = Build.udp(500, 500, Array(0..<40))
        let pieces = Self.fragments(id: 1, datagram)
        var inOrder = FragmentReassembler()
        #expect(pieces.dropLast().allSatisfy { inOrder.add($0) == nil })
        #expect(inOrder.add(pieces.last!)?.transport == .udp(sourcePort: 500, destinationPort: 500, payload: Array(0..<40)[...]))

        var reversed = FragmentReassembler()
        #expect(pieces.reversed().allSatisfy { reversed.add($0) == nil })
        var gap = FragmentReassembler()
        #expect(gap.add(pieces[0]) == nil && gap.add(pieces[2]) == nil && gap.add(pieces[1]) == nil)
        #expect(gap.pendingCount == 0)

        var small = FragmentReassembler(maximumDatagramSize: 32)
        #expect(pieces.allSatisfy { small.add($0) == nil })
        #expect(small.pendingCount == 0)
    }

    @Test("starting more datagrams than maximumPending drops the oldest")
    func pendingBound() {
        var reassembler = FragmentReassembler(maximumPending: 2)
        let firsts = (1...5).map { Self.fragments(id: UInt16($0), Build.udp(1, 2, Array(0..<40)))[0] }
        for first in firsts { _ = reassembler.add(first) }
        #expect(reassembler.pendingCount == 2)
    }
}
