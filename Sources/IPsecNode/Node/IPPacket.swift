/// The few IPv4/IPv6 header facts the data plane needs, read in place.
enum IPPacket {
    /// Source and destination addresses of the IP packet at `r`.
    static func addresses(_ b: UnsafeMutableRawBufferPointer, _ r: Range<Int>) -> ([UInt8], [UInt8])? {
        guard r.count >= 20 else { return nil }
        switch b[r.lowerBound] >> 4 {
        case 4: return (Array(b[(r.lowerBound + 12)..<(r.lowerBound + 16)]), Array(b[(r.lowerBound + 16)..<(r.lowerBound + 20)]))
        case 6:
            guard r.count >= 40 else { return nil }
            return (Array(b[(r.lowerBound + 8)..<(r.lowerBound + 24)]), Array(b[(r.lowerBound + 24)..<(r.lowerBound + 40)]))
        default: return nil
        }
    }

    /// Transport mode (RFC 4303 §3.1.1): the upper-layer segment after an IPv4 header, and its protocol.
    static func transportPayload(_ b: UnsafeMutableRawBufferPointer, _ r: Range<Int>) -> (Range<Int>, UInt8)? {
        guard r.count >= 20, b[r.lowerBound] >> 4 == 4 else { return nil }
        let ihl = Int(b[r.lowerBound] & 0x0f) * 4
        guard ihl >= 20, ihl <= r.count else { return nil }
        return ((r.lowerBound + ihl)..<r.upperBound, b[r.lowerBound + 9])
    }

    /// Writes an IPv4 header (RFC 791) in the 20 bytes before `payload`; returns the whole packet's range.
    static func prependIPv4(_ b: UnsafeMutableRawBufferPointer, payload: Range<Int>, protocol proto: UInt8,
                            source: [UInt8], destination: [UInt8]) -> Range<Int> {
        let start = payload.lowerBound - 20
        let total = payload.count + 20
        let header: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 0, 0x40, 0, 64, proto, 0, 0]
            + source + destination
        for (i, v) in header.enumerated() { b[start + i] = v }
        var sum: UInt32 = 0
        for i in stride(from: 0, to: 20, by: 2) { sum += UInt32(b[start + i]) << 8 | UInt32(b[start + i + 1]) }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        let checksum = ~UInt16(sum)
        b[start + 10] = UInt8(checksum >> 8)
        b[start + 11] = UInt8(checksum & 0xff)
        return start..<payload.upperBound
    }
}
