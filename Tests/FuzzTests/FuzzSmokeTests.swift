import Foundation
import FuzzHarness
import Testing
import TestSupport

/// Every libFuzzer target for IKEV1_FUZZ_SECONDS seconds through Fuzz/run.sh (ASan build, seeds from
/// Fixtures/, corpus in .build-fuzz/): fails on a crash, leak, timeout or out-of-memory, whose input
/// run.sh copies to Fixtures/fuzz-regressions/TARGET/. `.ci/run` sets the variable.
@Suite(.serialized, .enabled(if: FuzzRunLength.seconds != nil,
                             "set IKEV1_FUZZ_SECONDS=N to run every fuzz target for N seconds (Fuzz/run.sh, needs clang's libFuzzer)"))
struct FuzzSmokeTests {
    @Test(arguments: try nonEmpty(FuzzTarget.allCases))
    func shortRun(_ target: FuzzTarget) async throws {
        // Under the interop suite's lock (Tests/InteropTests): its timing-dependent scenarios never
        // share the two cores with an ASan build or a fuzzer.
        let run = try await ChildProcess.run("/usr/bin/flock", [
            "-o", "/tmp/swift-ikev1-heavy-tests.lock", "/bin/bash", Fixtures.repository.appendingPathComponent("Fuzz/run.sh").path,
            target.rawValue, "--seconds", "\(FuzzRunLength.seconds ?? 0)",
        ])
        let text = run.text
        #expect(run.status == 0, "\(target.rawValue): \(text.suffix(4000))")
        let executions = text.split(separator: "\n").last { $0.hasPrefix("stat::number_of_executed_units:") }
        #expect(executions != nil, "\(target.rawValue) printed no final stats: \(text.suffix(2000))")
    }
}

/// IKEV1_FUZZ_SECONDS: how long each target runs; unset or not a positive number: not at all.
enum FuzzRunLength {
    static var seconds: Int? { ProcessInfo.processInfo.environment["IKEV1_FUZZ_SECONDS"].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil } }
}
