public import IPsecCrypto
public import ISAKMPWire

/// An IP address and UDP port: where IKE and UDP-encapsulated ESP come from and go to, for the
/// engine, the node and the configuration alike.
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    /// 4 (IPv4) or 16 (IPv6) bytes.
    public var address: [UInt8]
    /// UDP port.
    public var port: UInt16
    /// Creates an address.
    public init(address: [UInt8], port: UInt16) {
        self.address = address
        self.port = port
    }
    /// `a.b.c.d` parsed; nil when malformed.
    public static func ipv4(_ text: String) -> [UInt8]? {
        IPAddressText.parse(text).flatMap { $0.count == 4 ? $0 : nil }
    }
    /// `a.b.c.d`, an IPv6 address (RFC 4291 §2.2), either with a port (`a.b.c.d:4500`,
    /// `[2001:db8::1]:4500`) or without (then `defaultPort`); nil when malformed.
    public init?(_ text: String, defaultPort: UInt16) {
        var host = Substring(text), port = defaultPort
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let p = UInt16(rest.dropFirst()) else { return nil }
                port = p
            }
        } else if host.filter({ $0 == ":" }).count == 1, let colon = host.firstIndex(of: ":") {
            guard let p = UInt16(host[host.index(after: colon)...]) else { return nil }
            port = p
            host = host[..<colon]
        }
        guard let bytes = IPAddressText.parse(host) else { return nil }
        self.init(address: bytes, port: port)
    }
    /// True for a 16-byte address.
    public var isIPv6: Bool { address.count == 16 }
    /// The same address on another port.
    public func with(port: UInt16) -> SocketAddress { SocketAddress(address: address, port: port) }
    /// `192.0.2.1:500`, `[2001:db8::1]:500`.
    public var description: String {
        isIPv6 ? "[\(IPAddressText.format(address))]:\(port)" : "\(IPAddressText.format(address)):\(port)"
    }
}

/// A point on the caller's clock, in milliseconds. The engine never reads a clock.
public struct EngineTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since any fixed origin.
    public var milliseconds: Int64
    /// Creates a time.
    public init(milliseconds: Int64) { self.milliseconds = milliseconds }
    /// The time `seconds` later.
    public func adding(seconds: Double) -> EngineTime {
        EngineTime(milliseconds: milliseconds + Int64((seconds * 1000).rounded()))
    }
    /// Seconds from `other` to `self`.
    public func seconds(since other: EngineTime) -> Double { Double(milliseconds - other.milliseconds) / 1000 }
    /// Earlier than.
    public static func < (a: EngineTime, b: EngineTime) -> Bool { a.milliseconds < b.milliseconds }
    /// Seconds with three decimals, `12.345s`.
    public var description: String {
        let ms = Swift.abs(milliseconds % 1000)
        return "\(milliseconds / 1000).\(ms < 10 ? "00" : ms < 100 ? "0" : "")\(ms)s"
    }
}

/// The engine's surroundings for one call: the time now and the only source of randomness.
public struct Environment {
    /// Now.
    public var now: EngineTime
    /// Cookies, nonces, DH private values, SPIs and message IDs come from here.
    public var entropy: any EntropySource
    /// Wall-clock time now in seconds since 1970 (UTC): the time certificates are checked at.
    /// nil refuses certificate authentication (nothing to check validity against).
    public var unixTime: Int64?
    /// Creates an environment.
    public init(now: EngineTime, entropy: any EntropySource, unixTime: Int64? = nil) {
        self.now = now
        self.entropy = entropy
        self.unixTime = unixTime
    }
    mutating func bytes(_ n: Int) -> [UInt8] { entropy.bytes(n) }
    /// Four bytes as a big-endian number (the same bytes, in the same order, as `bytes(4)`), drawn in place.
    mutating func u32() -> UInt32 {
        var v: UInt32 = 0
        withUnsafeMutableBytes(of: &v) { entropy.fill($0) }
        return UInt32(bigEndian: v)
    }
    mutating func nonZeroU32() -> UInt32 {
        while true { let v = u32(); if v != 0 { return v } }
    }
}

/// Identifies one ISAKMP SA inside an endpoint: the initiator cookie.
public typealias ISAKMPSAID = Cookie

