/// What a responder holds for peers that have not authenticated yet, and how much a peer may
/// make it hold (issue 8; the defaults follow strongSwan charon's `strongswan.conf`).
///
/// A Main Mode first message costs the responder no Diffie-Hellman work: it only parses the
/// offer and answers with a fresh responder cookie. The initiator proves it receives at its
/// address by echoing that cookie in message 3; only then does the responder compute DH. So a
/// flood from spoofed addresses fills the half-open table with *unproven* SAs, and when the
/// table is full the oldest unproven one makes room (as a TCP SYN cache does): the state stays
/// bounded and a real peer, which answers within a round trip, still gets through.
public struct ResponderLimits: Hashable, Sendable {
    /// Half-open responder ISAKMP SAs from one IP address; further first messages from it are
    /// dropped (charon's `block_threshold`, 5).
    public var halfOpenPerAddress: Int
    /// Half-open responder ISAKMP SAs in all. When full, a new first message replaces the oldest
    /// SA whose initiator has not yet echoed our cookie; with none such, it is dropped
    /// (charon's `init_limit_half_open` is 0, unlimited; we bound it).
    public var halfOpen: Int
    /// Seconds a responder Phase 1 may take before it is dropped (charon's `half_open_timeout`, 30).
    public var halfOpenTimeout: Double
    /// Quick Modes the peer may have in progress on one ISAKMP SA at once, with us as responder
    /// (charon's `max_ikev1_exchanges`, 3).
    public var quickModesInProgress: Int
    /// Quick Modes the peer may start on one ISAKMP SA over its lifetime (bounds the message-ID
    /// memory that replay protection needs); then it must re-authenticate.
    public var quickModesPerISAKMPSA: Int
    /// Aggressive Mode first messages answered per second (a burst of as many is allowed): each
    /// costs a Diffie-Hellman computation before any cookie round trip, so this bounds that work
    /// (in the spirit of charon's `init_limit_job_load`).
    public var aggressiveModePerSecond: Double
    /// Largest datagram accepted, in bytes (charon's `max_packet`, 10000).
    public var maxMessageSize: Int
    /// A dropped-message reason is reported (as a `failed` action) at most once per this many
    /// seconds; the drops in between are counted in ``DropCounters`` and summed in the next report.
    public var dropReportInterval: Double
    /// What partial fragmented messages may hold, and for how long (IKE fragmentation).
    public var fragments: FragmentReassemblyLimits

    /// Creates limits; the defaults are charon's where charon has one.
    public init(halfOpenPerAddress: Int = 5, halfOpen: Int = 1000, halfOpenTimeout: Double = 30,
                quickModesInProgress: Int = 3, quickModesPerISAKMPSA: Int = 1000, aggressiveModePerSecond: Double = 100,
                maxMessageSize: Int = 10_000, dropReportInterval: Double = 10,
                fragments: FragmentReassemblyLimits = FragmentReassemblyLimits()) {
        self.halfOpenPerAddress = halfOpenPerAddress
        self.halfOpen = halfOpen
        self.halfOpenTimeout = halfOpenTimeout
        self.quickModesInProgress = quickModesInProgress
        self.quickModesPerISAKMPSA = quickModesPerISAKMPSA
        self.aggressiveModePerSecond = aggressiveModePerSecond
        self.maxMessageSize = maxMessageSize
        self.dropReportInterval = dropReportInterval
        self.fragments = fragments
    }

    /// Refuses limits that would let nothing through.
    func validate() throws(IKEv1Error) {
        guard halfOpenPerAddress >= 1, halfOpen >= 1, halfOpenTimeout > 0, quickModesInProgress >= 1,
              quickModesPerISAKMPSA >= 1, aggressiveModePerSecond >= 1, maxMessageSize >= 28 + 4, dropReportInterval >= 0 else {
            throw IKEv1Error(.configuration, "responder limits must be positive (\(self))")
        }
        try fragments.validate()
    }
}

