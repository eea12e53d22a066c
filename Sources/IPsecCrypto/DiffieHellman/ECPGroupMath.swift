internal import COpenSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ECDH over prime-field curves (RFC 5903, RFC 5114 §2.6-2.7, RFC 6954).
/// The KE data is x | y, each left-padded to the field length; the shared
/// secret is the x coordinate of the product (RFC 5903 §7, §9).
///
/// One instance per curve, made once (`shared`): building an EC_GROUP costs more than a
/// key generation on P-256. The group is immutable after creation and libcrypto only reads it
/// in the point operations, so threads share it; the scratch they work in comes from a small
/// pool (``ECPScratch``), so that an operation allocates no context, point or number of its own.
final class ECPGroupMath: @unchecked Sendable {
    let group: OpaquePointer
    let coordinateLength: Int
    let name: String
    /// n - 1 for private values, and n's length in bytes.
    private let nMinus1: BigNumber
    private let orderLength: Int
    /// Idle scratch, at most `poolLimit` (one per thread that has done DH at once is plenty),
    /// behind `lock`. Held through a pointer: a stored `var` of a class would add a dynamic
    /// exclusivity check to every take and return.
    private let idle = UnsafeMutablePointer<[ECPScratch]>.allocate(capacity: 1)
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private static let poolLimit = 8

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
        let nMinus1 = BigNumber()
        guard BN_sub(nMinus1.bn, EC_GROUP_get0_order(group), BN_value_one()) == 1 else {
            EC_GROUP_free(group)
            throw .internalFailure("EC_GROUP_get0_order")
        }
        self.nMinus1 = nMinus1
        orderLength = Int((EC_GROUP_order_bits(group) + 7) / 8)
        idle.initialize(to: [])
        idle.pointee.reserveCapacity(Self.poolLimit)
        pthread_mutex_init(lock, nil)
    }

    deinit {
        idle.deinitialize(count: 1)
        idle.deallocate()
        pthread_mutex_destroy(lock)
        lock.deallocate()
        EC_GROUP_free(group)
    }

    /// Every curve libcrypto offers, indexed by group number (a few dozen at most), built at
    /// first use: each DH operation looks its curve up here.
    private static let all: [ECPGroupMath?] = {
        var out = [ECPGroupMath?](repeating: nil, count: Int(DHGroup.all.map(\.id).max() ?? 0) + 1)
        for group in DHGroup.all {
            guard case .ecp = group.kind, let math = try? ECPGroupMath(group) else { continue }
            out[Int(group.id)] = math
        }
        ERR_clear_error()
        return out
    }()

    /// The shared instance for `dh`; fails as `init` does when libcrypto lacks the curve.
    static func shared(_ dh: DHGroup) throws(CryptoError) -> ECPGroupMath {
        if Int(dh.id) < all.count, let math = all[Int(dh.id)] { return math }
        return try ECPGroupMath(dh)
    }

    /// Runs `body` with scratch taken from the pool (or made), wiped (with the context's
    /// temporaries when `secret`: a private scalar went through them) and returned afterwards.
    private func withScratch<R>(secret: Bool = true, _ body: (ECPScratch) throws(CryptoError) -> R) throws(CryptoError) -> R {
        pthread_mutex_lock(lock)
        let taken = idle.pointee.popLast()
        pthread_mutex_unlock(lock)
        let scratch: ECPScratch
        if let taken { scratch = taken } else { scratch = try ECPScratch(group) }
        defer {
            scratch.wipe(temporaries: secret)
            pthread_mutex_lock(lock)
            if idle.pointee.count < Self.poolLimit { idle.pointee.append(scratch) }
            pthread_mutex_unlock(lock)
        }
        return try body(scratch)
    }

    /// True when `point` is the group's generator (tests).
    func isGenerator(_ point: OpaquePointer) -> Bool {
        EC_POINT_cmp(group, point, EC_GROUP_get0_generator(group), nil) == 0
    }

    /// The scratch now idle in the pool (tests).
    var idleScratch: [ECPScratch] {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return idle.pointee
    }

    /// A key pair: a scalar in [1, n-1] from entropy, `(r mod (n - 1)) + 1` with r 8 bytes longer
    /// than n, and its public value, in one piece of scratch.
    func generate(entropy: inout some EntropySource) throws(CryptoError) -> (privateKey: SecretBytes, publicValue: [UInt8]) {
        var r = entropy.bytes(orderLength + 8)
        defer { r.withUnsafeMutableBytes { wipe($0) } }
        return try withScratch { s throws(CryptoError) in
            r.withUnsafeBytes { b in _ = BN_bin2bn(b.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(b.count), s.x.bn) }
            guard BN_nnmod(s.k.bn, s.x.bn, nMinus1.bn, s.ctx) == 1, BN_add_word(s.k.bn, 1) == 1 else { throw .internalFailure("BN_nnmod") }
            let privateKey = try SecretBytes(count: orderLength) { out throws(CryptoError) in s.k.write(into: out) }
            return (privateKey, try publicValue(s))
        }
    }

    /// Reads the private scalar into `s.k` and checks 1 <= k < n.
    private func loadPrivate(_ privateKey: SecretBytes, into s: ECPScratch) throws(CryptoError) {
        privateKey.withUnsafeBytes { b in _ = BN_bin2bn(b.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(b.count), s.k.bn) }
        guard BN_is_zero(s.k.bn) == 0, BN_cmp(s.k.bn, EC_GROUP_get0_order(group)) < 0 else {
            throw CryptoError(.invalidPrivateKey, "\(name) private scalar out of range")
        }
    }

    /// k * G as x | y; fails for a scalar outside [1, n-1].
    func publicValue(privateKey: SecretBytes) throws(CryptoError) -> [UInt8] {
        try withScratch { s throws(CryptoError) in
            try loadPrivate(privateKey, into: s)
            return try publicValue(s)
        }
    }

    /// x | y of `s.k` * G.
    private func publicValue(_ s: ECPScratch) throws(CryptoError) -> [UInt8] {
        // The public point is not secret: it is built in the peer point's place.
        guard EC_POINT_mul(group, s.point, s.k.bn, nil, nil, s.ctx) == 1,
              EC_POINT_get_affine_coordinates(group, s.point, s.x.bn, s.y.bn, s.ctx) == 1 else {
            throw .internalFailure("EC_POINT_mul")
        }
        let n = coordinateLength
        return [UInt8](unsafeUninitializedCapacity: 2 * n) { out, count in
            let whole = UnsafeMutableRawBufferPointer(out)
            s.x.write(into: UnsafeMutableRawBufferPointer(rebasing: whole[0..<n]))
            s.y.write(into: UnsafeMutableRawBufferPointer(rebasing: whole[n...]))
            count = 2 * n
        }
    }

    /// RFC 6989 / RFC 5903: exact length, both coordinates below p, the point on the curve and
    /// not the point at infinity (all curves here have cofactor 1), read into `s.point`.
    ///
    /// Through the uncompressed encoding 0x04 | x | y: `EC_POINT_oct2point` refuses a coordinate
    /// not below p and a point off the curve (OpenSSL 1.1.1 and later; this package needs 3.0).
    private func loadPeer(_ peer: [UInt8], into s: ECPScratch) throws(CryptoError) {
        let n = coordinateLength
        guard peer.count == 2 * n else {
            throw CryptoError(.invalidPublicValue, "\(name) public value must be \(2 * n) bytes (x | y), got \(peer.count)")
        }
        let decoded = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1 + 2 * n) { encoded in
            encoded[0] = 0x04
            _ = UnsafeMutableBufferPointer(rebasing: encoded[1...]).initialize(from: peer)
            return EC_POINT_oct2point(group, s.point, encoded.baseAddress, 1 + 2 * n, s.ctx) == 1
        }
        guard decoded, EC_POINT_is_at_infinity(group, s.point) == 0 else {
            ERR_clear_error()
            throw CryptoError(.invalidPublicValue, "\(name) public point has a coordinate not below p or is not on the curve")
        }
    }

    /// Checks a peer's KE data as ``sharedSecret(privateKey:peer:)`` does, without the multiplication.
    func validate(peer: [UInt8]) throws(CryptoError) {
        try withScratch(secret: false) { s throws(CryptoError) in try loadPeer(peer, into: s) }
    }

    /// x(k * peer), left-padded to the field length.
    func sharedSecret(privateKey: SecretBytes, peer: [UInt8]) throws(CryptoError) -> SecretBytes {
        try withScratch { s throws(CryptoError) in
            try loadPeer(peer, into: s)
            try loadPrivate(privateKey, into: s)
            // The product is secret: `wipe` overwrites it with the generator.
            guard EC_POINT_mul(group, s.product, nil, s.point, s.k.bn, s.ctx) == 1 else { throw .internalFailure("EC_POINT_mul") }
            guard EC_POINT_is_at_infinity(group, s.product) == 0 else {
                throw CryptoError(.invalidPublicValue, "\(name) shared point is the point at infinity")
            }
            // The y coordinate is not part of the secret (RFC 5903 §7): only x is converted.
            guard EC_POINT_get_affine_coordinates(group, s.product, s.x.bn, nil, s.ctx) == 1 else {
                throw .internalFailure("EC_POINT_get_affine_coordinates")
            }
            return try SecretBytes(count: coordinateLength) { out throws(CryptoError) in s.x.write(into: out) }
        }
    }
}

