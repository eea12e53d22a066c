import Foundation
import Testing

/// Two of our nodes against each other (Interop/ours.sh), and our node behind a real NAT
/// (Interop/nat.sh) against our responder and against charon. A capture on the veth decides
/// how ESP travelled: IP protocol 50 without NAT, UDP 4500 with `--encap` or behind the NAT.
/// charon's kernel-libipsec always floats to 4500 and installs no transport-mode SA, so raw ESP
/// and transport-mode traffic are checked between our own nodes only. Part of
/// `CharonInteropTests`: the scenarios share the namespaces and the lock.
extension CharonInteropTests {
    static let oursScenarios = [
        "raw-tunnel", "raw-transport", "raw-tunnel-v6", "encap-tunnel", "encap-transport",
        "raw-wireshark", "transport-wireshark", "raw-ah", "raw-ah-transport", "raw-gre", "raw-pmtu",
    ]
    /// Scenario and our node's role; the side behind the NAT initiates (MASQUERADE lets nobody reach a
    /// responder there): our node in every scenario's initiator role, charon in nat-charon's responder role.
    static let natScenarios = [("nat-ours", "initiator"), ("nat-charon", "initiator"), ("nat-transport", "initiator"),
                               ("nat-charon", "responder")]

    @Test(.enabled(if: InteropEnvironment.installed("tcpdump"), "the wire checks need tcpdump"),
          arguments: oursScenarios, ["initiator", "responder"])
    func oursToOurs(_ name: String, role: String) async throws {
        let (status, text) = try await Self.runScript("Interop/ours.sh", name, role, Self.binary)
        #expect(status == 0, "\(text.suffix(3000))")
        #expect(text.contains("PASS \(name) \(role)"), "\(text.suffix(3000))")
    }

    @Test(.enabled(if: ["tcpdump", "iptables", "conntrack"].allSatisfy(InteropEnvironment.installed),
                   "the NAT scenarios need tcpdump, iptables (nat table) and conntrack"),
          arguments: natScenarios)
    func behindNAT(_ name: String, role: String) async throws {
        let (status, text) = try await Self.runScript("Interop/nat.sh", name, role, Self.binary)
        #expect(status == 0, "\(text.suffix(3000))")
        #expect(text.contains("PASS \(name) \(role)"), "\(text.suffix(3000))")
    }
}

extension InteropEnvironment {
    /// Whether `tool` is an executable in /usr/sbin, /usr/bin, /sbin or /bin.
    static func installed(_ tool: String) -> Bool {
        ["/usr/sbin", "/usr/bin", "/sbin", "/bin"].contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
    }
}
