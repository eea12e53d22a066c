import Foundation
import PacketCapture
import TestSupport

extension Fixtures {
    /// Expectation file names under `Fixtures/capture-expectations`, sorted.
    static func expectationNames() throws -> [String] {
        try names(in: "capture-expectations") { $0.hasSuffix(".json") }
    }

    static func expectation(named name: String) throws -> CaptureExpectation {
        try JSONDecoder().decode(CaptureExpectation.self, from: Data(bytes("capture-expectations/" + name)))
    }

    static func capture(_ relativePath: String) throws -> [UInt8] {
        try bytes("captures/" + relativePath)
    }
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
