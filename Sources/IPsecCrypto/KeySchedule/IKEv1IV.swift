/// IVs of encrypted IKEv1 messages (RFC 2409 Appendix B).
///
/// Phase 1: `IV = hash(g^xi | g^xr)` truncated to the cipher block size, then
/// each message's IV is the last ciphertext block of the previous message.
/// Phase 2 and Informational exchanges: `IV = hash(last Phase 1 CBC block | M-ID)`
/// truncated, then chained within that exchange. `hash` is the negotiated
/// hash function itself, not the PRF.
public enum IKEv1IV {
    /// The Phase 1 initial IV.
    public static func phase1(hash: HashAlgorithm, gxi: [UInt8], gxr: [UInt8], blockSize: Int) -> [UInt8] {
        gxi.withUnsafeBytes { i in gxr.withUnsafeBytes { r in hash.hash(i, r, prefix: blockSize) } }
    }

    /// The first IV of a Quick Mode or Informational exchange with message ID `messageID`;
    /// `lastPhase1Block` is the last CBC block of Phase 1 (the IV that would follow the last
    /// Phase 1 message), `hash` the negotiated hash, `blockSize` the cipher's block size.
    public static func phase2(hash: HashAlgorithm, lastPhase1Block: [UInt8], messageID: UInt32,
                              blockSize: Int) -> [UInt8] {
        lastPhase1Block.withUnsafeBytes { block in
            withUnsafeBytes(of: messageID.bigEndian) { id in hash.hash(block, id, prefix: blockSize) }
        }
    }

    /// The IV after a message: its last ciphertext block.
    public static func next(afterCiphertext ciphertext: [UInt8], blockSize: Int) -> [UInt8] {
        precondition(ciphertext.count >= blockSize && ciphertext.count % blockSize == 0,
                     "IKEv1 ciphertext must be whole blocks")
        return Array(ciphertext.suffix(blockSize))
    }
}

/// NAT discovery hash (RFC 3947 §3.2): `HASH(CKY-I | CKY-R | IP | Port)`
/// with the negotiated hash; `address` is 4 (IPv4) or 16 (IPv6) bytes.
public func natDiscoveryHash(hash: HashAlgorithm, cookieI: [UInt8], cookieR: [UInt8],
                             address: [UInt8], port: UInt16) -> [UInt8] {
    var input: [UInt8] = []
    input.reserveCapacity(cookieI.count + cookieR.count + address.count + 2)
    input += cookieI
    input += cookieR
    input += address
    input += [UInt8(port >> 8), UInt8(port & 0xff)]
    return hash.hash(input)
}

/// ``natDiscoveryHash(hash:cookieI:cookieR:address:port:)`` of cookies given as integers
/// (first byte most significant, as an ISAKMP `Cookie` holds them), built without
/// intermediate arrays: the engine computes four of these per Main Mode.
public func natDiscoveryHash(hash: HashAlgorithm, initiatorCookie cookieI: UInt64, responderCookie cookieR: UInt64,
                             address: [UInt8], port: UInt16) -> [UInt8] {
    precondition(address.count <= 16, "an IP address is 4 or 16 bytes")
    // CKY-I | CKY-R | IP | Port: at most 8 + 8 + 16 + 2 bytes, on the stack.
    var input: (UInt64, UInt64, UInt64, UInt64, UInt64) = (cookieI.bigEndian, cookieR.bigEndian, 0, 0, 0)
    let count = 16 + address.count + 2
    return withUnsafeMutableBytes(of: &input) { buffer in
        address.withUnsafeBytes { buffer.baseAddress!.advanced(by: 16).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        buffer[16 + address.count] = UInt8(port >> 8)
        buffer[17 + address.count] = UInt8(port & 0xff)
        return [UInt8](unsafeUninitializedCapacity: hash.length) { out, n in
            hash.hash(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), into: UnsafeMutableRawBufferPointer(out))
            n = hash.length
        }
    }
}
