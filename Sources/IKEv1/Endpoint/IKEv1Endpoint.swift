import IPsecCrypto
import ISAKMPWire

/// All ISAKMP SAs of one IKE node. Routes datagrams by cookie to per-SA machines,
/// creates responder SAs for new Main/Aggressive Mode first messages, and
/// starts initiator SAs on request. Pure: no I/O, no clock, no randomness of its own.
///
///     var endpoint = try IKEv1Endpoint(configs: [config])
///     var env = Environment(now: EngineTime(milliseconds: 0), entropy: SystemEntropy())
///     for action in endpoint.handle(.initiate(peer: "gw"), &env) { ... }
public struct IKEv1Endpoint {
    /// The connections this node knows, in the order given.
    public var configs: [PeerConfig] { connections.all }
    var connections: ConnectionTable
    /// What peers may make this endpoint hold as responder.
    public let limits: ResponderLimits
    /// What the endpoint refused to hold so far.
    public internal(set) var counters = DropCounters()
    var sessions: [ISAKMPSAID: ISAKMPSession] = [:]
    /// The established ones by peer identity (EstablishedPeers.swift).
    var establishedPeers = EstablishedPeers()
    var halfOpen = HalfOpenTable()
    var dropLog: [DropReason: DropLogEntry] = [:]
    var aggressiveBucket = TokenBucket.full
    /// The virtual-IP pools of remote-access gateway connections, by connection name; a lease
    /// belongs to one ISAKMP SA (Endpoint/AddressLeases.swift).
    var pools: [String: AddressPool<ISAKMPSAID>] = [:]
    /// IPsec SAs whose ISAKMP SA ended while the peer had no other (OrphanedChildren.swift), by inbound SPI.
    var orphans: [UInt32: OrphanedChild] = [:]
    /// Failed Phase 1 attempts in a row per connection (Restart.swift).
    var connectAttempts: [String: Int] = [:]
    /// Fragmented messages being put together (Fragmentation/EndpointFragments.swift).
    var reassembler: IKEFragmentReassembler
    /// When the ``TimerID/Kind/fragmentReassembly`` timer is armed for, if it is.
    var fragmentTimer: EngineTime?
    /// Which ISAKMP SA holds each IPsec SA (by inbound SPI): a cache, checked on every use and
    /// rebuilt when it is wrong (``owner(ofChild:)``), so traffic reports cost no scan per SA.
    var childOwners: [UInt32: ISAKMPSAID] = [:]
    /// Datagrams held back until they are due (``hold(_:env:into:)``), oldest first, at most 64.
    var deferredSends: [(due: EngineTime, datagram: OutboundDatagram)] = []

    /// Creates an endpoint; every configuration must pass ``PeerConfig/validate()``.
    public init(configs: [PeerConfig], limits: ResponderLimits = ResponderLimits()) throws(IKEv1Error) {
        for c in configs { try c.validate() }
        try limits.validate()
        connections = try ConnectionTable(configs)
        self.limits = limits
        reassembler = try IKEFragmentReassembler(limits: limits.fragments)
        pools = try Self.makePools(configs)
    }

    /// Feeds one event and returns what to do.
    public mutating func handle(_ event: Event, _ env: inout Environment) -> [Action] {
        var actions: [Action]
        switch event {
        case .initiate(let name):
            actions = initiate(name, env: &env)
        case .acquire(let name):
            actions = []
            restart(name, env: &env, into: &actions)
        case .datagram(let bytes, let from, let to):
            actions = receive(bytes, from: from, to: to, env: &env)
        case .timerFired(let timer):
            if let routed = childTimer(timer, env: &env) { return routed }
            if timer.kind == .isakmpRenew { return renew(timer.sa, env: &env) }
            if timer.kind == .fragmentReassembly { return expireFragments(env: env) }
            if timer.kind == .deferredSend { return sendDeferred(env: env) }
            if case .reconnect(let name) = timer.kind {
                actions = []
                restart(name, env: &env, into: &actions)
                return actions
            }
            guard var s = sessions[timer.sa] else { return [] }
            actions = s.timerFired(timer.kind, env: &env)
            sessions[timer.sa] = s
            if timer.kind == .halfOpen, s.phase1.isClosed { counters.halfOpenTimedOut += 1 }
            afterEvent(of: timer.sa, &actions, env: &env)
        case .rekeyChild(let sa):
            guard var s = sessions[sa], let e = s.established else { return notFound(sa) }
            actions = []
            s.startQuickMode(rekeying: e.children.values.min(by: { $0.installed < $1.installed })?.inbound.spi,
                             env: &env, into: &actions)
            sessions[sa] = s
        case .delete(let sa):
            guard var s = sessions[sa] else { return notFound(sa) }
            actions = []
            s.deleteAll(reason: "deleted locally", env: &env, into: &actions)
            sessions[sa] = s
            afterEvent(of: sa, &actions, env: &env)
        case .childTraffic(let spi, let bytes, let packets, let sealed):
            guard let id = owner(ofChild: spi), var s = sessions[id] else { return [] }
            actions = []
            s.noteTraffic(inboundSPI: spi, ChildUsage(bytes: bytes, packets: packets, sealed: sealed), env: &env, into: &actions)
            sessions[id] = s
            afterEvent(of: id, &actions, env: &env)
        case .peerMoved(let spi, let to):
            guard let id = owner(ofChild: spi), var session = sessions[id] else { return [] }
            actions = []
            session.follow(to, into: &actions)
            sessions[id] = session
        case .terminate(let name):
            return terminate(name, env: &env)
        case .rekey(let name):
            actions = rekey(name, env: &env)
        case .probeDPD(let sa):
            guard var s = sessions[sa] else { return notFound(sa) }
            actions = []
            s.sendDPDProbe(env: &env, into: &actions)
            sessions[sa] = s
            afterEvent(of: sa, &actions, env: &env)
        }
        return actions
    }

