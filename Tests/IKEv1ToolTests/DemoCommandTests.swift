import ArgumentParser
import IKEv1
import IPsecCrypto
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
        ["--seed", "5", "--auth", "rsa", "--packets", "10"],
        ["--seed", "6", "--auth", "ecdsa", "--aggressive", "--nat", "--packets", "10"],
        ["--seed", "7", "--auth", "ecdsa", "--ike", "aes256-sha384-ecp384", "--loss", "0.3", "--packets", "10"],
    ])
    func completes(arguments: [String]) throws {
        let command = try DemoCommand.parse(arguments)
        #expect(throws: Never.self) { try command.run() }
    }

    /// `--auth rsa|ecdsa`: both sides sign with a fresh certificate of the in-memory CA and
    /// name themselves by its subject; the proposals carry the signature method.
    @Test(arguments: [("rsa", AuthMethod.rsaSignature), ("ecdsa", AuthMethod.ecdsaP256)])
    func certificatesMadeInMemory(auth: String, method: AuthMethod) throws {
        let now: Int64 = 1_800_000_000
        let (i, r) = try DemoCommand.parse(["--auth", auth]).configs(now: now)
        for (config, peer) in [(i, r), (r, i)] {
            let credentials = try #require(config.authentication.signatureCredentials)
            #expect(config.ikeProposals.allSatisfy { $0.authMethod == method })
            #expect(config.localIdentity == credentials.identity && config.remoteIdentity == peer.authentication.signatureCredentials?.identity)
            // The peer's chain (leaf, intermediate) leads to our anchor at the demo's time, not a day later.
            let peerChain = try #require(peer.authentication.signatureCredentials?.chain)
            #expect(peerChain.count == 2)
            let path = try credentials.trustStore.verify(peerChain[0], intermediates: Array(peerChain.dropFirst()), at: now)
            #expect(path.count == 3)
            #expect(throws: CertificateError.self) {
                try credentials.trustStore.verify(peerChain[0], intermediates: Array(peerChain.dropFirst()), at: now + 2 * 86_400)
            }
        }
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
