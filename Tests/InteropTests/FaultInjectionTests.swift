import Foundation
import Testing

/// Fault injection between our node and charon (Interop/faults.sh): 30 % loss, 30 % duplication,
/// reordering and 200 ms ± 50 ms delay on both directions, charon killed mid Main Mode, our node
/// SIGKILLed during a transfer, every Quick Mode HASH(3) lost. Each ends with both sides holding the same SAs (or none), traffic
/// through them, and SIGTERM leaving charon with no SA. Part of `CharonInteropTests`, so it never
/// runs at the same time as the other scenarios (they share the namespaces).
extension CharonInteropTests {
    static let faults = ["loss30", "dup", "reorder", "delay", "restart-mid", "kill-node", "qm3-lost"]

    @Test(.enabled(if: InteropEnvironment.hasIptables, "fault injection needs iptables (statistic, TEE, NFQUEUE)"),
          arguments: faults, ["initiator", "responder"])
    func fault(_ name: String, role: String) async throws {
        let (status, text) = try await Self.runScript("Interop/faults.sh", name, role, Self.binary)
        #expect(status == 0, "\(text.suffix(3000))")
        #expect(text.contains("PASS \(name) \(role)"), "\(text.suffix(3000))")
    }
}
