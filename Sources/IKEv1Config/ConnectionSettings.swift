public import IKEv1
import ISAKMPWire

/// One connection as a person writes it, in strongSwan's vocabulary: from a config
/// file section or from `initiate`/`respond`/`connect` flags.
public struct ConnectionSettings: Equatable, Sendable {
    /// The connection's name (`[conn NAME]`).
    public var name = "ikev1"
    /// Our address (and port) for IKE; nil: chosen by the kernel's route to the peer.
    public var local: String?
    /// The peer's address and port; `%any` on a responder accepts anyone.
    public var remote: String?
    /// Identities as swanctl writes them: `@fqdn`, `user@fqdn`, an IP address, `%any`.
    public var localID: String?
    /// The peer's identity, same forms; nil: its address.
    public var remoteID: String?
    /// The PSK, from `psk`, `psk_file` or `psk_env` (exactly one).
    public var psk: [UInt8]?
    /// Our certificate file for certificate authentication instead of a PSK (`cert`; a PEM file
    /// may hold its intermediates after it).
    public var certificateFile: String?
    /// Its private key file (`key`).
    public var keyFile: String?
    /// The CA certificate files the peer's certificate must chain to (`ca`, repeatable).
    public var caFiles: [String] = []
    /// IKE (Phase 1) proposals in strongSwan notation.
    public var ikeProposals = "aes128-sha256-modp2048"
    /// ESP (Quick Mode) proposals in strongSwan notation.
    public var espProposals = "aes128-sha256-modp2048"
    /// Our protected traffic in swanctl's notation (`10.1.0.0/24`, `10.1.0.0/24[gre]`,
    /// `dynamic[udp/1701]`); nil: our address (with `remoteTS` nil too: no client IDs).
    public var localTS: String?
    /// The peer's protected traffic, same notation; nil: its address.
    public var remoteTS: String?
    /// Transport mode instead of tunnel mode.
    public var transport = false
    /// Initiate with Aggressive Mode instead of Main Mode.
    public var aggressive = false
    /// Force UDP encapsulation (charon's `encap = yes`).
    public var encap = false
    /// Seconds of silence before a DPD probe (RFC 3706); nil: no DPD.
    public var dpdDelay: Double?
    /// NAT keepalive interval when we are behind a NAT (charon's `keep_alive`, default 20 s).
    public var keepalive: Double = 20
    /// ISAKMP SA lifetime in seconds.
    public var ikeLifetime: Double = 14_400
    /// IPsec SA lifetime in seconds.
    public var espLifetime: Double = 3_600
    /// IPsec SA lifetime in bytes, negotiated in kilobytes (RFC 2407 §4.5; rounded up); nil: none.
    public var espLifetimeBytes: UInt64?
    /// IPsec SA lifetime in packets, both ways (a local limit, charon's `life_packets`); nil: none.
    public var espLifetimePackets: UInt64?
    /// Renew the ISAKMP SA this many seconds before it expires, make-before-break (Libreswan's
    /// `rekeymargin`, 9 min; shortened to fall in the lifetime's second half); 0: let it expire.
    public var ikeRekeyMargin: Double = 540
    /// Renew up to this fraction of the margin earlier still, at random (Libreswan's `rekeyfuzz`, 100 %).
    public var ikeRekeyFuzz: Double = 1
    /// Renew the ISAKMP SA as responder when the initiator has not, half the margin before it
    /// expires (off: only the initiator renews, as Libreswan).
    public var ikeRekeyResponder = true
    /// Rekey IPsec SAs this many seconds before they expire; nil: a tenth of `espLifetime`.
    public var espRekeyMargin: Double?
    /// Rekey up to this fraction of that margin earlier still, at random.
    public var espRekeyFuzz: Double = 1
    /// A peer that authenticates again with the same identities (charon's `unique`): `replace`.
    public var unique = UniquenessPolicy.replace
    /// When DPD finds the peer dead (charon's `dpd_action`): `clear`, `hold` or `restart`.
    public var dpdAction = PeerGoneAction.clear
    /// When the peer deletes the connection (charon's `close_action`): `none`, `clear`, `hold` or `restart`.
    public var closeAction = PeerGoneAction.none
    /// What the node does with the connection when it starts (charon's `start_action`); nil: the
    /// command decides (`connect` and `initiate` start it, `respond` waits).
    public var startAction: StartAction?
    /// Phase 1 attempts in all when the peer is unreachable or refuses (charon's `keyingtries`); 0: forever.
    public var keyingTries = 0
    /// Seconds before the first retry; doubled for each further one...
    public var retryBackoff: Double = 2
    /// ...up to this many seconds.
    public var retryBackoffMax: Double = 60
    /// IKE fragmentation (charon's `fragmentation`): `yes` (default), `accept`, `force` or `no`.
    public var fragmentation = FragmentationPolicy.yes
    /// Largest IP datagram of an IKE message before it goes in fragments (charon's `fragment_size`, 1280).
    public var fragmentSize = IKEFragmenter.defaultDatagramSize
    /// Allow DES, Blowfish, CAST, MD5 and DH groups 1, 2, 5.
    public var legacy = false
    /// Answer Aggressive Mode with PSK; off unless asked for by name.
    public var aggressivePSKResponder = false
    /// Sends of a request in all, charon's `retransmit_tries`; nil: the engine's default (charon's).
    public var retransmitTries: Int?
    /// Seconds before the first retransmission, charon's `retransmit_timeout`; nil: the default.
    public var retransmitTimeout: Double?
    /// Factor between retransmissions, charon's `retransmit_base`; nil: the default.
    public var retransmitBase: Double?
    /// Inner address of our TUN device (`connect`, `respond --tun`), e.g. 198.51.100.1/32.
    public var tunAddress: String?
    /// Remote access (issue 16): XAUTH, Mode Config, updown script; see ``RemoteAccessSettings``.
    public var remoteAccess = RemoteAccessSettings()
    /// What peers may make a responder hold (charon's names in the file where charon has one:
    /// `block_threshold`, `init_limit_half_open`, `half_open_timeout`, `max_ikev1_exchanges`,
    /// `max_packet`; and `aggressive_per_second`).
    public var limits = ResponderLimits()

