/// Whether a connection announces, sends and uses IKEv1 fragmentation (Cisco's payload 132 with
/// the FRAGMENTATION vendor ID), in strongSwan's words (swanctl.conf `fragmentation`).
///
/// As charon (`isakmp_vendor.c`, `ike_sa.c` `generate_message_fragmented`): the initiator sends
/// the FRAGMENTATION vendor ID unless `no`; a responder sends it unless `no`, and only when the
/// initiator sent it. Fragments a peer sends are reassembled whatever this says (charon does
/// the same, even with `no`), within ``FragmentReassemblyLimits``.
public enum FragmentationPolicy: String, Hashable, Sendable, CaseIterable {
    /// Announce it; send a message larger than ``PeerConfig/fragmentSize`` in fragments when the
    /// peer announced it too (charon's default).
    case yes
    /// Announce it, never send fragments.
    case accept
    /// Announce it; send every message larger than ``PeerConfig/fragmentSize`` in fragments,
    /// whether the peer announced it or not (charon: IKEv1 only).
    case force
    /// Do not announce it, never send fragments.
    case no

    /// The FRAGMENTATION vendor ID goes in our Phase 1 messages.
    func announces(peerAnnounced: Bool?) -> Bool {
        guard self != .no else { return false }
        return peerAnnounced ?? true   // nil: we start, nothing heard yet
    }

    /// A message too large for one datagram goes out in fragments.
    func sendsFragments(peerAnnounced: Bool) -> Bool {
        switch self {
        case .force: true
        case .yes: peerAnnounced
        case .accept, .no: false
        }
    }
}
