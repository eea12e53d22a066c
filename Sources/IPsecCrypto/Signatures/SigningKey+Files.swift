internal import COpenSSL

extension SigningKey {
    /// Loads a private key file, PEM or DER (PKCS#8 or traditional), RSA or EC.
    /// Encrypted keys are refused (no passphrase prompt).
    public convenience init(contentsOf path: String) throws(CryptoError) {
        let bytes = try FileInput.read(path)
        if FileInput.isPEM(bytes) {
            try self.init(pem: String(decoding: bytes, as: UTF8.self))
        } else {
            try self.init(der: bytes)
        }
    }

    /// Generates a fresh key with libcrypto's RNG.
    public static func generate(_ algorithm: KeyAlgorithm) throws(CryptoError) -> SigningKey {
        if case .rsa(let bits) = algorithm, bits < 1024 || bits > 16384 {
            throw CryptoError(.invalidKeyLength, "RSA keys must have 1024 to 16384 bits, not \(bits)")
        }
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, algorithm.groupName == nil ? "RSA" : "EC", nil) else {
            throw .internalFailure("EVP_PKEY_CTX_new_from_name")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_keygen_init(ctx) == 1 else { throw .internalFailure("EVP_PKEY_keygen_init") }
        switch algorithm {
        case .rsa(let bits):
            guard EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, Int32(bits)) == 1 else { throw .internalFailure("set_rsa_keygen_bits") }
        default:
            guard EVP_PKEY_CTX_set_group_name(ctx, algorithm.groupName) == 1 else { throw .internalFailure("set_group_name") }
        }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen(ctx, &key) == 1, let key else {
            ERR_clear_error()
            throw .internalFailure("EVP_PKEY_keygen")
        }
        return SigningKey(PKey(key))
    }

    /// The key as unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY"), as charon and openssl read it.
    public var pem: String {
        let bytes = FileInput.collect { PEM_write_bio_PrivateKey($0, pkey.key, nil, nil, 0, nil, nil) } ?? []
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The key as unencrypted PKCS#8 DER.
    public var der: [UInt8] {
        FileInput.collect { i2d_PKCS8PrivateKey_bio($0, pkey.key, nil, nil, 0, nil, nil) } ?? []
    }

    /// "RSA-2048", "ECDSA P-256".
    public var keyDescription: String { pkey.keyDescription }
}

extension PKey {
    /// "RSA-2048", "ECDSA P-256", "DSA-1024", or libcrypto's type name.
    var keyDescription: String {
        let bits = EVP_PKEY_get_bits(key)
        if EVP_PKEY_is_a(key, "RSA") == 1 || EVP_PKEY_is_a(key, "RSA-PSS") == 1 { return "RSA-\(bits)" }
        if EVP_PKEY_is_a(key, "DSA") == 1 { return "DSA-\(bits)" }
        if EVP_PKEY_is_a(key, "EC") == 1 {
            guard let group = ecGroupName else { return "ECDSA \(bits)-bit" }
            let nist = ["prime256v1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521", "secp224r1": "P-224", "prime192v1": "P-192"]
            return "ECDSA \(nist[group] ?? group)"
        }
        guard let type = EVP_PKEY_get0_type_name(key) else { return "unknown key" }
        return String(cString: type)
    }
}

extension SigningKey {
    /// True when this is the private key of `certificate`'s public key (a `--cert` / `--key` pair).
    public func matches(_ certificate: Certificate) -> Bool {
        defer { ERR_clear_error() }
        return X509_check_private_key(certificate.x509, pkey.key) == 1
    }
}
