//  RFC 4302 §2: Authentication Header format
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  | Next Header   |  Payload Len  |          RESERVED             |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                 Security Parameters Index (SPI)               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                    Sequence Number Field                      |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                Integrity Check Value-ICV (variable)           |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// The fixed fields of an AH header, read from the bytes after the IP header.
public struct AHHeader: Sendable, Hashable {
    /// The protocol after AH (4/41 in tunnel mode).
    public var nextHeader: UInt8
    /// The whole AH length in bytes: (Payload Len + 2) × 4.
    public var length: Int
    /// The SPI.
    public var spi: UInt32
    /// The low 32 bits of the sequence number.
    public var sequenceNumber: UInt32
    /// ICV (with its alignment padding) within the parsed bytes.
    public var icv: Range<Int>

    /// Parses an AH header at the start of `bytes`; nil when it is shorter
    /// than 12 bytes or than its own Payload Len says.
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 12 else { return nil }
        let p = bytes.baseAddress!
        let length = (Int(bytes[1]) + 2) * 4
        guard length >= 12, length <= bytes.count else { return nil }
        nextHeader = bytes[0]
        self.length = length
        spi = p.loadBE32(at: 4)
        sequenceNumber = p.loadBE32(at: 8)
        icv = 12..<length
    }

    /// Parses an AH header at the start of `bytes`.
    public init?(_ bytes: some Collection<UInt8>) {
        guard let header = Array(bytes).withUnsafeBytes({ AHHeader($0) }) else { return nil }
        self = header
    }
}

/// The IP header in front of AH: its length and where its mutable fields are
/// (RFC 4302 §3.3.3.1).
struct IPHeaderLayout {
    let version: UInt8
    let length: Int

    init(_ packet: UnsafeRawBufferPointer) throws(ESPError) {
        guard packet.count >= 20 else { throw .truncated }
        version = packet[0] >> 4
        switch version {
        case 4: length = Int(packet[0] & 0x0F) * 4
            guard length >= 20 else { throw .malformedHeader }
        case 6: length = 40
        default: throw .notAnIPPacket
        }
        guard packet.count >= length else { throw .truncated }
    }

    /// ICV alignment: 32 bits for IPv4, 64 bits for IPv6 (RFC 4302 §2.6).
    var icvAlignment: Int { version == 4 ? 4 : 8 }

    var protocolOffset: Int { version == 4 ? 9 : 6 }

    /// Sets the protocol / next header and the length fields for a packet of `total` bytes.
    func rewrite(_ header: UnsafeMutableRawPointer, protocol proto: UInt8, total: Int) {
        header.storeBytes(of: proto, toByteOffset: protocolOffset, as: UInt8.self)
        if version == 4 {
            header.storeBE16(UInt16(total), at: 2)
            header.storeBE16(0, at: 10)
            var sum = InternetChecksum()
            sum.add(UnsafeRawBufferPointer(start: header, count: length))
            header.storeBE16(sum.finish(), at: 10)
        } else {
            header.storeBE16(UInt16(total - 40), at: 4)
        }
    }

    /// Feeds the header with its mutable fields as zero: IPv4 TOS, flags,
    /// fragment offset, TTL, checksum and mutable options (RFC 4302 §3.3.3.1.1);
    /// IPv6 traffic class, flow label, hop limit (§3.3.3.1.2).
    func feedZeroingMutable(_ header: UnsafeRawPointer, _ integrity: Integrity) {
        var copy: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &copy) { c in
            c.baseAddress!.copyMemory(from: header, byteCount: length)
            if version == 4 {
                c[1] = 0            // TOS
                c[6] = 0; c[7] = 0  // flags, fragment offset
                c[8] = 0            // TTL
                c[10] = 0; c[11] = 0
                zeroMutableOptions(c)
            } else {
                c[0] &= 0xF0; c[1] = 0; c[2] = 0; c[3] = 0  // traffic class, flow label
                c[7] = 0                                      // hop limit
            }
            integrity.update(UnsafeRawBufferPointer(rebasing: c[0..<length]))
        }
    }

    /// RFC 4302 Appendix A.1: options other than EOL, NOP, Security (130, 133, 134),
    /// Router Alert (148) and SDB (149) are mutable and zeroed whole.
    private func zeroMutableOptions(_ c: UnsafeMutableRawBufferPointer) {
        var i = 20
        while i < length {
            let type = c[i]
            if type == 0 { break }
            if type == 1 { i += 1; continue }
            guard i + 1 < length else { break }
            let optionLength = Swift.max(2, Int(c[i + 1]))
            let end = Swift.min(length, i + optionLength)
            if ![130, 133, 134, 148, 149].contains(type) {
                for j in i..<end { c[j] = 0 }
            }
            i = end
        }
    }
}
