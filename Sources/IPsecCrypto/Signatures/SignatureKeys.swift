internal import COpenSSL

/// The signature schemes IKEv1 uses (RFC 2409 §5.1, RFC 4754).
public enum SignatureScheme: Hashable, Sendable {
    /// RSA PKCS#1 v1.5 type 1 over the raw hash, no DigestInfo (IKEv1 auth method 3).
    case rsaPKCS1Raw
    /// ECDSA with r | s, each left-padded to the order length (RFC 4754 §7).
    case ecdsaRaw
}

/// An owned EVP_PKEY. Immutable after loading; libcrypto allows concurrent
/// operations on one key, each with its own EVP_PKEY_CTX.
final class PKey: @unchecked Sendable {
    let key: OpaquePointer
    init(_ key: OpaquePointer) { self.key = key }
    deinit { EVP_PKEY_free(key) }

    var scheme: SignatureScheme? {
        if EVP_PKEY_is_a(key, "RSA") == 1 { return .rsaPKCS1Raw }
        if EVP_PKEY_is_a(key, "EC") == 1 { return .ecdsaRaw }
        return nil
    }

    /// Order length in bytes for EC keys (the size of r and of s).
    var ecOrderLength: Int { Int((EVP_PKEY_get_bits(key) + 7) / 8) }

    static func parse(pem: String, isPrivate: Bool) throws(CryptoError) -> PKey {
        let bytes = Array(pem.utf8)
        let key: OpaquePointer? = bytes.withUnsafeBytes { b in
            guard let bio = BIO_new_mem_buf(b.baseAddress, Int32(b.count)) else { return nil }
            defer { BIO_free(bio) }
            return isPrivate ? PEM_read_bio_PrivateKey(bio, nil, nil, nil) : PEM_read_bio_PUBKEY(bio, nil, nil, nil)
        }
        return try wrap(key, "PEM \(isPrivate ? "private key" : "public key")")
    }

    static func parse(der: [UInt8], isPrivate: Bool) throws(CryptoError) -> PKey {
        let key: OpaquePointer? = der.withUnsafeBytes { b in
            var p = b.baseAddress?.assumingMemoryBound(to: UInt8.self)
            return isPrivate ? d2i_AutoPrivateKey(nil, &p, b.count) : d2i_PUBKEY(nil, &p, b.count)
        }
        return try wrap(key, "DER \(isPrivate ? "private key" : "SubjectPublicKeyInfo")")
    }

    static func wrap(_ key: OpaquePointer?, _ what: String) throws(CryptoError) -> PKey {
        guard let key else {
            ERR_clear_error()
            throw CryptoError(.invalidKeyEncoding, "could not parse \(what)")
        }
        let pkey = PKey(key)
        guard pkey.scheme != nil else { throw CryptoError(.unsupportedAlgorithm, "only RSA and EC keys are supported") }
        return pkey
    }

    /// A context for sign/verify with the scheme's padding and no digest set.
    func context(sign: Bool) throws(CryptoError) -> OpaquePointer {
        guard let ctx = EVP_PKEY_CTX_new(key, nil) else { throw .internalFailure("EVP_PKEY_CTX_new") }
        let ok = sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)
        guard ok == 1, scheme != .rsaPKCS1Raw || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 else {
            EVP_PKEY_CTX_free(ctx)
            throw .internalFailure("EVP_PKEY_\(sign ? "sign" : "verify")_init")
        }
        return ctx
    }
}

/// A private key that signs IKEv1 AUTH hashes (HASH_I / HASH_R).
/// ECDSA nonces come from libcrypto's RNG, not from an `EntropySource`.
public final class SigningKey: Sendable {
    let pkey: PKey
    /// The signature scheme of this key.
    public let scheme: SignatureScheme

    /// Loads a PEM private key (PKCS#8, or traditional RSA / EC).
    public init(pem: String) throws(CryptoError) {
        pkey = try PKey.parse(pem: pem, isPrivate: true)
        scheme = pkey.scheme!
    }

    /// Loads a DER private key (PKCS#8 or traditional).
    public init(der: [UInt8]) throws(CryptoError) {
        pkey = try PKey.parse(der: der, isPrivate: true)
        scheme = pkey.scheme!
    }

    /// Wraps a key already checked to be RSA or EC.
    init(_ pkey: PKey) {
        self.pkey = pkey
        scheme = pkey.scheme!
    }

