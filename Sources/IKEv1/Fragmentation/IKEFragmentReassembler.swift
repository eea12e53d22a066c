public import ISAKMPWire

/// Puts IKEv1 fragments (payload 132) back together, within ``FragmentReassemblyLimits``.
///
/// A partial message is keyed by the peer's IP address, the initiator cookie and the fragment
/// ID. charon sends fragment ID 1 for every message, so a message's fragments are told from the
/// next message's only by completing first: a complete message leaves at once, and a stale
/// fragment that disagrees with a newer one drops the partial message (``FragmentDropReason/overlap``);
/// the HASH of the message, checked after decryption, catches the rest. Pure: the caller passes
/// the time; nothing here reads a clock.
///
///     var reassembler = try IKEFragmentReassembler()
///     switch reassembler.receive(ike, from: peer, now: now) {   // header's Next Payload was FRAG (132)
///     case .incomplete: break
///     case .complete(let message): handle(message)                // as if it came in one datagram
///     case .dropped(let reason): count(reason)
///     }
public struct IKEFragmentReassembler: Sendable {
    /// What one fragment did.
    public enum Outcome: Hashable, Sendable {
        /// Kept, or ignored as a duplicate of one kept; more fragments are needed.
        case incomplete
        /// The last missing fragment arrived: the whole message as its sender encoded it
        /// (ISAKMP header first; its payloads still encrypted if they were).
        case complete([UInt8])
        /// Dropped, with the partial message it belonged to unless the reason is `malformed`.
        case dropped(FragmentDropReason)
    }

    /// Which partial message a fragment belongs to.
    struct Key: Hashable, Sendable {
        var peer: [UInt8]
        var initiatorCookie: Cookie
        var fragmentID: UInt16
    }

    /// The fragments of one message received so far.
    struct PartialMessage: Sendable {
        var fragments: [UInt8: [UInt8]] = [:]
        /// The number of the fragment flagged last, once it came.
        var last: UInt8?
        var highest: UInt8 = 0
        var dataBytes = 0
        let started: EngineTime
        /// Its place in ``IKEFragmentReassembler/order``.
        let serial: UInt64

        var charge: Int {
            dataBytes + fragments.count * FragmentReassemblyLimits.bytesPerFragment + FragmentReassemblyLimits.bytesPerMessage
        }
    }

    /// The partial messages of one peer address: bytes charged, keys oldest first.
    struct PeerUsage: Sendable {
        var bytes = 0
        var keys: [Key] = []
    }

    /// What the reassembler may hold.
    public let limits: FragmentReassemblyLimits
    /// What it did so far.
    public private(set) var counters = FragmentCounters()
    /// Bytes charged for the partial messages held now (see ``FragmentReassemblyLimits``).
    public private(set) var storedBytes = 0

    private var partial: [Key: PartialMessage] = [:]
    private var peers: [[UInt8]: PeerUsage] = [:]
    /// Partial messages in creation order (oldest first), for expiry and eviction; entries whose
    /// message is gone are skipped and compacted away once they outnumber the live ones.
    private var order: [(key: Key, serial: UInt64)] = []
    private var head = 0
    private var nextSerial: UInt64 = 0

    /// A reassembler; the limits must hold at least one whole message.
    public init(limits: FragmentReassemblyLimits = FragmentReassemblyLimits()) throws(IKEv1Error) {
        try limits.validate()
        self.limits = limits
    }

    /// Partial messages held now.
    public var partialMessages: Int { partial.count }

    /// Bytes charged for the partial messages of one peer address.
    public func storedBytes(from peer: [UInt8]) -> Int { peers[peer]?.bytes ?? 0 }

    /// When the oldest partial message times out: when to call ``expire(now:)`` (nil: none held).
    public var nextExpiry: EngineTime? {
        order[head...].first { partial[$0.key]?.serial == $0.serial }
            .flatMap { partial[$0.key]?.started.adding(seconds: limits.timeout) }
    }

    /// The endpoint's entry: one datagram (ISAKMP bytes, after any non-ESP marker) whose header
    /// names FRAG (132) as its first payload.
    public mutating func receive(_ datagram: some Collection<UInt8>, from peer: SocketAddress, now: EngineTime) -> Outcome {
        let message: FragmentMessage
        do { message = try FragmentMessage.decode(datagram) } catch {
            expire(now: now)
            counters.dropped[.malformed, default: 0] += 1
            return .dropped(.malformed)
        }
        return add(message, from: peer.address, now: now)
    }

