/// The block ciphers used in CBC mode by IKEv1 Phase 1/2 and ESP
/// (RFC 2409 App. A, RFC 2405, RFC 2451, RFC 3602).
public enum CBCAlgorithm: Hashable, Sendable {
    /// DES-CBC (legacy; needs OpenSSL's legacy provider).
    case des
    /// Triple DES EDE, 24-byte key.
    case tripleDES
    /// AES with a 128-, 192- or 256-bit key.
    case aes(keyBits: Int)
    /// Blowfish (RFC 2451 §2.2) with a 40- to 448-bit key, whole bytes
    /// (legacy; needs OpenSSL's legacy provider).
    case blowfish(keyBits: Int)
    /// CAST-128 (RFC 2144, RFC 2451 §2.2) with a 40- to 128-bit key, whole bytes
    /// (legacy; needs OpenSSL's legacy provider).
    case cast128(keyBits: Int)

    /// Key length in bytes.
    public var keyLength: Int {
        switch self {
        case .des: 8
        case .tripleDES: 24
        case .aes(let bits), .blowfish(let bits), .cast128(let bits): bits / 8
        }
    }

    /// Block (and IV) size in bytes.
    public var blockSize: Int {
        switch self {
        case .des, .tripleDES, .blowfish, .cast128: 8
        case .aes: 16
        }
    }

    /// True for the ciphers of OpenSSL's legacy provider (DES, Blowfish, CAST-128),
    /// which policy refuses unless `legacy` is allowed.
    public var isLegacy: Bool {
        switch self {
        case .des, .blowfish, .cast128: true
        case .tripleDES, .aes: false
        }
    }

    /// True when the key length is one the cipher accepts.
    var validKeyBits: Bool {
        switch self {
        case .des, .tripleDES: true
        case .aes(let bits): [128, 192, 256].contains(bits)
        case .blowfish(let bits): bits % 8 == 0 && (40...448).contains(bits)
        case .cast128(let bits): bits % 8 == 0 && (40...128).contains(bits)
        }
    }

    /// libcrypto's name for the cipher (also for the benchmark baseline).
    package var openSSLName: String {
        switch self {
        case .des: "DES-CBC"
        case .tripleDES: "DES-EDE3-CBC"
        case .aes(128): "AES-128-CBC"
        case .aes(192): "AES-192-CBC"
        case .aes(256): "AES-256-CBC"
        case .aes(let bits): "AES-\(bits)-CBC"
        case .blowfish: "BF-CBC"
        case .cast128: "CAST5-CBC"
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
    /// `providerUnavailable` when a legacy cipher is asked for and the legacy provider is missing.
    public init(algorithm: CBCAlgorithm, key: SecretBytes) throws(CryptoError) {
        guard algorithm.validKeyBits else {
            throw CryptoError(.unsupportedAlgorithm, "\(algorithm.openSSLName) has no \(algorithm.keyLength * 8)-bit key")
        }
        if algorithm.isLegacy { try Providers.requireLegacy(for: algorithm.openSSLName) }
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

    /// Encrypts `text` in place, whole blocks (IKE convenience, without a copy).
    public func encrypt(inPlace text: inout [UInt8], iv: [UInt8]) throws(CryptoError) {
        try withBytes(iv) { ivp throws(CryptoError) in
            try withMutableBytes(&text) { buf throws(CryptoError) in try run(encryptor, iv: ivp, buf) }
        }
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
