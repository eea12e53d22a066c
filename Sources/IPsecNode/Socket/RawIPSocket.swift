import CSocketBatch
import IKEv1
import ISAKMPWire
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A raw IP socket for one IP protocol (ESP 50, AH 51) bound to our address: IPsec without
/// UDP encapsulation (RFC 4303 §2, RFC 4302 §2). The kernel writes the IP header on send;
/// on receive an IPv4 socket hands over the IP header too (raw(7)), an IPv6 socket does not
/// (raw(7), RFC 3542 §3), so ``receive(into:)`` returns where the protocol's header starts.
public final class RawIPSocket {
    /// The descriptor, non-blocking.
    public let fd: Int32
    /// The address bound to: the kernel delivers only packets sent to it.
    public let local: [UInt8]
    /// The last sender, so that a burst from one peer allocates no address per packet.
    private var senders = SenderCache()
    /// The IP protocol number.
    public let ipProtocol: UInt8

    /// Opens and binds the socket; needs CAP_NET_RAW. `mark` sets SO_MARK (0: none). With
    /// `headerIncluded` (IP_HDRINCL, IPV6_HDRINCL) what is sent starts with our own IP header.
    public init(ipProtocol: UInt8, bindTo local: [UInt8], mark: UInt32 = 0, headerIncluded: Bool = false) throws(SystemError) {
        #if canImport(Glibc)
        let type = Int32(SOCK_RAW.rawValue)
        #else
        let type = SOCK_RAW
        #endif
        let fd = socket(local.count == 16 ? AF_INET6 : AF_INET, type, Int32(ipProtocol))
        guard fd >= 0 else { throw SystemError("socket raw IP protocol \(ipProtocol)") }
        let rc = SocketAddress(address: local, port: 0).withSockaddr { bind(fd, $0, $1) }
        guard rc == 0 else {
            let e = SystemError("bind raw IP protocol \(ipProtocol) to \(IPAddressText.format(local))")
            close(fd)
            throw e
        }
        do {
            if mark != 0 { try SocketOptions.setMark(fd, mark) }
            if headerIncluded { try SocketOptions.includeHeader(fd, ipv6: local.count == 16) }
        } catch {
            close(fd)
            throw error
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        self.fd = fd
        self.local = local
        self.ipProtocol = ipProtocol
    }

    deinit { close(fd) }

    /// Sends one packet of this protocol (its header first) to `destination`; the kernel adds the
    /// IP header unless the socket was opened with `headerIncluded`.
    public func send(_ bytes: UnsafeRawBufferPointer, to destination: [UInt8]) throws(SystemError) {
        let n = SocketAddress(address: destination, port: 0).withSockaddr { sendto(fd, bytes.baseAddress, bytes.count, 0, $0, $1) }
        guard n >= 0 else { throw SystemError("sendto \(IPAddressText.format(destination)) (IP protocol \(ipProtocol))") }
    }

    /// What ``receive(into:)`` read.
    public enum Received: Equatable, Sendable {
        /// The protocol's packet is at `packet` in the buffer; `from` is the IP source.
        case packet(Range<Int>, from: [UInt8])
        /// An IPv4 datagram whose header does not hold together (length, version, protocol), or
        /// one longer than the room given for it.
        case malformed(from: [UInt8])
    }

    /// Receives one packet into `buffer`; nil when none is waiting.
    public func receive(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Received? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let n = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                recvfrom(fd, buffer.baseAddress, buffer.count, 0, $0, &length)
            }
        }
        if n < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return nil }
            throw SystemError("recvfrom (IP protocol \(ipProtocol))")
        }
        return parse(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), from: storage)
    }

    /// Receives as many waiting packets as `batch` has slots for, in one call (recvmmsg(2)):
    /// how many came, 0 when none waited. ``received(_:in:)`` tells what each is.
    func receive(_ batch: DatagramBatch) throws(SystemError) -> Int {
        batch.prepareToReceive()
        let n = swift_ikev1_recvmmsg(fd, batch.headers, UInt32(batch.capacity))
        guard n >= 0 else { throw SystemError("recvmmsg (IP protocol \(ipProtocol))") }
        batch.didReceive(Int(n))
        return Int(n)
    }

    /// What slot `i` of `batch` received, its range counted from the slot's start (headroom
    /// included); nil for a sender of an unknown address family.
    func received(_ i: Int, in batch: DatagramBatch) -> Received? {
        let (n, truncated) = batch.received(i)
        let h = batch.headroom
        switch parse(UnsafeRawBufferPointer(rebasing: batch.slot(i)[h..<(h + n)]), from: batch.address(i), truncated: truncated) {
        case .packet(let r, let from)?: return .packet((h + r.lowerBound)..<(h + r.upperBound), from: from)
        case let other: return other
        }
    }

    /// Sends the packets appended to `batch` (sendmmsg(2)), in as many calls as the kernel takes
    /// them in: how many left. A call that fails drops the rest, as a failed ``send(_:to:)`` drops its packet.
    @discardableResult
    func send(_ batch: DatagramBatch) -> Int {
        var sent = 0
        while sent < batch.count {
            let n = swift_ikev1_sendmmsg(fd, batch.headers + sent, UInt32(batch.count - sent))
            guard n > 0 else { break }
            sent += Int(n)
        }
        return sent
    }

    /// The protocol's packet in what the socket received: all of it on IPv6, the payload of the
    /// IPv4 datagram on IPv4 (range relative to `bytes`).
    private func parse(_ bytes: UnsafeRawBufferPointer, from storage: sockaddr_storage, truncated: Bool = false) -> Received? {
        guard let from = senders.address(storage) else { return nil }
        guard !truncated else { return .malformed(from: from.address) }
        guard local.count == 4 else { return .packet(0..<bytes.count, from: from.address) }
        guard let payload = Self.ipv4Payload(bytes, protocol: ipProtocol) else { return .malformed(from: from.address) }
        return .packet(payload, from: from.address)
    }

    /// The payload range of the IPv4 datagram in `bytes` (RFC 791 §3.1), nil when its header
    /// is short, not version 4, of another protocol, or claims more bytes than are present.
    static func ipv4Payload(_ bytes: UnsafeRawBufferPointer, protocol ipProtocol: UInt8) -> Range<Int>? {
        guard bytes.count >= 20, bytes[0] >> 4 == 4, bytes[9] == ipProtocol else { return nil }
        let headerLength = Int(bytes[0] & 0x0f) * 4
        let total = Int(bytes[2]) << 8 | Int(bytes[3])
        guard headerLength >= 20, total >= headerLength, total <= bytes.count else { return nil }
        return headerLength..<total
    }
}

