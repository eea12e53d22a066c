public import IKEv1
#if canImport(Glibc)
import Glibc

/// UDP segmentation offloads (udp(7)): many datagrams of one size sent in one call
/// (UDP_SEGMENT, Linux 4.18) and runs of them received as one (UDP_GRO, Linux 5.0). ESP in UDP
/// uses them for the packets cut from one TUN super-segment, which all have the same size but
/// the last: one system call and one trip through the stack for up to 64 of them.
extension UDPSocket {
    private static let solUDP: Int32 = 17
    private static let udpSegment: Int32 = 103
    private static let udpGRO: Int32 = 104
    /// CMSG_SPACE of an int: the 16-byte header and the value, aligned to 8.
    private static let controlSpace = 24
    /// The most datagrams one UDP_SEGMENT send may carry (UDP_MAX_SEGMENTS in older kernels).
    public static let maxSegments = 64
    /// The most bytes one UDP_SEGMENT send may carry (an IPv4 datagram's limit, less headers).
    public static let maxSegmentedBytes = 65_000

    /// Asks the kernel to hand over runs of same-size datagrams from one sender as one
    /// (UDP_GRO); false when it cannot (then every datagram comes on its own).
    public func receiveRuns() -> Bool {
        var on: Int32 = 1
        return setsockopt(fd, Self.solUDP, Self.udpGRO, &on, socklen_t(MemoryLayout<Int32>.size)) == 0
    }

    /// Receives one datagram, or a run of them when ``receiveRuns()`` is on: its bytes, its
    /// sender, and the size of each datagram in it (the last may be shorter); nil when none is waiting.
    public func receiveRun(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError)
        -> (count: Int, from: SocketAddress, segmentSize: Int)? {
        var storage = sockaddr_storage()
        var control: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var iov = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
        let (n, controlLength) = withUnsafeMutablePointer(to: &storage) { name in
            withUnsafeMutablePointer(to: &iov) { iov in
                withUnsafeMutableBytes(of: &control) { c -> (Int, Int) in
                    var message = msghdr(msg_name: UnsafeMutableRawPointer(name), msg_namelen: socklen_t(MemoryLayout<sockaddr_storage>.size),
                                         msg_iov: iov, msg_iovlen: 1, msg_control: c.baseAddress, msg_controllen: c.count, msg_flags: 0)
                    let n = recvmsg(fd, &message, 0)
                    return (n, Int(message.msg_controllen))
                }
            }
        }
        if n < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return nil }
            throw SystemError("recvmsg")
        }
        guard let from = senders.address(storage) else { return nil }
        var segmentSize = n
        withUnsafeBytes(of: &control) { c in
            // One control message at most: UDP_GRO's int.
            guard controlLength >= 20, c.load(fromByteOffset: 8, as: Int32.self) == Self.solUDP,
                  c.load(fromByteOffset: 12, as: Int32.self) == Self.udpGRO else { return }
            let size = Int(c.load(fromByteOffset: 16, as: Int32.self))
            if size > 0 { segmentSize = size }
        }
        return (n, from, segmentSize)
    }

    /// Sends `bytes` as datagrams of `segmentSize` bytes each (the last may be shorter) in one
    /// call (UDP_SEGMENT): at most ``maxSegments`` of them and ``maxSegmentedBytes`` in all.
    public func send(_ bytes: UnsafeRawBufferPointer, segmentSize: Int, to destination: SocketAddress) throws(SystemError) {
        var control: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &control) { c in
            c.storeBytes(of: 18, as: Int.self)   // CMSG_LEN(2)
            c.storeBytes(of: Self.solUDP, toByteOffset: 8, as: Int32.self)
            c.storeBytes(of: Self.udpSegment, toByteOffset: 12, as: Int32.self)
            c.storeBytes(of: UInt16(segmentSize), toByteOffset: 16, as: UInt16.self)
        }
        var iov = iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count)
        let n = destination.withSockaddr { name, length in
            withUnsafeMutablePointer(to: &iov) { iov in
                withUnsafeMutableBytes(of: &control) { c in
                    var message = msghdr(msg_name: UnsafeMutableRawPointer(mutating: name), msg_namelen: length, msg_iov: iov,
                                         msg_iovlen: 1, msg_control: c.baseAddress, msg_controllen: Self.controlSpace, msg_flags: 0)
                    return sendmsg(fd, &message, 0)
                }
            }
        }
        guard n >= 0 else { throw SystemError("sendmsg UDP_SEGMENT \(destination)") }
    }
}
#endif
