import IPsecCrypto
import ISAKMPWire

/// NAT traversal state of one ISAKMP SA (RFC 3947).
struct NATState {
    /// The peer sent a NAT-T vendor ID we share; `draft` when it was a draft's.
    var negotiated = false
    var draft = false
    /// We are behind a NAT (our NAT-D hash did not match what the peer saw).
    var localBehindNAT = false
    /// The peer is behind a NAT.
    var peerBehindNAT = false
    /// The exchange moved to port 4500.
    var floated = false

    var detected: Bool { localBehindNAT || peerBehindNAT }
    var natDType: PayloadType { draft ? .natDiscoveryDraft : .natDiscovery }
}

/// A request we sent and may retransmit.
struct Outstanding {
    /// The message's datagram, or its fragments (all sent again on each retransmission).
    var datagrams: [OutboundDatagram]
    var attempt: Int
}

/// A configuration shared by reference (immutable).
final class SharedPeerConfig: Sendable {
    let value: PeerConfig
    init(_ value: PeerConfig) { self.value = value }
}

/// One ISAKMP SA and the exchanges on it: Phase 1, then Quick Modes and Informationals.
/// A value type driven by ``IKEv1Endpoint``. What exists in every state lives here (cookies,
/// addresses, configuration, NAT-T, retransmission and duplicate caches); what exists only in
/// some states lives in the state values of ``phase1`` (Phase1/States/).
struct ISAKMPSession {
    let isInitiator: Bool
    let cookieI: Cookie
    /// The responder's cookie: zero in the initiator's first message (RFC 2408 §3.1), the
    /// responder's own from its first answer on.
    var cookieR: Cookie
    let exchange: ExchangeType
    /// The connection's configuration, held by reference: the endpoint copies a session out of its
    /// table and back on every event, and a PeerConfig inline has dozens of counted references.
    private let sharedConfig: SharedPeerConfig
    var config: PeerConfig { sharedConfig.value }
    var local: SocketAddress
    var remote: SocketAddress
    var phase1: Phase1State
    var nat = NATState()
    var peerSupportsDPD = false
    /// The peer sent the Cisco Unity vendor ID: it gets Unity attributes in Mode Config.
    var peerSupportsUnity = false
    /// The peer sent the FRAGMENTATION vendor ID (``FragmentationPolicy``).
    var peerSupportsFragmentation = false
    /// Transaction messages refused (bad hash, malformed, out of order), for the endpoint's counters.
    var refusedTransactions = 0

    // Exchanges in flight and their caches.
    var outstanding: [UInt32: Outstanding] = [:]
    /// Digest of the last request received per message ID and the response we sent, whole or in
    /// fragments (duplicate detection).
    var lastExchange: [UInt32: (request: MessageFingerprint, response: [OutboundDatagram])] = [:]
    var exchangeOrder: [UInt32] = []
    /// Digests of the messages already processed: byte-identical copies are dropped.
    var received: Set<MessageFingerprint> = []
    var usedMessageIDs: Set<UInt32> = []
    /// Seconds a responder Phase 1 may take (``ResponderLimits/halfOpenTimeout``).
    var halfOpenTimeout: Double = 30
    /// When the peer last showed it is alive (any message, or ESP traffic): DPD probes when idle.
    var lastReceived: EngineTime
    /// When this Phase 1 started (our first message, or the peer's arrived).
    let startedAt: EngineTime
    /// Why we started it (RenewalState.swift).
    var purpose = Phase1Purpose.connect
    /// Children handed back when the SA closed without ending them (expiry, replacement, the
    /// peer's Delete of the ISAKMP SA alone), with the peer they belong to: the endpoint moves
    /// them to another SA of that peer.
    var released: (peer: Identity, children: [HeldChild])?
    /// How the SA ended, when that calls for a restart policy (Endpoint/Restart.swift).
    var ending: SessionEnding?
    /// Child SAs the peer deleted (protocol, our outbound SPI) that this SA does not hold: the
    /// endpoint looks for them among the peer's other SAs.
    var foreignDeletes: [(protocolID: ProtocolID, spi: UInt32)] = []
    /// Datagrams to send a moment after this event's (the endpoint holds them back,
    /// ``IKEv1Endpoint/deferredDelay``): the Delete that follows a refusal's notify.
    var deferredSends: [OutboundDatagram] = []

