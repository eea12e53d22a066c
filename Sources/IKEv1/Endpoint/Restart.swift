import IPsecCrypto
import ISAKMPWire

/// How an ISAKMP SA ended, when that calls for one of the connection's restart policies.
enum SessionEnding {
    /// DPD found the peer dead (``PeerConfig/dpdAction``).
    case deadPeer
    /// The peer deleted the ISAKMP SA (``PeerConfig/closeAction``).
    case deletedByPeer
    /// A Phase 1 we started failed (``PeerConfig/retry``).
    case phase1Failed
}

// Restart policies in strongSwan's words: dpd_action and close_action (clear, hold, restart),
// keyingtries with an exponential backoff, and the acquire of start_action = trap.
extension IKEv1Endpoint {
    /// Connection `name` is up or coming up: an established ISAKMP SA, or a Phase 1 we started.
    func isUp(_ name: String) -> Bool {
        sessions.values.contains { $0.config.name == name && !$0.phase1.isClosed && ($0.phase1.isEstablished || $0.isInitiator) }
    }

    /// Starts connection `name` again unless it is up or coming up. With IPsec SAs that outlived
    /// their ISAKMP SA it renews (no INITIAL-CONTACT, which would make the peer drop them).
    mutating func restart(_ name: String, env: inout Environment, into actions: inout [Action]) {
        guard !isUp(name), connections[name]?.remoteAddress != nil else { return }
        let orphaned = orphans.values.contains { $0.connection == name }
        startPhase1(for: name, purpose: orphaned ? .renew(nil) : .connect, env: &env, into: &actions)
    }

    /// Session `s` closed: what its ending calls for.
    mutating func applyRestartPolicy(after s: ISAKMPSession, env: inout Environment, into actions: inout [Action]) {
        let name = s.config.name
        switch s.ending {
        case .deadPeer?:
            if s.config.dpdAction == .restart { restart(name, env: &env, into: &actions) }
        case .deletedByPeer?:
            if s.config.closeAction == .restart { restart(name, env: &env, into: &actions) }
        case .phase1Failed?:
            if case .renew(_?) = s.purpose { return }   // the old SA retries its own renewal
            guard !isUp(name) else { return }
            let attempt = (connectAttempts[name] ?? 0) + 1
            guard let delay = s.config.retry.delay(beforeRetry: attempt) else {
                connectAttempts[name] = nil
                return
            }
            connectAttempts[name] = attempt
            actions.append(.scheduleTimer(TimerID(sa: .zero, kind: .reconnect(connection: name)), at: env.now.adding(seconds: delay)))
        case nil:
            break
        }
    }
}
