public import ISAKMPWire

/// Splits an encoded IKEv1 message into fragment messages (payload 132) as strongSwan's charon
/// does (5.9, `message.c` `fragment` and `create_fragment`): only when the message does not fit
/// the configured datagram size, after it is encrypted, into pieces of equal size but the last.
public enum IKEFragmenter {
    /// charon's `fragment_size` default: the largest IP datagram an IKE message may make, headers included.
    public static let defaultDatagramSize = 1280
    /// The fragment ID charon writes in every fragment of every message.
    public static let charonFragmentID: UInt16 = 1

    /// The largest ISAKMP message that goes whole in a `maxDatagramSize`-byte IP datagram: what
    /// the IP header (IPv4 20 bytes, IPv6 40), UDP (8) and, on the NAT-T port, the non-ESP
    /// marker (4) leave.
    public static func room(maxDatagramSize: Int, ipv6: Bool, nonESPMarker: Bool) -> Int {
        maxDatagramSize - (ipv6 ? 40 : 20) - 8 - (nonESPMarker ? UDPEncapsulated.nonESPMarker.count : 0)
    }

    /// The datagrams (ISAKMP bytes, without the non-ESP marker) that carry `message`: the
    /// message itself when its datagram is no larger than `maxDatagramSize`, else its fragment
    /// messages, numbered from 1, the last flagged.
    ///
    /// Each fragment message, its IP and UDP headers (IPv4 20 bytes, IPv6 40, UDP 8) and, on
    /// the NAT-T port, the 4-byte non-ESP marker fit in `maxDatagramSize`. Its header carries
    /// the message's cookies, `phase1Exchange` (Main or Aggressive Mode: charon's choice for
    /// every fragmented message, Quick Mode too), message ID 0 and no flags.
    /// - Parameters:
    ///   - message: an encoded ISAKMP message, already encrypted when it is.
    ///   - phase1Exchange: the exchange type of the ISAKMP SA's Phase 1, written in every fragment.
    ///   - maxDatagramSize: the largest IP datagram, headers included.
    ///   - ipv6: the datagram goes over IPv6 (a 40-byte IP header).
    ///   - nonESPMarker: it goes to the NAT-T port, behind the 4-byte marker.
    ///   - fragmentID: the ID every fragment of this message carries.
    /// - Throws: an ``IKEv1Error`` of kind `configuration` when `maxDatagramSize` leaves no room
    ///   for data or the message would need more than 255 fragments (the number is one octet).
    public static func datagrams(for message: [UInt8], phase1Exchange: ExchangeType,
                                 maxDatagramSize: Int = defaultDatagramSize, ipv6: Bool = false,
                                 nonESPMarker: Bool, fragmentID: UInt16 = charonFragmentID) throws(IKEv1Error) -> [[UInt8]] {
        precondition(message.count >= ISAKMPHeader.size, "an encoded ISAKMP message starts with its 28-byte header")
        let room = room(maxDatagramSize: maxDatagramSize, ipv6: ipv6, nonESPMarker: nonESPMarker)
        if message.count <= room { return [message] }
        let perFragment = room - ISAKMPHeader.size - 8
        guard perFragment >= 1 else {
            throw IKEv1Error(.configuration, "a \(maxDatagramSize)-byte datagram leaves no room for fragment data")
        }
        let count = (message.count + perFragment - 1) / perFragment
        guard count <= Int(UInt8.max) else {
            throw IKEv1Error(.configuration, "a \(message.count)-byte message needs \(count) fragments of \(perFragment) bytes; "
                             + "the limit is 255 (raise the fragment size)")
        }
        let header = ISAKMPHeader(initiatorCookie: Cookie(bytes: message[0..<8]), responderCookie: Cookie(bytes: message[8..<16]),
                                  exchangeType: phase1Exchange)
        return (1...count).map { number in
            let start = (number - 1) * perFragment
            let data = Array(message[start..<Swift.min(start + perFragment, message.count)])
            let fragment = FragmentPayload(fragmentID: fragmentID, number: UInt8(number),
                                           flags: number == count ? .lastFragment : [], data: data)
            return FragmentMessage(header: header, fragment: fragment).encode()
        }
    }
}
