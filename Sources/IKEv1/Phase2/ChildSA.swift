public import IPsecCrypto
public import ISAKMPWire

/// One direction's keys of an IPsec SA.
public struct ChildSAKeys: Sendable, Equatable {
    /// The SPI of this direction (inbound: chosen by us; outbound: chosen by the peer).
    public var spi: UInt32
    /// Cipher key (AES-GCM: key | 4-byte salt); empty for AH and NULL.
    public var encryptionKey: SecretBytes
    /// Integrity key; empty for AEAD.
    public var integrityKey: SecretBytes
}

/// An IPsec SA pair as the ESP layer consumes it: SPIs, algorithms, keys, mode,
/// encapsulation, lifetimes, traffic selectors (RFC 2409 §5.5).
public struct ChildSA: Sendable, Equatable {
    /// The ISAKMP SA that negotiated it.
    public var isakmpSA: ISAKMPSAID
    /// The Quick Mode message ID.
    public var messageID: UInt32
    /// ESP or AH.
    public var ipsecProtocol: ChildProtocol
    /// The negotiated algorithms.
    public var proposal: ChildProposal
    /// Tunnel or transport.
    public var mode: IPsecMode
    /// UDP encapsulation (RFC 3948): ESP-in-UDP on port 4500.
    public var udpEncapsulated: Bool
    /// Our address (on 4500 when encapsulated).
    public var local: SocketAddress
    /// The peer's address (on 4500, or its NAT-mapped port, when encapsulated).
    public var remote: SocketAddress
    /// Traffic we protect (nil: our host address).
    public var localTrafficSelector: TrafficSelector?
    /// Traffic the peer protects (nil: its host address).
    public var remoteTrafficSelector: TrafficSelector?
    /// Inbound: peer → us, SPI chosen by us.
    public var inbound: ChildSAKeys
    /// Outbound: us → peer, SPI chosen by the peer.
    public var outbound: ChildSAKeys
    /// The lifetime in force (the shorter of both sides' when RESPONDER-LIFETIME was used).
    public var lifetime: Lifetime
    /// When it was installed.
    public var installed: EngineTime
    /// The peer's original address when it is behind NAT in transport mode (NAT-OA, RFC 3947 §5.2).
    public var peerOriginalAddress: [UInt8]?
}
