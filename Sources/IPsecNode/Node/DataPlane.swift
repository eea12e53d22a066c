import ESP
import Foundation
import IKEv1
import ISAKMPWire

/// The node's data plane, on a thread of its own: ESP in UDP on the NAT-T port, raw ESP and AH,
/// and the TUN device. What comes from the TUN device is sealed into the SA whose selectors
/// cover it; what comes from the peer is opened and written to the device. With TUN offloads a
/// read may be a TCP or UDP super-segment: it is cut into packets of the negotiated size first
/// (``SuperSegment``), and a partial checksum the kernel left to the device is completed.
final class DataPlane {
    /// The sockets and device the data plane reads and writes.
    struct Endpoints {
        var natT: UDPSocket
        var rawESP: RawIPSocket?
        var rawAH: RawIPSocket?
        var tun: TunDevice?
    }

    /// What the data plane hands to the control plane.
    struct Handoff {
        /// IKE that arrived on the NAT-T port behind the non-ESP marker.
        var ike: (UnsafeRawBufferPointer, SocketAddress) -> Void
        /// A packet from the TUN device that no SA covers (`start_action = trap`).
        var unprotected: (UnsafeRawBufferPointer) -> Void
        /// An authenticated packet came from a new NAT mapping of the peer.
        var peerMoved: (_ inboundSPI: UInt32, _ to: SocketAddress) -> Void
    }

    /// Bytes kept free in front of a packet for the ESP header and IV, or the IPv4 header of transport mode.
    static let headroom = 128
    /// Bytes kept free after a packet for ESP's padding and ICV.
    static let tailroom = 256
    private static let bufferSize = 65_536 + 512

    private let endpoints: Endpoints
    /// The TUN queue this thread reads and writes.
    private let queue: Int
    /// True for the thread that serves the sockets (the first); the others read only their queue.
    private let servesSockets: Bool
    private let database: SADatabase
    /// This thread's copy of the outbound SAs (sealing takes no lock).
    private let sealer: Sealer
    private let handoff: Handoff
    /// One packet or super-segment as read, and the segment being sealed.
    private let buffer: UnsafeMutableRawBufferPointer
    private let segment: UnsafeMutableRawBufferPointer
    /// An ICMP answer to a packet too large for its SA's path (virtio header room, then 1280 bytes).
    private let icmp: UnsafeMutableRawBufferPointer
    /// Opened TCP segments merged for the device (with virtio headers only).
    private var coalescer = TCPCoalescer()
    /// Sealed ESP-in-UDP packets of one super-segment, sent in one call.
    private var run: UDPRun<UDPSocket>
    /// Sealed raw ESP or AH packets of one super-segment, sent in one call.
    private var rawRun = RawRun()
    /// Raw ESP and AH packets received in one call (thread 0 only).
    private lazy var rawReceived = DatagramBatch(capacity: 32, datagramSize: 65_536, headroom: Self.headroom)
    /// ICMP answers to packets too large for their path, at most ``tooBigAnswersPerSecond``.
    private var tooBigAnswers = TokenBucket.full
    /// A data thread's limit on those answers. TCP lowers its segment size on the first answer of
    /// a flow, so a burst of oversized segments needs few; past the limit they are dropped (and
    /// counted) unanswered. Linux answers at most 1,000 a second for the whole host (`icmp_msgs_per_sec`).
    static let tooBigAnswersPerSecond = 100.0

