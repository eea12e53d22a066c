/// How the Phase 1 peers authenticate, as far as SKEYID is concerned
/// (RFC 2409 §5).
public enum IKEv1SKEYIDInput: Sendable {
    /// Pre-shared key: `SKEYID = prf(pre-shared-key, Ni_b | Nr_b)`.
    case preSharedKey(SecretBytes)
    /// Signatures: `SKEYID = prf(Ni_b | Nr_b, g^xy)`.
    case signature
}

/// The keys of an ISAKMP SA (RFC 2409 §5 and Appendix B):
///
///     SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
///     SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
///     SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
///
/// and the Phase 1 encryption key Ka taken from SKEYID_e, expanded by
/// Appendix B (`K1 = prf(SKEYID_e, 0)`, `K2 = prf(SKEYID_e, K1)`, ...) when
/// SKEYID_e is shorter than the cipher's key.
public struct IKEv1Phase1Keys: Sendable {
    /// The negotiated PRF.
    public let prf: IKEv1PRF
    /// SKEYID.
    public let skeyid: SecretBytes
    /// SKEYID_d: keys Quick Mode KEYMAT.
    public let skeyidD: SecretBytes
    /// SKEYID_a: keys HASH(1), HASH(2), HASH(3) and Informational hashes.
    public let skeyidA: SecretBytes
    /// SKEYID_e: source of the Phase 1 encryption key.
    public let skeyidE: SecretBytes
    /// Ka, the Phase 1 encryption key (`encryptionKeyLength` bytes).
    public let encryptionKey: SecretBytes

    /// SKEYID from the authentication input, the nonce bodies and g^xy (RFC 2409 §5).
    public static func skeyid(prf: IKEv1PRF, input: IKEv1SKEYIDInput,
                              nonceI: [UInt8], nonceR: [UInt8], sharedSecret: SecretBytes) -> SecretBytes {
        switch input {
        case .preSharedKey(let psk):
            return prf.secret(key: psk) { $0(nonceI); $0(nonceR) }
        case .signature:
            let key = SecretBytes(nonceI + nonceR)
            return prf.secret(key: key) { $0(sharedSecret) }
        }
    }

    /// Derives SKEYID_d/a/e and Ka from SKEYID, g^xy and the cookies.
    /// - Parameters:
    ///   - prf: the negotiated hash's HMAC.
    ///   - skeyid: SKEYID (``skeyid(prf:input:nonceI:nonceR:sharedSecret:)``).
    ///   - sharedSecret: the Phase 1 Diffie-Hellman shared secret g^xy.
    ///   - cookieI: CKY-I, the initiator cookie.
    ///   - cookieR: CKY-R, the responder cookie.
    ///   - encryptionKeyLength: Ka length in bytes (8 DES, 24 3DES, 16/24/32 AES).
    public init(prf: IKEv1PRF, skeyid: SecretBytes, sharedSecret: SecretBytes,
                cookieI: [UInt8], cookieR: [UInt8], encryptionKeyLength: Int) {
        self.prf = prf
        self.skeyid = skeyid
        // SKEYID keyed once for the three.
        let (d, a, e) = skeyid.withUnsafeBytes { key in
            prf.hash.withHMAC(key: key) { h in
                let d = h.secret { $0(sharedSecret); $0(cookieI); $0(cookieR); $0.byte(0) }
                let a = h.secret { $0(d); $0(sharedSecret); $0(cookieI); $0(cookieR); $0.byte(1) }
                return (d, a, h.secret { $0(a); $0(sharedSecret); $0(cookieI); $0(cookieR); $0.byte(2) })
            }
        }
        (skeyidD, skeyidA, skeyidE) = (d, a, e)
        encryptionKey = Self.expand(prf: prf, skeyidE: e, length: encryptionKeyLength)
    }

    /// Convenience: SKEYID and all derived keys in one step.
    public init(prf: IKEv1PRF, input: IKEv1SKEYIDInput, nonceI: [UInt8], nonceR: [UInt8],
                sharedSecret: SecretBytes, cookieI: [UInt8], cookieR: [UInt8], encryptionKeyLength: Int) {
        let skeyid = Self.skeyid(prf: prf, input: input, nonceI: nonceI, nonceR: nonceR, sharedSecret: sharedSecret)
        self.init(prf: prf, skeyid: skeyid, sharedSecret: sharedSecret,
                  cookieI: cookieI, cookieR: cookieR, encryptionKeyLength: encryptionKeyLength)
    }

    /// Ka from SKEYID_e (RFC 2409 Appendix B).
    static func expand(prf: IKEv1PRF, skeyidE: SecretBytes, length: Int) -> SecretBytes {
        if skeyidE.count >= length { return skeyidE.prefix(length) }
        var material: [UInt8] = []
        var block: [UInt8] = [0]
        while material.count < length {
            block = prf(key: skeyidE, block)
            material += block
        }
        defer { material.withUnsafeMutableBytes { wipe($0) }; block.withUnsafeMutableBytes { wipe($0) } }
        return SecretBytes(material.prefix(length))
    }

    // MARK: Phase 1 authentication hashes (RFC 2409 §5)

    /// `HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)`.
    /// - Parameters:
    ///   - gxi: the initiator's public Diffie-Hellman value.
    ///   - gxr: the responder's public Diffie-Hellman value.
    ///   - cookieI: CKY-I.
    ///   - cookieR: CKY-R.
    ///   - saiB: the body of the initiator's SA payload, as it travelled.
    ///   - idiiB: the body of the initiator's ID payload, as it travelled.
    ///   - authPRF: HMAC over an ECDSA method's hash (RFC 4754 §3, as strongSwan); the negotiated one when nil.
    public func hashI(gxi: [UInt8], gxr: [UInt8], cookieI: [UInt8], cookieR: [UInt8],
                      saiB: [UInt8], idiiB: [UInt8], authPRF: IKEv1PRF? = nil) -> [UInt8] {
        (authPRF ?? prf)(key: skeyid) { $0(gxi); $0(gxr); $0(cookieI); $0(cookieR); $0(saiB); $0(idiiB) }
    }

