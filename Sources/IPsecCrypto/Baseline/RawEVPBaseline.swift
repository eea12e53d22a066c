internal import COpenSSL

/// The yardstick for ESP benchmarks: the cryptographic work of one ESP packet
/// done with direct libcrypto calls — `EVP_CipherInit_ex` / `EVP_CipherUpdate`
/// / `EVP_CipherFinal_ex` on one reused `EVP_CIPHER_CTX` per direction and,
/// for CBC, HMAC on one reused `EVP_MAC_CTX` (re-initialised per packet as the
/// OpenSSL manual shows) — on the caller's buffer, with no Swift wrapper in
/// between. It works on a complete ESP packet (SPI | seq | IV | encrypted |
/// ICV) of the geometry given at creation, so its output opens with the ESP
/// module and vice versa. For measurement only; not for concurrent use.
public final class RawEVPBaseline {
    private let encryptor: OpaquePointer
    private let decryptor: OpaquePointer
    private let cipher: OpaquePointer
    private let mac: OpaquePointer?
    private let macContext: OpaquePointer?
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
            mac = EVP_MAC_fetch(nil, "HMAC", nil)
            guard let mac, let ctx = EVP_MAC_CTX_new(mac) else { throw .internalFailure("EVP_MAC_CTX_new") }
            macContext = ctx
            let digest = switch hash {
            case .md5: "MD5"
            case .sha1: "SHA1"
            case .sha256: "SHA256"
            case .sha384: "SHA384"
            case .sha512: "SHA512"
            }
            let ok = digest.withCString { d in
                "digest".withCString { k in
                    var params = [OSSL_PARAM_construct_utf8_string(k, UnsafeMutablePointer(mutating: d), 0), OSSL_PARAM_construct_end()]
                    return integrityKey.withUnsafeBufferPointer { EVP_MAC_init(ctx, $0.baseAddress, $0.count, &params) }
                }
            }
            guard ok == 1 else { throw .internalFailure("EVP_MAC_init") }
        } else {
            mac = nil
            macContext = nil
        }
    }

    deinit {
        EVP_CIPHER_CTX_free(encryptor)
        EVP_CIPHER_CTX_free(decryptor)
        EVP_CIPHER_free(cipher)
        if let macContext { EVP_MAC_CTX_free(macContext) }
        if let mac { EVP_MAC_free(mac) }
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
            var length = 0
            _ = EVP_MAC_init(macContext, nil, 0, nil)
            _ = EVP_MAC_update(macContext, p, count)
            _ = EVP_MAC_final(macContext, fp, &length, 64)
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
