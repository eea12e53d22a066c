import ISAKMPWire

// What an operator does with whole connections (swanctl's --terminate, --rekey, --load-conns):
// end one, rekey one, replace the set of connections while SAs stay up.
extension IKEv1Endpoint {
    /// Ends connection `name`: each of its ISAKMP SAs is deleted with its IPsec SAs, the peer
    /// told (Deletes, as on `delete(sa:)`); IPsec SAs of it that outlived their ISAKMP SA are
    /// removed; a pending retry is cancelled. Nothing restarts it (`initiate` does).
    mutating func terminate(_ name: String, env: inout Environment) -> [Action] {
        guard connections[name] != nil || sessions.values.contains(where: { $0.config.name == name }) else {
            return [.failed(Failure(sa: .zero, error: IKEv1Error(.configuration, "no connection named \(name)")))]
        }
        var actions: [Action] = [.cancelTimer(TimerID(sa: .zero, kind: .reconnect(connection: name)))]
        connectAttempts[name] = nil
        for (spi, orphan) in orphans where orphan.connection == name {
            orphans[spi] = nil
            Self.end(orphan.held, reason: "connection terminated", into: &actions)
        }
        for id in sessions.keys.sorted(by: { $0.bytes.lexicographicallyPrecedes($1.bytes) }) where sessions[id]?.config.name == name {
            guard var s = sessions[id] else { continue }
            s.deleteAll(reason: "connection terminated", env: &env, into: &actions)
            sessions[id] = s
            afterEvent(of: id, &actions, env: &env)
        }
        return actions
    }

    /// Rekeys every IPsec SA of connection `name` now, each with a new Quick Mode on the
    /// connection's newest established ISAKMP SA (the old SA ends when the new one is installed).
    mutating func rekey(_ name: String, env: inout Environment) -> [Action] {
        let established = sessions.filter { $0.value.config.name == name && $0.value.phase1.isEstablished }
        guard let (id, newest) = established.max(by: { ($0.value.established?.establishedAt ?? env.now) < ($1.value.established?.establishedAt ?? env.now) })
        else {
            return [.failed(Failure(sa: .zero, error: IKEv1Error(.configuration, "\(name) has no established ISAKMP SA to rekey with")))]
        }
        var session = newest, actions: [Action] = []
        let spis = newest.children.keys.sorted()
        if spis.isEmpty { session.startQuickMode(rekeying: nil, env: &env, into: &actions) }
        for spi in spis { session.startQuickMode(rekeying: spi, env: &env, into: &actions) }
        sessions[id] = session
        return actions
    }

    /// Replaces the connections (a reload): every configuration is checked first, and on any
    /// error nothing changes. Connections no longer present are terminated (Deletes sent);
    /// the others keep their SAs, cookies and SPIs — an SA negotiated under a changed
    /// configuration keeps it until its next negotiation (a Phase 1 uses the new one). A
    /// gateway's address pool whose range is unchanged keeps its leases.
    public mutating func replaceConfigs(_ configs: [PeerConfig], env: inout Environment) throws(IKEv1Error) -> [Action] {
        for c in configs { try c.validate() }
        let table = try ConnectionTable(configs)
        var newPools = try Self.makePools(configs)
        for (name, pool) in newPools where pools[name]?.notation == pool.notation {
            newPools[name] = pools[name]
        }
        let removed = self.configs.map(\.name).filter { table[$0] == nil }
        var actions: [Action] = []
        for name in removed { actions += terminate(name, env: &env) }
        connections = table
        pools = newPools
        return actions
    }
}
