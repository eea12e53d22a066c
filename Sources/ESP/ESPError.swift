public import IPsecCrypto

/// Why a packet could not be sealed or opened. Every error leaves the SA
/// (sequence counter, replay window, lifetime counters) unchanged.
public enum ESPError: Error, Hashable, Sendable {
    /// The packet is shorter than its headers, IV and ICV, or its encrypted
    /// part is not whole cipher blocks.
    case truncated
    /// The packet's SPI is not this SA's.
    case unknownSPI(UInt32)
    /// The sequence number was already received (RFC 4303 §3.4.3).
    case replayed(UInt64)
    /// The sequence number is left of the replay window.
    case tooOld(UInt64)
    /// The ICV did not verify.
    case authenticationFailed
    /// Padding bytes are not 1, 2, 3… or the pad length exceeds the payload (RFC 4303 §2.4).
    case invalidPadding
    /// The sequence counter would cycle (RFC 4303 §3.3.3): the SA must be rekeyed.
    case sequenceNumberExhausted
    /// The hard byte or packet lifetime was reached.
    case lifetimeExpired
    /// The caller's buffer lacks the declared headroom or tailroom.
    case insufficientRoom
    /// Tunnel mode was given a payload that is not an IPv4 or IPv6 packet.
    case notAnIPPacket
    /// The AH packet or its IP header is malformed.
    case malformedHeader
    /// The SA could not be created (unsupported algorithm, wrong key length…).
    case configuration(CryptoError)
}

/// The outcome of sealing: where the packet is and what the lifetime says.
public struct SealResult: Sendable, Hashable {
    /// The packet in the caller's buffer (from the UDP header if encapsulated,
    /// else from the SPI) for the caller to put behind its IP header.
    public var packet: Range<Int>
    /// The sequence number used (64 bits with ESN).
    public var sequenceNumber: UInt64
    /// True on the one packet that crossed a soft limit: time to rekey.
    public var softLifetimeReached: Bool
}

/// The outcome of opening: the recovered payload.
public struct OpenResult: Sendable, Hashable {
    /// The payload (inner packet in tunnel mode) in the caller's buffer.
    public var payload: Range<Int>
    /// The next header: 4/41 in tunnel mode, the upper-layer protocol in transport mode.
    public var nextHeader: UInt8
    /// The (inferred) full sequence number.
    public var sequenceNumber: UInt64
    /// True on the one packet that crossed a soft limit.
    public var softLifetimeReached: Bool
}
