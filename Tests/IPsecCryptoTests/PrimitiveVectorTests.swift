import Foundation
import IPsecCrypto
import Testing
import TestSupport

/// Cipher- and MAC-level known answers from Fixtures/rfc-vectors (copied from
/// shared/fixtures/public/rfc-vectors; RFC 2202, 4868, 3566, 4434, 3686, 3602
/// and draft-mcgrew-gcm-test-01 values, see Fixtures/README.md).
@Suite struct PrimitiveVectorTests {
    static let hmacFile = "rfc-vectors/hmac_rfc2202_rfc4868.json"

    @Test func hmacRFC2202AndRFC4868() throws {
        let json = try Fixtures.json(Self.hmacFile)
        var checked = 0
        for (key, hash) in [("rfc2202_hmac_md5", HashAlgorithm.md5), ("rfc2202_hmac_sha1", .sha1)] {
            for v in json.objects(key) {
                #expect(hash.hmac(key: v.bytes("key"), v.bytes("data")) == v.bytes("digest"), "\(key) \(v["test_case"]!)")
                let ctx = HMACContext(hash: hash, key: v.bytes("key"))
                #expect(ctx.authenticate(v.bytes("data")) == v.bytes("digest"))
                if v["digest_96"] != nil {
                    #expect(ctx.authenticate(v.bytes("data"), length: 12) == v.bytes("digest_96"))
                }
                checked += 1
            }
        }
        for v in json.objects("rfc4868_auth") {
            let hash: HashAlgorithm = v.string("hash") == "sha512" ? .sha512 : v.string("hash") == "sha384" ? .sha384 : .sha256
            let ctx = HMACContext(hash: hash, key: v.bytes("key"))
            #expect(ctx.authenticate(v.bytes("data")) == v.bytes("prf_output"), "\(v.string("test_case"))")
            // Reused context, truncated ICV (HMAC-SHA-256-128 / -512-256).
            #expect(ctx.authenticate(v.bytes("data"), length: (v["icv_octets"] as? Int) ?? 16) == v.bytes("truncated_icv"))
            let data = v.bytes("data"), icv = v.bytes("truncated_icv")
            #expect(data.withUnsafeBytes { d in icv.withUnsafeBytes { ctx.verify(d, icv: $0) } })
            #expect(!data.withUnsafeBytes { d in (icv.dropLast() + [icv.last! ^ 1]).withUnsafeBytes { ctx.verify(d, icv: $0) } })
            checked += 1
        }
        #expect(checked == 20)
    }

    @Test func hmacContextStreamsInParts() throws {
        let ctx = HMACContext(hash: .sha256, key: [1, 2, 3])
        let message: [UInt8] = Array(0..<200)
        var out = [UInt8](repeating: 0, count: 32)
        ctx.reset()
        message[0..<77].withUnsafeBytes { ctx.update($0) }
        message[77...].withUnsafeBytes { ctx.update($0) }
        out.withUnsafeMutableBytes { ctx.finalize(into: $0) }
        #expect(out == HashAlgorithm.sha256.hmac(key: [1, 2, 3], message))
    }

    @Test func aesXCBCRFC3566AndPRFRFC4434() throws {
        let json = try Fixtures.json("rfc-vectors/aes_xcbc_rfc3566_rfc4434.json")
        for v in json.objects("rfc3566_aes_xcbc_mac_96") {
            let xcbc = try AESXCBC(key: SecretBytes(v.bytes("key")))
            var message = v.bytes("message")
            if message.isEmpty, let n = v["message_octets"] as? Int, n > 0 { message = [UInt8](repeating: 0, count: n) }
            #expect(xcbc.mac(message) == v.bytes("aes_xcbc_mac"), "RFC 3566 case \(v["test_case"]!)")
            #expect(xcbc.mac(message, length: 12) == v.bytes("aes_xcbc_mac_96"))
            let icv = v.bytes("aes_xcbc_mac_96")
            #expect(message.withUnsafeBytes { m in icv.withUnsafeBytes { xcbc.verify(m, icv: $0) } })
        }
        for v in json.objects("rfc4434_aes_xcbc_prf_128") {
            let prf = try AESXCBC.prf(key: v.bytes("key"))
            #expect(prf.mac(v.bytes("message")) == v.bytes("prf_output"), "RFC 4434 key length \(v["key_length"]!)")
        }
    }

