/// How much an ``IKEFragmentReassembler`` holds for messages whose fragments have not all
/// arrived, and for how long.
///
/// charon bounds a fragmented IKEv1 message by `max_packet` (10000 bytes) and its fragment
/// count only by the one-octet number (255); it keeps one partial message per IKE SA and no
/// timer of its own. Here partial messages are keyed by peer, so a peer could otherwise open
/// as many as it likes: bytes are capped per peer address and in all, and partial messages
/// time out.
///
/// What a partial message is charged: the data of its fragments, ``bytesPerFragment`` for each
/// fragment and ``bytesPerMessage`` for itself (estimates of the bookkeeping, so that empty
/// fragments are not free).
public struct FragmentReassemblyLimits: Hashable, Sendable {
    /// Charged for each fragment held, beside its data.
    public static let bytesPerFragment = 64
    /// Charged for each partial message held.
    public static let bytesPerMessage = 128

    /// Largest fragmented message, in bytes (charon's `max_packet`, 10000).
    public var maxMessageSize: Int
    /// Highest fragment number accepted. 64 fragments carry a 10000-byte message in pieces of
    /// 157 bytes, far below any real path's MTU (charon's IPv4 default is 576).
    public var maxFragments: Int
    /// Bytes held for the partial messages of one peer address; past it the peer's oldest
    /// partial message makes room. At least one whole message (``maxMessageSize`` in
    /// ``maxFragments`` fragments, with its charges).
    public var bytesPerPeer: Int
    /// Bytes held in all; past it the oldest partial message of any peer makes room. At least
    /// ``bytesPerPeer``.
    public var totalBytes: Int
    /// Seconds a partial message is kept after its first fragment arrived (charon's
    /// `half_open_timeout`, 30). A retransmission, which repeats every fragment, completes a
    /// message that lost one meanwhile.
    public var timeout: Double

    /// Creates limits; the defaults hold two whole messages per peer and 4 MiB in all.
    public init(maxMessageSize: Int = 10_000, maxFragments: Int = 64, bytesPerPeer: Int = 32 << 10,
                totalBytes: Int = 4 << 20, timeout: Double = 30) {
        self.maxMessageSize = maxMessageSize
        self.maxFragments = maxFragments
        self.bytesPerPeer = bytesPerPeer
        self.totalBytes = totalBytes
        self.timeout = timeout
    }

    /// The most one partial message can be charged.
    public var largestMessageCharge: Int {
        maxMessageSize + maxFragments * Self.bytesPerFragment + Self.bytesPerMessage
    }

    /// Refuses limits under which a whole message could not be held.
    func validate() throws(IKEv1Error) {
        guard maxMessageSize >= 28, (1...255).contains(maxFragments), bytesPerPeer >= largestMessageCharge,
              totalBytes >= bytesPerPeer, timeout > 0 else {
            throw IKEv1Error(.configuration, "fragment reassembly limits cannot hold one whole message (\(self))")
        }
    }
}

/// Why a fragment, or the partial message it belonged to, was dropped.
public enum FragmentDropReason: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// The datagram is not a fragment message: a bad header or payload, fragment number 0, or
    /// something beside the FRAG payload. Only the datagram is dropped.
    case malformed
    /// A fragment contradicts the ones held: its number arrived before with other data, it is
    /// a second last fragment, or its number lies beyond the last. The partial message is dropped.
    case overlap
    /// A fragment number above ``FragmentReassemblyLimits/maxFragments``. The partial message is dropped.
    case tooManyFragments
    /// The fragments add up to more than ``FragmentReassemblyLimits/maxMessageSize``. The partial message is dropped.
    case oversized
    /// The complete message does not start with an ISAKMP header carrying its fragments' cookies.
    case invalidMessage
    /// A partial message was older than ``FragmentReassemblyLimits/timeout``.
    case timedOut
    /// A partial message made room for newer fragments under the per-peer or total byte limit.
    case evicted

    /// A short phrase for logs and drop reports, e.g. "too many fragments".
    public var description: String {
        switch self {
        case .malformed: "malformed fragment message"
        case .overlap: "fragment contradicts the fragments held"
        case .tooManyFragments: "too many fragments"
        case .oversized: "fragmented message too large"
        case .invalidMessage: "reassembled message is not an ISAKMP message of its fragments' SA"
        case .timedOut: "fragmented message incomplete after the timeout"
        case .evicted: "partial message evicted to stay within the memory limits"
        }
    }
}

/// What an ``IKEFragmentReassembler`` did, since it was created.
public struct FragmentCounters: Hashable, Sendable, CustomStringConvertible {
    /// Messages reassembled.
    public var completed: UInt64 = 0
    /// Fragments ignored because the same fragment was held already (a retransmission).
    public var duplicates: UInt64 = 0
    /// Datagrams (``FragmentDropReason/malformed``) and partial messages (every other reason) dropped.
    public var dropped: [FragmentDropReason: UInt64] = [:]

    /// All zero (counters of several reassemblers can be summed into one).
    public init() {}

    /// `completed 3, 1 duplicate, dropped 2 (overlap 1, timedOut 1)`.
    public var description: String {
        let reasons = FragmentDropReason.allCases.compactMap { r in dropped[r].map { "\(r.rawValue) \($0)" } }
        let total = dropped.values.reduce(0, +)
        return "completed \(completed), \(duplicates) duplicate\(duplicates == 1 ? "" : "s"), dropped \(total)"
            + (reasons.isEmpty ? "" : " (\(reasons.joined(separator: ", ")))")
    }
}
