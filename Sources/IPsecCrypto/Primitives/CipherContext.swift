internal import COpenSSL

/// One `EVP_CIPHER_CTX` keyed once, for one direction. Shared plumbing of the
/// cipher classes; each per-call operation only sets the IV and runs in place.
final class CipherContext {
    let ctx: OpaquePointer
    let cipher: OpaquePointer

    /// The default provider's ciphers that IKE keys per SA, fetched once: a fetch looks the name up
    /// in the provider's method store (locks, string compares, property matching) every time.
    /// Shared read-only; each context holds its own reference.
    nonisolated(unsafe) private static let common: [String: OpaquePointer] = {
        var out: [String: OpaquePointer] = [:]
        for name in ["AES-128-CBC", "AES-192-CBC", "AES-256-CBC", "DES-EDE3-CBC"] {
            if let cipher = Providers.cipher(name) { out[name] = cipher }
        }
        ERR_clear_error()
        return out
    }()

    /// Fetches `name` (e.g. "AES-128-CBC") and keys a context for `encrypt`.
    init(name: String, key: UnsafeRawBufferPointer, encrypt: Bool, padding: Bool = false) throws(CryptoError) {
        let fetched: OpaquePointer?
        if let shared = Self.common[name], EVP_CIPHER_up_ref(shared) == 1 { fetched = shared } else { fetched = Providers.cipher(name) }
        guard let cipher = fetched else {
            ERR_clear_error()
            throw CryptoError(.unsupportedAlgorithm, "\(name) is not available in libcrypto")
        }
        guard let ctx = EVP_CIPHER_CTX_new() else {
            EVP_CIPHER_free(cipher)
            throw .internalFailure("EVP_CIPHER_CTX_new")
        }
        self.ctx = ctx
        self.cipher = cipher
        let keyBytes = key.baseAddress?.assumingMemoryBound(to: UInt8.self)
        if Int(EVP_CIPHER_get_key_length(cipher)) == key.count {
            guard EVP_CipherInit_ex(ctx, cipher, nil, keyBytes, nil, encrypt ? 1 : 0) == 1 else {
                ERR_clear_error()
                throw .internalFailure("EVP_CipherInit_ex(\(name))")
            }
        } else {
            // Variable-length ciphers (Blowfish, CAST-128): the length goes on the context before the key.
            guard EVP_CipherInit_ex(ctx, cipher, nil, nil, nil, encrypt ? 1 : 0) == 1,
                  EVP_CIPHER_CTX_set_key_length(ctx, Int32(key.count)) == 1,
                  EVP_CipherInit_ex(ctx, nil, nil, keyBytes, nil, -1) == 1 else {
                ERR_clear_error()
                throw CryptoError(.invalidKeyLength, "\(name) does not take a \(key.count)-byte key")
            }
        }
        EVP_CIPHER_CTX_set_padding(ctx, padding ? 1 : 0)
    }

    deinit {
        EVP_CIPHER_CTX_free(ctx)
        EVP_CIPHER_free(cipher)
    }

    /// Sets a new IV, keeping the key schedule.
    @inline(__always)
    func setIV(_ iv: UnsafeRawPointer) throws(CryptoError) {
        guard EVP_CipherInit_ex(ctx, nil, nil, nil, iv.assumingMemoryBound(to: UInt8.self), -1) == 1 else {
            throw .internalFailure("EVP_CipherInit_ex(iv)")
        }
    }

    /// Runs the cipher over `buffer` in place.
    @inline(__always)
    func updateInPlace(_ buffer: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        var outLength: Int32 = 0
        let p = base.assumingMemoryBound(to: UInt8.self)
        guard EVP_CipherUpdate(ctx, p, &outLength, p, Int32(buffer.count)) == 1,
              Int(outLength) == buffer.count else {
            throw .internalFailure("EVP_CipherUpdate")
        }
    }

    /// Feeds additional authenticated data (AEAD only).
    @inline(__always)
    func updateAAD(_ aad: UnsafeRawBufferPointer) throws(CryptoError) {
        guard let base = aad.baseAddress, aad.count > 0 else { return }
        var outLength: Int32 = 0
        guard EVP_CipherUpdate(ctx, nil, &outLength, base.assumingMemoryBound(to: UInt8.self), Int32(aad.count)) == 1 else {
            throw .internalFailure("EVP_CipherUpdate(aad)")
        }
    }

    /// Finishes the operation; false when an AEAD tag did not verify.
    @inline(__always)
    func finish() -> Bool {
        withUnsafeTemporaryAllocation(byteCount: 32, alignment: 16) { scratch in
            var outLength: Int32 = 0
            return EVP_CipherFinal_ex(ctx, scratch.baseAddress!.assumingMemoryBound(to: UInt8.self), &outLength) == 1
        }
    }
}

/// Fetches the AEAD cipher `name` and keys an encrypt and a decrypt context
/// with `key`; `prepare` runs on each context after the cipher is chosen and
/// before the key is set (CCM's nonce and tag lengths). The caller frees all three.
func makeAEADContexts(name: String, key: UnsafeRawBufferPointer, prepare: (OpaquePointer) -> Bool = { _ in true })
    throws(CryptoError) -> (cipher: OpaquePointer, encryptor: OpaquePointer, decryptor: OpaquePointer) {
    guard let cipher = Providers.cipher(name) else {
        ERR_clear_error()
        throw CryptoError(.unsupportedAlgorithm, "\(name) is not available in libcrypto")
    }
    let e = EVP_CIPHER_CTX_new(), d = EVP_CIPHER_CTX_new()
    guard let e, let d else {
        EVP_CIPHER_CTX_free(e)
        EVP_CIPHER_CTX_free(d)
        EVP_CIPHER_free(cipher)
        throw .internalFailure("EVP_CIPHER_CTX_new")
    }
    let keyBytes = key.baseAddress!.assumingMemoryBound(to: UInt8.self)
    let ok = [(e, Int32(1)), (d, Int32(0))].allSatisfy { ctx, encrypt in
        EVP_CipherInit_ex(ctx, cipher, nil, nil, nil, encrypt) == 1 && prepare(ctx)
            && EVP_CipherInit_ex(ctx, nil, nil, keyBytes, nil, encrypt) == 1
    }
    guard ok else {
        ERR_clear_error()
        EVP_CIPHER_CTX_free(e)
        EVP_CIPHER_CTX_free(d)
        EVP_CIPHER_free(cipher)
        throw .internalFailure("EVP_CipherInit_ex(\(name))")
    }
    return (cipher, e, d)
}
