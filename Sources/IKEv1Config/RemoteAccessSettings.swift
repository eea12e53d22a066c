public import IKEv1
import IPsecCrypto
import ISAKMPWire

/// Remote access as a person writes it (issue 16), the same words as config keys and flags:
///
/// | key | flag | role | meaning |
/// |---|---|---|---|
/// | `xauth_user` | `--xauth-user NAME` | client | the XAUTH user name |
/// | `xauth_password_env` / `xauth_password_file` | `--xauth-password-env VAR` | client | where its password is |
/// | `modecfg` | `--modecfg pull\|push` | both | Mode Config direction (default pull) |
/// | `xauth_users` | `--xauth-users FILE` | gateway | `name:password` / `name:$6$...` lines (XAUTHUsersFile) |
/// | `xauth_tries` | `--xauth-tries N` | gateway | REPLYs a user may try (default 1) |
/// | `pool` | `--pool RANGE\|CIDR` | gateway | virtual IPs, one lease per ISAKMP SA |
/// | `dns`, `nbns` | `--dns ADDR`, `--nbns ADDR` | gateway | INTERNAL_IP4_DNS / _NBNS (repeatable) |
/// | `split_include` | `--split-include CIDR` | gateway | UNITY_SPLIT_INCLUDE (repeatable; default: local_ts) |
/// | `banner`, `default_domain` | `--banner TEXT`, `--default-domain NAME` | gateway | UNITY_BANNER, UNITY_DEF_DOMAIN |
/// | `updown` | `--updown SCRIPT` | both | run with vpnc-script's variables on connect and disconnect |
public struct RemoteAccessSettings: Equatable, Sendable {
    /// A mistake in one setting.
    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        /// What is wrong, naming the key.
        public var description: String
    }

    /// The keys of this table (README.md, "Remote access").
    public static let keys: Set<String> = [
        "xauth_user", "xauth_password_env", "xauth_password_file", "modecfg", "xauth_users", "xauth_tries", "pool", "dns", "nbns",
        "split_include", "banner", "default_domain", "updown",
    ]

    /// XAUTH user name (client).
    public var xauthUser: String?
    /// XAUTH password (client), from `xauth_password_env` or `xauth_password_file`.
    public var xauthPassword: [UInt8]?
    /// Mode Config direction; nil: pull when remote access is on.
    public var modeConfig: ModeConfigMode?
    /// The gateway's users file.
    public var xauthUsersFile: String?
    /// REPLYs a user may try before STATUS=FAIL (gateway).
    public var xauthTries: Int?
    /// The gateway's pool, a CIDR or range.
    public var pool: String?
    /// INTERNAL_IP4_DNS servers.
    public var dns: [String] = []
    /// INTERNAL_IP4_NBNS servers.
    public var nbns: [String] = []
    /// UNITY_SPLIT_INCLUDE networks.
    public var splitInclude: [String] = []
    /// UNITY_BANNER.
    public var banner: String?
    /// UNITY_DEF_DOMAIN.
    public var defaultDomain: String?
    /// The updown script (both roles; the CLI runs it).
    public var updown: String?

    /// Nothing configured.
    public init() {}

    /// True when anything of a client is set.
    public var isClient: Bool { xauthUser != nil || xauthPassword != nil || modeConfig != nil }
    /// True when anything of a gateway is set.
    public var isGateway: Bool {
        xauthUsersFile != nil || pool != nil || xauthTries != nil || !dns.isEmpty || !nbns.isEmpty || !splitInclude.isEmpty
            || banner != nil || defaultDomain != nil
    }

    /// Applies one `key = value` (config file) or flag.
    public mutating func apply(_ key: String, _ value: String, readFile: (String) -> [UInt8]?,
                               environment: [String: String]) throws(Error) {
        func address(_ text: String) throws(Error) -> String {
            guard let a = IPAddressText.parse(text[...]), a.count == 4 else { throw Error(description: "\(key) \(text) is not an IPv4 address") }
            return IPAddressText.format(a)
        }
        switch key {
        case "xauth_user": xauthUser = value
        case "xauth_password_env":
            guard let v = environment[value] else { throw Error(description: "environment variable \(value) is not set") }
            xauthPassword = Array(v.utf8)
        case "xauth_password_file":
            guard let bytes = readFile(value) else { throw Error(description: "cannot read xauth_password_file \(value)") }
            xauthPassword = Array(bytes.reversed().drop { $0 == 10 || $0 == 13 }.reversed())
        case "modecfg":
            guard let mode = ModeConfigMode(rawValue: value) else { throw Error(description: "modecfg is pull or push, not \(value)") }
            modeConfig = mode
        case "xauth_users":
            guard readFile(value) != nil else { throw Error(description: "cannot read xauth_users \(value)") }
            xauthUsersFile = value
        case "xauth_tries":
            guard let n = Int(value), n >= 1 else { throw Error(description: "xauth_tries is a count of 1 or more, not \(value)") }
            xauthTries = n
        case "pool":
            do throws(AddressPoolError) { _ = try AddressPool<Int>(name: "pool", notation: value) } catch {
                throw Error(description: error.reason)
            }
            pool = value
        case "dns": dns.append(try address(value))
        case "nbns": nbns.append(try address(value))
        case "split_include":
            _ = try Self.splitNetwork(value)
            splitInclude.append(value)
        case "banner": banner = value
        case "default_domain": defaultDomain = value
        case "updown": updown = value
        default: break
        }
    }

    /// `198.19.100.0/24` as a Unity split network.
    static func splitNetwork(_ text: String) throws(Error) -> UnitySplitNetwork {
        let selector: TrafficSelector
        do { selector = try TrafficSelector(notation: text, dynamic: nil) } catch {
            throw Error(description: "split_include \(text): \(error.reason)")
        }
        let nets = selector.unitySplitNetworks
        guard nets.count == 1, selector.ipProtocol == 0, selector.port == 0 else {
            throw Error(description: "split_include \(text) is not one IPv4 network (a.b.c.d/len)")
        }
        return nets[0]
    }

    /// The engine's role for this connection (nil: site to site). `readFile` reads the users file.
    func role(responder: Bool, readFile: (String) -> [UInt8]?) throws(Error) -> RemoteAccessRole? {
        if responder {
            guard isGateway || modeConfig != nil else { return nil }
            guard xauthUser == nil, xauthPassword == nil else {
                throw Error(description: "xauth_user and its password are a client's (connect); a gateway takes xauth_users")
            }
            var authenticator: XAUTHUsersFile?
            if let file = xauthUsersFile {
                guard let bytes = readFile(file) else { throw Error(description: "cannot read xauth_users \(file)") }
                do throws(ConfigFile.Error) { authenticator = try XAUTHUsersFile(parsing: String(decoding: bytes, as: UTF8.self)) } catch {
                    throw Error(description: "xauth_users \(file) \(error)")
                }
            }
            var attributes: [ModeConfigAttribute] = []
            attributes += dns.compactMap { IPAddressText.parse($0[...]).map(ModeConfigAttribute.internalIP4DNS) }
            attributes += nbns.compactMap { IPAddressText.parse($0[...]).map(ModeConfigAttribute.internalIP4NBNS) }
            if let banner { attributes.append(.unityBanner(banner)) }
            if let defaultDomain { attributes.append(.unityDefaultDomain(defaultDomain)) }
            if !splitInclude.isEmpty {
                var nets: [UnitySplitNetwork] = []
                for s in splitInclude { nets.append(try Self.splitNetwork(s)) }
                attributes.append(.unitySplitInclude(nets))
            }
            if pool == nil, modeConfig != nil || !attributes.isEmpty {
                throw Error(description: "Mode Config (modecfg, dns, nbns, split_include, banner, default_domain) needs a pool")
            }
            return .gateway(RemoteAccessGateway(authenticator: authenticator, xauthAttempts: xauthTries ?? 1,
                                                modeConfig: pool == nil ? nil : modeConfig ?? .pull, pool: pool, attributes: attributes))
        }
        guard isClient else { return nil }
        if isGateway { throw Error(description: "pool, xauth_users and the Mode Config attributes are a gateway's (respond)") }
        var credentials: XAUTHCredentials?
        switch (xauthUser, xauthPassword) {
        case (let user?, let password?): credentials = XAUTHCredentials(user: user, password: SecretBytes(password))
        case (nil, nil): break
        case (nil, _?): throw Error(description: "an XAUTH password without xauth_user")
        case (_?, nil): throw Error(description: "xauth_user needs its password (xauth_password_env, --xauth-password-env)")
        }
        return .client(RemoteAccessClient(xauth: credentials, modeConfig: modeConfig ?? .pull))
    }
}