    @Test func aesCTRRFC3686() throws {
        let json = try Fixtures.json("rfc-vectors/rfc3686_aes_ctr.json")
        let vectors = json.objects("vectors")
        #expect(vectors.count == 9)
        for v in vectors {
            let ctr = try AESCTR(keyingMaterial: SecretBytes(v.bytes("esp_keying_material")))
            #expect(try ctr.crypt(v.bytes("plaintext"), iv: v.bytes("aes_ctr_iv")) == v.bytes("ciphertext"),
                    "RFC 3686 vector \(v["test_vector"]!)")
            #expect(try ctr.crypt(v.bytes("ciphertext"), iv: v.bytes("aes_ctr_iv")) == v.bytes("plaintext"))
        }
    }

    @Test func aesCBCRFC3602() throws {
        let json = try Fixtures.json("rfc-vectors/rfc3602_aes_cbc.json")
        for v in json.objects("cipher_cases") {
            let cbc = try CBCCipher(algorithm: .aes(keyBits: 128), key: v.bytes("key"))
            #expect(try cbc.encrypt(v.bytes("plaintext"), iv: v.bytes("iv")) == v.bytes("ciphertext"), "case \(v["case"]!)")
            #expect(try cbc.decrypt(v.bytes("ciphertext"), iv: v.bytes("iv")) == v.bytes("plaintext"))
        }
        // ESP packets SPI | seq | IV | ciphertext (no ICV): decrypt to payload | padding | pad length | next header.
        for v in json.objects("esp_cases") {
            let cbc = try CBCCipher(algorithm: .aes(keyBits: 128), key: v.bytes("key"))
            let packet = v.bytes("esp_packet")
            let plain = try cbc.decrypt(Array(packet[24...]), iv: Array(packet[8..<24]))
            #expect(plain == v.bytes("derived_plaintext_with_trailer"), "ESP case \(v["case"]!)")
        }
    }

    @Test func cbcRejectsPartialBlocksAndWrongIV() throws {
        let cbc = try CBCCipher(algorithm: .tripleDES, key: [UInt8](repeating: 7, count: 24))
        #expect(throws: CryptoError(.invalidInputLength, "")) { try cbc.encrypt([1, 2, 3], iv: [UInt8](repeating: 0, count: 8)) }
        #expect(throws: CryptoError(.invalidIVLength, "")) { try cbc.encrypt([UInt8](repeating: 0, count: 8), iv: [0]) }
        #expect(throws: CryptoError(.invalidKeyLength, "")) { try CBCCipher(algorithm: .aes(keyBits: 128), key: [1]) }
        let data = [UInt8](repeating: 0x42, count: 32)
        #expect(try cbc.decrypt(cbc.encrypt(data, iv: [UInt8](repeating: 1, count: 8)), iv: [UInt8](repeating: 1, count: 8)) == data)
    }

    @Test func desLoadsTheLegacyProvider() throws {
        // FIPS 81 / NBS example: key 0123456789abcdef, IV 1234567890abcdef, "Now is the time for all ".
        let des: CBCCipher
        switch Result(catching: { () throws(CryptoError) in try CBCCipher(algorithm: .des, key: hex("0123456789abcdef")) }) {
        case .success(let cipher): des = cipher
        case .failure(let error):
            #expect(error.code == .providerUnavailable)
            print("skipped: \(error)")
            return
        }
        let plain = Array("Now is the time for all ".utf8)
        let cipher = try des.encrypt(plain, iv: hex("1234567890abcdef"))
        #expect(cipher == hex("e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6"))
        #expect(try des.decrypt(cipher, iv: hex("1234567890abcdef")) == plain)
    }

    @Test func aesGCMAndGMACDraftMcGrew() throws {
        let json = try Fixtures.json("rfc-vectors/draft-mcgrew-gcm-test-01_esp_gcm_gmac.json")
        let cases = json.objects("cases")
        #expect(cases.count == 17)
        for v in cases {
            let material = SecretBytes(v.bytes("key") + v.bytes("salt"))
            let iv = v.bytes("iv"), aad = v.bytes("aad")
            if v.string("algorithm") == "AES-GMAC-ESP" {
                let gmac = try AESGMAC(keyingMaterial: material)
                let headerLength = 4 + (v["seq_octets"] as! Int)
                let (tag, verified) = try Self.gmac(gmac, iv: iv, header: Array(aad[0..<headerLength]),
                                                    body: Array(aad[headerLength...]), expected: v.bytes("tag"))
                #expect(verified)
                #expect(tag == v.bytes("tag"), "GMAC case \(v["index"]!)")
                continue
            }
            let gcm = try AEADCipher(.gcm, keyingMaterial: material, icvLength: 16)
            let sealed = try gcm.seal(v.bytes("plaintext"), iv: iv, aad: aad)
            #expect(sealed == v.bytes("ctext_tag"), "GCM case \(v["index"]!)")
            #expect(try gcm.open(sealed, iv: iv, aad: aad) == v.bytes("plaintext"))
            var tampered = sealed
            tampered[0] ^= 1
            #expect(throws: CryptoError(.authenticationFailed, "")) { try gcm.open(tampered, iv: iv, aad: aad) }
            // RFC 4106 8- and 12-byte ICVs are the leading bytes of the full tag.
            for icv in [8, 12] {
                let short = try AEADCipher(.gcm, keyingMaterial: material, icvLength: icv)
                let s = try short.seal(v.bytes("plaintext"), iv: iv, aad: aad)
                #expect(Array(s.suffix(icv)) == Array(v.bytes("tag").prefix(icv)))
                #expect(try short.open(s, iv: iv, aad: aad) == v.bytes("plaintext"))
            }
        }
    }

    /// Runs AES-GMAC through the raw-pointer API; returns the tag and whether `expected` verifies.
    static func gmac(_ gmac: AESGMAC, iv: [UInt8], header: [UInt8], body: [UInt8],
                     expected: [UInt8]) throws -> ([UInt8], Bool) {
        let ivp = UnsafeMutableRawBufferPointer.allocate(byteCount: iv.count, alignment: 1)
        let h = UnsafeMutableRawBufferPointer.allocate(byteCount: header.count, alignment: 1)
        let b = UnsafeMutableRawBufferPointer.allocate(byteCount: body.count, alignment: 1)
        let e = UnsafeMutableRawBufferPointer.allocate(byteCount: expected.count, alignment: 1)
        let t = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 1)
        defer { for p in [ivp, h, b, e, t] { p.deallocate() } }
        ivp.copyBytes(from: iv); h.copyBytes(from: header); b.copyBytes(from: body); e.copyBytes(from: expected)
        try gmac.authenticate(iv: UnsafeRawBufferPointer(ivp), header: UnsafeRawBufferPointer(h),
                              body: UnsafeRawBufferPointer(b), tagOut: t)
        let ok = try gmac.verify(iv: UnsafeRawBufferPointer(ivp), header: UnsafeRawBufferPointer(h),
                                 body: UnsafeRawBufferPointer(b), tag: UnsafeRawBufferPointer(e))
        return (Array(t), ok)
    }

    @Test func constantTimeCompareAndSecretBytes() {
        #expect(constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEqual([1, 2, 3], [1, 2]))
        #expect(constantTimeEqual([], []))
        let s = SecretBytes([9, 8, 7, 6])
        #expect(s.prefix(2).bytes == [9, 8])
        #expect(s.slice(1..<3).bytes == [8, 7])
        #expect(s == SecretBytes([9, 8, 7, 6]))
        #expect("\(s)" == "SecretBytes(4 bytes)")
    }

    @Test func seededEntropyIsReproducible() {
        var a = SeededEntropy(seed: 42), b = SeededEntropy(seed: 42), c = SeededEntropy(seed: 43)
        let x = a.bytes(37), y = b.bytes(37), z = c.bytes(37)
        #expect(x == y)
        #expect(x != z)
        var system = SystemEntropy()
        let r1 = system.bytes(32), r2 = system.bytes(32)
        #expect(r1 != r2)
    }
}

/// The allocation-free HMACContext agrees with libcrypto's one-shot HMAC for
/// every hash and for keys shorter than, equal to and longer than the block.
@Suite struct HMACContextAgreementTests {
    @Test(arguments: try nonEmpty(HashAlgorithm.allCases))
    func agreesWithOneShotHMAC(hash: HashAlgorithm) {
        let message: [UInt8] = (0..<1500).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        for keyLength in [0, 1, 20, 64, 65, 128, 129, 200] {
            let key: [UInt8] = (0..<keyLength).map { UInt8(truncatingIfNeeded: $0 &+ 3) }
            let ctx = HMACContext(hash: hash, key: key)
            let expected = hash.hmac(key: key, message)
            #expect(ctx.authenticate(message) == expected, "\(hash) key \(keyLength)")
            #expect(ctx.authenticate(message) == expected, "\(hash) key \(keyLength), reused")
            #expect(ctx.authenticate(Array(message.prefix(12)), length: 12) == Array(hash.hmac(key: key, Array(message.prefix(12))).prefix(12)))
        }
    }
}
