public import IPsecCrypto
public import ISAKMPWire

/// How Mode Config attributes travel (draft-dukes-ike-mode-cfg-02 §3.3).
public enum ModeConfigMode: String, Hashable, Sendable, CaseIterable {
    /// The client asks (CFG_REQUEST), the gateway answers (CFG_REPLY): vpnc, charon's `pull = yes`.
    case pull
    /// The gateway sets (CFG_SET), the client acknowledges (CFG_ACK): charon's `pull = no`.
    case push
}

/// A user name and password for XAUTH's generic type (draft-beaulieu-ike-xauth-02 §6.2).
public struct XAUTHCredentials: Sendable {
    /// XAUTH_USER_NAME.
    public var user: String
    /// XAUTH_USER_PASSWORD: sent once per REQUEST, never logged or kept by the engine.
    public var password: SecretBytes

    /// Creates credentials.
    public init(user: String, password: SecretBytes) {
        self.user = user
        self.password = password
    }
}

/// Where an XAUTH client's answers come from: its configuration (``XAUTHCredentials`` answers
/// every REQUEST the same), or a callback that asks the user.
public protocol XAUTHCredentialSource: Sendable {
    /// The answer to the gateway's `attempt`-th REQUEST (1-based) on one ISAKMP SA, which carried
    /// `message` (XAUTH_MESSAGE) if any; nil gives up (the client fails the SA).
    func credentials(attempt: Int, message: String?) -> XAUTHCredentials?
}

extension XAUTHCredentials: XAUTHCredentialSource {
    /// These same configured credentials for every REQUEST, whatever the attempt and message.
    public func credentials(attempt: Int, message: String?) -> XAUTHCredentials? { self }
}

/// A remote-access client: after Phase 1, XAUTH answers (if configured), then Mode Config for a
/// virtual IP, then Quick Mode from it (local TS = the virtual IP, remote TS = the one split
/// network received, else 0.0.0.0/0).
public struct RemoteAccessClient: Sendable {
    /// The answers to the gateway's XAUTH REQUESTs; nil: no XAUTH.
    public var xauth: (any XAUTHCredentialSource)?
    /// Pull (we request) or push (we wait for the gateway's SET); nil: no Mode Config.
    public var modeConfig: ModeConfigMode?
    /// APPLICATION_VERSION in our CFG_REQUEST.
    public var applicationVersion: String
    /// Send the Cisco Unity vendor ID and ask for the Unity attributes (split include, banner...).
    public var unity: Bool

    /// Creates a client.
    public init(xauth: (any XAUTHCredentialSource)?, modeConfig: ModeConfigMode? = .pull,
                applicationVersion: String = "swift-ikev1", unity: Bool = true) {
        self.xauth = xauth
        self.modeConfig = modeConfig
        self.applicationVersion = applicationVersion
        self.unity = unity
    }
}

/// A remote-access gateway: after Phase 1, XAUTH of the user through ``authenticator`` (if
/// configured), then a virtual IP from ``pool`` and ``attributes`` through Mode Config, and only
/// then Quick Mode, from the client's virtual IP to our local traffic selector.
public struct RemoteAccessGateway: Sendable {
    /// Checks each user's XAUTH REPLY; nil: no XAUTH.
    public var authenticator: (any XAUTHAuthenticator)?
    /// REPLYs a user may try before STATUS=FAIL (1: no retry, as charon; further tries get a new
    /// REQUEST carrying XAUTH_MESSAGE).
    public var xauthAttempts: Int
    /// Pull (the client requests) or push (we SET after XAUTH); nil: no Mode Config.
    public var modeConfig: ModeConfigMode?
    /// Virtual IPs, a CIDR or a range (``AddressPool``); leases belong to one ISAKMP SA each.
    public var pool: String?
    /// What every client gets besides its address: INTERNAL_IP4_DNS, NBNS, NETMASK, Unity
    /// BANNER, DEF_DOMAIN, SPLIT_INCLUDE... Unity attributes go only to clients that sent the
    /// Cisco Unity vendor ID or asked for them. Without a UNITY_SPLIT_INCLUDE, our IPv4 local
    /// traffic selector is announced as one (as charon's unity plugin).
    public var attributes: [ModeConfigAttribute]
    /// Send the Cisco Unity vendor ID.
    public var unity: Bool

    /// Creates a gateway.
    public init(authenticator: (any XAUTHAuthenticator)?, xauthAttempts: Int = 1, modeConfig: ModeConfigMode? = .pull,
                pool: String? = nil, attributes: [ModeConfigAttribute] = [], unity: Bool = true) {
        self.authenticator = authenticator
        self.xauthAttempts = xauthAttempts
        self.modeConfig = modeConfig
        self.pool = pool
        self.attributes = attributes
        self.unity = unity
    }
}

/// Which side of remote access a connection is.
public enum RemoteAccessRole: Sendable {
    /// We initiate Phase 1, answer XAUTH and receive a virtual IP.
    case client(RemoteAccessClient)
    /// We answer Phase 1, ask XAUTH and hand out virtual IPs.
    case gateway(RemoteAccessGateway)

    /// True when XAUTH is configured (client credentials or a gateway authenticator).
    public var usesXAUTH: Bool {
        switch self {
        case .client(let c): c.xauth != nil
        case .gateway(let g): g.authenticator != nil
        }
    }

    var modeConfig: ModeConfigMode? {
        switch self {
        case .client(let c): c.modeConfig
        case .gateway(let g): g.modeConfig
        }
    }

    var unity: Bool {
        switch self {
        case .client(let c): c.unity
        case .gateway(let g): g.unity
        }
    }

    func validate(name: String, localTrafficSelector: TrafficSelector?) throws(IKEv1Error) {
        guard case .gateway(let g) = self else { return }
        guard g.xauthAttempts >= 1 else { throw IKEv1Error(.configuration, "\(name): XAUTH attempts must be 1 or more") }
        if g.modeConfig != nil, g.pool == nil {
            throw IKEv1Error(.configuration, "\(name): Mode Config needs an address pool")
        }
        if g.attributes.contains(where: { $0.type == .internalIP4Address || $0.type.rawValue >= 16520 && $0.type.rawValue <= 16529 }) {
            throw IKEv1Error(.configuration, "\(name): INTERNAL_IP4_ADDRESS comes from the pool, and XAUTH attributes are not Mode Config's")
        }
        guard localTrafficSelector != nil else {
            throw IKEv1Error(.configuration, "\(name): a remote-access gateway needs the local traffic selector it protects")
        }
    }
}
