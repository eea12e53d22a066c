import IPsecCrypto
import ISAKMPWire

// Where a Phase 1 stands (RFC 2409 §5), and what exists there. Each case carries the state
// that holds exactly that, built from the one before:
//
//   Main Mode, initiator                          Main Mode, responder
//   mainModeSentSA(OfferSent)        -- MM1 -->   idle
//                                    <-- MM2 --   mainModeRepliedSA(ProposalChosen)
//   mainModeSentKE(KeyExchangeSent)  -- MM3 -->
//                                    <-- MM4 --   mainModeRepliedKE(Keyed)
//   mainModeSentAuth(Keyed)          -- MM5 -->
//                                    <-- MM6 --   established(Established)
//   established(Established)
//
//   Aggressive Mode, initiator                     Aggressive Mode, responder
//   aggressiveSentFirst(AggressiveOfferSent) -- AM1 -->   idle
//                                            <-- AM2 --   aggressiveReplied(AggressiveReplied)
//   established(Established)                 -- AM3 -->   established(Established)
//
// Any state can end in `closed` (failure, deletion, expiry, dead peer).

/// The Phase 1 state of one ISAKMP SA.
enum Phase1State {
    /// Responder: reading the first message; nothing negotiated yet. A session leaves this state
    /// in the call that created it.
    case idle
    /// Initiator: MM1 sent, waiting for MM2.
    case mainModeSentSA(OfferSentState)
    /// Initiator: MM3 sent, waiting for MM4.
    case mainModeSentKE(KeyExchangeSentState)
    /// Initiator: MM5 sent, waiting for MM6.
    case mainModeSentAuth(KeyedState)
    /// Responder: MM2 sent, waiting for MM3.
    case mainModeRepliedSA(ProposalChosenState)
    /// Responder: MM4 sent, waiting for MM5.
    case mainModeRepliedKE(KeyedState)
    /// Initiator: AM1 sent, waiting for AM2.
    case aggressiveSentFirst(AggressiveOfferSentState)
    /// Responder: AM2 sent, waiting for AM3.
    case aggressiveReplied(AggressiveRepliedState)
    /// Phase 1 complete: Quick Mode and Informational exchanges run.
    case established(EstablishedState)
    /// Failed or deleted; the endpoint removes the session.
    case closed

    /// The case's name, for messages.
    var name: String {
        switch self {
        case .idle: "idle"
        case .mainModeSentSA: "mainModeSentSA"
        case .mainModeSentKE: "mainModeSentKE"
        case .mainModeSentAuth: "mainModeSentAuth"
        case .mainModeRepliedSA: "mainModeRepliedSA"
        case .mainModeRepliedKE: "mainModeRepliedKE"
        case .aggressiveSentFirst: "aggressiveSentFirst"
        case .aggressiveReplied: "aggressiveReplied"
        case .established: "established"
        case .closed: "closed"
        }
    }

    var isEstablished: Bool { if case .established = self { true } else { false } }
    var isClosed: Bool { if case .closed = self { true } else { false } }

    /// A responder whose Phase 1 is under way: it counts in the half-open table.
    var isHalfOpenResponder: Bool {
        switch self {
        case .mainModeRepliedSA, .mainModeRepliedKE, .aggressiveReplied: true
        default: false
        }
    }

    /// The keys that protect messages in this state; nil before they exist.
    var protection: ISAKMPProtection? {
        switch self {
        case .mainModeSentAuth(let k), .mainModeRepliedKE(let k): k.protection
        case .aggressiveReplied(let a): a.keyed.protection
        case .established(let e): e.protection
        default: nil
        }
    }

    /// The IV every Quick Mode and Informational IV is derived from (RFC 2409 Appendix B), and
    /// the one the next Phase 1 message uses: the running Phase 1 IV while Phase 1 is under way,
    /// its last block once established. nil before keys exist.
    var ivBase: [UInt8]? {
        switch self {
        case .mainModeSentAuth(let k), .mainModeRepliedKE(let k): k.iv
        case .aggressiveReplied(let a): a.keyed.iv
        case .established(let e): e.ivBase
        default: nil
        }
    }

    /// The keyed state of a Phase 1 still waiting for the peer's authentication.
    var keyed: KeyedState? {
        switch self {
        case .mainModeSentAuth(let k), .mainModeRepliedKE(let k): k
        case .aggressiveReplied(let a): a.keyed
        default: nil
        }
    }

    /// Bytes held that grow with what the peer sends (see ``ResourceUsage/storedBytes``).
    var storedBytes: Int {
        switch self {
        case .idle, .closed: 0
        case .mainModeSentSA(let s): s.saiB.count
        case .mainModeSentKE(let s): s.saiB.count + s.nonceI.count + s.dh.publicValue.count
        case .mainModeRepliedSA(let s): s.saiB.count
        case .aggressiveSentFirst(let s): s.saiB.count + s.nonceI.count + s.dh.publicValue.count
        case .mainModeSentAuth(let k), .mainModeRepliedKE(let k): k.storedBytes
        case .aggressiveReplied(let a): a.keyed.storedBytes + a.peerID.body.count
        case .established(let e): e.storedBytes
        }
    }
}
