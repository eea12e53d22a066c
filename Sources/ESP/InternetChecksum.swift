/// The Internet checksum (RFC 1071): the one's-complement sum of 16-bit big-endian words, as IPv4
/// headers, TCP, UDP and ICMP carry it. The data plane sums whole segments with it, so it adds
/// eight bytes per step: a one's-complement sum does not depend on the byte order it is taken in
/// (RFC 1071 §2(B)), so it sums native words and swaps once at the end.
public struct InternetChecksum: Sendable {
    /// Sum of native-order 32-bit halves; 64 bits hold 2^32 of them before a carry could be lost.
    private var native: UInt64 = 0
    /// Sum of big-endian 16-bit words added with ``add(_:)-(UInt32)``.
    private var wordSum: UInt64 = 0
    /// True when an odd number of bytes has been added: the next byte is the low half of a word.
    private var odd = false

    /// An empty sum.
    public init() {}

    /// Adds `bytes`, continuing the word stream where the previous call ended.
    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress, bytes.count > 0 else { return }
        var n = bytes.count
        if odd {
            wordSum &+= UInt64(p.load(as: UInt8.self))
            p += 1
            n -= 1
            odd = false
        }
        while n >= 8 {
            let v = p.loadUnaligned(as: UInt64.self)
            native &+= (v & 0xffff_ffff) &+ (v >> 32)
            p += 8
            n -= 8
        }
        if n >= 4 {
            native &+= UInt64(p.loadUnaligned(as: UInt32.self))
            p += 4
            n -= 4
        }
        if n >= 2 {
            native &+= UInt64(p.loadUnaligned(as: UInt16.self))
            p += 2
            n -= 2
        }
        if n == 1 {
            wordSum &+= UInt64(p.load(as: UInt8.self)) << 8
            odd = true
        }
    }

    /// Adds a 32-bit value as two big-endian 16-bit words (a pseudo-header's length or protocol).
    public mutating func add(_ word: UInt32) { wordSum &+= UInt64(word >> 16) &+ UInt64(word & 0xFFFF) }

    /// The sum folded to 16 bits, not complemented: what a checksum field holds for a partial
    /// (offloaded) checksum, which the device completes over the data that follows.
    public var folded: UInt16 {
        let nativeWords = UInt16(bigEndian: Self.fold(native))   // the native sum's value as big-endian words
        return Self.fold(UInt64(nativeWords) &+ wordSum)
    }

    /// The checksum to store: the complement of the folded sum.
    public func finish() -> UInt16 { ~folded }

    private static func fold(_ value: UInt64) -> UInt16 {
        var s = value
        while s >> 16 != 0 { s = (s & 0xFFFF) &+ (s >> 16) }
        return UInt16(s)
    }
}