/// A timer the engine asked for; it comes back as ``Event/timerFired(_:)``.
public struct TimerID: Hashable, Sendable, CustomStringConvertible {
    /// What the timer is for.
    public enum Kind: Hashable, Sendable {
        /// Retransmit the outstanding request of the exchange with this message ID (0 = Phase 1).
        case retransmit(messageID: UInt32)
        /// Give up a half-open Phase 1 (responder).
        case halfOpen
        /// Send a NAT keepalive.
        case keepalive
        /// Check liveness (RFC 3706).
        case dpd
        /// Rekey the child SA with this inbound SPI (its timers carry the ISAKMP SA that
        /// negotiated it, ``ChildSA/isakmpSA``, wherever the child lives now).
        case childRekey(inboundSPI: UInt32)
        /// Lifetime end of the child SA with this inbound SPI.
        case childExpire(inboundSPI: UInt32)
        /// Lifetime end of the ISAKMP SA.
        case isakmpExpire
        /// XAUTH and Mode Config must be complete by now.
        case remoteAccess
        /// Time to start the ISAKMP SA's replacement (``RenewalPolicy``).
        case isakmpRenew
        /// Try connection `connection` again (``RetryPolicy``, restart actions); `sa` is zero.
        case reconnect(connection: String)
        /// The oldest partial fragmented message times out (``FragmentReassemblyLimits/timeout``); `sa` is zero.
        case fragmentReassembly
        /// Datagrams held back a moment are due (the Delete that follows a refusal's notify); `sa` is zero.
        case deferredSend
    }
    /// The ISAKMP SA.
    public var sa: ISAKMPSAID
    /// The purpose.
    public var kind: Kind
    /// Creates a timer id.
    public init(sa: ISAKMPSAID, kind: Kind) {
        self.sa = sa
        self.kind = kind
    }
    /// `SA/kind`, for logs.
    public var description: String { "\(sa)/\(kind)" }
}

/// Input to the engine.
public enum Event: Sendable {
    /// Start the connection named `peer` (Main or Aggressive Mode, then Quick Mode).
    case initiate(peer: String)
    /// Traffic for connection `peer` found no IPsec SA (charon's acquire, for `start_action =
    /// trap`): start it unless it is up or coming up.
    case acquire(peer: String)
    /// A UDP datagram arrived. On the NAT-T port the non-ESP marker may be left on;
    /// the engine strips it (and ignores keepalives and ESP).
    case datagram(bytes: [UInt8], from: SocketAddress, to: SocketAddress)
    /// A timer the engine scheduled is due.
    case timerFired(TimerID)
    /// Start a new Quick Mode on an established ISAKMP SA (rekey or an extra child).
    case rekeyChild(sa: ISAKMPSAID)
    /// Delete the ISAKMP SA and its child SAs, telling the peer.
    case delete(sa: ISAKMPSAID)
    /// Send a DPD R-U-THERE now.
    case probeDPD(sa: ISAKMPSAID)
    /// End connection `connection`: all its SAs deleted, the peer told; nothing restarts it.
    case terminate(connection: String)
    /// Rekey every IPsec SA of connection `connection` now, through its newest ISAKMP SA.
    case rekey(connection: String)
    /// The ESP layer processed traffic on the child SA with this inbound SPI since its last
    /// report: `bytes` (either direction), `packets` both ways, of which it `sealed` some (the
    /// ESP sequence numbers used). Received traffic proves the peer alive, so DPD stays idle
    /// (RFC 3706 §5.5). Counts against the volume lifetimes (kilobytes, ``PeerConfig/childPacketLimit``,
    /// the 32-bit sequence number space): rekey at the soft limit, delete at the hard one.
    case childTraffic(inboundSPI: UInt32, bytes: UInt64 = 0, packets: UInt64 = 0, sealed: UInt64 = 0)
    /// An authenticated UDP-encapsulated ESP packet of the child SA with this inbound SPI came
    /// from `to`, not the peer's address we know: its NAT mapping changed. The ISAKMP SA follows.
    case peerMoved(inboundSPI: UInt32, to: SocketAddress)
}

/// A datagram for the node to send.
public struct OutboundDatagram: Hashable, Sendable {
    /// The ISAKMP message (or the 0xFF keepalive), without the non-ESP marker.
    public var bytes: [UInt8]
    /// Our address and port to send from (500 or 4500).
    public var source: SocketAddress
    /// The peer's address and port.
    public var destination: SocketAddress
    /// True on the NAT-T port: the node puts the 4-byte non-ESP marker in front (RFC 3948 §2.2).
    public var nonESPMarker: Bool
    /// Creates a datagram.
    public init(bytes: [UInt8], source: SocketAddress, destination: SocketAddress, nonESPMarker: Bool) {
        self.bytes = bytes
        self.source = source
        self.destination = destination
        self.nonESPMarker = nonESPMarker
    }
    /// The bytes as they go into the UDP payload.
    public var udpPayload: [UInt8] { nonESPMarker ? UDPEncapsulated.nonESPMarker + bytes : bytes }
}

