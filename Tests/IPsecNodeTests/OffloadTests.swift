import ESP
import Foundation
@testable import IPsecNode
import Testing
import TestSupport

/// TUN offloads against scapy (Fixtures/offload-vectors, Scripts/make-offload-vectors.py): the
/// packets a super-segment is cut into, and the packet consecutive segments are merged into,
/// byte for byte as scapy builds them, checksums included.
struct OffloadTests {
    struct Header: Decodable {
        var flags: UInt8
        var gso_type: UInt8
        var hdr_len: UInt16
        var gso_size: UInt16
        var csum_start: UInt16
        var csum_offset: UInt16

        var virtio: VirtioNetHeader {
            var h = VirtioNetHeader(flags: flags, segmentation: VirtioNetHeader.Segmentation(rawValue: gso_type & 0x7f)!,
                                    headerLength: hdr_len, segmentSize: gso_size, checksumStart: csum_start, checksumOffset: csum_offset)
            h.ecn = gso_type & 0x80 != 0
            return h
        }
    }

    struct SegmentCase: Decodable, CustomTestStringConvertible {
        var name: String
        var header: Header
        var packet: String
        var segments: [String]
        var testDescription: String { name }
    }

    struct CoalesceCase: Decodable, CustomTestStringConvertible {
        var name: String
        var header: Header
        var segments: [String]
        var merged: String
        var testDescription: String { name }
    }

    struct TooBigCase: Decodable, CustomTestStringConvertible {
        var name: String
        var mtu: Int
        var packet: String
        var answer: String
        var testDescription: String { name }
    }

    struct Vectors: Decodable {
        var segment: [SegmentCase]
        var coalesce: [CoalesceCase]
        var too_big: [TooBigCase]
    }

    static let vectors: Vectors = {
        let data = try! Data(contentsOf: Fixtures.url("offload-vectors/scapy_offload.json"))
        return try! JSONDecoder().decode(Vectors.self, from: data)
    }()

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            out.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    /// Cuts `packet` as `header` says; nil when the segmenter refuses it.
    static func cut(_ packet: [UInt8], _ header: VirtioNetHeader) -> [[UInt8]]? {
        packet.withUnsafeBytes { whole -> [[UInt8]]? in
            guard let s = SuperSegment(whole, header) else { return nil }
            return (0..<s.count).map { i in
                var out = [UInt8](repeating: 0, count: s.largestSegment)
                let n = out.withUnsafeMutableBytes { s.write(i, of: whole, to: $0.baseAddress!) }
                return Array(out.prefix(n))
            }
        }
    }

    @Test(arguments: try nonEmpty(vectors.segment))
    func superSegmentsAreCutAsScapyBuildsEachPacket(_ c: SegmentCase) throws {
        let segments = try #require(Self.cut(Self.bytes(c.packet), c.header.virtio))
        #expect(segments.count == c.segments.count)
        for (i, (ours, scapy)) in zip(segments, c.segments.map(Self.bytes)).enumerated() {
            #expect(ours == scapy, "\(c.name) segment \(i)")
        }
    }

