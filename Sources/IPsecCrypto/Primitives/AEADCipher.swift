internal import COpenSSL

/// The one AEAD core of the crate: AES-GCM (RFC 4106) and AES-CCM (RFC 4309) as ESP uses them,
/// AES-GMAC (RFC 4543) on top. Keyed once (an encrypt and a decrypt context, freed on release);
/// one call seals or opens a packet given raw pointers at fixed offsets — the 8-byte explicit
/// IV, the AAD, the payload and the ICV — with the nonce `salt | IV` built by stores and the
/// EVP calls made directly: no closures, no heap allocation per call. One per SA and
/// direction; not for concurrent use.
///
///     let gcm = try AEADCipher(.gcm, keyingMaterial: key, icvLength: 16)   // key | 4-byte salt
///     try gcm.seal(iv: ivPointer, aad: spiAndSequence, aadLength: 8, payload: p, count: n, icv: icvPointer)
public final class AEADCipher {
    /// The constructions ESP defines over AES.
    public enum Construction: Sendable, Hashable {
        /// Galois/Counter Mode: nonce salt(4) | IV(8) (RFC 4106 §4).
        case gcm
        /// Counter with CBC-MAC: nonce salt(3) | IV(8), length field of 4 bytes (RFC 4309 §4).
        case ccm

        /// Salt bytes at the end of the keying material.
        var saltLength: Int { self == .gcm ? 4 : 3 }
    }

    /// GCM or CCM.
    public let construction: Construction
    /// ICV length in bytes (8, 12 or 16).
    public let icvLength: Int
    /// The salt in the nonce's first bytes (the high bytes of a big-endian load).
    private let salt: (UInt8, UInt8, UInt8, UInt8)
    private let cipher: OpaquePointer
    private let encryptor: OpaquePointer
    private let decryptor: OpaquePointer

    /// Keys the cipher from ESP keying material `key | salt` (GCM: 20, 28 or 36 bytes; CCM: 19, 27 or 35).
    public init(_ construction: Construction, keyingMaterial: SecretBytes, icvLength: Int = 16) throws(CryptoError) {
        let saltLength = construction.saltLength
        let keyLength = keyingMaterial.count - saltLength
        let name = construction == .gcm ? "GCM" : "CCM"
        guard [16, 24, 32].contains(keyLength) else {
            let sizes = [16, 24, 32].map { String($0 + saltLength) }.joined(separator: ", ")
            throw CryptoError(.invalidKeyLength, "AES-\(name) keying material must be \(sizes) bytes, got \(keyingMaterial.count)")
        }
        guard [8, 12, 16].contains(icvLength) else {
            throw CryptoError(.unsupportedAlgorithm, "AES-\(name) ICV must be 8, 12 or 16 bytes, got \(icvLength)")
        }
        self.construction = construction
        self.icvLength = icvLength
        salt = keyingMaterial.withUnsafeBytes { k in
            (k[keyLength], k[keyLength + 1], k[keyLength + 2], saltLength == 4 ? k[keyLength + 3] : 0)
        }
        // CCM: the nonce (15 - L = 11) and tag lengths go on the context before the key.
        (cipher, encryptor, decryptor) = try keyingMaterial.withUnsafeBytes { k throws(CryptoError) in
            try makeAEADContexts(name: "AES-\(keyLength * 8)-\(name)", key: UnsafeRawBufferPointer(rebasing: k[0..<keyLength])) { ctx in
                construction == .gcm
                    || (swift_ikev1_aead_set_ivlen(ctx, 11) == 1 && swift_ikev1_aead_set_tag(ctx, Int32(icvLength), nil) == 1)
            }
        }
    }

    deinit {
        EVP_CIPHER_CTX_free(encryptor)
        EVP_CIPHER_CTX_free(decryptor)
        EVP_CIPHER_free(cipher)
    }

