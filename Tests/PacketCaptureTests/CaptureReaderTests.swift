import PacketCapture
import Testing

/// Synthetic pcap and pcapng files built in the test, covering what the fixtures lack.
@Suite struct CaptureReaderTests {
    let datagram = Build.ipv4(Build.v4a, Build.v4b, protocol: 17, Build.udp(500, 500, [1, 2, 3]))

    @Test("big-endian microsecond pcap reads frames, timestamps and link type", arguments: [true, false])
    func classicPcapEitherByteOrder(bigEndian: Bool) throws {
        let file = Build.pcap(linkType: 101, bigEndian: bigEndian, records: [
            (seconds: 1_700_000_000, fraction: 123_456, data: datagram),
            (seconds: 1_700_000_001, fraction: 999_999, data: [0x45]),
        ])
        var reader = try CaptureReader(bytes: file)
        #expect(reader.format == .pcap(nanosecondResolution: false, bigEndian: bigEndian))
        let first = try #require(try reader.next())
        #expect(first.index == 1 && first.linkType == .raw && first.originalLength == datagram.count)
        #expect(Array(first.bytes) == datagram)
        #expect(first.timestamp == CaptureTimestamp(seconds: 1_700_000_000, nanoseconds: 123_456_000))
        let second = try #require(try reader.next())
        #expect(second.index == 2 && second.timestamp.description == "1700000001.999999000")
        #expect(try reader.next() == nil)
        #expect(try reader.next() == nil)
    }

    @Test("nanosecond pcap keeps nanoseconds", arguments: [true, false])
    func nanosecondPcap(bigEndian: Bool) throws {
        let file = Build.pcap(linkType: 1, bigEndian: bigEndian, nanoseconds: true, records: [
            (seconds: 5, fraction: 123_456_789, data: Build.ethernet(type: 0x0800, datagram)),
        ])
        var reader = try CaptureReader(bytes: file)
        #expect(reader.format == .pcap(nanosecondResolution: true, bigEndian: bigEndian))
        let frame = try #require(try reader.next())
        #expect(frame.timestamp == CaptureTimestamp(seconds: 5, nanoseconds: 123_456_789))
        #expect(PacketDecoder.decode(frame).destinationDescription == "192.0.2.2:500")
    }

