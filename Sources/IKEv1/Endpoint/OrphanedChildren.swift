import IPsecCrypto
import ISAKMPWire

/// An IPsec SA whose ISAKMP SA ended (expired, replaced, deleted by the peer alone) while no
/// other ISAKMP SA of the peer was established: it keeps carrying traffic until its own
/// lifetime ends, and the next ISAKMP SA of the peer adopts it.
struct OrphanedChild {
    var held: HeldChild
    /// The connection (``PeerConfig/name``) and the peer identity it belongs to.
    let connection: String
    let peer: Identity
}

extension IKEv1Endpoint {
    /// Moves children whose ISAKMP SA ended to the newest established SA of the same peer, or
    /// keeps them here until there is one. Rekeys the ones that fell due meanwhile.
    mutating func rehome(_ held: [HeldChild], connection: String, peer: Identity,
                         env: inout Environment, into actions: inout [Action]) {
        guard !held.isEmpty else { return }
        if let heir = newestEstablished(connection: connection, peer: peer) {
            adopt(held, into: heir, env: &env, into: &actions)
            return
        }
        for h in held { orphans[h.child.inbound.spi] = OrphanedChild(held: h, connection: connection, peer: peer) }
    }

    /// `held` join `sa`; those whose rekey fell due are rekeyed through it.
    mutating func adopt(_ held: [HeldChild], into sa: ISAKMPSAID, env: inout Environment, into actions: inout [Action]) {
        guard !held.isEmpty, var s = sessions[sa] else { return }   // nothing held: no copy of the session
        s.updateEstablished { $0.adopt(held) }
        for h in held where h.rekeyDue && h.own { s.startQuickMode(rekeying: h.child.inbound.spi, env: &env, into: &actions) }
        sessions[sa] = s
    }

    /// The orphans of a peer, taken out of the pool.
    mutating func takeOrphans(connection: String, peer: Identity) -> [HeldChild] {
        guard !orphans.isEmpty else { return [] }   // the common case: nothing to filter, sort or copy
        let mine = orphans.filter { $0.value.connection == connection && $0.value.peer == peer }
        for spi in mine.keys { orphans[spi] = nil }
        return mine.keys.sorted().compactMap { mine[$0]?.held }
    }

    /// The peer's established ISAKMP SA that finished Phase 1 last (the larger initiator cookie
    /// when two finished at the same moment).
    func newestEstablished(connection: String, peer: Identity) -> ISAKMPSAID? {
        establishedPeers.ids(of: peer).compactMap { id -> (ISAKMPSAID, EngineTime)? in
            guard let s = sessions[id], s.config.name == connection, let e = s.established, e.peerIdentity == peer else { return nil }
            return (s.id, e.establishedAt)
        }.max { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0.bytes.lexicographicallyPrecedes($1.0.bytes) }?.0
    }

    /// Removes a child no ISAKMP SA holds: its timers, and the SA pair from the ESP layer.
    static func end(_ held: HeldChild, reason: String, into actions: inout [Action]) {
        let spi = held.child.inbound.spi
        for kind in [TimerID.Kind.childRekey(inboundSPI: spi), .childExpire(inboundSPI: spi)] {
            actions.append(.cancelTimer(TimerID(sa: held.child.isakmpSA, kind: kind)))
        }
        actions.append(.deleteChildSA(inboundSPI: spi, outboundSPI: held.child.outbound.spi, reason: reason))
    }

    /// A child timer of an orphan: its lifetime ends (removed; no ISAKMP SA to send a Delete
    /// with), or its rekey falls due (a Phase 1 to the peer, which adopts and rekeys it).
    mutating func orphanTimer(_ timer: TimerID, spi: UInt32, env: inout Environment) -> [Action] {
        guard var orphan = orphans[spi] else { return [] }
        var actions: [Action] = []
        switch timer.kind {
        case .childExpire:
            orphans[spi] = nil
            Self.end(orphan.held, reason: "lifetime expired (its ISAKMP SA had ended)", into: &actions)
        case .childRekey:
            guard orphan.held.own else { break }
            orphan.held.rekeyDue = true
            orphans[spi] = orphan
            startPhase1(for: orphan.connection, purpose: .renew(nil), env: &env, into: &actions)
        default:
            break
        }
        return actions
    }
}
