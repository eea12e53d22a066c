internal import COpenSSL

/// The message side of one HMAC computation: byte strings fed in order, as if joined
/// (`prf(key, a | b | c)` without building `a | b | c`). Valid only inside the closure it is
/// handed to (``HashAlgorithm/hmac(key:into:_:)``).
struct HMACInput {
    let state: UnsafeMutablePointer<swift_ikev1_hmac_state>

    /// Feeds `bytes`.
    func callAsFunction(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        swift_ikev1_hmac_update(state, base, bytes.count)
    }

    /// Feeds `bytes`.
    func callAsFunction(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { callAsFunction($0) }
    }

    /// Feeds secret bytes in place.
    func callAsFunction(_ secret: SecretBytes) {
        secret.withUnsafeBytes { callAsFunction($0) }
    }

    /// Feeds one byte.
    func byte(_ value: UInt8) {
        withUnsafeBytes(of: value) { callAsFunction($0) }
    }

    /// Feeds a 32-bit value big-endian (network order), as message IDs and SPIs are hashed.
    func bigEndian(_ value: UInt32) {
        withUnsafeBytes(of: value.bigEndian) { callAsFunction($0) }
    }
}
