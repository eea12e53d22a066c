internal import COpenSSL

/// Curve25519 Diffie-Hellman for IKE (RFC 8031, RFC 7748): 32-byte public
/// values and shared secret; an all-zero result is refused (RFC 8031 §2.3).
enum X25519Math {
    private static func privateKey(_ scalar: SecretBytes) throws(CryptoError) -> OpaquePointer {
        guard scalar.count == 32 else { throw CryptoError(.invalidPrivateKey, "X25519 private key must be 32 bytes") }
        let key = scalar.withUnsafeBytes { s in
            EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nil, s.baseAddress?.assumingMemoryBound(to: UInt8.self), 32)
        }
        guard let key else { throw .internalFailure("EVP_PKEY_new_raw_private_key(X25519)") }
        return key
    }

    static func publicValue(_ scalar: SecretBytes) throws(CryptoError) -> [UInt8] {
        let key = try privateKey(scalar)
        defer { EVP_PKEY_free(key) }
        var out = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard EVP_PKEY_get_raw_public_key(key, &out, &length) == 1, length == 32 else {
            throw .internalFailure("EVP_PKEY_get_raw_public_key")
        }
        return out
    }

    static func sharedSecret(_ scalar: SecretBytes, peer: [UInt8]) throws(CryptoError) -> SecretBytes {
        guard peer.count == 32 else {
            throw CryptoError(.invalidPublicValue, "curve25519 public value must be 32 bytes, got \(peer.count)")
        }
        let key = try privateKey(scalar)
        guard let peerKey = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nil, peer, 32) else {
            EVP_PKEY_free(key)
            throw CryptoError(.invalidPublicValue, "curve25519 public value rejected")
        }
        guard let ctx = EVP_PKEY_CTX_new(key, nil) else {
            EVP_PKEY_free(key); EVP_PKEY_free(peerKey)
            throw .internalFailure("EVP_PKEY_CTX_new")
        }
        defer { EVP_PKEY_CTX_free(ctx); EVP_PKEY_free(key); EVP_PKEY_free(peerKey) }
        let secret = try SecretBytes(count: 32) { out throws(CryptoError) in
            var length = 32
            guard EVP_PKEY_derive_init(ctx) == 1, EVP_PKEY_derive_set_peer(ctx, peerKey) == 1,
                  EVP_PKEY_derive(ctx, out.baseAddress?.assumingMemoryBound(to: UInt8.self), &length) == 1,
                  length == 32 else {
                ERR_clear_error()
                // libcrypto refuses an all-zero result (small-order peer point).
                throw CryptoError(.invalidPublicValue, "curve25519 shared secret is all zero (small-order public value)")
            }
        }
        var accumulator: UInt8 = 0
        secret.withUnsafeBytes { for b in $0 { accumulator |= b } }
        guard accumulator != 0 else {
            throw CryptoError(.invalidPublicValue, "curve25519 shared secret is all zero (RFC 8031 §2.3)")
        }
        return secret
    }
}
