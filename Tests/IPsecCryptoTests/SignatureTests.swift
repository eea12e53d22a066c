import IPsecCrypto
import Testing

/// Signatures as IKEv1 uses them. Keys generated for this test with
/// `openssl genpkey` (OpenSSL 3.0, Debian 12); the RSA known answer is
/// `openssl pkeyutl -sign -pkeyopt rsa_padding_mode:pkcs1` over the 20 bytes
/// "0123456789abcdef0123" (PKCS#1 v1.5 type 1 over the raw bytes, no DigestInfo).
@Suite struct SignatureTests {
    static let rsaPrivate = """
-----BEGIN PRIVATE KEY-----
MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBAJRJu+zwh9MQETnc
RhFjmEqBAFk2gWFp+SYdDhRpEBTDigL5I3yDGuW3tOz0dunsymheP9W+gliEZDgT
YLoaRzpj9d83cf4wP1e9pefoNzdNfjGLPGF4N/z7+r7LyVALpCXP3GIk4Ajy9FmH
++5Neucr8bkLla4iJGKJiuUUocTJAgMBAAECgYEAgxNyJAyxYuXO9EA7R1+r3B+P
eUxurPcJnqEMMwpzhocZ1Wr37TXObsQmD1ZATqJagErfTkap3SiZld+7HoXf8uq5
jPJCOQqtstcUalt6FowgrFz2MX+FZspYUeDA79tNRKI1DSJjsoCuhG5Vn5EpyNYo
5287SYe9N7yHCLPUWwECQQDDQLmgw7jbMebIQ7PWf0i/VNkGs/b97PiTSfA87vpF
1JKa9KJTwYahRb3AYPE4CnTw9B3CiTHASw68jkoUWM25AkEAwmxo0nCZwFGxPppd
OHjlt1MfPRT8fulV4Y7FD50goJH/y7a59acgeBau0EREooApHuLa4EAbUygNTtW/
QHa3kQJBAIcBgxjRHEmbyIpinb/LxP5e6a1D1J2hNAOL1WwchbqxECnKy08EelWa
xmh133SzbkaJVOaFPHxMqcTg0gIdoSkCQGgw0qfb4fl3jgXfkY9+8pQg/n+sbHfS
scxzx1VLvj1uoGdaYCOuUa8pcLt5qlJvXhoINoWwtTQGJcOWtqxkMpECQExPdv4Z
G1vXzH4u0d0leSo9g3rj1bjeun6I4wQbW3yEv9miFtkDuN/xNqbnrYQuUS94UzfT
Bzh9GPXEfleki8k=
-----END PRIVATE KEY-----
"""
    static let rsaPublic = """
-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCUSbvs8IfTEBE53EYRY5hKgQBZ
NoFhafkmHQ4UaRAUw4oC+SN8gxrlt7Ts9Hbp7MpoXj/VvoJYhGQ4E2C6Gkc6Y/Xf
N3H+MD9XvaXn6Dc3TX4xizxheDf8+/q+y8lQC6Qlz9xiJOAI8vRZh/vuTXrnK/G5
C5WuIiRiiYrlFKHEyQIDAQAB
-----END PUBLIC KEY-----
"""
    static let ecPrivate = """
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgMpKpkQKvhurFJJF4
/c2vPPphEO2IMSE1W1eg6QMZBoihRANCAAQbwxyBTeAln8L+r0SbCDqoffnanE/p
yaDuM8BAVTosrteF1JJDkO5NjGALiHPsG8bwy+HqZ3Yr1RQaoQZfN9Rr
-----END PRIVATE KEY-----
"""
    static let ecPublic = """
-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEG8McgU3gJZ/C/q9Emwg6qH352pxP
6cmg7jPAQFU6LK7XhdSSQ5DuTYxgC4hz7BvG8Mvh6md2K9UUGqEGXzfUaw==
-----END PUBLIC KEY-----
"""
    static let hash = Array("0123456789abcdef0123".utf8)
    static let rsaSignature = hex("88cc4a9369da8bc65f53eed9cb888b4e7a5ee49fed0392f592a55b04a9332fd467ef9faaa790d02963c22baad66ff784c667bfd5a54a48a542a6fb3653f2fe51aa0c0fb0382d5ceb36e71ef72e9844f9f9a5b19c6e07631d628690279f9e7cb68f4bd827c88f2bafec6ea59ebea19fad1cb1fa5c156268d138325866fad1c964")

    @Test func rsaSignsRawHashLikeOpenSSLPKCS1() throws {
        let key = try SigningKey(pem: Self.rsaPrivate)
        #expect(key.scheme == .rsaPKCS1Raw)
        #expect(try key.sign(hash: Self.hash) == Self.rsaSignature)
        let pub = try VerifyingKey(pem: Self.rsaPublic)
        #expect(pub.verify(signature: Self.rsaSignature, hash: Self.hash))
        #expect(!pub.verify(signature: Self.rsaSignature, hash: Array(Self.hash.reversed())))
        #expect(VerifyingKey(key).verify(signature: Self.rsaSignature, hash: Self.hash))
    }

    @Test func ecdsaProducesRawRAndS() throws {
        let key = try SigningKey(pem: Self.ecPrivate)
        #expect(key.scheme == .ecdsaRaw)
        let digest = HashAlgorithm.sha256.hash(Self.hash)
        let signature = try key.sign(hash: digest)
        #expect(signature.count == 64)
        let pub = try VerifyingKey(pem: Self.ecPublic)
        #expect(pub.verify(signature: signature, hash: digest))
        var tampered = signature
        tampered[10] ^= 1
        #expect(!pub.verify(signature: tampered, hash: digest))
        #expect(!pub.verify(signature: Array(signature.prefix(63)), hash: digest))
    }

    @Test func badKeysThrowTypedErrors() {
        #expect(throws: CryptoError(.invalidKeyEncoding, "")) { try SigningKey(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n") }
        #expect(throws: CryptoError(.invalidKeyEncoding, "")) { try VerifyingKey(der: [0x30, 0x03, 0x02, 0x01, 0x01]) }
        #expect(throws: CryptoError(.invalidCertificate, "")) { try VerifyingKey(certificateDER: [1, 2, 3]) }
    }
}