    /// Sets the nonce, and for CCM the tag (decrypting) and the payload length, then the AAD.
    @inline(__always)
    private func start(_ ctx: OpaquePointer, iv: UnsafeRawPointer, aad: UnsafeRawPointer, aadLength: Int,
                       count: Int, tag: UnsafeRawPointer?) -> Bool {
        var nonce: (UInt64, UInt64) = (0, 0)
        let saltLength = construction.saltLength
        withUnsafeMutableBytes(of: &nonce) { n in
            n[0] = salt.0; n[1] = salt.1; n[2] = salt.2; n[3] = salt.3
            n.baseAddress!.advanced(by: saltLength).copyMemory(from: iv, byteCount: 8)
        }
        var outLength: Int32 = 0
        let nonceSet = withUnsafeBytes(of: &nonce) { n in
            EVP_CipherInit_ex(ctx, nil, nil, nil, n.baseAddress!.assumingMemoryBound(to: UInt8.self), -1) == 1
        }
        guard nonceSet else { return false }
        if construction == .ccm {
            if let tag, swift_ikev1_aead_set_tag(ctx, Int32(icvLength), UnsafeMutableRawPointer(mutating: tag)) != 1 { return false }
            guard EVP_CipherUpdate(ctx, nil, &outLength, nil, Int32(count)) == 1 else { return false }
        }
        return EVP_CipherUpdate(ctx, nil, &outLength, aad.assumingMemoryBound(to: UInt8.self), Int32(aadLength)) == 1
    }

    /// Encrypts `count` bytes at `payload` in place and writes the ICV (`icvLength` bytes) to `icv`.
    /// - Parameters:
    ///   - iv: the 8-byte explicit IV as carried in the packet.
    ///   - aad: SPI | sequence number (12 bytes with ESN: SPI | seq high | seq low, RFC 4106 §5, RFC 4309 §5).
    ///   - aadLength: the bytes at `aad`, 8 or 12.
    ///   - payload: the plaintext, replaced by the ciphertext.
    ///   - count: the bytes at `payload`.
    ///   - icv: where the ICV goes.
    public func seal(iv: UnsafeRawPointer, aad: UnsafeRawPointer, aadLength: Int,
                     payload: UnsafeMutableRawPointer, count: Int, icv: UnsafeMutableRawPointer) throws(CryptoError) {
        var outLength: Int32 = 0
        let p = payload.assumingMemoryBound(to: UInt8.self)
        guard start(encryptor, iv: iv, aad: aad, aadLength: aadLength, count: count, tag: nil),
              EVP_CipherUpdate(encryptor, p, &outLength, p, Int32(count)) == 1,
              EVP_CipherFinal_ex(encryptor, p + count, &outLength) == 1,  // GCM and CCM write nothing here
              swift_ikev1_aead_get_tag(encryptor, Int32(icvLength), icv) == 1 else {
            ERR_clear_error()
            throw .internalFailure("AES-\(construction == .gcm ? "GCM" : "CCM") seal")
        }
    }

    /// Decrypts `count` bytes at `payload` in place and verifies `icv`; throws
    /// `authenticationFailed` on mismatch (the payload then holds unauthenticated data: drop it).
    public func open(iv: UnsafeRawPointer, aad: UnsafeRawPointer, aadLength: Int,
                     payload: UnsafeMutableRawPointer, count: Int, icv: UnsafeRawPointer) throws(CryptoError) {
        var outLength: Int32 = 0
        let p = payload.assumingMemoryBound(to: UInt8.self)
        let name = construction == .gcm ? "GCM" : "CCM"
        guard start(decryptor, iv: iv, aad: aad, aadLength: aadLength, count: count, tag: icv) else {
            ERR_clear_error()
            throw .internalFailure("AES-\(name) open")
        }
        if construction == .ccm {
            // CCM verifies the tag inside the update that decrypts.
            guard EVP_CipherUpdate(decryptor, p, &outLength, p, Int32(count)) == 1 else {
                ERR_clear_error()
                throw CryptoError(.authenticationFailed, "AES-CCM ICV does not match")
            }
            return
        }
        guard EVP_CipherUpdate(decryptor, p, &outLength, p, Int32(count)) == 1,
              swift_ikev1_aead_set_tag(decryptor, Int32(icvLength), UnsafeMutableRawPointer(mutating: icv)) == 1 else {
            ERR_clear_error()
            throw .internalFailure("AES-GCM open")
        }
        guard EVP_CipherFinal_ex(decryptor, p + count, &outLength) == 1 else {
            ERR_clear_error()
            throw CryptoError(.authenticationFailed, "AES-GCM ICV does not match")
        }
    }

    /// GCM's tag over AAD alone, no payload (AES-GMAC, RFC 4543): `part1 | part2` as AAD.
    func tag(iv: UnsafeRawPointer, _ part1: UnsafeRawBufferPointer, _ part2: UnsafeRawBufferPointer,
             tagOut: UnsafeMutableRawPointer) throws(CryptoError) {
        precondition(construction == .gcm, "GMAC is GCM without payload")
        precondition(!part1.isEmpty, "the GMAC header (SPI | sequence number) is never empty")
        var outLength: Int32 = 0
        var none: UInt8 = 0
        guard start(encryptor, iv: iv, aad: part1.baseAddress!, aadLength: part1.count, count: 0, tag: nil),
              part2.isEmpty || EVP_CipherUpdate(encryptor, nil, &outLength, part2.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                                Int32(part2.count)) == 1,
              EVP_CipherFinal_ex(encryptor, &none, &outLength) == 1,
              swift_ikev1_aead_get_tag(encryptor, Int32(icvLength), tagOut) == 1 else {
            ERR_clear_error()
            throw .internalFailure("AES-GMAC tag")
        }
    }
}

