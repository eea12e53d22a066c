#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call, with its name and errno text.
public struct SystemError: Error, CustomStringConvertible, Sendable {
    public let call: String
    public let code: Int32
    public var description: String { "\(call): \(String(cString: strerror(code)))" }

    init(_ call: String, _ code: Int32 = errno) {
        self.call = call
        self.code = code
    }
}

/// An IP address and UDP port as raw bytes (4 or 16 address bytes).
public struct UDPAddress: Hashable, Sendable, CustomStringConvertible {
    public var address: [UInt8]
    public var port: UInt16

    public init(address: [UInt8], port: UInt16) {
        precondition(address.count == 4 || address.count == 16, "an IPv4 or IPv6 address")
        self.address = address
        self.port = port
    }

    /// Parses `a.b.c.d`, an IPv6 address, or either with `:port` (`[v6]:port`).
    public init?(_ text: String, defaultPort: UInt16) {
        var host = Substring(text)
        var port = defaultPort
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if rest.hasPrefix(":") { guard let p = UInt16(rest.dropFirst()) else { return nil }; port = p }
        } else if host.filter({ $0 == ":" }).count == 1, let colon = host.firstIndex(of: ":") {
            guard let p = UInt16(host[host.index(after: colon)...]) else { return nil }
            port = p
            host = host[..<colon]
        }
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, String(host), &v4) == 1 {
            self.init(address: withUnsafeBytes(of: &v4) { Array($0) }, port: port)
        } else if inet_pton(AF_INET6, String(host), &v6) == 1 {
            self.init(address: withUnsafeBytes(of: &v6) { Array($0) }, port: port)
        } else {
            return nil
        }
    }

    public var isIPv6: Bool { address.count == 16 }

    public var description: String {
        var buffer = [CChar](repeating: 0, count: 64)
        let family = isIPv6 ? AF_INET6 : AF_INET
        let ok = address.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, 64) != nil }
        let text = ok ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
        return isIPv6 ? "[\(text)]:\(port)" : "\(text):\(port)"
    }

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
        withUnsafeMutableBytes(of: &sa.sin_addr) { $0.copyBytes(from: address) }
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
    public let fd: Int32
    public let local: UDPAddress

    /// Binds to `local` (port 0 picks a free port); `mark` sets SO_MARK (0: none).
    public init(bindTo local: UDPAddress, mark: UInt32 = 0) throws(SystemError) {
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
        self.local = UDPAddress(storage: storage) ?? local
    }

    deinit { close(fd) }

    /// Sends one datagram; a full send buffer is reported, not retried.
    public func send(_ bytes: UnsafeRawBufferPointer, to destination: UDPAddress) throws(SystemError) {
        let n = destination.withSockaddr { sendto(fd, bytes.baseAddress, bytes.count, 0, $0, $1) }
        guard n >= 0 else { throw SystemError("sendto \(destination)") }
    }

    public func send(_ bytes: [UInt8], to destination: UDPAddress) throws(SystemError) {
        let n = bytes.withUnsafeBytes { b in destination.withSockaddr { sendto(fd, b.baseAddress, b.count, 0, $0, $1) } }
        guard n >= 0 else { throw SystemError("sendto \(destination)") }
    }

    /// Receives one datagram into `buffer`; nil when none is waiting.
    public func receive(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> (count: Int, from: UDPAddress)? {
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
        guard let from = UDPAddress(storage: storage) else { return nil }
        return (n, from)
    }
}
