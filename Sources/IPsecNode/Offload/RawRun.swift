import IKEv1

/// Sealed raw ESP or AH packets collected to leave in one sendmmsg(2) call: what UDP_SEGMENT
/// does for ESP in UDP (``UDPRun``), for the IP protocols that have no segmentation offload.
/// The packets cut from one TUN super-segment make such a run; they keep their order.
struct RawRun {
    /// Packets in one run: as many as a UDP_SEGMENT send carries.
    static let capacity = UDPSocket.maxSegments
    /// The largest packet a run takes (a jumbo-frame MTU with room to spare); larger ones go alone.
    static let largestPacket = 16_384

    private let batch = DatagramBatch(capacity: capacity, datagramSize: largestPacket)
    /// The socket the run's packets leave by (one per IP protocol).
    private var socket: RawIPSocket?

    /// Adds the sealed packet `bytes` for `peer`, to leave by `socket`; false when it is too large
    /// to join: the caller sends it itself after ``flush()``. A packet for another socket, or one
    /// past the run's capacity, sends the run first.
    mutating func append(_ bytes: UnsafeRawBufferPointer, to peer: SocketAddress, via socket: RawIPSocket) -> Bool {
        guard bytes.count <= Self.largestPacket else { return false }
        if let current = self.socket, current !== socket || batch.count == Self.capacity { flush() }
        self.socket = socket
        return batch.append(bytes, to: SocketAddress(address: peer.address, port: 0))
    }

    /// Sends what the run holds.
    mutating func flush() {
        guard let socket else { return }
        socket.send(batch)
        batch.clear()
        self.socket = nil
    }
}
