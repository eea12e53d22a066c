import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Our node against strongSwan's charon 5.9 (kernel-libipsec) in network namespaces,
/// every scenario in both roles (Interop/run.sh does the work; Interop/README.md says how).
/// Runs only with IKEV1_INTEROP=1, as root, with charon and swanctl installed: `.ci/run` does that.
@Suite(.serialized, .enabled(if: InteropEnvironment.enabled, InteropEnvironment.skipReason))
struct CharonInteropTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let scenarios = [
        "main-psk", "aggressive-fqdn", "legacy-3des", "ecp384-gcm", "modp2048-ecp256", "transport",
        "proposals-order", "rekey", "dpd", "peer-delete", "restart-charon", "wrong-psk", "wireshark",
    ]

    @Test(arguments: scenarios, ["initiator", "responder"])
    func scenario(_ name: String, role: String) throws {
        let (status, text) = try Self.runScript("Interop/run.sh", name, role)
        #expect(status == 0, "\(text.suffix(3000))")
        #expect(text.contains("PASS \(name) \(role)"), "\(text.suffix(3000))")
    }

    /// Runs one harness script for a scenario and role against the debug build, killed after 5 minutes
    /// if it hangs (each takes well under one); its exit status and output.
    static func runScript(_ script: String, _ name: String, _ role: String) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = ["-k", "10", "300", "/bin/bash", root.appendingPathComponent(script).path, name, role,
                       root.appendingPathComponent(".build/debug/ikev1").path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        // Tests run on libdispatch worker threads, which block every signal, and a child inherits
        // the mask: dumpcap and netem.py would never see the SIGTERM that stops them. Unblock the
        // stop signals for the spawn only (SIGCHLD stays blocked: Foundation's watcher needs it).
        var stops = sigset_t(), saved = sigset_t()
        sigemptyset(&stops)
        for sig in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&stops, sig) }
        pthread_sigmask(SIG_UNBLOCK, &stops, &saved)
        do {
            defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
            try p.run()
        }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }
}

/// Whether this machine can run the charon interop suite, and why not.
enum InteropEnvironment {
    static var enabled: Bool { missing.isEmpty }

    static var missing: [String] {
        var m: [String] = []
        if ProcessInfo.processInfo.environment["IKEV1_INTEROP"] != "1" { m.append("IKEV1_INTEROP=1 is not set") }
        if getuid() != 0 { m.append("not root") }
        if !FileManager.default.isExecutableFile(atPath: "/usr/lib/ipsec/charon") { m.append("strongswan-charon is not installed") }
        if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/swanctl") { m.append("strongswan-swanctl is not installed") }
        return m
    }

    /// iptables for the fault injection (Interop/faults.sh).
    static var hasIptables: Bool {
        ["/usr/sbin/iptables", "/sbin/iptables"].contains { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var skipReason: Comment { Comment(rawValue: "interop with charon skipped: " + missing.joined(separator: ", ")) }
}
