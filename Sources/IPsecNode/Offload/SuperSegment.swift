import ESP

/// A TCP or UDP super-segment a TUN device with offloads hands over (TSO/USO: up to 64 KiB with
/// one set of headers), cut into the packets the kernel's GSO would have sent: each with the
/// original headers, `segmentSize` payload bytes (the last one fewer), and then
/// - IPv4: its own total length, identification (the first one's plus the segment's index, as
///   Linux numbers them) and header checksum; IPv6: its own payload length;
/// - TCP: sequence number advanced by the bytes before it, FIN and PSH only on the last segment,
///   CWR only on the first (RFC 3168 §6.1.2), and its checksum;
/// - UDP: its own length and checksum.
/// Reads in place and writes each segment where it is told: nothing is allocated.
struct SuperSegment {
    let version: UInt8
    /// Where the TCP or UDP header starts (after the IP header and any IPv6 extension headers).
    let transportOffset: Int
    /// IP and transport headers: what every segment repeats.
    let headerLength: Int
    let segmentSize: Int
    let payloadLength: Int
    let isTCP: Bool

    /// How many packets it makes.
    var count: Int { (payloadLength + segmentSize - 1) / segmentSize }

    /// The largest packet it makes.
    var largestSegment: Int { headerLength + min(segmentSize, payloadLength) }

    /// Reads the super-segment `packet` described by `header`; nil when the header asks for no
    /// segmentation or the packet does not match it (wrong version or protocol, truncated
    /// headers, a length field that disagrees with what was read).
    init?(_ packet: UnsafeRawBufferPointer, _ header: VirtioNetHeader) {
        guard header.segmentSize > 0, packet.count >= 20, let p = packet.baseAddress else { return nil }
        version = p.load(as: UInt8.self) >> 4
        let proto: UInt8
        switch (version, header.segmentation) {
        case (4, .tcpv4), (4, .udp):
            let ihl = Int(p.load(as: UInt8.self) & 0x0f) * 4
            guard ihl >= 20, Int(p.loadBigEndian16(at: 2)) == packet.count,
                  p.loadBigEndian16(at: 6) & 0x3fff == 0 else { return nil }   // not a fragment
            transportOffset = ihl
            proto = p.load(fromByteOffset: 9, as: UInt8.self)
        case (6, .tcpv6), (6, .udp):
            guard packet.count >= 40, Int(p.loadBigEndian16(at: 4)) == packet.count - 40 else { return nil }
            // Extension headers: the device says where the transport header starts.
            let start = header.flags & VirtioNetHeader.needsChecksum != 0 ? Int(header.checksumStart) : 40
            guard start >= 40 else { return nil }
            transportOffset = start
            proto = start == 40 ? p.load(fromByteOffset: 6, as: UInt8.self) : (header.segmentation == .udp ? 17 : 6)
        default:
            return nil
        }
        isTCP = header.segmentation != .udp
        guard proto == (isTCP ? 6 : 17) else { return nil }
        let transportHeader: Int
        if isTCP {
            guard packet.count >= transportOffset + 20 else { return nil }
            transportHeader = Int(p.load(fromByteOffset: transportOffset + 12, as: UInt8.self) >> 4) * 4
            guard transportHeader >= 20 else { return nil }
        } else {
            transportHeader = 8
        }
        headerLength = transportOffset + transportHeader
        guard packet.count > headerLength else { return nil }
        payloadLength = packet.count - headerLength
        segmentSize = Int(header.segmentSize)
    }

