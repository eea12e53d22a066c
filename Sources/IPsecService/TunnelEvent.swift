public import IKEv1
public import IPsecNode
public import ISAKMPWire

/// What happens to a ``Tunnel``'s SAs, in the order the node's control plane saw it.
public enum TunnelEvent: Sendable {
    /// Phase 1 completed: an ISAKMP SA is established.
    case phase1Up(ISAKMPSAInfo)
    /// Phase 1 found a NAT on the path (RFC 3947 §3.2), or UDP encapsulation was forced; follows ``phase1Up(_:)``.
    case natDetected(ISAKMPSAInfo)
    /// An IPsec SA pair now carries traffic.
    case childInstalled(ChildSA)
    /// An IPsec SA pair took over from the one with inbound SPI `replacing`, for the same
    /// connection and traffic selectors; the old pair's ``childDeleted(inboundSPI:outboundSPI:reason:)`` follows.
    case childRekeyed(ChildSA, replacing: UInt32)
    /// An IPsec SA pair was removed from the data plane.
    case childDeleted(inboundSPI: UInt32, outboundSPI: UInt32, reason: String)
    /// The ISAKMP SA is gone (deleted by either side, expired, or the peer found dead).
    case phase1Down(ISAKMPSAID, reason: String)
    /// Dead peer detection (RFC 3706) gave up on the peer; its SAs go.
    case deadPeer(Failure)
    /// The peer's NAT mapping changed; its SAs follow it.
    case peerMoved(from: SocketAddress, to: SocketAddress)
    /// The peer sent a notify.
    case notify(ReceivedNotify)
    /// A negotiation failed; `Failure.error.kind` says why (`IKEv1Error/Kind`).
    case failed(Failure)
    /// A message was dropped and nothing changed: a duplicate, a replay, or one for no SA of ours.
    case messageDropped(Failure)
    /// A problem of the node itself, in a sentence (no raw IP sockets, a failed send or install).
    case warning(String)
    /// The periodic counters (``Tunnel/Options/statisticsInterval``), also published as metrics.
    case statistics(TunnelStatistics)
}

/// A snapshot of a ``Tunnel``'s SAs and counters, taken on the node's control thread.
public struct TunnelStatistics: Sendable, Equatable {
    /// One IPsec SA pair and its traffic.
    public struct Child: Sendable, Equatable {
        /// The connection that negotiated it.
        public var connection: String
        /// Our SPI (the peer's packets carry it).
        public var inboundSPI: UInt32
        /// The peer's SPI (our packets carry it).
        public var outboundSPI: UInt32
        /// What it carried since it was installed.
        public var traffic: ChildSATraffic
    }

    /// ISAKMP SAs established.
    public var isakmpSAs: Int
    /// ISAKMP SAs in any state (established and negotiating).
    public var sessions: Int
    /// Responder ISAKMP SAs whose Phase 1 is not complete.
    public var halfOpen: Int
    /// The IPsec SA pairs installed.
    public var children: [Child]
    /// What the data plane dropped, by reason.
    public var dataPlaneDrops: DataPlaneCounters
    /// What the engine refused to hold (`ResponderLimits`).
    public var engineDrops: DropCounters
    /// IKE datagrams on the NAT-T port dropped from the full queue to the control plane.
    public var queueOverflow: Int
}
