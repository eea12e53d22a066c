import IPsecCrypto
import ISAKMPWire

// The ISAKMP SAs of one peer over time (Phase1/States/RenewalState.swift): renewal before
// expiry, a newly established SA taking its place (uniqueness, INITIAL-CONTACT, collisions),
// and the IPsec SAs moving with it.
extension IKEv1Endpoint {
    /// Starts Phase 1 for connection `name` toward `remote` (default: its configured peer).
    @discardableResult
    mutating func startPhase1(for name: String, purpose: Phase1Purpose, remote: SocketAddress? = nil,
                              env: inout Environment, into actions: inout [Action]) -> ISAKMPSAID? {
        guard let config = connections.shared(named: name) else {
            actions.append(.failed(Failure(sa: .zero, error: IKEv1Error(.configuration, "no connection named \(name)"))))
            return nil
        }
        guard let remote = remote ?? config.value.remoteAddress else {
            actions.append(.failed(Failure(sa: .zero, error: IKEv1Error(.configuration, "\(name): no remote address to initiate to"))))
            return nil
        }
        let session = config.value.aggressive
            ? ISAKMPSession.startAggressiveMode(config.value, remote: remote, env: &env, into: &actions)
            : ISAKMPSession.startMainMode(config, remote: remote, env: &env, into: &actions)
        guard var session else { return nil }
        session.purpose = purpose
        let id = session.id
        sessions[id] = consume session   // moved: a copy would retain every field
        return id
    }

    /// The renewal timer of ISAKMP SA `t`: a new Phase 1 replaces it; `t` stays in use meanwhile.
    mutating func renew(_ t: ISAKMPSAID, env: inout Environment) -> [Action] {
        guard var old = sessions[t], let e = old.established, case .idle = e.renewal else { return [] }
        // A responder renews toward the configured peer, or where the peer's SA came from on port 500.
        guard let remote = old.config.remoteAddress ?? (old.remote.port == 500 ? old.remote : nil) else { return [] }
        var actions: [Action] = []
        guard let successor = startPhase1(for: old.config.name, purpose: .renew(t), remote: remote, env: &env, into: &actions)
        else { return actions }
        old.updateEstablished { $0.renewal = .renewing(RenewingState(successor: successor, started: env.now)) }
        sessions[t] = old
        return actions
    }

    /// After an SA handled an event: one that just completed Phase 1 takes its place among the
    /// peer's SAs; Deletes for IPsec SAs another SA of the peer holds reach them; the IPsec SAs of
    /// one that closed move on; a renewal that failed is tried again; a closed SA goes.
    mutating func afterEvent(of id: ISAKMPSAID, _ actions: inout [Action], env: inout Environment) {
        // What the steps below need, read in place; a closed SA (rare) is kept whole for its restart policy.
        guard let (deletes, released, peer, name, purpose, deferred, closedSession) = withSession(id, { s in
            defer { s.foreignDeletes = []; s.released = nil; s.deferredSends = [] }
            return (s.foreignDeletes, s.released, s.peerIdentity, s.config.name, s.purpose, s.deferredSends,
                    s.phase1.isClosed ? ISAKMPSession?.some(s) : nil)
        }) else { return }
        hold(deferred, env: env, into: &actions)
        if actions.contains(where: { if case .isakmpSAEstablished(let i) = $0 { i.id == id } else { false } }) {
            let contact = actions.contains { if case .notifyReceived(let n) = $0 { n.sa == id && n.type == .initialContact } else { false } }
            established(id, initialContact: contact, env: &env, into: &actions)
        }
        if !deletes.isEmpty, let peer {
            deleteElsewhere(deletes, connection: name, peer: peer, into: &actions)
        }
        if let released { rehome(released.children, connection: name, peer: released.peer, env: &env, into: &actions) }
        if closedSession != nil, case .renew(let t?) = purpose, var old = sessions[t], case .renewing(let r)? = old.established?.renewal,
           r.successor == id {
            // The replacement failed; the old SA tries again while it lasts.
            old.updateEstablished { $0.renewal = .idle }
            sessions[t] = old
            actions.append(.scheduleTimer(TimerID(sa: t, kind: .isakmpRenew), at: env.now.adding(seconds: old.config.retransmit.timeout)))
        }
        if var closedSession {
            closedSession.foreignDeletes = []
            closedSession.released = nil
            closedSession.deferredSends = []
            applyRestartPolicy(after: closedSession, env: &env, into: &actions)
        }
        settle(id)
    }

