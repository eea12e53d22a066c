// Keeping a connection up across ISAKMP SAs (Libreswan's make-before-break replacement; charon's
// IKEv1 re-authentication, which adopts the CHILD_SAs into the new IKE_SA):
//
//   established(T, renewal: idle) --renewal timer--> established(T, renewal: renewing(S))
//       S: Phase 1 (purpose: renew(T)) ... established(S)
//   S established: T's IPsec SAs move to S, T is deleted (a Delete for T alone, no child Deletes)
//   S fails: T goes back to idle and tries again; T expires first: its IPsec SAs wait for S
//
// IPsec SAs never end with their ISAKMP SA (expiry, replacement, a peer's Delete of it): they
// live to their own lifetime, held by the newest ISAKMP SA of the peer or, while there is
// none, by the endpoint (``OrphanedChild``).

/// Why we started a Phase 1. A responder's session is always `connect`.
enum Phase1Purpose: Equatable {
    /// A new connection: INITIAL-CONTACT in Main Mode message 5 (when configured), so the peer
    /// forgets whatever it held for us.
    case connect
    /// The renewal of ISAKMP SA `T` (nil: of IPsec SAs that outlived theirs): no INITIAL-CONTACT,
    /// which would make the peer drop the IPsec SAs that live on.
    case renew(ISAKMPSAID?)

    var isRenewal: Bool { if case .renew = self { true } else { false } }
}

/// Make-before-break renewal of an established ISAKMP SA.
enum ISAKMPRenewal {
    /// No replacement under way (the renewal timer may be armed).
    case idle
    /// A new Phase 1 runs to replace this SA, which stays in use until it is established.
    case renewing(RenewingState)
}

/// A replacement of this ISAKMP SA is under way.
struct RenewingState {
    /// The new ISAKMP SA (its initiator cookie).
    let successor: ISAKMPSAID
    let started: EngineTime
}

/// A child SA with what its ISAKMP SA counted for it, while it moves to another ISAKMP SA of
/// the same peer (or waits for one).
struct HeldChild {
    var child: ChildSA
    /// We negotiated it as Quick Mode initiator: we rekey it.
    var own: Bool
    /// What the ESP layer reported for it (volume lifetimes).
    var usage: ChildUsage
    /// Its rekey fell due while no ISAKMP SA held it: rekey as soon as one does.
    var rekeyDue = false
}
