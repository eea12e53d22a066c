/// Rebuilds IPv4 and IPv6 datagrams from fragments that arrive in order
/// (RFC 791 §3.2, RFC 8200 §4.5), with bounded memory.
///
/// Only the simple case is handled: the first fragment (offset 0) comes first
/// and each next fragment starts where the previous one ended. A gap, an
/// overlap, a fragment without a started datagram, or a datagram growing past
/// `maximumDatagramSize` drops that datagram. At most `maximumPending`
/// datagrams are kept; starting one more drops the oldest.
///
/// ```swift
/// var reassembler = FragmentReassembler()
/// let packet = PacketDecoder.decode(frame)
/// if let datagram = reassembler.add(packet) { use(datagram.transport) }
/// ```
public struct FragmentReassembler: Sendable {
    /// A datagram rebuilt from its fragments.
    public struct Datagram: Hashable, Sendable {
        /// The IP header of the first fragment.
        public var ip: IPHeaderInfo
        /// The frames whose fragments made the datagram, in order.
        public var frameIndices: [Int]
        /// The reassembled IP payload.
        public var payload: [UInt8]
        /// The transport decoded from `payload`, or nil when `error` is set.
        public var transport: Transport?
        /// A truncated or malformed transport header; its offset counts from the start of `payload`.
        public var error: CaptureError?
    }

    private struct Key: Hashable, Sendable {
        var source: IPAddress
        var destination: IPAddress
        var protocolNumber: UInt8
        var identification: UInt32
    }

    private struct Pending: Sendable {
        var key: Key
        var ip: IPHeaderInfo
        var frameIndices: [Int]
        var payload: [UInt8]
    }

    /// The largest reassembled payload kept, in bytes.
    public let maximumDatagramSize: Int
    /// The most datagrams under reassembly at once.
    public let maximumPending: Int
    private var pending: [Pending] = []

    /// Creates a reassembler; both limits must be positive.
    public init(maximumDatagramSize: Int = 65_535, maximumPending: Int = 8) {
        precondition(maximumDatagramSize > 0 && maximumPending > 0, "reassembly limits must be positive")
        self.maximumDatagramSize = maximumDatagramSize
        self.maximumPending = maximumPending
    }

    /// The number of datagrams waiting for more fragments.
    public var pendingCount: Int { pending.count }

    /// Feeds one decoded packet; returns the datagram when this packet is its last fragment.
    /// Packets that are not fragments are ignored.
    public mutating func add(_ packet: DecodedPacket) -> Datagram? {
        guard let ip = packet.ip, let fragment = ip.fragment, fragment.isFragment, let data = packet.ipPayload else {
            return nil
        }
        let key = Key(source: ip.source, destination: ip.destination, protocolNumber: ip.protocolNumber,
                      identification: fragment.identification)
        let existing = pending.firstIndex { $0.key == key }
        if fragment.offset == 0 {
            if let existing { pending.remove(at: existing) }
            guard data.count <= maximumDatagramSize else { return nil }
            if pending.count == maximumPending { pending.removeFirst() }
            pending.append(Pending(key: key, ip: ip, frameIndices: [packet.frameIndex], payload: Array(data)))
            return nil
        }
        guard let existing else { return nil }
        guard pending[existing].payload.count == fragment.offset,
              data.count <= maximumDatagramSize - fragment.offset else {
            pending.remove(at: existing)
            return nil
        }
        pending[existing].payload += data
        pending[existing].frameIndices.append(packet.frameIndex)
        guard !fragment.moreFragments else { return nil }
        let done = pending.remove(at: existing)
        var datagram = Datagram(ip: done.ip, frameIndices: done.frameIndices, payload: done.payload)
        do throws(CaptureError) {
            datagram.transport = try PacketDecoder.transport(done.ip.protocolNumber, done.payload[...], at: 0)
        } catch {
            var located = error
            located.frame = packet.frameIndex
            datagram.error = located
        }
        return datagram
    }
}
