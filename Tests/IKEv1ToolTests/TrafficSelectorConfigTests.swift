import ArgumentParser
import Foundation
import IKEv1
import IPsecNode
import ISAKMPWire
import Testing
import IKEv1Config
@testable import IKEv1Tool

/// `local_ts`/`remote_ts` in the config file and `--local-ts`/`--remote-ts` on the command line,
/// in swanctl's notation: what reaches the engine, and that every mistake names its key (and,
/// in a file, its line) and says why.
struct TrafficSelectorConfigTests {
    static let local = SocketAddress(address: [192, 0, 2, 1], port: 500)

    static func file(_ lines: String...) -> String {
        (["[conn a]", "psk = x", "remote = 192.0.2.2"] + lines).joined(separator: "\n") + "\n"
    }

    static func build(_ text: String, responder: Bool = false) throws -> PeerConfig {
        let c = try #require(try ConfigFile.parse(text).first)
        return try PeerConfigBuilder.build(c, local: local, responder: responder)
    }

    @Test(arguments: [
        ("10.1.0.0/24", "10.1.0.0/24"),
        ("10.1.0.0/24[gre]", "10.1.0.0/24[gre]"),
        ("10.1.0.0/24[udp/l2tp]", "10.1.0.0/24[udp/1701]"),
        ("10.1.0.0/24[47]", "10.1.0.0/24[gre]"),
        ("10.1.0.0/24[udp/%any]", "10.1.0.0/24[udp]"),
        ("10.1.0.1-10.1.0.9[tcp/80]", "10.1.0.1-10.1.0.9[tcp/80]"),
        ("2001:db8::/64", "2001:db8::/64"),
        ("192.0.2.1", "192.0.2.1"),
        ("dynamic[udp/1701]", "192.0.2.1[udp/1701]"),
        ("[udp/1701]", "192.0.2.1[udp/1701]"),
    ])
    func localSelectorReachesTheEngine(value: String, selector: String) throws {
        let config = try Self.build(Self.file("local_ts = \(value)", "remote_ts = 203.0.113.0/24"))
        #expect(config.localTrafficSelector?.description == selector)
        #expect(config.remoteTrafficSelector?.description == "203.0.113.0/24")
    }

    /// swanctl's default for the side left out is `dynamic`: the peer's IKE address here. With
    /// neither key the SA is host-to-host without client IDs, as before.
    @Test func omittedSideIsDynamic() throws {
        let one = try Self.build(Self.file("local_ts = 10.1.0.0/24[gre]"))
        #expect(one.remoteTrafficSelector == TrafficSelector(.ipv4([192, 0, 2, 2])))
        let none = try Self.build(Self.file())
        #expect(none.localTrafficSelector == nil && none.remoteTrafficSelector == nil)
    }

    /// `dynamic` for a peer that may be anyone has no address to stand for.
    @Test func dynamicPeerOfAResponderForAnyoneIsRefused() throws {
        let text = "[conn a]\npsk = x\nremote = %any\nlocal_ts = 10.1.0.0/24\n"
        let error = #expect(throws: PeerConfigBuilder.Error.self) { try Self.build(text, responder: true) }
        #expect(error?.description == "remote_ts dynamic: dynamic stands for this side's IKE address, which is not known")
    }

    @Test(arguments: [
        (file("local_ts = 10.1.0.0/33"), 4,
         "local_ts 10.1.0.0/33: prefix length 33 is more than 32, the bits of an IPv4 address"),
        (file("mode = tunnel", "remote_ts = 2001:db8::/129"), 5,
         "remote_ts 2001:db8::/129: prefix length 129 is more than 128, the bits of an IPv6 address"),
        (file("local_ts = 10.1.0.0/24[gre]", "remote_ts = 10.2.0.0/24[grr]"), 5,
         "remote_ts 10.2.0.0/24[grr]: unknown protocol \"grr\": give a number 0-255, any, or one of icmp, tcp, udp, gre, esp, ah, ipv6-icmp, icmpv6, sctp"),
        (file("local_ts = 10.1.0.0/24[udp/70000]"), 4,
         "local_ts 10.1.0.0/24[udp/70000]: port 70000 is not between 0 and 65535"),
        (file("local_ts = 10.1.0.0/24[gre/1701]"), 4,
         "local_ts 10.1.0.0/24[gre/1701]: protocol gre has no ports, but port 1701 is given"),
        (file("local_ts = 10.1.0.0/ffff::"), 4,
         "local_ts 10.1.0.0/ffff::: netmask ffff:: is IPv6, but address 10.1.0.0 is IPv4"),
        (file("local_ts = 10.1.0.9-10.1.0.1"), 4,
         "local_ts 10.1.0.9-10.1.0.1: range 10.1.0.9-10.1.0.1 ends before it starts"),
        (file("local_ts = 10.1.0.0/24[udp"), 4,
         "local_ts 10.1.0.0/24[udp: [udp is not [protocol] or [protocol/port]: a selector ends with ]"),
        (file("local_ts = office"), 4,
         "local_ts office: \"office\" is not an IPv4 or IPv6 address"),
    ])
    func mistakesNameTheirLineAndKey(text: String, line: Int, message: String) {
        let error = #expect(throws: ConfigFile.Error.self) { try ConfigFile.parse(text) }
        #expect(error?.line == line)
        #expect(error?.message == message)
    }

    /// The flags go through the same parser; a mistake names the flag.
    @Test func flagsTakeTheSameNotation() throws {
        let psk = FileManager.default.temporaryDirectory.appendingPathComponent("ikev1-ts-\(UUID().uuidString).psk")
        try Data("secret\n".utf8).write(to: psk)
        defer { try? FileManager.default.removeItem(at: psk) }
        let base = ["--peer", "192.0.2.2", "--psk-file", psk.path]
        let s = try ConnectionOptions.parse(base + ["--local-ts", "10.1.0.0/24[gre]", "--remote-ts", "10.2.0.0/24[gre]"]).settings()
        let config = try PeerConfigBuilder.build(s, local: Self.local, responder: false)
        #expect(config.localTrafficSelector == TrafficSelector(.ipv4Subnet(address: [10, 1, 0, 0], mask: [255, 255, 255, 0]), ipProtocol: 47))
        #expect(config.remoteTrafficSelector?.description == "10.2.0.0/24[gre]")

        let bad = try ConnectionOptions.parse(base + ["--remote-ts", "10.2.0.0/24[udp/http-alt]"])
        let error = #expect(throws: ValidationError.self) { try bad.settings() }
        #expect(error?.message == "--remote-ts 10.2.0.0/24[udp/http-alt]: unknown service \"http-alt\": "
                + "give a port 0-65535, %any, or one of domain, http, https, isakmp, l2tp, ipsec-nat-t")
    }
}
