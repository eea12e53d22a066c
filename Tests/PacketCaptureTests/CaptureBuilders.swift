import PacketCapture

/// Builds synthetic captures and packets byte by byte for tests.
enum Build {
    static func u16(_ value: UInt16, bigEndian: Bool = true) -> [UInt8] {
        bigEndian ? [UInt8(value >> 8), UInt8(value & 0xff)] : [UInt8(value & 0xff), UInt8(value >> 8)]
    }

    static func u32(_ value: UInt32, bigEndian: Bool = true) -> [UInt8] {
        let big = [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
        return bigEndian ? big : big.reversed()
    }

    /// A classic pcap file.
    static func pcap(
        linkType: UInt32, bigEndian: Bool = false, nanoseconds: Bool = false,
        records: [(seconds: UInt32, fraction: UInt32, data: [UInt8])]
    ) -> [UInt8] {
        var file = u32(nanoseconds ? 0xa1b2_3c4d : 0xa1b2_c3d4, bigEndian: bigEndian)
        file += u16(2, bigEndian: bigEndian) + u16(4, bigEndian: bigEndian)
        file += u32(0, bigEndian: bigEndian) + u32(0, bigEndian: bigEndian) + u32(65535, bigEndian: bigEndian)
        file += u32(linkType, bigEndian: bigEndian)
        for record in records {
            file += u32(record.seconds, bigEndian: bigEndian) + u32(record.fraction, bigEndian: bigEndian)
            file += u32(UInt32(record.data.count), bigEndian: bigEndian) + u32(UInt32(record.data.count), bigEndian: bigEndian)
            file += record.data
        }
        return file
    }

    /// One pcapng block: type, total length, body padded to 32 bits, total length.
    static func block(_ type: UInt32, _ body: [UInt8], bigEndian: Bool = false) -> [UInt8] {
        let padded = body + [UInt8](repeating: 0, count: (4 - body.count % 4) % 4)
        let length = UInt32(padded.count + 12)
        return u32(type, bigEndian: bigEndian) + u32(length, bigEndian: bigEndian) + padded + u32(length, bigEndian: bigEndian)
    }

    static func sectionHeader(bigEndian: Bool = false) -> [UInt8] {
        block(0x0a0d_0d0a, u32(0x1a2b_3c4d, bigEndian: bigEndian) + u16(1, bigEndian: bigEndian)
              + u16(0, bigEndian: bigEndian) + [UInt8](repeating: 0xff, count: 8), bigEndian: bigEndian)
    }

    static func interface(linkType: UInt16, snapLength: UInt32 = 0, tsresol: UInt8? = nil, bigEndian: Bool = false) -> [UInt8] {
        var body = u16(linkType, bigEndian: bigEndian) + u16(0, bigEndian: bigEndian) + u32(snapLength, bigEndian: bigEndian)
        if let tsresol {
            body += u16(9, bigEndian: bigEndian) + u16(1, bigEndian: bigEndian) + [tsresol, 0, 0, 0]
            body += u16(0, bigEndian: bigEndian) + u16(0, bigEndian: bigEndian)
        }
        return block(1, body, bigEndian: bigEndian)
    }

    static func enhancedPacket(interface: UInt32, timestamp: UInt64, data: [UInt8], bigEndian: Bool = false) -> [UInt8] {
        let body = u32(interface, bigEndian: bigEndian) + u32(UInt32(timestamp >> 32), bigEndian: bigEndian)
            + u32(UInt32(timestamp & 0xffff_ffff), bigEndian: bigEndian)
            + u32(UInt32(data.count), bigEndian: bigEndian) + u32(UInt32(data.count), bigEndian: bigEndian) + data
        return block(6, body, bigEndian: bigEndian)
    }

    static func simplePacket(data: [UInt8], bigEndian: Bool = false) -> [UInt8] {
        block(3, u32(UInt32(data.count), bigEndian: bigEndian) + data, bigEndian: bigEndian)
    }

    static func obsoletePacket(interface: UInt16, timestamp: UInt64, data: [UInt8], bigEndian: Bool = false) -> [UInt8] {
        let body = u16(interface, bigEndian: bigEndian) + u16(0, bigEndian: bigEndian)
            + u32(UInt32(timestamp >> 32), bigEndian: bigEndian) + u32(UInt32(timestamp & 0xffff_ffff), bigEndian: bigEndian)
            + u32(UInt32(data.count), bigEndian: bigEndian) + u32(UInt32(data.count), bigEndian: bigEndian) + data
        return block(2, body, bigEndian: bigEndian)
    }

    /// A UDP datagram (checksum 0).
    static func udp(_ source: UInt16, _ destination: UInt16, _ payload: [UInt8]) -> [UInt8] {
        u16(source) + u16(destination) + u16(UInt16(8 + payload.count)) + u16(0) + payload
    }

    /// An IPv4 packet; `flags` holds the flag bits and fragment offset field.
    static func ipv4(
        _ source: [UInt8], _ destination: [UInt8], protocol proto: UInt8, _ payload: [UInt8],
        options: [UInt8] = [], identification: UInt16 = 0x1234, flags: UInt16 = 0, ttl: UInt8 = 64
    ) -> [UInt8] {
        let headerLength = 20 + options.count
        return [0x40 | UInt8(headerLength / 4), 0] + u16(UInt16(headerLength + payload.count)) + u16(identification)
            + u16(flags) + [ttl, proto] + u16(0) + source + destination + options + payload
    }

    /// An IPv6 packet whose payload starts with the header `nextHeader` names.
    static func ipv6(_ source: [UInt8], _ destination: [UInt8], nextHeader: UInt8, _ payload: [UInt8], hopLimit: UInt8 = 64) -> [UInt8] {
        [0x60, 0, 0, 0] + u16(UInt16(payload.count)) + [nextHeader, hopLimit] + source + destination + payload
    }

    static func ethernet(type: UInt16, vlanTags: [(tpid: UInt16, id: UInt16)] = [], _ payload: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]
        for tag in vlanTags { frame += u16(tag.tpid) + u16(tag.id) }
        return frame + u16(type) + payload
    }

    static let v4a: [UInt8] = [192, 0, 2, 1]
    static let v4b: [UInt8] = [192, 0, 2, 2]
    static let v6a: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
    static let v6b: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [2]
}

extension PacketDecoder {
    /// Decodes bytes as a frame of `linkType`.
    static func decode(_ bytes: [UInt8], linkType: LinkType) -> DecodedPacket {
        decode(CapturedFrame(index: 1, linkType: linkType, bytes: bytes[...]))
    }
}
