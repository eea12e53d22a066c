internal import COpenSSL

/// AES-GCM for ESP (RFC 4106) with an 8-, 12- or 16-byte ICV. The 12-byte
/// nonce is `salt(4) | IV(8)`, the salt taken from the end of the keying
/// material. Keyed once (an encrypt and a decrypt context); `seal` and `open`
/// run in place on caller memory with no heap allocation per call.
/// One instance per SA and direction; not for concurrent use.
public final class AESGCM {
    /// ICV length in bytes (8, 12 or 16).
    public let icvLength: Int
    private let salt: (UInt8, UInt8, UInt8, UInt8)
    private let encryptor: CipherContext
    private let decryptor: CipherContext

    /// Keys AES-GCM from ESP keying material `key | salt` (20, 28 or 36 bytes).
    public init(keyingMaterial: SecretBytes, icvLength: Int = 16) throws(CryptoError) {
        let keyLength = keyingMaterial.count - 4
        guard [16, 24, 32].contains(keyLength) else {
            throw CryptoError(.invalidKeyLength, "AES-GCM keying material must be 20, 28 or 36 bytes, got \(keyingMaterial.count)")
        }
        guard [8, 12, 16].contains(icvLength) else {
            throw CryptoError(.unsupportedAlgorithm, "AES-GCM ICV must be 8, 12 or 16 bytes, got \(icvLength)")
        }
        self.icvLength = icvLength
        salt = keyingMaterial.withUnsafeBytes { k in (k[keyLength], k[keyLength + 1], k[keyLength + 2], k[keyLength + 3]) }
        let name = "AES-\(keyLength * 8)-GCM"
        encryptor = try keyingMaterial.withUnsafeBytes { k throws(CryptoError) in
            try CipherContext(name: name, key: UnsafeRawBufferPointer(rebasing: k[0..<keyLength]), encrypt: true)
        }
        decryptor = try keyingMaterial.withUnsafeBytes { k throws(CryptoError) in
            try CipherContext(name: name, key: UnsafeRawBufferPointer(rebasing: k[0..<keyLength]), encrypt: false)
        }
    }

    @inline(__always)
    private func start(_ context: CipherContext, iv: UnsafeRawBufferPointer) throws(CryptoError) {
        guard iv.count == 8 else { throw CryptoError(.invalidIVLength, "ESP AES-GCM IV must be 8 bytes, got \(iv.count)") }
        var nonce: (UInt64, UInt32) = (0, 0)
        try withUnsafeMutableBytes(of: &nonce) { n throws(CryptoError) in
            n[0] = salt.0; n[1] = salt.1; n[2] = salt.2; n[3] = salt.3
            for i in 0..<8 { n[4 + i] = iv[i] }
            try context.setIV(UnsafeRawPointer(n.baseAddress!))
        }
    }

    /// Encrypts `buffer` in place and writes the ICV (`icvLength` bytes) to `tagOut`.
    /// - Parameters:
    ///   - iv: the 8-byte explicit IV carried in the packet.
    ///   - aad: SPI | sequence number (| high ESN bits as RFC 4106 §5 orders them).
    public func seal(iv: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer,
                     inPlace buffer: UnsafeMutableRawBufferPointer,
                     tagOut: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        precondition(tagOut.count == icvLength, "tagOut must be icvLength bytes")
        try start(encryptor, iv: iv)
        try encryptor.updateAAD(aad)
        try encryptor.updateInPlace(buffer)
        try finishSealing(tagOut: tagOut)
    }

    /// Completes an encryption and reads the (truncated) tag.
    @inline(__always)
    private func finishSealing(tagOut: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        guard encryptor.finish(),
              swift_ikev1_aead_get_tag(encryptor.ctx, Int32(icvLength), tagOut.baseAddress) == 1 else {
            throw .internalFailure("AES-GCM tag")
        }
    }

