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

/// An HMAC whose key is set (``HashAlgorithm/withHMAC(key:_:)``): each ``mac(into:_:)`` is one
/// message. Valid only inside the closure it is handed to.
struct KeyedHMAC {
    let state: UnsafeMutablePointer<swift_ikev1_hmac_state>
    /// The full MAC length.
    let length: Int

    /// The MAC of what `feed` hands over, its first `out.count` bytes (at most `length`) written
    /// to `out`; the state is ready for the next message afterwards.
    func mac(into out: UnsafeMutableRawBufferPointer, _ feed: (HMACInput) -> Void) {
        precondition(out.count <= length, "HMAC output longer than the digest")
        swift_ikev1_hmac_reset(state)
        feed(HMACInput(state: state))
        var full: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &full) { full in
            swift_ikev1_hmac_final(state, full.baseAddress!.assumingMemoryBound(to: UInt8.self))
            if let base = out.baseAddress, out.count > 0 { base.copyMemory(from: full.baseAddress!, byteCount: out.count) }
            OPENSSL_cleanse(full.baseAddress, 64)
        }
    }

    /// The MAC of what `feed` hands over, kept in wiped storage.
    func secret(_ feed: (HMACInput) -> Void) -> SecretBytes {
        SecretBytes(count: length) { mac(into: $0, feed) }
    }
}
