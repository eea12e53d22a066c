// RFC 3948 §2.2 Non-ESP Marker and §2.3 NAT-Keepalive, on UDP port 4500
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |        Source Port            |      Destination Port         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |           Length              |           Checksum            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                      Non-ESP Marker (0)                       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                      IKE header ...                           |

/// What a UDP datagram on a NAT-T port carries (RFC 3948 §2).
public enum UDPEncapsulated: Equatable, Sendable {
    /// An IKE message after the 4-byte non-ESP marker; the slice starts at the ISAKMP header.
    case ike(ArraySlice<UInt8>)
    /// An ESP packet (its first four bytes are the non-zero SPI).
    case esp(ArraySlice<UInt8>)
    /// The one-byte 0xFF NAT-keepalive (RFC 3948 §2.3).
    case keepalive
    /// Anything else: too short to be ESP, or a keepalive-sized byte other than 0xFF.
    case invalid(String)

    /// The 4-byte non-ESP marker that precedes IKE on port 4500.
    public static let nonESPMarker: [UInt8] = [0, 0, 0, 0]

    /// What a NAT-T payload is, without its bytes: ``kind(_:)``'s answer.
    public enum Kind: Sendable, Hashable {
        /// IKE behind the non-ESP marker.
        case ike
        /// ESP.
        case esp
        /// The 0xFF NAT-keepalive.
        case keepalive
        /// Neither.
        case invalid
    }

    /// The rule of RFC 3948 §2.2-2.3, the one place it is written: a single 0xFF byte is a
    /// keepalive, four zero bytes (the non-ESP marker) start IKE, a non-zero SPI with at least a
    /// sequence number after it (§2.1) is ESP, anything else is invalid. Reads the payload in
    /// place, so the data plane's receive loop can call it per packet.
    public static func kind(_ payload: UnsafeRawBufferPointer) -> Kind {
        if payload.count == 1 { return payload[0] == 0xff ? .keepalive : .invalid }
        guard payload.count >= 4 else { return .invalid }
        if payload[0] | payload[1] | payload[2] | payload[3] == 0 { return .ike }
        return payload.count >= 8 ? .esp : .invalid
    }

    /// Classifies the payload of a UDP datagram received on a NAT-T port (``kind(_:)``), with
    /// the IKE message or ESP packet it carries and why it is invalid.
    public static func classify(_ payload: ArraySlice<UInt8>) -> UDPEncapsulated {
        switch payload.withUnsafeBytes(kind) {
        case .keepalive: return .keepalive
        case .ike: return .ike(payload.dropFirst(4))
        case .esp: return .esp(payload)
        case .invalid:
            if payload.count == 1 { return .invalid("a one-byte datagram that is not the 0xFF keepalive") }
            return .invalid("\(payload.count) bytes: shorter than " + (payload.count < 4 ? "an SPI" : "an ESP header"))
        }
    }
}
