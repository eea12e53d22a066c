import Testing
import IPsecCrypto
@testable import ESP
import IPsecBenchSupport

/// The raw-libcrypto benchmark baseline does the same work as the ESP SAs: each opens the
/// other's packets (checked inside `ESPBenchWorkload.init`), and both run without errors.
@Suite struct BaselineTests {
    @Test("baseline and ESP agree", arguments: ["aes128gcm16", "aes256gcm16", "aes128-sha1", "aes256-sha256", "3des-sha1"])
    func agree(algorithm: String) throws {
        for size in [64, 1400] {
            let workload = try ESPBenchWorkload(algorithm: algorithm, size: size)
            for direction in ESPBenchWorkload.Direction.allCases {
                try workload.runOurs(direction, count: 3)
                workload.runBaseline(direction, count: 3)
            }
        }
    }

    @Test("benchmark algorithm names")
    func names() {
        #expect(ESPBenchWorkload.parse("aes128gcm16")! == (.aesGCM(keyBits: 128, icvLength: 16), nil))
        #expect(ESPBenchWorkload.parse("3des-sha1")! == (.tripleDES, .sha1))
        #expect(ESPBenchWorkload.parse("aes128") == nil)
        #expect(ESPBenchWorkload.parse("aes128gcm16-sha1") == nil)
    }
}
