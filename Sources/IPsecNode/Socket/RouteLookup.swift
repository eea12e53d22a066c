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

/// The MTU of the kernel's route toward `peer` (IP_MTU / IPV6_MTU on a connected UDP socket,
/// ip(7), ipv6(7)): what an outer packet to it may measure. nil when there is no route.
public func pathMTU(toward peer: SocketAddress) -> Int? {
    #if canImport(Glibc)
    let fd = socket(peer.isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    guard peer.withSockaddr({ connect(fd, $0, $1) }) == 0 else { return nil }
    var mtu: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    let rc = peer.isIPv6 ? getsockopt(fd, Int32(IPPROTO_IPV6), 24, &mtu, &length)   // IPV6_MTU
                         : getsockopt(fd, Int32(IPPROTO_IP), 14, &mtu, &length)      // IP_MTU
    return rc == 0 && mtu > 0 ? Int(mtu) : nil
    #else
    return nil
    #endif
}
