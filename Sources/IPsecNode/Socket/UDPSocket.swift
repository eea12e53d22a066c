public import IKEv1
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call, with its name and errno text.
public struct SystemError: Error, CustomStringConvertible, Sendable {
    /// The system call, with what it was called on.
    public let call: String
    /// Its errno.
    public let code: Int32
    /// `call: strerror(code)`.
    public var description: String { "\(call): \(String(cString: strerror(code)))" }

    init(_ call: String, _ code: Int32 = errno) {
        self.call = call
        self.code = code
    }
}

/// The socket-API forms of an address: `sockaddr_in`/`sockaddr_in6` out and in.
extension SocketAddress {
    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        if isIPv6 {
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &sa.sin6_addr) { $0.copyBytes(from: address) }
            return withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_port = port.bigEndian
        withUnsafeMutableBytes(of: &sa.sin_addr) { $0.copyBytes(from: address.prefix(4)) }
        return withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    init?(storage: sockaddr_storage) {
        var s = storage
        switch Int32(s.ss_family) {
        case AF_INET:
            let sa = withUnsafeBytes(of: &s) { $0.load(as: sockaddr_in.self) }
            var addr = sa.sin_addr
            self.init(address: withUnsafeBytes(of: &addr) { Array($0) }, port: UInt16(bigEndian: sa.sin_port))
        case AF_INET6:
            let sa = withUnsafeBytes(of: &s) { $0.load(as: sockaddr_in6.self) }
            var addr = sa.sin6_addr
            self.init(address: withUnsafeBytes(of: &addr) { Array($0) }, port: UInt16(bigEndian: sa.sin6_port))
        default:
            return nil
        }
    }
}

/// A bound, non-blocking UDP socket.
public final class UDPSocket {
    /// The socket's descriptor (non-blocking), for poll(2).
    public let fd: Int32
    /// The address it is bound to (the port the kernel chose for port 0).
    public let local: SocketAddress
    /// The last sender, so that a burst from one peer allocates no address per datagram.
    var senders = SenderCache()

    /// Binds to `local` (port 0 picks a free port); `mark` sets SO_MARK (0: none).
    public init(bindTo local: SocketAddress, mark: UInt32 = 0) throws(SystemError) {
        #if canImport(Glibc)
        let type = Int32(SOCK_DGRAM.rawValue)
        #else
        let type = SOCK_DGRAM
        #endif
        let fd = socket(local.isIPv6 ? AF_INET6 : AF_INET, type, 0)
        guard fd >= 0 else { throw SystemError("socket") }
        // No SO_REUSEADDR: on Linux it would let a second node bind the same UDP port and split its traffic.
        let rc = local.withSockaddr { bind(fd, $0, $1) }
        guard rc == 0 else {
            let e = SystemError("bind \(local)")
            close(fd)
            throw e
        }
        if mark != 0 {
            do { try SocketOptions.setMark(fd, mark) } catch {
                close(fd)
                throw error
            }
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        self.local = SocketAddress(storage: storage) ?? local
    }

    deinit { close(fd) }

    /// Sends one datagram; a full send buffer is reported, not retried.
    public func send(_ bytes: UnsafeRawBufferPointer, to destination: SocketAddress) throws(SystemError) {
        let n = destination.withSockaddr { sendto(fd, bytes.baseAddress, bytes.count, 0, $0, $1) }
        guard n >= 0 else { throw SystemError("sendto \(destination)") }
    }

    /// Sends one datagram from an array, as the buffer form does.
    public func send(_ bytes: [UInt8], to destination: SocketAddress) throws(SystemError) {
        let n = bytes.withUnsafeBytes { b in destination.withSockaddr { sendto(fd, b.baseAddress, b.count, 0, $0, $1) } }
        guard n >= 0 else { throw SystemError("sendto \(destination)") }
    }

    /// Receives one datagram into `buffer`; nil when none is waiting.
    public func receive(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> (count: Int, from: SocketAddress)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let n = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                recvfrom(fd, buffer.baseAddress, buffer.count, 0, $0, &length)
            }
        }
        if n < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return nil }
            throw SystemError("recvfrom")
        }
        guard let from = senders.address(storage) else { return nil }
        return (n, from)
    }
}
