import ArgumentParser
import CAllocationCount
import Dispatch
import Foundation
import IPsecBenchSupport

/// `ikev1 bench handshake [--suite S|all] [--seconds N | --count N] [--repetitions R] [--pairs N] [--json]`.
struct HandshakeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handshake",
        abstract: "Complete Main Mode + Quick Mode (PFS) handshakes per second, beside the raw-libcrypto bound of their DH and signature work.",
        discussion: """
            Both engines run in this process on a virtual clock (no sockets); side A initiates, side B \
            responds. Each repetition alternates short slices of our handshakes with slices of the bound: \
            the same Diffie-Hellman (and signature) operations done with direct libcrypto EVP calls. \
            ratio = ours / bound: 1 would mean everything else (encoding, hashing, state) costs nothing. \
            Figures are medians over the repetitions, with min-max. mallocs/handshake: heap allocations of \
            both sides and the loop per handshake, libcrypto's included, counted outside the timing. \
            Memory: heap bytes one side holds per established ISAKMP SA + IPsec SA pair, with --pairs \
            handshakes kept.

            Examples:
              ikev1 bench handshake
              ikev1 bench handshake --suite psk-ecp256 --seconds 10 --pairs 10000
              ikev1 bench handshake --count 200 --json
            """)

    /// A suite name, or every suite.
    enum SuiteChoice: String, ExpressibleByArgument, CaseIterable {
        case pskMODP2048 = "psk-modp2048", pskECP256 = "psk-ecp256", rsa2048, all

        var suites: [HandshakeBenchWorkload.Suite] {
            self == .all ? HandshakeBenchWorkload.Suite.allCases : [HandshakeBenchWorkload.Suite(rawValue: rawValue)!]
        }
    }

    @Option(help: "Suite: psk-modp2048, psk-ecp256, rsa2048 or all.")
    var suite: SuiteChoice = .all

    @Option(help: "Seconds per suite, ours and the bound sharing them (default 5; not with --count).")
    var seconds: Double?

    @Option(help: "Handshakes per repetition, ours and as many of the bound (instead of --seconds).")
    var count: Int?

    @Option(help: "Repetitions per suite; medians and min-max are over them.")
    var repetitions = 5

    @Option(help: "Handshakes kept to measure memory per SA pair (0: skip).")
    var pairs = 1000

    @Flag(help: "One JSON object instead of text.")
    var json = false

    func validate() throws {
        if seconds != nil && count != nil { throw ValidationError("give --seconds or --count, not both") }
        if let seconds, !(seconds > 0) { throw ValidationError("--seconds must be positive") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
        guard pairs >= 0 else { throw ValidationError("--pairs must be 0 or more") }
    }

    func run() throws {
        let limit: HandshakeRunner.Limit = count.map { .count($0) } ?? .seconds(seconds ?? 5)
        let now = Int64(Date().timeIntervalSince1970)
        var results: [HandshakeResult] = []
        for s in suite.suites {
            let result = try HandshakeRunner.measure(s, limit: limit, repetitions: repetitions, pairs: pairs, unixTime: now)
            if !json { print(result.textLine) }
            results.append(result)
        }
        if json {
            print(JSON.object([
                ("machine", .string(BenchRunner.machineDescription)),
                ("date", .string(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(now))))),
                ("repetitions", .int(repetitions)),
                ("results", .array(results.map(\.json))),
            ]).serialized())
        }
    }
}

/// A median with the range it was taken over.
struct Spread {
    let median: Double, min: Double, max: Double

    init(_ values: [Double]) {
        median = BenchRunner.median(values)
        min = values.min() ?? 0
        max = values.max() ?? 0
    }

    func json(digits: Int) -> JSON {
        func r(_ v: Double) -> JSON {
            let scale = pow(10, Double(digits))
            return .double((v * scale).rounded() / scale)
        }
        return .object([("median", r(median)), ("min", r(min)), ("max", r(max))])
    }
}

/// One suite's figures.
struct HandshakeResult {
    let suite: HandshakeBenchWorkload.Suite
    /// Our handshakes per second per repetition.
    let handshakesPerSecond: Spread
    /// The bound's handshakes per second per repetition.
    let boundPerSecond: Spread
    /// Ours / bound per repetition.
    let ratio: Spread
    let boundOperations: String
    /// Our handshakes timed, over all repetitions.
    let handshakes: Int
    let bytesPerSAPair: Double?
    let pairs: Int
    /// Heap allocations per handshake, both sides and the bench's own loop (nil where not counted).
    let mallocsPerHandshake: Double?

    var microsecondsPerHandshake: Double { 1e6 / handshakesPerSecond.median }