    /// Established ISAKMP SAs, for status output.
    public var isakmpSAs: [ISAKMPSAInfo] {
        sessions.values.compactMap(\.info).sorted { $0.established < $1.established }
    }

    /// Installed child SAs with their keys (what the ESP layer consumes), including those that
    /// outlived their ISAKMP SA.
    public var childSAs: [ChildSA] {
        (sessions.values.flatMap { $0.children.values } + orphans.values.map(\.held.child)).sorted { ($0.installed, $0.inbound.spi) < ($1.installed, $1.inbound.spi) }
    }

    /// Number of ISAKMP SAs in any state.
    public var sessionCount: Int { sessions.count }

    private func notFound(_ sa: ISAKMPSAID) -> [Action] {
        [.failed(Failure(sa: sa, error: IKEv1Error(.invalidCookie, "no ISAKMP SA \(sa)")))]
    }

    private mutating func initiate(_ name: String, env: inout Environment) -> [Action] {
        // Read through the shared box: `connections[name]` would copy the whole configuration.
        guard let config = connections.shared(named: name) else {
            return [.failed(Failure(sa: .zero, error: IKEv1Error(.configuration, "no connection named \(name)")))]
        }
        guard let remote = config.value.remoteAddress else {
            return [.failed(Failure(sa: .zero, error: IKEv1Error(.configuration, "\(name): no remote address to initiate to")))]
        }
        var actions: [Action] = []
        startPhase1(for: name, purpose: .connect, remote: remote, env: &env, into: &actions)
        return actions
    }

    /// A datagram. The cheap checks come first, in this order, and a message that fails one costs
    /// no decryption, PRF or Diffie-Hellman work: size; header; a known SA (its responder cookie,
    /// the Quick Mode limits) or else a Main/Aggressive Mode first message (responder cookie and
    /// message ID zero); the per-address half-open limit; the payload chain; a connection for the
    /// peer; room in the half-open table; the Aggressive Mode rate; the offered proposals. Only then is an SA created
    /// (and, when the table is full, the oldest unproven one evicted).
    private mutating func receive(_ datagram: [UInt8], from: SocketAddress, to: SocketAddress, env: inout Environment) -> [Action] {
        var bytes = datagram
        if to.port != 500 {
            switch UDPEncapsulated.classify(datagram[...]) {
            case .ike(let ike): bytes = Array(ike)
            default: return []   // keepalives and ESP are the node's business
            }
        }
        return receive(message: bytes, from: from, to: to, fragment: true, env: &env)
    }

