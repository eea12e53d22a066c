import CSocketBatch
import IKEv1
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Room for the datagrams one recvmmsg(2) or sendmmsg(2) call moves: per slot its bytes (after
/// `headroom` bytes kept free in front), its address and its message header, allocated once.
/// Used by one thread at a time.
final class DatagramBatch {
    /// The most datagrams one call moves.
    let capacity: Int
    /// Bytes free in front of each slot's datagram: opening in place writes headers there.
    let headroom: Int
    /// The most bytes of one datagram.
    let datagramSize: Int
    /// Datagrams appended for sending, or received by the last call.
    private(set) var count = 0
    private let storage: UnsafeMutableRawBufferPointer
    private let vectors: UnsafeMutablePointer<iovec>
    private let addresses: UnsafeMutablePointer<sockaddr_storage>
    /// The entries the system calls read and write.
    let headers: UnsafeMutablePointer<Entry>

    /// One entry of a batch, laid out as `struct mmsghdr`: the message, then its byte count.
    struct Entry {
        var msg_hdr = msghdr()
        var msg_len: UInt32 = 0
    }

    init(capacity: Int, datagramSize: Int, headroom: Int = 0) {
        self.capacity = capacity
        self.headroom = headroom
        self.datagramSize = datagramSize
        precondition(MemoryLayout<Entry>.stride == Int(swift_ikev1_mmsghdr_stride()), "struct mmsghdr's layout")
        storage = .allocate(byteCount: capacity * (headroom + datagramSize), alignment: 16)
        vectors = .allocate(capacity: capacity)
        addresses = .allocate(capacity: capacity)
        headers = .allocate(capacity: capacity)
        for i in 0..<capacity {
            vectors[i] = iovec(iov_base: storage.baseAddress! + i * (headroom + datagramSize) + headroom, iov_len: datagramSize)
            headers[i] = Entry()
            headers[i].msg_hdr.msg_iov = vectors + i
            headers[i].msg_hdr.msg_iovlen = 1
            headers[i].msg_hdr.msg_name = UnsafeMutableRawPointer(addresses + i)
        }
    }

    deinit {
        storage.deallocate()
        vectors.deallocate()
        addresses.deallocate()
        headers.deallocate()
    }

    /// Slot `i`: its headroom, then room for one datagram.
    func slot(_ i: Int) -> UnsafeMutableRawBufferPointer {
        let start = i * (headroom + datagramSize)
        return UnsafeMutableRawBufferPointer(rebasing: storage[start..<(start + headroom + datagramSize)])
    }

    /// Bytes received into slot `i` (from `headroom` on), and whether the datagram was longer.
    func received(_ i: Int) -> (length: Int, truncated: Bool) {
        (Int(headers[i].msg_len), headers[i].msg_hdr.msg_flags & Int32(MSG_TRUNC) != 0)
    }

    /// The sender of slot `i`'s datagram.
    func address(_ i: Int) -> sockaddr_storage { addresses[i] }

    /// Readies every slot for a receiving call: whole room, empty address (``SenderCache`` compares them whole).
    func prepareToReceive() {
        count = 0
        for i in 0..<capacity {
            vectors[i].iov_len = datagramSize
            addresses[i] = sockaddr_storage()
            headers[i].msg_hdr.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
            headers[i].msg_hdr.msg_flags = 0
            headers[i].msg_len = 0
        }
    }

    /// Records that the last receiving call filled `n` slots.
    func didReceive(_ n: Int) { count = n }

    /// Adds a datagram for `destination`; false when the batch is full or `bytes` too long for a slot.
    func append(_ bytes: UnsafeRawBufferPointer, to destination: SocketAddress) -> Bool {
        guard count < capacity, bytes.count <= datagramSize else { return false }
        let i = count
        UnsafeMutableRawBufferPointer(rebasing: slot(i)[headroom...]).copyMemory(from: bytes)
        vectors[i].iov_len = bytes.count
        headers[i].msg_hdr.msg_namelen = destination.withSockaddr { sockaddr, length in
            UnsafeMutableRawPointer(addresses + i).copyMemory(from: sockaddr, byteCount: Int(length))
            return length
        }
        count += 1
        return true
    }

    /// Forgets what was appended.
    func clear() { count = 0 }
}
