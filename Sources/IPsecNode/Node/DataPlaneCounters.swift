/// What the data plane dropped, and why (RFC 4301 §5: every discarded packet is auditable).
public struct DataPlaneCounters: Sendable, Equatable, CustomStringConvertible {
    /// ESP packets whose SPI is none of our inbound SAs (another stack on the host, noise, an attacker).
    public var unknownSPI = 0
    /// Raw IP or UDP datagrams too short or inconsistent to hold an ESP packet.
    public var malformed = 0
    /// ESP packets that failed their ICV, the replay window, padding or a lifetime.
    public var failedOpen = 0
    /// Opened packets whose inner addresses, protocol or ports lie outside the SA's selectors.
    public var outsideSelectors = 0
    /// Packets from the TUN device that no installed SA covers.
    public var noOutboundSA = 0
    /// Packets from the TUN device too large for their SA's path, which may not be fragmented:
    /// answered with ICMP "fragmentation needed" or ICMPv6 "packet too big" (at most 100 answers a
    /// second per data thread; the rest go unanswered).
    public var tooBig = 0

    /// Creates zero counters.
    public init() {}

    /// Every drop counted.
    public var total: Int { unknownSPI + malformed + failedOpen + outsideSelectors + noOutboundSA + tooBig }

    /// The six counters in one line, for logs.
    public var description: String {
        "\(unknownSPI) unknown SPI, \(malformed) malformed, \(failedOpen) failed ICV/replay, "
            + "\(outsideSelectors) outside selectors, \(noOutboundSA) with no SA, \(tooBig) too big for the path"
    }
}

/// What one IPsec SA pair carried since it was installed (``IPsecNodeRuntime/traffic(inboundSPI:)``).
public struct ChildSATraffic: Sendable, Equatable {
    /// Packets sealed into the outbound SA.
    public var packetsOut: Int
    /// Packets opened from the inbound SA and delivered.
    public var packetsIn: Int
    /// Inner bytes sealed (IP packets before ESP or AH).
    public var bytesOut: Int
    /// Inner bytes delivered (IP packets after ESP or AH).
    public var bytesIn: Int
    /// Packets of this SA dropped: a failed seal, ICV, replay window or selector check.
    public var dropped: Int

    /// Creates the counts.
    public init(packetsOut: Int = 0, packetsIn: Int = 0, bytesOut: Int = 0, bytesIn: Int = 0, dropped: Int = 0) {
        (self.packetsOut, self.packetsIn, self.bytesOut, self.bytesIn, self.dropped) = (packetsOut, packetsIn, bytesOut, bytesIn, dropped)
    }
}
