import IPsecCrypto
public import ISAKMPWire

/// Retransmission of requests (charon: timeout × base^n, `tries` attempts in all).
public struct RetransmitPolicy: Hashable, Sendable {
    /// First timeout in seconds.
    public var timeout: Double
    /// Growth factor.
    public var base: Double
    /// Sends in all, the first included.
    public var tries: Int
    /// charon's defaults: 4 s × 1.8ⁿ, 5 tries.
    public init(timeout: Double = 4, base: Double = 1.8, tries: Int = 5) {
        self.timeout = timeout
        self.base = base
        self.tries = tries
    }
    /// Delay before retransmission number `n` (0-based attempt that was just sent).
    func delay(afterAttempt n: Int) -> Double {
        var d = timeout
        for _ in 0..<n { d *= base }
        return d
    }
}

/// Everything one connection needs: addresses, identities, credentials, proposals, selectors, options.
public struct PeerConfig: Sendable {
    /// A name for status output and user requests.
    public var name: String
    /// Our address on UDP 500.
    public var localAddress: SocketAddress
    /// The peer (port 500), or nil to accept any initiator (responder only).
    public var remoteAddress: SocketAddress?
    /// Our Phase 1 identity (ID_IPV4_ADDR, ID_IPV6_ADDR, ID_FQDN, ID_USER_FQDN, ID_KEY_ID, ID_DER_ASN1_DN);
    /// with certificates it must be our certificate's subject or one of its subjectAltNames.
    public var localIdentity: Identity
    /// The identity the peer must show, or nil for any.
    public var remoteIdentity: Identity?
    /// A pre-shared key or signature credentials; every IKE proposal's method must be of its kind.
    public var authentication: PeerAuthentication
    /// Phase 1 proposals in our order of preference.
    public var ikeProposals: [IKEProposal]
    /// Quick Mode proposals in our order of preference.
    public var childProposals: [ChildProposal]
    /// Tunnel or transport.
    public var mode: IPsecMode
    /// Our protected traffic (nil: host-to-host, no client IDs).
    public var localTrafficSelector: TrafficSelector?
    /// The peer's protected traffic.
    public var remoteTrafficSelector: TrafficSelector?
    /// Child SA lifetime we propose / accept at most.
    public var childLifetime: Lifetime
    /// Start Aggressive Mode instead of Main Mode.
    public var aggressive: Bool
    /// Allow DES, Blowfish, CAST, MD5, DH groups 1/2/5.
    public var legacy: Bool
    /// Answer Aggressive Mode with PSK (charon's `i_dont_care_about_security_and_use_aggressive_mode_psk`).
    public var allowAggressiveModePSKResponder: Bool
    /// Announce and use NAT traversal (RFC 3947).
    public var natTraversal: Bool
    /// Force UDP encapsulation by sending a fake NAT-D hash (charon's `encap = yes`).
    public var forceEncapsulation: Bool
    /// DPD interval in seconds when idle; nil = no DPD probes (we still answer).
    public var dpdDelay: Double?
    /// Unanswered R-U-THERE probes before the peer is declared dead.
    public var dpdMaxMisses: Int
    /// NAT keepalive interval in seconds when behind a NAT.
    public var keepaliveInterval: Double
    /// Retransmission of our requests.
    public var retransmit: RetransmitPolicy
    /// Send INITIAL-CONTACT in Main Mode message 5.
    public var initialContact: Bool
    /// Rekey a child SA this many seconds before its lifetime ends (0 = never rekey).
    public var rekeyMargin: Double
    /// XAUTH and Mode Config as client or gateway (``enableRemoteAccess(_:)``); nil: site to site.
    public private(set) var remoteAccess: RemoteAccessRole?
    /// Up to this fraction of `rekeyMargin` earlier, at random (1 = 100 %; Libreswan's `rekeyfuzz`);
    /// volume limits are rekeyed a tenth before they end, fuzzed the same way.
    public var rekeyFuzz: Double = 0
    /// Packets (both ways) a child SA may carry, a local limit like charon's `life_packets`
    /// (IKEv1 has no packet lifetime on the wire); nil: none.
    public var childPacketLimit: UInt64?
    /// When and by whom the ISAKMP SA is renewed before it expires (make-before-break).
    public var ikeRenewal = RenewalPolicy()
    /// A peer that authenticates again with the same identities (charon's `unique`).
    public var uniqueness = UniquenessPolicy.replace
    /// When DPD finds the peer dead (charon's `dpd_action`).
    public var dpdAction = PeerGoneAction.clear
    /// When the peer deletes the ISAKMP SA and no other SA of it is left (charon's `close_action`).
    public var closeAction = PeerGoneAction.none
    /// Retries of a Phase 1 we start that fails (charon's `keyingtries`, with backoff).
    public var retry = RetryPolicy()
    /// IKE fragmentation (charon's `fragmentation`, default `yes`).
    public var fragmentation = FragmentationPolicy.yes
    /// The largest IP datagram an IKE message may make, headers included, before it is sent in
    /// fragments (charon's `fragment_size`, 1280).
    public var fragmentSize = IKEFragmenter.defaultDatagramSize

