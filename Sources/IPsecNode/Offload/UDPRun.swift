import IKEv1
#if canImport(Glibc)
import Glibc
#endif

/// What a run is sent through: a UDP socket, or in tests one that refuses as a kernel would.
protocol SegmentedSender {
    /// One datagram.
    func send(_ bytes: UnsafeRawBufferPointer, to destination: SocketAddress) throws(SystemError)
    /// `bytes` cut by the kernel into datagrams of `segmentSize` (UDP_SEGMENT).
    func send(_ bytes: UnsafeRawBufferPointer, segmentSize: Int, to destination: SocketAddress) throws(SystemError)
}

extension UDPSocket: SegmentedSender {}

/// ESP-in-UDP packets for one peer, of one size but the last, collected to go out in one
/// UDP_SEGMENT send. The packets cut from one TUN super-segment make such a run.
///
/// When the kernel refuses a segmented send, the run's packets go one by one, and what is
/// learnt depends on the error (Linux `udp_send_skb`): EIO or EOPNOTSUPP mean the device or
/// path has no UDP GSO, so every packet goes on its own from then on; EINVAL means this segment
/// size does not fit the route's MTU, so only runs of that size or larger go one by one: a
/// `--tun-mtu` too large for the path must not cost the packets that do fit their batching.
struct UDPRun<Sender: SegmentedSender> {
    private let socket: Sender
    private let storage: UnsafeMutableRawBufferPointer
    private var peer = SocketAddress(address: [0, 0, 0, 0], port: 0)
    private var length = 0
    private var count = 0
    private var segmentSize = 0
    /// False once the kernel refused segmented sends as unsupported.
    private var segmentationWorks = true
    /// The smallest segment size the kernel refused as too large for the path.
    private(set) var refusedSegmentSize = Int.max

    init(socket: Sender) {
        self.socket = socket
        storage = .allocate(byteCount: UDPSocket.maxSegmentedBytes, alignment: 16)
    }

    func deallocate() { storage.deallocate() }

    /// Adds the sealed packet `bytes` for `peer`; false when it cannot join (segmentation off,
    /// too large): the caller sends it itself after ``flush()``. A packet for another peer, larger
    /// than the run's size, or past the limits sends the run first and starts a new one.
    mutating func append(_ bytes: UnsafeRawBufferPointer, to peer: SocketAddress) -> Bool {
        guard segmentationWorks, bytes.count <= storage.count, bytes.count < refusedSegmentSize else { return false }
        if count > 0, peer != self.peer || bytes.count > segmentSize || count == UDPSocket.maxSegments
            || length + bytes.count > storage.count {
            flush()
        }
        if count == 0 {
            self.peer = peer
            segmentSize = bytes.count
        }
        UnsafeMutableRawBufferPointer(rebasing: storage[length..<(length + bytes.count)]).copyMemory(from: bytes)
        length += bytes.count
        count += 1
        // A shorter packet can only be the last of a run.
        if bytes.count < segmentSize { flush() }
        return true
    }

    /// Sends what the run holds.
    mutating func flush() {
        guard count > 0 else { return }
        defer { (length, count) = (0, 0) }
        let bytes = UnsafeRawBufferPointer(rebasing: storage[0..<length])
        guard count > 1 else {
            try? socket.send(bytes, to: peer)
            return
        }
        do {
            try socket.send(bytes, segmentSize: segmentSize, to: peer)
        } catch {
            // A full send buffer drops the run, as it would drop single packets.
            switch error.code {
            case EINVAL: refusedSegmentSize = min(refusedSegmentSize, segmentSize)
            case EIO, EOPNOTSUPP: segmentationWorks = false
            default: return
            }
            var start = 0
            while start < length {
                let end = min(start + segmentSize, length)
                try? socket.send(UnsafeRawBufferPointer(rebasing: storage[start..<end]), to: peer)
                start = end
            }
        }
    }
}
