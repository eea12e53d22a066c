internal import COpenSSL
import IPsecCrypto

/// The yardstick for ESP benchmarks: the cryptographic work of one ESP packet
/// done with direct libcrypto calls — `EVP_CipherInit_ex` / `EVP_CipherUpdate`
/// / `EVP_CipherFinal_ex` on one reused `EVP_CIPHER_CTX` per direction and,
/// for CBC, HMAC from inner/outer digest states precomputed once and copied
/// per packet — on the caller's buffer, with no Swift wrapper in between.
///
/// The HMAC is the fastest allocation-free way libcrypto 3.0 offers: restarting
/// an `EVP_MAC_CTX`, copying `EVP_MD_CTX` states with `EVP_MD_CTX_copy_ex`, and
/// even `EVP_DigestInit_ex2` on a reused context each cost 2 mallocs per packet
/// (the provider duplicates or re-creates its digest context), so the states are
/// the low-level `SHA*_CTX`/`MD5_CTX` structs copied by value (the shim's
/// `swift_ikev1_hmac_*` C functions, which `HMACContext` also wraps). It works on a complete ESP packet (SPI | seq | IV | encrypted |
/// ICV) of the geometry given at creation, so its output opens with the ESP
/// module and vice versa. For measurement only; not for concurrent use.
public final class RawEVPBaseline {
    private let encryptor: OpaquePointer
    private let decryptor: OpaquePointer
    private let cipher: OpaquePointer
    private let hmacState: UnsafeMutablePointer<swift_ikev1_hmac_state>?
    private let aead: Bool
    private let salt: (UInt8, UInt8, UInt8, UInt8)
    /// Bytes of explicit IV after the 8-byte ESP header.
    public let ivLength: Int
    /// ICV bytes at the end of the packet.
    public let icvLength: Int

    /// Keys the baseline for AES-GCM (key | salt, no integrity) or a CBC cipher
    /// with an HMAC integrity algorithm.
    public init(encryption: EncryptionAlgorithm, integrity: IntegrityAlgorithm?,
                key: [UInt8], integrityKey: [UInt8]) throws(CryptoError) {
        let name: String
        var cipherKey = key
        switch encryption {
        case .aesGCM(let bits, let icv):
            name = "AES-\(bits)-GCM"
            aead = true
            icvLength = icv
            ivLength = 8
            salt = (key[key.count - 4], key[key.count - 3], key[key.count - 2], key[key.count - 1])
            cipherKey = Array(key.prefix(key.count - 4))
        case .aesCBC, .tripleDES, .des:
            guard integrity?.hash != nil else {
                throw CryptoError(.unsupportedAlgorithm, "the baseline needs an HMAC with CBC")
            }
            name = encryption.cbcAlgorithm!.openSSLName
            aead = false
            icvLength = integrity!.icvLength
            ivLength = encryption.espIVLength
            salt = (0, 0, 0, 0)
        default:
            throw CryptoError(.unsupportedAlgorithm, "no baseline for \(encryption.keyword)")
        }
        if encryption == .des { try Providers.requireLegacy(for: "DES-CBC") }
        guard let cipher = EVP_CIPHER_fetch(nil, name, nil), let e = EVP_CIPHER_CTX_new(), let d = EVP_CIPHER_CTX_new() else {
            throw .internalFailure("EVP_CIPHER_fetch(\(name))")
        }
        self.cipher = cipher
        encryptor = e
        decryptor = d
        guard EVP_CipherInit_ex(e, cipher, nil, cipherKey, nil, 1) == 1,
              EVP_CipherInit_ex(d, cipher, nil, cipherKey, nil, 0) == 1 else {
            throw .internalFailure("EVP_CipherInit_ex")
        }
        EVP_CIPHER_CTX_set_padding(e, 0)
        EVP_CIPHER_CTX_set_padding(d, 0)
        if let hash = integrity?.hash, !aead {
            let state = UnsafeMutablePointer<swift_ikev1_hmac_state>.allocate(capacity: 1)
            integrityKey.withUnsafeBufferPointer { swift_ikev1_hmac_set_key(state, hash.shimIndex, $0.baseAddress, $0.count) }
            hmacState = state
        } else {
            hmacState = nil
        }
    }

