import ArgumentParser
import Foundation
import IKEv1Config
import IPsecNode

/// The flags shared by `initiate`, `respond` and `connect`, in strongSwan's words;
/// or `--config FILE [--conn NAME]` with the same keys (README.md, "Config file").
struct ConnectionOptions: ParsableArguments {
    @Option(help: "A config file of [conn NAME] sections (README.md documents the keys).")
    var config: String?
    @Option(help: "The connection of --config to use (default: its first).")
    var conn: String?
    @Option(help: "The peer, ADDR[:PORT] (responder: %any or omitted accepts anyone).")
    var peer: String?
    @Option(help: "Our IKE address, ADDR[:PORT] (initiator default: the address routed to the peer).")
    var bind: String?
    @Option(help: "A file holding the pre-shared key.")
    var pskFile: String?
    @Option(help: "An environment variable holding the pre-shared key.")
    var pskEnv: String?
    @Option(help: "IKE proposals, e.g. aes128-sha256-modp2048.")
    var ike: String?
    @Option(help: "ESP proposals; a DH group means PFS, e.g. aes128-sha256-modp2048.")
    var esp: String?
    @Option(help: "Our protected subnet (CIDR).")
    var localTs: String?
    @Option(help: "The peer's protected subnet (CIDR).")
    var remoteTs: String?
    @Option(help: "Our identity: @fqdn, user@fqdn, an address.")
    var localId: String?
    @Option(help: "The peer's identity, or %any.")
    var remoteId: String?
    @Flag(help: "Aggressive Mode (as responder: also answer Aggressive Mode with PSK).")
    var aggressive = false
    @Flag(help: "Transport mode instead of tunnel mode.")
    var transport = false
    @Flag(help: "Force UDP encapsulation (charon's encap = yes).")
    var encap = false
    @Option(help: "DPD interval in seconds.")
    var dpd: Double?
    @Option(help: "ISAKMP SA lifetime in seconds.")
    var ikeLifetime: Double?
    @Option(help: "IPsec SA lifetime in seconds.")
    var espLifetime: Double?
    @Flag(help: "Allow DES, Blowfish, CAST, MD5 and DH groups 1, 2, 5.")
    var legacy = false

    /// The settings the flags (over the config file) describe.
    func settings() throws -> ConnectionSettings {
        var s = ConnectionSettings()
        if let config {
            guard let data = FileManager.default.contents(atPath: config) else { throw ValidationError("cannot read \(config)") }
            let all: [ConnectionSettings]
            do {
                all = try ConfigFile.parse(String(decoding: data, as: UTF8.self),
                                           readFile: { FileManager.default.contents(atPath: $0).map { [UInt8]($0) } },
                                           environment: ProcessInfo.processInfo.environment)
            } catch {
                throw ValidationError("\(config) \(error)")
            }
            guard let chosen = conn.map({ name in all.first { $0.name == name } }) ?? all.first else {
                throw ValidationError("\(config) has no connection \(conn ?? "")")
            }
            s = chosen
        }
        if let peer { s.remote = peer }
        if let bind { s.local = bind }
        if let pskFile {
            guard let d = FileManager.default.contents(atPath: pskFile) else { throw ValidationError("cannot read --psk-file \(pskFile)") }
            s.psk = Array([UInt8](d).reversed().drop { $0 == 10 || $0 == 13 }.reversed())
        }
        if let pskEnv {
            guard let v = ProcessInfo.processInfo.environment[pskEnv] else { throw ValidationError("environment variable \(pskEnv) is not set") }
            s.psk = Array(v.utf8)
        }
        if s.psk == nil { throw ValidationError("no pre-shared key: give --psk-file, --psk-env or a config file") }
        if let ike { s.ikeProposals = ike }
        if let esp { s.espProposals = esp }
        if let localTs { s.localTS = localTs }
        if let remoteTs { s.remoteTS = remoteTs }
        if let localId { s.localID = localId }
        if let remoteId { s.remoteID = remoteId }
        if aggressive { s.aggressive = true; s.aggressivePSKResponder = true }
        if transport { s.transport = true }
        if encap { s.encap = true }
        if let dpd { s.dpdDelay = dpd }
        if let ikeLifetime { s.ikeLifetime = ikeLifetime }
        if let espLifetime { s.espLifetime = espLifetime }
        if legacy { s.legacy = true }
        return s
    }
}
