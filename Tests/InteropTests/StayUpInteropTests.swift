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
    func stayUp(_ name: String, role: String) async throws {
        let (status, text) = try await Self.runScript("Interop/stayup.sh", name, role, Self.binary)
        #expect(status == 0, "\(text.suffix(3000))")
        #expect(text.contains("PASS \(name) \(role)"), "\(text.suffix(3000))")
    }
}

extension CharonInteropTests {
    /// The soak's short form: 40 s each of our node renewing against charon, charon
    /// re-authenticating against our responder, and two of our nodes, with lifetimes of
    /// 30 s (ISAKMP) and 40 s (IPsec) and a ping every 0.2 s (about 2.5 minutes in all).
    @Test(.enabled(if: InteropEnvironment.installed("tcpdump"), "the soak needs the same tools as the scenarios"))
    func soakShortForm() async throws {
        let (status, text) = try await Self.runScript("Interop/soak.sh", "40", "charon-initiator", "charon-reauth", "ours-responder",
                                                "--", Self.binary)
        #expect(status == 0, "\(text.suffix(3000))")
        #expect(text.contains("PASS soak 40 s"), "\(text.suffix(3000))")
    }
}
