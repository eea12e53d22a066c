import IKEv1
import IPsecCrypto
import ISAKMPWire

/// The keys of a `[conn NAME]` section (README.md, "Config file") and what each one sets: the one
/// place a written value becomes a setting, for the config file and the command-line flags alike.
extension ConnectionSettings {
    /// A value a key does not take, or a file or variable it names that cannot be read.
    public struct ValueError: Swift.Error, CustomStringConvertible, Equatable {
        /// What is wrong, naming the key (or the flag) as the caller wrote it.
        public var message: String
        /// The message.
        public var description: String { message }
        init(_ message: String) { self.message = message }
    }

    /// Every key a section may hold.
    public static let keys: Set<String> = Set<String>([
        "local", "remote", "local_id", "remote_id", "psk", "psk_file", "psk_env", "proposals", "esp_proposals",
        "local_ts", "remote_ts", "mode", "aggressive", "encap", "dpd_delay", "keepalive", "ike_lifetime", "esp_lifetime",
        "legacy", "aggressive_psk_responder", "tun_address", "retransmit_tries", "retransmit_timeout", "retransmit_base", "cert", "key", "ca",
        "block_threshold", "init_limit_half_open", "half_open_timeout", "max_ikev1_exchanges", "max_packet",
        "aggressive_per_second", "ike_rekey_margin", "ike_rekey_fuzz", "ike_rekey_responder", "esp_rekey_margin",
        "esp_rekey_fuzz", "unique", "esp_lifetime_bytes", "esp_lifetime_packets", "dpd_action", "close_action",
        "start_action", "keyingtries", "retry_backoff", "retry_backoff_max", "fragmentation", "fragment_size",
    ]).union(RemoteAccessSettings.keys)

    /// Keys that may be given more than once (each `ca` line adds a trust anchor, each `dns` a server...).
    public static let repeatable: Set<String> = ["ca", "dns", "nbns", "split_include"]

