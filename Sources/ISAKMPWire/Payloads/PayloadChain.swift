/// Decoding and encoding of a chain of payloads linked by Next Payload (RFC 2408 §3.2).
public enum PayloadChain {
    /// Decodes payloads starting with `first` until Next Payload is NONE.
    ///
    /// Bytes after the last payload are returned as `trailing`: in a decrypted
    /// message they are the CBC padding (RFC 2409 Appendix B).
    /// - Parameters:
    ///   - bytes: the chain; offsets in errors count from `base` (default: its start).
    ///   - first: the type of the first payload (the header's Next Payload).
    ///   - base: the offset of `bytes` in the message, for error messages.
    public static func decode(_ bytes: ArraySlice<UInt8>, first: PayloadType,
                              base: Int? = nil) throws(WireError) -> (payloads: [Payload], trailing: [UInt8]) {
        var r = ByteReader(bytes, base: base)
        var next = first
        var payloads: [Payload] = []
        payloads.reserveCapacity(8)   // most messages carry fewer; growing from empty cost 3-4 allocations
        while next != .none {
            // Named only when an error needs it: building the name for every field costs more than decoding.
            let index = payloads.count, type = next
            func field() -> String { "payload[\(index)](\(type.name ?? "\(type.rawValue)"))" }
            let start = r.offset
            let following = PayloadType(rawValue: try r.u8(field() + ".next_payload"))
            let reserved = try r.u8(field() + ".reserved")
            let length = Int(try r.u16(field() + ".length"))
            let body = try r.region(length: length, consumed: r.offset - start, field() + ".length")
            payloads.append(try Payload.decode(type: next, reserved: reserved, body: body, field: field()))
            next = following
        }
        return (payloads, r.rest())
    }

    /// Encodes payloads with their generic headers, each pointing at the next.
    public static func encode(_ payloads: some Collection<Payload>) -> [UInt8] {
        var w = ByteWriter(reserving: ByteWriter.messageReserve)
        encode(payloads, into: &w)
        return w.bytes
    }

    static func encode(_ payloads: some Collection<Payload>, into w: inout ByteWriter) {
        var i = payloads.startIndex
        while i != payloads.endIndex {
            let p = payloads[i]
            payloads.formIndex(after: &i)
            let start = w.bytes.count
            w.u8(i == payloads.endIndex ? PayloadType.none.rawValue : payloads[i].type.rawValue)
            w.u8(p.reserved)
            let lengthAt = w.lengthPlaceholder()
            p.encodeBody(into: &w)
            w.patchLength(at: lengthAt, from: start)
        }
    }
}
