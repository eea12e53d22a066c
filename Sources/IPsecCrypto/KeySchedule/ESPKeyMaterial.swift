/// ESP/AH keys cut from Quick Mode KEYMAT (RFC 2409 §5.5, RFC 2407 §4.5):
/// the encryption key first, then the integrity key. For AES-GCM/GMAC
/// (RFC 4106 §8.1, RFC 4543 §8) the encryption key is AES key | 4-byte salt,
/// for AES-CTR (RFC 3686 §5.1) AES key | 4-byte nonce.
public struct ESPKeyMaterial: Sendable {
    /// The cipher's keying material (including a trailing salt/nonce where the algorithm has one).
    public let encryptionKey: SecretBytes
    /// The integrity (HMAC / XCBC) key; empty for AEAD and NULL integrity.
    public let integrityKey: SecretBytes

    /// Splits `keymat` (at least `encryptionKeyLength + integrityKeyLength` bytes).
    public init(keymat: SecretBytes, encryptionKeyLength: Int, integrityKeyLength: Int) {
        precondition(keymat.count >= encryptionKeyLength + integrityKeyLength, "KEYMAT too short")
        encryptionKey = keymat.slice(0..<encryptionKeyLength)
        integrityKey = keymat.slice(encryptionKeyLength..<(encryptionKeyLength + integrityKeyLength))
    }
}
