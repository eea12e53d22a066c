/// The IKEv1 pseudo-random function `prf(key, msg)`: HMAC over the
/// negotiated hash (RFC 2409 §4, "prf" with no PRF attribute negotiated).
public struct IKEv1PRF: Hashable, Sendable {
    /// The negotiated hash algorithm.
    public let hash: HashAlgorithm

    /// Creates the PRF for a negotiated hash.
    public init(hash: HashAlgorithm) { self.hash = hash }

    /// Output length in bytes.
    public var length: Int { hash.length }

    /// `prf(key, parts[0] | parts[1] | ...)`.
    public func callAsFunction(key: [UInt8], _ parts: [UInt8]...) -> [UInt8] {
        key.withUnsafeBytes { hash.hmac(key: $0, parts: parts) }
    }

    /// `prf(key, parts[0] | parts[1] | ...)` with a secret key.
    public func callAsFunction(key: SecretBytes, _ parts: [UInt8]...) -> [UInt8] {
        key.withUnsafeBytes { hash.hmac(key: $0, parts: parts) }
    }

    /// `prf(key, …)` of what `feed` hands over, in order.
    func callAsFunction(key: SecretBytes, _ feed: (HMACInput) -> Void) -> [UInt8] {
        key.withUnsafeBytes { hash.hmac(key: $0, feed) }
    }

    /// `prf(key, …)` written straight into wiped storage: the input is hashed in place, never
    /// joined into a copy that would hold g^xy, and the output has no plain copy.
    func secret(key: SecretBytes, _ feed: (HMACInput) -> Void) -> SecretBytes {
        key.withUnsafeBytes { k in SecretBytes(count: length) { out in hash.hmac(key: k, into: out, feed) } }
    }
}

/// Overwrites a scratch buffer that held secret bytes.
func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
    for i in buffer.indices { buffer[i] = 0 }
}
