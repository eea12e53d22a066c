/// Bounds-checked integer loads at offsets relative to a slice's start.
/// Every load returns nil instead of trapping when the bytes run out.
extension ArraySlice where Element == UInt8 {
    @inline(__always)
    func byte(at offset: Int) -> UInt8? {
        guard offset >= 0, offset < count else { return nil }
        return self[startIndex + offset]
    }

    func uint16(at offset: Int, bigEndian: Bool = true) -> UInt16? {
        guard offset >= 0, offset <= count - 2 else { return nil }
        let a = UInt16(self[startIndex + offset]), b = UInt16(self[startIndex + offset + 1])
        return bigEndian ? a << 8 | b : b << 8 | a
    }

    func uint32(at offset: Int, bigEndian: Bool = true) -> UInt32? {
        guard let high = uint16(at: offset, bigEndian: bigEndian),
              let low = uint16(at: offset + 2, bigEndian: bigEndian) else { return nil }
        return bigEndian ? UInt32(high) << 16 | UInt32(low) : UInt32(low) << 16 | UInt32(high)
    }

    func uint64(at offset: Int, bigEndian: Bool = true) -> UInt64? {
        guard let first = uint32(at: offset, bigEndian: bigEndian),
              let second = uint32(at: offset + 4, bigEndian: bigEndian) else { return nil }
        return bigEndian ? UInt64(first) << 32 | UInt64(second) : UInt64(second) << 32 | UInt64(first)
    }

    /// The `length` bytes at `offset`, or nil when they are not all present.
    func bytes(at offset: Int, length: Int) -> ArraySlice<UInt8>? {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else { return nil }
        return self[(startIndex + offset)..<(startIndex + offset + length)]
    }

    /// The bytes from `offset` to the end (empty when `offset` is past the end).
    func suffix(from offset: Int) -> ArraySlice<UInt8> {
        let start = startIndex + Swift.min(Swift.max(offset, 0), count)
        return self[start...]
    }
}
