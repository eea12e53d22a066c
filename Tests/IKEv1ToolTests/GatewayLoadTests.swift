import Foundation
import IKEv1
@testable import IKEv1Tool
import IPsecCrypto
import Testing
import TestSupport

/// `ikev1 run` reads a whole config file into one node (issue 19): what it accepts and every
/// refusal, with the file, line or connection named.
struct GatewayLoadTests {
    static func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ikev1-run-\(UUID().uuidString).conf").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static let hub = """
        [conn spoke-a]
        local = 192.0.2.1
        remote = 192.0.2.2
        local_id = @hub.example
        remote_id = @a.example
        local_ts = 198.51.100.0/24
        remote_ts = 10.2.0.0/24
        [conn spoke-b]
        remote = 192.0.2.3
        remote_id = @b.example
        local_id = @hub.example
        local_ts = 198.51.100.0/24
        remote_ts = 10.3.0.0/24
        start_action = start
        [conn anyone]
        remote = %any
        local_ts = 198.51.100.0/24
        remote_ts = 10.9.0.0/16
        psk = "for anyone"
        [secrets]
        @a.example = "psk a"
        @b.example = "psk b"
        """

    @Test func aHubFileLoadsEveryConnection() throws {
        let path = try Self.file(Self.hub)
        let loaded = try GatewaySession.load(path, listen: nil, tun: true)
        #expect(loaded.configs.map(\.name) == ["spoke-a", "spoke-b", "anyone"])
        #expect(loaded.local == SocketAddress("192.0.2.1", defaultPort: 500))
        #expect(loaded.configs.map { $0.remoteAddress?.description } == ["192.0.2.2:500", "192.0.2.3:500", nil])
        guard case .preSharedKey(let a) = loaded.configs[0].authentication, case .preSharedKey(let b) = loaded.configs[1].authentication else {
            Issue.record("PSKs expected")
            return
        }
        #expect(a == SecretBytes("psk a".utf8) && b == SecretBytes("psk b".utf8))
        #expect(loaded.routes == ["10.2.0.0/24", "10.3.0.0/24", "10.9.0.0/16"])
    }

    @Test(arguments: try nonEmpty([
        ("[conn a]\nremote = 192.0.2.2\npsk = x\n", nil, "give our IKE address with --listen or `local =` in the connections"),
        ("[conn a]\nlocal = 192.0.2.1\nremote = 192.0.2.2\npsk = x\n[conn b]\nlocal = 192.0.2.9\nremote = 192.0.2.3\npsk = y\n", nil,
         "connection b has local = 192.0.2.9, but the node's IKE address is 192.0.2.1:500: one node has one address"),
        ("[conn a]\nremote = 192.0.2.2\npsk = x\nstart_action = trap\n[conn b]\nremote = 192.0.2.3\npsk = y\nstart_action = trap\n", "192.0.2.1",
         "start_action = trap in a, b: `run` traps one connection"),
        ("[conn a]\nremote = 192.0.2.2\npsk = x\nmode = transport\n", "192.0.2.1", "connection a is transport mode"),
        ("[conn a]\nremote = 192.0.2.2\npsk = x\nproposals = 3des-md5-modp1024\n", "192.0.2.1", "allow it with `legacy`"),
        ("[conn a]\nremote = 192.0.2.2\npsk = x\nesp_lifetime = forever\n", "192.0.2.1", "line 4: esp_lifetime is a duration"),
        ("[conn a]\nremote = 192.0.2.2\npsk = x\n", "not-an-address", "--listen not-an-address is not an address"),
    ] as [(String, String?, String)]))
    func refusalsNameWhatIsWrong(text: String, listen: String?, message: String) throws {
        let path = try Self.file(text)
        let error = #expect(throws: GatewaySession.LoadError.self) { try GatewaySession.load(path, listen: listen, tun: true) }
        #expect(error?.description.contains(message) == true, "\(error?.description ?? "")")
    }

    /// 1,000 connections (one [secrets] line each) load; the time is printed, not asserted
    /// (README "Gateway" has the measured figure).
    @Test func aThousandConnectionsLoad() throws {
        var text = ""
        for i in 0..<1000 {
            text += "[conn spoke-\(i)]\nlocal = 192.0.2.1\nremote = 10.\(i / 250).\(i % 250).1\nremote_id = @spoke-\(i).example\n"
                + "local_ts = 198.51.100.0/24\nremote_ts = 10.\(100 + i / 250).\(i % 250).0/24\n"
        }
        text += "[secrets]\n" + (0..<1000).map { "@spoke-\($0).example = \"secret \($0)\"\n" }.joined()
        let path = try Self.file(text)
        let started = Date()
        let loaded = try GatewaySession.load(path, listen: nil, tun: true)
        let endpoint = try IKEv1Endpoint(configs: loaded.configs)
        print("1,000 connections: file read, checked and built in \(Int(Date().timeIntervalSince(started) * 1000)) ms (debug build)")
        #expect(endpoint.configs.count == 1000 && loaded.routes.count == 1000)
    }
}
