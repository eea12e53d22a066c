public import IKEv1
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The local address the kernel would use to reach `peer`: connect a UDP socket
/// (which sends nothing) and read its name.
public func localAddress(toward peer: SocketAddress) throws(SystemError) -> [UInt8] {
    #if canImport(Glibc)
    let type = Int32(SOCK_DGRAM.rawValue)
    #else
    let type = SOCK_DGRAM
    #endif
    let fd = socket(peer.isIPv6 ? AF_INET6 : AF_INET, type, 0)
    guard fd >= 0 else { throw SystemError("socket") }
    defer { close(fd) }
    guard peer.withSockaddr({ connect(fd, $0, $1) }) == 0 else { throw SystemError("no route to \(peer)") }
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    _ = withUnsafeMutablePointer(to: &storage) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard let local = SocketAddress(storage: storage) else { throw SystemError("getsockname", EINVAL) }
    return local.address
}
