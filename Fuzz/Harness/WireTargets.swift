import ISAKMPWire

/// The ISAKMP decoder on arbitrary datagrams (after any non-ESP marker). Invariant: whatever
/// decodes re-encodes to exactly the input (DESIGN.md: encode(decode(bytes)) == bytes).
enum ISAKMPTarget {
    static func run(_ bytes: [UInt8]) throws(FuzzViolation) -> FuzzOutcome {
        var body = bytes[...]
        if case .ike(let ike) = UDPEncapsulated.classify(body) { body = ike }
        let m: ISAKMPMessage
        do { m = try ISAKMPMessage.decode(body) } catch { return .rejected(error) }
        try FuzzViolation.check(m.encode() == Array(body), "decode/encode round trip changed the bytes")
        for payload in m.payloads ?? [] { _ = payload.body }
        return .accepted
    }
}

/// A decrypted payload chain: the first byte is the first payload's type, the rest the plaintext.
/// Invariant: a decoded chain re-encodes to its bytes followed by the trailing bytes.
enum PayloadChainTarget {
    static func run(_ bytes: [UInt8]) throws(FuzzViolation) -> FuzzOutcome {
        guard let first = bytes.first else { return .accepted }
        let payloads: [Payload], trailing: [UInt8]
        do { (payloads, trailing) = try PayloadChain.decode(bytes.dropFirst(), first: PayloadType(rawValue: first)) } catch {
            return .rejected(error)
        }
        if !payloads.isEmpty {
            try FuzzViolation.check(PayloadChain.encode(payloads) + trailing == Array(bytes.dropFirst()),
                                    "payload chain round trip changed the bytes")
        }
        return .accepted
    }
}