    /// The data plane of TUN queue `queue`; the one of queue 0 serves the sockets too.
    init(_ endpoints: Endpoints, database: SADatabase, handoff: Handoff, queue: Int = 0) {
        self.endpoints = endpoints
        self.queue = queue
        servesSockets = queue == 0
        self.database = database
        sealer = Sealer(database)
        self.handoff = handoff
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 16)
        segment = .allocate(byteCount: Self.bufferSize, alignment: 16)
        icmp = .allocate(byteCount: VirtioNetHeader.size + 1280, alignment: 16)
        run = UDPRun(socket: endpoints.natT)
        if servesSockets { _ = endpoints.natT.receiveRuns() }
    }

    deinit {
        buffer.deallocate()
        segment.deallocate()
        icmp.deallocate()
        coalescer.deallocate()
        run.deallocate()
    }

    /// Serves the sockets and the device while `running` says so (checked at least every 200 ms).
    func run(while running: () -> Bool) {
        let e = endpoints
        let sockets = servesSockets ? [e.natT.fd] + [e.rawESP, e.rawAH].compactMap { $0?.fd } : []
        let tunFD = e.tun.map { $0.queues[queue] }
        let fds = sockets + (tunFD.map { [$0] } ?? [])
        while running() {
            guard let ready = try? Poller().readable(fds, timeoutMilliseconds: 200) else { continue }
            sealer.followChanges()   // idle too: a deleted SA's keys go within 200 ms
            if servesSockets {
                if ready.contains(e.natT.fd) { receiveNATT() }
                if let s = e.rawESP, ready.contains(s.fd) { receiveRaw(s) }
                if let s = e.rawAH, ready.contains(s.fd) { receiveRaw(s) }
            }
            if let tun = e.tun, let tunFD, ready.contains(tunFD) { sealFromTun(tun) }
        }
    }

    /// Datagrams on the NAT-T port, or runs of them the kernel merged (UDP_GRO): each is opened in
    /// place in turn, so what one writes in front of itself overwrites only the one before it, done.
    private func receiveNATT() {
        let h = Self.headroom
        for _ in 0..<256 {
            let space = UnsafeMutableRawBufferPointer(rebasing: buffer[h...])
            guard let (n, from, size) = (try? endpoints.natT.receiveRun(into: space)) ?? nil else { break }
            var start = h
            repeat {
                let datagram = start..<min(start + max(size, 1), h + n)
                receiveUDP(datagram, from: from)
                start = datagram.upperBound
            } while start < h + n
        }
        flushCoalesced()
    }

    private func receiveUDP(_ datagram: Range<Int>, from: SocketAddress) {
        let payload = UnsafeRawBufferPointer(rebasing: buffer[datagram])
        switch UDPEncapsulated.kind(payload) {
        case .ike: handoff.ike(payload, from)
        case .esp: deliver(database.open(buffer, packet: datagram, from: from, carrier: .espInUDP), in: buffer)
        case .keepalive: break
        case .invalid: database.countMalformed()
        }
    }

    /// Raw ESP (protocol 50) from its SPI on; raw AH (51) as a whole IP packet, which the IPv4
    /// socket hands over and the IPv6 one does not, so its header is rebuilt (AH sums it).
    /// Up to 32 packets per call (recvmmsg), 256 per wake-up.
    private func receiveRaw(_ socket: RawIPSocket) {
        let batch = rawReceived
        defer { flushCoalesced() }
        for _ in 0..<(256 / batch.capacity) {
            guard let n = try? socket.receive(batch), n > 0 else { return }
            for i in 0..<n { openRaw(i, of: batch, from: socket) }
            if n < batch.capacity { return }
        }
    }

    private func openRaw(_ i: Int, of batch: DatagramBatch, from socket: RawIPSocket) {
        guard let received = socket.received(i, in: batch) else { return }
        guard case .packet(let payload, let from) = received else {
            database.countMalformed()
            return
        }
        let slot = batch.slot(i)
        let peer = SocketAddress(address: from, port: 0)
        guard socket.ipProtocol == 51 else {
            deliver(database.open(slot, packet: payload, from: peer, carrier: .rawESP), in: slot)
            return
        }
        let whole = from.count == 4 ? batch.headroom..<payload.upperBound
            : IPPacket.prependHeader(slot, payload: payload, protocol: 51, source: from, destination: socket.local)
        guard let whole else { database.countMalformed(); return }
        deliver(database.open(slot, packet: whole, from: peer, carrier: .rawAH), in: slot)
    }

    private func deliver(_ opened: SADatabase.Opened, in b: UnsafeMutableRawBufferPointer) {
        switch opened {
        case .deliver(let inner):
            write(inner, in: b)
        case .deliverFromMovedPeer(let inner, let spi, let to):
            write(inner, in: b)
            handoff.peerMoved(spi, to)
        case .dropped:
            break
        }
    }

    /// Writes the opened packet at `inner` to the device. With virtio headers, a TCP segment is
    /// offered to the coalescer first; what it does not take goes out on its own, after what it
    /// held, behind an empty virtio header (the packet is whole and its checksums are the
    /// sender's) written over what was ESP's header.
    private func write(_ inner: Range<Int>, in buffer: UnsafeMutableRawBufferPointer) {
        guard let tun = endpoints.tun else { return }
        guard tun.hasVirtioHeader else {
            try? tun.write(UnsafeRawBufferPointer(rebasing: buffer[inner]))
            return
        }
        let packet = UnsafeRawBufferPointer(rebasing: buffer[inner])
        if coalescer.offer(packet) { return }
        if let held = coalescer.flush() {
            try? tun.write(held)
            if coalescer.offer(packet) { return }
        }
        let start = inner.lowerBound - VirtioNetHeader.size
        VirtioNetHeader().write(to: buffer.baseAddress! + start)
        try? tun.write(UnsafeRawBufferPointer(rebasing: buffer[start..<inner.upperBound]))
    }

    /// Writes what the coalescer holds: at the end of each burst of received packets.
    private func flushCoalesced() {
        if let tun = endpoints.tun, let held = coalescer.flush() { try? tun.write(held) }
    }

    private func sealFromTun(_ tun: TunDevice) {
        let h = Self.headroom
        let framing = tun.hasVirtioHeader ? VirtioNetHeader.size : 0
        for _ in 0..<256 {
            let space = UnsafeMutableRawBufferPointer(rebasing: buffer[(h - framing)..<(buffer.count - Self.tailroom)])
            guard let n = (try? tun.read(into: space, queue: queue)) ?? nil, n > framing else { return }
            let packet = h..<(h + n - framing)
            guard framing > 0 else {
                seal(buffer, packet)
                continue
            }
            guard let header = VirtioNetHeader(UnsafeRawBufferPointer(rebasing: buffer[(h - framing)..<h])) else {
                database.countMalformed()
                continue
            }
            if header.segmentation == .none {
                if header.flags & VirtioNetHeader.needsChecksum != 0,
                   !SuperSegment.completeChecksum(UnsafeMutableRawBufferPointer(rebasing: buffer[packet]), header) {
                    database.countMalformed()
                    continue
                }
                seal(buffer, packet)
                continue
            }
            let whole = UnsafeRawBufferPointer(rebasing: buffer[packet])
            guard let superSegment = SuperSegment(whole, header),
                  h + superSegment.largestSegment + Self.tailroom <= segment.count else {
                database.countMalformed()
                continue
            }
            for i in 0..<superSegment.count {
                let length = superSegment.write(i, of: whole, to: segment.baseAddress! + h)
                seal(segment, h..<(h + length), batched: true)
            }
            run.flush()
            rawRun.flush()
        }
    }

    /// Seals the packet at `packet` in `b` and sends it; a packet no SA covers goes to the trap,
    /// one too large for its SA's path is answered with ICMP. `batched`: the packet joins the run
    /// being built for its carrier (``UDPRun``, ``RawRun``), sent when it ends.
    private func seal(_ b: UnsafeMutableRawBufferPointer, _ packet: Range<Int>, batched: Bool = false) {
        let sealed: Range<Int>, destination: SADatabase.Destination
        switch sealer.seal(b, packet: packet) {
        case .send(let r, let d): (sealed, destination) = (r, d)
        case .noSA: handoff.unprotected(UnsafeRawBufferPointer(rebasing: b[packet])); return
        case .tooBig(let mtu): answerTooBig(UnsafeRawBufferPointer(rebasing: b[packet]), mtu: mtu); return
        case .failed: return
        }
        let bytes = UnsafeRawBufferPointer(rebasing: b[sealed])
        if batched {
            switch destination.carrier {
            case .espInUDP: if run.append(bytes, to: destination.peer) { return }
            case .rawESP: if let s = endpoints.rawESP, rawRun.append(bytes, to: destination.peer, via: s) { return }
            case .rawAH: if let s = endpoints.rawAH, rawRun.append(bytes, to: destination.peer, via: s) { return }
            }
        }
        run.flush()
        rawRun.flush()
        Self.send(bytes, to: destination, via: endpoints)
    }

    /// Writes ICMP "fragmentation needed" / "packet too big" for `packet` into the device, within the rate limit.
    private func answerTooBig(_ packet: UnsafeRawBufferPointer, mtu: Int) {
        guard let tun = endpoints.tun,
              tooBigAnswers.take(now: EngineTime(milliseconds: monotonicMilliseconds()), rate: Self.tooBigAnswersPerSecond)
        else { return }
        let framing = tun.hasVirtioHeader ? VirtioNetHeader.size : 0
        let start = icmp.baseAddress! + VirtioNetHeader.size
        guard let length = PacketTooBig.write(answering: packet, mtu: mtu, to: start) else { return }
        if framing > 0 { VirtioNetHeader().write(to: start - framing) }
        try? tun.write(UnsafeRawBufferPointer(start: start - framing, count: length + framing), queue: queue)
    }

    /// Sends a sealed packet the way its SA travels (thread-safe: the control plane sends held packets with it).
    static func send(_ bytes: UnsafeRawBufferPointer, to destination: SADatabase.Destination, via e: Endpoints) {
        switch destination.carrier {
        case .espInUDP: try? e.natT.send(bytes, to: destination.peer)
        case .rawESP: try? e.rawESP?.send(bytes, to: destination.peer.address)
        case .rawAH: try? e.rawAH?.send(bytes, to: destination.peer.address)
        }
    }
}
