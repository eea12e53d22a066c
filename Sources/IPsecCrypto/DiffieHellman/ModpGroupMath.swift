internal import COpenSSL

/// Modular-exponentiation Diffie-Hellman for the MODP groups
/// (RFC 2409 §6, RFC 3526, RFC 5114).
enum ModpGroupMath {
    /// A group's numbers and the Montgomery form of p, made once per group (`parameters`).
    /// Immutable; libcrypto only reads them in the exponentiations, so threads share them.
    final class Parameters: @unchecked Sendable {
        let p: BigNumber
        let g: BigNumber
        /// Prime subgroup order (RFC 5114 groups only).
        let q: BigNumber?
        let length: Int
        /// BN_MONT_CTX for p: without it every exponentiation sets one up again.
        let montgomery: OpaquePointer

        init(p: BigNumber, g: BigNumber, q: BigNumber?, length: Int) {
            self.p = p
            self.g = g
            self.q = q
            self.length = length
            let ctx = BigNumberContext()
            guard let mont = BN_MONT_CTX_new(), BN_MONT_CTX_set(mont, p.bn, ctx.ctx) == 1 else {
                fatalError("BN_MONT_CTX_set failed")
            }
            montgomery = mont
        }

        deinit { BN_MONT_CTX_free(montgomery) }
    }

    /// Every MODP group's parameters, by group number, built at first use.
    private static let all: [UInt16: Parameters] = {
        var out: [UInt16: Parameters] = [:]
        for group in DHGroup.all {
            guard case .modp = group.kind else { continue }
            out[group.id] = makeParameters(group)
        }
        return out
    }()

    /// The shared parameters of a MODP group.
    static func parameters(_ group: DHGroup) -> Parameters {
        guard let params = all[group.id] else { preconditionFailure("not a MODP group: \(group.id)") }
        return params
    }

    private static func makeParameters(_ group: DHGroup) -> Parameters {
        func rfc(_ get: (OpaquePointer?) -> OpaquePointer?) -> BigNumber {
            BigNumber(owning: get(nil)!)
        }
        let two = BigNumber(word: 2)
        switch group.id {
        case 1: return Parameters(p: rfc(BN_get_rfc2409_prime_768), g: two, q: nil, length: 96)
        case 2: return Parameters(p: rfc(BN_get_rfc2409_prime_1024), g: two, q: nil, length: 128)
        case 5: return Parameters(p: rfc(BN_get_rfc3526_prime_1536), g: two, q: nil, length: 192)
        case 14: return Parameters(p: rfc(BN_get_rfc3526_prime_2048), g: two, q: nil, length: 256)
        case 15: return Parameters(p: rfc(BN_get_rfc3526_prime_3072), g: two, q: nil, length: 384)
        case 16: return Parameters(p: rfc(BN_get_rfc3526_prime_4096), g: two, q: nil, length: 512)
        case 17: return Parameters(p: rfc(BN_get_rfc3526_prime_6144), g: two, q: nil, length: 768)
        case 18: return Parameters(p: rfc(BN_get_rfc3526_prime_8192), g: two, q: nil, length: 1024)
        case 22, 23, 24:
            let c = group.id == 22 ? RFC5114Parameters.rfc5114_1024_160
                : group.id == 23 ? RFC5114Parameters.rfc5114_2048_224 : RFC5114Parameters.rfc5114_2048_256
            return Parameters(p: BigNumber(hex: c.p), g: BigNumber(hex: c.g), q: BigNumber(hex: c.q),
                              length: group.publicValueLength)
        default:
            preconditionFailure("not a MODP group: \(group.id)")
        }
    }

    /// Checks a private exponent: 1 < x < q (subgroup) or 1 < x < p - 1.
    static func checkPrivate(_ x: BigNumber, _ params: Parameters) throws(CryptoError) {
        let bound = params.q ?? params.p
        defer { withExtendedLifetime((x, bound)) {} }
        guard BN_cmp(x.bn, BN_value_one()) > 0, BN_cmp(x.bn, bound.bn) < 0 else {
            throw CryptoError(.invalidPrivateKey, "DH private value out of range")
        }
    }