    var id: ISAKMPSAID { cookieI }
    /// CKY-I | CKY-R, the SPI by which notifies and deletes name this ISAKMP SA (RFC 2408 §3.14,
    /// §3.15), made in one allocation.
    var isakmpSPI: [UInt8] { withUnsafeBytes(of: (cookieI.rawValue.bigEndian, cookieR.rawValue.bigEndian)) { Array($0) } }

    /// A session with a configuration of its own (Aggressive Mode narrows the proposals).
    init(isInitiator: Bool, cookieI: Cookie, cookieR: Cookie, exchange: ExchangeType, config: PeerConfig,
         local: SocketAddress, remote: SocketAddress, phase1: Phase1State, now: EngineTime) {
        self.init(isInitiator: isInitiator, cookieI: cookieI, cookieR: cookieR, exchange: exchange, config: SharedPeerConfig(config),
                  local: local, remote: remote, phase1: phase1, now: now)
    }

    /// A session holding its connection's shared configuration (the endpoint's table holds the box).
    init(isInitiator: Bool, cookieI: Cookie, cookieR: Cookie, exchange: ExchangeType, config: SharedPeerConfig,
         local: SocketAddress, remote: SocketAddress, phase1: Phase1State, now: EngineTime) {
        self.isInitiator = isInitiator
        self.cookieI = cookieI
        self.cookieR = cookieR
        self.exchange = exchange
        sharedConfig = config
        self.local = local
        self.remote = remote
        self.phase1 = phase1
        lastReceived = now
        startedAt = now
    }

    /// A responder for the first message under `header`; its Phase 1 starts ``Phase1State/idle``.
    init(responderFor config: SharedPeerConfig, header: ISAKMPHeader, local: SocketAddress, remote: SocketAddress,
         halfOpenTimeout: Double = ResponderLimits().halfOpenTimeout, env: inout Environment) {
        self.init(isInitiator: false, cookieI: header.initiatorCookie, cookieR: Cookie(bytes: Self.nonZero(&env, 8)),
                  exchange: header.exchangeType, config: config, local: local, remote: remote, phase1: .idle, now: env.now)
        self.halfOpenTimeout = halfOpenTimeout
        // A Phase 1 a peer starts on the NAT-T port (RFC 3947 §4: a re-authentication of a peer
        // behind a NAT) is answered there, behind the non-ESP marker (RFC 3948 §2.2).
        nat.floated = local.port != 500
    }

    static func nonZero(_ env: inout Environment, _ n: Int) -> [UInt8] {
        while true {
            let b = env.bytes(n)
            if b.contains(where: { $0 != 0 }) { return b }
        }
    }

    // MARK: Sending

    /// The datagram for `bytes` from the current local to the current remote address.
    func datagram(_ bytes: [UInt8]) -> OutboundDatagram {
        OutboundDatagram(bytes: bytes, source: local, destination: remote, nonESPMarker: nat.floated)
    }

    /// The datagrams that carry the encoded message `bytes`: itself, or its fragments when
    /// ``PeerConfig/fragmentation`` says to send them and it does not fit ``PeerConfig/fragmentSize``
    /// (charon's choice for every message, Quick Mode and Informational ones too). A message too
    /// large even for 255 fragments goes whole.
    func datagrams(_ bytes: [UInt8]) -> [OutboundDatagram] {
        // Most messages fit: they go whole without asking the fragmenter (which would wrap them in an array).
        let ipv6 = remote.address.count == 16
        guard config.fragmentation.sendsFragments(peerAnnounced: peerSupportsFragmentation),
              bytes.count > IKEFragmenter.room(maxDatagramSize: config.fragmentSize, ipv6: ipv6, nonESPMarker: nat.floated),
              let pieces = try? IKEFragmenter.datagrams(for: bytes, phase1Exchange: exchange, maxDatagramSize: config.fragmentSize,
                                                        ipv6: ipv6, nonESPMarker: nat.floated)
        else { return [datagram(bytes)] }
        // A loop, not `pieces.map(datagram)`: the method as a closure would capture a copy of the session.
        let (source, destination, marker) = (local, remote, nat.floated)
        var out: [OutboundDatagram] = []
        out.reserveCapacity(pieces.count)
        for piece in pieces { out.append(OutboundDatagram(bytes: piece, source: source, destination: destination, nonESPMarker: marker)) }
        return out
    }

