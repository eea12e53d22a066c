/// Bounds-checked big-endian reads over a slice; every failure is a ``WireError``.
///
/// Offsets in errors are relative to `base`, the start of the whole datagram,
/// so a message names the exact byte a person can find in a hex dump.
struct ByteReader {
    private(set) var bytes: ArraySlice<UInt8>
    let base: Int

    init(_ bytes: ArraySlice<UInt8>, base: Int? = nil) {
        self.bytes = bytes
        self.base = base ?? bytes.startIndex
    }

    /// Offset of the next byte from the start of the datagram.
    var offset: Int { bytes.startIndex - base }
    var remaining: Int { bytes.count }
    var isAtEnd: Bool { bytes.isEmpty }

    private func need(_ n: Int, _ field: @autoclosure () -> String) throws(WireError) {
        guard bytes.count >= n else {
            throw WireError(.truncated, field: field(), offset: offset,
                            reason: "needs \(n) bytes, \(bytes.count) left")
        }
    }

    mutating func u8(_ field: @autoclosure () -> String) throws(WireError) -> UInt8 {
        try need(1, field())
        return bytes.removeFirst()
    }

    mutating func u16(_ field: @autoclosure () -> String) throws(WireError) -> UInt16 {
        try need(2, field())
        let i = bytes.startIndex
        defer { bytes = bytes.dropFirst(2) }
        return UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])
    }

    mutating func u32(_ field: @autoclosure () -> String) throws(WireError) -> UInt32 {
        try need(4, field())
        let i = bytes.startIndex
        defer { bytes = bytes.dropFirst(4) }
        return UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
    }

    mutating func take(_ n: Int, _ field: @autoclosure () -> String) throws(WireError) -> ArraySlice<UInt8> {
        try need(n, field())
        defer { bytes = bytes.dropFirst(n) }
        return bytes.prefix(n)
    }

    mutating func bytes(_ n: Int, _ field: @autoclosure () -> String) throws(WireError) -> [UInt8] {
        Array(try take(n, field()))
    }

    mutating func rest() -> [UInt8] {
        defer { bytes = bytes.suffix(0) }
        return Array(bytes)
    }

    /// Reads the generic header of a Proposal or Transform inside an SA payload (RFC 2408
    /// §3.5-3.6): Next Payload, a RESERVED octet that must be zero, the length; returns
    /// Next Payload and a reader over the rest of this sub-payload.
    mutating func subPayload(_ field: @autoclosure () -> String) throws(WireError) -> (next: UInt8, body: ByteReader) {
        let start = offset
        let next = try u8(field() + ".next_payload")
        let reserved = try u8(field() + ".reserved")
        guard reserved == 0 else {
            throw WireError(.invalidValue, field: field() + ".reserved", offset: start + 1,
                            reason: "RESERVED is \(reserved), must be 0")
        }
        let length = Int(try u16(field() + ".length"))
        return (next, try region(length: length, consumed: offset - start, field() + ".length"))
    }

    /// Reads a length-delimited region of `length` bytes that started `consumed` bytes ago.
    ///
    /// Used for payloads whose length field counts their own header.
    mutating func region(length: Int, consumed: Int, _ field: @autoclosure () -> String) throws(WireError) -> ByteReader {
        guard length >= consumed else {
            throw WireError(.badLength, field: field(), offset: offset - consumed,
                            reason: "length \(length) is shorter than its \(consumed)-byte header")
        }
        guard length - consumed <= bytes.count else {
            throw WireError(.badLength, field: field(), offset: offset - consumed,
                            reason: "length \(length) exceeds the \(bytes.count + consumed) bytes that enclose it")
        }
        return ByteReader(try take(length - consumed, field()), base: base)
    }
}

/// Appends big-endian fields to a byte array.
struct ByteWriter {
    var bytes: [UInt8] = []

    /// Room for a typical IKE message (a MODP-2048 KE payload and its neighbours) in one allocation,
    /// instead of growing the buffer through 16, 32, ... bytes.
    static let messageReserve = 512

    init() {}

    /// A writer whose buffer has room for `capacity` bytes before it grows.
    init(reserving capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(truncatingIfNeeded: v)) }
    mutating func u32(_ v: UInt32) {
        bytes.append(UInt8(v >> 24)); bytes.append(UInt8(truncatingIfNeeded: v >> 16))
        bytes.append(UInt8(truncatingIfNeeded: v >> 8)); bytes.append(UInt8(truncatingIfNeeded: v))
    }
    mutating func u64(_ v: UInt64) { u32(UInt32(v >> 32)); u32(UInt32(truncatingIfNeeded: v)) }
    mutating func append<C: Collection>(_ c: C) where C.Element == UInt8 { bytes.append(contentsOf: c) }

    /// Writes a 16-bit length placeholder and returns its index for ``patchLength(at:from:)``.
    mutating func lengthPlaceholder() -> Int { defer { u16(0) }; return bytes.count }

    /// Overwrites the 32-bit big-endian field at `index`.
    mutating func patchU32(at index: Int, _ v: UInt32) {
        bytes[index] = UInt8(v >> 24)
        bytes[index + 1] = UInt8(truncatingIfNeeded: v >> 16)
        bytes[index + 2] = UInt8(truncatingIfNeeded: v >> 8)
        bytes[index + 3] = UInt8(truncatingIfNeeded: v)
    }

    /// Stores the count of bytes written since `start` into the placeholder at `index`.
    mutating func patchLength(at index: Int, from start: Int) {
        let n = UInt16(clamping: bytes.count - start)
        bytes[index] = UInt8(n >> 8)
        bytes[index + 1] = UInt8(truncatingIfNeeded: n)
    }
}

extension Collection where Element == UInt8 {
    /// Lowercase hex without separators.
    public var hexString: String {
        let digits: [Character] = Array("0123456789abcdef")
        var s = ""
        s.reserveCapacity(count * 2)
        for b in self { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 15)]) }
        return s
    }
}

extension Array where Element == UInt8 {
    /// Parses hex (whitespace and `:` ignored); nil on an odd count or a non-hex digit.
    public init?(hexString: some StringProtocol) {
        var out: [UInt8] = []
        var high: UInt8?
        for c in hexString.utf8 {
            let v: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = c - UInt8(ascii: "A") + 10
            case UInt8(ascii: " "), UInt8(ascii: ":"), UInt8(ascii: "\n"), UInt8(ascii: "\t"): continue
            default: return nil
            }
            if let h = high { out.append(h << 4 | v); high = nil } else { high = v }
        }
        guard high == nil else { return nil }
        self = out
    }
}
