import Foundation
import IKEv1
import IKEv1Config
import IPsecCrypto
import Testing

/// The gateway's XAUTH users file: plain and SHA-512-crypt entries, and a mistake named by its
/// line without echoing a password. Hashes come from Fixtures/sha512-crypt (Drepper's vectors,
/// openssl passwd -6) and from a live `openssl passwd -6` where it is installed.
struct XAUTHUsersFileTests {
    static func secret(_ s: String) -> SecretBytes { SecretBytes(Array(s.utf8)) }

    static let text = """
    # lab users\r
    alice:alice-pass\r

      # indented comment
    bob:$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/
    carol:pa:ss word #not a comment
     dave :  spaced
    erin:$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.
    """

    @Test func plainAndHashedUsersAreChecked() throws {
        let users = try XAUTHUsersFile(parsing: Self.text)
        #expect(users.userNames == ["alice", "bob", "carol", "dave", "erin"])
        #expect(users.authenticate(user: "alice", password: Self.secret("alice-pass")) == .accept)
        #expect(users.authenticate(user: "bob", password: Self.secret("password")) == .accept)          // openssl-passwd-6.txt
        #expect(users.authenticate(user: "erin", password: Self.secret("Hello world!")) == .accept)      // Drepper's vector 2
        // The password is everything after the first ':' (a '#' included); the name is trimmed.
        #expect(users.authenticate(user: "carol", password: Self.secret("pa:ss word #not a comment")) == .accept)
        #expect(users.authenticate(user: "dave", password: Self.secret("  spaced")) == .accept)
    }

    @Test(arguments: [
        ("alice", "alice-pas"), ("alice", "alice-pass "), ("alice", "Alice-pass"), ("Alice", "alice-pass"),
        ("bob", "Password"), ("bob", ""), ("erin", "Hello world"), ("carol", "pa"), ("mallory", "alice-pass"), ("", ""),
    ])
    func anythingElseIsRejected(_ user: String, _ password: String) throws {
        let users = try XAUTHUsersFile(parsing: Self.text)
        #expect(users.authenticate(user: user, password: Self.secret(password)) == .reject)
    }

    @Test(arguments: [
        ("alice:a\nbob", 2, "found no ':'"),
        ("alice:a\n:nameless", 2, "user name before ':' is empty"),
        ("# c\nalice:", 2, "alice has an empty password"),
        ("alice:one\nbob:b\nalice:two", 3, "alice is listed twice (first on line 1)"),
        ("zed:$1$deadbeef$Q7g0UO4hRC0mgQUQ/qkjZ0", 1, "user zed: only SHA-512-crypt ($6$) is supported (this is $1$)"),
        ("zed:$6$salt$tooshort-secret", 1, "user zed: a $6$ hash ends in $ and 86 characters"),
        ("a:b\n\nzed:$6$rounds=12$salt$" + String(repeating: "a", count: 86), 3, "rounds=12 is outside"),
    ])
    func everyMistakeNamesItsLine(_ text: String, _ line: Int, _ message: String) {
        #expect {
            _ = try XAUTHUsersFile(parsing: text)
        } throws: { error in
            guard let e = error as? ConfigFile.Error else { return false }
            return e.line == line && e.message.contains(message) && e.description.hasPrefix("line \(line): ")
                && !e.description.contains("tooshort-secret") && !e.description.contains("one") && !e.description.contains("two")
        }
    }

    @Test func anEmptyFileHasNoUsers() throws {
        let users = try XAUTHUsersFile(parsing: "# nobody yet\n\n")
        #expect(users.userNames.isEmpty)
        #expect(users.authenticate(user: "alice", password: Self.secret("alice-pass")) == .reject)
    }

    /// A hash written by a live `openssl passwd -6` for a password and salt chosen here.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "/usr/bin/openssl is not installed"))
    func aHashFromOpenSSLAuthenticates() throws {
        let password = "Tr0ub4dor&3 ✓"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = ["passwd", "-6", "-salt", "xauthTest", password]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let hash = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        p.waitUntilExit()
        let users = try XAUTHUsersFile(parsing: "frank:\(hash)\n")
        #expect(users.authenticate(user: "frank", password: Self.secret(password)) == .accept)
        #expect(users.authenticate(user: "frank", password: Self.secret("Tr0ub4dor&3")) == .reject)
    }
}
