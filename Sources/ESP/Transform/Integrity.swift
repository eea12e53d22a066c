import IPsecCrypto

/// The keyed integrity function of an SA: HMAC (RFC 2404, 2403, 4868) or
/// AES-XCBC-MAC-96 (RFC 3566), truncated to the ICV length. One per SA.
enum Integrity {
    case none
    case hmac(HMACContext)
    case xcbc(AESXCBC)

    init(_ algorithm: IntegrityAlgorithm?, key: SecretBytes) throws(ESPError) {
        switch algorithm {
        case nil: self = .none
        case .aesXCBC?:
            do { self = .xcbc(try AESXCBC(key: key)) } catch { throw .configuration(error) }
        case let algorithm?:
            guard key.count == algorithm.keyLength, let hash = algorithm.hash else {
                throw .configuration(CryptoError(.invalidKeyLength, "\(algorithm.keyword) needs a \(algorithm.keyLength)-byte key, got \(key.count)"))
            }
            self = .hmac(HMACContext(hash: hash, key: key))
        }
    }

    @inline(__always)
    func reset() {
        switch self {
        case .none: break
        case .hmac(let h): h.reset()
        case .xcbc(let x): x.reset()
        }
    }

    @inline(__always)
    func update(_ data: UnsafeRawBufferPointer) {
        switch self {
        case .none: break
        case .hmac(let h): h.update(data)
        case .xcbc(let x): x.update(data)
        }
    }

    @inline(__always)
    func finalize(into output: UnsafeMutableRawBufferPointer) {
        switch self {
        case .none: break
        case .hmac(let h): h.finalize(into: output)
        case .xcbc(let x): x.finalize(into: output)
        }
    }

    /// ICV over `covered`, then the ESN high-order bits if `esnHigh` is given
    /// (RFC 4303 §3.3.2.2.1: appended implicitly, never sent).
    @inline(__always)
    func compute(_ covered: UnsafeRawBufferPointer, esnHigh: UInt32?, into output: UnsafeMutableRawBufferPointer) {
        reset()
        update(covered)
        if let high = esnHigh {
            var be = high.bigEndian
            withUnsafeBytes(of: &be) { update($0) }
        }
        finalize(into: output)
    }

    /// Computes the ICV into scratch space and compares it with `received` in constant time.
    @inline(__always)
    func verify(_ covered: UnsafeRawBufferPointer, esnHigh: UInt32?, received: UnsafeRawBufferPointer) -> Bool {
        var scratch: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &scratch) { s in
            let out = UnsafeMutableRawBufferPointer(rebasing: s[0..<received.count])
            compute(covered, esnHigh: esnHigh, into: out)
            return constantTimeEqual(UnsafeRawBufferPointer(out), received)
        }
    }
}