    /// Sets `key` (a config file key) from its written `value`, checked in full: durations such as
    /// `30s`, `60m`, `4h`; amounts such as `100k`, `50M`; selectors, credential files (read now, so
    /// a broken one is reported where it is named). `name` is how the caller wrote the key (a flag
    /// such as `--ike-lifetime`), for the message; `readFile` and `environment` resolve `psk_file`,
    /// `psk_env` and the remote-access files. On an error nothing changes.
    public mutating func set(_ key: String, to value: String, naming name: String? = nil,
                             readFile: (String) -> [UInt8]?, environment: [String: String]) throws(ValueError) {
        let name = name ?? key
        func named(_ message: String) -> String { name == key ? message : "\(name): \(message)" }
        func bool() throws(ValueError) -> Bool {
            switch value { case "yes", "true": return true; case "no", "false": return false
            default: throw ValueError("\(name) is yes or no, not \(value)") }
        }
        func seconds() throws(ValueError) -> Double {
            var digits = Substring(value), factor = 1.0
            switch value.last {
            case "s": digits = digits.dropLast()
            case "m": digits = digits.dropLast(); factor = 60
            case "h": digits = digits.dropLast(); factor = 3600
            case "d": digits = digits.dropLast(); factor = 86400
            default: break
            }
            guard let v = Double(digits), v > 0 else { throw ValueError("\(name) is a duration like 30s, 60m or 4h, not \(value)") }
            return v * factor
        }
        func margin() throws(ValueError) -> Double { value == "0" || value == "0s" || value == "no" ? 0 : try seconds() }
        func fraction() throws(ValueError) -> Double {
            let percent = value.hasSuffix("%")
            guard let v = Double(percent ? String(value.dropLast()) : value), v >= 0, v.isFinite else {
                throw ValueError("\(name) is a fraction like 100% or 0.5, not \(value)")
            }
            return percent ? v / 100 : v
        }
        func amount() throws(ValueError) -> UInt64 {
            let factors: [Character: UInt64] = ["k": 1 << 10, "K": 1 << 10, "m": 1 << 20, "M": 1 << 20, "g": 1 << 30, "G": 1 << 30]
            let factor = value.last.flatMap { factors[$0] }
            guard let v = UInt64(factor == nil ? value : String(value.dropLast())), v > 0, v <= UInt64(UInt32.max) * 1024 / (factor ?? 1) else {
                throw ValueError("\(name) is a positive amount like 500000, 100k, 50M or 4G, not \(value)")
            }
            return v * (factor ?? 1)
        }
        func count() throws(ValueError) -> Int {
            guard let v = Int(value), v > 0 else { throw ValueError("\(name) is a positive number, not \(value)") }
            return v
        }
        if psk != nil, key.hasPrefix("psk") { throw ValueError(named("give only one of psk, psk_file, psk_env")) }
        if RemoteAccessSettings.keys.contains(key) {
            do throws(RemoteAccessSettings.Error) {
                try remoteAccess.apply(key, value, readFile: readFile, environment: environment)
            } catch {
                throw ValueError(named(error.description))
            }
            return
        }
        switch key {
        case "local": local = value
        case "remote": remote = value
        case "local_id": localID = value
        case "remote_id": remoteID = value
        case "psk":
            if value.hasPrefix("0x") {
                guard let bytes = [UInt8](hexString: value.dropFirst(2)) else { throw ValueError("\(name) 0x... is not hex") }
                psk = SecretBytes(bytes)
            } else {
                var text = Substring(value)
                while text.first == "\"" { text = text.dropFirst() }
                while text.last == "\"" { text = text.dropLast() }
                psk = SecretBytes(text.utf8)
            }
        case "psk_file":
            guard let bytes = readFile(value) else { throw ValueError("cannot read \(name) \(value)") }
            psk = SecretBytes(bytes.reversed().drop { $0 == 10 || $0 == 13 }.reversed())
        case "psk_env":
            guard let v = environment[value] else { throw ValueError(named("environment variable \(value) is not set")) }
            psk = SecretBytes(v.utf8)
        case "proposals": ikeProposals = value
        case "esp_proposals": espProposals = value
        case "local_ts", "remote_ts":
            do throws(PeerConfigBuilder.Error) { try PeerConfigBuilder.checkSelector(value, name: name) } catch {
                throw ValueError(error.description)
            }
            if key == "local_ts" { localTS = value } else { remoteTS = value }
        case "mode":
            switch value { case "tunnel": transport = false; case "transport": transport = true
            default: throw ValueError("\(name) is tunnel or transport, not \(value)") }
        case "aggressive": aggressive = try bool()
        case "encap": encap = try bool()
        case "dpd_delay": dpdDelay = try seconds()
        case "keepalive": keepalive = try seconds()
        case "ike_lifetime": ikeLifetime = try seconds()
        case "esp_lifetime": espLifetime = try seconds()
        case "esp_lifetime_bytes": espLifetimeBytes = try amount()
        case "esp_lifetime_packets": espLifetimePackets = try amount()
        case "ike_rekey_margin": ikeRekeyMargin = try margin()
        case "ike_rekey_fuzz": ikeRekeyFuzz = try fraction()
        case "ike_rekey_responder": ikeRekeyResponder = try bool()
        case "esp_rekey_margin": espRekeyMargin = try margin()
        case "esp_rekey_fuzz": espRekeyFuzz = try fraction()
        case "unique":
            guard let u = UniquenessPolicy(rawValue: value) else { throw ValueError("\(name) is replace, keep or never, not \(value)") }
            unique = u
        case "dpd_action", "close_action":
            guard let action = PeerGoneAction(rawValue: value) else {
                throw ValueError("\(name) is none, clear, hold or restart, not \(value)")
            }
            if key == "dpd_action" { dpdAction = action } else { closeAction = action }
        case "start_action":
            guard let action = StartAction(rawValue: value) else { throw ValueError("\(name) is none, trap or start, not \(value)") }
            startAction = action
        case "keyingtries":
            guard let v = value == "%forever" ? 0 : Int(value), v >= 0 else {
                throw ValueError("\(name) is a count (0 or %forever: no end), not \(value)")
            }
            keyingTries = v
        case "fragmentation":
            guard let f = FragmentationPolicy(rawValue: value) else {
                throw ValueError("\(name) is yes, accept, force or no, not \(value)")
            }
            fragmentation = f
        case "fragment_size":
            guard let v = Int(value), (PeerConfig.smallestFragmentSize...65_535).contains(v) else {
                throw ValueError("\(name) is a datagram size from \(PeerConfig.smallestFragmentSize) to 65535 bytes, not \(value)")
            }
            fragmentSize = v
        case "retry_backoff": retryBackoff = try seconds()
        case "retry_backoff_max": retryBackoffMax = try seconds()
        case "legacy": legacy = try bool()
        case "aggressive_psk_responder": aggressivePSKResponder = try bool()
        case "tun_address": tunAddress = value
        case "cert", "key", "ca":
            // Read now, so a missing or broken file is reported at its line.
            do throws(CredentialFiles.Error) {
                if key == "key" { _ = try CredentialFiles.privateKey(value) } else { _ = try CredentialFiles.certificates(value, ca: key == "ca") }
            } catch {
                throw ValueError(named(error.description))
            }
            switch key {
            case "cert": certificateFile = value
            case "key": keyFile = value
            default: caFiles.append(value)
            }
        case "block_threshold": limits.halfOpenPerAddress = try count()
        case "init_limit_half_open": limits.halfOpen = try count()
        case "half_open_timeout": limits.halfOpenTimeout = try seconds()
        case "max_ikev1_exchanges": limits.quickModesInProgress = try count()
        case "aggressive_per_second": limits.aggressiveModePerSecond = Double(try count())
        case "max_packet":
            let size = try count()
            guard size >= 512 else { throw ValueError("\(name) below 512 bytes would refuse real peers") }
            limits.maxMessageSize = size
        case "retransmit_tries":
            guard let v = Int(value), v >= 1 else { throw ValueError("\(name) is a count of 1 or more, not \(value)") }
            retransmitTries = v
        case "retransmit_timeout": retransmitTimeout = try seconds()
        case "retransmit_base":
            guard let v = Double(value), v >= 1 else { throw ValueError("\(name) is a factor of 1 or more, not \(value)") }
            retransmitBase = v
        default: throw ValueError("unknown key \(name)")
        }
    }

}