extension AEADCipher {
    /// Seals a copy of `plaintext` (for tests and tools, not the packet path); returns ciphertext | ICV.
    public func seal(_ plaintext: [UInt8], iv: [UInt8], aad: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard iv.count == 8 else { throw CryptoError(.invalidIVLength, "the explicit IV is 8 bytes, got \(iv.count)") }
        var out = plaintext + [UInt8](repeating: 0, count: icvLength)
        let n = plaintext.count
        try withBytes(iv) { v throws(CryptoError) in
            try withBytes(aad.isEmpty ? [0] : aad) { a throws(CryptoError) in
                try withMutableBytes(&out) { buf throws(CryptoError) in
                    try seal(iv: v.baseAddress!, aad: a.baseAddress!, aadLength: aad.count,
                             payload: buf.baseAddress!, count: n, icv: buf.baseAddress! + n)
                }
            }
        }
        return out
    }

    /// Opens ciphertext | ICV (for tests and tools); returns the plaintext.
    public func open(_ sealed: [UInt8], iv: [UInt8], aad: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard iv.count == 8 else { throw CryptoError(.invalidIVLength, "the explicit IV is 8 bytes, got \(iv.count)") }
        guard sealed.count >= icvLength else { throw CryptoError(.invalidInputLength, "shorter than the ICV") }
        let n = sealed.count - icvLength
        var out = sealed
        try withBytes(iv) { v throws(CryptoError) in
            try withBytes(aad.isEmpty ? [0] : aad) { a throws(CryptoError) in
                try withMutableBytes(&out) { buf throws(CryptoError) in
                    try open(iv: v.baseAddress!, aad: a.baseAddress!, aadLength: aad.count,
                             payload: buf.baseAddress!, count: n, icv: buf.baseAddress! + n)
                }
            }
        }
        return Array(out[0..<n])
    }
}

/// AES-GMAC for ESP (RFC 4543, ENCR_NULL_AUTH_AES_GMAC): a 16-byte ICV over the whole packet
/// as AAD, no encryption; nonce `salt | IV` as in AES-GCM, whose core it uses.
public final class AESGMAC {
    private let gcm: AEADCipher

    /// Keys AES-GMAC from ESP keying material `key | salt` (20, 28 or 36 bytes).
    public init(keyingMaterial: SecretBytes) throws(CryptoError) {
        gcm = try AEADCipher(.gcm, keyingMaterial: keyingMaterial, icvLength: 16)
    }

    /// Writes the ICV over `header | body` to `tagOut` (16 bytes).
    /// - Parameters:
    ///   - iv: the 8-byte explicit IV as carried in the packet.
    ///   - header: SPI | sequence number (with ESN high bits per RFC 4543 §3.3).
    ///   - body: IV | payload | padding | pad length | next header.
    ///   - tagOut: where the 16-byte ICV goes.
    public func authenticate(iv: UnsafeRawBufferPointer, header: UnsafeRawBufferPointer,
                             body: UnsafeRawBufferPointer, tagOut: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        precondition(tagOut.count == 16 && iv.count == 8, "GMAC: an 8-byte IV and a 16-byte ICV")
        try gcm.tag(iv: iv.baseAddress!, header, body, tagOut: tagOut.baseAddress!)
    }

    /// Verifies `tag` in constant time.
    public func verify(iv: UnsafeRawBufferPointer, header: UnsafeRawBufferPointer,
                       body: UnsafeRawBufferPointer, tag: UnsafeRawBufferPointer) throws(CryptoError) -> Bool {
        guard iv.count == 8 else { throw CryptoError(.invalidIVLength, "the explicit IV is 8 bytes, got \(iv.count)") }
        var computed: (UInt64, UInt64) = (0, 0)
        return try withUnsafeMutableBytes(of: &computed) { c throws(CryptoError) in
            try gcm.tag(iv: iv.baseAddress!, header, body, tagOut: c.baseAddress!)
            return constantTimeEqual(UnsafeRawBufferPointer(c), tag)
        }
    }
}
