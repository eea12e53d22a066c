/// AES in counter mode for ESP (RFC 3686). The counter block is
/// `nonce(4) | IV(8) | counter(4)` with the counter starting at 1 for each
/// packet; encryption and decryption are the same operation. Keyed once,
/// runs in place on caller memory, no heap allocation per call.
public final class AESCTR {
    /// The 4-byte nonce from the end of the keying material (RFC 3686 §5.1).
    public let nonce: (UInt8, UInt8, UInt8, UInt8)
    private let context: CipherContext

    /// Keys AES-CTR from ESP keying material `key | nonce` (20, 28 or 36 bytes).
    public init(keyingMaterial: SecretBytes) throws(CryptoError) {
        let keyLength = keyingMaterial.count - 4
        guard [16, 24, 32].contains(keyLength) else {
            throw CryptoError(.invalidKeyLength, "AES-CTR keying material must be 20, 28 or 36 bytes, got \(keyingMaterial.count)")
        }
        let m = keyingMaterial.withUnsafeBytes { k in (k[keyLength], k[keyLength + 1], k[keyLength + 2], k[keyLength + 3]) }
        nonce = m
        context = try keyingMaterial.withUnsafeBytes { k throws(CryptoError) in
            try CipherContext(name: "AES-\(keyLength * 8)-CTR",
                              key: UnsafeRawBufferPointer(rebasing: k[0..<keyLength]), encrypt: true)
        }
    }

    /// Encrypts or decrypts `buffer` in place with the 8-byte per-packet `iv`.
    public func crypt(iv: UnsafeRawBufferPointer, inPlace buffer: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        guard iv.count == 8 else { throw CryptoError(.invalidIVLength, "AES-CTR IV must be 8 bytes, got \(iv.count)") }
        var block: (UInt64, UInt64) = (0, 0)
        try withUnsafeMutableBytes(of: &block) { b throws(CryptoError) in
            b[0] = nonce.0; b[1] = nonce.1; b[2] = nonce.2; b[3] = nonce.3
            for i in 0..<8 { b[4 + i] = iv[i] }
            b[15] = 1
            try context.setIV(UnsafeRawPointer(b.baseAddress!))
        }
        try context.updateInPlace(buffer)
    }

    /// Encrypts or decrypts a copy of `data` (convenience).
    public func crypt(_ data: [UInt8], iv: [UInt8]) throws(CryptoError) -> [UInt8] {
        var out = data
        try withBytes(iv) { ivp throws(CryptoError) in
            try withMutableBytes(&out) { buf throws(CryptoError) in try crypt(iv: ivp, inPlace: buf) }
        }
        return out
    }
}
