import ESP

/// One thread's way into the outbound SAs (RFC 4301 §5.1): a copy of the database's outbound
/// entries whose ESP SAs are siblings of the database's (cipher contexts of their own; sequence
/// numbers and lifetime counts shared, taken atomically), so that several data threads seal into
/// one SA at once with no lock between them. The copy is refreshed, under the database's lock,
/// on the first packet after an SA came, went or moved. Not for concurrent use: one per thread.
final class Sealer {
    /// An outbound entry as this sealer holds it.
    struct Entry {
        var sa: SADatabase.Outbound
        /// False: sealed by the database under its lock (AH; an ESP SA whose sibling could not be keyed).
        let own: Bool
    }

    private let database: SADatabase
    private var entries: [Entry] = []
    private var index = OutboundIndex([])
    /// The database's generation the copy reflects (none yet: refreshed on the first packet).
    private var generation = UInt64.max
    /// The last flow sealed and the entry that took it: the segments of one super-segment, and
    /// any run of one flow's packets, skip the index. Forgotten whenever the entries change.
    private var recent: (flow: PacketFlow, entry: Int)?

    init(_ database: SADatabase) {
        self.database = database
    }

    /// The outbound SAs this sealer holds (with their cipher contexts and keys).
    var held: Int { entries.count }

    /// Takes up what changed in the database since the last call (an acquiring load when
    /// nothing did). Data threads also call it when idle, so that a deleted SA's keys do not
    /// outlive it in a thread that has no packets to seal.
    func followChanges() {
        if database.generation != generation {
            (entries, index, generation) = database.snapshot(keeping: entries)
            recent = nil
        }
    }

    /// Seals the IP packet at `packet` in `buffer` into the newest SA whose selectors cover it
    /// (RFC 4301 §5.1): the range to send and where it goes, or why not (counted).
    func seal(_ buffer: UnsafeMutableRawBufferPointer, packet: Range<Int>) -> SADatabase.Sealed {
        followChanges()
        // The newest SA for a selector wins (a rekeyed SA replaces the old one at once).
        guard let flow = PacketFlow(UnsafeRawBufferPointer(buffer), packet), let i = entry(for: flow) else {
            database.countNoOutboundSA()
            return .noSA
        }
        if packet.count > entries[i].sa.largestInner,
           PacketTooBig.forbidsFragmentation(UnsafeRawBufferPointer(rebasing: buffer[packet])) {
            database.countTooBig()
            return .tooBig(mtu: max(entries[i].sa.largestInner, 0))
        }
        guard entries[i].own else { return database.sealShared(serial: entries[i].sa.serial, hint: i, buffer, packet: packet) }
        return SADatabase.seal(&entries[i].sa, buffer, packet: packet)
    }

    /// The entry whose selectors cover `flow`: the one that took the same flow last, or the
    /// index's answer (which depends only on the flow and the entries).
    private func entry(for flow: PacketFlow) -> Int? {
        if let recent, recent.flow == flow { return recent.entry }
        guard let i = index.newest(version: flow.version, destination: flow.destination,
                                   where: { entries[$0].sa.selectors.coversOutbound(flow) }) else { return nil }
        recent = (flow, i)
        return i
    }
}
