import Foundation
import Testing

/// IKE fragmentation against charon with `fragmentation = force` (issue 15, Interop/fragmentation.sh):
/// RSA-4096 certificates in a chain of three on a path that drops IP fragments; our node with
/// fragmentation on brings the tunnel up (tshark sees ISAKMP fragments both ways and no IP
/// fragment), with it off nothing comes up. About 25 s per role. Part of `CharonInteropTests`:
/// the scenarios share the namespaces and the lock.
extension CharonInteropTests {
    @Test(.enabled(if: InteropEnvironment.installed("tcpdump") && InteropEnvironment.installed("tshark"),
                   "the fragmentation checks need tcpdump and tshark"),
          arguments: ["initiator", "responder"])
    func fragmentation(role: String) async throws {
        let (status, text) = try await Self.runScript("Interop/fragmentation.sh", "force", role, Self.binary)
        #expect(status == 0, "\(text.suffix(3000))")
        #expect(text.contains("PASS fragmentation force \(role) (on: up"), "\(text.suffix(3000))")
        #expect(text.contains("; off: no SA"), "\(text.suffix(3000))")
    }
}
