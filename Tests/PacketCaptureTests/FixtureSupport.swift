import Foundation
import PacketCapture

/// Locates `Fixtures/` from this file's path (repository root three levels up).
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// Expectation file names under `Fixtures/capture-expectations`, sorted.
    static let expectationNames: [String] = {
        let directory = root.appendingPathComponent("capture-expectations")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted()
    }()

    static func expectation(named name: String) throws -> CaptureExpectation {
        let url = root.appendingPathComponent("capture-expectations").appendingPathComponent(name)
        return try JSONDecoder().decode(CaptureExpectation.self, from: Data(contentsOf: url))
    }

    static func capture(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent("captures").appendingPathComponent(relativePath)))
    }

    /// A few captures of different shapes for the robustness tests.
    static let robustnessSamples = [
        "strongswan/nat-t-encap/capture.pcap",
        "public/ndpi/ah.pcapng",
        "public/tcpdump/isakmp-no-none-np.pcapng",
        "public/zeek-spicy-ipsec/traces/ipsec_client.pcap",
        "public/suricata-verify/eve-flow-esp/input.pcap",
        "public/openswan-libpluto-v1rwnat/v1rwnatM1.pcap",
        "public/tcpdump/OSPFv3_with_AH.pcap",
    ]
}

/// What tshark 4.0.17 reported for one capture (written by `Scripts/make-capture-expectations.sh`).
struct CaptureExpectation: Decodable {
    struct Frame: Decodable {
        var frame: Int
        var src: String?
        var dst: String?
        var proto: Int?
        var mf: Bool?
        /// In 8-octet units, as the header field.
        var frag_offset: Int?
        var ip_id: Int?
        var sport: Int?
        var dport: Int?
    }

    var capture: String
    var frame_count: Int
    var frames: [Frame]
}

/// Reads every record of a capture; throws only when the file header is unreadable.
func readAllFrames(_ bytes: [UInt8]) throws -> [Result<CapturedFrame, CaptureError>] {
    var reader = try CaptureReader(bytes: bytes)
    return reader.readAll()
}

/// A small deterministic generator (SplitMix64) so random tests reproduce.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