/// Socket options the node's sockets share.
enum SocketOptions {
    /// SO_MARK (socket(7)): the node's own packets carry `mark`, so a policy-routing rule can
    /// send them past a route that points the peer's address into the TUN device.
    static func setMark(_ fd: Int32, _ mark: UInt32) throws(SystemError) {
        #if canImport(Glibc)
        var value = mark
        guard setsockopt(fd, SOL_SOCKET, SO_MARK, &value, socklen_t(MemoryLayout<UInt32>.size)) == 0 else {
            throw SystemError("setsockopt SO_MARK")
        }
        #endif
    }

    /// The receive and send buffer the data plane's sockets ask for: 4 MiB (the kernel doubles it
    /// for its bookkeeping). Linux's default, `net.core.rmem_default` (208 KiB), holds three of
    /// the 64 KiB runs `UDP_GRO` delivers: a burst past that was dropped (`UdpRcvbufErrors`) and
    /// TCP inside the tunnel retransmitted. wireguard-go asks for 7 MiB for the same reason.
    static let dataBufferBytes: Int32 = 4 << 20

    /// Sets the receive and send buffers to `bytes`: with SO_RCVBUFFORCE/SO_SNDBUFFORCE past
    /// `rmem_max`/`wmem_max` when the process may (CAP_NET_ADMIN), else as far as those allow.
    /// Best effort: a smaller buffer only costs drops under load.
    static func enlargeBuffers(_ fd: Int32, bytes: Int32 = dataBufferBytes) {
        #if canImport(Glibc)
        var value = bytes
        let size = socklen_t(MemoryLayout<Int32>.size)
        // SO_RCVBUFFORCE (33) and SO_SNDBUFFORCE (32), socket(7).
        for (forced, plain) in [(Int32(33), SO_RCVBUF), (Int32(32), SO_SNDBUF)]
        where setsockopt(fd, SOL_SOCKET, forced, &value, size) != 0 {
            _ = setsockopt(fd, SOL_SOCKET, plain, &value, size)
        }
        #endif
    }

    /// IP_HDRINCL (raw(7)) or IPV6_HDRINCL (36, Linux 4.5 on): we write the IP header.
    static func includeHeader(_ fd: Int32, ipv6: Bool) throws(SystemError) {
        var on: Int32 = 1
        let size = socklen_t(MemoryLayout<Int32>.size)
        let rc = ipv6 ? setsockopt(fd, Int32(IPPROTO_IPV6), 36, &on, size) : setsockopt(fd, Int32(IPPROTO_IP), IP_HDRINCL, &on, size)
        guard rc == 0 else { throw SystemError(ipv6 ? "setsockopt IPV6_HDRINCL" : "setsockopt IP_HDRINCL") }
    }
}