    /// Signs `hash` as IKEv1 does: RSA PKCS#1 v1.5 over the raw bytes, or ECDSA r | s.
    public func sign(hash: [UInt8]) throws(CryptoError) -> [UInt8] {
        let ctx = try pkey.context(sign: true)
        defer { EVP_PKEY_CTX_free(ctx) }
        var length = 0
        guard EVP_PKEY_sign(ctx, nil, &length, hash, hash.count) == 1 else {
            ERR_clear_error()
            throw CryptoError(.signatureFailed, "signing failed (hash too long for the key?)")
        }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_sign(ctx, &signature, &length, hash, hash.count) == 1 else {
            ERR_clear_error()
            throw CryptoError(.signatureFailed, "signing failed")
        }
        signature.removeLast(signature.count - length)
        return scheme == .ecdsaRaw ? try ECDSASignature.raw(fromDER: signature, width: pkey.ecOrderLength) : signature
    }
}

/// A public key that verifies IKEv1 signatures.
public final class VerifyingKey: Sendable {
    let pkey: PKey
    /// The signature scheme of this key.
    public let scheme: SignatureScheme

    /// Loads a PEM public key (SubjectPublicKeyInfo) or, if it is one, a PEM certificate's key.
    public init(pem: String) throws(CryptoError) {
        if pem.contains("BEGIN CERTIFICATE") {
            guard let certificate = try Certificate.load(pem: pem).first else { throw .internalFailure("PEM_read_bio_X509") }
            pkey = try PKey.wrap(X509_get_pubkey(certificate.x509), "certificate public key")
        } else {
            pkey = try PKey.parse(pem: pem, isPrivate: false)
        }
        scheme = pkey.scheme!
    }

    /// Loads a DER SubjectPublicKeyInfo.
    public init(der: [UInt8]) throws(CryptoError) {
        pkey = try PKey.parse(der: der, isPrivate: false)
        scheme = pkey.scheme!
    }

    /// Loads the public key of a DER X.509 certificate (the CERT payload data).
    public convenience init(certificateDER: [UInt8]) throws(CryptoError) {
        try self.init(certificate: Certificate(der: certificateDER))
    }

    /// The public key of a certificate; fails for keys other than RSA and EC (e.g. DSA).
    public init(certificate: Certificate) throws(CryptoError) {
        pkey = try PKey.wrap(X509_get_pubkey(certificate.x509), "certificate public key")
        scheme = pkey.scheme!
    }

    /// The public key of a private key.
    public init(_ signingKey: SigningKey) {
        EVP_PKEY_up_ref(signingKey.pkey.key)
        pkey = PKey(signingKey.pkey.key)
        scheme = signingKey.scheme
    }

    /// True when `signature` is valid over `hash`.
    public func verify(signature: [UInt8], hash: [UInt8]) -> Bool {
        guard let ctx = try? pkey.context(sign: false) else { return false }
        defer { EVP_PKEY_CTX_free(ctx); ERR_clear_error() }
        let encoded: [UInt8]
        if scheme == .ecdsaRaw {
            guard let der = try? ECDSASignature.der(fromRaw: signature, width: pkey.ecOrderLength) else { return false }
            encoded = der
        } else {
            encoded = signature
        }
        return EVP_PKEY_verify(ctx, encoded, encoded.count, hash, hash.count) == 1
    }
}

/// Conversion between DER ECDSA-Sig-Value and raw r | s (RFC 4754 §7).
enum ECDSASignature {
    static func raw(fromDER der: [UInt8], width: Int) throws(CryptoError) -> [UInt8] {
        let sig: OpaquePointer? = der.withUnsafeBytes { b in
            var p = b.baseAddress?.assumingMemoryBound(to: UInt8.self)
            return d2i_ECDSA_SIG(nil, &p, b.count)
        }
        guard let sig else { throw .internalFailure("d2i_ECDSA_SIG") }
        defer { ECDSA_SIG_free(sig) }
        var out = [UInt8](repeating: 0, count: 2 * width)
        out.withUnsafeMutableBufferPointer { o in
            _ = BN_bn2binpad(ECDSA_SIG_get0_r(sig), o.baseAddress, Int32(width))
            _ = BN_bn2binpad(ECDSA_SIG_get0_s(sig), o.baseAddress! + width, Int32(width))
        }
        return out
    }

    static func der(fromRaw raw: [UInt8], width: Int) throws(CryptoError) -> [UInt8] {
        guard raw.count == 2 * width, let sig = ECDSA_SIG_new() else {
            throw CryptoError(.signatureFailed, "ECDSA signature must be \(2 * width) bytes (r | s)")
        }
        defer { ECDSA_SIG_free(sig) }
        let r = raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32(width), nil) }
        let s = raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress! + width, Int32(width), nil) }
        guard ECDSA_SIG_set0(sig, r, s) == 1 else { throw .internalFailure("ECDSA_SIG_set0") }
        let length = i2d_ECDSA_SIG(sig, nil)
        guard length > 0 else { throw .internalFailure("i2d_ECDSA_SIG") }
        var out = [UInt8](repeating: 0, count: Int(length))
        out.withUnsafeMutableBufferPointer { o in
            var p = o.baseAddress
            _ = i2d_ECDSA_SIG(sig, &p)
        }
        return out
    }
}
