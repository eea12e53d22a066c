import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Our node against strongSwan's charon 5.9 (kernel-libipsec) in network namespaces,
/// every scenario in both roles (Interop/run.sh does the work; Interop/README.md says how).
/// Runs only with IKEV1_INTEROP=1, as root, with charon and swanctl installed: `.ci/run` does that.
@Suite(.serialized, .enabled(if: InteropEnvironment.enabled, InteropEnvironment.skipReason))
struct CharonInteropTests {
    static let root = Fixtures.repository
    /// The node the scripts drive: the debug build `swift test` made.
    static let binary = root.appendingPathComponent(".build/debug/ikev1").path
    /// The lock file that keeps interop scenarios and fuzz smoke runs from overlapping.
    static let heavyRunLock = "/tmp/swift-ikev1-heavy-tests.lock"

    static let scenarios = [
        "main-psk", "aggressive-fqdn", "legacy-3des", "ecp384-gcm", "modp2048-ecp256", "transport",
        "proposals-order", "rekey", "dpd", "peer-delete", "restart-charon", "wrong-psk", "wireshark", "gre",
        "cert-rsa", "cert-ecdsa", "cert-aggressive", "cert-wrong-ca", "cert-expired", "cert-id-mismatch",
    ]

    @Test(arguments: scenarios, ["initiator", "responder"])
    func scenario(_ name: String, role: String) async throws {
        let (status, text) = try await Self.runScript("Interop/run.sh", name, role, Self.binary)
        #expect(status == 0, "\(text.suffix(3000))")
        #expect(text.contains("PASS \(name) \(role)"), "\(text.suffix(3000))")
    }

    /// The cert-* scenarios' PKI, identities and failures between two charons, without our code:
    /// when a cert-* scenario fails and this passes, the fault is on our side.
    @Test func certificateSetupCharonToCharon() async throws {
        let (status, text) = try await Self.runScript("Interop/pki-check.sh")
        #expect(status == 0, "\(text.suffix(3000))")
        for c in ["mm-rsa", "mm-ecdsa", "am-rsa", "wrong-ca", "expired", "id-mismatch"] {
            #expect(text.contains("PASS \(c) "), "\(c): \(text.suffix(3000))")
        }
    }

    /// Runs one harness script for a scenario and role against the debug build, killed after 5 minutes
    /// if it hangs (each takes well under one); its exit status and output. TestSupport's
    /// ChildProcess starts it with an empty signal mask, so the dumpcap and netem.py it starts
    /// see the SIGTERM that stops them.
    static func runScript(_ script: String, _ arguments: String...) async throws -> (Int32, String) {
        // One heavy run at a time: the fuzz smoke runs (Tests/FuzzTests) take the same lock, so an
        // ASan build never starves a scenario whose checks depend on timing (rekey, DPD). `-o`: only
        // flock holds the lock, not a process the script leaves behind.
        let result = try await ChildProcess.run("/usr/bin/flock", ["-o", heavyRunLock, "/usr/bin/timeout", "-k", "10", "300",
                                                             "/bin/bash", root.appendingPathComponent(script).path] + arguments)
        return (result.status, result.text)
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