    /// Writes segment `index` (0..<count) of `packet` at `destination`, which must hold
    /// `largestSegment` bytes; returns its length.
    func write(_ index: Int, of packet: UnsafeRawBufferPointer, to destination: UnsafeMutableRawPointer) -> Int {
        let source = packet.baseAddress!
        let offset = index * segmentSize
        let length = min(segmentSize, payloadLength - offset)
        let total = headerLength + length
        destination.copyMemory(from: source, byteCount: headerLength)
        (destination + headerLength).copyMemory(from: source + headerLength + offset, byteCount: length)
        let last = index == count - 1
        if version == 4 {
            destination.storeBigEndian16(UInt16(total), at: 2)
            destination.storeBigEndian16(source.loadBigEndian16(at: 4) &+ UInt16(truncatingIfNeeded: index), at: 4)
            HeaderSums.setIPv4HeaderChecksum(destination, length: transportOffset)
        } else {
            destination.storeBigEndian16(UInt16(total - 40), at: 4)
        }
        let t = transportOffset
        if isTCP {
            destination.storeBigEndian32(source.loadBigEndian32(at: t + 4) &+ UInt32(truncatingIfNeeded: offset), at: t + 4)
            var flags = source.load(fromByteOffset: t + 13, as: UInt8.self)
            if !last { flags &= ~(TCPFlags.fin | TCPFlags.psh) }
            if index > 0 { flags &= ~TCPFlags.cwr }
            destination.storeBytes(of: flags, toByteOffset: t + 13, as: UInt8.self)
            destination.storeBigEndian16(0, at: t + 16)
        } else {
            destination.storeBigEndian16(UInt16(total - t), at: t + 4)
            destination.storeBigEndian16(0, at: t + 6)
        }
        let checksum = Self.transportChecksum(UnsafeRawPointer(destination), version: version, transportOffset: t, total: total,
                                              proto: isTCP ? 6 : 17)
        destination.storeBigEndian16(checksum, at: t + (isTCP ? 16 : 6))
        return total
    }

    /// The TCP or UDP checksum (RFC 793 §3.1, RFC 768, RFC 8200 §8.1) of the packet at `p`, whose
    /// checksum field is zero: pseudo-header, header and payload. A UDP result of 0 is sent as 0xFFFF.
    static func transportChecksum(_ p: UnsafeRawPointer, version: UInt8, transportOffset t: Int, total: Int,
                                  proto: UInt8) -> UInt16 {
        var sum = HeaderSums.pseudoHeader(p, version: version, proto: proto, length: total - t)
        sum.add(UnsafeRawBufferPointer(start: p + t, count: total - t))
        let value = sum.finish()
        return proto == 17 && value == 0 ? 0xFFFF : value
    }

    /// Completes a partial checksum (VIRTIO_NET_HDR_F_NEEDS_CSUM on a packet that needs no
    /// segmentation): the field holds the pseudo-header's sum, and the checksum is summed from
    /// `checksumStart` to the end. False when the header points outside the packet.
    static func completeChecksum(_ packet: UnsafeMutableRawBufferPointer, _ header: VirtioNetHeader) -> Bool {
        let start = Int(header.checksumStart), field = start + Int(header.checksumOffset)
        guard let p = packet.baseAddress, start < packet.count, field + 2 <= packet.count else { return false }
        var sum = InternetChecksum()
        sum.add(UnsafeRawBufferPointer(start: p + start, count: packet.count - start))
        let value = sum.finish()
        // A UDP checksum (offset 6) of 0 would mean "none" (RFC 768).
        p.storeBigEndian16(header.checksumOffset == 6 && value == 0 ? 0xFFFF : value, at: field)
        return true
    }
}

/// The TCP header's flag bits (RFC 9293 §3.1, RFC 3168 §6.1).
enum TCPFlags {
    static let fin: UInt8 = 0x01
    static let syn: UInt8 = 0x02
    static let rst: UInt8 = 0x04
    static let psh: UInt8 = 0x08
    static let ack: UInt8 = 0x10
    static let urg: UInt8 = 0x20
    static let ece: UInt8 = 0x40
    static let cwr: UInt8 = 0x80
}

extension UnsafeMutableRawPointer {
    func storeBigEndian16(_ value: UInt16, at offset: Int) { storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt16.self) }
    func storeBigEndian32(_ value: UInt32, at offset: Int) { storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt32.self) }
    func loadBigEndian16(at offset: Int) -> UInt16 { UnsafeRawPointer(self).loadBigEndian16(at: offset) }
    func loadBigEndian32(at offset: Int) -> UInt32 { UnsafeRawPointer(self).loadBigEndian32(at: offset) }
}
