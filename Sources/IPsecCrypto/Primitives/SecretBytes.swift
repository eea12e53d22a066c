internal import COpenSSL

/// Key material in heap storage that is wiped (`OPENSSL_cleanse`) when the
/// last copy is released. A value type with reference-counted storage.
public struct SecretBytes: Sendable, Equatable, CustomStringConvertible {
    /// The bytes in the same heap block as their count (one allocation per secret).
    /// Not `Sendable` (as no `ManagedBuffer` is); the bytes never change after `init` fills them,
    /// so copies of a ``SecretBytes`` on several threads only read them (`storage` below).
    final class Storage: ManagedBuffer<Storage.Header, UInt8> {
        struct Header {
            let count: Int
            /// Sees the storage after it is wiped, before it is freed (tests only).
            var onRelease: ((UnsafeRawBufferPointer) -> Void)?
        }

        /// `count` zeroed bytes.
        static func make(count: Int) -> Storage {
            let capacity = Swift.max(count, 1)
            let made = unsafeDowncast(create(minimumCapacity: capacity) { _ in Header(count: count) }, to: Storage.self)
            made.withUnsafeMutablePointerToElements { $0.initialize(repeating: 0, count: capacity) }
            return made
        }

        var count: Int { header.count }

        /// The bytes (valid while the storage is alive).
        var pointer: UnsafeMutableRawBufferPointer {
            withUnsafeMutablePointerToElements { UnsafeMutableRawBufferPointer(start: $0, count: header.count) }
        }

        var onRelease: ((UnsafeRawBufferPointer) -> Void)? {
            get { header.onRelease }
            set { header.onRelease = newValue }
        }

        deinit {
            withUnsafeMutablePointers { header, bytes in
                OPENSSL_cleanse(bytes, Swift.max(header.pointee.count, 1))
                header.pointee.onRelease?(UnsafeRawBufferPointer(start: bytes, count: header.pointee.count))
            }
        }
    }

    nonisolated(unsafe) let storage: Storage

    /// Creates secret storage holding a copy of `bytes`.
    public init(_ bytes: some Sequence<UInt8>) {
        if let copied = bytes.withContiguousStorageIfAvailable({ Self.copy(UnsafeRawBufferPointer($0)) }) {
            storage = copied
        } else {
            storage = Array(bytes).withUnsafeBytes { Self.copy($0) }
        }
    }

    private static func copy(_ source: UnsafeRawBufferPointer) -> Storage {
        let made = Storage.make(count: source.count)
        if let base = source.baseAddress, source.count > 0 { made.pointer.baseAddress!.copyMemory(from: base, byteCount: source.count) }
        return made
    }

    /// Creates `count` bytes filled by `body`, which writes into the (zeroed) storage.
    public init<E: Error>(count: Int, _ body: (UnsafeMutableRawBufferPointer) throws(E) -> Void) throws(E) {
        storage = Storage.make(count: count)
        try body(UnsafeMutableRawBufferPointer(rebasing: storage.pointer[...]))
    }

    /// The number of bytes.
    public var count: Int { storage.count }

    /// Calls `body` with the secret bytes, without copying them.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(storage.pointer))
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