    /// Decrypts `buffer` in place and verifies `tag`; throws `authenticationFailed`
    /// when it does not match (the buffer then holds unauthenticated data: drop it).
    public func open(iv: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer,
                     inPlace buffer: UnsafeMutableRawBufferPointer,
                     tag: UnsafeRawBufferPointer) throws(CryptoError) {
        guard tag.count == icvLength else {
            throw CryptoError(.authenticationFailed, "AES-GCM ICV must be \(icvLength) bytes, got \(tag.count)")
        }
        try start(decryptor, iv: iv)
        try decryptor.updateAAD(aad)
        try decryptor.updateInPlace(buffer)
        guard swift_ikev1_aead_set_tag(decryptor.ctx, Int32(icvLength), UnsafeMutableRawPointer(mutating: tag.baseAddress)) == 1 else {
            throw .internalFailure("AES-GCM set tag")
        }
        guard decryptor.finish() else {
            ERR_clear_error()
            throw CryptoError(.authenticationFailed, "AES-GCM ICV does not match")
        }
    }

    /// Tag over AAD parts only, no payload (AES-GMAC, RFC 4543).
    func tag(iv: UnsafeRawBufferPointer, _ part1: UnsafeRawBufferPointer, _ part2: UnsafeRawBufferPointer,
             tagOut: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        try start(encryptor, iv: iv)
        try encryptor.updateAAD(part1)
        try encryptor.updateAAD(part2)
        try finishSealing(tagOut: tagOut)
    }

    /// Seals a copy of `plaintext`; returns ciphertext | ICV (convenience).
    public func seal(_ plaintext: [UInt8], iv: [UInt8], aad: [UInt8]) throws(CryptoError) -> [UInt8] {
        var out = plaintext + [UInt8](repeating: 0, count: icvLength)
        let n = plaintext.count
        try withBytes(iv) { ivp throws(CryptoError) in
            try withBytes(aad) { a throws(CryptoError) in
                try withMutableBytes(&out) { buf throws(CryptoError) in
                    try seal(iv: ivp, aad: a, inPlace: UnsafeMutableRawBufferPointer(rebasing: buf[0..<n]),
                             tagOut: UnsafeMutableRawBufferPointer(rebasing: buf[n...]))
                }
            }
        }
        return out
    }

    /// Opens ciphertext | ICV; returns the plaintext (convenience).
    public func open(_ sealed: [UInt8], iv: [UInt8], aad: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard sealed.count >= icvLength else { throw CryptoError(.invalidInputLength, "shorter than the ICV") }
        let n = sealed.count - icvLength
        var out = sealed
        try withBytes(iv) { ivp throws(CryptoError) in
            try withBytes(aad) { a throws(CryptoError) in
                try withMutableBytes(&out) { buf throws(CryptoError) in
                    try open(iv: ivp, aad: a, inPlace: UnsafeMutableRawBufferPointer(rebasing: buf[0..<n]),
                             tag: UnsafeRawBufferPointer(rebasing: buf[n...]))
                }
            }
        }
        return Array(out[0..<n])
    }
}

/// AES-GMAC for ESP (RFC 4543, ENCR_NULL_AUTH_AES_GMAC): a 16-byte ICV over
/// the whole packet as AAD, no encryption; nonce `salt | IV` as in AES-GCM.
public final class AESGMAC {
    private let gcm: AESGCM

    /// Keys AES-GMAC from ESP keying material `key | salt` (20, 28 or 36 bytes).
    public init(keyingMaterial: SecretBytes) throws(CryptoError) {
        gcm = try AESGCM(keyingMaterial: keyingMaterial, icvLength: 16)
    }

    /// Writes the ICV over `header | body` to `tagOut` (16 bytes).
    /// - Parameters:
    ///   - header: SPI | sequence number (with ESN high bits per RFC 4543 §3.3).
    ///   - body: IV | payload | padding | pad length | next header.
    public func authenticate(iv: UnsafeRawBufferPointer, header: UnsafeRawBufferPointer,
                             body: UnsafeRawBufferPointer, tagOut: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        precondition(tagOut.count == 16, "GMAC ICV is 16 bytes")
        try gcm.tag(iv: iv, header, body, tagOut: tagOut)
    }

    /// Verifies `tag` in constant time.
    public func verify(iv: UnsafeRawBufferPointer, header: UnsafeRawBufferPointer,
                       body: UnsafeRawBufferPointer, tag: UnsafeRawBufferPointer) throws(CryptoError) -> Bool {
        var computed: (UInt64, UInt64) = (0, 0)
        return try withUnsafeMutableBytes(of: &computed) { c throws(CryptoError) in
            try gcm.tag(iv: iv, header, body, tagOut: c)
            return constantTimeEqual(UnsafeRawBufferPointer(c), tag)
        }
    }
}
