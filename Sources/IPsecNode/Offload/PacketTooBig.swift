import ESP

/// The answer to an inner packet too large for its SA's path (RFC 4301 §8.2, RFC 1191, RFC 8201):
/// ICMP "fragmentation needed and DF set" (type 3 code 4, RFC 792 with RFC 1191's next-hop MTU)
/// for IPv4, ICMPv6 "Packet Too Big" (type 2, RFC 4443 §3.2) for IPv6, written back into the
/// TUN device so that the sender's stack lowers its path MTU. IPv4 without DF may be fragmented
/// and gets none. The answer comes from the packet's own destination: an address of the host
/// itself would be dropped as a martian source on the way in, and the destination is routed
/// through the device, so reverse-path filtering lets it pass.
enum PacketTooBig {
    /// True when `packet` asks not to be fragmented: every IPv6 packet, IPv4 with DF.
    static func forbidsFragmentation(_ packet: UnsafeRawBufferPointer) -> Bool {
        guard packet.count >= 20, let p = packet.baseAddress else { return false }
        switch p.load(as: UInt8.self) >> 4 {
        case 4: return p.loadBigEndian16(at: 6) & 0x4000 != 0
        case 6: return packet.count >= 40
        default: return false
        }
    }

    /// Writes the ICMP answer to `packet` at `destination` (room for 1280 bytes) with `mtu`; its
    /// length, or nil when `packet` is no IPv4/IPv6 packet.
    static func write(answering packet: UnsafeRawBufferPointer, mtu: Int, to destination: UnsafeMutableRawPointer) -> Int? {
        guard packet.count >= 20, let p = packet.baseAddress else { return nil }
        let version = p.load(as: UInt8.self) >> 4
        guard version == 4 || (version == 6 && packet.count >= 40) else { return nil }
        let addressLength = version == 4 ? 4 : 16
        let addresses = version == 4 ? 12 : 8
        let header = version == 4 ? 20 : 40
        // RFC 1812 §4.3.2.3: up to 576 bytes in all for IPv4; RFC 4443 §2.4(c): up to 1280 for IPv6.
        let quoted = min(packet.count, (version == 4 ? 576 : 1280) - header - 8)
        let total = header + 8 + quoted
        let d = destination
        // From the packet's destination to its source.
        if version == 4 {
            let bytes: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 0, 0, 0, 64, 1, 0, 0]
            bytes.withUnsafeBytes { d.copyMemory(from: $0.baseAddress!, byteCount: 12) }
        } else {
            let bytes: [UInt8] = [0x60, 0, 0, 0, UInt8((total - 40) >> 8), UInt8((total - 40) & 0xff), 58, 64]
            bytes.withUnsafeBytes { d.copyMemory(from: $0.baseAddress!, byteCount: 8) }
        }
        (d + addresses).copyMemory(from: p + addresses + addressLength, byteCount: addressLength)
        (d + addresses + addressLength).copyMemory(from: p + addresses, byteCount: addressLength)
        let icmp = d + header
        if version == 4 {
            icmp.storeBytes(of: UInt32(0x0304_0000).bigEndian, as: UInt32.self)   // type 3, code 4, checksum 0
            icmp.storeBigEndian16(0, at: 4)
            icmp.storeBigEndian16(UInt16(clamping: mtu), at: 6)
        } else {
            icmp.storeBytes(of: UInt32(0x0200_0000).bigEndian, as: UInt32.self)   // type 2, code 0, checksum 0
            icmp.storeBigEndian32(UInt32(mtu), at: 4)
        }
        (icmp + 8).copyMemory(from: p, byteCount: quoted)
        var sum = InternetChecksum()
        if version == 4 {
            HeaderSums.setIPv4HeaderChecksum(d, length: 20)
        } else {
            sum = HeaderSums.pseudoHeader(UnsafeRawPointer(d), version: 6, proto: 58, length: total - 40)
        }
        sum.add(UnsafeRawBufferPointer(start: icmp, count: total - header))
        icmp.storeBigEndian16(sum.finish(), at: 2)
        return total
    }
}
