import ArgumentParser
import Foundation
import IKEv1
import IKEv1Config
import IPsecNode

/// The flags shared by `initiate`, `respond` and `connect`, in strongSwan's words;
/// or `--config FILE [--conn NAME]` with the same keys (README.md, "Config file"). Every flag
/// is set through the config file's own code (`ConnectionSettings.set`), over the file's value.
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
    @Option(help: "DPD interval: seconds or a duration such as 30s, 5m.")
    var dpd: String?
    @Option(help: "NAT keepalive interval when behind a NAT (default 20s).")
    var keepalive: String?
    @Option(help: "ISAKMP SA lifetime: seconds or 30s, 60m, 4h, 1d (default 4h).")
    var ikeLifetime: String?
    @Option(help: "IPsec SA lifetime, as --ike-lifetime (default 1h).")
    var espLifetime: String?
    @Option(help: "IPsec SA lifetime in bytes, e.g. 500000, 100k, 50M, 4G (negotiated in kilobytes; rekeyed a tenth before).")
    var espLifetimeBytes: String?
    @Option(help: "IPsec SA lifetime in packets, both ways, e.g. 1M (a local limit; rekeyed a tenth before).")
    var espLifetimePackets: String?
    @Option(help: "Renew the ISAKMP SA this long before it expires, make-before-break (default 9m; 0: never).")
    var ikeRekeyMargin: String?
    @Option(help: "Renew up to this fraction of the margin earlier, at random: 0.5 or 50% (default 100%).")
    var ikeRekeyFuzz: String?
    @Flag(inversion: .prefixedNo, help: "As responder, renew the ISAKMP SA when the initiator has not, half the margin before it expires (default: on).")
    var ikeRekeyResponder: Bool?
    @Option(help: "Rekey IPsec SAs this long before they expire (default: a tenth of the lifetime).")
    var espRekeyMargin: String?
    @Option(help: "Rekey IPsec SAs up to this fraction of their margin earlier, at random (default 100%).")
    var espRekeyFuzz: String?
    @Option(help: "A peer authenticating again with the same identities: replace (default), keep or never.")
    var unique: String?
    @Option(help: "When DPD finds the peer dead: clear (default), hold or restart.")
    var dpdAction: String?
    @Option(help: "When the peer deletes the connection: none (default), clear, hold or restart.")
    var closeAction: String?
    @Option(help: "At start: none, trap (initiate on the first packet for the remote subnet) or start.")
    var startAction: String?
    @Option(help: "Phase 1 attempts in all when the peer is unreachable or refuses (default 0: forever).")
    var keyingtries: String?
    @Option(help: "Wait before the first retry, doubled for each further one (default 2s).")
    var retryBackoff: String?
    @Option(help: "Longest wait between retries (default 60s).")
    var retryBackoffMax: String?
    @Option(help: "IKE fragmentation: yes (default; fragments when the peer announced them), accept, force or no.")
    var fragmentation: String?
    @Option(help: "Largest IP datagram of an IKE message before it goes in fragments (default 1280).")
    var fragmentSize: String?
    @Flag(help: "Allow DES, Blowfish, CAST, MD5 and DH groups 1, 2, 5.")
    var legacy = false
    @Option(help: "Transmissions of a request before giving up, the first included (default 5).")
    var retransmitTries: String?
    @Option(help: "Wait before the first retransmission (default 4s).")
    var retransmitTimeout: String?
    @Option(help: "Growth factor of the retransmission timeout (default 1.8).")
    var retransmitBase: String?
    @Option(help: "Remote-access client: the XAUTH user name.")
    var xauthUser: String?
    @Option(help: "Remote-access client: an environment variable holding the XAUTH password.")
    var xauthPasswordEnv: String?
    @Option(help: "Remote access: Mode Config pull (the client asks; default) or push (the gateway sets).")
    var modecfg: String?
    @Option(help: "Remote-access gateway: the XAUTH users, one name:password or name:$6$hash line each.")
    var xauthUsers: String?
    @Option(help: "Remote-access gateway: XAUTH replies a user may try before STATUS=FAIL (default 1).")
    var xauthTries: String?
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
        let environment = ProcessInfo.processInfo.environment
        let readFile: (String) -> [UInt8]? = { FileManager.default.contents(atPath: $0).map { [UInt8]($0) } }
        var s = ConnectionSettings()
        if let config {
            guard let data = FileManager.default.contents(atPath: config) else { throw ValidationError("cannot read \(config)") }
            let all: [ConnectionSettings]
            do {
                all = try ConfigFile.parse(String(decoding: data, as: UTF8.self), readFile: readFile, environment: environment)
            } catch {
                throw ValidationError("\(config) \(error)")
            }
            guard let chosen = conn.map({ name in all.first { $0.name == name } }) ?? all.first else {
                throw ValidationError("\(config) has no connection \(conn ?? "")")
            }
            s = chosen
        }
        // A flag's method of authentication replaces the config file's.
        if pskFile != nil || pskEnv != nil { s.psk = nil; s.certificateFile = nil; s.keyFile = nil; s.caFiles = [] }
        if cert != nil || key != nil || !ca.isEmpty { s.psk = nil }
        if !ca.isEmpty { s.caFiles = [] }
        for (flag, key, values) in assignments {
            for value in values {
                do { try s.set(key, to: value, naming: flag, readFile: readFile, environment: environment) } catch {
                    throw ValidationError(error.message)
                }
            }
        }
        if let problem = s.authenticationProblem { throw ValidationError("connection \(s.name) \(problem)") }
        return s
    }

    /// Each flag given, as the config key it sets and the values written (a switch: `yes` or the
    /// key's word for it), in the order above.
    private var assignments: [(flag: String, key: String, values: [String])] {
        func one(_ flag: String, _ key: String, _ value: String?) -> (String, String, [String]) { (flag, key, value.map { [$0] } ?? []) }
        func on(_ flag: String, _ key: String, _ set: Bool, _ word: String = "yes") -> (String, String, [String]) {
            (flag, key, set ? [word] : [])
        }
        return [
            one("--peer", "remote", peer), one("--bind", "local", bind), one("--psk-file", "psk_file", pskFile),
            one("--psk-env", "psk_env", pskEnv), one("--cert", "cert", cert), one("--key", "key", key), ("--ca", "ca", ca),
            one("--ike", "proposals", ike), one("--esp", "esp_proposals", esp), one("--local-ts", "local_ts", localTs),
            one("--remote-ts", "remote_ts", remoteTs), one("--local-id", "local_id", localId), one("--remote-id", "remote_id", remoteId),
            on("--aggressive", "aggressive", aggressive), on("--aggressive", "aggressive_psk_responder", aggressive),
            on("--transport", "mode", transport, "transport"), on("--encap", "encap", encap),
            one("--dpd", "dpd_delay", dpd), one("--keepalive", "keepalive", keepalive),
            one("--ike-lifetime", "ike_lifetime", ikeLifetime), one("--esp-lifetime", "esp_lifetime", espLifetime),
            one("--esp-lifetime-bytes", "esp_lifetime_bytes", espLifetimeBytes),
            one("--esp-lifetime-packets", "esp_lifetime_packets", espLifetimePackets),
            one("--ike-rekey-margin", "ike_rekey_margin", ikeRekeyMargin), one("--ike-rekey-fuzz", "ike_rekey_fuzz", ikeRekeyFuzz),
            one("--ike-rekey-responder", "ike_rekey_responder", ikeRekeyResponder.map { $0 ? "yes" : "no" }),
            one("--esp-rekey-margin", "esp_rekey_margin", espRekeyMargin), one("--esp-rekey-fuzz", "esp_rekey_fuzz", espRekeyFuzz),
            one("--unique", "unique", unique), one("--dpd-action", "dpd_action", dpdAction),
            one("--close-action", "close_action", closeAction), one("--start-action", "start_action", startAction),
            one("--keyingtries", "keyingtries", keyingtries), one("--retry-backoff", "retry_backoff", retryBackoff),
            one("--retry-backoff-max", "retry_backoff_max", retryBackoffMax), one("--fragmentation", "fragmentation", fragmentation),
            one("--fragment-size", "fragment_size", fragmentSize), on("--legacy", "legacy", legacy),
            one("--retransmit-tries", "retransmit_tries", retransmitTries),
            one("--retransmit-timeout", "retransmit_timeout", retransmitTimeout),
            one("--retransmit-base", "retransmit_base", retransmitBase),
            one("--xauth-user", "xauth_user", xauthUser), one("--xauth-password-env", "xauth_password_env", xauthPasswordEnv),
            one("--modecfg", "modecfg", modecfg), one("--xauth-users", "xauth_users", xauthUsers),
            one("--xauth-tries", "xauth_tries", xauthTries), one("--pool", "pool", pool), ("--dns", "dns", dns), ("--nbns", "nbns", nbns),
            ("--split-include", "split_include", splitInclude), one("--banner", "banner", banner),
            one("--default-domain", "default_domain", defaultDomain), one("--updown", "updown", updown),
        ]
    }
}
