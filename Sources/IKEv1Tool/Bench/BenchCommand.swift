import ArgumentParser
import Dispatch
import IPsecBenchSupport
import Foundation

/// `ikev1 bench esp ...` and `ikev1 bench handshake ...`.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure ESP seal/open and complete handshakes beside the same cryptographic work done with raw libcrypto calls.",
        subcommands: [ESPBench.self, HandshakeBench.self, GatewayBench.self]
    )
}

/// The ESP benchmark: ours and the raw-EVP baseline measured alternately in the same run.
struct ESPBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "esp",
        abstract: "Packets/s and MB/s of ESP seal and open, with the ratio to raw libcrypto.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    static let defaultAlgorithms = ["aes128gcm16", "aes256gcm16", "aes128-sha1", "aes256-sha256", "3des-sha1"]
    static let defaultSizes = [64, 512, 1400, 8900]

    @Option(name: .long, help: "Algorithm, e.g. aes128gcm16, aes128-sha1, aes256-sha256, 3des-sha1 (repeatable; default: those).")
    var algorithm: [String] = []

    @Option(name: .long, help: "Payload size in bytes (repeatable; default 64, 512, 1400, 8900).")
    var size: [Int] = []

    @Option(name: .long, help: "Seconds per algorithm, size and direction (ours and baseline share it).")
    var seconds: Double = 1

    @Option(name: .long, help: "Threads, one SA pair per thread.")
    var threads: Int = 1

    @Option(help: "Output format.")
    var format: Format = .text

    mutating func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        for a in algorithm where ESPBenchWorkload.parse(a) == nil { throw ValidationError("unknown algorithm '\(a)'") }
        for s in size where s < 1 || s > 65_000 { throw ValidationError("--size must be 1…65000") }
    }

    mutating func run() throws {
        let algorithms = algorithm.isEmpty ? Self.defaultAlgorithms : algorithm
        let sizes = size.isEmpty ? Self.defaultSizes : size
        var results: [BenchResult] = []
        for a in algorithms {
            for s in sizes {
                for direction in ESPBenchWorkload.Direction.allCases {
                    let r = try BenchRunner.measure(algorithm: a, size: s, direction: direction,
                                                    threads: threads, seconds: seconds)
                    if format == .text { print(r.textLine) }
                    results.append(r)
                }
            }
        }
        if format == .json {
            print(JSON.object([
                ("machine", .string(BenchRunner.machineDescription)),
                ("results", .array(results.map(\.json))),
            ]).serialized())
        }
    }
}

/// One measured line of the benchmark.
struct BenchResult {
    let algorithm: String
    let size: Int
    let direction: String
    let threads: Int
    let packetsPerSecond: Double
    let baselinePacketsPerSecond: Double
    /// Median over rounds of ours / baseline, each round measuring both back to back.
    let ratio: Double
    /// Our packets per second of thread CPU time, summed over threads (text output only).
    let packetsPerCPUSecond: Double
    /// Heap allocations per packet sealed or opened, the most of any thread; nil where not counted.
    let mallocsPerPacket: Double?

    var megabytesPerSecond: Double { packetsPerSecond * Double(size) / 1_000_000 }

    var json: JSON {
        .object([
            ("algorithm", .string(algorithm)), ("size", .int(size)), ("direction", .string(direction)),
            ("threads", .int(threads)),
            ("packets_per_second", .int(Int(packetsPerSecond.rounded()))),
            ("megabytes_per_second", .double((megabytesPerSecond * 100).rounded() / 100)),
            ("baseline_packets_per_second", .int(Int(baselinePacketsPerSecond.rounded()))),
            ("ratio", .double((ratio * 1000).rounded() / 1000)),
            ("mallocs_per_packet", mallocsPerPacket.map { .double(($0 * 1000).rounded() / 1000) } ?? .null),
        ])
    }

    var textLine: String {
        func f(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }
        return "\(algorithm.padding(toLength: 14, withPad: " ", startingAt: 0)) \(String(size).leftPad(5)) \(direction.padding(toLength: 4, withPad: " ", startingAt: 0)) x\(threads)  "
            + "\(f(packetsPerSecond, 0).leftPad(10)) pkt/s \(f(megabytesPerSecond, 1).leftPad(8)) MB/s  "
            + "baseline \(f(baselinePacketsPerSecond, 0).leftPad(10)) pkt/s  ratio \(f(ratio, 3))  "
            + "\(f(packetsPerCPUSecond, 0).leftPad(10)) pkt/CPU-s"
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
