/// Text forms of IPv4 and IPv6 addresses as tshark and strongSwan print them.
public enum IPAddressText {
    /// Dotted quad for 4 bytes, RFC 5952 for 16 bytes, hex otherwise.
    public static func format<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let b = Array(bytes)
        if b.count == 4 { return b.map(String.init).joined(separator: ".") }
        guard b.count == 16 else { return b.hexString }
        let groups = (0..<8).map { UInt16(b[2 * $0]) << 8 | UInt16(b[2 * $0 + 1]) }
        // RFC 5952 §4.2: compress the longest run (length ≥ 2) of zero groups, the first on ties.
        var best = (start: -1, length: 0)
        var i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > best.length && j - i >= 2 { best = (i, j - i) }
                i = j
            } else { i += 1 }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.start >= 0 else { return hex.joined(separator: ":") }
        let head = hex[..<best.start].joined(separator: ":")
        let tail = hex[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }

    /// The prefix length of a contiguous netmask, nil if the mask has holes.
    public static func prefixLength(_ mask: [UInt8]) -> Int? {
        var bits = 0
        var ended = false
        for byte in mask {
            for k in (0..<8).reversed() {
                if byte >> k & 1 == 1 {
                    if ended { return nil }
                    bits += 1
                } else { ended = true }
            }
        }
        return bits
    }
}
