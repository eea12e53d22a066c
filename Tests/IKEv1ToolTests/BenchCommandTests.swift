import ArgumentParser
import IPsecBenchSupport
import Foundation
import Testing
@testable import IKEv1Tool

/// `ikev1 bench esp`: argument checks and the JSON shape DESIGN.md specifies (no timing asserted).
struct BenchCommandTests {
    @Test("a short run produces every DESIGN.md field, in order")
    func jsonShape() throws {
        let r = try BenchRunner.measure(algorithm: "aes128gcm16", size: 64, direction: .seal, threads: 2, seconds: 0.02)
        let text = r.json.serialized()
        let keys = ["algorithm", "size", "direction", "threads", "packets_per_second", "megabytes_per_second",
                    "baseline_packets_per_second", "ratio", "mallocs_per_packet"]
        let positions = keys.map { text.range(of: "\"\($0)\":")?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        #expect(object["algorithm"] as? String == "aes128gcm16" && object["threads"] as? Int == 2)
        #expect((object["packets_per_second"] as? Double ?? 0) > 0 && (object["ratio"] as? Double ?? 0) > 0)
    }

    @Test("unknown algorithms and bad counts are refused")
    func validation() {
        #expect(throws: (any Error).self) { try ESPBench.parse(["--algorithm", "rot13"]) }
        #expect(throws: (any Error).self) { try ESPBench.parse(["--threads", "0"]) }
        #expect((try? ESPBench.parse(["--algorithm", "3des-sha1", "--size", "1400", "--format", "json"])) != nil)
    }
}
