internal import COpenSSL

/// A hash function as negotiated in IKEv1 (RFC 2409 Appendix A class 2) and
/// used by HMAC in ESP/AH.
public enum HashAlgorithm: String, Hashable, Sendable, CaseIterable {
    /// MD5 (RFC 1321), SHA-1 and SHA-256/384/512 (FIPS 180-4); the raw value is the lower-case name.
    case md5, sha1, sha256, sha384, sha512

    /// Digest length in bytes.
    public var length: Int {
        switch self {
        case .md5: 16
        case .sha1: 20
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    /// True for MD5, which policy refuses unless `legacy` is allowed.
    public var isLegacy: Bool { self == .md5 }

    /// The plain hash of `data` (not HMAC).
    ///
    /// Through the shim's plain digest states: `EVP_Digest` fetches the algorithm and allocates
    /// a context on every call, which costs more than hashing a short IKE message.
    public func hash(_ data: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: length) { out, count in
            data.withUnsafeBytes { hash($0, into: UnsafeMutableRawBufferPointer(out)) }
            count = length
        }
    }

    /// The plain hash of `data` written into the first `length` bytes of `out` (no allocation).
    public func hash(_ data: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= length, "digest output shorter than \(length) bytes")
        var state = swift_ikev1_digest_state()
        swift_ikev1_digest_init(shimIndex, &state)
        if let base = data.baseAddress, data.count > 0 { swift_ikev1_digest_update(shimIndex, &state, base, data.count) }
        swift_ikev1_digest_final(shimIndex, &state, out.baseAddress!.assumingMemoryBound(to: UInt8.self))
        OPENSSL_cleanse(&state, MemoryLayout<swift_ikev1_digest_state>.size)
    }

    /// The first `n` bytes (at most `length`) of the plain hash of `first | second`, without
    /// joining them.
    func hash(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer, prefix n: Int) -> [UInt8] {
        precondition(n <= length, "prefix longer than the digest")
        var state = swift_ikev1_digest_state()
        var full: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        swift_ikev1_digest_init(shimIndex, &state)
        if first.count > 0 { swift_ikev1_digest_update(shimIndex, &state, first.baseAddress!, first.count) }
        if second.count > 0 { swift_ikev1_digest_update(shimIndex, &state, second.baseAddress!, second.count) }
        return withUnsafeMutableBytes(of: &full) { full in
            swift_ikev1_digest_final(shimIndex, &state, full.baseAddress!.assumingMemoryBound(to: UInt8.self))
            OPENSSL_cleanse(&state, MemoryLayout<swift_ikev1_digest_state>.size)
            return Array(UnsafeRawBufferPointer(rebasing: full[0..<n]))
        }
    }

    /// HMAC (RFC 2104) of `data` under `key`, full length.
    ///
    /// Through the shim's plain digest states, as `HMACContext`: libcrypto's one-shot `HMAC`
    /// fetches the digest and allocates MAC contexts on every call, several times the cost of
    /// the hashing itself for the short messages of IKE's PRF.
    public func hmac(key: UnsafeRawBufferPointer, _ data: UnsafeRawBufferPointer) -> [UInt8] {
        hmac(key: key) { input in input(data) }
    }

    /// HMAC of `parts` one after the other, without joining them first.
    func hmac(key: UnsafeRawBufferPointer, parts: [[UInt8]]) -> [UInt8] {
        hmac(key: key) { input in
            for part in parts { input(part) }
        }
    }

    /// HMAC of what `feed` hands to its ``HMACInput``, full length.
    func hmac(key: UnsafeRawBufferPointer, _ feed: (HMACInput) -> Void) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            hmac(key: key, into: UnsafeMutableRawBufferPointer(buffer), feed)
            count = length
        }
    }

    /// HMAC of what `feed` hands to its ``HMACInput``: its first `out.count` bytes (at most
    /// `length`) written to `out`. Nothing is allocated.
    func hmac(key: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer, _ feed: (HMACInput) -> Void) {
        withHMAC(key: key) { $0.mac(into: out, feed) }
    }

    /// Runs `body` with an HMAC keyed once for any number of messages (the key's pads hashed
    /// once, RFC 2104 §4). The state lives on the stack and is wiped afterwards.
    func withHMAC<R>(key: UnsafeRawBufferPointer, _ body: (KeyedHMAC) -> R) -> R {
        var state = swift_ikev1_hmac_state()
        return withUnsafeMutablePointer(to: &state) { state in
            defer { OPENSSL_cleanse(state, MemoryLayout<swift_ikev1_hmac_state>.size) }
            swift_ikev1_hmac_set_key(state, shimIndex, key.baseAddress?.assumingMemoryBound(to: UInt8.self), key.count)
            return body(KeyedHMAC(state: state, length: length))
        }
    }

    /// HMAC of `data` under `key` (arrays).
    public func hmac(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        key.withUnsafeBytes { k in data.withUnsafeBytes { d in hmac(key: k, d) } }
    }
}

