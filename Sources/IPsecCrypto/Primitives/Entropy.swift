internal import COpenSSL

/// The only source of randomness in the library: nonces, DH private values,
/// cookies, IVs and SPIs are drawn from one injected instance, so a seeded
/// run reproduces every byte.
public protocol EntropySource {
    /// Fills `buffer` completely with random bytes.
    mutating func fill(_ buffer: UnsafeMutableRawBufferPointer)
}

extension EntropySource {
    /// Returns `count` random bytes.
    public mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { fill($0) }
        return out
    }
}

/// Cryptographically secure entropy from OpenSSL's `RAND_bytes`.
public struct SystemEntropy: EntropySource, Sendable {
    /// Creates the system entropy source.
    public init() {}

    /// Fills `buffer` from `RAND_bytes` (a short request from a pool of its output drawn
    /// ahead, each byte handed out once); a failing system generator stops the process.
    public mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        if buffer.count <= EntropyPool.largestDraw { return EntropyPool.shared.draw(into: buffer) }
        // A failing system RNG leaves nothing safe to do.
        precondition(RAND_bytes(base.assumingMemoryBound(to: UInt8.self), Int32(buffer.count)) == 1,
                     "RAND_bytes failed")
    }
}

/// A deterministic generator for tests and reproducible runs: xoshiro256**
/// seeded through SplitMix64. Not for production keys.
public struct SeededEntropy: EntropySource, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    /// Creates a generator whose whole output is determined by `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    private mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }

    /// Fills `buffer` with the next output words, each little-endian; the unused tail of the last
    /// word is dropped.
    public mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        var i = 0
        while i < buffer.count {
            var word = next().littleEndian
            let n = Swift.min(8, buffer.count - i)
            withUnsafeBytes(of: &word) { w in
                for j in 0..<n { buffer[i + j] = w[j] }
            }
            i += n
        }
    }
}
