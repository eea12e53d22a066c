import IPsecCrypto
import ISAKMPWire

/// The responder ISAKMP SAs whose Phase 1 is not complete: counted per peer address, and
/// kept in creation order so the oldest unproven one can make room (``ResponderLimits``).
struct HalfOpenTable {
    /// SA -> the address its first message came from (the count key, even if the peer floats).
    private(set) var address: [ISAKMPSAID: [UInt8]] = [:]
    private var perAddress: [[UInt8]: Int] = [:]
    /// Creation order; entries already removed are skipped and compacted lazily.
    private var order: [ISAKMPSAID] = []
    private var head = 0

    var count: Int { address.count }
    func count(from a: [UInt8]) -> Int { perAddress[a] ?? 0 }
    var mostFromOneAddress: Int { perAddress.values.max() ?? 0 }

    mutating func add(_ id: ISAKMPSAID, from a: [UInt8]) {
        guard address.updateValue(a, forKey: id) == nil else { return }
        perAddress[a, default: 0] += 1
        order.append(id)
    }

    mutating func remove(_ id: ISAKMPSAID) {
        guard let a = address.removeValue(forKey: id), let n = perAddress[a] else { return }
        perAddress[a] = n > 1 ? n - 1 : nil
    }

    /// The oldest SA for which `evictable` holds (in creation order).
    mutating func oldest(where evictable: (ISAKMPSAID) -> Bool) -> ISAKMPSAID? {
        while head < order.count, address[order[head]] == nil { head += 1 }
        if head > 1024 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
        var i = head
        while i < order.count {
            if address[order[i]] != nil && evictable(order[i]) { return order[i] }
            i += 1
        }
        return nil
    }
}

/// Admission of unsolicited messages: drop accounting with rate-limited reports, the half-open
/// table, and what the endpoint holds.
extension IKEv1Endpoint {
    /// Counts a dropped datagram; reports it as a `failed` action at most once per
    /// ``ResponderLimits/dropReportInterval`` per reason, with the number dropped in between.
    mutating func drop(_ reason: DropReason, sa: ISAKMPSAID, _ detail: String,
                       env: Environment) -> [Action] {
        counters.dropped[reason, default: 0] += 1
        var more = ""
        if var log = dropLog[reason] {
            if env.now < log.lastReport.adding(seconds: limits.dropReportInterval) {
                log.suppressed += 1
                dropLog[reason] = log
                return []
            }
            if log.suppressed > 0 { more = " (and \(log.suppressed) more \(reason.rawValue) drops since \(log.lastReport))" }
        }
        dropLog[reason] = DropLogEntry(lastReport: env.now, suppressed: 0)
        return [.failed(Failure(sa: sa, error: IKEv1Error(reason.kind, detail + more)))]
    }

    /// Takes one token from the Aggressive Mode bucket (refilled at ``ResponderLimits/aggressiveModePerSecond``,
    /// holding as many); false when it is empty.
    mutating func takeAggressiveModeToken(now: EngineTime) -> Bool {
        aggressiveBucket.take(now: now, rate: limits.aggressiveModePerSecond)
    }

    /// The SA that makes room when the half-open table is full: the oldest one whose initiator
    /// has not yet echoed our cookie (nil: none, or the table is not full).
    mutating func halfOpenVictim() -> ISAKMPSAID? {
        guard halfOpen.count >= limits.halfOpen else { return nil }
        return halfOpen.oldest { id in sessions[id]?.hasProvenAddress == false }
    }

    /// Removes a half-open SA to make room for a newer first message.
    mutating func evict(_ victim: ISAKMPSAID, into actions: inout [Action]) {
        sessions[victim]?.close(reason: "half-open table full: replaced by a newer first message", into: &actions,
                                notifyDeleted: false)
        removeSession(victim)
        halfOpen.remove(victim)
        counters.evicted += 1
    }

    /// After an SA handled an event: removes it when closed, and leaves the half-open table
    /// once established or gone.
    mutating func settle(_ id: ISAKMPSAID) {
        let (closed, halfOpenResponder) = withSession(id) { ($0.phase1.isClosed, $0.phase1.isHalfOpenResponder) } ?? (false, false)
        if closed {
            releaseLease(id)
            removeSession(id)
        }
        if !halfOpenResponder { halfOpen.remove(id) }
    }

    /// Lets go of SA `id`: the table and the index of established SAs by peer.
    mutating func removeSession(_ id: ISAKMPSAID) {
        sessions[id] = nil
        establishedPeers.remove(id)
    }

    /// What the endpoint holds now (walks every SA: for status output and tests, not per packet).
    public var resources: ResourceUsage {
        ResourceUsage(sessions: sessions.count, halfOpen: halfOpen.count,
                      halfOpenFromOneAddress: halfOpen.mostFromOneAddress,
                      quickModes: sessions.values.reduce(0) { $0 + ($1.established?.quickModes.count ?? 0) },
                      storedBytes: sessions.values.reduce(reassembler.storedBytes) { $0 + MemoryLayout<ISAKMPSession>.stride + $1.storedBytes })
    }
}

/// When a drop reason was last reported, and how many drops went unreported since.
struct DropLogEntry {
    var lastReport: EngineTime
    var suppressed: Int
}

extension ISAKMPSession {
    /// The initiator echoed our responder cookie (Main Mode message 3 arrived), so it receives
    /// at the address it claims. Always true for our own initiator SAs.
    var hasProvenAddress: Bool {
        switch phase1 {
        case .mainModeRepliedSA, .aggressiveReplied: isInitiator
        default: true
        }
    }

    /// Quick Modes the peer has in progress with us as responder.
    var peerQuickModesInProgress: Int { established?.peerQuickModesInProgress ?? 0 }

    /// Bytes in the buffers that grow with what the peer sends (see ``ResourceUsage/storedBytes``).
    var storedBytes: Int {
        var n = phase1.storedBytes + received.count * MessageFingerprint.size + usedMessageIDs.count * 4
        n += lastExchange.values.reduce(0) { $0 + MessageFingerprint.size + $1.response.reduce(0) { $0 + $1.bytes.count } }
        n += outstanding.values.reduce(0) { $0 + $1.datagrams.reduce(0) { $0 + $1.bytes.count } }
        return n
    }
}