    /// The peer deleted IPsec SAs that another of its ISAKMP SAs (or the endpoint) holds.
    private mutating func deleteElsewhere(_ deletes: [(protocolID: ProtocolID, spi: UInt32)], connection: String, peer: Identity,
                                          into actions: inout [Action]) {
        for d in deletes {
            if let (spi, o) = orphans.first(where: { $0.value.connection == connection && $0.value.peer == peer
                && $0.value.held.child.outbound.spi == d.spi && $0.value.held.child.ipsecProtocol.protocolID == d.protocolID }) {
                orphans[spi] = nil
                Self.end(o.held, reason: "deleted by peer", into: &actions)
                continue
            }
            for id in establishedPeers.ids(of: peer) {
                guard var other = sessions[id], other.config.name == connection, other.established?.peerIdentity == peer,
                      let (spi, _) = other.children.first(where: { $0.value.outbound.spi == d.spi
                          && $0.value.ipsecProtocol.protocolID == d.protocolID }) else { continue }
                other.removeChild(inboundSPI: spi, reason: "deleted by peer", into: &actions)
                sessions[id] = other
                break
            }
        }
    }

    /// ISAKMP SA `id` completed Phase 1. With INITIAL-CONTACT (received, or sent by us on a new
    /// connection) every older SA of the peer is stale. Then the uniqueness policy decides which of
    /// the peer's SAs stays; the others hand their IPsec SAs to it and are deleted (make-before-break:
    /// the SA our renewal replaces always goes). Two SAs negotiated at the same time (both sides
    /// renewed) are told apart by their initiator cookies, the larger one staying, which both
    /// sides see alike. The one that stays adopts the peer's orphaned IPsec SAs; when it is ours
    /// and holds none, its Quick Mode starts; its renewal is armed (``RenewalPolicy``).
    mutating func established(_ id: ISAKMPSAID, initialContact: Bool, env: inout Environment, into actions: inout [Action]) {
        // The copies of sessions that choosing the winner takes are gone before the winner's Quick
        // Mode starts: held across it, they would share buffers with the session it edits.
        guard let gateway = resolveDuplicates(of: id, initialContact: initialContact, env: &env, into: &actions) else { return }
        guard let (quickMode, renewal) = withSession(id, { $0.afterEstablishment(gateway: gateway) }) ?? nil else { return }
        // In place: a copy taken out of the table would make the Quick Mode's changes copy buffers.
        if quickMode { withSession(id) { $0.startQuickMode(rekeying: nil, env: &env, into: &actions) } }
        if let renewal { actions.append(.scheduleTimer(TimerID(sa: id, kind: .isakmpRenew), at: renewal)) }
    }

    /// Records `id` as established and settles which of the peer's SAs stays (INITIAL-CONTACT,
    /// `uniqueness`, re-authentication); the others are retired and their IPsec SAs adopted by
    /// the winner. Returns whether the connection is a remote-access gateway's when `id` won, nil
    /// when another SA did (or `id` is not established).
    private mutating func resolveDuplicates(of id: ISAKMPSAID, initialContact: Bool, env: inout Environment,
                                            into actions: inout [Action]) -> Bool? {
        // What is needed of the new SA, read in place (a copy of a session costs a retain per field).
        guard let facts = withSession(id, { s -> NewSA? in
            guard case .established(let e) = s.phase1 else { return nil }
            return NewSA(name: s.config.name, peer: e.peerIdentity, gateway: s.config.remoteAccess != nil,
                         sendsInitialContact: s.isInitiator && s.purpose == .connect && s.config.initialContact,
                         address: s.remote.address, startedAt: s.startedAt)
        }) ?? nil else { return nil }
        let (name, peer, gateway) = (facts.name, facts.peer, facts.gateway)
        establishedPeers.add(id, peer: peer)
        connectAttempts[name] = nil
        // Many remote-access clients share one group identity (and, behind a NAT, one address): their
        // INITIAL-CONTACT removes nothing and none replaces another (charon's `unique = never`), on
        // the gateway and the client alike; DPD finds the dead.
        if !gateway, initialContact || facts.sendsInitialContact {
            forgetOlderSAs(than: id, facts, reason: initialContact ? "peer sent INITIAL-CONTACT" : "we sent INITIAL-CONTACT",
                           into: &actions)
        }
        let others = establishedPeers.ids(of: peer).compactMap { other -> ISAKMPSession? in
            guard other != id, let o = sessions[other], o.config.name == name, o.established?.peerIdentity == peer else { return nil }
            return o
        }
        guard !others.isEmpty, let s = sessions[id] else {   // the peer's only SA: it stays
            adopt(takeOrphans(connection: name, peer: peer), into: id, env: &env, into: &actions)
            return gateway
        }
        var candidates = [s]
        var winner = s
        // As charon: a new SA from the address the older ones use is a re-authentication, which
        // `keep` lets replace them too; from elsewhere, `keep` refuses it.
        let reauthentication = others.allSatisfy { $0.remote.address == s.remote.address }
        switch gateway ? .never : s.config.uniqueness {
        case .keep where !s.isInitiator && !reauthentication:
            candidates += others
            winner = others.max { $0.startedAt < $1.startedAt } ?? s
        case .replace, .keep:
            candidates += others
            for o in others where Self.supersedes(o, winner) { winner = o }
        case .never:
            if case .renew(let t?) = s.purpose, let old = others.first(where: { $0.id == t }) { candidates.append(old) }
        }
        for loser in candidates where loser.id != winner.id {
            guard var l = sessions[loser.id] else { continue }
            let held = l.updateEstablished { $0.releaseChildren() } ?? []
            l.retire(reason: "replaced by ISAKMP SA \(winner.id)", env: &env, into: &actions)
            sessions[loser.id] = l
            settle(loser.id)
            adopt(held, into: winner.id, env: &env, into: &actions)
        }
        adopt(takeOrphans(connection: name, peer: peer), into: winner.id, env: &env, into: &actions)
        return winner.id == id ? gateway : nil
    }

