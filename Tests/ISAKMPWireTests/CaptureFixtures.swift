import Foundation
import ISAKMPWire
import PacketCapture
import TestSupport

/// One UDP datagram of a fixture capture that tshark dissected as ISAKMP, with tshark's reading.
struct TsharkISAKMPFrame: @unchecked Sendable {
    let capture: String
    let frame: Int
    let expected: [String: Any]
    /// The ISAKMP bytes (after the non-ESP marker on port 4500).
    let isakmp: ArraySlice<UInt8>
}

/// Loads the captures under Fixtures/captures together with tshark 4.0's reduced
/// dissection of each (Fixtures/tshark, made by Scripts/tshark-expectations.sh).
enum CaptureFixtures {
    /// Every tshark expectation file, relative to Fixtures/tshark.
    static func expectationFiles() throws -> [String] {
        try Fixtures.files(under: "tshark", endingIn: ".json")
    }

    static func expectation(_ file: String) throws -> [String: Any] {
        try Fixtures.json("tshark/" + file)
    }

    /// Decoded packets of a capture by frame number.
    static func packets(_ capture: String) throws -> [Int: DecodedPacket] {
        let bytes = try Fixtures.bytes("captures/" + capture)
        var reader = try CaptureReader(bytes: bytes)
        var out: [Int: DecodedPacket] = [:]
        for case .success(let frame) in reader.readAll() {
            out[frame.index] = PacketDecoder.decode(frame)
        }
        return out
    }

    /// Every ISAKMP frame tshark saw, with the bytes our capture reader extracted for it.
    static func isakmpFrames() throws -> [TsharkISAKMPFrame] {
        var frames: [TsharkISAKMPFrame] = []
        for file in try expectationFiles() {
            let exp = try expectation(file)
            let capture = exp["capture"] as! String
            let packets = try packets(capture)
            for entry in exp["isakmp"] as! [[String: Any]] {
                let n = entry["frame"] as! Int
                guard case .udp(_, _, let payload)? = packets[n]?.transport else { continue }
                let marker = entry["non_esp_marker"] as? Bool ?? false
                frames.append(TsharkISAKMPFrame(capture: capture, frame: n, expected: entry,
                                                isakmp: marker ? payload.dropFirst(4) : payload))
            }
        }
        return frames
    }

    /// Every UDP 500/4500 payload and ESP/AH payload of every capture: input for robustness tests.
    static func allDatagrams() throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        for file in try expectationFiles() {
            let capture = try expectation(file)["capture"] as! String
            for (_, p) in try packets(capture).sorted(by: { $0.key < $1.key }) {
                switch p.transport {
                case .udp(let s, let d, let payload) where [500, 4500].contains(s) || [500, 4500].contains(d):
                    out.append(Array(payload))
                default: break
                }
            }
        }
        return out
    }
}
