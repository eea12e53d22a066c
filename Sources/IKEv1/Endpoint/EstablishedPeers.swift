import ISAKMPWire

/// The established ISAKMP SAs of each peer identity. What looks at one peer's SAs — a Phase 1
/// that completes (uniqueness, INITIAL-CONTACT, RFC 2407 §4.6.3.3), a peer's Delete for an IPsec
/// SA another of its SAs holds, IPsec SAs looking for a new home — goes through this, so that it
/// costs as much as that peer has, not as much as the endpoint holds: a hub with thousands of
/// peers no longer walks all of their SAs for each one that comes up.
///
/// An SA is added when it completes Phase 1 (``IKEv1Endpoint/established(_:initialContact:env:into:)``)
/// and removed when the endpoint lets go of it (``IKEv1Endpoint/removeSession(_:)``); those who
/// read it still check each SA's state, which may have closed since.
struct EstablishedPeers {
    private var byPeer: [Identity: [ISAKMPSAID]] = [:]
    private var peerOf: [ISAKMPSAID: Identity] = [:]

    /// SAs held.
    var count: Int { peerOf.count }

    /// SA `id` authenticated `peer`.
    mutating func add(_ id: ISAKMPSAID, peer: Identity) {
        if let known = peerOf[id] {
            if known == peer { return }
            remove(id)
        }
        peerOf[id] = peer
        byPeer[peer, default: []].append(id)
    }

    /// Forgets SA `id`; nothing when it is not held.
    mutating func remove(_ id: ISAKMPSAID) {
        guard let peer = peerOf.removeValue(forKey: id) else { return }
        byPeer[peer]?.removeAll { $0 == id }
        if byPeer[peer]?.isEmpty == true { byPeer[peer] = nil }
    }

    /// The SAs of `peer`, in the order they completed Phase 1.
    func ids(of peer: Identity) -> [ISAKMPSAID] { byPeer[peer] ?? [] }
}
