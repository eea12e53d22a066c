import IPsecCrypto
import ISAKMPWire

// draft-dukes-ike-mode-cfg-02 §3.2, gateway side, after XAUTH:
//
//   pull:                          <--  REQUEST(...)
//         REPLY(ADDR, attributes)  -->
//   push: SET(ADDR, attributes)    -->
//                                  <--  ACK
//
// The address is leased from the connection's pool by the endpoint (`leaseNeeded`, then
// ``grantLease(_:env:into:)`` in the same call), for this ISAKMP SA only: the endpoint releases it
// when the SA goes (Delete, expiry, DPD, failure). Unknown requested attributes are ignored.
extension ISAKMPSession {
    /// After XAUTH (or Phase 1 without it): wait for the pull, push, or done.
    mutating func beginGatewayModeConfig(user: String?, _ g: RemoteAccessGateway, _ e: EstablishedState,
                                         env: inout Environment, into actions: inout [Action]) throws(IKEv1Error) {
        switch g.modeConfig {
        case .pull?: updateEstablished { $0.remoteAccess = .awaitingModeConfigRequest(xauthUser: user) }
        case .push?: updateEstablished { $0.remoteAccess = .leaseNeeded(LeaseRequest(kind: .set, user: user)) }
        case nil: remoteAccessComplete(RemoteAccessInfo(xauthUser: user, virtualIP: nil, attributes: []), env: &env, into: &actions)
        }
    }

    /// True while the SA waits for an address from the endpoint's pool.
    var needsLease: Bool { if case .leaseNeeded? = established?.remoteAccess { true } else { false } }

    /// The endpoint's answer to ``needsLease``: the REPLY or SET goes out, with the address or
    /// (pool exhausted) without it, and then a Delete.
    mutating func grantLease(_ lease: Result<[UInt8], AddressPoolError>, env: inout Environment, into actions: inout [Action]) {
        guard let e = established, case .leaseNeeded(let request) = e.remoteAccess, case .gateway(let g)? = config.remoteAccess else { return }
        let address: [UInt8]? = if case .success(let a) = lease { a } else { nil }
        var requested: [ModeConfigAttributeType] = []
        if case .reply(_, _, _, let types, _) = request.kind { requested = types }
        let attributes = (address.map { [ModeConfigAttribute.internalIP4Address($0)] } ?? []) + gatewayAttributes(g, requested: requested)
        let info = RemoteAccessInfo(xauthUser: request.user, virtualIP: address, attributes: attributes)
        do {
            switch request.kind {
            case .reply(let mid, let iv, let identifier, _, let request):
                try answerTransaction(messageID: mid, identifier: identifier, iv: iv, request: request, .reply, attributes, e.protection, into: &actions)
                if address != nil { remoteAccessComplete(info, env: &env, into: &actions) }
            case .set:
                let sent = try startTransaction(.set, attributes, e, env: &env, into: &actions)
                updateEstablished { $0.remoteAccess = .modeConfigSet(sent, info) }
            }
        } catch {
            endRemoteAccess(error, env: &env, into: &actions)
            return
        }
        if case .failure(let error) = lease {
            let who = request.user.map { "user \($0)" } ?? peerIdentity.map(Self.text) ?? "the client"
            endRemoteAccess(IKEv1Error(.addressUnavailable, "\(error.reason): no virtual IP for \(who) at \(remote)"), env: &env, into: &actions)
        }
    }

    /// The configured attributes for this client: Unity ones only to a Unity client (it sent the
    /// Cisco Unity vendor ID, or asks for one), and then, unless configured, our IPv4 local
    /// traffic selector as UNITY_SPLIT_INCLUDE (as charon's unity plugin).
    func gatewayAttributes(_ g: RemoteAccessGateway, requested: [ModeConfigAttributeType]) -> [ModeConfigAttribute] {
        let unityClient = peerSupportsUnity || requested.contains { (28672...28682).contains($0.rawValue) }
        var out = g.attributes.filter { unityClient || !$0.isUnity }
        if unityClient, !out.contains(where: { $0.type == .unitySplitInclude }) {
            let split = config.localTrafficSelector?.unitySplitNetworks ?? []
            if !split.isEmpty { out.append(.unitySplitInclude(split)) }
        }
        return out
    }
}

extension TrafficSelector {
    /// This selector as Cisco Unity split networks: its IPv4 subnets, except 0.0.0.0/0
    /// (everything is no split); empty for IPv6.
    public var unitySplitNetworks: [UnitySplitNetwork] {
        subnets.compactMap { subnet in
            switch subnet {
            case .ipv4(let a): UnitySplitNetwork(address: a, mask: [255, 255, 255, 255])
            case .ipv4Subnet(let a, let m) where m.contains(where: { $0 != 0 }):
                UnitySplitNetwork(address: zip(a, m).map { $0 & $1 }, mask: m)
            default: nil
            }
        }
    }
}