/// What one point operation works in: a BN_CTX, a point (the peer's, or our public one), the
/// product of a derivation, and the scalar and coordinates. Kept between operations so that
/// libcrypto does not allocate them anew each time; ``wipe(temporaries:)`` clears what held
/// secrets before the scratch is reused.
final class ECPScratch {
    let ctx: OpaquePointer
    let point: OpaquePointer
    /// k * peer: secret until wiped.
    let product: OpaquePointer
    let k = BigNumber(), x = BigNumber(), y = BigNumber()
    private let group: OpaquePointer

    init(_ group: OpaquePointer) throws(CryptoError) {
        guard let ctx = BN_CTX_secure_new() ?? BN_CTX_new() else { throw .internalFailure("BN_CTX_new") }
        guard let point = EC_POINT_new(group), let product = EC_POINT_new(group) else {
            BN_CTX_free(ctx)
            throw .internalFailure("EC_POINT_new")
        }
        self.ctx = ctx
        self.point = point
        self.product = product
        self.group = group
    }

    deinit {
        EC_POINT_clear_free(point)
        EC_POINT_clear_free(product)
        BN_CTX_free(ctx)
    }

    /// Temporaries of the context a point operation may leave holding secret-derived values
    /// (scalar ladders of the generic curve code); libcrypto hands them out in order, first to last.
    private static let contextTemporaries = 16

    /// Clears the scalar, the coordinates, the product (overwritten with the generator, whose
    /// coordinates are as long as any point's) and, when `temporaries`, the context's temporaries.
    func wipe(temporaries: Bool) {
        BN_clear(k.bn)
        BN_clear(x.bn)
        BN_clear(y.bn)
        EC_POINT_copy(product, EC_GROUP_get0_generator(group))
        ERR_clear_error()
        guard temporaries else { return }
        BN_CTX_start(ctx)
        for _ in 0..<Self.contextTemporaries {
            guard let t = BN_CTX_get(ctx) else { break }
            BN_clear(t)
        }
        BN_CTX_end(ctx)
    }
}
