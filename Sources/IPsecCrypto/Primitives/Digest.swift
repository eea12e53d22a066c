internal import COpenSSL

/// A hash function as negotiated in IKEv1 (RFC 2409 Appendix A class 2) and
/// used by HMAC in ESP/AH.
public enum HashAlgorithm: String, Hashable, Sendable, CaseIterable {
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

    /// The IKEv1 Hash Algorithm attribute value (RFC 2409 App. A, RFC 4868 §4).
    public var ikeAttributeValue: UInt16 {
        switch self {
        case .md5: 1
        case .sha1: 2
        case .sha256: 4
        case .sha384: 5
        case .sha512: 6
        }
    }

    /// The hash for an IKEv1 Hash Algorithm attribute value, if supported.
    public init?(ikeAttributeValue: UInt16) {
        guard let h = Self.allCases.first(where: { $0.ikeAttributeValue == ikeAttributeValue }) else { return nil }
        self = h
    }

    /// True for MD5, which policy refuses unless `legacy` is allowed.
    public var isLegacy: Bool { self == .md5 }

    var openSSLName: String {
        switch self {
        case .md5: "MD5"
        case .sha1: "SHA1"
        case .sha256: "SHA256"
        case .sha384: "SHA384"
        case .sha512: "SHA512"
        }
    }

    var evp: OpaquePointer {
        switch self {
        case .md5: EVP_md5()
        case .sha1: EVP_sha1()
        case .sha256: EVP_sha256()
        case .sha384: EVP_sha384()
        case .sha512: EVP_sha512()
        }
    }

    /// The plain hash of `data` (not HMAC).
    public func hash(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        var outLength: UInt32 = 0
        let ok = data.withUnsafeBytes { d in
            EVP_Digest(d.baseAddress ?? UnsafeRawPointer(bitPattern: 1), d.count, &out, &outLength, evp, nil)
        }
        precondition(ok == 1 && Int(outLength) == length, "EVP_Digest failed")
        return out
    }

    /// HMAC (RFC 2104) of `data` under `key`, full length.
    public func hmac(key: UnsafeRawBufferPointer, _ data: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        var outLength: UInt32 = 0
        // A zero-length key must still be a valid pointer for libcrypto.
        let dummy: UInt8 = 0
        let result = withUnsafePointer(to: dummy) { dummyPointer in
            HMAC(evp,
                 key.baseAddress ?? UnsafeRawPointer(dummyPointer), Int32(key.count),
                 data.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? dummyPointer, data.count,
                 &out, &outLength)
        }
        precondition(result != nil && Int(outLength) == length, "HMAC failed")
        return out
    }

    /// HMAC of `data` under `key` (arrays).
    public func hmac(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        key.withUnsafeBytes { k in data.withUnsafeBytes { d in hmac(key: k, d) } }
    }
}

private struct HMACAlgorithm: @unchecked Sendable {
    let mac: OpaquePointer?
}

/// HMAC fetched once per process.
private let hmacAlgorithm = HMACAlgorithm(mac: EVP_MAC_fetch(nil, "HMAC", nil))

/// A reusable HMAC: the key is set once; each message is `reset()`,
/// `update(_:)`… and `finalize(into:)` with no heap allocation by this type.
/// One instance per SA and direction; not safe for concurrent use.
///
/// Note: OpenSSL 3.0 duplicates the inner digest state when an HMAC is
/// restarted with the same key, which may allocate inside libcrypto.
public final class HMACContext {
    /// The hash underlying this HMAC.
    public let hash: HashAlgorithm
    private let ctx: OpaquePointer

    /// Creates an HMAC context keyed with `key`.
    public init(hash: HashAlgorithm, key: [UInt8]) throws(CryptoError) {
        guard let mac = hmacAlgorithm.mac, let ctx = EVP_MAC_CTX_new(mac) else {
            throw .internalFailure("EVP_MAC_CTX_new(HMAC)")
        }
        self.hash = hash
        self.ctx = ctx
        let dummy: [UInt8] = [0]
        let ok = (key.isEmpty ? dummy : key).withUnsafeBufferPointer { k in
            swift_ikev1_hmac_init(ctx, hash.openSSLName, k.baseAddress, key.count)
        }
        guard ok == 1 else {
            EVP_MAC_CTX_free(ctx)
            throw .internalFailure("EVP_MAC_init(HMAC-\(hash.openSSLName))")
        }
    }

    deinit { EVP_MAC_CTX_free(ctx) }

    /// Starts a new message with the same key.
    public func reset() {
        precondition(EVP_MAC_init(ctx, nil, 0, nil) == 1, "EVP_MAC_init failed")
    }

    /// Feeds `data` into the current message.
    public func update(_ data: UnsafeRawBufferPointer) {
        guard let base = data.baseAddress, data.count > 0 else { return }
        precondition(EVP_MAC_update(ctx, base.assumingMemoryBound(to: UInt8.self), data.count) == 1,
                     "EVP_MAC_update failed")
    }

    /// Writes the first `output.count` bytes of the MAC (ESP truncation,
    /// e.g. 12 for HMAC-SHA1-96, 16 for HMAC-SHA2-256-128) into `output`.
    public func finalize(into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count <= hash.length, "MAC truncation longer than the digest")
        withUnsafeTemporaryAllocation(byteCount: 64, alignment: 16) { full in
            var outLength = 0
            let base = full.baseAddress!.assumingMemoryBound(to: UInt8.self)
            precondition(EVP_MAC_final(ctx, base, &outLength, 64) == 1, "EVP_MAC_final failed")
            output.copyMemory(from: UnsafeRawBufferPointer(rebasing: full[0..<output.count]))
            OPENSSL_cleanse(full.baseAddress, 64)
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
