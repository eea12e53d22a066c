import ESP

/// The sums the offload code writes into headers it changes: the IPv4 header checksum (RFC 791
/// §3.1) and the pseudo-header a TCP, UDP or ICMPv6 checksum starts from (RFC 793 §3.1,
/// RFC 768, RFC 8200 §8.1).
enum HeaderSums {
    /// Rewrites the checksum of the IPv4 header of `length` bytes at `p`.
    static func setIPv4HeaderChecksum(_ p: UnsafeMutableRawPointer, length: Int) {
        p.storeBigEndian16(0, at: 10)
        var sum = InternetChecksum()
        sum.add(UnsafeRawBufferPointer(start: p, count: length))
        p.storeBigEndian16(sum.finish(), at: 10)
    }

    /// The pseudo-header of the IPv4 or IPv6 packet at `p` for an upper-layer segment of
    /// `length` bytes of protocol `proto`: its addresses, the protocol and the length.
    static func pseudoHeader(_ p: UnsafeRawPointer, version: UInt8, proto: UInt8, length: Int) -> InternetChecksum {
        var sum = InternetChecksum()
        sum.add(UnsafeRawBufferPointer(start: p + (version == 4 ? 12 : 8), count: version == 4 ? 8 : 32))
        sum.add(UInt32(proto))
        sum.add(UInt32(length))
        return sum
    }
}
