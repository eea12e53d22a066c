public import IPsecCrypto

/// Everything ESP or AH needs to run one child SA in one direction: a plain
/// value the negotiation engine hands over after Quick Mode (RFC 2409 §5.5).
/// No dependency on the engine or the wire codec.
public struct SecurityAssociation: Sendable {
    /// The IPsec protocol protecting the traffic.
    public enum SecurityProtocol: Sendable, Hashable {
        /// Encapsulating Security Payload (RFC 4303).
        case esp
        /// Authentication Header (RFC 4302).
        case ah
    }

    /// Which way packets flow through this SA.
    public enum Direction: Sendable, Hashable {
        /// We seal with this SA.
        case outbound
        /// We open with this SA.
        case inbound
    }

    /// RFC 4301 §4.1 modes.
    public enum Mode: Sendable, Hashable {
        /// The payload is a whole inner IPv4/IPv6 packet (next header 4/41).
        case tunnel
        /// The payload is an upper-layer segment; the caller names its protocol.
        case transport
    }

    /// How ESP packets travel (RFC 3948).
    public enum Encapsulation: Sendable, Hashable {
        /// Plain IP protocol 50.
        case none
        /// ESP-in-UDP, usually 4500 → 4500, the UDP header written in the headroom.
        case udp(sourcePort: UInt16, destinationPort: UInt16)
    }

    /// The Security Parameters Index as carried on the wire.
    public var spi: UInt32
    /// Outbound or inbound.
    public var direction: Direction
    /// ESP or AH.
    public var securityProtocol: SecurityProtocol
    /// The ESP transform (ignored for AH).
    public var encryption: EncryptionAlgorithm
    /// The integrity algorithm; nil for AES-GCM/GMAC. Required for AH.
    public var integrity: IntegrityAlgorithm?
    /// Encryption keying material, including the 4-byte salt/nonce of GCM, GMAC and CTR.
    public var encryptionKey: SecretBytes
    /// Integrity key; empty when `integrity` is nil.
    public var integrityKey: SecretBytes
    /// Tunnel or transport.
    public var mode: Mode
    /// Plain or UDP-encapsulated.
    public var encapsulation: Encapsulation
    /// Soft and hard limits.
    public var lifetime: LifetimeLimits
    /// Extended (64-bit) sequence numbers (RFC 4304).
    public var extendedSequenceNumbers: Bool
    /// Anti-replay window in packets (inbound); 0 turns anti-replay off.
    public var replayWindow: Int
    /// Interop option `sha2-truncbug`: HMAC-SHA2-256 truncated to 96 bits as
    /// old Linux kernels did. Off unless a policy asks for it explicitly.
    public var sha256TruncationBug: Bool
    /// Tunnel mode: pad the inner packet with zero bytes up to this length
    /// (traffic flow confidentiality, RFC 4303 §2.7); nil for none.
    public var tfcPadTo: Int?

    /// Creates a child SA description.
    public init(spi: UInt32, direction: Direction, securityProtocol: SecurityProtocol = .esp,
                encryption: EncryptionAlgorithm, integrity: IntegrityAlgorithm?,
                encryptionKey: SecretBytes, integrityKey: SecretBytes = SecretBytes([]),
                mode: Mode = .tunnel, encapsulation: Encapsulation = .none,
                lifetime: LifetimeLimits = LifetimeLimits(), extendedSequenceNumbers: Bool = false,
                replayWindow: Int = 64, sha256TruncationBug: Bool = false, tfcPadTo: Int? = nil) {
        self.spi = spi
        self.direction = direction
        self.securityProtocol = securityProtocol
        self.encryption = encryption
        self.integrity = integrity
        self.encryptionKey = encryptionKey
        self.integrityKey = integrityKey
        self.mode = mode
        self.encapsulation = encapsulation
        self.lifetime = lifetime
        self.extendedSequenceNumbers = extendedSequenceNumbers
        self.replayWindow = replayWindow
        self.sha256TruncationBug = sha256TruncationBug
        self.tfcPadTo = tfcPadTo
    }

    /// The largest payload whose sealed form takes at most `room` bytes (what the path's MTU
    /// leaves after the outer IP header and, where the socket writes it, the UDP header): the
    /// inner packet in tunnel mode, what follows the IP header in transport mode. ESP (RFC 4303
    /// §2): SPI, sequence number, IV, the payload with pad length and next header padded to the
    /// cipher's alignment, ICV, and the UDP header when this SA writes it (RFC 3948); TFC padding
    /// stops short of a payload this large. AH (RFC 4302 §2): its header with the ICV, aligned
    /// to 32 bits in IPv4 and 64 in IPv6. Negative where nothing fits.
    public func largestPayload(fitting room: Int, ipv6: Bool) -> Int {
        if securityProtocol == .ah {
            let alignment = ipv6 ? 8 : 4
            return room - (12 + icvLength + alignment - 1) / alignment * alignment
        }
        let g = Geometry(self)
        let padded = room - g.udpLength - g.headerLength - g.icvLength
        return padded < 0 ? padded : padded / g.alignment * g.alignment - 2
    }

    /// ICV length on the wire for this SA.
    public var icvLength: Int {
        if securityProtocol == .esp {
            switch encryption {
            case .aesGCM(_, let icv), .aesCCM(_, let icv): return icv
            case .aesGMAC: return 16
            default: break
            }
        }
        if sha256TruncationBug && integrity == .sha256 { return 12 }
        return integrity?.icvLength ?? 0
    }
}
