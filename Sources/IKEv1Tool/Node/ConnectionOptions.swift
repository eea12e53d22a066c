import ArgumentParser
import Foundation
import IKEv1
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
    @Option(help: "Our certificate (PEM or DER; a PEM file may hold its intermediates after it): authenticate with signatures.")
    var cert: String?
    @Option(help: "The private key of --cert (PEM or DER, RSA or EC).")
    var key: String?
    @Option(help: "A CA certificate the peer's certificate must chain to (repeatable).")
    var ca: [String] = []
    @Option(help: "IKE proposals, e.g. aes128-sha256-modp2048.")
    var ike: String?
    @Option(help: "ESP proposals; a DH group means PFS, e.g. aes128-sha256-modp2048.")
    var esp: String?
    @Option(help: "Our protected traffic in swanctl's notation: 10.1.0.0/24, 2001:db8::/64, 10.1.0.1-10.1.0.9, an address, with an optional [proto] or [proto/port] (10.1.0.0/24[gre], dynamic[udp/1701]).")
    var localTs: String?
    @Option(help: "The peer's protected traffic, as --local-ts.")
    var remoteTs: String?
    @Option(help: "Our identity: @fqdn, user@fqdn, an address, a DN (default: the address, or --cert's subject).")
    var localId: String?
    @Option(help: "The peer's identity (as --local-id, e.g. \"C=CH, O=Example, CN=peer.example\"), or %any.")
    var remoteId: String?
    @Flag(help: "Aggressive Mode (as responder: also answer Aggressive Mode with PSK).")
    var aggressive = false
    @Flag(help: "Transport mode instead of tunnel mode.")
    var transport = false
    @Flag(help: "Force UDP encapsulation (charon's encap = yes).")
    var encap = false
    @Option(help: "DPD interval in seconds.")
    var dpd: Double?
    @Option(help: "NAT keepalive interval in seconds when behind a NAT (default 20).")
    var keepalive: Double?
    @Option(help: "ISAKMP SA lifetime in seconds.")
    var ikeLifetime: Double?
    @Option(help: "IPsec SA lifetime in seconds.")
    var espLifetime: Double?
    @Option(help: "IPsec SA lifetime in bytes (negotiated in kilobytes; rekeyed a tenth before).")
    var espLifetimeBytes: UInt64?
    @Option(help: "IPsec SA lifetime in packets, both ways (a local limit; rekeyed a tenth before).")
    var espLifetimePackets: UInt64?
    @Option(help: "Renew the ISAKMP SA this many seconds before it expires, make-before-break (default 540; 0: never).")
    var ikeRekeyMargin: Double?
    @Option(help: "Renew up to this fraction of the margin earlier, at random (default 1 = 100 %).")
    var ikeRekeyFuzz: Double?
    @Flag(inversion: .prefixedNo, help: "As responder, renew the ISAKMP SA when the initiator has not, half the margin before it expires (default: on).")
    var ikeRekeyResponder: Bool?
    @Option(help: "Rekey IPsec SAs this many seconds before they expire (default: a tenth of the lifetime).")
    var espRekeyMargin: Double?
    @Option(help: "Rekey IPsec SAs up to this fraction of their margin earlier, at random (default 1).")
    var espRekeyFuzz: Double?
    @Option(help: "A peer authenticating again with the same identities: replace (default), keep or never.")
    var unique: String?
    @Option(help: "When DPD finds the peer dead: clear (default), hold or restart.")
    var dpdAction: String?
    @Option(help: "When the peer deletes the connection: none (default), clear, hold or restart.")
    var closeAction: String?
    @Option(help: "At start: none, trap (initiate on the first packet for the remote subnet) or start.")
    var startAction: String?
    @Option(help: "Phase 1 attempts in all when the peer is unreachable or refuses (default 0: forever).")
    var keyingtries: Int?
    @Option(help: "Seconds before the first retry, doubled for each further one (default 2).")
    var retryBackoff: Double?
    @Option(help: "Longest wait between retries in seconds (default 60).")
    var retryBackoffMax: Double?
    @Option(help: "IKE fragmentation: yes (default; fragments when the peer announced them), accept, force or no.")
    var fragmentation: String?
    @Option(help: "Largest IP datagram of an IKE message before it goes in fragments (default 1280).")
    var fragmentSize: Int?
    @Flag(help: "Allow DES, Blowfish, CAST, MD5 and DH groups 1, 2, 5.")
    var legacy = false
    @Option(help: "Transmissions of a request before giving up, the first included (default 5).")
    var retransmitTries: Int?
    @Option(help: "Seconds before the first retransmission (default 4).")
    var retransmitTimeout: Double?
    @Option(help: "Growth factor of the retransmission timeout (default 1.8).")
    var retransmitBase: Double?
    @Option(help: "Remote-access client: the XAUTH user name.")
    var xauthUser: String?
    @Option(help: "Remote-access client: an environment variable holding the XAUTH password.")
    var xauthPasswordEnv: String?
    @Option(help: "Remote access: Mode Config pull (the client asks; default) or push (the gateway sets).")
    var modecfg: String?
    @Option(help: "Remote-access gateway: the XAUTH users, one name:password or name:$6$hash line each.")
    var xauthUsers: String?
    @Option(help: "Remote-access gateway: XAUTH replies a user may try before STATUS=FAIL (default 1).")
    var xauthTries: Int?
    @Option(help: "Remote-access gateway: virtual IPs to lease, a CIDR or FIRST-LAST range.")
    var pool: String?
    @Option(help: "Remote-access gateway: a DNS server for the clients (repeatable).")
    var dns: [String] = []
    @Option(help: "Remote-access gateway: a WINS server for the clients (repeatable).")
    var nbns: [String] = []
    @Option(help: "Remote-access gateway: a network the clients route through the tunnel (repeatable; default: --local-ts).")
    var splitInclude: [String] = []
    @Option(help: "Remote-access gateway: the login banner (UNITY_BANNER).")
    var banner: String?
    @Option(help: "Remote-access gateway: the clients' DNS domain (UNITY_DEF_DOMAIN).")
    var defaultDomain: String?
    @Option(help: "A script run with vpnc-script's variables (reason=connect|disconnect, INTERNAL_IP4_ADDRESS, CISCO_*...) when a tunnel comes up or goes.")
    var updown: String?

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
        // A flag's method of authentication replaces the config file's.
        if pskFile != nil || pskEnv != nil { s.certificateFile = nil; s.keyFile = nil; s.caFiles = [] }
        if cert != nil || key != nil || !ca.isEmpty {
            if pskFile == nil && pskEnv == nil { s.psk = nil }
            if let cert { s.certificateFile = cert }
            if let key { s.keyFile = key }
            if !ca.isEmpty { s.caFiles = ca }
        }
        if s.psk == nil && s.certificateFile == nil && s.keyFile == nil && s.caFiles.isEmpty {
            throw ValidationError("no credentials: give --psk-file, --psk-env, --cert/--key/--ca or a config file")
        }
        if let problem = s.authenticationProblem { throw ValidationError("connection \(s.name) \(problem)") }
        if let ike { s.ikeProposals = ike }
        if let esp { s.espProposals = esp }
        for (text, flag) in [(localTs, "--local-ts"), (remoteTs, "--remote-ts")] {
            guard let text else { continue }
            do { try PeerConfigBuilder.checkSelector(text, name: flag) } catch { throw ValidationError(error.description) }
        }
        if let localTs { s.localTS = localTs }
        if let remoteTs { s.remoteTS = remoteTs }
        if let localId { s.localID = localId }
        if let remoteId { s.remoteID = remoteId }
        if aggressive { s.aggressive = true; s.aggressivePSKResponder = true }
        if transport { s.transport = true }
        if encap { s.encap = true }
        if let dpd { s.dpdDelay = dpd }
        if let keepalive { s.keepalive = keepalive }
        if let ikeLifetime { s.ikeLifetime = ikeLifetime }
        if let espLifetime { s.espLifetime = espLifetime }
        for (value, flag) in [(ikeRekeyMargin, "--ike-rekey-margin"), (ikeRekeyFuzz, "--ike-rekey-fuzz"),
                              (espRekeyMargin, "--esp-rekey-margin"), (espRekeyFuzz, "--esp-rekey-fuzz")] {
            if let value, !(value >= 0 && value.isFinite) { throw ValidationError("\(flag) is 0 or more") }
        }
        for (value, flag) in [(espLifetimeBytes, "--esp-lifetime-bytes"), (espLifetimePackets, "--esp-lifetime-packets")] {
            if let value, value == 0 || value > UInt64(UInt32.max) * 1024 { throw ValidationError("\(flag) is between 1 and 2^42") }
        }
        if let espLifetimeBytes { s.espLifetimeBytes = espLifetimeBytes }
        if let espLifetimePackets { s.espLifetimePackets = espLifetimePackets }
        if let ikeRekeyMargin { s.ikeRekeyMargin = ikeRekeyMargin }
        if let ikeRekeyFuzz { s.ikeRekeyFuzz = ikeRekeyFuzz }
        if let ikeRekeyResponder { s.ikeRekeyResponder = ikeRekeyResponder }
        if let espRekeyMargin { s.espRekeyMargin = espRekeyMargin }
        if let espRekeyFuzz { s.espRekeyFuzz = espRekeyFuzz }
        if let unique {
            guard let u = UniquenessPolicy(rawValue: unique) else { throw ValidationError("--unique is replace, keep or never") }
            s.unique = u
        }
        for (text, flag) in [(dpdAction, "--dpd-action"), (closeAction, "--close-action")] {
            guard let text else { continue }
            guard let action = PeerGoneAction(rawValue: text) else { throw ValidationError("\(flag) is none, clear, hold or restart") }
            if flag == "--dpd-action" { s.dpdAction = action } else { s.closeAction = action }
        }
        if let startAction {
            guard let action = StartAction(rawValue: startAction) else { throw ValidationError("--start-action is none, trap or start") }
            s.startAction = action
        }
        if let keyingtries {
            guard keyingtries >= 0 else { throw ValidationError("--keyingtries is 0 (forever) or more") }
            s.keyingTries = keyingtries
        }
        for (value, flag) in [(retryBackoff, "--retry-backoff"), (retryBackoffMax, "--retry-backoff-max")] {
            if let value, !(value > 0 && value.isFinite) { throw ValidationError("\(flag) is more than 0 seconds") }
        }
        if let retryBackoff { s.retryBackoff = retryBackoff }
        if let retryBackoffMax { s.retryBackoffMax = retryBackoffMax }
        if let fragmentation {
            guard let f = FragmentationPolicy(rawValue: fragmentation) else { throw ValidationError("--fragmentation is yes, accept, force or no") }
            s.fragmentation = f
        }
        if let fragmentSize {
            guard (PeerConfig.smallestFragmentSize...65_535).contains(fragmentSize) else {
                throw ValidationError("--fragment-size is from \(PeerConfig.smallestFragmentSize) to 65535 bytes")
            }
            s.fragmentSize = fragmentSize
        }
        if legacy { s.legacy = true }
        if let retransmitTries {
            guard retransmitTries >= 1 else { throw ValidationError("--retransmit-tries is 1 or more") }
            s.retransmitTries = retransmitTries
        }
        if let retransmitTimeout {
            guard retransmitTimeout > 0 else { throw ValidationError("--retransmit-timeout is more than 0 seconds") }
            s.retransmitTimeout = retransmitTimeout
        }
        if let retransmitBase {
            guard retransmitBase >= 1 else { throw ValidationError("--retransmit-base is 1 or more") }
            s.retransmitBase = retransmitBase
        }
        let remoteAccess: [(String, [String])] = [
            ("xauth_user", xauthUser.map { [$0] } ?? []), ("xauth_password_env", xauthPasswordEnv.map { [$0] } ?? []),
            ("modecfg", modecfg.map { [$0] } ?? []), ("xauth_users", xauthUsers.map { [$0] } ?? []),
            ("xauth_tries", xauthTries.map { [String($0)] } ?? []), ("pool", pool.map { [$0] } ?? []), ("dns", dns), ("nbns", nbns),
            ("split_include", splitInclude), ("banner", banner.map { [$0] } ?? []),
            ("default_domain", defaultDomain.map { [$0] } ?? []), ("updown", updown.map { [$0] } ?? []),
        ]
        for (key, values) in remoteAccess {
            for value in values {
                do {
                    try s.remoteAccess.apply(key, value, readFile: { FileManager.default.contents(atPath: $0).map { [UInt8]($0) } },
                                             environment: ProcessInfo.processInfo.environment)
                } catch {
                    throw ValidationError("--\(key.replacingOccurrences(of: "_", with: "-")): \(error)")
                }
            }
        }
        return s
    }
}
