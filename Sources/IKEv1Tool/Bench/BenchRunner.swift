import CAllocationCount
import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import IPsecBenchSupport
import Foundation

/// Runs ours and the baseline alternately in short rounds on each thread and
/// reports medians: interference from other load hits both sides alike.
enum BenchRunner {
    /// Target length of one timed round.
    static let roundNanoseconds: UInt64 = 5_000_000

    static func measure(algorithm: String, size: Int, direction: ESPBenchWorkload.Direction,
                        threads: Int, seconds: Double) throws -> BenchResult {
        let collector = Collector(threads: threads)
        let start = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        for index in 0..<threads {
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                do {
                    let workload = try ESPBenchWorkload(algorithm: algorithm, size: size)
                    start.wait()
                    collector.set(index, try run(workload, direction, seconds: seconds))
                } catch {
                    collector.fail(error)
                    start.wait()
                }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        for _ in 0..<threads { start.signal() }
        done.wait()
        if let error = collector.error { throw error }
        let perThread = collector.rates
        return BenchResult(algorithm: algorithm, size: size, direction: direction.rawValue, threads: threads,
                           packetsPerSecond: perThread.map(\.ours).reduce(0, +),
                           baselinePacketsPerSecond: perThread.map(\.baseline).reduce(0, +),
                           ratio: median(perThread.map(\.ratio)),
                           packetsPerCPUSecond: perThread.map(\.oursPerCPUSecond).reduce(0, +),
                           mallocsPerPacket: perThread.contains { $0.mallocsPerPacket == nil } ? nil
                               : perThread.compactMap(\.mallocsPerPacket).max())
    }

    /// Median packets/s of ours and of the baseline on one thread, and the
    /// median of the per-round ratios (each round pairs the two back to back,
    /// so a burst of load from elsewhere cancels out of the ratio).
    /// `oursPerCPUSecond` divides by the thread's CPU time instead of wall time:
    /// it stays flat from one to N threads when SAs share nothing, even when
    /// other processes take cores away.
    /// `mallocsPerPacket`: heap allocations our seal/open made per packet on the thread (nil where
    /// they are not counted).
    typealias ThreadRates = (ours: Double, baseline: Double, ratio: Double, oursPerCPUSecond: Double, mallocsPerPacket: Double?)

    static func run(_ w: ESPBenchWorkload, _ direction: ESPBenchWorkload.Direction,
                    seconds: Double) throws -> ThreadRates {
        // Calibrate a round to ~5 ms on our side (warms caches and both contexts too).
        var batch = 16
        while true {
            let t = try time { try w.runOurs(direction, count: batch) }
            w.runBaseline(direction, count: batch)
            if t >= roundNanoseconds / 2 || batch >= 1 << 22 { batch = max(1, Int(Double(batch) * Double(roundNanoseconds) / Double(max(t, 1)))); break }
            batch *= 4
        }
        var ours: [Double] = [], baseline: [Double] = [], ratios: [Double] = []
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
        var round = 0
        var cpuNanoseconds: UInt64 = 0
        var allocations: Int64 = 0
        repeat {
            // Alternate which side goes first, so neither always inherits the other's cache state.
            let a: UInt64, b: UInt64
            let c0 = threadCPUNanoseconds()
            if round % 2 == 0 {
                let m0 = swift_ikev1_thread_allocations()
                a = try time { try w.runOurs(direction, count: batch) }
                allocations += swift_ikev1_thread_allocations() - m0
                cpuNanoseconds += threadCPUNanoseconds() - c0
                b = time { w.runBaseline(direction, count: batch) }
            } else {
                b = time { w.runBaseline(direction, count: batch) }
                let c1 = threadCPUNanoseconds()
                let m1 = swift_ikev1_thread_allocations()
                a = try time { try w.runOurs(direction, count: batch) }
                allocations += swift_ikev1_thread_allocations() - m1
                cpuNanoseconds += threadCPUNanoseconds() - c1
            }
            round += 1
            ours.append(Double(batch) * 1e9 / Double(a))
            baseline.append(Double(batch) * 1e9 / Double(b))
            ratios.append(Double(b) / Double(a))
        } while DispatchTime.now().uptimeNanoseconds < deadline || ours.count < 3
        let counted = swift_ikev1_thread_allocations() >= 0
        return (median(ours), median(baseline), median(ratios),
                Double(batch * ours.count) * 1e9 / Double(max(cpuNanoseconds, 1)),
                counted ? Double(allocations) / Double(batch * ours.count) : nil)
    }

    /// CPU time of the calling thread.
    static func threadCPUNanoseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    static func time(_ body: () throws -> Void) rethrows -> UInt64 {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        return max(1, DispatchTime.now().uptimeNanoseconds - t0)
    }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// CPU model, core count and OS, for the JSON `machine` field.
    static var machineDescription: String {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last!.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        let info = ProcessInfo.processInfo
        return "\(model), \(info.activeProcessorCount) cores, \(info.operatingSystemVersionString)"
    }

    /// Per-thread results, written once per thread under a lock.
    final class Collector: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [ThreadRates]
        private(set) var error: (any Error)?

        init(threads: Int) { values = Array(repeating: (0, 0, 0, 0, nil), count: threads) }

        func set(_ index: Int, _ value: ThreadRates) {
            lock.lock(); defer { lock.unlock() }
            values[index] = value
        }

        func fail(_ e: any Error) {
            lock.lock(); defer { lock.unlock() }
            error = e
        }

        var rates: [ThreadRates] {
            lock.lock(); defer { lock.unlock() }
            return values
        }
    }
}
