internal import COpenSSL

/// ECDH over prime-field curves (RFC 5903, RFC 5114 §2.6-2.7, RFC 6954).
/// The KE data is x | y, each left-padded to the field length; the shared
/// secret is the x coordinate of the product (RFC 5903 §7, §9).
///
/// One instance per curve, made once (`shared`): building an EC_GROUP costs more than a
/// key generation on P-256. Immutable after creation; libcrypto only reads the group in
/// the point operations, so threads share it.
final class ECPGroupMath: @unchecked Sendable {
    let group: OpaquePointer
    let coordinateLength: Int
    let name: String
    /// The field prime, read once (a peer's coordinates must be below it).
    private let p: BigNumber
    /// n - 1 for private values, and n's length in bytes.
    private let nMinus1: BigNumber
    private let orderLength: Int

    init(_ dh: DHGroup) throws(CryptoError) {
        guard case .ecp(let curve, let n) = dh.kind else { preconditionFailure("not an ECP group") }
        let nid = OBJ_sn2nid(curve)
        guard nid != NID_undef, let group = EC_GROUP_new_by_curve_name(nid) else {
            ERR_clear_error()
            throw CryptoError(.unsupportedAlgorithm, "curve \(curve) (\(dh.name)) is not available in libcrypto")
        }
        self.group = group
        self.coordinateLength = n
        self.name = dh.name
        let p = BigNumber(), nMinus1 = BigNumber()
        guard EC_GROUP_get_curve(group, p.bn, nil, nil, nil) == 1,
              BN_sub(nMinus1.bn, EC_GROUP_get0_order(group), BN_value_one()) == 1 else {
            EC_GROUP_free(group)
            throw .internalFailure("EC_GROUP_get_curve")
        }
        self.p = p
        self.nMinus1 = nMinus1
        orderLength = Int((EC_GROUP_order_bits(group) + 7) / 8)
    }

    deinit { EC_GROUP_free(group) }

    /// Every curve libcrypto offers, by group number, built at first use.
    private static let all: [UInt16: ECPGroupMath] = {
        var out: [UInt16: ECPGroupMath] = [:]
        for group in DHGroup.all {
            guard case .ecp = group.kind, let math = try? ECPGroupMath(group) else { continue }
            out[group.id] = math
        }
        ERR_clear_error()
        return out
    }()

    /// The shared instance for `dh`; fails as `init` does when libcrypto lacks the curve.
    static func shared(_ dh: DHGroup) throws(CryptoError) -> ECPGroupMath {
        if let math = all[dh.id] { return math }
        return try ECPGroupMath(dh)
    }

    /// A scalar in [1, n-1] from entropy: `(r mod (n - 1)) + 1`, r 8 bytes longer than n.
    func generatePrivate(entropy: inout some EntropySource) -> [UInt8] {
        var r = entropy.bytes(orderLength + 8)
        defer { r.withUnsafeMutableBytes { wipe($0) } }
        let x = BigNumber(bytes: r), k = BigNumber(), ctx = BigNumberContext()
        defer { withExtendedLifetime((x, ctx)) {} }
        BN_nnmod(k.bn, x.bn, nMinus1.bn, ctx.ctx)
        BN_add_word(k.bn, 1)
        return k.bytes(padded: orderLength)
    }

    /// Checks 1 <= k < n.
    func checkPrivate(_ k: BigNumber) throws(CryptoError) {
        guard BN_is_zero(k.bn) == 0, BN_cmp(k.bn, EC_GROUP_get0_order(group)) < 0 else {
            throw CryptoError(.invalidPrivateKey, "\(name) private scalar out of range")
        }
    }

    private func encode(_ point: OpaquePointer, _ ctx: BigNumberContext) throws(CryptoError) -> (BigNumber, BigNumber) {
        let x = BigNumber(), y = BigNumber()
        guard EC_POINT_get_affine_coordinates(group, point, x.bn, y.bn, ctx.ctx) == 1 else {
            throw .internalFailure("EC_POINT_get_affine_coordinates")
        }
        return (x, y)
    }

