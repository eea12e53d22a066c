/// An IPv4 or IPv6 address as raw bytes, printed the way tshark prints it.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    /// Creates an address from 4 (IPv4) or 16 (IPv6) bytes; nil for any other length.
    public init?<Bytes: Collection<UInt8>>(bytes: Bytes) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = Array(bytes)
    }

    /// An address from a header field the caller has already bounds-checked.
    init(header bytes: ArraySlice<UInt8>?) {
        let field = bytes ?? []
        precondition(field.count == 4 || field.count == 16, "address field of \(field.count) bytes")
        self.bytes = Array(field)
    }

    /// 4 or 6.
    public var version: Int { bytes.count == 4 ? 4 : 6 }

    /// Dotted decimal for IPv4 (`192.0.2.1`); for IPv6 the RFC 5952 compressed
    /// lowercase form (`2001:db8::1`), with the embedded IPv4 notation for
    /// IPv4-mapped and IPv4-compatible addresses as `inet_ntop` and tshark print them.
    public var description: String {
        if bytes.count == 4 { return Self.dotted(bytes[...]) }
        let words = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        // The longest run of two or more zero words, the first one on a tie (RFC 5952 §4.2).
        var best: (start: Int, length: Int) = (-1, 0)
        var index = 0
        while index < 8 {
            guard words[index] == 0 else { index += 1; continue }
            var end = index
            while end < 8, words[end] == 0 { end += 1 }
            if end - index > best.length, end - index >= 2 { best = (index, end - index) }
            index = end
        }
        let embedsIPv4 = best.start == 0 && (best.length == 6 || (best.length == 5 && words[5] == 0xffff))
        var text = ""
        index = 0
        while index < 8 {
            if index == best.start {
                text += index == 0 ? "::" : ":"
                index += best.length
                continue
            }
            if embedsIPv4, index == 6 {
                text += Self.dotted(bytes[12..<16])
                break
            }
            text += String(words[index], radix: 16)
            if index < 7 { text += ":" }
            index += 1
        }
        return text
    }

    /// `"192.0.2.1:500"` for IPv4, `"[2001:db8::1]:500"` for IPv6.
    public func formatted(port: UInt16) -> String {
        version == 4 ? "\(self):\(port)" : "[\(self)]:\(port)"
    }

    private static func dotted(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.map { String($0) }.joined(separator: ".")
    }
}
