/// One record of a capture file: a packet as the capturing interface saw it.
public struct CapturedFrame: Hashable, Sendable {
    /// Frame number, 1-based, in capture order, as tshark and Wireshark number
    /// frames: every packet record counts, whatever it carries.
    public var index: Int
    /// When the packet was captured.
    public var timestamp: CaptureTimestamp
    /// The link-layer header type of the interface that captured the packet.
    public var linkType: LinkType
    /// The pcapng interface number (0 for classic pcap).
    public var interfaceID: Int
    /// The packet's length on the wire, which may exceed `bytes.count` when the capture was truncated (snaplen).
    public var originalLength: Int
    /// The captured bytes, starting with the link-layer header (a slice of the file's bytes).
    public var bytes: ArraySlice<UInt8>

    /// Creates a frame, for example to feed `PacketDecoder` synthetic bytes.
    public init(
        index: Int, timestamp: CaptureTimestamp = CaptureTimestamp(), linkType: LinkType,
        interfaceID: Int = 0, originalLength: Int? = nil, bytes: ArraySlice<UInt8>
    ) {
        self.index = index
        self.timestamp = timestamp
        self.linkType = linkType
        self.interfaceID = interfaceID
        self.originalLength = originalLength ?? bytes.count
        self.bytes = bytes
    }
}

/// A capture time: seconds since the Unix epoch plus nanoseconds.
public struct CaptureTimestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Whole seconds since 1970-01-01 00:00:00 UTC.
    public var seconds: Int64
    /// Nanoseconds within the second, `0..<1_000_000_000`.
    public var nanoseconds: UInt32

    /// Creates a timestamp; nanoseconds of a second or more are carried into `seconds`.
    public init(seconds: Int64 = 0, nanoseconds: UInt64 = 0) {
        let carry = Int64(clamping: nanoseconds / 1_000_000_000)
        self.seconds = seconds.addingReportingOverflow(carry).partialValue
        self.nanoseconds = UInt32(nanoseconds % 1_000_000_000)
    }

    /// `"1234.000000567"`: seconds and nine fractional digits, as tshark prints `frame.time_epoch`.
    public var description: String {
        let fraction = String(nanoseconds)
        return "\(seconds).\(String(repeating: "0", count: 9 - fraction.count))\(fraction)"
    }

    /// Earlier first.
    public static func < (lhs: CaptureTimestamp, rhs: CaptureTimestamp) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }
}

/// A link-layer header type (LINKTYPE_* from the tcpdump.org registry).
/// Open: values this library does not decode are kept as they are.
public struct LinkType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The LINKTYPE_* number.
    public var rawValue: UInt32

    /// Creates a link type from its LINKTYPE_* number.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// LINKTYPE_NULL (0): BSD loopback, a 4-byte address family in the capturing host's byte order.
    public static let null = LinkType(rawValue: 0)
    /// LINKTYPE_ETHERNET (1): Ethernet II, with optional 802.1Q / 802.1ad tags.
    public static let ethernet = LinkType(rawValue: 1)
    /// DLT_RAW as some systems number it (12): raw IPv4 or IPv6.
    public static let rawIP12 = LinkType(rawValue: 12)
    /// DLT_RAW as OpenBSD numbers it (14): raw IPv4 or IPv6.
    public static let rawIP14 = LinkType(rawValue: 14)
    /// LINKTYPE_RAW (101): raw IPv4 or IPv6, told apart by the version nibble.
    public static let raw = LinkType(rawValue: 101)
    /// LINKTYPE_LOOP (108): OpenBSD loopback, a 4-byte address family in network byte order.
    public static let loop = LinkType(rawValue: 108)
    /// LINKTYPE_LINUX_SLL (113): Linux cooked capture v1, 16-byte header.
    public static let linuxSLL = LinkType(rawValue: 113)
    /// LINKTYPE_IPV4 (228): raw IPv4.
    public static let ipv4 = LinkType(rawValue: 228)
    /// LINKTYPE_IPV6 (229): raw IPv6.
    public static let ipv6 = LinkType(rawValue: 229)
    /// LINKTYPE_LINUX_SLL2 (276): Linux cooked capture v2, 20-byte header.
    public static let linuxSLL2 = LinkType(rawValue: 276)

    /// The tcpdump.org name (`"ETHERNET"`), or the number for types without a known name.
    public var description: String {
        switch self {
        case .null: "NULL"
        case .ethernet: "ETHERNET"
        case .rawIP12, .rawIP14, .raw: "RAW"
        case .loop: "LOOP"
        case .linuxSLL: "LINUX_SLL"
        case .ipv4: "IPV4"
        case .ipv6: "IPV6"
        case .linuxSLL2: "LINUX_SLL2"
        default: "\(rawValue)"
        }
    }
}
