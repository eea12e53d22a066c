import IPsecCrypto
import Testing

/// Blowfish-CBC and CAST-128-CBC (RFC 2451, legacy provider) and AES-CCM for
/// ESP (RFC 4309). The packet-level known answers are the Linux xfrm packets of
/// ESPTests.CaptureTests; these pin the primitives themselves.
@Suite struct RFC2451AndCCMTests {
    /// Builds the cipher, or records nothing and returns nil when OpenSSL's
    /// legacy provider is missing (as desLoadsTheLegacyProvider does).
    static func legacy(_ algorithm: CBCAlgorithm, key: [UInt8]) throws -> CBCCipher? {
        switch Result(catching: { () throws(CryptoError) in try CBCCipher(algorithm: algorithm, key: key) }) {
        case .success(let cipher): return cipher
        case .failure(let error):
            #expect(error.code == .providerUnavailable)
            return nil
        }
    }

    // RFC 2144 App. B.1: key 01 23 45 67 12 34 56 78 23 45 67 89 34 56 78 9A (truncated for
    // 80 and 40 bits), plaintext 01 23 45 67 89 AB CD EF; shorter keys run 12 rounds (§2.5),
    // so these pin the key length set on the context. One block with a zero IV is ECB.
    @Test(arguments: [(128, "238b4fe5847e44b2"), (80, "eb6a711a2c02271b"), (40, "7ac816d16e9b302e")])
    func cast128RFC2144Vectors(keyBits: Int, ciphertext: String) throws {
        let key = Array(hex("0123456712345678234567893456789a").prefix(keyBits / 8))
        guard let cast = try Self.legacy(.cast128(keyBits: keyBits), key: key) else { return }
        let zero = [UInt8](repeating: 0, count: 8)
        #expect(try cast.encrypt(hex("0123456789abcdef"), iv: zero) == hex(ciphertext))
        #expect(try cast.decrypt(hex(ciphertext), iv: zero) == hex("0123456789abcdef"))
    }

    // Eric Young's Blowfish test set (bf_cbc in OpenSSL's bftest.c): 128-bit key
    // 0123456789ABCDEFF0E1D2C3B4A59687, IV FEDCBA9876543210, "7654321 Now is the time for "
    // plus four zero bytes; and the all-zero 64-bit key block 4EF997456198DD78 (Schneier).
    @Test func blowfishCBCAndVariableKeyVectors() throws {
        guard let bf = try Self.legacy(.blowfish(keyBits: 128), key: hex("0123456789abcdeff0e1d2c3b4a59687")) else { return }
        let plain = Array("7654321 Now is the time for ".utf8) + [0, 0, 0, 0]
        let expected = hex("6b77b4d63006dee605b156e27403979358deb9e7154616d959f1652bd5ff92cc")
        #expect(try bf.encrypt(plain, iv: hex("fedcba9876543210")) == expected)
        #expect(try bf.decrypt(expected, iv: hex("fedcba9876543210")) == plain)
        let zero = [UInt8](repeating: 0, count: 8)
        let bf64 = try #require(try Self.legacy(.blowfish(keyBits: 64), key: zero))
        #expect(try bf64.encrypt(zero, iv: zero) == hex("4ef997456198dd78"))
    }

    @Test func rfc2451KeyLengthsOutsideTheRangeAreRefused() {
        #expect(throws: CryptoError(.unsupportedAlgorithm, "")) { try CBCCipher(algorithm: .cast128(keyBits: 136), key: [UInt8](repeating: 1, count: 17)) }
        #expect(throws: CryptoError(.unsupportedAlgorithm, "")) { try CBCCipher(algorithm: .blowfish(keyBits: 32), key: [1, 2, 3, 4]) }
        #expect(throws: CryptoError(.unsupportedAlgorithm, "")) { try CBCCipher(algorithm: .blowfish(keyBits: 100), key: [UInt8](repeating: 1, count: 12)) }
        #expect(throws: CryptoError(.invalidKeyLength, "")) { try CBCCipher(algorithm: .blowfish(keyBits: 128), key: [1]) }
    }

    static func ccm(_ keyingMaterial: [UInt8], icv: Int) throws -> AEADCipher {
        try AEADCipher(.ccm, keyingMaterial: SecretBytes(keyingMaterial), icvLength: icv)
    }

    /// Seals `plain` into a copy and opens it again through the pointer API.
    static func roundTrip(_ ccm: AEADCipher, plain: [UInt8], iv: [UInt8], aad: [UInt8], tamper: Int? = nil) throws -> [UInt8] {
        var buffer = plain + [UInt8](repeating: 0, count: ccm.icvLength)
        let n = plain.count
        try buffer.withUnsafeMutableBytes { b in
            try ccm.seal(iv: iv, aad: aad, aadLength: aad.count, payload: b.baseAddress!, count: n, icv: b.baseAddress! + n)
        }
        #expect(Array(buffer.prefix(n)) != plain || n == 0)
        if let tamper { buffer[tamper] ^= 1 }
        try buffer.withUnsafeMutableBytes { b in
            try ccm.open(iv: iv, aad: aad, aadLength: aad.count, payload: b.baseAddress!, count: n, icv: b.baseAddress! + n)
        }
        return Array(buffer.prefix(n))
    }

    @Test("AES-CCM seals and opens with every key size and ICV length, reusing the contexts",
          arguments: [(16, 8), (24, 12), (32, 16)])
    func ccmRoundTrips(keyLength: Int, icv: Int) throws {
        let ccm = try Self.ccm((0..<keyLength + 3).map { UInt8($0) }, icv: icv)
        for size in [1, 16, 47, 1400] {
            let plain = (0..<size).map { UInt8(truncatingIfNeeded: $0 * 7) }
            #expect(try Self.roundTrip(ccm, plain: plain, iv: [1, 2, 3, 4, 5, 6, 7, UInt8(size & 0xFF)],
                                       aad: [0, 0, 2, 0x22, 0, 0, 0, 1]) == plain)
        }
    }

    @Test("AES-CCM refuses a changed payload, ICV or AAD")
    func ccmDetectsTampering() throws {
        let ccm = try Self.ccm([UInt8](repeating: 9, count: 19), icv: 16)
        let plain = [UInt8](repeating: 0x45, count: 40)
        for position in [0, 39, 40, 55] {
            #expect(throws: CryptoError(.authenticationFailed, "")) {
                try Self.roundTrip(ccm, plain: plain, iv: [UInt8](repeating: 1, count: 8), aad: [1, 2, 3, 4, 5, 6, 7, 8], tamper: position)
            }
        }
        // The context recovers after a failure.
        #expect(try Self.roundTrip(ccm, plain: plain, iv: [UInt8](repeating: 2, count: 8), aad: [1, 2, 3, 4, 5, 6, 7, 8]) == plain)
    }

    @Test func ccmRefusesBadKeyingMaterialAndICVLengths() {
        #expect(throws: CryptoError(.invalidKeyLength, "")) { try Self.ccm([UInt8](repeating: 0, count: 20), icv: 16) }
        #expect(throws: CryptoError(.unsupportedAlgorithm, "")) { try Self.ccm([UInt8](repeating: 0, count: 19), icv: 10) }
    }
}
