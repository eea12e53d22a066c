import IPsecCrypto
import ISAKMPWire

// Remote access on one ISAKMP SA: what happens once Phase 1 completes (States/RemoteAccessState.swift
// draws the whole flow), when it takes too long, and the selectors Quick Mode then uses.
extension ISAKMPSession {
    /// Seconds XAUTH and Mode Config may take after Phase 1 before the SA is deleted (a user
    /// typing a password at an interactive client included).
    static let remoteAccessTimeout = 60.0

    /// Phase 1 is complete: a site-to-site initiator starts Quick Mode; a remote-access client
    /// awaits XAUTH (or starts Mode Config), a gateway asks XAUTH (or begins Mode Config).
    mutating func afterPhase1(env: inout Environment, into actions: inout [Action]) {
        guard let e = established else { return }
        // Site to site: the endpoint starts Quick Mode once it knows whether this SA adopts IPsec
        // SAs (a renewal) or needs its own (Endpoint/Renewal.swift, `established`).
        guard let role = config.remoteAccess else { return }
        actions.append(.scheduleTimer(TimerID(sa: id, kind: .remoteAccess), at: env.now.adding(seconds: Self.remoteAccessTimeout)))
        let xauth = e.protection.proposal.authMethod.isXAUTH
        do {
            switch role {
            case .client where xauth:
                updateEstablished { $0.remoteAccess = .awaitingXAUTHRequest(answered: 0) }
            case .client(let c):
                try beginClientModeConfig(user: nil, c, e, env: &env, into: &actions)
            case .gateway where xauth:
                let sent = try startTransaction(.request, Self.xauthRequest, e, env: &env, into: &actions)
                updateEstablished { $0.remoteAccess = .xauthRequested(sent, attempt: 1) }
            case .gateway(let g):
                try beginGatewayModeConfig(user: nil, g, e, env: &env, into: &actions)
            }
        } catch {
            endRemoteAccess(error, env: &env, into: &actions)
        }
    }

    /// The remote-access timer: XAUTH and Mode Config did not finish in time.
    mutating func remoteAccessTimerFired(env: inout Environment, into actions: inout [Action]) {
        guard let e = established, !e.remoteAccess.allowsQuickMode else { return }
        endRemoteAccess(IKEv1Error(.timeout, "XAUTH and Mode Config did not complete within \(Int(Self.remoteAccessTimeout)) s "
                                   + "(state \(e.remoteAccess.name))"), env: &env, into: &actions)
    }

    /// Our Transaction request was never answered.
    mutating func transactionTimedOut(_ messageID: UInt32, env: inout Environment, into actions: inout [Action]) {
        let state = established?.remoteAccess.name ?? phase1.name
        endRemoteAccess(IKEv1Error(.timeout, "Transaction \(messageID) (\(state)): no answer after \(config.retransmit.tries) transmissions"),
                        env: &env, into: &actions)
    }

    /// The selectors of our Quick Modes, (ours, the peer's). With a virtual IP from Mode Config,
    /// a client proposes it as ours and as the gateway's the one split network it received, else
    /// 0.0.0.0/0 (as vpnc; the gateway narrows); a gateway takes the client's virtual IP as the
    /// peer's. Otherwise the configured ones.
    var quickModeSelectors: (local: TrafficSelector?, remote: TrafficSelector?) {
        guard case .complete(let info)? = established?.remoteAccess, let vip = info.virtualIP else {
            return (config.localTrafficSelector, config.remoteTrafficSelector)
        }
        let virtual = TrafficSelector(.ipv4(vip))
        switch config.remoteAccess {
        case .client?:
            let split = info.splitNetworks
            let remote = config.remoteTrafficSelector
                ?? (split.count == 1 && split[0].ipProtocol == 0 ? TrafficSelector(.ipv4Subnet(address: split[0].address, mask: split[0].mask))
                    : TrafficSelector(.ipv4Subnet(address: [0, 0, 0, 0], mask: [0, 0, 0, 0])))
            return (virtual, remote)
        default:
            return (config.localTrafficSelector, virtual)
        }
    }

    /// True for a gateway's SA: it narrows a client's 0.0.0.0/0 to its local selector.
    var narrowsClientSelectors: Bool { if case .gateway? = config.remoteAccess { true } else { false } }
}