    /// Every setting at its default: tunnel mode, aes128-sha256-modp2048 for IKE and ESP, lifetimes 4 h and 1 h.
    public init(name: String = "ikev1") { self.name = name }
}

extension ConnectionSettings {
    /// Why the connection cannot authenticate: neither a PSK nor a complete certificate
    /// setup (cert, key and at least one ca), or both; nil when it can.
    public var authenticationProblem: String? {
        let certificate = certificateFile != nil || keyFile != nil || !caFiles.isEmpty
        if psk != nil && certificate { return "has both a pre-shared key and a certificate: give one" }
        if certificate {
            if certificateFile == nil { return "has no certificate (cert, --cert)" }
            if keyFile == nil { return "has no private key for its certificate (key, --key)" }
            if caFiles.isEmpty { return "has no CA certificate to verify the peer with (ca, --ca)" }
            return nil
        }
        return psk == nil ? "has no psk, psk_file, psk_env or cert, key and ca" : nil
    }
}

/// What the node does with a connection when it starts (charon's `start_action`).
public enum StartAction: String, Equatable, Sendable, CaseIterable {
    /// Nothing: wait for the peer.
    case none
    /// Route the remote subnet into the TUN device and initiate on the first packet for it
    /// (packets held meanwhile, up to a bound).
    case trap
    /// Initiate at once.
    case start
}

