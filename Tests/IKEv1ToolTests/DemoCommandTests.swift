import ArgumentParser
import Testing
@testable import IKEv1Tool

/// `ikev1 demo`: succeeds for good proposals (with loss, NAT, Aggressive Mode), fails with a
/// clear reason for policy violations and unknown algorithms.
struct DemoCommandTests {
    @Test(arguments: [
        ["--seed", "1"],
        ["--seed", "2", "--aggressive", "--nat", "--esp", "aes256gcm16"],
        ["--seed", "3", "--loss", "0.3"],
        ["--seed", "4", "--ike", "3des-md5-modp1024", "--esp", "des-md5", "--legacy"],
    ])
    func completes(arguments: [String]) throws {
        let command = try DemoCommand.parse(arguments)
        #expect(throws: Never.self) { try command.run() }
    }

    @Test func legacyWithoutTheFlagIsRefused() throws {
        let command = try DemoCommand.parse(["--ike", "des-md5-modp768", "--esp", "des-md5"])
        #expect { try command.run() } throws: { error in
            "\(error)".contains("legacy")
        }
    }

    @Test func unknownAlgorithmIsNamed() throws {
        let command = try DemoCommand.parse(["--ike", "foo-sha1-modp2048"])
        #expect { try command.run() } throws: { error in "\(error)".contains("foo") }
    }
}