    /// Creates a configuration with charon-like defaults; with ``PeerAuthentication/signatures(_:)``
    /// the proposals' methods are set as ``authenticate(with:)`` sets them.
    public init(name: String, localAddress: SocketAddress, remoteAddress: SocketAddress?,
                localIdentity: Identity, remoteIdentity: Identity? = nil, authentication: PeerAuthentication,
                ikeProposals: [IKEProposal], childProposals: [ChildProposal], mode: IPsecMode = .tunnel,
                localTrafficSelector: TrafficSelector? = nil, remoteTrafficSelector: TrafficSelector? = nil,
                childLifetime: Lifetime = Lifetime(seconds: 3960), aggressive: Bool = false, legacy: Bool = false,
                allowAggressiveModePSKResponder: Bool = false, natTraversal: Bool = true,
                forceEncapsulation: Bool = false, dpdDelay: Double? = nil, dpdMaxMisses: Int = 5,
                keepaliveInterval: Double = 20, retransmit: RetransmitPolicy = RetransmitPolicy(),
                initialContact: Bool = true, rekeyMargin: Double = 0) {
        self.name = name
        self.localAddress = localAddress
        self.remoteAddress = remoteAddress
        self.localIdentity = localIdentity
        self.remoteIdentity = remoteIdentity
        self.authentication = authentication
        self.ikeProposals = ikeProposals
        self.childProposals = childProposals
        self.mode = mode
        self.localTrafficSelector = localTrafficSelector
        self.remoteTrafficSelector = remoteTrafficSelector
        self.childLifetime = childLifetime
        self.aggressive = aggressive
        self.legacy = legacy
        self.allowAggressiveModePSKResponder = allowAggressiveModePSKResponder
        self.natTraversal = natTraversal
        self.forceEncapsulation = forceEncapsulation
        self.dpdDelay = dpdDelay
        self.dpdMaxMisses = dpdMaxMisses
        self.keepaliveInterval = keepaliveInterval
        self.retransmit = retransmit
        self.initialContact = initialContact
        self.rekeyMargin = rekeyMargin
        if case .signatures(let credentials) = authentication { authenticate(with: credentials) }
    }

    /// Switches to certificate authentication: stores the credentials and makes every IKE
    /// proposal use the method their key signs with (RSA 3, ECDSA 9/10/11), or its XAUTH
    /// variant where the proposal used XAUTH.
    public mutating func authenticate(with credentials: SignatureCredentials) {
        authentication = .signatures(credentials)
        for i in ikeProposals.indices {
            let xauth = ikeProposals[i].authMethod.isXAUTH
            ikeProposals[i].authMethod = xauth ? credentials.authMethod.withXAUTH() ?? credentials.authMethod : credentials.authMethod
        }
    }

    /// Makes this connection a remote-access client or gateway. With XAUTH (a client's
    /// credentials, a gateway's authenticator) every IKE proposal uses the XAUTH variant of its
    /// method in which the initiator (the client) is authenticated: XAUTHInitPreShared (65001) or
    /// XAUTHInitRSA (65005), draft-beaulieu-ike-xauth-02 §7.2. A gateway with XAUTH then
    /// accepts only those, so holding the group secret never skips the user's authentication.
    public mutating func enableRemoteAccess(_ role: RemoteAccessRole) {
        remoteAccess = role
        guard role.usesXAUTH else { return }
        for i in ikeProposals.indices {
            if let m = ikeProposals[i].authMethod.withXAUTH() { ikeProposals[i].authMethod = m }
        }
    }