/// Reads the config file documented in README.md: `[conn NAME]` sections of
/// `key = value` lines, `#` comments. Every mistake names its line.
public enum ConfigFile {
    /// A mistake in the file, with the 1-based line it is on.
    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        /// The line (1-based).
        public var line: Int
        /// What is wrong.
        public var message: String
        /// `line N: message`.
        public var description: String { "line \(line): \(message)" }
    }

    static let keys: Set<String> = Set<String>([
        "local", "remote", "local_id", "remote_id", "psk", "psk_file", "psk_env", "proposals", "esp_proposals",
        "local_ts", "remote_ts", "mode", "aggressive", "encap", "dpd_delay", "keepalive", "ike_lifetime", "esp_lifetime",
        "legacy", "aggressive_psk_responder", "tun_address", "retransmit_tries", "retransmit_timeout", "retransmit_base", "cert", "key", "ca",
        "block_threshold", "init_limit_half_open", "half_open_timeout", "max_ikev1_exchanges", "max_packet",
        "aggressive_per_second", "ike_rekey_margin", "ike_rekey_fuzz", "ike_rekey_responder", "esp_rekey_margin",
        "esp_rekey_fuzz", "unique", "esp_lifetime_bytes", "esp_lifetime_packets", "dpd_action", "close_action",
        "start_action", "keyingtries", "retry_backoff", "retry_backoff_max", "fragmentation", "fragment_size",
    ]).union(RemoteAccessSettings.keys)

    /// Keys that may be given more than once (each `ca` line adds a trust anchor, each `dns` a server...).
    static let repeatable: Set<String> = ["ca", "dns", "nbns", "split_include"]

    /// Parses every `[conn NAME]` section; `readFile` and `environment` resolve `psk_file` and `psk_env`.
    public static func parse(_ text: String, readFile: (String) -> [UInt8]? = { _ in nil },
                      environment: [String: String] = [:]) throws(Error) -> [ConnectionSettings] {
        var connections: [ConnectionSettings] = []
        var current: ConnectionSettings?
        var seen: Set<String> = []
        func finish(_ line: Int) throws(Error) {
            guard let c = current else { return }
            if let problem = c.authenticationProblem { throw Error(line: line, message: "connection \(c.name) \(problem)") }
            connections.append(c)
        }
        // "\r\n" is one Character in Swift: split on it too, or a CRLF file is a single line.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (index, raw) in lines.enumerated() {
            let n = index + 1
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first
                .map { $0.trimmingCharacters(in: " \t\r") } ?? ""
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw Error(line: n, message: "a section header ends with ]") }
                let words = line.dropFirst().dropLast().split(separator: " ")
                guard words.count == 2, words[0] == "conn" else {
                    throw Error(line: n, message: "expected [conn NAME], found \(line)")
                }
                try finish(n)
                guard !connections.contains(where: { $0.name == String(words[1]) }) else {
                    throw Error(line: n, message: "connection \(words[1]) is defined twice")
                }
                current = ConnectionSettings(name: String(words[1]))
                seen = []
                continue
            }
            guard let eq = line.firstIndex(of: "=") else {
                throw Error(line: n, message: "expected key = value, found \(line)")
            }
            let key = line[..<eq].trimmingCharacters(in: " \t")
            let value = line[line.index(after: eq)...].trimmingCharacters(in: " \t")
            guard current != nil else { throw Error(line: n, message: "\(key) outside a [conn NAME] section") }
            guard keys.contains(key) else {
                let near = keys.filter { editDistance($0, key) <= 2 }.sorted().first
                throw Error(line: n, message: "unknown key \(key)" + (near.map { " (did you mean \($0)?)" } ?? ""))
            }
            guard seen.insert(key).inserted || repeatable.contains(key) else { throw Error(line: n, message: "\(key) given twice") }
            guard !value.isEmpty else { throw Error(line: n, message: "\(key) has no value") }
            try apply(key, value, to: &current!, line: n, readFile: readFile, environment: environment)
        }
        try finish(lines.count)
        guard !connections.isEmpty else { throw Error(line: lines.count, message: "no [conn NAME] section") }
        return connections
    }

    static func apply(_ key: String, _ value: String, to c: inout ConnectionSettings, line n: Int,
                      readFile: (String) -> [UInt8]?, environment: [String: String]) throws(Error) {
        func bool() throws(Error) -> Bool {
            switch value { case "yes", "true": return true; case "no", "false": return false
            default: throw Error(line: n, message: "\(key) is yes or no, not \(value)") }
        }
        func seconds() throws(Error) -> Double {
            var digits = Substring(value), factor = 1.0
            switch value.last {
            case "s": digits = digits.dropLast()
            case "m": digits = digits.dropLast(); factor = 60
            case "h": digits = digits.dropLast(); factor = 3600
            case "d": digits = digits.dropLast(); factor = 86400
            default: break
            }
            guard let v = Double(digits), v > 0 else { throw Error(line: n, message: "\(key) is a duration like 30s, 60m or 4h, not \(value)") }
            return v * factor
        }
        func margin() throws(Error) -> Double { value == "0" || value == "0s" || value == "no" ? 0 : try seconds() }
        func fraction() throws(Error) -> Double {
            let percent = value.hasSuffix("%")
            guard let v = Double(percent ? String(value.dropLast()) : value), v >= 0, v.isFinite else {
                throw Error(line: n, message: "\(key) is a fraction like 100% or 0.5, not \(value)")
            }
            return percent ? v / 100 : v
        }
        func amount() throws(Error) -> UInt64 {
            let factors: [Character: UInt64] = ["k": 1 << 10, "K": 1 << 10, "m": 1 << 20, "M": 1 << 20, "g": 1 << 30, "G": 1 << 30]
            let factor = value.last.flatMap { factors[$0] }
            guard let v = UInt64(factor == nil ? value : String(value.dropLast())), v > 0, v <= UInt64(UInt32.max) * 1024 / (factor ?? 1) else {
                throw Error(line: n, message: "\(key) is a positive amount like 500000, 100k, 50M or 4G, not \(value)")
            }
            return v * (factor ?? 1)
        }
        func count() throws(Error) -> Int {
            guard let v = Int(value), v > 0 else { throw Error(line: n, message: "\(key) is a positive number, not \(value)") }
            return v
        }
        if c.psk != nil, key.hasPrefix("psk") { throw Error(line: n, message: "give only one of psk, psk_file, psk_env") }
        if RemoteAccessSettings.keys.contains(key) {
            do throws(RemoteAccessSettings.Error) {
                try c.remoteAccess.apply(key, value, readFile: readFile, environment: environment)
            } catch {
                throw Error(line: n, message: error.description)
            }
            return
        }
        switch key {
        case "local": c.local = value
        case "remote": c.remote = value
        case "local_id": c.localID = value
        case "remote_id": c.remoteID = value
        case "psk":
            if value.hasPrefix("0x") {
                guard let bytes = [UInt8](hexString: value.dropFirst(2)) else { throw Error(line: n, message: "psk 0x... is not hex") }
                c.psk = bytes
            } else {
                c.psk = Array(value.trimmingCharacters(in: "\"").utf8)
            }
        case "psk_file":
            guard let bytes = readFile(value) else { throw Error(line: n, message: "cannot read psk_file \(value)") }
            c.psk = Array(bytes.reversed().drop { $0 == 10 || $0 == 13 }.reversed())
        case "psk_env":
            guard let v = environment[value] else { throw Error(line: n, message: "environment variable \(value) is not set") }
            c.psk = Array(v.utf8)
        case "proposals": c.ikeProposals = value
        case "esp_proposals": c.espProposals = value
        case "local_ts", "remote_ts":
            do throws(PeerConfigBuilder.Error) { try PeerConfigBuilder.checkSelector(value, name: key) } catch {
                throw Error(line: n, message: error.description)
            }
            if key == "local_ts" { c.localTS = value } else { c.remoteTS = value }
        case "mode":
            switch value { case "tunnel": c.transport = false; case "transport": c.transport = true
            default: throw Error(line: n, message: "mode is tunnel or transport, not \(value)") }
        case "aggressive": c.aggressive = try bool()
        case "encap": c.encap = try bool()
        case "dpd_delay": c.dpdDelay = try seconds()
        case "keepalive": c.keepalive = try seconds()
        case "ike_lifetime": c.ikeLifetime = try seconds()
        case "esp_lifetime": c.espLifetime = try seconds()
        case "esp_lifetime_bytes": c.espLifetimeBytes = try amount()
        case "esp_lifetime_packets": c.espLifetimePackets = try amount()
        case "ike_rekey_margin": c.ikeRekeyMargin = try margin()
        case "ike_rekey_fuzz": c.ikeRekeyFuzz = try fraction()
        case "ike_rekey_responder": c.ikeRekeyResponder = try bool()
        case "esp_rekey_margin": c.espRekeyMargin = try margin()
        case "esp_rekey_fuzz": c.espRekeyFuzz = try fraction()
        case "unique":
            guard let u = UniquenessPolicy(rawValue: value) else { throw Error(line: n, message: "unique is replace, keep or never, not \(value)") }
            c.unique = u
        case "dpd_action", "close_action":
            guard let action = PeerGoneAction(rawValue: value) else {
                throw Error(line: n, message: "\(key) is none, clear, hold or restart, not \(value)")
            }
            if key == "dpd_action" { c.dpdAction = action } else { c.closeAction = action }
        case "start_action":
            guard let action = StartAction(rawValue: value) else { throw Error(line: n, message: "start_action is none, trap or start, not \(value)") }
            c.startAction = action
        case "keyingtries":
            guard let v = value == "%forever" ? 0 : Int(value), v >= 0 else {
                throw Error(line: n, message: "keyingtries is a count (0 or %forever: no end), not \(value)")
            }
            c.keyingTries = v
        case "fragmentation":
            guard let f = FragmentationPolicy(rawValue: value) else {
                throw Error(line: n, message: "fragmentation is yes, accept, force or no, not \(value)")
            }
            c.fragmentation = f
        case "fragment_size":
            guard let v = Int(value), (PeerConfig.smallestFragmentSize...65_535).contains(v) else {
                throw Error(line: n, message: "fragment_size is a datagram size from \(PeerConfig.smallestFragmentSize) to 65535 bytes, not \(value)")
            }
            c.fragmentSize = v
        case "retry_backoff": c.retryBackoff = try seconds()
        case "retry_backoff_max": c.retryBackoffMax = try seconds()
        case "legacy": c.legacy = try bool()
        case "aggressive_psk_responder": c.aggressivePSKResponder = try bool()
        case "tun_address": c.tunAddress = value
        case "cert", "key", "ca":
            // Read now, so a missing or broken file is reported at its line.
            do throws(CredentialFiles.Error) {
                if key == "key" { _ = try CredentialFiles.privateKey(value) } else { _ = try CredentialFiles.certificates(value, ca: key == "ca") }
            } catch {
                throw Error(line: n, message: error.description)
            }
            switch key {
            case "cert": c.certificateFile = value
            case "key": c.keyFile = value
            default: c.caFiles.append(value)
            }
        case "block_threshold": c.limits.halfOpenPerAddress = try count()
        case "init_limit_half_open": c.limits.halfOpen = try count()
        case "half_open_timeout": c.limits.halfOpenTimeout = try seconds()
        case "max_ikev1_exchanges": c.limits.quickModesInProgress = try count()
        case "aggressive_per_second": c.limits.aggressiveModePerSecond = Double(try count())
        case "max_packet":
            c.limits.maxMessageSize = try count()
            guard c.limits.maxMessageSize >= 512 else { throw Error(line: n, message: "max_packet below 512 bytes would refuse real peers") }
        case "retransmit_tries":
            guard let v = Int(value), v >= 1 else { throw Error(line: n, message: "retransmit_tries is a count of 1 or more, not \(value)") }
            c.retransmitTries = v
        case "retransmit_timeout": c.retransmitTimeout = try seconds()
        case "retransmit_base":
            guard let v = Double(value), v >= 1 else { throw Error(line: n, message: "retransmit_base is a factor of 1 or more, not \(value)") }
            c.retransmitBase = v
        default: break
        }
    }

    /// Levenshtein distance, for "did you mean" hints.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let old = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = old
            }
        }
        return row[b.count]
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s = s.dropFirst() }
        while let l = s.last, chars.contains(l) { s = s.dropLast() }
        return String(s)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}
