/// The IP header work transport mode needs (RFC 4303 §3.1.1), in place.
enum IPPacket {
    /// The upper-layer segment after the IPv4 or IPv6 header of the packet at `r`, and its protocol.
    /// IPv6 with extension headers is not sealed in transport mode (nil).
    static func transportPayload(_ b: UnsafeMutableRawBufferPointer, _ r: Range<Int>) -> (Range<Int>, UInt8)? {
        guard r.count >= 20 else { return nil }
        switch b[r.lowerBound] >> 4 {
        case 4:
            let ihl = Int(b[r.lowerBound] & 0x0f) * 4
            guard ihl >= 20, ihl <= r.count else { return nil }
            return ((r.lowerBound + ihl)..<r.upperBound, b[r.lowerBound + 9])
        case 6:
            let next = r.count >= 40 ? b[r.lowerBound + 6] : 0
            guard r.count >= 40, ![0, 43, 44, 60, 51, 50, 135].contains(next) else { return nil }
            return ((r.lowerBound + 40)..<r.upperBound, next)
        default:
            return nil
        }
    }

    /// Writes an IPv4 (RFC 791) or IPv6 (RFC 8200) header before `payload` from `source` to
    /// `destination` (4 or 16 bytes each); returns the whole packet's range, nil without room.
    static func prependHeader(_ b: UnsafeMutableRawBufferPointer, payload: Range<Int>, protocol proto: UInt8,
                              source: [UInt8], destination: [UInt8]) -> Range<Int>? {
        guard source.count == destination.count else { return nil }
        let length = source.count == 4 ? 20 : 40
        let start = payload.lowerBound - length
        guard start >= 0, payload.count <= 65_535 - (source.count == 4 ? 20 : 0) else { return nil }
        let header: [UInt8]
        if source.count == 4 {
            let total = payload.count + 20
            header = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 0, 0x40, 0, 64, proto, 0, 0]
                + source + destination
        } else {
            header = [0x60, 0, 0, 0, UInt8(payload.count >> 8), UInt8(payload.count & 0xff), proto, 64]
                + source + destination
        }
        for (i, v) in header.enumerated() { b[start + i] = v }
        if source.count == 4 {
            var sum: UInt32 = 0
            for i in stride(from: 0, to: 20, by: 2) { sum += UInt32(b[start + i]) << 8 | UInt32(b[start + i + 1]) }
            while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
            let checksum = ~UInt16(sum)
            b[start + 10] = UInt8(checksum >> 8)
            b[start + 11] = UInt8(checksum & 0xff)
        }
        return start..<payload.upperBound
    }

    /// Gives an IPv4 packet with identification 0 the value `id`: the kernel would fill in a zero
    /// one after AH summed it (raw(7), IP_HDRINCL), and AH covers it (RFC 4302 §3.3.3.1.1.1).
    static func setIdentificationIfZero(_ b: UnsafeMutableRawBufferPointer, _ r: Range<Int>, _ id: UInt16) {
        guard r.count >= 20, b[r.lowerBound] >> 4 == 4, b[r.lowerBound + 4] == 0, b[r.lowerBound + 5] == 0 else { return }
        b[r.lowerBound + 4] = UInt8(id >> 8)
        b[r.lowerBound + 5] = UInt8(id & 0xff)
        // The header checksum is mutable for AH and the kernel fills it in (IP_HDRINCL).
    }
}
