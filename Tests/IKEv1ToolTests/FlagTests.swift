import ArgumentParser
import Foundation
import IKEv1
import IKEv1Config
@testable import IKEv1Tool
import Testing
import TestSupport

/// The command-line flags are set through the config file's own code (`ConnectionSettings.set`):
/// the same values, units and checks; a mistake names the flag.
struct FlagTests {
    /// PATH stands in for a PSK variable: any set variable does.
    static let base = ["--peer", "192.0.2.2", "--psk-env", "PATH"]

    static func file(_ lines: String) throws -> ConnectionSettings {
        try #require(try ConfigFile.parse("[conn ikev1]\nremote = 192.0.2.2\npsk_env = PATH\n\(lines)\n",
                                          environment: ProcessInfo.processInfo.environment).first)
    }

    /// Each flag, a value in the notation the file takes, and the file's key for it.
    @Test(arguments: try nonEmpty([
        ("--ike-lifetime", "30s", "ike_lifetime"), ("--esp-lifetime", "2h", "esp_lifetime"), ("--dpd", "10s", "dpd_delay"),
        ("--keepalive", "1m", "keepalive"), ("--esp-lifetime-bytes", "50M", "esp_lifetime_bytes"),
        ("--esp-lifetime-packets", "100k", "esp_lifetime_packets"), ("--ike-rekey-margin", "0", "ike_rekey_margin"),
        ("--ike-rekey-fuzz", "50%", "ike_rekey_fuzz"), ("--esp-rekey-margin", "2m", "esp_rekey_margin"),
        ("--esp-rekey-fuzz", "0.25", "esp_rekey_fuzz"), ("--keyingtries", "3", "keyingtries"),
        ("--retry-backoff", "5s", "retry_backoff"), ("--retry-backoff-max", "2m", "retry_backoff_max"),
        ("--retransmit-timeout", "2s", "retransmit_timeout"), ("--retransmit-tries", "3", "retransmit_tries"),
        ("--retransmit-base", "1.5", "retransmit_base"), ("--unique", "keep", "unique"), ("--dpd-action", "restart", "dpd_action"),
        ("--close-action", "hold", "close_action"), ("--start-action", "trap", "start_action"),
        ("--fragmentation", "force", "fragmentation"), ("--fragment-size", "576", "fragment_size"),
        ("--ike", "aes256-sha384-ecp384", "proposals"), ("--esp", "aes128gcm16", "esp_proposals"),
        ("--local-ts", "10.1.0.0/24[gre]", "local_ts"), ("--remote-id", "@gw.example", "remote_id"),
        ("--modecfg", "push", "modecfg"), ("--dns", "192.0.2.53", "dns"),
    ]))
    func aFlagSetsWhatItsKeySets(flag: String, value: String, key: String) throws {
        let flags = try ConnectionOptions.parse(Self.base + [flag, value]).settings()
        #expect(flags == (try Self.file("\(key) = \(value)")))
        #expect(flags != (try Self.file("")), "\(flag) \(value) changed nothing")
    }

    /// The units issue 18 asked for, read back as seconds and bytes.
    @Test func durationsAndAmountsTakeUnits() throws {
        let s = try ConnectionOptions.parse(Self.base + ["--ike-lifetime", "30s", "--esp-lifetime", "1h", "--dpd", "10s",
                                                         "--esp-lifetime-bytes", "50M", "--ike-rekey-fuzz", "50%"]).settings()
        #expect(s.ikeLifetime == 30 && s.espLifetime == 3600 && s.dpdDelay == 10)
        #expect(s.espLifetimeBytes == 50 << 20 && s.ikeRekeyFuzz == 0.5)
        // A plain number is still seconds.
        #expect(try ConnectionOptions.parse(Self.base + ["--ike-lifetime", "90"]).settings().ikeLifetime == 90)
    }

    @Test(arguments: try nonEmpty([
        (["--ike-lifetime", "30x"], "--ike-lifetime is a duration like 30s, 60m or 4h, not 30x"),
        (["--dpd", "0"], "--dpd is a duration like 30s, 60m or 4h, not 0"),
        (["--esp-lifetime-bytes", "5T"], "--esp-lifetime-bytes is a positive amount like 500000, 100k, 50M or 4G, not 5T"),
        (["--fragment-size", "100"], "--fragment-size is a datagram size from 128 to 65535 bytes, not 100"),
        (["--unique", "maybe"], "--unique is replace, keep or never, not maybe"),
        (["--retransmit-base", "0.5"], "--retransmit-base is a factor of 1 or more, not 0.5"),
        (["--psk-file", #filePath], "--psk-env: give only one of psk, psk_file, psk_env"),
    ]))
    func aBadValueNamesTheFlag(_ arguments: [String], message: String) throws {
        let options = try ConnectionOptions.parse(Self.base + arguments)
        let error = #expect(throws: ValidationError.self) { try options.settings() }
        #expect(error?.message == message)
    }
}
