// RFC 768 (UDP):
//
//    0      7 8     15 16    23 24    31
//   +--------+--------+--------+--------+
//   |     Source      |   Destination   |
//   |      Port       |      Port       |
//   +--------+--------+--------+--------+
//   |                 |                 |
//   |     Length      |    Checksum     |
//   +--------+--------+--------+--------+

/// The transport-level content of an IP packet that is not a fragment.
public enum Transport: Hashable, Sendable {
    /// UDP (IP protocol 17): ports and the payload up to the UDP Length (or the end of the captured bytes).
    case udp(sourcePort: UInt16, destinationPort: UInt16, payload: ArraySlice<UInt8>)
    /// ESP (IP protocol 50, RFC 4303): the IP payload, starting with the SPI.
    case esp(payload: ArraySlice<UInt8>)
    /// AH (IP protocol 51, RFC 4302): the IP payload, starting with the AH header.
    case ah(payload: ArraySlice<UInt8>)
    /// Any other protocol, not decoded.
    case other(protocolNumber: UInt8)
}

/// A frame decoded down to its transport: link, IP header and transport, as far as each goes.
public struct DecodedPacket: Hashable, Sendable {
    /// The frame number this packet came from (1-based, as tshark numbers frames).
    public var frameIndex: Int
    /// EtherType (Ethernet, Linux cooked) or address family (loopback); nil for raw IP and unknown link types.
    public var linkProtocol: UInt32?
    /// The VLAN IDs of the 802.1Q / 802.1ad tags, outermost first.
    public var vlanIDs: [UInt16]
    /// The outermost IP header, or nil when the frame does not carry IP or its IP header is unreadable.
    public var ip: IPHeaderInfo?
    /// The bytes after the IP header (IPv6: after the extension headers walked), up to the
    /// IP length or the end of the captured bytes; for a fragment, the fragment's data.
    public var ipPayload: ArraySlice<UInt8>?
    /// The transport content, or nil for non-IP frames, IP fragments and unreadable headers.
    public var transport: Transport?
    /// The first truncated or malformed header met; every layer before it is filled in.
    public var error: CaptureError?

    /// `"ip:port"` of the UDP source (`"[v6]:port"` for IPv6), or the bare address for other IP packets.
    public var sourceDescription: String? {
        guard let ip else { return nil }
        if case .udp(let port, _, _) = transport { return ip.source.formatted(port: port) }
        return ip.source.description
    }

    /// `"ip:port"` of the UDP destination (`"[v6]:port"` for IPv6), or the bare address for other IP packets.
    public var destinationDescription: String? {
        guard let ip else { return nil }
        if case .udp(_, let port, _) = transport { return ip.destination.formatted(port: port) }
        return ip.destination.description
    }
}

/// Decodes captured frames down to UDP, ESP or AH.
public enum PacketDecoder {
    /// UDP, RFC 768.
    public static let udpProtocol: UInt8 = 17
    /// ESP, RFC 4303.
    public static let espProtocol: UInt8 = 50
    /// AH, RFC 4302.
    public static let ahProtocol: UInt8 = 51

    /// Decodes a frame. Never traps: a truncated or malformed header stops the
    /// decoding at its layer and is reported in `error`, with the layers before it filled in.
    public static func decode(_ frame: CapturedFrame) -> DecodedPacket {
        var packet = DecodedPacket(frameIndex: frame.index, linkProtocol: nil, vlanIDs: [], ip: nil, ipPayload: nil, transport: nil, error: nil)
        do throws(CaptureError) {
            let link = try LinkHeader.decode(frame.bytes, linkType: frame.linkType)
            packet.linkProtocol = link.protocolType
            packet.vlanIDs = link.vlanIDs
            let header: IPHeaderInfo, payload: ArraySlice<UInt8>
            switch link.network {
            case .ipv4: (header, payload) = try IPHeaderInfo.decodeIPv4(frame.bytes, at: link.payloadOffset)
            case .ipv6: (header, payload) = try IPHeaderInfo.decodeIPv6(frame.bytes, at: link.payloadOffset)
            case .other: return packet
            }
            packet.ip = header
            packet.ipPayload = payload
            if header.fragment?.isFragment == true { return packet }
            let payloadOffset = payload.startIndex - frame.bytes.startIndex
            packet.transport = try transport(header.protocolNumber, payload, at: payloadOffset)
        } catch {
            var located = error
            located.frame = frame.index
            packet.error = located
        }
        return packet
    }

    /// Decodes an IP payload; `offset` locates it in its frame for error reports.
    public static func transport(_ protocolNumber: UInt8, _ payload: ArraySlice<UInt8>, at offset: Int)
        throws(CaptureError) -> Transport
    {
        switch protocolNumber {
        case espProtocol: return .esp(payload: payload)
        case ahProtocol: return .ah(payload: payload)
        case udpProtocol:
            guard let source = payload.uint16(at: 0), let destination = payload.uint16(at: 2),
                  let length = payload.uint16(at: 4), payload.count >= 8 else {
                throw CaptureError(.truncated, layer: .udp, offset: offset,
                                   reason: "UDP header needs 8 bytes, \(payload.count) in the IP payload")
            }
            // Length 0 is legal only in an IPv6 jumbogram (RFC 2675 §4): the payload runs to the end.
            guard length >= 8 || length == 0 else {
                throw CaptureError(.malformed, layer: .udp, offset: offset + 4, reason: "UDP length \(length) is below 8")
            }
            let end = length == 0 ? payload.count : min(Int(length), payload.count)
            return .udp(sourcePort: source, destinationPort: destination, payload: payload.bytes(at: 8, length: end - 8) ?? [])
        default:
            return .other(protocolNumber: protocolNumber)
        }
    }
}
