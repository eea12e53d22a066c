internal import COpenSSL

/// Key material in heap storage that is wiped (`OPENSSL_cleanse`) when the
/// last copy is released. A value type with reference-counted storage.
public struct SecretBytes: Sendable, Equatable, CustomStringConvertible {
    final class Storage: @unchecked Sendable {
        let pointer: UnsafeMutableRawBufferPointer
        init(count: Int) {
            pointer = .allocate(byteCount: Swift.max(count, 1), alignment: 16)
            pointer.initializeMemory(as: UInt8.self, repeating: 0)
            self.count = count
        }
        let count: Int
        /// Sees the storage after it is wiped, before it is freed (tests only).
        var onRelease: ((UnsafeRawBufferPointer) -> Void)?
        deinit {
            OPENSSL_cleanse(pointer.baseAddress, pointer.count)
            onRelease?(UnsafeRawBufferPointer(rebasing: pointer[0..<count]))
            pointer.deallocate()
        }
    }

    let storage: Storage

    /// Creates secret storage holding a copy of `bytes`.
    public init(_ bytes: some Sequence<UInt8>) {
        let array = Array(bytes)
        storage = Storage(count: array.count)
        array.withUnsafeBytes { src in
            if src.count > 0 { storage.pointer.baseAddress!.copyMemory(from: src.baseAddress!, byteCount: src.count) }
        }
    }

    /// Creates `count` bytes filled by `body`, which writes into the (zeroed) storage.
    public init<E: Error>(count: Int, _ body: (UnsafeMutableRawBufferPointer) throws(E) -> Void) throws(E) {
        storage = Storage(count: count)
        try body(UnsafeMutableRawBufferPointer(rebasing: storage.pointer[0..<count]))
    }

    /// The number of bytes.
    public var count: Int { storage.count }

    /// Calls `body` with the secret bytes, without copying them.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage.pointer[0..<storage.count]))
    }

    /// A plain copy of the bytes. The copy is not wiped on release: use it only
    /// where an API needs `[UInt8]` (tests, printing keys for Wireshark).
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// The first `n` bytes (or all, if fewer) as new secret storage.
    public func prefix(_ n: Int) -> SecretBytes {
        withUnsafeBytes { SecretBytes($0.prefix(n)) }
    }

    /// A slice `range` of the bytes as new secret storage.
    public func slice(_ range: Range<Int>) -> SecretBytes {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "slice out of range")
        return withUnsafeBytes { SecretBytes($0[range]) }
    }

    /// Constant-time equality.
    public static func == (lhs: SecretBytes, rhs: SecretBytes) -> Bool {
        lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in constantTimeEqual(a, b) } }
    }

    /// Redacted: never prints the secret.
    public var description: String { "SecretBytes(\(count) bytes)" }
}

/// Compares two byte strings in time that depends only on their lengths
/// (`CRYPTO_memcmp`). Use for every hash, ICV and NAT-D comparison.
public func constantTimeEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    if a.count == 0 { return true }
    return CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0
}

/// Constant-time comparison of two byte arrays (see the raw-pointer overload).
public func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    a.withUnsafeBytes { x in b.withUnsafeBytes { y in constantTimeEqual(x, y) } }
}
