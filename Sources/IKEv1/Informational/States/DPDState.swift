/// RFC 3706 Dead Peer Detection on an established ISAKMP SA: which R-U-THERE went out last and
/// whether its ACK came.
enum DPDState {
    /// No R-U-THERE sent yet.
    case quiet
    /// R-U-THERE probes sent.
    case probing(DPDProbe)

    /// The sequence number of the next R-U-THERE, which is now awaited: a random start
    /// (RFC 3706 §7), then one up per probe.
    mutating func nextProbe(env: inout Environment) -> UInt32 {
        switch self {
        case .quiet:
            let first = env.u32() & 0x7fff_ffff | 1
            self = .probing(DPDProbe(sequence: first, awaitingAck: true, misses: 0))
            return first
        case .probing(var p):
            p.sequence &+= 1
            p.awaitingAck = true
            self = .probing(p)
            return p.sequence
        }
    }

    /// True while the last probe is unanswered.
    var awaitingAck: Bool { if case .probing(let p) = self { p.awaitingAck } else { false } }

    /// An R-U-THERE-ACK: answers the last probe when its sequence number matches.
    mutating func acknowledge(_ sequence: UInt32) {
        guard case .probing(var p) = self, p.awaitingAck, p.sequence == sequence else { return }
        p.awaitingAck = false
        p.misses = 0
        self = .probing(p)
    }

    /// Counts an unanswered probe; returns the misses in a row.
    mutating func countMiss() -> Int {
        guard case .probing(var p) = self else { return 0 }
        p.misses += 1
        self = .probing(p)
        return p.misses
    }
}

/// The last R-U-THERE sent.
struct DPDProbe {
    var sequence: UInt32
    var awaitingAck: Bool
    /// Probes in a row that went unanswered.
    var misses: Int
}
