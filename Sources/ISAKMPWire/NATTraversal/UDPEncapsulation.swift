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

    /// Classifies the payload of a UDP datagram received on a NAT-T port.
    public static func classify(_ payload: ArraySlice<UInt8>) -> UDPEncapsulated {
        if payload.count == 1 {
            return payload.first == 0xff ? .keepalive : .invalid("a one-byte datagram that is not the 0xFF keepalive")
        }
        guard payload.count >= 4 else { return .invalid("\(payload.count) bytes: shorter than an SPI") }
        if payload.prefix(4).allSatisfy({ $0 == 0 }) { return .ike(payload.dropFirst(4)) }
        // RFC 3948 §2.1: an ESP header is at least SPI + sequence number.
        guard payload.count >= 8 else { return .invalid("\(payload.count) bytes: shorter than an ESP header") }
        return .esp(payload)
    }
}
