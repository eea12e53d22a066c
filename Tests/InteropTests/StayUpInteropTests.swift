import Foundation
import Testing

/// Tunnels that stay up (issue 15, Interop/stayup.sh and Interop/soak.sh): ISAKMP SA replacement
/// in both roles against charon, with a capture that shows every new Main Mode completing on its
/// first try and our IKE on port 4500 behind the non-ESP marker. Part of `CharonInteropTests`:
/// the scenarios share the namespaces and the lock.
extension CharonInteropTests {
    static let stayUpScenarios = ["reauth", "volume-rekey", "peer-restart", "trap", "trap-ours"]

    @Test(.enabled(if: InteropEnvironment.installed("tcpdump"), "the capture checks need tcpdump"),
          arguments: stayUpScenarios, ["initiator", "responder"])
    func stayUp(_ name: String, role: String) throws {
        let (status, text) = try Self.runScript("Interop/stayup.sh", name, role, Self.binary)
        #expect(status == 0, "\(text.suffix(3000))")
        #expect(text.contains("PASS \(name) \(role)"), "\(text.suffix(3000))")
    }
}
