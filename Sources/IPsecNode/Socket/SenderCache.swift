import IKEv1
#if canImport(Glibc)
import Glibc
#endif

/// The last sender a socket received from, as raw `sockaddr` bytes and as a ``SocketAddress``:
/// a burst of packets from one peer turns into one address, not one allocation per packet.
/// Used by one thread at a time (each socket's reader).
struct SenderCache {
    /// The first 28 bytes of the `sockaddr_storage` (a whole `sockaddr_in6`, or a `sockaddr_in`
    /// and zeros), which is what tells two senders apart.
    private var key: (UInt64, UInt64, UInt64, UInt32) = (0, 0, 0, 0)
    private var last: SocketAddress?

    /// The address in `storage` (zero-filled before the call that wrote it).
    mutating func address(_ storage: sockaddr_storage) -> SocketAddress? {
        var s = storage
        let k = withUnsafeBytes(of: &s) {
            ($0.load(as: UInt64.self), $0.load(fromByteOffset: 8, as: UInt64.self),
             $0.load(fromByteOffset: 16, as: UInt64.self), $0.load(fromByteOffset: 24, as: UInt32.self))
        }
        if let last, k == key { return last }
        last = SocketAddress(storage: storage)
        key = k
        return last
    }
}
