/// A truncated or malformed capture file, record or packet header.
///
/// Errors name the layer that failed and the byte offset where it failed:
/// for the `file`, `pcap` and `pcapng` layers the offset counts from the start
/// of the capture file; for the packet layers (`link`, `ipv4`, `ipv6`, `udp`)
/// it counts from the start of the frame's captured bytes. Two errors are
/// equal when their kind, layer and offset are equal; `reason` is for people.
public struct CaptureError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: String, Hashable, Sendable {
        /// The bytes end before the structure they must hold.
        case truncated
        /// A field holds a value the format does not allow.
        case malformed
        /// The file is not a capture format this reader knows.
        case unsupported
    }

    /// Where it went wrong.
    public enum Layer: String, Hashable, Sendable {
        /// The file as a whole (format detection).
        case file
        /// A classic pcap header or record.
        case pcap
        /// A pcapng block.
        case pcapng
        /// The link-layer header (Ethernet, VLAN tags, Linux cooked, loopback).
        case link
        /// The IPv4 header.
        case ipv4
        /// The IPv6 header or one of its extension headers.
        case ipv6
        /// The UDP header.
        case udp
    }

    /// What went wrong.
    public var kind: Kind
    /// Where it went wrong.
    public var layer: Layer
    /// Byte offset of the failing structure (see the type's documentation).
    public var offset: Int
    /// The frame number (1-based, as tshark numbers them) when the error belongs to one frame.
    public var frame: Int?
    /// A human-readable explanation.
    public var reason: String

    /// Creates an error.
    public init(_ kind: Kind, layer: Layer, offset: Int, frame: Int? = nil, reason: String) {
        self.kind = kind
        self.layer = layer
        self.offset = offset
        self.frame = frame
        self.reason = reason
    }

    /// `"truncated ipv4 header at offset 14: ..."`, prefixed by the frame number when known.
    public var description: String {
        let prefix = frame.map { "frame \($0): " } ?? ""
        return "\(prefix)\(kind.rawValue) \(layer.rawValue) at offset \(offset): \(reason)"
    }

    /// Equal when kind, layer and offset are equal; `frame` and `reason` do not count.
    public static func == (lhs: CaptureError, rhs: CaptureError) -> Bool {
        lhs.kind == rhs.kind && lhs.layer == rhs.layer && lhs.offset == rhs.offset
    }

    /// Hashes kind, layer and offset, as `==` compares them.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(layer)
        hasher.combine(offset)
    }
}
