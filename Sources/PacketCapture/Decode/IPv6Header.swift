// RFC 8200 §3 (fixed header) and §4 (extension headers)
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |Version| Traffic Class |           Flow Label                  |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |         Payload Length        |  Next Header  |   Hop Limit   |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                   Source Address (128 bits)                   |
//   |                Destination Address (128 bits)                 |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
//   Hop-by-Hop (0), Routing (43), Destination Options (60):
//   Next Header 8 | Hdr Ext Len 8 (8-octet units, not counting the first 8) | ...
//   Fragment (44), 8 bytes:
//   Next Header 8 | Reserved 8 | Fragment Offset 13 | Res 2 | M 1 | Identification 32

extension IPHeaderInfo {
    static let hopByHop: UInt8 = 0
    static let routing: UInt8 = 43
    static let fragmentHeader: UInt8 = 44
    static let destinationOptions: UInt8 = 60

    /// Reads the IPv6 header at `offset` of a frame's bytes and walks its
    /// extension headers up to the first other Next Header (ESP, AH, UDP, ...),
    /// or up to a Fragment header of a fragment.
    ///
    /// Returns the header facts and the payload after the last header walked,
    /// up to Payload Length or to the end of the captured bytes.
    static func decodeIPv6(_ frame: ArraySlice<UInt8>, at offset: Int) throws(CaptureError)
        -> (header: IPHeaderInfo, payload: ArraySlice<UInt8>)
    {
        let packet = frame.suffix(from: offset)
        func error(_ kind: CaptureError.Kind, _ at: Int, _ reason: String) -> CaptureError {
            CaptureError(kind, layer: .ipv6, offset: offset + at, reason: reason)
        }
        guard packet.count >= 40, let first = packet.byte(at: 0) else {
            throw error(.truncated, 0, "IPv6 header needs 40 bytes, \(packet.count) captured")
        }
        guard first >> 4 == 6 else { throw error(.malformed, 0, "version \(first >> 4) in an IPv6 header") }
        let payloadLength = Int(packet.uint16(at: 4) ?? 0)
        // Payload Length 0 announces a jumbogram (RFC 2675): take what was captured.
        let end = payloadLength == 0 ? packet.count : min(40 + payloadLength, packet.count)
        var nextHeader = packet.byte(at: 6) ?? 0
        var position = 40
        var fragment: IPFragmentInfo?
        walk: while true {
            switch nextHeader {
            case hopByHop, routing, destinationOptions:
                guard position + 2 <= end, let next = packet.byte(at: position), let units = packet.byte(at: position + 1)
                else { throw error(.truncated, position, "extension header \(nextHeader) needs 2 bytes") }
                let length = (Int(units) + 1) * 8
                guard position + length <= end else {
                    throw error(.truncated, position, "extension header \(nextHeader) of \(length) bytes, \(end - position) left")
                }
                nextHeader = next
                position += length
            case fragmentHeader:
                guard position + 8 <= end, let next = packet.byte(at: position),
                      let offsetAndFlags = packet.uint16(at: position + 2),
                      let identification = packet.uint32(at: position + 4)
                else { throw error(.truncated, position, "fragment header needs 8 bytes, \(end - position) left") }
                let info = IPFragmentInfo(
                    identification: identification,
                    offset: Int(offsetAndFlags >> 3) * 8,
                    moreFragments: offsetAndFlags & 1 != 0
                )
                fragment = info
                nextHeader = next
                position += 8
                if info.isFragment { break walk }
            default:
                break walk
            }
        }
        let header = IPHeaderInfo(
            version: 6,
            source: IPAddress(header: packet.bytes(at: 8, length: 16)),
            destination: IPAddress(header: packet.bytes(at: 24, length: 16)),
            protocolNumber: nextHeader,
            hopLimit: packet.byte(at: 7) ?? 0,
            headerLength: position,
            fragment: fragment
        )
        return (header, packet.bytes(at: position, length: end - position) ?? [])
    }
}
