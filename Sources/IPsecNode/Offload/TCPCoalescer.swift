import ESP
#if canImport(Glibc)
import Glibc
#endif

/// Receive offload for the TUN device (what GRO does in a NIC driver): consecutive TCP segments
/// of one flow, opened from one burst of ESP packets, are merged into one super-segment and
/// written with a virtio header that tells the kernel their segment size, so its TCP stack
/// handles one packet instead of dozens. Only what the kernel itself would merge is merged
/// (Linux's `tcp_gro_receive`): same addresses, ports, IP fields, acknowledgment and TCP
/// options, consecutive sequence numbers, only ACK (PSH on the last), segments of one size with
/// only the last one shorter, a verified checksum, and at most 64 KiB. Anything else ends the
/// current super-segment and is written on its own, in order.
struct TCPCoalescer {
    /// The super-segment being built: its virtio header's room, then an IP packet.
    private let storage: UnsafeMutableRawBufferPointer
    private static let start = VirtioNetHeader.size
    /// The packet's length so far (0: nothing held).
    private var length = 0
    private var segments = 0
    private var segmentSize = 0
    private var ipHeader = 0
    private var tcpHeader = 0
    private var nextSequence: UInt32 = 0
    /// True once a segment shorter than `segmentSize` or with PSH was added: nothing may follow it.
    private var closed = false

    /// The largest IP packet it builds (the IPv4 total length and IPv6 payload length are 16 bits).
    static let limit = 65_535

    init() {
        storage = .allocate(byteCount: Self.start + Self.limit + 64, alignment: 16)
    }

    /// Frees the buffer (the data plane's, on its thread).
    func deallocate() { storage.deallocate() }

    /// Offers the opened packet `packet`: true when it was taken (held or merged). False when it
    /// cannot be merged: the caller flushes, then writes it or offers it again.
    mutating func offer(_ packet: UnsafeRawBufferPointer) -> Bool {
        guard let p = packet.baseAddress, let shape = Shape(p, packet.count) else { return false }
        if length == 0 {
            guard shape.payload > 0, shape.onlyAckOrPush, shape.checksumValid(p) else { return false }
            (storage.baseAddress! + Self.start).copyMemory(from: p, byteCount: packet.count)
            length = packet.count
            segments = 1
            segmentSize = shape.payload
            ipHeader = shape.ipHeader
            tcpHeader = shape.tcpHeader
            nextSequence = shape.sequence &+ UInt32(shape.payload)
            closed = shape.push
            return true
        }
        let held = UnsafeRawPointer(storage.baseAddress! + Self.start)
        guard !closed, shape.payload > 0, shape.payload <= segmentSize, shape.onlyAckOrPush,
              shape.ipHeader == ipHeader, shape.tcpHeader == tcpHeader, shape.sequence == nextSequence,
              length + shape.payload <= Self.limit + (shape.version == 6 ? 40 : 0),
              Self.sameFlow(held, p, version: shape.version, ipHeader: ipHeader, tcpHeader: tcpHeader),
              shape.checksumValid(p) else { return false }
        (storage.baseAddress! + Self.start + length).copyMemory(from: p + ipHeader + tcpHeader, byteCount: shape.payload)
        length += shape.payload
        segments += 1
        nextSequence = nextSequence &+ UInt32(shape.payload)
        if shape.push { storage[Self.start + ipHeader + 13] |= TCPFlags.psh }
        closed = shape.push || shape.payload < segmentSize
        return true
    }

    /// The held packet, ready to write (virtio header and IP packet), or nil when nothing is held;
    /// then nothing is held. Valid until the next `offer`.
    mutating func flush() -> UnsafeRawBufferPointer? {
        guard length > 0 else { return nil }
        defer { length = 0 }
        let p = storage.baseAddress! + Self.start
        let version = p.load(as: UInt8.self) >> 4
        guard segments > 1 else {
            VirtioNetHeader().write(to: storage.baseAddress!)
            return UnsafeRawBufferPointer(rebasing: storage[0..<(Self.start + length)])
        }
        if version == 4 {
            p.storeBigEndian16(UInt16(length), at: 2)
            HeaderSums.setIPv4HeaderChecksum(p, length: ipHeader)
        } else {
            p.storeBigEndian16(UInt16(length - 40), at: 4)
        }
        // A partial checksum, as a device with checksum offload gets it: the pseudo-header's sum.
        let pseudo = HeaderSums.pseudoHeader(p, version: version, proto: 6, length: length - ipHeader)
        p.storeBigEndian16(pseudo.folded, at: ipHeader + 16)
        VirtioNetHeader(flags: VirtioNetHeader.needsChecksum, segmentation: version == 4 ? .tcpv4 : .tcpv6,
                        headerLength: UInt16(ipHeader + tcpHeader), segmentSize: UInt16(segmentSize),
                        checksumStart: UInt16(ipHeader), checksumOffset: 16).write(to: storage.baseAddress!)
        return UnsafeRawBufferPointer(rebasing: storage[0..<(Self.start + length)])
    }

