import Foundation
import IKEv1
import ISAKMPWire
import Testing
import TestSupport

/// The updown script's environment against what vpnc 0.5.3 passed to its own script for the
/// same Mode Config reply (Fixtures/remote-access: vpnc-script-env-*.txt and the charon
/// replies in vpnc-charon-*.txt, one lab run each; README.md there says how they were made).
struct UpdownEnvironmentTests {
    static let gateway = IPAddressText.parse("198.19.0.1") ?? []

    /// The typed attributes of the `modecfg-reply` line of a Transaction fixture.
    static func reply(_ file: String) throws -> [ModeConfigAttribute] {
        let text = try String(contentsOf: Fixtures.url("remote-access/\(file)"), encoding: .utf8)
        let hex = try #require(text.split(separator: "\n").first { $0.hasPrefix("modecfg-reply ") }?.split(separator: " ").last)
        let chain = try PayloadChain.decode(try #require([UInt8](hexString: hex))[...], first: .hash)
        let payload: AttributePayload? = if case .attribute(let a) = chain.payloads.last { a } else { nil }
        return try #require(payload).modeConfigAttributes()
    }

    /// `=== reason=R` blocks of `NAME=value` lines.
    static func vpncEnvironment(_ file: String) throws -> [String: [String: String]] {
        let text = try String(contentsOf: Fixtures.url("remote-access/\(file)"), encoding: .utf8)
        var blocks: [String: [String: String]] = [:]
        var reason = ""
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            if line.hasPrefix("=== reason=") { reason = String(line.dropFirst(11)); blocks[reason] = ["reason": reason]; continue }
            guard let eq = line.firstIndex(of: "=") else { continue }
            blocks[reason]?[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return blocks
    }

    @Test(arguments: [("vpnc-charon-pull.txt", "vpnc-script-env-default.txt"), ("vpnc-charon-rich.txt", "vpnc-script-env-rich.txt")])
    func theSameAttributesGiveVpncsVariables(_ transactions: String, _ environment: String) throws {
        let ours = UpdownEnvironment(gateway: Self.gateway, tunnelDevice: "vpnc0", attributes: try Self.reply(transactions))
        let vpnc = try Self.vpncEnvironment(environment)
        for reason in [UpdownReason.connect, .disconnect] {
            let expected = try #require(vpnc[reason.rawValue])
            #expect(expected.count >= 15)
            #expect(ours.variables(reason) == expected)
        }
    }

    @Test func localLANIPv6AndSPIsUseVpncScriptsNames() {
        let env = UpdownEnvironment(
            gateway: Self.gateway, tunnelDevice: "tun7",
            attributes: [
                .internalIP4Address([198, 18, 0, 9]), .internalIP4Netmask([255, 255, 252, 0]),
                .unityLocalLAN([UnitySplitNetwork(address: [192, 168, 1, 0], mask: [255, 255, 255, 0])]),
                .unitySplitInclude([UnitySplitNetwork(address: [198, 19, 100, 0], mask: [255, 255, 255, 0])]),
                .unitySplitInclude([UnitySplitNetwork(address: [198, 19, 200, 0], mask: [255, 255, 255, 0], ipProtocol: 6,
                                                      sourcePort: 0, destinationPort: 443)]),
                .internalIP6Address(IPAddressText.parse("2001:db8::5") ?? [], prefixLength: 64),
                .internalIP6DNS(IPAddressText.parse("2001:db8::53") ?? []),
                .unitySplitDNS(["a.test", "b.test"]), .unitySplitDNS(["c.test"]),
            ],
            inboundSPI: 0x62e5_bda5, outboundSPI: 0x0cf7_ebe8).variables(.connect)
        #expect(env["INTERNAL_IP4_NETMASKLEN"] == "22" && env["INTERNAL_IP4_NETADDR"] == "198.18.0.0")
        #expect(env["CISCO_SPLIT_EXC"] == "1" && env["CISCO_SPLIT_EXC_0_ADDR"] == "192.168.1.0" && env["CISCO_SPLIT_EXC_0_MASKLEN"] == "24")
        // Entries of two split-include attributes are numbered on.
        #expect(env["CISCO_SPLIT_INC"] == "2" && env["CISCO_SPLIT_INC_1_ADDR"] == "198.19.200.0"
                && env["CISCO_SPLIT_INC_1_PROTOCOL"] == "6" && env["CISCO_SPLIT_INC_1_DPORT"] == "443")
        #expect(env["INTERNAL_IP6_ADDRESS"] == "2001:db8::5" && env["INTERNAL_IP6_NETMASK"] == "2001:db8::5/64")
        #expect(env["INTERNAL_IP6_DNS"] == "2001:db8::53")
        #expect(env["CISCO_SPLIT_DNS"] == "a.test,b.test c.test")
        #expect(env["IPSEC_SPI_IN"] == "62e5bda5" && env["IPSEC_SPI_OUT"] == "0cf7ebe8")
        #expect(env["TUNDEV"] == "tun7" && env["reason"] == "connect")
    }

    /// vpnc's mask_to_masklen counts to the last set bit; no netmask, no NETMASK variables.
    @Test func maskLengthsAndAbsentValuesFollowVpnc() {
        let holes = UpdownEnvironment(gateway: Self.gateway, tunnelDevice: "t",
                                      attributes: [.internalIP4Address([10, 0, 0, 1]), .internalIP4Netmask([255, 0, 255, 0])])
        #expect(holes.variables(.connect)["INTERNAL_IP4_NETMASKLEN"] == "24")
        let bare = UpdownEnvironment(gateway: Self.gateway, tunnelDevice: "t", attributes: [.internalIP4Address([10, 0, 0, 1])])
        #expect(Set(bare.variables(.disconnect).keys) == ["reason", "VPNGATEWAY", "TUNDEV", "INTERNAL_IP4_ADDRESS"])
    }

    @Test func secretsAndRequestsNeverReachTheEnvironment() {
        let env = UpdownEnvironment(gateway: Self.gateway, tunnelDevice: "t", attributes: [
            .xauthUserName("alice"), .xauthUserPassword(Array("alice-pass".utf8)), .xauthPasscode(Array("123456".utf8)),
            .empty(.internalIP4DNS), .unknown(DataAttribute(type: 28683, value: .variable(Array("alice-pass".utf8)))),
        ]).variables(.connect)
        #expect(!env.values.contains { $0.contains("alice") || $0.contains("123456") })
        #expect(env.count == 3)
    }
}