/// A summary of an established ISAKMP SA for status output.
public struct ISAKMPSAInfo: Hashable, Sendable {
    /// The SA (its initiator cookie).
    public var id: ISAKMPSAID
    /// The responder cookie.
    public var cookieR: Cookie
    /// The connection name of the configuration in use.
    public var peerName: String
    /// True when we started Phase 1.
    public var isInitiator: Bool
    /// Main Mode or Aggressive Mode.
    public var exchange: ExchangeType
    /// Our address and port (4500 after a NAT-T float).
    public var local: SocketAddress
    /// The peer's address and port as we see them.
    public var remote: SocketAddress
    /// Our Phase 1 identity.
    public var localIdentity: Identity
    /// The identity the peer proved.
    public var remoteIdentity: Identity
    /// The negotiated transform, with the lifetime in force.
    public var proposal: IKEProposal
    /// NAT-D showed a NAT in front of us (RFC 3947 §3.2), or UDP encapsulation was forced (faked NAT-D).
    public var localBehindNAT: Bool
    /// NAT-D showed a NAT in front of the peer.
    public var peerBehindNAT: Bool
    /// A NAT was detected (or faked) on the path: IPsec SAs are UDP-encapsulated.
    public var natDetected: Bool { localBehindNAT || peerBehindNAT }
    /// When Phase 1 completed.
    public var established: EngineTime
    /// When the ISAKMP SA's lifetime ends, if it has one in seconds.
    public var expires: EngineTime?
    /// The peer announced RFC 3706 DPD.
    public var peerSupportsDPD: Bool
    /// The certificate the peer authenticated with (signature methods), nil with a PSK.
    public var peerCertificate: Certificate?
    /// What XAUTH and Mode Config settled (user, virtual IP, attributes); nil on a site-to-site
    /// SA and until they complete.
    public var remoteAccess: RemoteAccessInfo?
}

/// A notify the peer sent us.
public struct ReceivedNotify: Hashable, Sendable {
    /// The ISAKMP SA it came on.
    public var sa: ISAKMPSAID
    /// The notify type.
    public var type: NotifyMessageType
    /// Its protocol (ISAKMP, ESP, AH).
    public var protocolID: ProtocolID
    /// Its SPI: CKY-I|CKY-R for ISAKMP, 4 bytes for ESP/AH.
    public var spi: [UInt8]
    /// Notification data.
    public var data: [UInt8]
}

/// Why an exchange or SA failed.
public struct Failure: Hashable, Sendable, CustomStringConvertible {
    /// The ISAKMP SA (or the cookie of the message that failed).
    public var sa: ISAKMPSAID
    /// The error.
    public var error: IKEv1Error
    /// `SA: error`, for logs.
    public var description: String { "\(sa): \(error)" }
}

/// Output of the engine. The two large payloads are boxed (`indirect`), so that an action, which
/// the engine and its driver copy in and out of arrays several times, stays a few words.
public enum Action: Sendable {
    /// Send a datagram.
    case send(OutboundDatagram)
    /// (Re)arm a timer.
    case scheduleTimer(TimerID, at: EngineTime)
    /// Disarm a timer.
    case cancelTimer(TimerID)
    /// Phase 1 completed.
    indirect case isakmpSAEstablished(ISAKMPSAInfo)
    /// The ISAKMP SA is gone (deleted by either side, expired, or dead peer).
    case isakmpSADeleted(ISAKMPSAID, reason: String)
    /// Install an IPsec SA pair.
    indirect case installChildSA(ChildSA)
    /// Remove an IPsec SA pair (by our inbound SPI).
    case deleteChildSA(inboundSPI: UInt32, outboundSPI: UInt32, reason: String)
    /// The peer sent a notify.
    case notifyReceived(ReceivedNotify)
    /// Something failed; the reason says what.
    case failed(Failure)
    /// An authenticated message showed that the peer's NAT mapping changed: packets for the
    /// SAs that went to `from` go to `to` from now on (IKE and UDP-encapsulated ESP alike).
    case peerMoved(from: SocketAddress, to: SocketAddress)
}