    /// Adds one fragment from the peer at IP address `peer` (4 or 16 bytes).
    public mutating func add(_ message: FragmentMessage, from peer: [UInt8], now: EngineTime) -> Outcome {
        expire(now: now)
        let f = message.fragment
        let key = Key(peer: peer, initiatorCookie: message.header.initiatorCookie, fragmentID: f.fragmentID)
        guard Int(f.number) <= limits.maxFragments else { return drop(key, .tooManyFragments) }
        var p = partial[key] ?? PartialMessage(started: now, serial: nextSerial)
        if let held = p.fragments[f.number] {
            guard held == f.data, f.isLast == (p.last == f.number) else { return drop(key, .overlap) }
            counters.duplicates += 1
            return .incomplete
        }
        let contradicts = f.isLast
            ? p.last != nil || f.number < p.highest     // a second last one, or one held beyond it
            : p.last.map { f.number > $0 } ?? false     // beyond the last one
        if contradicts { return drop(key, .overlap) }
        guard p.dataBytes + f.data.count <= limits.maxMessageSize else { return drop(key, .oversized) }

        let charge = f.data.count + FragmentReassemblyLimits.bytesPerFragment
            + (partial[key] == nil ? FragmentReassemblyLimits.bytesPerMessage : 0)
        makeRoom(charge, for: key)
        if partial[key] == nil {
            order.append((key, p.serial))
            nextSerial += 1
            peers[peer, default: PeerUsage()].keys.append(key)
        }
        p.fragments[f.number] = f.data
        p.dataBytes += f.data.count
        p.highest = Swift.max(p.highest, f.number)
        if f.isLast { p.last = f.number }
        partial[key] = p
        storedBytes += charge
        peers[peer, default: PeerUsage()].bytes += charge

        // Every number held is at most `last` (the checks above), so `last` of them are 1...last.
        guard let last = p.last, p.fragments.count == Int(last) else { return .incomplete }
        remove(key)
        var whole: [UInt8] = []
        whole.reserveCapacity(p.dataBytes)
        for (_, data) in p.fragments.sorted(by: { $0.key < $1.key }) { whole += data }
        guard let header = try? ISAKMPHeader.decode(whole[...]), header.initiatorCookie == message.header.initiatorCookie,
              header.responderCookie == message.header.responderCookie else {
            counters.dropped[.invalidMessage, default: 0] += 1
            return .dropped(.invalidMessage)
        }
        counters.completed += 1
        return .complete(whole)
    }

    /// Drops the partial messages whose first fragment arrived ``FragmentReassemblyLimits/timeout``
    /// seconds or more before `now`.
    public mutating func expire(now: EngineTime) {
        while let entry = oldest(), now >= entry.message.started.adding(seconds: limits.timeout) {
            remove(entry.key)
            counters.dropped[.timedOut, default: 0] += 1
        }
    }

    /// Evicts the oldest other partial messages, the peer's own first, until `charge` more bytes
    /// fit both limits. `validate()` guarantees that the message of `key` alone always fits.
    private mutating func makeRoom(_ charge: Int, for key: Key) {
        while (peers[key.peer]?.bytes ?? 0) + charge > limits.bytesPerPeer,
              let victim = peers[key.peer]?.keys.first(where: { $0 != key }) {
            evict(victim)
        }
        while storedBytes + charge > limits.totalBytes, let victim = oldest(other: key) {
            evict(victim)
        }
    }

    private mutating func evict(_ key: Key) {
        remove(key)
        counters.dropped[.evicted, default: 0] += 1
    }

    private mutating func drop(_ key: Key, _ reason: FragmentDropReason) -> Outcome {
        remove(key)
        counters.dropped[reason, default: 0] += 1
        return .dropped(reason)
    }

    /// The oldest partial message held, skipping (and dropping from `order`) entries already gone.
    private mutating func oldest() -> (key: Key, message: PartialMessage)? {
        while head < order.count {
            let entry = order[head]
            if let p = partial[entry.key], p.serial == entry.serial { return (entry.key, p) }
            head += 1
        }
        return nil
    }

    /// The oldest partial message held but that of `key`.
    private mutating func oldest(other key: Key) -> Key? {
        guard let first = oldest()?.key else { return nil }
        guard first == key else { return first }
        return order[(head + 1)...].first { $0.key != key && partial[$0.key]?.serial == $0.serial }?.key
    }

    /// Forgets a partial message (if held) and its charges.
    private mutating func remove(_ key: Key) {
        guard let p = partial.removeValue(forKey: key), var usage = peers[key.peer] else { return }
        storedBytes -= p.charge
        usage.bytes -= p.charge
        usage.keys.removeAll { $0 == key }
        peers[key.peer] = usage.keys.isEmpty ? nil : usage
        // Entries of removed messages are skipped; compact once they outnumber the live ones.
        if order.count - head > 2 * partial.count + 64 {
            order = order[head...].filter { partial[$0.key]?.serial == $0.serial }
            head = 0
        } else if head > 0 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
