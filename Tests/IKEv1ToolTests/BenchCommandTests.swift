import ArgumentParser
import CAllocationCount
import IPsecBenchSupport
import Foundation
import Testing
import TestSupport
@testable import IKEv1Tool

/// `ikev1 bench esp` and `ikev1 bench handshake`: argument checks and the output's shape (no timing asserted).
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
        #if os(Linux)
        #expect(object["mallocs_per_packet"] as? Double == 0, "sealing allocates nothing")
        #endif
    }

    /// The interposed allocator counts each thread's own allocations (what mallocs_per_packet reads).
    @Test(.enabled(if: swift_ikev1_thread_allocations() >= 0, "allocations are counted with glibc only"))
    func allocationsAreCountedPerThread() async {
        let before = swift_ikev1_thread_allocations()
        let arrays = (0..<100).map { [UInt8](repeating: UInt8($0), count: 64 + $0) }
        #expect(swift_ikev1_thread_allocations() - before >= 100, "\(arrays.count) arrays")
        // Another thread's allocations are not this one's.
        let mark = swift_ikev1_thread_allocations()
        let other = Thread { _ = (0..<50).map { [UInt8](repeating: 1, count: 100 + $0) } }
        other.start()
        while !other.isFinished { usleep(1000) }
        #expect(swift_ikev1_thread_allocations() - mark < 50)
    }

    @Test("unknown algorithms and bad counts are refused")
    func validation() {
        #expect(throws: (any Error).self) { try ESPBench.parse(["--algorithm", "rot13"]) }
        #expect(throws: (any Error).self) { try ESPBench.parse(["--threads", "0"]) }
        #expect((try? ESPBench.parse(["--algorithm", "3des-sha1", "--size", "1400", "--format", "json"])) != nil)
    }

    @Test("bench handshake completes handshakes in every suite and reports every figure", arguments: try nonEmpty(HandshakeBenchWorkload.Suite.allCases))
    func handshakeShape(suite: HandshakeBenchWorkload.Suite) throws {
        let r = try HandshakeRunner.measure(suite, limit: .count(2), repetitions: 2, pairs: 3,
                                            unixTime: Int64(Date().timeIntervalSince1970))
        #expect(r.handshakes == 4)
        let text = r.json.serialized()
        let keys = ["suite", "ike", "esp", "handshakes", "handshakes_per_second", "microseconds_per_handshake",
                    "bound_handshakes_per_second", "bound_operations", "ratio", "pairs", "bytes_per_sa_pair", "mallocs_per_handshake"]
        let positions = keys.map { text.range(of: "\"\($0)\":")?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["suite"] as? String == suite.rawValue && object["handshakes"] as? Int == 4)
        for key in ["handshakes_per_second", "bound_handshakes_per_second", "ratio"] {
            let spread = try #require(object[key] as? [String: Double], "\(key)")
            #expect(spread["min"]! > 0 && spread["min"]! <= spread["median"]! && spread["median"]! <= spread["max"]!)
        }
        // A handshake allocates (messages, states, keys); glibc's allocations are counted on Linux.
        #expect(try #require(object["mallocs_per_handshake"] as? Int) > 0)
        let operations = try #require(object["bound_operations"] as? String)
        #expect(operations.hasPrefix("4 "))
        #expect(operations.contains("sign") == (suite == .rsa2048))
        for word in [suite.rawValue, "handshakes/s", "µs/handshake", "bound", "ratio", "mallocs/handshake"] { #expect(r.textLine.contains(word)) }
    }

    @Test("bench handshake takes --seconds or --count, not both, and known suites only")
    func handshakeValidation() {
        #expect(throws: (any Error).self) { try HandshakeBench.parse(["--seconds", "1", "--count", "5"]) }
        #expect(throws: (any Error).self) { try HandshakeBench.parse(["--suite", "psk-curve448"]) }
        #expect(throws: (any Error).self) { try HandshakeBench.parse(["--count", "0"]) }
        #expect(throws: (any Error).self) { try HandshakeBench.parse(["--pairs", "-1"]) }
        #expect((try? HandshakeBench.parse(["--suite", "rsa2048", "--count", "10", "--json"])) != nil)
        #expect(HandshakeBench.SuiteChoice.all.suites == HandshakeBenchWorkload.Suite.allCases)
    }

    /// bench gateway establishes every pair and measures each figure (no timing is asserted).
    @Test func gatewayBenchEstablishesEveryPairAndMeasuresEachFigure() throws {
        let f = try GatewayBench.measure(connections: 30, repetitions: 1)
        #expect(f.established == 30 && f.connections == 30)
        #expect(f.load.median > 0 && f.handshakeSeconds > 0)
        #expect(f.firstMessage.many.median > 0 && f.firstMessage.one.median > 0)
        #expect(f.trafficReport.many.median > 0 && f.trafficReport.one.median > 0)
        #expect(throws: (any Error).self) { try GatewayBench.parse(["--connections", "1"]) }
    }

    /// The memory figures count the whole process's heap, so they are checked in a process of
    /// their own: the tests beside them in this one allocate and free at the same time.
    @Test(.enabled(if: HeapInUse.bytes != nil, "no mallinfo2 here"))
    func memoryFiguresInAProcessOfTheirOwn() async throws {
        let ikev1 = try Fixtures.product("ikev1")
        let handshake = try await ChildProcess.run(ikev1, ["bench", "handshake", "--suite", "psk-ecp256", "--count", "2",
                                                           "--repetitions", "1", "--pairs", "20", "--json"], output: .standardOutputOnly)
        #expect(handshake.status == 0, "\(handshake.text)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(handshake.output)) as? [String: Any], "\(handshake.text)")
        let result = try #require((object["results"] as? [[String: Any]])?.first, "\(handshake.text)")
        let bytes = try #require(result["bytes_per_sa_pair"] as? Double, "\(handshake.text)")
        #expect(bytes > 1000 && bytes < 100_000, "an established SA pair holds \(bytes) bytes")
        let gateway = try await ChildProcess.run(ikev1, ["bench", "gateway", "--connections", "30", "--repetitions", "1"])
        #expect(gateway.status == 0, "\(gateway.text)")
        let perPair = gateway.text.firstMatch(of: /holds (\d+) heap bytes per ISAKMP SA/).flatMap { Int($0.1) }
        #expect((perPair ?? 0) > 1000, "\(gateway.text)")
    }
}