    deinit {
        EVP_CIPHER_CTX_free(encryptor)
        EVP_CIPHER_CTX_free(decryptor)
        EVP_CIPHER_free(cipher)
        if let hmacState {
            OPENSSL_cleanse(hmacState, MemoryLayout<swift_ikev1_hmac_state>.size)
            hmacState.deallocate()
        }
    }

    @inline(__always)
    private func setIV(_ ctx: OpaquePointer, _ packet: UnsafeMutableRawBufferPointer) {
        let p = packet.baseAddress!.assumingMemoryBound(to: UInt8.self)
        if aead {
            var nonce: (UInt32, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &nonce) { n in
                n[0] = salt.0; n[1] = salt.1; n[2] = salt.2; n[3] = salt.3
                n.baseAddress!.advanced(by: 4).copyMemory(from: p + 8, byteCount: 8)
                _ = EVP_CipherInit_ex(ctx, nil, nil, nil, n.baseAddress!.assumingMemoryBound(to: UInt8.self), -1)
            }
        } else {
            _ = EVP_CipherInit_ex(ctx, nil, nil, nil, p + 8, -1)
        }
    }

    @inline(__always)
    private func hmac(_ p: UnsafeMutablePointer<UInt8>, _ count: Int, into out: UnsafeMutablePointer<UInt8>) {
        var full: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &full) { f in
            let fp = f.baseAddress!.assumingMemoryBound(to: UInt8.self)
            swift_ikev1_hmac_reset(hmacState)
            swift_ikev1_hmac_update(hmacState, p, count)
            swift_ikev1_hmac_final(hmacState, fp)
            out.update(from: fp, count: icvLength)
        }
    }

    /// Encrypts and authenticates the packet in place (the header, IV and
    /// trailer must already be written); returns false if libcrypto failed.
    @discardableResult
    public func seal(_ packet: UnsafeMutableRawBufferPointer) -> Bool {
        let p = packet.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let start = 8 + ivLength
        let count = packet.count - start - icvLength
        var outLength: Int32 = 0
        setIV(encryptor, packet)
        if aead { guard EVP_CipherUpdate(encryptor, nil, &outLength, p, 8) == 1 else { return false } }
        guard EVP_CipherUpdate(encryptor, p + start, &outLength, p + start, Int32(count)) == 1,
              EVP_CipherFinal_ex(encryptor, p + start + count, &outLength) == 1 else { return false }
        if aead {
            return swift_ikev1_aead_get_tag(encryptor, Int32(icvLength), p + start + count) == 1
        }
        hmac(p, start + count, into: p + start + count)
        return true
    }

    /// Verifies and decrypts the packet in place; false when the ICV does not match.
    public func open(_ packet: UnsafeMutableRawBufferPointer) -> Bool {
        let p = packet.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let start = 8 + ivLength
        let count = packet.count - start - icvLength
        var outLength: Int32 = 0
        if !aead {
            var icv: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            let ok = withUnsafeMutableBytes(of: &icv) { i in
                hmac(p, start + count, into: i.baseAddress!.assumingMemoryBound(to: UInt8.self))
                return CRYPTO_memcmp(i.baseAddress, p + start + count, icvLength) == 0
            }
            guard ok else { return false }
        }
        setIV(decryptor, packet)
        if aead { guard EVP_CipherUpdate(decryptor, nil, &outLength, p, 8) == 1 else { return false } }
        guard EVP_CipherUpdate(decryptor, p + start, &outLength, p + start, Int32(count)) == 1 else { return false }
        if aead { guard swift_ikev1_aead_set_tag(decryptor, Int32(icvLength), p + start + count) == 1 else { return false } }
        return EVP_CipherFinal_ex(decryptor, p + start + count, &outLength) == 1
    }
}
