import Foundation
import Testing

/// Remote access (issue 16) against real peers (Interop/remote-access.sh, the lab of
/// Interop/remote-access/): our client against charon's XAUTH gateway (Aggressive Mode with the
/// group as ID_KEY_ID and Main Mode, Mode Config pull and push, a wrong password), and our
/// gateway against vpnc (raw ESP and UDP 4500, a wrong password) and charon as XAUTH client,
/// and 20 charon clients on a pool of 20. Part of `CharonInteropTests`: same lock, same switch.
extension CharonInteropTests {
    static let remoteAccessScenarios = [
        ("am-pull", "initiator"), ("am-push", "initiator"), ("mm-pull", "initiator"), ("mm-push", "initiator"),
        ("wrong-password", "initiator"),
        ("vpnc-natt", "responder"), ("vpnc-force-natt", "responder"), ("vpnc-wrong-password", "responder"),
        ("charon-am", "responder"), ("charon-mm", "responder"), ("charon-am-push", "responder"), ("charon-mm-push", "responder"),
        ("pool", "responder"),
    ]

    @Test(.enabled(if: RemoteAccessLab.missing.isEmpty, Comment(rawValue: "remote access needs " + RemoteAccessLab.missing.joined(separator: ", "))),
          arguments: remoteAccessScenarios)
    func remoteAccess(_ name: String, role: String) async throws {
        let (status, text) = try await Self.runScript("Interop/remote-access.sh", name, role, Self.binary)
        #expect(status == 0, "\(text.suffix(3000))")
        #expect(text.contains("PASS \(name) \(role)"), "\(text.suffix(3000))")
    }
}

/// What the remote-access lab needs beyond charon: vpnc, the xauth-generic and unity plugins,
/// dumpcap and tshark for the wire checks.
enum RemoteAccessLab {
    static var missing: [String] {
        var m: [String] = []
        if !InteropEnvironment.installed("vpnc") { m.append("vpnc") }
        if !InteropEnvironment.installed("dumpcap") || !InteropEnvironment.installed("tshark") { m.append("tshark (dumpcap)") }
        for plugin in ["xauth-generic", "unity"]
        where !FileManager.default.fileExists(atPath: "/usr/lib/ipsec/plugins/libstrongswan-\(plugin).so") {
            m.append("the \(plugin) plugin (libcharon-extauth-plugins, libcharon-extra-plugins)")
        }
        return m
    }
}
