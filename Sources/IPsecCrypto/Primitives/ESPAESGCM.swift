internal import COpenSSL

/// AES-GCM shaped for the ESP hot path (RFC 4106): one call seals or opens a
/// packet given raw pointers at fixed offsets — the 8-byte explicit IV, the
/// AAD, the payload and the ICV — with the `salt | IV` nonce built by two
/// stores and the EVP calls made directly, no closures in between. Keyed once
/// (an encrypt and a decrypt context); no heap allocation per call.
/// `AESGCM` remains the general API; this type exists because its
/// per-packet overhead shows in the ESP benchmark. One per SA; not for concurrent use.
public final class ESPAESGCM {
    /// ICV length in bytes (8, 12 or 16).
    public let icvLength: Int
    private let salt: UInt32
    private let cipher: OpaquePointer
    private let encryptor: OpaquePointer
    private let decryptor: OpaquePointer

    /// Keys AES-GCM from ESP keying material `key | salt` (20, 28 or 36 bytes).
    public init(keyingMaterial: SecretBytes, icvLength: Int) throws(CryptoError) {
        let keyLength = keyingMaterial.count - 4
        guard [16, 24, 32].contains(keyLength) else {
            throw CryptoError(.invalidKeyLength, "AES-GCM keying material must be 20, 28 or 36 bytes, got \(keyingMaterial.count)")
        }
        guard [8, 12, 16].contains(icvLength) else {
            throw CryptoError(.unsupportedAlgorithm, "AES-GCM ICV must be 8, 12 or 16 bytes, got \(icvLength)")
        }
        self.icvLength = icvLength
        salt = keyingMaterial.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: keyLength, as: UInt32.self) }
        (cipher, encryptor, decryptor) = try keyingMaterial.withUnsafeBytes { k throws(CryptoError) in
            try makeAEADContexts(name: "AES-\(keyLength * 8)-GCM", key: UnsafeRawBufferPointer(rebasing: k[0..<keyLength]))
        }
    }

    deinit {
        EVP_CIPHER_CTX_free(encryptor)
        EVP_CIPHER_CTX_free(decryptor)
        EVP_CIPHER_free(cipher)
    }

    @inline(__always)
    private func start(_ ctx: OpaquePointer, iv: UnsafeRawPointer, aad: UnsafeRawPointer, aadLength: Int) -> Bool {
        var nonce: (UInt32, UInt32, UInt32) = (salt, 0, 0)
        withUnsafeMutableBytes(of: &nonce) { n in
            n.baseAddress!.advanced(by: 4).copyMemory(from: iv, byteCount: 8)
        }
        var outLength: Int32 = 0
        return withUnsafeBytes(of: &nonce) { n in
            EVP_CipherInit_ex(ctx, nil, nil, nil, n.baseAddress!.assumingMemoryBound(to: UInt8.self), -1) == 1
        } && EVP_CipherUpdate(ctx, nil, &outLength, aad.assumingMemoryBound(to: UInt8.self), Int32(aadLength)) == 1
    }

    /// Encrypts `count` bytes at `payload` in place and writes the ICV to `icv`.
    /// - Parameters:
    ///   - iv: the 8-byte explicit IV as carried in the packet.
    ///   - aad: SPI | sequence number (12 bytes with ESN: SPI | seq high | seq low).
    public func seal(iv: UnsafeRawPointer, aad: UnsafeRawPointer, aadLength: Int,
                     payload: UnsafeMutableRawPointer, count: Int, icv: UnsafeMutableRawPointer) throws(CryptoError) {
        var outLength: Int32 = 0
        let p = payload.assumingMemoryBound(to: UInt8.self)
        guard start(encryptor, iv: iv, aad: aad, aadLength: aadLength),
              EVP_CipherUpdate(encryptor, p, &outLength, p, Int32(count)) == 1,
              EVP_CipherFinal_ex(encryptor, p + count, &outLength) == 1,  // GCM writes nothing here
              swift_ikev1_aead_get_tag(encryptor, Int32(icvLength), icv) == 1 else {
            ERR_clear_error()
            throw .internalFailure("AES-GCM seal")
        }
    }

    /// Decrypts `count` bytes at `payload` in place and verifies `icv`; throws
    /// `authenticationFailed` on mismatch (the payload then holds unauthenticated data).
    public func open(iv: UnsafeRawPointer, aad: UnsafeRawPointer, aadLength: Int,
                     payload: UnsafeMutableRawPointer, count: Int, icv: UnsafeRawPointer) throws(CryptoError) {
        var outLength: Int32 = 0
        let p = payload.assumingMemoryBound(to: UInt8.self)
        guard start(decryptor, iv: iv, aad: aad, aadLength: aadLength),
              EVP_CipherUpdate(decryptor, p, &outLength, p, Int32(count)) == 1,
              swift_ikev1_aead_set_tag(decryptor, Int32(icvLength), UnsafeMutableRawPointer(mutating: icv)) == 1 else {
            ERR_clear_error()
            throw .internalFailure("AES-GCM open")
        }
        guard EVP_CipherFinal_ex(decryptor, p + count, &outLength) == 1 else {
            ERR_clear_error()
            throw CryptoError(.authenticationFailed, "AES-GCM ICV does not match")
        }
    }
}