    var json: JSON {
        .object([
            ("suite", .string(suite.rawValue)), ("ike", .string(suite.ike)), ("esp", .string(suite.esp)),
            ("handshakes", .int(handshakes)),
            ("handshakes_per_second", handshakesPerSecond.json(digits: 1)),
            ("microseconds_per_handshake", .double(microsecondsPerHandshake.rounded())),
            ("bound_handshakes_per_second", boundPerSecond.json(digits: 1)),
            ("bound_operations", .string(boundOperations)),
            ("ratio", ratio.json(digits: 3)),
            ("pairs", .int(pairs)),
            ("bytes_per_sa_pair", bytesPerSAPair.map { .int(Int($0.rounded())) } ?? .null),
            ("mallocs_per_handshake", mallocsPerHandshake.map { .int(Int($0.rounded())) } ?? .null),
        ])
    }

    var textLine: String {
        func f(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }
        let memory = bytesPerSAPair.map { "  memory \(f($0 / 1024, 1)) KiB per SA pair (\(pairs) kept)" } ?? ""
        let mallocs = mallocsPerHandshake.map { "  \(f($0, 0)) mallocs/handshake" } ?? ""
        return "\(suite.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0))"
            + "\(f(handshakesPerSecond.median, 1).leftPad(8)) handshakes/s (\(f(handshakesPerSecond.min, 1))-\(f(handshakesPerSecond.max, 1)))"
            + "  \(f(microsecondsPerHandshake, 0)) µs/handshake"
            + "  bound \(f(boundPerSecond.median, 1))/s (\(boundOperations))"
            + "  ratio \(f(ratio.median, 3)) (\(f(ratio.min, 3))-\(f(ratio.max, 3)))" + mallocs + memory
    }
}

/// Alternates slices of our handshakes with slices of the bound on one thread, so that load
/// from elsewhere hits both alike, and takes medians over repetitions.
enum HandshakeRunner {
    /// How long each suite runs.
    enum Limit {
        /// Seconds per suite, shared by ours and the bound.
        case seconds(Double)
        /// Our handshakes per repetition (and as many of the bound).
        case count(Int)
    }

    /// Target length of one slice of ours.
    static let sliceNanoseconds: UInt64 = 40_000_000

    static func measure(_ suite: HandshakeBenchWorkload.Suite, limit: Limit, repetitions: Int, pairs: Int,
                        unixTime: Int64) throws -> HandshakeResult {
        let w = try HandshakeBenchWorkload(suite: suite, unixTime: unixTime)
        // Slice size from one timed handshake of each (the workload has done one of each already).
        let one = try BenchRunner.time { try w.runOurs(count: 1) }
        _ = BenchRunner.time { w.runBaseline(count: 1) }
        var slice = max(1, Int(sliceNanoseconds / one))
        if case .count(let n) = limit { slice = min(slice, n) }
        var ours: [Double] = [], bound: [Double] = [], ratios: [Double] = []
        var total = 0
        for _ in 0..<repetitions {
            var oursCount = 0, oursTime: UInt64 = 0, boundCount = 0, boundTime: UInt64 = 0
            let start = DispatchTime.now().uptimeNanoseconds
            var round = 0
            while true {
                let n: Int
                switch limit {
                case .count(let c): n = min(slice, c - oursCount)
                case .seconds: n = slice
                }
                if n <= 0 { break }
                // Alternate which goes first, so neither always inherits the other's cache state.
                if round % 2 == 0 {
                    oursTime += try BenchRunner.time { try w.runOurs(count: n) }
                    boundTime += BenchRunner.time { w.runBaseline(count: n) }
                } else {
                    boundTime += BenchRunner.time { w.runBaseline(count: n) }
                    oursTime += try BenchRunner.time { try w.runOurs(count: n) }
                }
                oursCount += n
                boundCount += n
                round += 1
                if case .seconds(let s) = limit,
                   DispatchTime.now().uptimeNanoseconds - start >= UInt64(s * 1e9) / UInt64(repetitions) { break }
            }
            total += oursCount
            let o = Double(oursCount) * 1e9 / Double(oursTime), b = Double(boundCount) * 1e9 / Double(boundTime)
            ours.append(o)
            bound.append(b)
            ratios.append(o / b)
        }
        // Allocations of a few handshakes, untimed (glibc's malloc entry points, counted per thread).
        let m0 = swift_ikev1_thread_allocations()
        try w.runOurs(count: 10)
        let m1 = swift_ikev1_thread_allocations()
        let mallocs = m0 < 0 ? nil : Double(m1 - m0) / 10
        let memory = pairs > 0 ? try w.bytesPerSAPair(pairs: pairs) : nil
        return HandshakeResult(suite: suite, handshakesPerSecond: Spread(ours), boundPerSecond: Spread(bound), ratio: Spread(ratios),
                               boundOperations: w.baselineOperations, handshakes: total, bytesPerSAPair: memory, pairs: pairs,
                               mallocsPerHandshake: mallocs)
    }
}