    /// What choosing among a peer's SAs needs of the one just established.
    private struct NewSA {
        let name: String
        let peer: Identity
        /// A remote-access gateway's connection: its clients' SAs never replace one another.
        let gateway: Bool
        /// We initiated it to connect and announce INITIAL-CONTACT.
        let sendsInitialContact: Bool
        let address: [UInt8]
        let startedAt: EngineTime
    }

    /// `a` is the newer of two established SAs of one peer: `b` was established before `a`
    /// started; or, negotiated at the same time, `a` has the larger initiator cookie.
    static func supersedes(_ a: ISAKMPSession, _ b: ISAKMPSession) -> Bool {
        guard let ea = a.established, let eb = b.established else { return false }
        if eb.establishedAt <= a.startedAt { return true }
        if ea.establishedAt <= b.startedAt { return false }
        return b.cookieI.bytes.lexicographicallyPrecedes(a.cookieI.bytes)
    }

    /// INITIAL-CONTACT (RFC 2407 §4.6.3.3): the SAs with the peer established before the new SA
    /// started, and the IPsec SAs it left behind, are stale: removed without telling the peer.
    private mutating func forgetOlderSAs(than newID: ISAKMPSAID, _ new: NewSA, reason: String, into actions: inout [Action]) {
        for id in establishedPeers.ids(of: new.peer) where id != newID {
            guard var stale = sessions[id], stale.peerIdentity == new.peer, stale.remote.address == new.address,
                  stale.established.map({ $0.establishedAt <= new.startedAt }) ?? false else { continue }
            stale.close(reason: reason, into: &actions, notifyDeleted: true)
            removeSession(id)
            halfOpen.remove(id)
        }
        for held in takeOrphans(connection: new.name, peer: new.peer) { Self.end(held, reason: reason, into: &actions) }
    }

    /// A child SA's timer goes to whoever holds the child now: the ISAKMP SA it moved to, or the
    /// endpoint while it has none. nil: not a child timer.
    mutating func childTimer(_ timer: TimerID, env: inout Environment) -> [Action]? {
        let spi: UInt32
        switch timer.kind {
        case .childRekey(let s), .childExpire(let s): spi = s
        default: return nil
        }
        if orphans[spi] != nil { return orphanTimer(timer, spi: spi, env: &env) }
        guard let id = owner(ofChild: spi), var holder = sessions[id] else { return [] }
        var actions = holder.timerFired(timer.kind, env: &env)
        sessions[id] = holder
        afterEvent(of: id, &actions, env: &env)
        return actions
    }
}

extension ISAKMPSession {
    /// What follows Phase 1 on this SA (nil when it is not established): whether we start the first
    /// Quick Mode (as initiator of a site-to-site SA with no child yet, none in flight), and when the
    /// SA is renewed. Decided before the Quick Mode starts, so that no view of the established
    /// state is held while the Quick Mode edits it.
    func afterEstablishment(gateway: Bool) -> (quickMode: Bool, renewal: EngineTime?)? {
        guard case .established(let e) = phase1 else { return nil }
        let quickMode = isInitiator && config.remoteAccess == nil && e.children.isEmpty && !e.quickModes.values.contains(where: \.isInitiator)
        // A remote-access SA is not renewed: a new one would need XAUTH and a lease again; it ends at
        // its lifetime with its lease (left for later: renewal with a Transaction exchange).
        guard !gateway, let life = e.protection.proposal.lifetime.seconds,
              let delay = config.ikeRenewal.renewalDelay(lifetime: Double(life),
                                                         random: unitFraction(UInt32(truncatingIfNeeded: (cookieI.rawValue ^ cookieR.rawValue) >> 32)),
                                                         asInitiator: isInitiator) else { return (quickMode, nil) }
        return (quickMode, e.establishedAt.adding(seconds: delay))
    }
}