    @Test("an unknown magic number is unsupported, a short file truncated")
    func badMagicAndShortFiles() {
        #expect(throws: CaptureError(.unsupported, layer: .file, offset: 0, reason: "")) {
            try CaptureReader(bytes: [0xde, 0xad, 0xbe, 0xef] + [UInt8](repeating: 0, count: 40))
        }
        #expect(throws: CaptureError(.truncated, layer: .file, offset: 0, reason: "")) {
            try CaptureReader(bytes: [0xd4, 0xc3])
        }
        #expect(throws: CaptureError(.truncated, layer: .pcap, offset: 0, reason: "")) {
            try CaptureReader(bytes: Array(Build.pcap(linkType: 1, records: []).prefix(20)))
        }
        #expect(throws: CaptureError(.truncated, layer: .pcapng, offset: 0, reason: "")) {
            try CaptureReader(bytes: Array(Build.sectionHeader().prefix(16)))
        }
    }

    @Test("a truncated final pcap record is an error for that record only")
    func truncatedFinalRecord() throws {
        let file = Build.pcap(linkType: 101, records: [(1, 0, datagram), (2, 0, datagram)])
        var reader = try CaptureReader(bytes: Array(file.dropLast(5)))
        #expect(try reader.next()?.index == 1)
        let error = #expect(throws: CaptureError.self) { try reader.next() }
        #expect(error?.kind == .truncated && error?.layer == .pcap && error?.frame == 2)
        #expect(error?.offset == 24 + 16 + datagram.count)
        #expect(try reader.next() == nil)
    }

    @Test("pcapng: sections of both byte orders, per-interface link types and resolutions, EPB, SPB, PB")
    func pcapngSectionsAndBlocks() throws {
        let ethernetFrame = Build.ethernet(type: 0x0800, datagram)
        var file = Build.sectionHeader()
        file += Build.interface(linkType: 1)                                           // interface 0: microseconds
        file += Build.interface(linkType: 101, tsresol: 9)                             // interface 1: nanoseconds
        file += Build.block(4, Build.u16(1) + Build.u16(4) + [192, 0, 2, 1] + [0, 0, 0, 0])  // NRB, ignored
        file += Build.enhancedPacket(interface: 0, timestamp: 1_500_000_250_000, data: ethernetFrame)
        file += Build.block(0x0bad_cafe, [1, 2, 3, 4, 5])                              // unknown block, skipped
        file += Build.enhancedPacket(interface: 1, timestamp: 7_000_000_001, data: datagram)
        file += Build.simplePacket(data: ethernetFrame)
        file += Build.block(5, [UInt8](repeating: 0, count: 12))                         // ISB, ignored
        file += Build.sectionHeader(bigEndian: true)
        file += Build.interface(linkType: 276, tsresol: 0x80 | 10, bigEndian: true)   // 2^-10 s
        let sll2 = Build.u16(0x0800) + [UInt8](repeating: 0, count: 18) + datagram
        file += Build.enhancedPacket(interface: 0, timestamp: 3 * 1024 + 512, data: sll2, bigEndian: true)
        file += Build.obsoletePacket(interface: 0, timestamp: 1024, data: sll2, bigEndian: true)

        var reader = try CaptureReader(bytes: file)
        #expect(reader.format == .pcapng)
        let frames = reader.readAll().compactMap { try? $0.get() }
        #expect(frames.map(\.index) == [1, 2, 3, 4, 5])
        #expect(frames.map(\.linkType) == [.ethernet, .raw, .ethernet, .linuxSLL2, .linuxSLL2])
        #expect(frames.map(\.interfaceID) == [0, 1, 0, 0, 0])
        #expect(frames[0].timestamp == CaptureTimestamp(seconds: 1_500_000, nanoseconds: 250_000_000))
        #expect(frames[1].timestamp == CaptureTimestamp(seconds: 7, nanoseconds: 1))
        #expect(frames[2].timestamp == CaptureTimestamp())
        #expect(frames[3].timestamp == CaptureTimestamp(seconds: 3, nanoseconds: 500_000_000))
        #expect(frames[4].timestamp == CaptureTimestamp(seconds: 1))
        for frame in frames {
            #expect(PacketDecoder.decode(frame).sourceDescription == "192.0.2.1:500", "frame \(frame.index)")
        }
    }

    @Test("pcapng: a block longer than the file is an error and ends the reading")
    func pcapngOversizedBlock() throws {
        var file = Build.sectionHeader() + Build.interface(linkType: 101)
        file += Build.enhancedPacket(interface: 0, timestamp: 0, data: datagram)
        file += Build.u32(6, bigEndian: false) + Build.u32(0x7fff_fff0, bigEndian: false) + [0, 0, 0, 0]
        var reader = try CaptureReader(bytes: file)
        #expect(try reader.next()?.index == 1)
        let error = #expect(throws: CaptureError.self) { try reader.next() }
        #expect(error?.kind == .truncated && error?.layer == .pcapng)
        #expect(try reader.next() == nil)
    }

    @Test("pcapng: a zero or short block length cannot loop", arguments: [0, 4, 8, 13])
    func pcapngBadBlockLength(length: UInt32) throws {
        let file = Build.sectionHeader() + Build.u32(0x0bad_cafe, bigEndian: false) + Build.u32(length, bigEndian: false)
            + [UInt8](repeating: 0, count: 16)
        var reader = try CaptureReader(bytes: file)
        let error = #expect(throws: CaptureError.self) { try reader.next() }
        #expect(error?.kind == .malformed && error?.offset == 28 + 4)
        #expect(try reader.next() == nil)
    }

    @Test("pcapng: a packet for an undeclared interface fails alone, reading goes on")
    func pcapngUndeclaredInterface() throws {
        var file = Build.sectionHeader() + Build.interface(linkType: 101)
        file += Build.enhancedPacket(interface: 3, timestamp: 0, data: datagram)
        file += Build.enhancedPacket(interface: 0, timestamp: 0, data: datagram)
        var reader = try CaptureReader(bytes: file)
        let results = reader.readAll()
        #expect(results.count == 2)
        #expect(throws: CaptureError.self) { try results[0].get() }
        #expect(try results[1].get().index == 2)
    }

    @Test("pcapng: a packet block with a wrong trailing length fails alone and still counts as a frame")
    func pcapngTrailerMismatch() throws {
        var broken = Build.enhancedPacket(interface: 0, timestamp: 0, data: datagram)
        broken[broken.count - 1] ^= 0x01
        let file = Build.sectionHeader() + Build.interface(linkType: 101) + broken
            + Build.enhancedPacket(interface: 0, timestamp: 0, data: datagram)
        var reader = try CaptureReader(bytes: file)
        let results = reader.readAll()
        #expect(results.count == 2)
        #expect(throws: CaptureError(.malformed, layer: .pcapng, offset: 28 + 20 + broken.count - 4, reason: "")) {
            try results[0].get()
        }
        #expect(try results[1].get().index == 2)
    }

    @Test("pcapng: a simple packet block is cut to the interface snap length")
    func simplePacketSnapLength() throws {
        let file = Build.sectionHeader() + Build.interface(linkType: 101, snapLength: 20) + Build.simplePacket(data: datagram)
        var reader = try CaptureReader(bytes: file)
        let frame = try #require(try reader.next())
        #expect(frame.bytes.count == 20 && frame.originalLength == datagram.count)
        #expect(PacketDecoder.decode(frame).error?.layer == .udp)
    }
}
