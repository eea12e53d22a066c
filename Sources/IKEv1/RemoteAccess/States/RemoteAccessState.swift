import ISAKMPWire

// Where XAUTH (draft-beaulieu-ike-xauth-02) and Mode Config (draft-dukes-ike-mode-cfg-02) stand
// on an established ISAKMP SA. Each case holds what exists at that point; Quick Mode runs only
// in `siteToSite` and `complete`.
//
//   client (Phase 1 initiator)                     gateway (Phase 1 responder)
//   awaitingXAUTHRequest        <-- REQUEST(USER_NAME, USER_PASSWORD) --   xauthRequested
//                               -- REPLY(USER_NAME, USER_PASSWORD) -->
//   awaitingXAUTHStatus         <-- SET(STATUS) --                         xauthStatusSent
//                               -- ACK -->
//   pull: modeConfigRequested   -- REQUEST(ADDR, DNS, ... Unity) -->       awaitingModeConfigRequest
//                               <-- REPLY(ADDR, DNS, ...) --               (lease) complete
//   push: awaitingModeConfigSet <-- SET(ADDR, DNS, ...) --                 modeConfigSet
//                               -- ACK(ADDR) -->                           complete
//   complete: Quick Mode from the virtual IP
//
// A FAIL status, a refused user after its last attempt, or an exhausted pool end the ISAKMP SA
// with a Delete.

/// One Transaction exchange we started: our REQUEST or SET is out, its REPLY or ACK awaited.
struct TransactionSent {
    let messageID: UInt32
    /// The CBC IV after our message: the answer decrypts with it (RFC 2409 Appendix B, per message ID).
    let iv: [UInt8]
    /// The Identifier the answer must echo (draft-dukes §3.2).
    let identifier: UInt16
}

/// A gateway's Mode Config answer waiting for an address from the endpoint's pool. Exists only
/// inside the call that received the client's REQUEST (pull), or its ACK of XAUTH (push).
struct LeaseRequest {
    enum Kind {
        /// Answer a CFG_REQUEST with a REPLY: its message ID, the IV after it, its identifier,
        /// the types it asked for, and the request's fingerprint (for retransmissions of it).
        case reply(messageID: UInt32, iv: [UInt8], identifier: UInt16, requested: [ModeConfigAttributeType], request: MessageFingerprint)
        /// Push a CFG_SET.
        case set
    }
    let kind: Kind
    /// The user XAUTH authenticated, if XAUTH ran.
    let user: String?
}

/// The XAUTH verdict the gateway sent.
struct XAUTHVerdictSent {
    let transaction: TransactionSent
    /// The user the verdict concerns.
    let user: String
    let accepted: Bool
}

/// XAUTH and Mode Config on one established ISAKMP SA.
enum RemoteAccessState {
    /// Not a remote-access SA: Quick Mode runs at once.
    case siteToSite
    /// Client: the gateway's XAUTH REQUEST awaited; `answered` REQUESTs so far.
    case awaitingXAUTHRequest(answered: Int)
    /// Client: our REPLY for `user` is out; the gateway's STATUS (or another REQUEST) awaited.
    case awaitingXAUTHStatus(answered: Int, user: String)
    /// Client, pull: our CFG_REQUEST is out.
    case modeConfigRequested(TransactionSent, xauthUser: String?)
    /// Client, push: the gateway's CFG_SET awaited.
    case awaitingModeConfigSet(xauthUser: String?)
    /// Gateway: our XAUTH REQUEST is out, the `attempt`-th (1-based).
    case xauthRequested(TransactionSent, attempt: Int)
    /// Gateway: our STATUS is out, its ACK awaited.
    case xauthStatusSent(XAUTHVerdictSent)
    /// Gateway, pull: the client's CFG_REQUEST awaited.
    case awaitingModeConfigRequest(xauthUser: String?)
    /// Gateway: an address is needed from the endpoint's pool (never outlives the call).
    case leaseNeeded(LeaseRequest)
    /// Gateway, push: our CFG_SET is out, its ACK awaited.
    case modeConfigSet(TransactionSent, RemoteAccessInfo)
    /// Done: the user (if XAUTH ran), the virtual IP and attributes. Quick Mode may run.
    case complete(RemoteAccessInfo)

    /// Quick Mode may run now (RFC 2409 §5.5 after XAUTH and Mode Config, draft-dukes §4).
    var allowsQuickMode: Bool {
        switch self {
        case .siteToSite, .complete: true
        default: false
        }
    }

    /// The Transaction we started and await an answer to, if any.
    var outstanding: TransactionSent? {
        switch self {
        case .modeConfigRequested(let t, _), .xauthRequested(let t, _), .modeConfigSet(let t, _): t
        case .xauthStatusSent(let v): v.transaction
        default: nil
        }
    }

    /// What the CLI and status output see once done.
    var info: RemoteAccessInfo? { if case .complete(let i) = self { i } else { nil } }

    /// The case's name, for messages.
    var name: String {
        switch self {
        case .siteToSite: "siteToSite"
        case .awaitingXAUTHRequest: "awaitingXAUTHRequest"
        case .awaitingXAUTHStatus: "awaitingXAUTHStatus"
        case .modeConfigRequested: "modeConfigRequested"
        case .awaitingModeConfigSet: "awaitingModeConfigSet"
        case .xauthRequested: "xauthRequested"
        case .xauthStatusSent: "xauthStatusSent"
        case .awaitingModeConfigRequest: "awaitingModeConfigRequest"
        case .leaseNeeded: "leaseNeeded"
        case .modeConfigSet: "modeConfigSet"
        case .complete: "complete"
        }
    }

    var storedBytes: Int {
        switch self {
        case .modeConfigRequested(let t, _), .xauthRequested(let t, _), .modeConfigSet(let t, _): t.iv.count
        case .xauthStatusSent(let v): v.transaction.iv.count
        case .complete(let i): DataAttribute.encode(i.attributes.map(\.dataAttribute)).count
        default: 0
        }
    }
}