/// A reusable HMAC: the key is set once (inner and outer digest states
/// precomputed); each message is `reset()`, `update(_:)`… and
/// `finalize(into:)` with no heap allocation (states are copied by value, not
/// duplicated as OpenSSL 3.0's EVP_MAC does). One instance per SA and
/// direction; not for concurrent use.
public final class HMACContext {
    /// The hash underlying this HMAC.
    public let hash: HashAlgorithm
    private let state: UnsafeMutablePointer<swift_ikev1_hmac_state>

    /// Creates an HMAC context keyed with secret bytes.
    public init(hash: HashAlgorithm, key: SecretBytes) {
        self.hash = hash
        state = .allocate(capacity: 1)
        key.withUnsafeBytes { k in
            swift_ikev1_hmac_set_key(state, hash.shimIndex, k.baseAddress?.assumingMemoryBound(to: UInt8.self), k.count)
        }
    }

    /// Creates an HMAC context keyed with `key`.
    public convenience init(hash: HashAlgorithm, key: [UInt8]) {
        self.init(hash: hash, key: SecretBytes(key))
    }

    deinit {
        OPENSSL_cleanse(state, MemoryLayout<swift_ikev1_hmac_state>.size)
        state.deallocate()
    }

    /// Starts a new message with the same key.
    @inline(__always)
    public func reset() { swift_ikev1_hmac_reset(state) }

    /// Feeds `data` into the current message.
    @inline(__always)
    public func update(_ data: UnsafeRawBufferPointer) {
        guard let base = data.baseAddress, data.count > 0 else { return }
        swift_ikev1_hmac_update(state, base, data.count)
    }

    /// Writes the first `output.count` bytes of the MAC (ESP truncation,
    /// e.g. 12 for HMAC-SHA1-96, 16 for HMAC-SHA2-256-128) into `output`
    /// and resets for the next message.
    public func finalize(into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count <= hash.length, "MAC truncation longer than the digest")
        withUnsafeTemporaryAllocation(byteCount: 64, alignment: 16) { full in
            swift_ikev1_hmac_final(state, full.baseAddress!.assumingMemoryBound(to: UInt8.self))
            output.copyMemory(from: UnsafeRawBufferPointer(rebasing: full[0..<output.count]))
            OPENSSL_cleanse(full.baseAddress, 64)
        }
    }

    /// Resets, feeds `data` and compares the (truncated) MAC with `icv` in
    /// constant time; the ICV length selects the truncation.
    public func verify(_ data: UnsafeRawBufferPointer, icv: UnsafeRawBufferPointer) -> Bool {
        guard icv.count > 0, icv.count <= hash.length else { return false }
        return withUnsafeTemporaryAllocation(byteCount: 64, alignment: 16) { scratch in
            let computed = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<icv.count])
            authenticate(data, into: computed)
            return constantTimeEqual(UnsafeRawBufferPointer(computed), icv)
        }
    }

    /// Resets, feeds `data` and writes the (truncated) MAC into `output`.
    public func authenticate(_ data: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        reset()
        update(data)
        finalize(into: output)
    }

    /// Computes the MAC of `data` truncated to `length` bytes (default: full).
    public func authenticate(_ data: [UInt8], length: Int? = nil) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length ?? hash.length)
        data.withUnsafeBytes { d in out.withUnsafeMutableBytes { authenticate(d, into: $0) } }
        return out
    }
}

extension HashAlgorithm {
    /// The shim's `swift_ikev1_hmac_*` index of the hash (also for the benchmark baseline).
    package var shimIndex: Int32 {
        switch self {
        case .md5: 0
        case .sha1: 1
        case .sha256: 2
        case .sha384: 3
        case .sha512: 4
        }
    }
}