    /// A private exponent from entropy: `exponentBytes` random bytes, or
    /// `(r mod (q - 1)) + 1` with 8 extra bytes of r for the subgroup groups.
    static func generatePrivate(_ group: DHGroup, entropy: inout some EntropySource) -> [UInt8] {
        guard case .modp(_, let exponentBytes, let hasSubgroup) = group.kind else { preconditionFailure() }
        let params = parameters(group)
        if hasSubgroup, let q = params.q {
            var r = entropy.bytes(exponentBytes + 8)
            defer { r.withUnsafeMutableBytes { wipe($0) } }
            let x = BigNumber(bytes: r), qMinus1 = BigNumber(), result = BigNumber()
            let ctx = BigNumberContext()
            defer { withExtendedLifetime((x, qMinus1, ctx, q, params)) {} }
            BN_sub(qMinus1.bn, q.bn, BN_value_one())
            BN_nnmod(result.bn, x.bn, qMinus1.bn, ctx.ctx)
            BN_add_word(result.bn, 1)
            if BN_is_one(result.bn) == 1 { BN_add_word(result.bn, 1) }
            return result.bytes(padded: exponentBytes)
        }
        var x = entropy.bytes(exponentBytes)
        x[0] |= 0x80  // full-length exponent, never 0 or 1
        return x
    }

    /// g^x mod p, left-padded to the prime length.
    static func publicValue(_ x: BigNumber, _ params: Parameters) throws(CryptoError) -> [UInt8] {
        let y = BigNumber(), ctx = BigNumberContext()
        defer { withExtendedLifetime((x, params.g, params.p, ctx)) {} }
        BN_set_flags(x.bn, Int32(BN_FLG_CONSTTIME))
        guard BN_mod_exp_mont_consttime(y.bn, params.g.bn, x.bn, params.p.bn, ctx.ctx, params.montgomery) == 1 else {
            throw .internalFailure("BN_mod_exp_mont_consttime")
        }
        return y.bytes(padded: params.length)
    }

    /// RFC 6989 §2.1: the length is the prime length, 1 < y < p - 1 and, for
    /// groups with a prime-order subgroup (22-24), y^q = 1 mod p.
    static func validatePeer(_ peer: [UInt8], _ params: Parameters, group: DHGroup) throws(CryptoError) -> BigNumber {
        guard peer.count == params.length else {
            throw CryptoError(.invalidPublicValue,
                              "\(group.name) public value must be \(params.length) bytes, got \(peer.count)")
        }
        let y = BigNumber(bytes: peer)
        let pMinus1 = BigNumber()
        defer { withExtendedLifetime((pMinus1, params.p, params.q)) {} }
        BN_sub(pMinus1.bn, params.p.bn, BN_value_one())
        guard BN_cmp(y.bn, BN_value_one()) > 0, BN_cmp(y.bn, pMinus1.bn) < 0 else {
            throw CryptoError(.invalidPublicValue, "\(group.name) public value is not in 1 < y < p-1 (RFC 6989)")
        }
        if let q = params.q {
            let check = BigNumber(), ctx = BigNumberContext()
            defer { withExtendedLifetime((check, ctx, q)) {} }
            guard BN_mod_exp_mont(check.bn, y.bn, q.bn, params.p.bn, ctx.ctx, params.montgomery) == 1 else {
                throw .internalFailure("BN_mod_exp_mont")
            }
            guard BN_is_one(check.bn) == 1 else {
                throw CryptoError(.invalidPublicValue, "\(group.name) public value is not in the order-q subgroup (RFC 6989 §2.2)")
            }
        }
        return y
    }

    /// (peer)^x mod p, left-padded to the prime length.
    static func sharedSecret(_ x: BigNumber, peer: [UInt8], _ params: Parameters, group: DHGroup) throws(CryptoError) -> SecretBytes {
        let y = try validatePeer(peer, params, group: group)
        let z = BigNumber(), ctx = BigNumberContext()
        defer { withExtendedLifetime((x, y, z, ctx, params.p)) {} }
        BN_set_flags(x.bn, Int32(BN_FLG_CONSTTIME))
        guard BN_mod_exp_mont_consttime(z.bn, y.bn, x.bn, params.p.bn, ctx.ctx, params.montgomery) == 1 else {
            throw .internalFailure("BN_mod_exp_mont_consttime")
        }
        guard BN_is_one(z.bn) == 0 else {
            throw CryptoError(.invalidPublicValue, "\(group.name) shared secret is 1")
        }
        return try SecretBytes(count: params.length) { out throws(CryptoError) in z.write(into: out) }
    }
}