/// Why the endpoint dropped a datagram without creating or changing any SA.
public enum DropReason: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Larger than ``ResponderLimits/maxMessageSize``.
    case tooLarge
    /// No valid ISAKMP header, or a first message whose payloads do not decode.
    case malformed
    /// For an ISAKMP SA we do not have, and not a Main/Aggressive Mode first message.
    case unknownSA
    /// No connection accepts the peer.
    case noConnection
    /// The peer's address already has ``ResponderLimits/halfOpenPerAddress`` half-open SAs.
    case halfOpenPerAddress
    /// The half-open table is full of SAs whose initiators have proven their address.
    case halfOpenTotal
    /// The peer has too many Quick Modes in progress, or has used up its Quick Modes on this SA.
    case quickModeLimit
    /// More Aggressive Mode first messages than ``ResponderLimits/aggressiveModePerSecond``.
    case aggressiveModeRate
    /// A fragment (payload 132) the reassembler refused (``FragmentCounters`` says why).
    case fragment

    /// A short phrase for logs and drop reports, e.g. "message too large".
    public var description: String {
        switch self {
        case .tooLarge: "message too large"
        case .malformed: "malformed message"
        case .unknownSA: "message for an unknown ISAKMP SA"
        case .noConnection: "no connection accepts the peer"
        case .halfOpenPerAddress: "too many half-open ISAKMP SAs from one address"
        case .halfOpenTotal: "half-open ISAKMP SA table full"
        case .quickModeLimit: "Quick Mode limit reached"
        case .aggressiveModeRate: "Aggressive Mode rate limit reached"
        case .fragment: "fragment dropped"
        }
    }

    /// The error kind a report of this drop carries.
    var kind: IKEv1Error.Kind {
        switch self {
        case .tooLarge, .halfOpenPerAddress, .halfOpenTotal, .quickModeLimit, .aggressiveModeRate: .limitExceeded
        case .malformed, .fragment: .payloadMalformed
        case .unknownSA: .invalidCookie
        case .noConnection: .configuration
        }
    }
}

/// Counts of what the endpoint refused to hold, since it was created.
public struct DropCounters: Hashable, Sendable, CustomStringConvertible {
    /// Datagrams dropped, by reason.
    public var dropped: [DropReason: UInt64] = [:]
    /// Unproven half-open SAs removed to make room for a newer first message.
    public var evicted: UInt64 = 0
    /// Half-open SAs that timed out.
    public var halfOpenTimedOut: UInt64 = 0
    /// Transaction messages (XAUTH, Mode Config) refused: a bad HASH, malformed attributes, or
    /// out of order (before Phase 1, XAUTH or Mode Config were due).
    public var refusedTransactions: UInt64 = 0
    /// All datagrams dropped.
    public var totalDropped: UInt64 { dropped.values.reduce(0, +) }

    /// `dropped 12 (halfOpenPerAddress 11, tooLarge 1), 3 half-open SAs evicted, 2 timed out`.
    public var description: String {
        let reasons = DropReason.allCases.compactMap { r in dropped[r].map { "\(r.rawValue) \($0)" } }
        return "dropped \(totalDropped)" + (reasons.isEmpty ? "" : " (\(reasons.joined(separator: ", ")))")
            + ", \(evicted) half-open SAs evicted, \(halfOpenTimedOut) timed out"
            + (refusedTransactions > 0 ? ", \(refusedTransactions) Transaction messages refused" : "")
    }
}

/// What the endpoint holds now: for status output and for checking the limits hold.
public struct ResourceUsage: Hashable, Sendable {
    /// ISAKMP SAs in any state.
    public var sessions: Int
    /// Responder ISAKMP SAs whose Phase 1 is not complete.
    public var halfOpen: Int
    /// Of those, the most from one address.
    public var halfOpenFromOneAddress: Int
    /// Quick Modes in progress on all SAs.
    public var quickModes: Int
    /// Bytes held for the SAs: each SA's record, and the buffers that grow with what peers send
    /// (offers, nonces, KE values, retransmission and duplicate caches, message IDs), and the
    /// partial fragmented messages held; allocator and hash-table overhead not included.
    public var storedBytes: Int
}
