/// Text forms of IPv4 and IPv6 addresses as tshark and strongSwan print them, and their parser.
public enum IPAddressText {
    /// The 4 bytes of a dotted quad or the 16 of an IPv6 address in any RFC 4291 §2.2 form
    /// (`::` compression, a dotted-quad tail); nil when malformed. Octets with leading zeros
    /// are refused, as glibc's `inet_pton` refuses them (they read as octal elsewhere).
    public static func parse(_ text: some StringProtocol) -> [UInt8]? {
        let text = Substring(text)
        return text.contains(":") ? ipv6(text) : ipv4(text)
    }

    static func ipv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for p in parts {
            guard (1...3).contains(p.count), p.allSatisfy({ $0.isASCII && $0.isNumber }),
                  p.count == 1 || p.first != "0", let v = UInt8(p) else { return nil }
            bytes.append(v)
        }
        return bytes
    }

    static func ipv6(_ text: Substring) -> [UInt8]? {
        /// 16-bit groups separated by `:`; the last may be a dotted quad when `tail`.
        func groups(_ s: Substring, tail: Bool) -> [UInt8]? {
            if s.isEmpty { return [] }
            let fields = s.split(separator: ":", omittingEmptySubsequences: false)
            var bytes: [UInt8] = []
            for (i, f) in fields.enumerated() {
                if tail, i == fields.count - 1, f.contains(".") {
                    guard let quad = ipv4(f) else { return nil }
                    bytes += quad
                } else {
                    guard (1...4).contains(f.count), f.allSatisfy(\.isHexDigit), let v = UInt16(f, radix: 16) else { return nil }
                    bytes += [UInt8(v >> 8), UInt8(v & 0xff)]
                }
            }
            return bytes
        }
        guard let gap = text.firstRange(of: "::") else {
            guard let all = groups(text, tail: true), all.count == 16 else { return nil }
            return all
        }
        let head = text[..<gap.lowerBound], rest = text[gap.upperBound...]
        // `::` stands for one or more zero groups, once.
        guard let h = groups(head, tail: false), let t = groups(rest, tail: true), h.count + t.count <= 14 else { return nil }
        return h + [UInt8](repeating: 0, count: 16 - h.count - t.count) + t
    }

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
