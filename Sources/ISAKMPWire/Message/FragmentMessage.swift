/// A message that carries one fragment of a larger IKEv1 message (payload 132, Cisco-style
/// fragmentation): an ISAKMP header and a single FRAG payload, always in the clear.
///
/// The header carries the fragmented message's cookies. strongSwan (5.9, `message.c`
/// `create_fragment`) writes its Phase 1 exchange type (Main or Aggressive Mode), message ID 0
/// and no flags, whatever the fragmented message is, a Quick Mode included; racoon sets the E
/// flag although the payload is not encrypted (strongSwan ignores it there). The fragmented
/// message, header and all, is what the fragments' data make up together.
public struct FragmentMessage: Hashable, Sendable {
    /// The header as received or to be sent; ``encode()`` sets its next payload and length.
    public var header: ISAKMPHeader
    /// The fragment.
    public var fragment: FragmentPayload

    /// A fragment message.
    public init(header: ISAKMPHeader, fragment: FragmentPayload) {
        self.header = header
        self.fragment = fragment
    }

    /// The fragment message a decoded message is, or nil when it is none: its only payload
    /// must be a FRAG payload, with nothing after it inside the header's length.
    public init?(_ message: ISAKMPMessage) {
        guard case .payloads(let payloads, let trailing) = message.body, trailing.isEmpty,
              payloads.count == 1, case .fragment(let f) = payloads[0] else { return nil }
        self.init(header: message.header, fragment: f)
    }

    /// Decodes a fragment message from a UDP payload (after any non-ESP marker); bytes after
    /// the length the header declares are ignored, as in ``ISAKMPMessage/decode(_:)``.
    public static func decode(_ bytes: some Collection<UInt8>) throws(WireError) -> FragmentMessage {
        let message = try ISAKMPMessage.decode(bytes)
        guard message.header.nextPayload == .fragment else {
            throw WireError(.invalidValue, field: "header.next_payload", offset: 16,
                            reason: "first payload is \(message.header.nextPayload.name ?? "\(message.header.nextPayload.rawValue)"), not FRAG")
        }
        guard let fragment = FragmentMessage(message) else {
            throw WireError(.invalidValue, field: "payload[0](FRAG)", offset: ISAKMPHeader.size,
                            reason: "a fragment message carries one FRAG payload (RESERVED 0) and nothing after it")
        }
        return fragment
    }

    /// The message on the wire; flags are written as given (the E flag too).
    public func encode() -> [UInt8] {
        ISAKMPMessage(header: header, payloads: [.fragment(fragment)]).encode()
    }
}
