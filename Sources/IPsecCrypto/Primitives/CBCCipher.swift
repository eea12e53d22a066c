/// The block ciphers used in CBC mode by IKEv1 Phase 1/2 and ESP
/// (RFC 2409 App. A, RFC 2405, RFC 2451, RFC 3602).
public enum CBCAlgorithm: Hashable, Sendable {
    /// DES-CBC (legacy; needs OpenSSL's legacy provider).
    case des
    /// Triple DES EDE, 24-byte key.
    case tripleDES
    /// AES with a 128-, 192- or 256-bit key.
    case aes(keyBits: Int)

    /// Key length in bytes.
    public var keyLength: Int {
        switch self {
        case .des: 8
        case .tripleDES: 24
        case .aes(let bits): bits / 8
        }
    }

    /// Block (and IV) size in bytes.
    public var blockSize: Int {
        switch self {
        case .des, .tripleDES: 8
        case .aes: 16
        }
    }

    var openSSLName: String {
        switch self {
        case .des: "DES-CBC"
        case .tripleDES: "DES-EDE3-CBC"
        case .aes(let bits): "AES-\(bits)-CBC"
        }
    }
}

/// A CBC cipher keyed once (one encrypt and one decrypt context), operating
/// in place on caller memory with an explicit IV and no padding of its own;
/// no heap allocation per call. One instance per key; not for concurrent use.
///
///     let cbc = try CBCCipher(algorithm: .aes(keyBits: 128), key: ka)
///     try cbc.encrypt(iv: ivPointer, inPlace: payload)   // payload.count % 16 == 0
public final class CBCCipher {
    /// The algorithm.
    public let algorithm: CBCAlgorithm
    private let encryptor: CipherContext
    private let decryptor: CipherContext

    /// Keys the cipher. Throws `invalidKeyLength`, `unsupportedAlgorithm`, or
    /// `providerUnavailable` when DES is asked for and the legacy provider is missing.
    public init(algorithm: CBCAlgorithm, key: SecretBytes) throws(CryptoError) {
        if case .aes(let bits) = algorithm, ![128, 192, 256].contains(bits) {
            throw CryptoError(.unsupportedAlgorithm, "AES-\(bits) does not exist")
        }
        if algorithm == .des { try Providers.requireLegacy(for: "DES-CBC") }
        guard key.count == algorithm.keyLength else {
            throw CryptoError(.invalidKeyLength, "\(algorithm.openSSLName) needs a \(algorithm.keyLength)-byte key, got \(key.count)")
        }
        self.algorithm = algorithm
        encryptor = try key.withUnsafeBytes { k throws(CryptoError) in
            try CipherContext(name: algorithm.openSSLName, key: k, encrypt: true)
        }
        decryptor = try key.withUnsafeBytes { k throws(CryptoError) in
            try CipherContext(name: algorithm.openSSLName, key: k, encrypt: false)
        }
    }

    /// Keys the cipher from a plain byte array.
    public convenience init(algorithm: CBCAlgorithm, key: [UInt8]) throws(CryptoError) {
        try self.init(algorithm: algorithm, key: SecretBytes(key))
    }

    /// Encrypts `buffer` in place; `buffer.count` must be a multiple of the block size.
    public func encrypt(iv: UnsafeRawBufferPointer, inPlace buffer: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        try run(encryptor, iv: iv, buffer)
    }

    /// Decrypts `buffer` in place; `buffer.count` must be a multiple of the block size.
    public func decrypt(iv: UnsafeRawBufferPointer, inPlace buffer: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        try run(decryptor, iv: iv, buffer)
    }

    @inline(__always)
    private func run(_ context: CipherContext, iv: UnsafeRawBufferPointer,
                     _ buffer: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        guard iv.count == algorithm.blockSize, let ivBase = iv.baseAddress else {
            throw CryptoError(.invalidIVLength, "CBC IV must be \(algorithm.blockSize) bytes, got \(iv.count)")
        }
        guard buffer.count % algorithm.blockSize == 0 else {
            throw CryptoError(.invalidInputLength, "CBC input of \(buffer.count) bytes is not whole \(algorithm.blockSize)-byte blocks")
        }
        try context.setIV(ivBase)
        try context.updateInPlace(buffer)
    }

    /// Encrypts a copy of `plaintext` (IKE convenience).
    public func encrypt(_ plaintext: [UInt8], iv: [UInt8]) throws(CryptoError) -> [UInt8] {
        try copying(plaintext, iv: iv, encryptor)
    }

    /// Decrypts a copy of `ciphertext` (IKE convenience).
    public func decrypt(_ ciphertext: [UInt8], iv: [UInt8]) throws(CryptoError) -> [UInt8] {
        try copying(ciphertext, iv: iv, decryptor)
    }

    private func copying(_ input: [UInt8], iv: [UInt8], _ context: CipherContext) throws(CryptoError) -> [UInt8] {
        var out = input
        try withBytes(iv) { ivp throws(CryptoError) in
            try withMutableBytes(&out) { buf throws(CryptoError) in try run(context, iv: ivp, buf) }
        }
        return out
    }
}