    /// An ISAKMP message (after any non-ESP marker): one datagram, or (`fragment` false) the
    /// message its fragments made up, which must not be a fragment itself.
    mutating func receive(message bytes: [UInt8], from: SocketAddress, to: SocketAddress, fragment: Bool,
                          env: inout Environment) -> [Action] {
        guard bytes.count <= limits.maxMessageSize else {
            return drop(.tooLarge, sa: .zero, "\(bytes.count)-byte message from \(from) exceeds \(limits.maxMessageSize) bytes", env: env)
        }
        guard bytes.count >= ISAKMPHeader.size, let header = try? ISAKMPHeader.decode(bytes[...]) else {
            return drop(.malformed, sa: .zero, "\(bytes.count) bytes from \(from) are not an ISAKMP message", env: env)
        }
        if header.nextPayload == .fragment {
            guard fragment else {
                return drop(.fragment, sa: header.initiatorCookie, "fragments from \(from) made up a fragment message", env: env)
            }
            return receiveFragment(bytes, header: header, from: from, to: to, env: &env)
        }
        let ic = header.initiatorCookie
        if sessions.index(forKey: ic) != nil {
            return receive(bytes, header: header, from: from, to: to, env: &env)
        }
        guard header.responderCookie == .zero, header.messageID == 0,
              header.exchangeType == .mainMode || header.exchangeType == .aggressive else {
            return drop(.unknownSA, sa: ic, "\(header.exchangeType) for unknown ISAKMP SA \(ic)/\(header.responderCookie) from \(from)", env: env)
        }
        guard halfOpen.count(from: from.address) < limits.halfOpenPerAddress else {
            return drop(.halfOpenPerAddress, sa: ic, "\(IPAddressText.format(from.address)) already has "
                        + "\(limits.halfOpenPerAddress) half-open ISAKMP SAs: \(header.exchangeType) dropped", env: env)
        }
        let message: ISAKMPMessage
        do { message = try ISAKMPMessage.decode(bytes) } catch {
            return drop(.malformed, sa: ic, "dropped from \(from): \(error)", env: env)
        }
        guard let config = responderConfig(for: message, from: from) else {
            let id = message.payloads?.first(ofType: IdentificationPayload.self)?.identity
            var actions = drop(.noConnection, sa: ic, "no connection accepts \(header.exchangeType) from \(from)"
                               + (id.map { " with ID \(ISAKMPSession.text($0))" } ?? ""), env: env)
            // As charon: NO-PROPOSAL-CHOSEN in the clear, sent only when the drop is logged (at
            // most once per ResponderLimits.dropReportInterval), so it cannot be used to reflect.
            if !actions.isEmpty {
                let notify = NotificationPayload(protocolID: .isakmp, notifyType: .noProposalChosen, spi: ic.bytes + Cookie.zero.bytes, data: [])
                let reply = ISAKMPMessage(header: ISAKMPHeader(initiatorCookie: ic, responderCookie: .zero, exchangeType: .informational),
                                          payloads: [.notification(notify)])
                actions.append(.send(OutboundDatagram(bytes: reply.encode(), source: to, destination: from, nonESPMarker: to.port != 500)))
            }
            return actions
        }
        guard halfOpen.count < limits.halfOpen || halfOpenVictim() != nil else {
            return drop(.halfOpenTotal, sa: ic, "\(limits.halfOpen) half-open ISAKMP SAs, all past message 3: "
                        + "\(header.exchangeType) from \(from) dropped", env: env)
        }
        guard header.exchangeType != .aggressive || takeAggressiveModeToken(now: env.now) else {
            return drop(.aggressiveModeRate, sa: ic, "more than \(Int(limits.aggressiveModePerSecond)) Aggressive Mode "
                        + "first messages a second: the one from \(from) dropped", env: env)
        }
        var session = ISAKMPSession(responderFor: config, header: header, local: to, remote: from,
                                    halfOpenTimeout: limits.halfOpenTimeout, env: &env)
        var actions: [Action] = []
        actions.reserveCapacity(8)
        let fingerprint = ISAKMPSession.fingerprint(bytes)
        do {
            if header.exchangeType == .aggressive {
                try session.aggressiveResponderFirst(message, request: fingerprint, from: from, to: to, env: &env, into: &actions)
            } else {
                try session.mainModeResponderFirst(message, request: fingerprint, env: &env, into: &actions)
            }
        } catch {
            session.fail(error, closing: true, into: &actions, env: &env)
            // The session never existed for the caller: no timers to cancel, no children.
            actions.removeAll { if case .cancelTimer = $0 { true } else { false } }
            return actions
        }
        var evictions: [Action] = []
        if let victim = halfOpenVictim() { evict(victim, into: &evictions) }
        session.received.insert(fingerprint)
        sessions[ic] = consume session
        halfOpen.add(ic, from: from.address)
        return evictions + actions
    }

