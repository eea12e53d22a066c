// RFC 791 §3.1
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |Version|  IHL  |Type of Service|          Total Length         |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |         Identification        |Flags|      Fragment Offset    |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Time to Live |    Protocol   |         Header Checksum       |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                       Source Address                          |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                    Destination Address                        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                    Options                    |    Padding    |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

extension IPHeaderInfo {
    /// Reads the IPv4 header at `offset` of a frame's bytes.
    ///
    /// Returns the header facts and the IP payload: the bytes after the header
    /// up to Total Length (which trims Ethernet padding), or to the end of the
    /// captured bytes when the capture was cut short or Total Length is 0 (TSO).
    static func decodeIPv4(_ frame: ArraySlice<UInt8>, at offset: Int) throws(CaptureError)
        -> (header: IPHeaderInfo, payload: ArraySlice<UInt8>)
    {
        let packet = frame.suffix(from: offset)
        func error(_ kind: CaptureError.Kind, _ at: Int, _ reason: String) -> CaptureError {
            CaptureError(kind, layer: .ipv4, offset: offset + at, reason: reason)
        }
        guard packet.count >= 20, let first = packet.byte(at: 0) else {
            throw error(.truncated, 0, "IPv4 header needs 20 bytes, \(packet.count) captured")
        }
        guard first >> 4 == 4 else { throw error(.malformed, 0, "version \(first >> 4) in an IPv4 header") }
        let headerLength = Int(first & 0x0f) * 4
        guard headerLength >= 20 else { throw error(.malformed, 0, "header length \(headerLength) is below 20") }
        guard let options = packet.bytes(at: 20, length: headerLength - 20) else {
            throw error(.truncated, 0, "header length \(headerLength), \(packet.count) bytes captured")
        }
        var totalLength = Int(packet.uint16(at: 2) ?? 0)
        // Total Length 0 comes from hosts with TCP segmentation offload; tshark then uses the captured length.
        if totalLength == 0 { totalLength = packet.count }
        guard totalLength >= headerLength else {
            throw error(.malformed, 2, "total length \(totalLength) is below the header length \(headerLength)")
        }
        let flagsAndOffset = packet.uint16(at: 6) ?? 0
        let header = IPHeaderInfo(
            version: 4,
            source: IPAddress(header: packet.bytes(at: 12, length: 4)),
            destination: IPAddress(header: packet.bytes(at: 16, length: 4)),
            protocolNumber: packet.byte(at: 9) ?? 0,
            hopLimit: packet.byte(at: 8) ?? 0,
            headerLength: headerLength,
            fragment: IPFragmentInfo(
                identification: UInt32(packet.uint16(at: 4) ?? 0),
                offset: Int(flagsAndOffset & 0x1fff) * 8,
                moreFragments: flagsAndOffset & 0x2000 != 0,
                dontFragment: flagsAndOffset & 0x4000 != 0
            ),
            options: options
        )
        let end = min(totalLength, packet.count)
        return (header, packet.bytes(at: headerLength, length: end - headerLength) ?? [])
    }
}
