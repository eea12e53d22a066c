/// What the outermost IP header (IPv4, or IPv6 with its extension headers) says.
public struct IPHeaderInfo: Hashable, Sendable {
    /// 4 or 6.
    public var version: Int
    /// Source address.
    public var source: IPAddress
    /// Destination address.
    public var destination: IPAddress
    /// IPv4 Protocol, or for IPv6 the Next Header after the last extension
    /// header walked (hop-by-hop 0, routing 43, fragment 44, destination options 60).
    public var protocolNumber: UInt8
    /// IPv4 TTL or IPv6 Hop Limit.
    public var hopLimit: UInt8
    /// Length of the IP header, IPv4 options and IPv6 extension headers included.
    public var headerLength: Int
    /// Fragmentation fields: for IPv4 always present (read from the header);
    /// for IPv6 present when a Fragment extension header is. A packet is part
    /// of a larger datagram when `fragment?.isFragment == true`.
    public var fragment: IPFragmentInfo?
    /// The IPv4 option bytes (empty for IPv6 and for IPv4 without options).
    public var options: ArraySlice<UInt8>

    /// Creates a header summary.
    public init(
        version: Int, source: IPAddress, destination: IPAddress, protocolNumber: UInt8, hopLimit: UInt8,
        headerLength: Int, fragment: IPFragmentInfo? = nil, options: ArraySlice<UInt8> = []
    ) {
        self.version = version
        self.source = source
        self.destination = destination
        self.protocolNumber = protocolNumber
        self.hopLimit = hopLimit
        self.headerLength = headerLength
        self.fragment = fragment
        self.options = options
    }
}

/// Fragmentation facts of an IPv4 header (RFC 791) or IPv6 Fragment header (RFC 8200 §4.5).
public struct IPFragmentInfo: Hashable, Sendable {
    /// The Identification field (16 bits for IPv4, 32 for IPv6).
    public var identification: UInt32
    /// Fragment offset in bytes (the header field times 8).
    public var offset: Int
    /// The More Fragments flag.
    public var moreFragments: Bool
    /// The IPv4 Don't Fragment flag (always false for IPv6).
    public var dontFragment: Bool

    /// Creates fragment facts.
    public init(identification: UInt32, offset: Int, moreFragments: Bool, dontFragment: Bool = false) {
        self.identification = identification
        self.offset = offset
        self.moreFragments = moreFragments
        self.dontFragment = dontFragment
    }

    /// True when this is part of a larger datagram (offset > 0 or More Fragments set);
    /// such a packet has no transport decode.
    public var isFragment: Bool { offset != 0 || moreFragments }
}
