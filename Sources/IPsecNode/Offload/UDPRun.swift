import IKEv1
#if canImport(Glibc)
import Glibc
#endif

/// ESP-in-UDP packets for one peer, of one size but the last, collected to go out in one
/// UDP_SEGMENT send. The packets cut from one TUN super-segment make such a run. When the
/// kernel refuses segmented sends, every packet goes on its own from then on.
struct UDPRun {
    private let socket: UDPSocket
    private let storage: UnsafeMutableRawBufferPointer
    private var peer = SocketAddress(address: [0, 0, 0, 0], port: 0)
    private var length = 0
    private var count = 0
    private var segmentSize = 0
    /// False once the kernel refused a segmented send.
    private var segmentationWorks = true

    init(socket: UDPSocket) {
        self.socket = socket
        storage = .allocate(byteCount: UDPSocket.maxSegmentedBytes, alignment: 16)
    }

    func deallocate() { storage.deallocate() }

    /// Adds the sealed packet `bytes` for `peer`; false when it cannot join (segmentation off,
    /// too large): the caller sends it itself after ``flush()``. A packet for another peer, larger
    /// than the run's size, or past the limits sends the run first and starts a new one.
    mutating func append(_ bytes: UnsafeRawBufferPointer, to peer: SocketAddress) -> Bool {
        guard segmentationWorks, bytes.count <= storage.count else { return false }
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
            // A full send buffer drops the run, as it would drop single packets. EIO or EINVAL come
            // from a kernel or device without UDP GSO: one packet at a time, from now on.
            guard error.code == EIO || error.code == EINVAL || error.code == EOPNOTSUPP else { return }
            segmentationWorks = false
            var start = 0
            while start < length {
                let end = min(start + segmentSize, length)
                try? socket.send(UnsafeRawBufferPointer(rebasing: storage[start..<end]), to: peer)
                start = end
            }
        }
    }
}
