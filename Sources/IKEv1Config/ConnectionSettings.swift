public import IKEv1
public import IPsecCrypto
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
    /// The PSK, from `psk`, `psk_file` or `psk_env` (exactly one); never printed.
    public var psk: SecretBytes?
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
        return psk == nil ? "has no psk, psk_file or psk_env (--psk-file, --psk-env), nor cert, key and ca (--cert, --key, --ca)" : nil
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

    /// Parses every `[conn NAME]` section and the `[secrets]` section; `readFile` and
    /// `environment` resolve `psk_file` and `psk_env`. A connection with neither a PSK nor a
    /// certificate takes its PSK from `[secrets]`: the line keyed by its `remote_id`, else by its
    /// peer's address (`remote`), as charon's secrets are found by identity.
    public static func parse(_ text: String, readFile: (String) -> [UInt8]? = { _ in nil },
                      environment: [String: String] = [:]) throws(Error) -> [ConnectionSettings] {
        var connections: [(settings: ConnectionSettings, end: Int)] = []
        var current: ConnectionSettings?
        var inSecrets = false
        var secrets: [String: SecretBytes] = [:]
        var seen: Set<String> = []
        var names: Set<String> = []
        func finish(_ line: Int) {
            if let c = current { connections.append((c, line)) }
            current = nil
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
                finish(n)
                if words == ["secrets"] {
                    inSecrets = true
                    continue
                }
                guard words.count == 2, words[0] == "conn" else {
                    throw Error(line: n, message: "expected [conn NAME] or [secrets], found \(line)")
                }
                guard names.insert(String(words[1])).inserted else {
                    throw Error(line: n, message: "connection \(words[1]) is defined twice")
                }
                current = ConnectionSettings(name: String(words[1]))
                inSecrets = false
                seen = []
                continue
            }
            guard let eq = line.firstIndex(of: "=") else {
                throw Error(line: n, message: "expected key = value, found \(line)")
            }
            let key = line[..<eq].trimmingCharacters(in: " \t")
            let value = line[line.index(after: eq)...].trimmingCharacters(in: " \t")
            if inSecrets {
                let (identity, psk) = try secret(key, value, line: n)
                guard secrets.updateValue(psk, forKey: identity) == nil else { throw Error(line: n, message: "a secret for \(key) is given twice") }
                continue
            }
            guard current != nil else { throw Error(line: n, message: "\(key) outside a [conn NAME] or [secrets] section") }
            guard ConnectionSettings.keys.contains(key) else {
                let near = ConnectionSettings.keys.filter { editDistance($0, key) <= 2 }.sorted().first
                throw Error(line: n, message: "unknown key \(key)" + (near.map { " (did you mean \($0)?)" } ?? ""))
            }
            guard seen.insert(key).inserted || ConnectionSettings.repeatable.contains(key) else { throw Error(line: n, message: "\(key) given twice") }
            guard !value.isEmpty else { throw Error(line: n, message: "\(key) has no value") }
            do throws(ConnectionSettings.ValueError) {
                try current?.set(key, to: value, readFile: readFile, environment: environment)
            } catch {
                throw Error(line: n, message: error.message)
            }
        }
        finish(lines.count)
        guard !connections.isEmpty else { throw Error(line: lines.count, message: "no [conn NAME] section") }
        var result: [ConnectionSettings] = []
        for (var c, end) in connections {
            if c.psk == nil && c.certificateFile == nil && c.keyFile == nil && c.caFiles.isEmpty {
                c.psk = [c.remoteID, c.remote].compactMap { $0.flatMap(secretKey) }.lazy.compactMap { secrets[$0] }.first
            }
            if let problem = c.authenticationProblem { throw Error(line: end, message: "connection \(c.name) \(problem)") }
            result.append(c)
        }
        return result
    }

    /// A `[secrets]` line: an identity or address and a PSK written as `psk` takes it.
    private static func secret(_ key: String, _ value: String, line n: Int) throws(Error) -> (String, SecretBytes) {
        guard let identity = secretKey(key) else {
            throw Error(line: n, message: "\(key) is not an identity (@fqdn, user@fqdn, an address, keyid:NAME, a DN) to key a secret by")
        }
        var scratch = ConnectionSettings()
        do throws(ConnectionSettings.ValueError) { try scratch.set("psk", to: value, readFile: { _ in nil }, environment: [:]) } catch {
            throw Error(line: n, message: error.message)
        }
        guard let psk = scratch.psk, !value.isEmpty else { throw Error(line: n, message: "the secret for \(key) is empty") }
        return (identity, psk)
    }

    /// The form a secret is filed under: an identity as written, an address without its port and
    /// in its canonical text; nil for `%any` and what is not an identity.
    private static func secretKey(_ text: String) -> String? {
        if let address = SocketAddress(text, defaultPort: 0) { return IPAddressText.format(address.address) }
        guard text != "%any", (try? PeerConfigBuilder.identity(text)) != nil else { return nil }
        return text
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
