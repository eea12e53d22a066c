import ArgumentParser
import IKEv1
import IKEv1Config
@testable import IKEv1Tool
import IPsecNode
import Testing
import TestSupport

/// `fragmentation = yes | accept | force | no` and `fragment_size` (charon's names and defaults),
/// in the config file and as flags, and what the engine makes of them.
struct FragmentationConfigTests {
    static let local = SocketAddress(address: [192, 0, 2, 1], port: 500)

    @Test func defaultIsCharonsYesAnd1280() throws {
        let s = try #require(try ConfigFile.parse("[conn gw]\nremote = 192.0.2.2\npsk = x\n").first)
        let config = try PeerConfigBuilder.build(s, local: Self.local, responder: false)
        #expect(config.fragmentation == .yes && config.fragmentSize == 1280)
    }

    @Test(arguments: try nonEmpty(FragmentationPolicy.allCases))
    func everyValueReachesTheEngine(_ policy: FragmentationPolicy) throws {
        let text = "[conn gw]\nremote = 192.0.2.2\npsk = x\nfragmentation = \(policy.rawValue)\nfragment_size = 576\n"
        let s = try #require(try ConfigFile.parse(text).first)
        let config = try PeerConfigBuilder.build(s, local: Self.local, responder: false)
        #expect(config.fragmentation == policy && config.fragmentSize == 576)
        let flags = try ConnectionOptions.parse(["--peer", "192.0.2.2", "--psk-env", "PATH", "--fragmentation", policy.rawValue,
                                                 "--fragment-size", "1400"]).settings()
        #expect(flags.fragmentation == policy && flags.fragmentSize == 1400)
    }

    @Test(arguments: [("fragmentation = maybe", "fragmentation is yes, accept, force or no, not maybe"),
                      ("fragmentation = YES", "fragmentation is yes, accept, force or no, not YES"),
                      ("fragment_size = 100", "fragment_size is a datagram size from 128 to 65535 bytes, not 100"),
                      ("fragment_size = big", "fragment_size is a datagram size from 128 to 65535 bytes, not big")])
    func badValuesNameTheirLine(_ line: String, message: String) {
        do {
            _ = try ConfigFile.parse("[conn gw]\nremote = 192.0.2.2\npsk = x\n\(line)\n")
            Issue.record("\(line) accepted")
        } catch {
            #expect(error.description == "line 4: \(message)")
        }
        // PATH stands in for a PSK variable: any set variable does.
        for (flag, value) in [("--fragmentation", "maybe"), ("--fragment-size", "100")] {
            #expect(throws: ValidationError.self) {
                try ConnectionOptions.parse(["--peer", "192.0.2.2", "--psk-env", "PATH", flag, value]).settings()
            }
        }
    }
}
