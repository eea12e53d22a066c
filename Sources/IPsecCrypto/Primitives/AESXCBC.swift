/// AES-XCBC-MAC (RFC 3566): the ESP/AH integrity algorithm AES-XCBC-MAC-96
/// (truncate to 12 bytes) and, with RFC 4434 key handling, the PRF
/// AES-XCBC-PRF-128. Keyed once; `reset`/`update`/`finalize` per message with
/// no heap allocation. One instance per SA and direction; not for concurrent use.
public final class AESXCBC {
    private let k1: CipherContext
    /// K2 | K3 | state | pending, 64 bytes allocated once and wiped on release.
    private let scratch: UnsafeMutableRawBufferPointer
    private var pendingCount = 0

    /// Keys XCBC with a 16-byte AES key (RFC 3566 §4).
    public init(key: SecretBytes) throws(CryptoError) {
        guard key.count == 16 else {
            throw CryptoError(.invalidKeyLength, "AES-XCBC-MAC needs a 16-byte key, got \(key.count)")
        }
        // K1 = E(K, 0x01..), K2 = E(K, 0x02..), K3 = E(K, 0x03..)  (RFC 3566 §4)
        let derived = try key.withUnsafeBytes { k throws(CryptoError) in
            let base = try CipherContext(name: "AES-128-ECB", key: k, encrypt: true)
            var blocks = [UInt8](repeating: 1, count: 16) + [UInt8](repeating: 2, count: 16) + [UInt8](repeating: 3, count: 16)
            try withMutableBytes(&blocks) { b throws(CryptoError) in try base.updateInPlace(b) }
            return SecretBytes(blocks)
        }
        k1 = try derived.withUnsafeBytes { d throws(CryptoError) in
            try CipherContext(name: "AES-128-ECB", key: UnsafeRawBufferPointer(rebasing: d[0..<16]), encrypt: true)
        }
        scratch = .allocate(byteCount: 64, alignment: 16)
        scratch.initializeMemory(as: UInt8.self, repeating: 0)
        derived.withUnsafeBytes { d in
            scratch.baseAddress!.copyMemory(from: d.baseAddress! + 16, byteCount: 32)
        }
    }

    /// Keys AES-XCBC-PRF-128 (RFC 4434 §2): a key shorter than 16 bytes is
    /// zero-padded, a longer one replaced by `AES-XCBC-MAC(0^16, key)`.
    public static func prf(key: [UInt8]) throws(CryptoError) -> AESXCBC {
        if key.count == 16 { return try AESXCBC(key: SecretBytes(key)) }
        if key.count < 16 { return try AESXCBC(key: SecretBytes(key + [UInt8](repeating: 0, count: 16 - key.count))) }
        let zero = try AESXCBC(key: SecretBytes([UInt8](repeating: 0, count: 16)))
        return try AESXCBC(key: SecretBytes(zero.mac(key)))
    }

    deinit {
        for i in scratch.indices { scratch[i] = 0 }
        scratch.deallocate()
    }

    private var state: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: scratch[32..<48]) }
    private var pending: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: scratch[48..<64]) }

    /// Starts a new message.
    public func reset() {
        for i in 32..<64 { scratch[i] = 0 }
        pendingCount = 0
    }

    /// Mixes the pending block into the state: `E = E(K1, M[i] XOR E)`.
    private func absorb(_ block: UnsafeMutableRawBufferPointer) {
        let s = state
        for i in 0..<16 { s[i] ^= block[i] }
        try! k1.updateInPlace(s)  // ECB on 16 bytes cannot fail once keyed
    }

    /// Feeds `data`.
    public func update(_ data: UnsafeRawBufferPointer) {
        var offset = 0
        let p = pending
        while offset < data.count {
            if pendingCount == 16 {  // only absorb a full block once more data follows
                absorb(p)
                pendingCount = 0
            }
            let n = Swift.min(16 - pendingCount, data.count - offset)
            for i in 0..<n { p[pendingCount + i] = data[offset + i] }
            pendingCount += n
            offset += n
        }
    }

    /// Writes the first `output.count` bytes (12 for -96, 16 for PRF-128) of the MAC.
    public func finalize(into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count <= 16, "XCBC output is at most 16 bytes")
        let p = pending
        if pendingCount == 16 {
            for i in 0..<16 { p[i] ^= scratch[i] }  // K2
        } else {
            p[pendingCount] = 0x80
            for i in (pendingCount + 1)..<16 { p[i] = 0 }
            for i in 0..<16 { p[i] ^= scratch[16 + i] }  // K3
        }
        absorb(p)
        for i in 0..<output.count { output[i] = state[i] }
        reset()
    }

    /// Resets, feeds `data` and compares the (truncated) MAC with `icv` in
    /// constant time; the ICV length selects the truncation.
    public func verify(_ data: UnsafeRawBufferPointer, icv: UnsafeRawBufferPointer) -> Bool {
        guard icv.count > 0, icv.count <= 16 else { return false }
        return withUnsafeTemporaryAllocation(byteCount: 16, alignment: 16) { scratch in
            let computed = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<icv.count])
            authenticate(data, into: computed)
            return constantTimeEqual(UnsafeRawBufferPointer(computed), icv)
        }
    }

    /// Resets, feeds `data` and writes the (truncated) MAC.
    public func authenticate(_ data: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        reset()
        update(data)
        finalize(into: output)
    }

    /// The full 16-byte MAC of `data` (convenience).
    public func mac(_ data: [UInt8], length: Int = 16) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        data.withUnsafeBytes { d in out.withUnsafeMutableBytes { authenticate(d, into: $0) } }
        return out
    }
}
