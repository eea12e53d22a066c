import Foundation
import Testing
import TestSupport

/// Guards Fixtures/tshark against going stale: when tshark and python3 are
/// installed (CI installs them), regenerate every expectation from the captures
/// and require it to equal the committed file.
struct TsharkLiveTests {
    static func which(_ tool: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)")
        }
    }

    @Test(.enabled(if: which("tshark") && which("python3"), "tshark and python3 are not installed"))
    func committedExpectationsMatchALiveTsharkRun() throws {
        let script = Fixtures.root.deletingLastPathComponent().appendingPathComponent("Scripts/tshark-expectations.sh")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [script.path, "--check"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(text)")
    }
}
