import IPsecCrypto
import ISAKMPWire

// draft-dukes-ike-mode-cfg-02 §3.2, client side, after XAUTH:
//
//   pull:  REQUEST(ADDR, NETMASK, DNS, NBNS, APPLICATION_VERSION [, Unity...])  -->
//                                                       <--  REPLY(ADDR, ...)
//   push:                                               <--  SET(ADDR, ...)
//          ACK(ADDR, ...)                                -->
//
// Then Quick Mode from the virtual IP (QuickModeSupport's `quickModeSelectors`).
extension ISAKMPSession {
    /// What we ask for when pulling: the address and its servers, our version, and with Unity
    /// the banner, domain and split networks (vpnc asks for these and a few more).
    static func modeConfigRequest(_ c: RemoteAccessClient) -> [ModeConfigAttribute] {
        let base: [ModeConfigAttribute] = [.empty(.internalIP4Address), .empty(.internalIP4Netmask), .empty(.internalIP4DNS),
                                           .empty(.internalIP4NBNS), .applicationVersion(c.applicationVersion)]
        guard c.unity else { return base }
        return base + [.empty(.unityBanner), .empty(.unityDefaultDomain), .empty(.unitySplitInclude), .empty(.unitySplitDNS),
                       .empty(.unityLocalLAN)]
    }

    /// After XAUTH (or Phase 1 without it): pull, wait for the push, or done.
    mutating func beginClientModeConfig(user: String?, _ c: RemoteAccessClient, _ e: EstablishedState,
                                        env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        switch c.modeConfig {
        case .pull?:
            let sent = try startTransaction(.request, Self.modeConfigRequest(c), e, env: &env, into: &actions)
            updateEstablished { $0.remoteAccess = .modeConfigRequested(sent, xauthUser: user) }
        case .push?:
            updateEstablished { $0.remoteAccess = .awaitingModeConfigSet(xauthUser: user) }
        case nil:
            remoteAccessComplete(RemoteAccessInfo(xauthUser: user, virtualIP: nil, attributes: []), env: &env, into: &actions)
        }
    }

    /// The gateway's REPLY or SET: a SET is acknowledged with the types taken (as charon: empty
    /// attributes); without an INTERNAL_IP4_ADDRESS the gateway has no address for us, and the SA ends.
    mutating func modeConfigReceived(_ t: ReceivedTransaction, user: String?, _ e: EstablishedState,
                                     env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        let attributes = t.attributes.filter { !$0.isXAUTH }
        if t.type == .set {
            var taken: [ModeConfigAttributeType] = []
            for a in attributes where !taken.contains(a.type) { taken.append(a.type) }
            try answerTransaction(t, .acknowledge, taken.map { .empty($0) }, e.protection, into: &actions)
        }
        guard case .internalIP4Address(let address)? = attributes.first(where: { if case .internalIP4Address = $0 { true } else { false } }) else {
            endRemoteAccess(IKEv1Error(.addressUnavailable, "Mode Config \(t.type) from \(remote) carries no INTERNAL_IP4_ADDRESS: "
                                       + "the gateway has no virtual IP for us (its pool may be exhausted)"), env: &env, into: &actions)
            return
        }
        remoteAccessComplete(RemoteAccessInfo(xauthUser: user, virtualIP: address, attributes: attributes), env: &env, into: &actions)
    }
}
