import Foundation
import IPsecCrypto
import Testing
import TestSupport

/// The SIG payload formats IKEv1 peers expect, checked against sources other than our own code:
/// RFC 4754 §8's ECDSA signatures (r | s) and the `openssl` command line for RSA (PKCS#1 v1.5
/// type 1 over the raw hash, no DigestInfo: strongSwan's SIGN_RSA_EMSA_PKCS1_NULL) and ECDSA.
@Suite struct IKESignatureFormatTests {
    struct Vector: Decodable {
        let method: UInt16, curve: String, hash: String, message: String
        let gw_x: String, gw_y: String, r: String, s: String
    }

    static let vectors: [Vector] = {
        struct File: Decodable { let vectors: [Vector] }
        let data = Data(try! Fixtures.bytes("rfc-vectors/ecdsa_rfc4754.json"))
        return try! JSONDecoder().decode(File.self, from: data).vectors
    }()

    /// SubjectPublicKeyInfo for an uncompressed point (RFC 5480 §2): id-ecPublicKey + the curve's OID.
    static func spki(curve: String, x: [UInt8], y: [UInt8]) -> [UInt8] {
        let curveOID: [UInt8] = switch curve {
        case "P-256": [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]
        case "P-384": [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22]
        default: [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23]
        }
        let algorithm = der(0x30, [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01] + curveOID)
        return der(0x30, algorithm + der(0x03, [0x00, 0x04] + x + y))
    }

    static func der(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        let n = content.count
        let length: [UInt8] = n < 0x80 ? [UInt8(n)] : n < 0x100 ? [0x81, UInt8(n)] : [0x82, UInt8(n >> 8), UInt8(n & 0xff)]
        return [tag] + length + content
    }

    static func derInteger(_ bytes: [UInt8]) -> [UInt8] {
        var v = Array(bytes.drop { $0 == 0 })
        if v.isEmpty || v[0] & 0x80 != 0 { v.insert(0, at: 0) }
        return der(0x02, v)
    }

    static func digest(_ name: String, _ message: [UInt8]) -> [UInt8] {
        switch name {
        case "sha256": HashAlgorithm.sha256.hash(message)
        case "sha384": HashAlgorithm.sha384.hash(message)
        default: HashAlgorithm.sha512.hash(message)
        }
    }

    /// RFC 4754 §8: the RFC's r | s verifies with our raw SIG layout; a flipped bit, the DER form,
    /// or a truncated value do not; the key is ECDSA on the RFC's curve.
    @Test(arguments: try nonEmpty(vectors.indices))
    func rfc4754SignaturesVerify(index: Int) throws {
        let v = Self.vectors[index]
        let key = try VerifyingKey(der: Self.spki(curve: v.curve, x: hex(v.gw_x), y: hex(v.gw_y)))
        let curve: [String: SignatureKeyAlgorithm] = ["P-256": .ecdsaP256, "P-384": .ecdsaP384, "P-521": .ecdsaP521]
        #expect(key.algorithm == curve[v.curve])
        let hash = Self.digest(v.hash, Array(v.message.utf8))
        let signature = hex(v.r) + hex(v.s)
        #expect(key.verify(signature: signature, hash: hash))
        var flipped = signature
        flipped[flipped.count - 1] ^= 1
        #expect(!key.verify(signature: flipped, hash: hash))
        #expect(!key.verify(signature: Self.der(0x30, Self.derInteger(hex(v.r)) + Self.derInteger(hex(v.s))), hash: hash))
        #expect(!key.verify(signature: Array(signature.dropLast()), hash: hash))
    }

    // MARK: openssl command line

    /// Runs openssl; returns stdout, or nil on a non-zero exit.
    static func run(_ arguments: [String]) throws -> [UInt8]? {
        let result = try ChildProcess.run(try #require(ChildProcess.openssl), arguments, output: .standardOutputOnly)
        return result.status == 0 ? result.output : nil
    }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ikesig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Our RSA SIG opened with the public key and no padding removed is exactly
    /// `00 01 FF..FF 00 | HASH`: type 1 padding over the raw hash, no DigestInfo (RFC 2409 §5.1
    /// as strongSwan and racoon sign); `openssl pkeyutl -verifyrecover` with PKCS#1 padding gives the hash back.
    @Test(.enabled(if: ChildProcess.openssl != nil, "openssl command not installed"), arguments: [20, 32, 64])
    func rsaSignatureIsPKCS1Type1OverTheRawHash(hashLength: Int) throws {
        let key = try SigningKey.generate(.rsa(bits: 2048))
        let hash = (0..<hashLength).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let signature = try key.sign(hash: hash)
        #expect(signature.count == 256)
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyFile = dir.appendingPathComponent("key.pem"), sigFile = dir.appendingPathComponent("sig.bin")
        try Data(key.pem.utf8).write(to: keyFile)
        try Data(signature).write(to: sigFile)
        let block = try #require(try Self.run(["pkeyutl", "-verifyrecover", "-inkey", keyFile.path, "-in", sigFile.path,
                                               "-pkeyopt", "rsa_padding_mode:none"]))
        #expect(block == [0x00, 0x01] + [UInt8](repeating: 0xff, count: 256 - 3 - hashLength) + [0x00] + hash)
        let recovered = try Self.run(["pkeyutl", "-verifyrecover", "-inkey", keyFile.path, "-in", sigFile.path,
                                      "-pkeyopt", "rsa_padding_mode:pkcs1"])
        #expect(recovered == hash)
    }

    /// Our ECDSA r | s, re-encoded as DER by hand, verifies with `openssl pkeyutl` over the raw
    /// hash (no digest applied: the IKEv1 HASH_I/HASH_R is the ECDSA input).
    @Test(.enabled(if: ChildProcess.openssl != nil, "openssl command not installed"),
          arguments: [(KeyAlgorithm.ecdsaP256, 32), (.ecdsaP384, 48), (.ecdsaP521, 64)])
    func ecdsaRawSignatureVerifiesWithOpenSSL(algorithm: KeyAlgorithm, hashLength: Int) throws {
        let key = try SigningKey.generate(algorithm)
        let hash = (0..<hashLength).map { UInt8(truncatingIfNeeded: $0 &* 91 &+ 3) }
        let signature = try key.sign(hash: hash)
        let width = signature.count / 2
        #expect(width == [32, 48, 66][[32, 48, 64].firstIndex(of: hashLength)!])
        let derSignature = Self.der(0x30, Self.derInteger(Array(signature[..<width])) + Self.derInteger(Array(signature[width...])))
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyFile = dir.appendingPathComponent("key.pem"), sigFile = dir.appendingPathComponent("sig.der")
        let hashFile = dir.appendingPathComponent("hash.bin")
        try Data(key.pem.utf8).write(to: keyFile)
        try Data(derSignature).write(to: sigFile)
        try Data(hash).write(to: hashFile)
        let ok = try Self.run(["pkeyutl", "-verify", "-inkey", keyFile.path, "-in", hashFile.path, "-sigfile", sigFile.path])
        #expect(ok.map { String(decoding: $0, as: UTF8.self) }?.contains("Signature Verified Successfully") == true)
        var wrong = hash
        wrong[0] ^= 1
        try Data(wrong).write(to: hashFile)
        #expect(try Self.run(["pkeyutl", "-verify", "-inkey", keyFile.path, "-in", hashFile.path, "-sigfile", sigFile.path]) == nil)
    }
}
