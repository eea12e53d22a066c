internal import COpenSSL

/// A SHA-512-crypt password hash, `$6$[rounds=N$]salt$checksum`: Ulrich Drepper, "Unix crypt
/// using SHA-256 and SHA-512" (https://www.akkadia.org/drepper/SHA-crypt.txt), what
/// `openssl passwd -6`, `mkpasswd -m sha-512` and /etc/shadow produce.
///
/// ```swift
/// let stored = try SHA512CryptHash("$6$saltstring$svn8Uo…")   // from a users file
/// stored.verify(password)                                      // constant-time compare
/// ```
public struct SHA512CryptHash: Hashable, Sendable, CustomStringConvertible {
    /// The salt: at most 16 printable ASCII characters, no `$`.
    public let salt: String
    /// Rounds of the main loop, 1000 to 999,999,999 (5000 when the text names none).
    public let rounds: Int
    /// Whether the text names the rounds (`rounds=N$`); the hash text then repeats them.
    public let namesRounds: Bool
    /// The 86-character checksum in crypt's base-64 alphabet.
    public let checksum: String

    /// Rounds when none are named, and the bounds a named count is clamped to (spec, "rounds=").
    public static let defaultRounds = 5000, minimumRounds = 1000, maximumRounds = 999_999_999
    /// The longest salt; longer salts in a setting are cut (spec, step 3 of "Usage").
    public static let maximumSaltLength = 16

    /// Parses a stored hash; throws `invalidPasswordHash` saying what is wrong with it.
    public init(_ text: String) throws(CryptoError) {
        let (salt, rounds, named, rest) = try Self.setting(text, strict: true)
        guard let checksum = rest, checksum.utf8.count == 86, checksum.utf8.allSatisfy(Self.alphabet.contains) else {
            throw CryptoError(.invalidPasswordHash, "a $6$ hash ends in $ and 86 characters of [./0-9A-Za-z] after its salt")
        }
        self.init(salt: salt, rounds: rounds, namesRounds: named, checksum: checksum)
    }

    /// crypt(3): hashes `password` with the salt and rounds of `setting` (`$6$[rounds=N$]salt`,
    /// anything after the salt's `$` ignored). As the spec says, a longer salt is cut to 16
    /// characters and named rounds are clamped to 1000...999,999,999.
    public init(password: SecretBytes, setting: String) throws(CryptoError) {
        let (salt, rounds, named, _) = try Self.setting(setting, strict: false)
        self.init(salt: salt, rounds: rounds, namesRounds: named,
                  checksum: Self.checksum(password: password, salt: Array(salt.utf8), rounds: rounds))
    }

    private init(salt: String, rounds: Int, namesRounds: Bool, checksum: String) {
        self.salt = salt
        self.rounds = rounds
        self.namesRounds = namesRounds
        self.checksum = checksum
    }

    /// True when `password` hashes to this checksum; compares in constant time.
    public func verify(_ password: SecretBytes) -> Bool {
        let computed = Self.checksum(password: password, salt: Array(salt.utf8), rounds: rounds)
        return constantTimeEqual(Array(computed.utf8), Array(checksum.utf8))
    }

    /// The hash as crypt(3) writes it.
    public var description: String {
        "$6$" + (namesRounds ? "rounds=\(rounds)$" : "") + salt + "$" + checksum
    }

    /// crypt's base-64 alphabet (spec, "b64_from_24bit").
    static let alphabet = Array("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// Salt, rounds, whether named, and what follows the salt's `$` (nil when nothing does).
    /// `strict` (a stored hash) refuses what a setting would repair: a salt over 16 characters,
    /// rounds out of range.
    private static func setting(_ text: String, strict: Bool)
        throws(CryptoError) -> (salt: String, rounds: Int, named: Bool, rest: String?) {
        guard text.hasPrefix("$6$") else {
            let scheme = text.hasPrefix("$") ? " (this is \(text.split(separator: "$").first.map { "$\($0)$" } ?? "$"))" : ""
            throw CryptoError(.invalidPasswordHash, "only SHA-512-crypt ($6$) is supported\(scheme)")
        }
        var body = Substring(text.dropFirst(3))
        var rounds = defaultRounds, named = false
        if body.hasPrefix("rounds=") {
            let digits = body.dropFirst(7).prefix { $0 != "$" }
            guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(digits),
                  body.dropFirst(7 + digits.count).first == "$" else {
                throw CryptoError(.invalidPasswordHash, "rounds= is followed by a decimal count and $")
            }
            if strict, !(minimumRounds...maximumRounds).contains(n) {
                throw CryptoError(.invalidPasswordHash, "rounds=\(n) is outside \(minimumRounds)-\(maximumRounds)")
            }
            rounds = min(max(n, minimumRounds), maximumRounds)
            named = true
            body = body.dropFirst(7 + digits.count + 1)
        }
        let end = body.firstIndex(of: "$")
        var salt = body[..<(end ?? body.endIndex)]
        guard salt.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            throw CryptoError(.invalidPasswordHash, "the salt is printable ASCII")
        }
        if salt.count > maximumSaltLength {
            guard !strict else { throw CryptoError(.invalidPasswordHash, "the salt has \(salt.count) characters, at most 16") }
            salt = salt.prefix(maximumSaltLength)
        }
        return (String(salt), rounds, named, end.map { String(body[body.index(after: $0)...]) })
    }