    /// k * G as x | y.
    func publicValue(_ k: BigNumber) throws(CryptoError) -> [UInt8] {
        let ctx = BigNumberContext()
        guard let point = EC_POINT_new(group) else { throw .internalFailure("EC_POINT_new") }
        defer { EC_POINT_free(point); withExtendedLifetime((k, ctx)) {} }
        guard EC_POINT_mul(group, point, k.bn, nil, nil, ctx.ctx) == 1 else { throw .internalFailure("EC_POINT_mul") }
        let (x, y) = try encode(point, ctx)
        let n = coordinateLength
        return [UInt8](unsafeUninitializedCapacity: 2 * n) { out, count in
            let whole = UnsafeMutableRawBufferPointer(out)
            x.write(into: UnsafeMutableRawBufferPointer(rebasing: whole[0..<n]))
            y.write(into: UnsafeMutableRawBufferPointer(rebasing: whole[n...]))
            count = 2 * n
        }
    }

    /// RFC 6989 §2.3 / RFC 5903: exact length, both coordinates below p, the
    /// point on the curve and not the point at infinity (all curves here have
    /// cofactor 1). Returns the point; the caller frees it.
    ///
    /// `EC_POINT_set_affine_coordinates` refuses a point that is not on the curve (OpenSSL
    /// 1.1.1 and later; this package needs 3.0), so the curve equation is evaluated once.
    func validatePeer(_ peer: [UInt8], _ ctx: BigNumberContext) throws(CryptoError) -> OpaquePointer {
        guard peer.count == 2 * coordinateLength else {
            throw CryptoError(.invalidPublicValue, "\(name) public value must be \(2 * coordinateLength) bytes (x | y), got \(peer.count)")
        }
        let (x, y) = peer.withUnsafeBytes { b in
            (BigNumber(bytes: UnsafeRawBufferPointer(rebasing: b[0..<coordinateLength])),
             BigNumber(bytes: UnsafeRawBufferPointer(rebasing: b[coordinateLength...])))
        }
        defer { withExtendedLifetime((x, y, ctx)) {} }
        guard BN_cmp(x.bn, p.bn) < 0, BN_cmp(y.bn, p.bn) < 0 else {
            throw CryptoError(.invalidPublicValue, "\(name) public point coordinate is not below p")
        }
        guard let point = EC_POINT_new(group) else { throw .internalFailure("EC_POINT_new") }
        guard EC_POINT_set_affine_coordinates(group, point, x.bn, y.bn, ctx.ctx) == 1,
              EC_POINT_is_at_infinity(group, point) == 0 else {
            EC_POINT_free(point)
            ERR_clear_error()
            throw CryptoError(.invalidPublicValue, "\(name) public point is not on the curve")
        }
        return point
    }

    /// x(k * peer), left-padded to the field length.
    func sharedSecret(_ k: BigNumber, peer: [UInt8]) throws(CryptoError) -> SecretBytes {
        let ctx = BigNumberContext()
        let peerPoint = try validatePeer(peer, ctx)
        guard let product = EC_POINT_new(group) else { EC_POINT_free(peerPoint); throw .internalFailure("EC_POINT_new") }
        defer { EC_POINT_free(peerPoint); EC_POINT_clear_free(product); withExtendedLifetime((k, ctx)) {} }
        guard EC_POINT_mul(group, product, nil, peerPoint, k.bn, ctx.ctx) == 1 else { throw .internalFailure("EC_POINT_mul") }
        guard EC_POINT_is_at_infinity(group, product) == 0 else {
            throw CryptoError(.invalidPublicValue, "\(name) shared point is the point at infinity")
        }
        // The y coordinate is not part of the secret (RFC 5903 §7): only x is converted.
        let x = BigNumber()
        guard EC_POINT_get_affine_coordinates(group, product, x.bn, nil, ctx.ctx) == 1 else {
            throw .internalFailure("EC_POINT_get_affine_coordinates")
        }
        return try SecretBytes(count: coordinateLength) { out throws(CryptoError) in x.write(into: out) }
    }
}

extension ECPGroupMath {
    static func free(_ point: OpaquePointer) { EC_POINT_free(point) }
}
