import Foundation
import IPsecCrypto
import Testing
import TestSupport

/// SHA-512-crypt against two references: the test vectors of Drepper's specification
/// (Fixtures/sha512-crypt/drepper-sha-crypt.txt) and hashes made by `openssl passwd -6`
/// (Fixtures/sha512-crypt/openssl-passwd-6.txt, made by make-openssl-vectors.sh; the empty
/// password by glibc's crypt(3)), plus a live comparison with openssl where it is installed.
@Suite struct SHA512CryptTests {
    struct Vector: CustomTestStringConvertible {
        var setting: String
        var password: String
        var hash: String
        var testDescription: String { "\(setting) \(password.prefix(20))" }
    }

    /// `SETTING<TAB>PASSWORD<TAB>HASH` lines.
    static func vectors(_ file: String) throws -> [Vector] {
        let text = try Fixtures.text("sha512-crypt/\(file)")
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map {
            let f = $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Vector(setting: f[0], password: f[1], hash: f[2])
        }
    }

    @Test func fixturesAreThere() throws {
        #expect(try Self.vectors("drepper-sha-crypt.txt").count == 7)
        #expect(try Self.vectors("openssl-passwd-6.txt").count == 16)
    }

    @Test(arguments: try nonEmpty(vectors("drepper-sha-crypt.txt")))
    func specificationVectorsHashAndVerify(_ v: Vector) throws {
        let computed = try SHA512CryptHash(password: SecretBytes(Array(v.password.utf8)), setting: v.setting)
        #expect(computed.description == v.hash)
        let stored = try SHA512CryptHash(v.hash)
        #expect(stored.verify(SecretBytes(Array(v.password.utf8))))
        #expect(!stored.verify(SecretBytes(Array((v.password + "x").utf8))))
    }

    @Test(arguments: try nonEmpty(vectors("openssl-passwd-6.txt")))
    func opensslVectorsHashAndVerify(_ v: Vector) throws {
        // openssl's -salt takes the setting without "$6$".
        let computed = try SHA512CryptHash(password: SecretBytes(Array(v.password.utf8)), setting: "$6$" + v.setting)
        #expect(computed.description == v.hash)
        #expect(try SHA512CryptHash(v.hash).verify(SecretBytes(Array(v.password.utf8))))
    }

    /// Spec: a salt longer than 16 characters is cut, rounds below 1000 become 1000 and are
    /// then written; unnamed rounds are 5000 and not written.
    @Test func settingsAreNormalisedAsTheSpecSays() throws {
        let p = SecretBytes(Array("pw".utf8))
        let cut = try SHA512CryptHash(password: p, setting: "$6$rounds=10$0123456789abcdefXYZ$ignored")
        #expect(cut.salt == "0123456789abcdef" && cut.rounds == 1000 && cut.namesRounds)
        #expect(cut.description.hasPrefix("$6$rounds=1000$0123456789abcdef$"))
        let plain = try SHA512CryptHash(password: p, setting: "$6$abc")
        #expect(plain.rounds == 5000 && !plain.namesRounds && plain.description.hasPrefix("$6$abc$"))
        #expect(try SHA512CryptHash(plain.description) == plain)
    }

    @Test(arguments: [
        ("$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5", "$5$"),
        ("$1$deadbeef$Q7g0UO4hRC0mgQUQ/qkjZ0", "$1$"),
        ("plaintext", "$6$"),
        ("$6$saltstring$tooshort", "86 characters"),
        ("$6$saltstring", "86 characters"),
        ("$6$rounds=999$salt$" + String(repeating: "a", count: 86), "outside 1000"),
        ("$6$rounds=x$salt$" + String(repeating: "a", count: 86), "decimal"),
        ("$6$0123456789abcdefg$" + String(repeating: "a", count: 86), "at most 16"),
        ("$6$salt$" + String(repeating: "a", count: 85) + "!", "86 characters"),
    ])
    func malformedStoredHashesAreRefusedWithAReason(_ text: String, _ reason: String) {
        #expect {
            _ = try SHA512CryptHash(text)
        } throws: { error in
            let e = error as? CryptoError
            return e?.code == .invalidPasswordHash && (e?.reason.contains(reason) ?? false)
        }
    }

    /// Random passwords and salts (seeded, printable ASCII) against a live `openssl passwd -6`.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "/usr/bin/openssl is not installed"))
    func randomPasswordsAgreeWithALiveOpenSSL() throws {
        var entropy = SeededEntropy(seed: 0x5eed_6c72_7970_7400)
        let saltAlphabet = Array("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        for _ in 0..<12 {
            let lengths = entropy.bytes(2)
            let password = String(decoding: entropy.bytes(Int(lengths[0]) % 140 + 1).map { $0 % 94 + 33 }, as: UTF8.self)
            let salt = String(entropy.bytes(Int(lengths[1]) % 16 + 1).map { saltAlphabet[Int($0 % 64)] })
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            p.arguments = ["passwd", "-6", "-salt", salt, "-stdin"]
            let input = Pipe(), output = Pipe()
            p.standardInput = input
            p.standardOutput = output
            try p.run()
            input.fileHandleForWriting.write(Data((password + "\n").utf8))
            try input.fileHandleForWriting.close()
            let expected = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            p.waitUntilExit()
            let ours = try SHA512CryptHash(password: SecretBytes(Array(password.utf8)), setting: "$6$" + salt)
            #expect(ours.description == expected, "password \(password) salt \(salt)")
        }
    }
}
