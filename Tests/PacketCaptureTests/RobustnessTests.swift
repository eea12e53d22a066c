import PacketCapture
import Testing
import TestSupport

/// Reading and decoding are total: prefixes and corrupted copies of real
/// captures (see `Fixtures/README.md`) yield values or typed errors,
/// never a trap or a hang.
@Suite struct RobustnessTests {
    /// A few captures of different shapes, below Fixtures/captures.
    static let samples = [
        "strongswan/nat-t-encap/capture.pcap",
        "public/ndpi/ah.pcapng",
        "public/tcpdump/isakmp-no-none-np.pcapng",
        "public/zeek-spicy-ipsec/traces/ipsec_client.pcap",
        "public/suricata-verify/eve-flow-esp/input.pcap",
        "public/openswan-libpluto-v1rwnat/v1rwnatM1.pcap",
        "public/tcpdump/OSPFv3_with_AH.pcap",
    ]

    /// Reads and decodes everything; records an issue when the work is not bounded by the input size.
    /// (Plain checks, not `#expect`, in these hot loops: the tests run many thousands of inputs.)
    static func exercise(_ bytes: [UInt8]) -> [Result<CapturedFrame, CaptureError>] {
        guard var reader = try? CaptureReader(bytes: bytes) else { return [] }
        let results = reader.readAll()
        if results.count > bytes.count / 12 + 1 { Issue.record("\(results.count) records from \(bytes.count) bytes") }
        var reassembler = FragmentReassembler(maximumDatagramSize: 4096, maximumPending: 4)
        for case .success(let frame) in results {
            let packet = PacketDecoder.decode(frame)
            _ = reassembler.add(packet)
            if let ip = packet.ip, ip.headerLength > frame.bytes.count { Issue.record("header beyond the frame") }
            _ = packet.sourceDescription
        }
        return results
    }

    @Test("every prefix reads the complete records, then at most one error", arguments: samples)
    func everyPrefix(capture: String) throws {
        let bytes = try Fixtures.capture(capture)
        let full = try readAllFrames(bytes).map { try $0.get() }
        for length in 0...bytes.count {
            // Only the record cut by the prefix differs from the full read: check and decode that one.
            guard var reader = try? CaptureReader(bytes: bytes[..<length]) else { continue }
            let results = reader.readAll()
            let frames = results.compactMap { try? $0.get() }
            let errors = results.count - frames.count
            let errorIsLast = errors == 0 || (try? results.last?.get()) == nil
            let lastMatches = frames.last.map { $0 == full[frames.count - 1] } ?? true
            if frames.count > full.count || !lastMatches || errors > 1 || !errorIsLast {
                Issue.record("\(capture) prefix \(length): \(frames.count) frames, \(errors) errors")
            }
            if let last = frames.last { _ = PacketDecoder.decode(last) }
        }
    }

    @Test("seeded random byte flips give values or typed errors", arguments: samples)
    func randomFlips(capture: String) throws {
        let original = try Fixtures.capture(capture)
        var generator = SeededGenerator(seed: UInt64(original.count))
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                // Bias toward headers: half the flips land in the first 64 bytes.
                let limit = Bool.random(using: &generator) ? min(64, bytes.count) : bytes.count
                bytes[Int.random(in: 0..<limit, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = Self.exercise(bytes)
        }
    }

    @Test("random frames of every link type decode without trapping")
    func randomFrames() {
        var generator = SeededGenerator(seed: 42)
        let linkTypes: [LinkType] = [.null, .ethernet, .rawIP12, .rawIP14, .raw, .loop, .linuxSLL, .ipv4, .ipv6, .linuxSLL2]
        for _ in 0..<5000 {
            let count = Int.random(in: 0...120, using: &generator)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Make the interesting paths likely: a plausible IP version nibble and protocol.
            if count > 24, Bool.random(using: &generator) {
                bytes[0] = Bool.random(using: &generator) ? 0x45 : 0x60
                bytes[6] = [0, 17, 43, 44, 50, 51, 60].randomElement(using: &generator)!
                bytes[9] = [17, 50, 51].randomElement(using: &generator)!
            }
            let linkType = linkTypes.randomElement(using: &generator)!
            _ = PacketDecoder.decode(bytes, linkType: linkType)
        }
    }

    @Test("random files behind a valid magic read without trapping", arguments: [
        Build.pcap(linkType: 1, records: []), Build.pcap(linkType: 1, bigEndian: true, records: []),
        Build.sectionHeader(), Build.sectionHeader(bigEndian: true),
    ])
    func randomBodies(header: [UInt8]) {
        var generator = SeededGenerator(seed: UInt64(header.count) &* 7 &+ UInt64(header[0]))
        for _ in 0..<2000 {
            let count = Int.random(in: 0...200, using: &generator)
            let body = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = Self.exercise(header + body)
        }
    }
}
