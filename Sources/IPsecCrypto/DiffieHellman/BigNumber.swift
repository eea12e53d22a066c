internal import COpenSSL

/// An owned OpenSSL BIGNUM, cleared on release (it may hold a private value).
final class BigNumber {
    let bn: OpaquePointer

    init() {
        guard let bn = BN_secure_new() ?? BN_new() else { fatalError("BN_new failed") }
        self.bn = bn
    }

    /// Takes ownership of an existing BIGNUM.
    init(owning bn: OpaquePointer) { self.bn = bn }

    /// A big-endian unsigned integer.
    convenience init(bytes: UnsafeRawBufferPointer) {
        self.init()
        BN_bin2bn(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(bytes.count), bn)
    }

    convenience init(bytes: [UInt8]) {
        self.init()
        bytes.withUnsafeBytes { b in _ = BN_bin2bn(b.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(b.count), bn) }
    }

    /// Parses big-endian hex.
    convenience init(hex: String) {
        self.init()
        var p: OpaquePointer? = bn
        precondition(BN_hex2bn(&p, hex) > 0, "bad hex constant")
    }

    convenience init(word: UInt) {
        self.init()
        BN_set_word(bn, word)
    }

    deinit { BN_clear_free(bn) }

    var byteCount: Int { Int((BN_num_bits(bn) + 7) / 8) }

    /// Big-endian bytes left-padded to `length`.
    func bytes(padded length: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        precondition(BN_bn2binpad(bn, &out, Int32(length)) == Int32(length), "number longer than \(length) bytes")
        return out
    }

    /// Writes big-endian bytes left-padded into `buffer`.
    func write(into buffer: UnsafeMutableRawBufferPointer) {
        precondition(BN_bn2binpad(bn, buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(buffer.count)) == Int32(buffer.count))
    }

    static func compare(_ a: BigNumber, _ b: BigNumber) -> Int32 { BN_cmp(a.bn, b.bn) }
}

/// A BN_CTX for one computation.
final class BigNumberContext {
    let ctx: OpaquePointer
    init() {
        guard let ctx = BN_CTX_secure_new() ?? BN_CTX_new() else { fatalError("BN_CTX_new failed") }
        self.ctx = ctx
    }
    deinit { BN_CTX_free(ctx) }
}
