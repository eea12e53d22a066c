import Foundation
import Testing

/// A gateway, not a tunnel (issue 19, Interop/hub.sh): one `ikev1 run` hub, two charon spokes with
/// their own PSKs, identities and subnets and one of our nodes, all from one config file; `ikev1
/// ctl` status, terminate, initiate, reload without loss, a broken reload refused, an unknown
/// spoke told NO-PROPOSAL-CHOSEN, the control socket root's alone. About 15 s. Part of
/// `CharonInteropTests`: the scenarios share the lock.
extension CharonInteropTests {
    @Test func hubWithThreeSpokes() async throws {
        let (status, text) = try await Self.runScript("Interop/hub.sh", "spokes", "responder", Self.binary)
        #expect(status == 0, "\(text.suffix(3000))")
        #expect(text.contains("PASS hub: three spokes (2 charons, 1 ours) from one file"), "\(text.suffix(3000))")
    }
}