    /// The 86-character checksum: the spec's steps 1-22 (the "Usage" algorithm).
    private static func checksum(password: SecretBytes, salt: [UInt8], rounds: Int) -> String {
        password.withUnsafeBytes { p in
            salt.withUnsafeBytes { s in
                let digest = SHA512Context()
                // One scratch area for every password-derived value, wiped before it is freed:
                // A/C (64), B (64), DP (64), DS (64), P-sequence (|P|), S-sequence (|S|).
                let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 + p.count + s.count, alignment: 16)
                defer { OPENSSL_cleanse(scratch.baseAddress, scratch.count); scratch.deallocate() }
                let c = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<64])
                let b = UnsafeMutableRawBufferPointer(rebasing: scratch[64..<128])
                let dp = UnsafeMutableRawBufferPointer(rebasing: scratch[128..<192])
                let ds = UnsafeMutableRawBufferPointer(rebasing: scratch[192..<256])
                let pSequence = UnsafeMutableRawBufferPointer(rebasing: scratch[256..<(256 + p.count)])
                let sSequence = UnsafeMutableRawBufferPointer(rebasing: scratch[(256 + p.count)...])

                // Steps 4-8: B = H(P S P).
                digest.start(); digest.add(p); digest.add(s); digest.add(p); digest.finish(into: b)
                // Steps 1-3, 9-12: A = H(P S B-repeated-to-|P| (bits of |P| choose B or P)).
                digest.start(); digest.add(p); digest.add(s)
                var n = p.count
                while n > 64 { digest.add(UnsafeRawBufferPointer(b)); n -= 64 }
                digest.add(UnsafeRawBufferPointer(rebasing: b[0..<n]))
                n = p.count
                while n > 0 { digest.add(n & 1 == 1 ? UnsafeRawBufferPointer(b) : p); n >>= 1 }
                digest.finish(into: c)
                // Steps 13-16: DP = H(P repeated |P| times); P-sequence = DP repeated to |P| bytes.
                digest.start()
                for _ in 0..<p.count { digest.add(p) }
                digest.finish(into: dp)
                for i in 0..<p.count { pSequence[i] = dp[i % 64] }
                // Steps 17-20: DS = H(S repeated 16 + A[0] times); S-sequence = DS cut to |S| bytes.
                digest.start()
                for _ in 0..<(16 + Int(c[0])) { digest.add(s) }
                digest.finish(into: ds)
                for i in 0..<s.count { sSequence[i] = ds[i] }
                // Step 21: the rounds.
                let ps = UnsafeRawBufferPointer(pSequence), ss = UnsafeRawBufferPointer(sSequence)
                for i in 0..<rounds {
                    digest.start()
                    digest.add(i & 1 == 1 ? ps : UnsafeRawBufferPointer(c))
                    if i % 3 != 0 { digest.add(ss) }
                    if i % 7 != 0 { digest.add(ps) }
                    digest.add(i & 1 == 1 ? UnsafeRawBufferPointer(c) : ps)
                    digest.finish(into: c)
                }
                return encode(UnsafeRawBufferPointer(c))
            }
        }
    }

    /// Step 22: the 64 bytes as 86 characters, in the spec's byte order for SHA-512.
    private static func encode(_ c: UnsafeRawBufferPointer) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(86)
        func put(_ b2: UInt8, _ b1: UInt8, _ b0: UInt8, _ count: Int) {
            var w = UInt32(b2) << 16 | UInt32(b1) << 8 | UInt32(b0)
            for _ in 0..<count { out.append(alphabet[Int(w & 0x3f)]); w >>= 6 }
        }
        // Groups (i, i+21, i+42) rotated as the spec lists them, then byte 63 alone.
        for k in 0..<21 {
            let (x, y, z) = (k, k + 21, k + 42)
            switch k % 3 {
            case 0: put(c[x], c[y], c[z], 4)
            case 1: put(c[y], c[z], c[x], 4)
            default: put(c[z], c[x], c[y], 4)
            }
        }
        put(0, 0, c[63], 2)
        return String(decoding: out, as: UTF8.self)
    }
}

/// An EVP SHA-512 context reused across the rounds.
private final class SHA512Context {
    private let context: OpaquePointer

    init() {
        guard let ctx = EVP_MD_CTX_new() else { preconditionFailure("EVP_MD_CTX_new failed") }
        context = ctx
    }

    deinit { EVP_MD_CTX_free(context) }

    func start() {
        precondition(EVP_DigestInit_ex(context, EVP_sha512(), nil) == 1, "EVP_DigestInit_ex failed")
    }

    func add(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        precondition(EVP_DigestUpdate(context, base, bytes.count) == 1, "EVP_DigestUpdate failed")
    }

    func finish(into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count == 64, "SHA-512 writes 64 bytes")
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(context, out.baseAddress?.assumingMemoryBound(to: UInt8.self), &length) == 1
                     && length == 64, "EVP_DigestFinal_ex failed")
    }
}
