/// The bytes a decoded payload's body came in, kept beside its fields but not part of its
/// value: any two compare equal and hash alike, so a decoded payload equals the same payload
/// built here. nil for a payload built here, or changed since it was decoded.
struct ReceivedBody: Hashable, Sendable {
    var bytes: [UInt8]?

    static func == (_: ReceivedBody, _: ReceivedBody) -> Bool { true }
    func hash(into hasher: inout Hasher) {}

    /// The received bytes, else what `encode` writes.
    func or(_ encode: (inout ByteWriter) -> Void) -> [UInt8] {
        if let bytes { return bytes }
        var w = ByteWriter()
        encode(&w)
        return w.bytes
    }
}
