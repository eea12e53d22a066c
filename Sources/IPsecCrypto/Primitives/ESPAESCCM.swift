internal import COpenSSL

/// AES-CCM for ESP (RFC 4309) with an 8-, 12- or 16-byte ICV. The 11-byte
/// nonce is `salt(3) | IV(8)` (RFC 4309 §4), the salt taken from the end of
/// the keying material, so the length field is L = 4 bytes. Keyed once (an
/// encrypt and a decrypt context); `seal` and `open` run in place on caller
/// memory with no heap allocation per call. One per SA; not for concurrent use.
///
/// OpenSSL's CCM needs, per message: the nonce, the tag (decrypting), the
/// total payload length, then the AAD, then the payload in one update.
public final class ESPAESCCM {
    /// ICV length in bytes (8, 12 or 16).
    public let icvLength: Int
    private let salt: (UInt8, UInt8, UInt8)
    private let cipher: OpaquePointer
    private let encryptor: OpaquePointer
    private let decryptor: OpaquePointer

    /// Keys AES-CCM from ESP keying material `key | salt` (19, 27 or 35 bytes).
    public init(keyingMaterial: SecretBytes, icvLength: Int) throws(CryptoError) {
        let keyLength = keyingMaterial.count - 3
        guard [16, 24, 32].contains(keyLength) else {
            throw CryptoError(.invalidKeyLength, "AES-CCM keying material must be 19, 27 or 35 bytes, got \(keyingMaterial.count)")
        }
        guard [8, 12, 16].contains(icvLength) else {
            throw CryptoError(.unsupportedAlgorithm, "AES-CCM ICV must be 8, 12 or 16 bytes, got \(icvLength)")
        }
        self.icvLength = icvLength
        salt = keyingMaterial.withUnsafeBytes { k in (k[keyLength], k[keyLength + 1], k[keyLength + 2]) }
        // Nonce (15 - L = 11) and tag lengths go on the context before the key.
        (cipher, encryptor, decryptor) = try keyingMaterial.withUnsafeBytes { k throws(CryptoError) in
            try makeAEADContexts(name: "AES-\(keyLength * 8)-CCM", key: UnsafeRawBufferPointer(rebasing: k[0..<keyLength])) { ctx in
                swift_ikev1_aead_set_ivlen(ctx, 11) == 1 && swift_ikev1_aead_set_tag(ctx, Int32(icvLength), nil) == 1
            }
        }
    }

    deinit {
        EVP_CIPHER_CTX_free(encryptor)
        EVP_CIPHER_CTX_free(decryptor)
        EVP_CIPHER_free(cipher)
    }

    /// Sets the nonce, the tag when decrypting, the payload length and the AAD.
    @inline(__always)
    private func start(_ ctx: OpaquePointer, iv: UnsafeRawPointer, aad: UnsafeRawPointer, aadLength: Int,
                       count: Int, tag: UnsafeRawPointer?) -> Bool {
        var nonce: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &nonce) { n in
            n[0] = salt.0; n[1] = salt.1; n[2] = salt.2
            n.baseAddress!.advanced(by: 3).copyMemory(from: iv, byteCount: 8)
        }
        var outLength: Int32 = 0
        return withUnsafeBytes(of: &nonce) { n in
            EVP_CipherInit_ex(ctx, nil, nil, nil, n.baseAddress!.assumingMemoryBound(to: UInt8.self), -1) == 1
        } && (tag.map { swift_ikev1_aead_set_tag(ctx, Int32(icvLength), UnsafeMutableRawPointer(mutating: $0)) == 1 } ?? true)
            && EVP_CipherUpdate(ctx, nil, &outLength, nil, Int32(count)) == 1
            && EVP_CipherUpdate(ctx, nil, &outLength, aad.assumingMemoryBound(to: UInt8.self), Int32(aadLength)) == 1
    }

    /// Encrypts `count` bytes at `payload` in place and writes the ICV to `icv`.
    /// - Parameters:
    ///   - iv: the 8-byte explicit IV as carried in the packet.
    ///   - aad: SPI | sequence number (12 bytes with ESN: SPI | seq high | seq low, RFC 4309 §5).
    public func seal(iv: UnsafeRawPointer, aad: UnsafeRawPointer, aadLength: Int,
                     payload: UnsafeMutableRawPointer, count: Int, icv: UnsafeMutableRawPointer) throws(CryptoError) {
        var outLength: Int32 = 0
        let p = payload.assumingMemoryBound(to: UInt8.self)
        guard start(encryptor, iv: iv, aad: aad, aadLength: aadLength, count: count, tag: nil),
              EVP_CipherUpdate(encryptor, p, &outLength, p, Int32(count)) == 1,
              EVP_CipherFinal_ex(encryptor, p + count, &outLength) == 1,  // CCM writes nothing here
              swift_ikev1_aead_get_tag(encryptor, Int32(icvLength), icv) == 1 else {
            ERR_clear_error()
            throw .internalFailure("AES-CCM seal")
        }
    }

    /// Decrypts `count` bytes at `payload` in place and verifies `icv`; throws
    /// `authenticationFailed` on mismatch (the payload then holds unauthenticated data).
    public func open(iv: UnsafeRawPointer, aad: UnsafeRawPointer, aadLength: Int,
                     payload: UnsafeMutableRawPointer, count: Int, icv: UnsafeRawPointer) throws(CryptoError) {
        var outLength: Int32 = 0
        let p = payload.assumingMemoryBound(to: UInt8.self)
        guard start(decryptor, iv: iv, aad: aad, aadLength: aadLength, count: count, tag: icv) else {
            ERR_clear_error()
            throw .internalFailure("AES-CCM open")
        }
        // CCM verifies the tag inside the update that decrypts.
        guard EVP_CipherUpdate(decryptor, p, &outLength, p, Int32(count)) == 1 else {
            ERR_clear_error()
            throw CryptoError(.authenticationFailed, "AES-CCM ICV does not match")
        }
    }
}