    /// The same flow and the same header fields the kernel requires equal: IPv4 TOS, DF, TTL,
    /// addresses (IPv6: the first word, hop limit, addresses), ports, acknowledgment and options.
    private static func sameFlow(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, version: UInt8, ipHeader: Int, tcpHeader: Int) -> Bool {
        if version == 4 {
            guard a.load(fromByteOffset: 1, as: UInt8.self) == b.load(fromByteOffset: 1, as: UInt8.self),
                  a.loadBigEndian16(at: 6) & 0x4000 == b.loadBigEndian16(at: 6) & 0x4000,
                  a.load(fromByteOffset: 8, as: UInt8.self) == b.load(fromByteOffset: 8, as: UInt8.self),
                  memcmp(a + 12, b + 12, 8) == 0 else { return false }
        } else {
            guard a.loadBigEndian32(at: 0) == b.loadBigEndian32(at: 0),
                  a.load(fromByteOffset: 7, as: UInt8.self) == b.load(fromByteOffset: 7, as: UInt8.self),
                  memcmp(a + 8, b + 8, 32) == 0 else { return false }
        }
        let t = ipHeader
        return memcmp(a + t, b + t, 4) == 0                       // ports
            && memcmp(a + t + 8, b + t + 8, 4) == 0               // acknowledgment number
            && memcmp(a + t + 20, b + t + 20, tcpHeader - 20) == 0 // options
    }

    /// The fields of a TCP packet the merge looks at; nil for anything else (and for IPv4 with
    /// options or fragments, IPv6 with extension headers).
    private struct Shape {
        var version: UInt8
        var ipHeader: Int
        var tcpHeader: Int
        var payload: Int
        var total: Int
        var sequence: UInt32
        var flags: UInt8

        init?(_ p: UnsafeRawPointer, _ count: Int) {
            guard count >= 40 else { return nil }
            version = p.load(as: UInt8.self) >> 4
            switch version {
            case 4:
                guard p.load(as: UInt8.self) & 0x0f == 5, p.load(fromByteOffset: 9, as: UInt8.self) == 6,
                      p.loadBigEndian16(at: 6) & 0x3fff == 0, Int(p.loadBigEndian16(at: 2)) == count else { return nil }
                ipHeader = 20
            case 6:
                guard count >= 60, p.load(fromByteOffset: 6, as: UInt8.self) == 6,
                      Int(p.loadBigEndian16(at: 4)) == count - 40 else { return nil }
                ipHeader = 40
            default:
                return nil
            }
            tcpHeader = Int(p.load(fromByteOffset: ipHeader + 12, as: UInt8.self) >> 4) * 4
            guard tcpHeader >= 20, ipHeader + tcpHeader <= count else { return nil }
            total = count
            payload = count - ipHeader - tcpHeader
            sequence = p.loadBigEndian32(at: ipHeader + 4)
            flags = p.load(fromByteOffset: ipHeader + 13, as: UInt8.self)
        }

        var onlyAckOrPush: Bool { flags == TCPFlags.ack || flags == TCPFlags.ack | TCPFlags.psh }
        var push: Bool { flags & TCPFlags.psh != 0 }

        /// The TCP checksum verifies: the merged packet goes up with its checksum taken as good.
        func checksumValid(_ p: UnsafeRawPointer) -> Bool {
            var sum = HeaderSums.pseudoHeader(p, version: version, proto: 6, length: total - ipHeader)
            sum.add(UnsafeRawBufferPointer(start: p + ipHeader, count: total - ipHeader))
            return sum.finish() == 0
        }
    }
}