    /// `HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)`.
    /// - Parameters:
    ///   - gxi: the initiator's public Diffie-Hellman value.
    ///   - gxr: the responder's public Diffie-Hellman value.
    ///   - cookieI: CKY-I.
    ///   - cookieR: CKY-R.
    ///   - saiB: the body of the initiator's SA payload, as it travelled.
    ///   - idirB: the body of the responder's ID payload, as it travelled.
    ///   - authPRF: HMAC over an ECDSA method's hash (RFC 4754 §3, as strongSwan); the negotiated one when nil.
    public func hashR(gxi: [UInt8], gxr: [UInt8], cookieI: [UInt8], cookieR: [UInt8],
                      saiB: [UInt8], idirB: [UInt8], authPRF: IKEv1PRF? = nil) -> [UInt8] {
        (authPRF ?? prf)(key: skeyid) { $0(gxr); $0(gxi); $0(cookieR); $0(cookieI); $0(saiB); $0(idirB) }
    }

    // MARK: Quick Mode and Informational hashes (RFC 2409 §5.5, §5.7)

    /// `HASH(1) = prf(SKEYID_a, M-ID | message after the HASH payload)`.
    public func quickModeHash1(messageID: UInt32, afterHash: [UInt8]) -> [UInt8] {
        prf(key: skeyidA) { $0.bigEndian(messageID); $0(afterHash) }
    }

    /// `HASH(2) = prf(SKEYID_a, M-ID | Ni_b | message after the HASH payload)`.
    public func quickModeHash2(messageID: UInt32, nonceI: [UInt8], afterHash: [UInt8]) -> [UInt8] {
        prf(key: skeyidA) { $0.bigEndian(messageID); $0(nonceI); $0(afterHash) }
    }

    /// `HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)`.
    public func quickModeHash3(messageID: UInt32, nonceI: [UInt8], nonceR: [UInt8]) -> [UInt8] {
        prf(key: skeyidA) { $0.byte(0); $0.bigEndian(messageID); $0(nonceI); $0(nonceR) }
    }

    /// Informational `HASH(1) = prf(SKEYID_a, M-ID | N/D payload(s))`.
    public func informationalHash(messageID: UInt32, payloads: [UInt8]) -> [UInt8] {
        prf(key: skeyidA) { $0.bigEndian(messageID); $0(payloads) }
    }

    // MARK: KEYMAT (RFC 2409 §5.5)

    /// Quick Mode keying material for one SA (one SPI, one direction):
    ///
    ///     KEYMAT = K1 | K2 | ...
    ///     K1     = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
    ///     K(n+1) = prf(SKEYID_d, Kn | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
    ///
    /// - Parameters:
    ///   - protocolID: 2 = AH, 3 = ESP (RFC 2407 §4.4.1).
    ///   - spi: the SPI of the SA being keyed, as on the wire (the SPI the
    ///     receiving peer chose).
    ///   - nonceI: Ni_b, the body of the initiator's Quick Mode nonce.
    ///   - nonceR: Nr_b, the body of the responder's Quick Mode nonce.
    ///   - pfsSharedSecret: the Quick Mode g^xy when PFS was used.
    ///   - length: bytes needed (encryption key, then integrity key).
    public func keymat(protocolID: UInt8, spi: [UInt8], nonceI: [UInt8], nonceR: [UInt8],
                       pfsSharedSecret: SecretBytes? = nil, length: Int) -> SecretBytes {
        let blockLength = prf.hash.length
        // Each block is written to the output as it is made; K(n+1) reads Kn back from there.
        return SecretBytes(count: length) { out in
            var offset = 0
            withUnsafeTemporaryAllocation(byteCount: blockLength, alignment: 1) { block in
                defer { wipe(block) }
                skeyidD.withUnsafeBytes { key in
                    prf.hash.withHMAC(key: key) { h in   // SKEYID_d keyed once for all blocks
                        while offset < length {
                            let previous = UnsafeRawBufferPointer(rebasing: block[0..<(offset == 0 ? 0 : blockLength)])
                            h.mac(into: block) { input in
                                input(previous)
                                if let pfsSharedSecret { input(pfsSharedSecret) }
                                input.byte(protocolID)
                                input(spi)
                                input(nonceI)
                                input(nonceR)
                            }
                            let n = min(blockLength, length - offset)
                            out.baseAddress!.advanced(by: offset).copyMemory(from: block.baseAddress!, byteCount: n)
                            offset += n
                        }
                    }
                }
            }
        }
    }

    /// The KEYMAT input after SKEYID_d: `[g(qm)^xy |] protocol | SPI | Ni_b | Nr_b`.
    public func keymatSeed(protocolID: UInt8, spi: [UInt8], nonceI: [UInt8], nonceR: [UInt8],
                           pfsSharedSecret: SecretBytes? = nil) -> [UInt8] {
        var seed: [UInt8] = []
        seed.reserveCapacity((pfsSharedSecret?.count ?? 0) + 1 + spi.count + nonceI.count + nonceR.count)
        pfsSharedSecret?.withUnsafeBytes { seed.append(contentsOf: $0) }
        seed.append(protocolID)
        seed += spi
        seed += nonceI
        seed += nonceR
        return seed
    }
}
