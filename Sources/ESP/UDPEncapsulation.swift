//  RFC 3948 §2.1: UDP-Encapsulated ESP header format
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |        Source Port            |      Destination Port         |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |           Length              |           Checksum            |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                      ESP header [RFC4303]                     |

/// ESP-in-UDP (RFC 3948): the 8-byte UDP header in the headroom and the
/// transport-mode checksum rules of §3.1.2. (Telling ESP from IKE and keepalives
/// on port 4500 is ISAKMPWire's `UDPEncapsulated.kind`.)
public enum UDPEncapsulation {
    /// The NAT-T port.
    public static let port: UInt16 = 4500
    /// The one-byte NAT-keepalive payload (RFC 3948 §2.3).
    public static let natKeepalive: UInt8 = 0xFF

    /// Writes a UDP header at `header` with checksum 0 (RFC 3948 §2.1:
    /// SHOULD be zero for ESP-in-UDP). `length` counts header and payload.
    @inline(__always)
    public static func writeHeader(_ header: UnsafeMutableRawPointer, sourcePort: UInt16,
                                   destinationPort: UInt16, length: Int) {
        header.storeBE16(sourcePort, at: 0)
        header.storeBE16(destinationPort, at: 2)
        header.storeBE16(UInt16(truncatingIfNeeded: length), at: 4)
        header.storeBE16(0, at: 6)
    }

    /// The UDP header fields at the start of `datagram`, or nil if it is too
    /// short or its length field disagrees with the bytes present.
    public static func readHeader(_ datagram: UnsafeRawBufferPointer)
        -> (sourcePort: UInt16, destinationPort: UInt16, payload: Range<Int>)? {
        guard datagram.count >= 8 else { return nil }
        let p = datagram.baseAddress!
        let length = Int(p.loadBE16(at: 4))
        guard length >= 8, length <= datagram.count else { return nil }
        return (p.loadBE16(at: 0), p.loadBE16(at: 2), 8..<length)
    }

    /// RFC 3948 §3.1.2: after transport-mode decapsulation the inner TCP/UDP
    /// checksum covers addresses a NAT rewrote. This recomputes it in place
    /// over the real pseudo-header (`source`, `destination`: 4 or 16 bytes
    /// each) for `proto` 6 (TCP) or 17 (UDP); other protocols are untouched.
    public static func fixTransportChecksum(_ segment: UnsafeMutableRawBufferPointer, proto: UInt8,
                                            source: UnsafeRawBufferPointer, destination: UnsafeRawBufferPointer) {
        let offset: Int
        switch proto {
        case 6: offset = 16
        case 17: offset = 6
        default: return
        }
        guard segment.count >= offset + 2 else { return }
        segment.baseAddress!.storeBE16(0, at: offset)
        var sum = InternetChecksum()
        sum.add(source)
        sum.add(destination)
        sum.add(UInt32(proto))
        sum.add(UInt32(segment.count))
        sum.add(UnsafeRawBufferPointer(segment))
        var value = sum.finish()
        if proto == 17 && value == 0 { value = 0xFFFF }  // RFC 768: 0 means "no checksum"
        segment.baseAddress!.storeBE16(value, at: offset)
    }
}

extension UDPEncapsulation {
    /// RFC 3948 §3.1.2 with NAT-OA: incrementally updates (RFC 1624) the inner
    /// TCP/UDP checksum of a transport-mode segment for an address that changed
    /// from `original` (the peer's address as sent, from NAT-OA) to `observed`
    /// (the address the packet arrived from); both 4 or 16 bytes. A UDP
    /// checksum of 0 (none, IPv4) is left alone.
    public static func adjustTransportChecksum(_ segment: UnsafeMutableRawBufferPointer, proto: UInt8,
                                               original: UnsafeRawBufferPointer, observed: UnsafeRawBufferPointer) {
        let offset: Int
        switch proto {
        case 6: offset = 16
        case 17: offset = 6
        default: return
        }
        guard segment.count >= offset + 2, original.count == observed.count else { return }
        let checksum = UnsafeRawPointer(segment.baseAddress!).loadBE16(at: offset)
        if proto == 17 && checksum == 0 { return }
        // HC' = ~(~HC + ~m + m') over every 16-bit word of the address.
        var sum = UInt32(~checksum)
        var i = 0
        while i + 1 < original.count {
            let old: UInt16 = UInt16(original[i]) << 8 | UInt16(original[i + 1])
            let new: UInt16 = UInt16(observed[i]) << 8 | UInt16(observed[i + 1])
            sum += UInt32(~old) + UInt32(new)
            i += 2
        }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        var value = ~UInt16(sum)
        if proto == 17 && value == 0 { value = 0xFFFF }
        segment.baseAddress!.storeBE16(value, at: offset)
    }
}