    func header(_ type: ExchangeType, messageID: UInt32 = 0) -> ISAKMPHeader {
        ISAKMPHeader(initiatorCookie: cookieI, responderCookie: cookieR, exchangeType: type, messageID: messageID)
    }

    /// Moves to UDP 4500 with the non-ESP marker (RFC 3947 §4).
    mutating func float() {
        guard !nat.floated else { return }
        nat.floated = true
        local = local.with(port: 4500)
        if remote.port == 500 { remote = remote.with(port: 4500) }
    }

    /// The peer's NAT mapping changed (RFC 3947 §5.2 leaves this to the implementation; charon
    /// and Libreswan follow an authenticated message): IKE and the IPsec SAs go to `peer` now.
    mutating func follow(_ peer: SocketAddress, into actions: inout [Action]) {
        guard nat.floated, peer != remote, peer.address.count == remote.address.count else { return }
        let old = remote
        remote = peer
        updateEstablished { e in
            for spi in e.children.keys where e.children[spi]?.remote == old { e.children[spi]?.remote = peer }
        }
        actions.append(.peerMoved(from: old, to: peer))
    }

    /// Sends a request that expects an answer and arms its retransmission timer.
    mutating func sendRequest(_ bytes: [UInt8], messageID: UInt32, env: Environment, into actions: inout [Action]) {
        let d = datagrams(bytes)
        outstanding[messageID] = Outstanding(datagrams: d, attempt: 0)
        for datagram in d { actions.append(.send(datagram)) }   // no intermediate array
        actions.append(.scheduleTimer(TimerID(sa: id, kind: .retransmit(messageID: messageID)),
                                      at: env.now.adding(seconds: config.retransmit.delay(afterAttempt: 0))))
    }

    /// The request of `messageID` was answered.
    mutating func answered(_ messageID: UInt32, into actions: inout [Action]) {
        if outstanding.removeValue(forKey: messageID) != nil {
            actions.append(.cancelTimer(TimerID(sa: id, kind: .retransmit(messageID: messageID))))
        }
    }

    /// Sends a response and remembers it for duplicates of `request`.
    mutating func sendResponse(_ bytes: [UInt8], to request: MessageFingerprint, messageID: UInt32, into actions: inout [Action]) {
        let d = datagrams(bytes)
        remember(request: request, response: d, messageID: messageID)
        for datagram in d { actions.append(.send(datagram)) }   // no intermediate array
    }

    /// Keeps the last request's digest and our answer per exchange, for the 16 most recent exchanges.
    mutating func remember(request: MessageFingerprint, response: [OutboundDatagram], messageID: UInt32) {
        if lastExchange[messageID] == nil {
            exchangeOrder.append(messageID)
            if exchangeOrder.count > 16 { lastExchange[exchangeOrder.removeFirst()] = nil }
        }
        lastExchange[messageID] = (request, response)
    }

    static func fingerprint(_ message: [UInt8]) -> MessageFingerprint { MessageFingerprint(message) }

    // MARK: Failure

    /// Records a failure: a notify to the peer when the error warrants one, a `failed` action, and
    /// (for Phase 1 or fatal errors) closing the session. The notify names the ISAKMP SA unless
    /// `concerning` names another SA (RFC 2408 §3.14: its Protocol-ID and SPI).
    mutating func fail(_ error: IKEv1Error, closing: Bool, concerning: (protocolID: ProtocolID, spi: [UInt8])? = nil,
                       into actions: inout [Action], env: inout Environment) {
        let clear = error.kind == .authenticationFailed && !phase1.isEstablished
        if let type = error.notifyType {
            let (protocolID, spi) = concerning ?? (.isakmp, isakmpSPI)
            sendNotify(type, protocolID: protocolID, spi: spi, data: [], clear: clear, into: &actions, env: &env)
        }
        // Refusing the peer's last Phase 1 message (MM6 as initiator, AM3 as responder) leaves the
        // peer with an ISAKMP SA it counts as established, and charon keeps it despite the error
        // notify: delete it as well (RFC 2408 §3.15), protected by the keys we both hold.
        let peerEstablished = switch phase1 {
        case .mainModeSentAuth: isInitiator
        case .aggressiveReplied: !isInitiator
        default: false
        }
        // Sent a moment after the notify: charon takes two messages on two threads, and a Delete
        // handled first would take the SA, and the notify with it, away.
        if closing, peerEstablished, !clear {
            var delete: [Action] = []
            sendInformational([.delete(DeletePayload(protocolID: .isakmp, spiSize: 16, spis: [isakmpSPI]))],
                              into: &delete, env: &env)
            for action in delete {
                if case .send(let d) = action { deferredSends.append(d) } else { actions.append(action) }
            }
        }
        actions.append(.failed(Failure(sa: id, error: error)))
        if closing { close(reason: error.description, into: &actions, notifyDeleted: phase1.isEstablished) }
    }