    @Test(arguments: try nonEmpty(vectors.coalesce))
    func consecutiveSegmentsAreMergedAsScapyBuildsTheWholePacket(_ c: CoalesceCase) throws {
        var coalescer = TCPCoalescer()
        defer { coalescer.deallocate() }
        for s in c.segments.map(Self.bytes) { #expect(s.withUnsafeBytes { coalescer.offer($0) }) }
        let flushed = coalescer.flush().map(Array.init)
        let written = try #require(flushed)
        let header = try #require(written.withUnsafeBytes { VirtioNetHeader($0) })
        #expect(header == c.header.virtio)
        // The kernel completes the partial checksum; done here, the packet is scapy's whole one.
        var packet = Array(written.dropFirst(VirtioNetHeader.size))
        #expect(packet.withUnsafeMutableBytes { SuperSegment.completeChecksum($0, header) })
        #expect(packet == Self.bytes(c.merged))
        // And the kernel's GSO, cutting it again, would send the segments that came in.
        #expect(Self.cut(packet, header) == c.segments.map(Self.bytes))
        #expect(coalescer.flush() == nil)
    }

    /// The four-segment IPv4 case, changed one field at a time: what Linux's GRO would not
    /// merge is not merged (offer says false and the held packet stays as it was).
    @Test(arguments: try nonEmpty(["bad checksum", "sequence gap", "other acknowledgment", "SYN", "longer than the first",
                                   "other options", "other TOS", "other port"]))
    func segmentsTheKernelWouldNotMergeAreNotMerged(_ change: String) throws {
        let c = try #require(Self.vectors.coalesce.first { $0.name == "tcp4-four-segments-push-on-last" })
        let first = Self.bytes(c.segments[0])
        var second = Self.bytes(c.segments[1])
        switch change {
        case "bad checksum": second[second.count - 1] ^= 1
        case "sequence gap": second[27] &+= 1
        case "other acknowledgment": second[31] &+= 1
        case "SYN": second[33] |= 0x02
        case "longer than the first": second += [0, 0, 0, 0]
        case "other options": second[20 + 20 + 4] ^= 1   // in the timestamp
        case "other TOS": second[1] ^= 4
        default: second[20] ^= 1   // source port
        }
        Self.fixLengthsAndChecksums(&second, keepBadChecksum: change == "bad checksum")
        var coalescer = TCPCoalescer()
        defer { coalescer.deallocate() }
        #expect(first.withUnsafeBytes { coalescer.offer($0) })
        #expect(!second.withUnsafeBytes { coalescer.offer($0) })
        let flushed = coalescer.flush().map(Array.init)
        let held = try #require(flushed)
        #expect(Array(held.dropFirst(VirtioNetHeader.size)) == first, "the held packet is written unchanged")
        #expect(held.prefix(VirtioNetHeader.size).allSatisfy { $0 == 0 }, "a single packet goes up as it is")
    }

    @Test func nothingFollowsAShortSegmentAndNoPacketPassesSixtyFourKilobytes() throws {
        let c = try #require(Self.vectors.coalesce.first { $0.name == "tcp4-four-segments-push-on-last" })
        let segments = c.segments.map(Self.bytes)
        var coalescer = TCPCoalescer()
        defer { coalescer.deallocate() }
        // The last segment is short (and has PSH): a further one with the right sequence number is refused.
        for s in segments { #expect(s.withUnsafeBytes { coalescer.offer($0) }) }
        var after = segments[3]
        let next = UInt32(5000 + 1448 * 3 + 700)
        after.replaceSubrange(24..<28, with: withUnsafeBytes(of: next.bigEndian, Array.init))
        after[33] = 0x10
        Self.fixLengthsAndChecksums(&after, keepBadChecksum: false)
        #expect(!after.withUnsafeBytes { coalescer.offer($0) })
        _ = coalescer.flush()

        let full = try #require(Self.vectors.coalesce.first { $0.name == "tcp4-no-options-full-64k" })
        let pieces = full.segments.map(Self.bytes)
        for s in pieces.dropLast() { #expect(s.withUnsafeBytes { coalescer.offer($0) }) }
        // 44 × 1460 bytes held; one more full one would pass 65,535.
        var one = pieces[0]
        let sequence = UInt32(5000 + 1460 * 44)
        one.replaceSubrange(24..<28, with: withUnsafeBytes(of: sequence.bigEndian, Array.init))
        Self.fixLengthsAndChecksums(&one, keepBadChecksum: false)
        #expect(!one.withUnsafeBytes { coalescer.offer($0) })
        let merged = coalescer.flush()
        #expect(merged.map { $0.count - VirtioNetHeader.size } == 40 + 1460 * 44)
    }

    @Test func udpIsNotTakenForMerging() throws {
        let udp = try #require(Self.vectors.segment.first { $0.name == "udp4" })
        var coalescer = TCPCoalescer()
        defer { coalescer.deallocate() }
        #expect(!Self.bytes(udp.segments[0]).withUnsafeBytes { coalescer.offer($0) })
        #expect(coalescer.flush() == nil)
    }

    @Test func aPartialChecksumIsCompletedOverTheRestOfThePacket() throws {
        for c in Self.vectors.segment {
            let original = Self.bytes(c.segments[0])
            let h = c.header.virtio
            let field = Int(h.checksumStart + h.checksumOffset)
            var partial = original
            partial[field] = 0
            partial[field + 1] = 0
            let version = partial[0] >> 4
            var pseudo = InternetChecksum()
            partial.withUnsafeBytes { pseudo.add(UnsafeRawBufferPointer(rebasing: $0[(version == 4 ? 12 : 8)..<(version == 4 ? 20 : 40)])) }
            pseudo.add(UInt32(h.checksumOffset == 16 ? 6 : 17))
            pseudo.add(UInt32(partial.count - Int(h.checksumStart)))
            partial[field] = UInt8(pseudo.folded >> 8)
            partial[field + 1] = UInt8(pseudo.folded & 0xff)
            var plain = h
            plain.segmentation = .none
            #expect(partial.withUnsafeMutableBytes { SuperSegment.completeChecksum($0, plain) })
            #expect(partial == original, "\(c.name)")
        }
    }

    @Test func superSegmentsThatDisagreeWithTheirHeaderAreRefused() throws {
        let c = try #require(Self.vectors.segment.first { $0.name == "tcp4-timestamps-psh-fin" })
        let packet = Self.bytes(c.packet)
        let h = c.header.virtio
        var truncated = packet
        truncated.removeLast()                       // the IPv4 total length no longer matches
        var fragment = packet
        fragment[6] |= 0x20                          // more fragments
        var udpAsTCP = h
        udpAsTCP.segmentation = .udp                 // a TCP packet described as UDP
        var noSize = h
        noSize.segmentSize = 0
        #expect(Self.cut(truncated, h) == nil)
        #expect(Self.cut(fragment, h) == nil)
        #expect(Self.cut(packet, udpAsTCP) == nil)
        #expect(Self.cut(packet, noSize) == nil)
        #expect(Self.cut(Array(packet.prefix(30)), h) == nil)
        var ipv6 = h
        ipv6.segmentation = .tcpv6
        #expect(Self.cut(packet, ipv6) == nil)
    }

    @Test(arguments: try nonEmpty(vectors.too_big))
    func aPacketTooBigForThePathIsAnsweredAsScapyBuildsTheICMP(_ c: TooBigCase) {
        let packet = Self.bytes(c.packet)
        #expect(packet.withUnsafeBytes { PacketTooBig.forbidsFragmentation($0) })
        var out = [UInt8](repeating: 0, count: 1280)
        let n = packet.withUnsafeBytes { p in out.withUnsafeMutableBytes { PacketTooBig.write(answering: p, mtu: c.mtu, to: $0.baseAddress!) } }
        #expect(n.map { Array(out.prefix($0)) } == Self.bytes(c.answer))
        // IPv4 without DF may be fragmented: no answer is due.
        if packet[0] >> 4 == 4 {
            var fragmentable = packet
            fragmentable[6] &= ~0x40
            #expect(!fragmentable.withUnsafeBytes { PacketTooBig.forbidsFragmentation($0) })
        }
    }

    @Test func virtioHeadersRoundTripAndUnknownSegmentationIsRefused() {
        var h = VirtioNetHeader(flags: 1, segmentation: .tcpv6, headerLength: 72, segmentSize: 1208, checksumStart: 40, checksumOffset: 16)
        h.ecn = true
        var raw = [UInt8](repeating: 0, count: VirtioNetHeader.size)
        raw.withUnsafeMutableBytes { h.write(to: $0.baseAddress!) }
        #expect(raw == [1, 0x84, 72, 0, 0xb8, 4, 40, 0, 16, 0])
        #expect(raw.withUnsafeBytes { VirtioNetHeader($0) } == h)
        raw[1] = 3   // VIRTIO_NET_HDR_GSO_UDP (fragmenting UFO): never offered
        #expect(raw.withUnsafeBytes { VirtioNetHeader($0) } == nil)
        #expect(Array(raw.prefix(9)).withUnsafeBytes { VirtioNetHeader($0) } == nil)
    }

    /// The one's-complement sum taken 8 bytes at a time, over any split of the data, equals the
    /// RFC 1071 definition summed a 16-bit word at a time; the last case is the largest IP
    /// packet of all-ones bytes, where every addition carries.
    @Test func theChecksumEqualsTheWordByWordDefinitionOverAnySplit() {
        var generator = SeededGenerator(seed: 1071)
        for round in 0...200 {
            let data = round == 200 ? [UInt8](repeating: 0xff, count: 65_535)
                : (0..<Int.random(in: 0...1_500, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var reference: UInt32 = 0
            for i in stride(from: 0, to: data.count, by: 2) {
                reference += UInt32(data[i]) << 8 | UInt32(i + 1 < data.count ? data[i + 1] : 0)
            }
            while reference > 0xffff { reference = (reference & 0xffff) + (reference >> 16) }
            let cut = Int.random(in: 0...data.count, using: &generator)
            var sum = InternetChecksum()
            data.withUnsafeBytes {
                sum.add(UnsafeRawBufferPointer(rebasing: $0[..<cut]))
                sum.add(UnsafeRawBufferPointer(rebasing: $0[cut...]))
            }
            #expect(sum.finish() == ~UInt16(reference), "\(data.count) bytes cut at \(cut)")
        }
    }

    /// Rewrites an IPv4 TCP packet's lengths and checksums after a change (unless the change is a bad checksum).
    static func fixLengthsAndChecksums(_ p: inout [UInt8], keepBadChecksum: Bool) {
        p[2] = UInt8(p.count >> 8)
        p[3] = UInt8(p.count & 0xff)
        p[10] = 0
        p[11] = 0
        var ip = InternetChecksum()
        p.withUnsafeBytes { ip.add(UnsafeRawBufferPointer(rebasing: $0[0..<20])) }
        let ipSum = ip.finish()
        p[10] = UInt8(ipSum >> 8)
        p[11] = UInt8(ipSum & 0xff)
        guard !keepBadChecksum else { return }
        p[36] = 0
        p[37] = 0
        let tcp = p.withUnsafeBytes { SuperSegment.transportChecksum($0.baseAddress!, version: 4, transportOffset: 20, total: p.count, proto: 6) }
        p[36] = UInt8(tcp >> 8)
        p[37] = UInt8(tcp & 0xff)
    }
}
