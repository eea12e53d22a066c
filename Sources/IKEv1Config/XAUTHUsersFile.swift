public import IKEv1
public import IPsecCrypto

/// The users a gateway accepts in XAUTH (`--xauth-users FILE`, issue 16): one user per line,
///
/// ```
/// # comment lines and blank lines are skipped
/// alice:alice-pass                       the password as it is (up to the line's end)
/// bob:$6$rounds=5000$salt$checksum…      SHA-512-crypt, as `openssl passwd -6` writes it
/// ```
///
/// The name ends at the first `:` (spaces around it are dropped); everything after it is the
/// password, byte for byte, or a `$6$` hash when it starts with `$`. Every mistake names its
/// line and never echoes a password. Plain passwords are kept only as an HMAC-SHA-512 digest
/// in wiped storage; every check compares in constant time.
public struct XAUTHUsersFile: XAUTHAuthenticator {
    private enum Credential: Sendable {
        case digest(SecretBytes)
        case hash(SHA512CryptHash)
    }

    private let users: [String: Credential]
    /// A $6$ hash checked for unknown names when the file holds hashes, so a reply for a name
    /// that is not listed takes as long as one for a name that is.
    private let decoy: SHA512CryptHash?

    /// The user names, sorted.
    public var userNames: [String] { users.keys.sorted() }

    /// Reads the file's text; a mistake throws `line N: why`.
    public init(parsing text: String) throws(ConfigFile.Error) {
        var users: [String: Credential] = [:]
        var firstLine: [String: Int] = [:]
        // "\r\n" is one Character in Swift: split on it too, or a CRLF file is a single line.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (index, raw) in lines.enumerated() {
            let n = index + 1
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            let content = line.drop { $0 == " " || $0 == "\t" }
            if content.isEmpty || content.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw ConfigFile.Error(line: n, message: "expected name:password or name:$6$hash, found no ':'")
            }
            let name = String(line[..<colon]).trimmingWhitespace
            let secret = line[line.index(after: colon)...]
            guard !name.isEmpty else { throw ConfigFile.Error(line: n, message: "the user name before ':' is empty") }
            if let first = firstLine[name] {
                throw ConfigFile.Error(line: n, message: "user \(name) is listed twice (first on line \(first))")
            }
            guard !secret.isEmpty else { throw ConfigFile.Error(line: n, message: "user \(name) has an empty password") }
            if secret.hasPrefix("$") {
                do throws(CryptoError) { users[name] = .hash(try SHA512CryptHash(String(secret))) } catch {
                    throw ConfigFile.Error(line: n, message: "user \(name): \(error.reason)")
                }
            } else {
                users[name] = .digest(Self.digest(SecretBytes(secret.utf8)))
            }
            firstLine[name] = n
        }
        self.users = users
        decoy = users.values.contains { if case .hash = $0 { true } else { false } }
            ? try? SHA512CryptHash(password: SecretBytes([]), setting: "$6$decoy") : nil
    }

    /// Accepts `user` when the password matches their line (a plain password is kept and compared
    /// as a digest, a `$6$` line through SHA-512-crypt); an unknown user costs the same work as a known one.
    public func authenticate(user: String, password: SecretBytes) -> XAUTHDecision {
        switch users[user] {
        case .digest(let stored)?:
            return stored == Self.digest(password) ? .accept : .reject
        case .hash(let stored)?:
            return stored.verify(password) ? .accept : .reject
        case nil:
            if let decoy { _ = decoy.verify(password) } else { _ = Self.digest(password) == Self.digest(SecretBytes([])) }
            return .reject
        }
    }

    /// HMAC-SHA-512 under a fixed label: equal-length values to compare, so neither the
    /// password nor its length is kept or leaks through the comparison.
    private static func digest(_ password: SecretBytes) -> SecretBytes {
        let mac = HMACContext(hash: .sha512, key: Array("swift-ikev1 XAUTH users file".utf8))
        return password.withUnsafeBytes { p in
            SecretBytes(count: HashAlgorithm.sha512.length) { out in mac.authenticate(p, into: out) }
        }
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