    /// Ends the session: cancels timers, removes children (or, `keepingChildren`, hands them
    /// back in ``released`` with their timers still armed).
    mutating func close(reason: String, into actions: inout [Action], notifyDeleted: Bool, keepingChildren: Bool = false) {
        guard !phase1.isClosed else { return }
        if isInitiator && !phase1.isEstablished && ending == nil { ending = .phase1Failed }
        for mid in outstanding.keys { actions.append(.cancelTimer(TimerID(sa: id, kind: .retransmit(messageID: mid)))) }
        outstanding.removeAll()
        if keepingChildren, let peer = established?.peerIdentity, let held = updateEstablished({ $0.releaseChildren() }), !held.isEmpty {
            released = (peer, held)
        }
        for (spi, child) in children.sorted(by: { $0.key < $1.key }) {
            actions.append(.cancelTimer(TimerID(sa: child.isakmpSA, kind: .childRekey(inboundSPI: spi))))
            actions.append(.cancelTimer(TimerID(sa: child.isakmpSA, kind: .childExpire(inboundSPI: spi))))
            actions.append(.deleteChildSA(inboundSPI: spi, outboundSPI: child.outbound.spi, reason: reason))
        }
        for kind in [TimerID.Kind.keepalive, .dpd, .halfOpen, .isakmpExpire, .remoteAccess, .isakmpRenew] {
            actions.append(.cancelTimer(TimerID(sa: id, kind: kind)))
        }
        if notifyDeleted { actions.append(.isakmpSADeleted(id, reason: reason)) }
        phase1 = .closed
    }

    // MARK: The established state

    /// The established state, once Phase 1 is complete and until the SA closes.
    var established: EstablishedState? { if case .established(let e) = phase1 { e } else { nil } }

    /// Changes the established state in place; does nothing in any other state.
    @discardableResult
    mutating func updateEstablished<R>(_ change: (inout EstablishedState) -> R) -> R? {
        guard phase1.isEstablished else { return nil }
        // Moved out, not copied (a copy retains every field, and `change` would then copy each
        // buffer it touches): `phase1` is idle meanwhile.
        var taken = Phase1State.idle
        swap(&taken, &phase1)
        guard case .established(var e) = consume taken else { preconditionFailure("checked above") }
        let result = change(&e)
        phase1 = .established(consume e)
        return result
    }

    /// The installed child SAs by inbound SPI: only an established SA has any.
    var children: [UInt32: ChildSA] { established?.children ?? [:] }

    /// The identity the peer proved, or (Aggressive Mode responder) claimed in AM1.
    var peerIdentity: Identity? {
        switch phase1 {
        case .established(let e): e.peerIdentity
        case .aggressiveReplied(let a): a.peerIdentity
        default: nil
        }
    }

    /// Summary for status output; nil before Phase 1 completes.
    var info: ISAKMPSAInfo? {
        guard let e = established else { return nil }
        let proposal = e.protection.proposal
        return ISAKMPSAInfo(id: id, cookieR: cookieR, peerName: config.name, isInitiator: isInitiator, exchange: exchange,
                            local: local, remote: remote, localIdentity: config.localIdentity, remoteIdentity: e.peerIdentity,
                            proposal: proposal, localBehindNAT: nat.localBehindNAT, peerBehindNAT: nat.peerBehindNAT,
                            established: e.establishedAt, expires: proposal.lifetime.seconds.map { e.establishedAt.adding(seconds: Double($0)) },
                            peerSupportsDPD: peerSupportsDPD, peerCertificate: e.peerCertificate, remoteAccess: e.remoteAccess.info)
    }
}
