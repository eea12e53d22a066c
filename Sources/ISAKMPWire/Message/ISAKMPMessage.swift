/// An ISAKMP message: the header and either the payload chain or, with the
/// encryption flag set, the ciphertext that the crypto layer decrypts.
public struct ISAKMPMessage: Hashable, Sendable {
    /// What follows the header.
    public enum Body: Hashable, Sendable {
        /// Cleartext payloads; `trailing` holds bytes after the last payload inside the declared length.
        case payloads([Payload], trailing: [UInt8])
        /// The encrypted payloads (RFC 2408 §3.1 flag E). Decrypt with the Phase-1
        /// key and IV, then decode with ``decodeDecrypted(_:)``.
        case encrypted([UInt8])
    }

    /// The header; `encode()` derives its length and E flag from the body, and for cleartext its next
    /// payload too.
    public var header: ISAKMPHeader
    /// The payload chain, or the ciphertext when the E flag is set.
    public var body: Body
    /// Bytes of the datagram after the length the header declares.
    public var excess: [UInt8]

    /// A cleartext message; the header's next-payload, length and E flag are set by the encoder.
    public init(header: ISAKMPHeader, payloads: [Payload]) {
        self.header = header
        self.body = .payloads(payloads, trailing: [])
        self.excess = []
    }

    /// A message with any body.
    public init(header: ISAKMPHeader, body: Body, excess: [UInt8] = []) {
        self.header = header
        self.body = body
        self.excess = excess
    }

    /// The cleartext payloads, or nil while the body is encrypted.
    public var payloads: [Payload]? {
        if case .payloads(let p, _) = body { p } else { nil }
    }

    /// Decodes one IKEv1 message from a UDP payload (after any non-ESP marker).
    ///
    /// Decoding is total: any input gives a message or a ``WireError``.
    public static func decode(_ bytes: some Collection<UInt8>) throws(WireError) -> ISAKMPMessage {
        let slice = ArraySlice(bytes)
        var r = ByteReader(slice)
        let header = try ISAKMPHeader.decode(&r)
        guard header.majorVersion == 1 else {
            throw WireError(.unsupportedVersion, field: "header.version", offset: 17,
                            reason: "ISAKMP version \(header.majorVersion).\(header.minorVersion); IKEv1 is 1.0")
        }
        let length = Int(header.length)
        guard length >= ISAKMPHeader.size else {
            throw WireError(.badLength, field: "header.length", offset: 24,
                            reason: "length \(length) is shorter than the 28-byte header")
        }
        guard length <= slice.count else {
            throw WireError(.truncated, field: "header.length", offset: 24,
                            reason: "length \(length) exceeds the \(slice.count)-byte datagram")
        }
        let bodyBytes = slice[(slice.startIndex + ISAKMPHeader.size)..<(slice.startIndex + length)]
        let excess = Array(slice[(slice.startIndex + length)...])
        // A fragment message is never encrypted, though racoon sets the E flag on it (``FragmentMessage``).
        if header.flags.contains(.encryption) && header.nextPayload != .fragment {
            return ISAKMPMessage(header: header, body: .encrypted(Array(bodyBytes)), excess: excess)
        }
        let (payloads, trailing) = try PayloadChain.decode(bodyBytes, first: header.nextPayload, base: slice.startIndex)
        return ISAKMPMessage(header: header, body: .payloads(payloads, trailing: trailing), excess: excess)
    }

    /// Decodes the plaintext of an encrypted message's body into payloads and padding.
    public func decodeDecrypted(_ plaintext: some Collection<UInt8>) throws(WireError) -> (payloads: [Payload], padding: [UInt8]) {
        let chain = try PayloadChain.decode(ArraySlice(plaintext), first: header.nextPayload)
        return (chain.payloads, chain.trailing)
    }

    /// Encodes the message. For a cleartext body the header's next payload, E flag and
    /// length are derived from the body (a fragment message keeps the E flag it was given, see
    /// ``FragmentMessage``); an encrypted body is written as given.
    public func encode() -> [UInt8] {
        // One buffer: the header (its length patched at the end), then the body written in place.
        // An encrypted body's size is known: exactly that much, as such messages are the ones the
        // duplicate caches keep; a payload chain gets room for a typical message.
        let reserve: Int
        switch body {
        case .payloads: reserve = ByteWriter.messageReserve
        case .encrypted(let ciphertext): reserve = ISAKMPHeader.size + ciphertext.count + excess.count
        }
        var w = ByteWriter(reserving: reserve)
        var h = header
        switch body {
        case .payloads(let payloads, let trailing):
            h.nextPayload = payloads.first?.type ?? .none
            if h.nextPayload != .fragment { h.flags.remove(.encryption) }
            h.encode(into: &w)
            PayloadChain.encode(payloads, into: &w)
            w.append(trailing)
        case .encrypted(let ciphertext):
            h.flags.insert(.encryption)
            h.encode(into: &w)
            w.append(ciphertext)
        }
        w.patchU32(at: ISAKMPHeader.size - 4, UInt32(w.bytes.count))
        w.append(excess)
        return w.bytes
    }

    /// Encodes the payload chain alone, to be encrypted (the caller pads it).
    public static func encodePayloads(_ payloads: [Payload]) -> [UInt8] {
        PayloadChain.encode(payloads)
    }
}