    /// A datagram for an SA we have.
    private mutating func receive(_ bytes: [UInt8], header: ISAKMPHeader,
                                  from: SocketAddress, to: SocketAddress, env: inout Environment) -> [Action] {
        let ic = header.initiatorCookie
        let mid = header.messageID
        let limits = limits
        let refusal: (DropReason, String)? = withSession(ic) { session in
            if session.cookieR != .zero && header.responderCookie != .zero && header.responderCookie != session.cookieR {
                return (.unknownSA, "responder cookie \(header.responderCookie) unknown")
            }
            guard header.exchangeType == .quickMode, case .established(let e) = session.phase1, e.quickModes[mid] == nil,
                  session.lastExchange[mid] == nil,
                  e.peerQuickModesInProgress >= limits.quickModesInProgress || e.peerQuickModes >= limits.quickModesPerISAKMPSA else {
                return nil
            }
            return (.quickModeLimit, "Quick Mode \(mid) from \(from) dropped: \(e.peerQuickModesInProgress) in progress, "
                    + "\(e.peerQuickModes) on this ISAKMP SA (limits \(limits.quickModesInProgress), \(limits.quickModesPerISAKMPSA))")
        } ?? nil
        if let (reason, text) = refusal { return drop(reason, sa: ic, text, env: env) }
        let message: ISAKMPMessage
        do { message = try ISAKMPMessage.decode(bytes) } catch {
            return drop(.malformed, sa: ic, "dropped from \(from): \(error)", env: env)
        }
        var (actions, refused) = withSession(ic) { session -> ([Action], Int) in
            let before = session.refusedTransactions
            let actions = session.receive(message, raw: bytes, from: from, to: to, env: &env)
            return (actions, session.refusedTransactions - before)
        } ?? ([], 0)
        counters.refusedTransactions += UInt64(refused)
        grantLease(ic, env: &env, into: &actions)
        afterEvent(of: ic, &actions, env: &env)
        return actions
    }

    /// Runs `body` on the SA `id` where the table holds it, without copying it out and back: a
    /// copy would retain every field, and make each buffer the SA then changes a copy of its own.
    /// nil when there is no such SA.
    mutating func withSession<R>(_ id: ISAKMPSAID, _ body: (inout ISAKMPSession) -> R) -> R? {
        guard let index = sessions.index(forKey: id) else { return nil }
        return body(&sessions.values[index])
    }

    /// Main Mode: by the peer's address (the ID is still encrypted). Aggressive Mode: by address and ID.
    private func responderConfig(for message: ISAKMPMessage, from: SocketAddress) -> SharedPeerConfig? {
        let candidates = connections.candidates(for: from.address)
        guard message.header.exchangeType == .aggressive else { return candidates.first { !$0.value.aggressive } ?? candidates.first }
        let id = message.payloads?.first(ofType: IdentificationPayload.self)?.identity
        return candidates.first { c in c.value.remoteIdentity == nil || c.value.remoteIdentity == id }
    }

    /// The ISAKMP SA that holds the IPsec SA with inbound SPI `spi`: from the cache when it is
    /// right, else after one rebuild of it (SAs came, went or moved since); nil for none.
    mutating func owner(ofChild spi: UInt32) -> ISAKMPSAID? {
        if let id = childOwners[spi], sessions[id]?.children[spi] != nil { return id }
        guard orphans[spi] == nil else { return nil }
        childOwners = [:]
        for (id, s) in sessions {
            for child in s.children.keys { childOwners[child] = id }
        }
        return childOwners[spi]
    }

    /// True while datagrams are held back (``TimerID/Kind/deferredSend``): a node that stops should
    /// run its timers until they are sent (at most ``deferredDelay``).
    public var holdsDeferredSends: Bool { !deferredSends.isEmpty }

    /// How long a deferred datagram waits: long enough for a peer to have taken the message sent
    /// before it, short beside any retransmission.
    public static let deferredDelay = 0.2

    /// Holds `datagrams` back for ``deferredDelay`` (the oldest held are sent at once past 64).
    mutating func hold(_ datagrams: [OutboundDatagram], env: Environment, into actions: inout [Action]) {
        guard !datagrams.isEmpty else { return }
        let due = env.now.adding(seconds: Self.deferredDelay)
        deferredSends += datagrams.map { (due, $0) }
        while deferredSends.count > 64 { actions.append(.send(deferredSends.removeFirst().datagram)) }
        actions.append(.scheduleTimer(TimerID(sa: .zero, kind: .deferredSend), at: deferredSends[0].due))
    }

    /// The deferred datagrams that are due, sent; the timer armed again for the rest.
    mutating func sendDeferred(env: Environment) -> [Action] {
        var actions: [Action] = []
        while let first = deferredSends.first, first.due <= env.now {
            actions.append(.send(first.datagram))
            deferredSends.removeFirst()
        }
        if let next = deferredSends.first {
            actions.append(.scheduleTimer(TimerID(sa: .zero, kind: .deferredSend), at: next.due))
        }
        return actions
    }
}
