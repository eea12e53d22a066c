import Benchmark
import IPsecBenchSupport

// Each ESP seal/open is measured beside "raw EVP": the same cryptographic work
// done with direct libcrypto calls on the same buffers with reused contexts
// (IPsecBenchSupport.RawEVPBaseline). One iteration = one packet; throughput is
// packets per second, mallocCountTotal must stay 0 for the ESP side.

let algorithms = ["aes128gcm16", "aes256gcm16", "aes128-sha1", "aes256-sha256", "3des-sha1"]
let sizes = [64, 512, 1400, 8900]

let benchmarks: @Sendable () -> Void = {
    let timing: BenchmarkThresholds = .init(relative: [.p50: 35.0, .p75: 50.0])
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 1_000,
        scalingFactor: .one,
        maxDuration: .milliseconds(400),
        maxIterations: .kilo(200),
        thresholds: [
            .mallocCountTotal: .init(absolute: [.p0: 0, .p25: 0, .p50: 0, .p75: 0, .p90: 0, .p99: 0, .p100: 0]),
            .throughput: timing,
            .wallClock: timing,
        ]
    )

    for algorithm in algorithms {
        for size in sizes {
            for direction in ESPBenchWorkload.Direction.allCases {
                let name = "\(direction.rawValue)-\(algorithm)-\(size)"
                nonisolated(unsafe) var workload: ESPBenchWorkload?
                Benchmark("ESP-\(name)") { benchmark in
                    let w = workload!
                    for _ in benchmark.scaledIterations {
                        try w.runOurs(direction, count: 1)
                    }
                } setup: {
                    workload = try ESPBenchWorkload(algorithm: algorithm, size: size)
                } teardown: {
                    workload = nil
                }
                nonisolated(unsafe) var baseline: ESPBenchWorkload?
                Benchmark("rawEVP-\(name)",
                          configuration: .init(thresholds: [.throughput: timing, .wallClock: timing])) { benchmark in
                    let w = baseline!
                    for _ in benchmark.scaledIterations {
                        w.runBaseline(direction, count: 1)
                    }
                } setup: {
                    baseline = try ESPBenchWorkload(algorithm: algorithm, size: size)
                } teardown: {
                    baseline = nil
                }
            }
        }
    }
}
