public import ISAKMPWire

/// One side of a Quick Mode's traffic: an address, subnet or range, with protocol and port
/// (RFC 2409 §5.5 client identities, RFC 2407 §4.6.2). Written and printed in swanctl's
/// notation (``init(notation:dynamic:)``): `10.1.0.0/24[gre]`, `192.0.2.1[udp/1701]`.
public struct TrafficSelector: Hashable, Sendable, CustomStringConvertible {
    /// `.ipv4`, `.ipv4Subnet`, `.ipv4Range` or their IPv6 forms.
    public var identity: Identity
    /// IP protocol, 0 = any.
    public var ipProtocol: UInt8
    /// Port, 0 = any.
    public var port: UInt16

    /// Creates a selector.
    public init(_ identity: Identity, ipProtocol: UInt8 = 0, port: UInt16 = 0) {
        self.identity = identity
        self.ipProtocol = ipProtocol
        self.port = port
    }

    /// The selector a peer's client ID payload names; nil when its identity is not an address,
    /// subnet or range (RFC 2407 §4.6.2: only those select traffic).
    init?(_ payload: IdentificationPayload) {
        guard let identity = payload.identity else { return nil }
        self.init(identity, ipProtocol: payload.protocolID, port: payload.port)
        guard bounds != nil else { return nil }
    }

    var payload: IdentificationPayload { IdentificationPayload(identity, protocolID: ipProtocol, port: port) }

    /// The first and last address selected, read byte by byte from the identity's own arrays:
    /// Quick Mode compares selectors on every exchange, and building the addresses of a subnet
    /// would cost two arrays each time.
    struct Bounds {
        /// The address and, for a subnet, its mask; for a range, its first and last address.
        private let a: [UInt8], b: [UInt8]
        private let subnet: Bool
        /// Bytes per address: 4 or 16.
        var count: Int { a.count }

        /// nil when `identity` is not an address, subnet or range, or its two halves differ in length.
        init?(_ identity: Identity) {
            switch identity {
            case .ipv4(let x), .ipv6(let x): (a, b, subnet) = (x, x, false)
            case .ipv4Subnet(let x, let m), .ipv6Subnet(let x, let m): (a, b, subnet) = (x, m, true)
            case .ipv4Range(let f, let l), .ipv6Range(let f, let l): (a, b, subnet) = (f, l, false)
            default: return nil
            }
            guard a.count == b.count else { return nil }
        }

        /// Byte `i` of the first address, network order.
        func first(_ i: Int) -> UInt8 { subnet ? a[i] & b[i] : a[i] }
        /// Byte `i` of the last address.
        func last(_ i: Int) -> UInt8 { subnet ? a[i] | ~b[i] : b[i] }
        /// The first address.
        var firstAddress: [UInt8] { (0..<count).map(first) }
        /// The last address.
        var lastAddress: [UInt8] { (0..<count).map(last) }

        /// x < y for two addresses of `count` bytes given byte by byte, as unsigned big-endian numbers.
        static func precedes(_ count: Int, _ x: (Int) -> UInt8, _ y: (Int) -> UInt8) -> Bool {
            for i in 0..<count where x(i) != y(i) { return x(i) < y(i) }
            return false
        }
    }

    /// The addresses selected; nil when the identity is not an address, subnet or range.
    var bounds: Bounds? { Bounds(identity) }

    /// True when everything `other` selects is selected by us: its addresses within ours (same
    /// family, a range that is not empty), and our protocol and port any (0) or the same as its.
    /// charon's `is_contained_in`, which its Quick Mode uses to accept a narrowed selector.
    public func covers(_ other: TrafficSelector) -> Bool {
        guard let mine = bounds, let theirs = other.bounds, mine.count == theirs.count,
              !Bounds.precedes(mine.count, theirs.last, theirs.first),
              !Bounds.precedes(mine.count, theirs.first, mine.first), !Bounds.precedes(mine.count, mine.last, theirs.last) else {
            return false
        }
        return (ipProtocol == 0 || ipProtocol == other.ipProtocol) && (port == 0 || port == other.port)
    }

    /// The selected addresses as the fewest subnets that cover exactly them, e.g. for routes:
    /// an address or subnet is itself; `10.1.0.1-10.1.0.6` is 10.1.0.1/32, 10.1.0.2/31, 10.1.0.4/31,
    /// 10.1.0.6/32. Empty when the identity is not an address.
    public var subnets: [Identity] {
        switch identity {
        case .ipv4, .ipv6, .ipv4Subnet, .ipv6Subnet: return [identity]
        case .ipv4Range, .ipv6Range: break
        default: return []
        }
        guard let bounds else { return [] }
        let (first, last) = (bounds.firstAddress, bounds.lastAddress)
        guard !last.lexicographicallyPrecedes(first) else { return [] }
        let bits = first.count * 8
        var blocks: [Identity] = []
        var start = first
        while true {
            // The largest block aligned at `start` that ends at or before `last`.
            var size = Self.trailingZeroBits(start)
            while size > 0 && last.lexicographicallyPrecedes(Self.settingLowBits(start, size)) { size -= 1 }
            let mask = Self.mask(prefixLength: bits - size, bytes: first.count)
            blocks.append(first.count == 4 ? .ipv4Subnet(address: start, mask: mask) : .ipv6Subnet(address: start, mask: mask))
            let end = Self.settingLowBits(start, size)
            if end == last { return blocks }
            start = Self.successor(end)
        }
    }

    /// swanctl's notation, which ``init(notation:dynamic:)`` reads back: the address, subnet
    /// (`a/len`) or range (`a-b`), then `[proto]` or `[proto/port]` when either is set.
    public var description: String {
        var text: String
        switch identity {
        case .ipv4Range(let a, let b), .ipv6Range(let a, let b): text = "\(IPAddressText.format(a))-\(IPAddressText.format(b))"
        default: text = identity.description
        }
        guard ipProtocol != 0 || port != 0 else { return text }
        text += "[" + Self.protocolName(ipProtocol)
        if port != 0 { text += "/\(port)" }
        return text + "]"
    }

    /// A netmask of `prefixLength` leading ones.
    static func mask(prefixLength: Int, bytes: Int) -> [UInt8] {
        (0..<bytes).map { i in
            let ones = min(max(prefixLength - 8 * i, 0), 8)
            return ones == 0 ? 0 : ~UInt8(0) << (8 - ones)
        }
    }

    static func trailingZeroBits(_ a: [UInt8]) -> Int {
        var n = 0
        for byte in a.reversed() {
            if byte != 0 { return n + byte.trailingZeroBitCount }
            n += 8
        }
        return n
    }

    static func settingLowBits(_ a: [UInt8], _ count: Int) -> [UInt8] {
        var r = a
        for i in r.indices {
            let fromEnd = (r.count - 1 - i) * 8
            let ones = min(max(count - fromEnd, 0), 8)
            if ones > 0 { r[i] |= UInt8(truncatingIfNeeded: (1 << ones) - 1) }
        }
        return r
    }

    /// `a + 1`; only called below the family's last address.
    static func successor(_ a: [UInt8]) -> [UInt8] {
        var r = a
        for i in r.indices.reversed() {
            r[i] &+= 1
            if r[i] != 0 { break }
        }
        return r
    }
}
