import IPsecCrypto

/// What the duplicate caches keep of a message instead of its bytes: its SHA-256, held as four
/// words, so that an entry costs 32 bytes however large the message was, needs no allocation,
/// and hashes as four words rather than 32 separate bytes.
struct MessageFingerprint: Hashable {
    /// Bytes a fingerprint holds, for the memory accounting.
    static let size = 32
    private let w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    init(_ message: [UInt8]) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { out in
            message.withUnsafeBytes { HashAlgorithm.sha256.hash($0, into: out) }
        }
        (w0, w1, w2, w3) = words
    }
}