    /// Checks the policy: legacy algorithms only with `legacy`, proposals present,
    /// only implemented authentication methods, pre-shared-key methods only with a key, signature
    /// methods only with credentials whose key signs with that method and whose certificate holds
    /// our identity.
    public func validate() throws(IKEv1Error) {
        guard !ikeProposals.isEmpty else { throw IKEv1Error(.configuration, "\(name): no IKE proposal") }
        guard !childProposals.isEmpty else { throw IKEv1Error(.configuration, "\(name): no ESP/AH proposal") }
        if !legacy {
            if let p = ikeProposals.first(where: \.isLegacy) {
                throw IKEv1Error(.configuration, "\(name): IKE proposal \(p) uses DES, Blowfish, CAST, MD5 or DH group 1/2/5; allow it with `legacy`")
            }
            if let p = childProposals.first(where: \.isLegacy) {
                throw IKEv1Error(.configuration, "\(name): ESP proposal \(p) uses DES, Blowfish, CAST, MD5 or DH group 1/2/5; allow it with `legacy`")
            }
        }
        if let p = ikeProposals.first(where: { !$0.authMethod.isImplemented }) {
            throw IKEv1Error(.configuration, "\(name): \(p.authMethod) authentication (method \(p.authMethod.rawValue)) is not implemented")
        }
        if let p = ikeProposals.first(where: { $0.authMethod.isXAUTH != (remoteAccess?.usesXAUTH ?? false) }) {
            throw IKEv1Error(.configuration, p.authMethod.isXAUTH
                ? "\(name): IKE proposal \(p) uses \(p.authMethod), but no XAUTH client credentials or gateway authenticator are configured"
                : "\(name): XAUTH is configured, but IKE proposal \(p) authenticates with \(p.authMethod), which has no XAUTH variant")
        }
        try remoteAccess?.validate(name: name, localTrafficSelector: localTrafficSelector)
        guard (Self.smallestFragmentSize...65_535).contains(fragmentSize) else {
            throw IKEv1Error(.configuration, "\(name): fragment size \(fragmentSize) is not between \(Self.smallestFragmentSize) and 65535 bytes")
        }
        let credentials: SignatureCredentials
        switch authentication {
        case .preSharedKey:
            guard let signing = ikeProposals.first(where: \.authMethod.isSignature) else { return }
            throw IKEv1Error(.configuration, "\(name): \(signing.authMethod) authentication needs a certificate, private key and CA")
        case .signatures(let c):
            if let p = ikeProposals.first(where: { !$0.authMethod.isSignature }) {
                throw IKEv1Error(.configuration, "\(name): IKE proposal \(p) authenticates with \(p.authMethod), but the connection has "
                                 + "certificates and no pre-shared key")
            }
            credentials = c
        }
        if let p = ikeProposals.first(where: { $0.authMethod.isSignature && $0.authMethod.base != credentials.authMethod }) {
            throw IKEv1Error(.configuration, "\(name): IKE proposal \(p) authenticates with \(p.authMethod), "
                             + "but a \(credentials.signingKey.keyDescription) key signs with \(credentials.authMethod)")
        }
        let leaf = credentials.chain[0]
        guard leaf.holds(localIdentity) == true else {
            throw IKEv1Error(.configuration, "\(name): our identity \(ISAKMPSession.text(localIdentity)) is neither the subject "
                             + "of certificate \"\(leaf.subject)\" nor one of its subjectAltNames")
        }
    }

    /// The smallest ``fragmentSize``: room for an IPv6 and a UDP header, the non-ESP marker, a
    /// fragment message's headers and some data.
    public static let smallestFragmentSize = 128

    /// The child proposals with the right encapsulation mode attribute.
    func encapsulationMode(udp: Bool, draft: Bool) -> UInt16 {
        switch (mode, udp, draft) {
        case (.tunnel, false, _): IPsecAttribute.Mode.tunnel
        case (.transport, false, _): IPsecAttribute.Mode.transport
        case (.tunnel, true, false): IPsecAttribute.Mode.udpTunnel
        case (.transport, true, false): IPsecAttribute.Mode.udpTransport
        case (.tunnel, true, true): IPsecAttribute.Mode.udpTunnelDraft
        case (.transport, true, true): IPsecAttribute.Mode.udpTransportDraft
        }
    }
}
